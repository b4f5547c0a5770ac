package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

const benchRows = 50_000

func benchModel(b *testing.B) *Model {
	b.Helper()
	be := &fakeBackend{stored: fixtureData(b, benchRows)}
	m := New(Options{Backend: be, Clock: clock.NewManual(fixtureNow), NoRefresh: true})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	m.Update(m.opened(be.stored))
	press(b, m, "0") // every row
	return m
}

// BenchmarkKeyMove: one cursor move, update and render, over 50,000 rows.
func BenchmarkKeyMove(b *testing.B) {
	m := benchModel(b)
	down, up := keyMsg("down"), keyMsg("up")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := down
		if i%200 >= 100 {
			k = up
		}
		m.Update(k)
		_ = m.Render()
	}
}

// BenchmarkKeyFilter: one keystroke of a search, re-filtering 50,000 rows.
func BenchmarkKeyFilter(b *testing.B) {
	m := benchModel(b)
	press(b, m, "/")
	add, del := tea.KeyPressMsg{Code: 'z', Text: "z"}, keyMsg("backspace")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := add
		if i%2 == 1 {
			k = del
		}
		m.Update(k)
		_ = m.Render()
	}
}

// BenchmarkKeySelect: space on a row, update and render (on the
// needs-action tab: the all tab starts on a row with nothing to apply).
func BenchmarkKeySelect(b *testing.B) {
	m := benchModel(b)
	press(b, m, "1")
	space, up := keyMsg("space"), keyMsg("up")
	b.ResetTimer()
	for b.Loop() {
		m.Update(space)
		m.Update(up)
		_ = m.Render()
	}
}

// BenchmarkFirstFrame: from the stored snapshot's data to the first frame
// (rows built, sorted, counted, filtered, rendered) for 50,000 members.
func BenchmarkFirstFrame(b *testing.B) {
	d := fixtureData(b, benchRows)
	be := &fakeBackend{stored: d}
	for b.Loop() {
		m := New(Options{Backend: be, Clock: clock.NewManual(fixtureNow), NoRefresh: true})
		m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		m.Update(m.opened(d))
		_ = m.Render()
	}
}

// benchLinksModel is the identity view over 50,000 members: every sixth is
// missing on the gym, where an account without e-mail carries its name,
// and each is suggested its account (set directly: ranking the fixture's
// eight names against each other is identity.Suggest's benchmark, not the
// view's).
func benchLinksModel(b *testing.B) *Model {
	b.Helper()
	in := fixtureInput(b, benchRows)
	var sugs []identity.Suggestion
	for ti := range in.Targets {
		if in.Targets[ti].Info.Name != "gym" {
			continue
		}
		accs := slices.Clone(in.Targets[ti].Accounts)
		for i, mb := range in.Members[:benchRows] {
			if i%6 != 5 {
				continue
			}
			id := fmt.Sprint(200000 + i)
			name := strings.ToUpper(member.FoldName(mb.Name()))
			accs = append(accs, target.Account{ID: id, Name: name})
			sugs = append(sugs, identity.Suggestion{Email: mb.Email, MemberID: mb.ID, MemberName: mb.Name(), Target: "gym",
				Account: id, AccountName: name, Score: identity.ScoreExact, Why: "same name"})
		}
		in.Targets[ti].Accounts = accs
	}
	d := dataOf(in)
	m := New(Options{Backend: &fakeBackend{stored: d}, Clock: clock.NewManual(fixtureNow), NoRefresh: true})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	m.Update(m.opened(d))
	m.Update(keyMsg("L")) // the ranking command is not run
	req := m.requests()
	m.Update(suggestMsg{req: req.suggest, gen: req.gen, sugs: sugs})
	if l := m.State().Links; l.Missing < benchRows/7 || l.Chosen == nil {
		b.Fatalf("links view: %d members, chosen %v", l.Missing, l.Chosen)
	}
	return m
}

// BenchmarkLinksMove: one cursor move in the identity view, update and
// render, with 8,333 members without an account and as many accounts.
func BenchmarkLinksMove(b *testing.B) {
	m := benchLinksModel(b)
	down, up := keyMsg("down"), keyMsg("up")
	for i := 0; b.Loop(); i++ {
		k := down
		if i%200 >= 100 {
			k = up
		}
		m.Update(k)
		_ = m.Render()
	}
}

// BenchmarkLinksReplanned: a re-planned data set arriving after a link
// change (table rows, the view's lists and the frame rebuilt) over 50,000
// members: what the operator waits for after y, besides the backend.
func BenchmarkLinksReplanned(b *testing.B) {
	m := benchLinksModel(b)
	d := m.shownData()
	for b.Loop() {
		req := m.requests()
		m.Update(replanMsg{req: req.replan, gen: req.gen, data: d})
		_ = m.Render()
	}
}

// BenchmarkKeypress50k measures each keypress on its own (update and
// render of the frame it leads to) over 50,000 rows and reports the
// median and 95th percentile, what the operator feels, besides the mean
// (ns/op). move: the cursor down and back up; filter: a search typed and
// erased one key at a time; select: space on a row of the needs-action
// tab (selecting or clearing it and moving down) and back up.
func BenchmarkKeypress50k(b *testing.B) {
	down, up := keyMsg("down"), keyMsg("up")
	// No j or k: typed in the search they end it (they move the cursor).
	query := []rune("ziga ceh")
	cases := []struct {
		name  string
		setup func(m *Model)
		key   func(i int) tea.KeyPressMsg
		check func(m *Model, i int) // after key i, untimed
	}{
		{"move", nil, func(i int) tea.KeyPressMsg {
			if i%200 < 100 {
				return down
			}
			return up
		}, nil},
		{"filter", func(m *Model) { press(b, m, "/") }, func(i int) tea.KeyPressMsg {
			// type the query, then erase it: 2×len(query) keys a round
			if j := i % (2 * len(query)); j < len(query) {
				return tea.KeyPressMsg{Code: query[j], Text: string(query[j])}
			}
			return keyMsg("backspace")
		}, func(m *Model, i int) {
			if s := m.State(); i%(2*len(query)) == len(query)-1 && (s.Table.Search != string(query) || s.Rows == 0 || s.Rows >= s.AllRows) {
				b.Fatalf("after typing %q: query %q, %d of %d rows", string(query), s.Table.Search, s.Rows, s.AllRows)
			}
		}},
		{"select", func(m *Model) { press(b, m, "1") }, func(i int) tea.KeyPressMsg {
			if i%2 == 0 {
				return keyMsg("space")
			}
			return up
		}, func(m *Model, i int) {
			if want := i%4 == 0; i%2 == 0 && (len(m.selectedIDs()) > 0) != want {
				b.Fatalf("after space %d: %d items selected", i/2+1, len(m.selectedIDs()))
			}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			m := benchModel(b)
			if c.setup != nil {
				c.setup(m)
			}
			var took []time.Duration
			for i := 0; b.Loop(); i++ {
				start := time.Now() // wall clock: measuring a key press
				m.Update(c.key(i))
				_ = m.Render()
				took = append(took, time.Since(start)) // wall clock: measuring
				if c.check != nil {
					b.StopTimer()
					c.check(m, i)
					b.StartTimer()
				}
			}
			if m.State().Rows == 0 {
				b.Fatal("no rows left")
			}
			reportPercentiles(b, took)
		})
	}
}

// reportPercentiles adds the median and 95th percentile of the durations
// to the benchmark's line, in microseconds.
func reportPercentiles(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) float64 {
		return float64(s[min(len(s)-1, int(q*float64(len(s))))]) / float64(time.Microsecond)
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.95), "p95-µs")
}
