package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// collect runs a command and every command it batches, returning their
// messages without feeding them to the model: the test decides when (and
// whether) each answer arrives.
func collect(t *testing.T, c tea.Cmd) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	queue := []tea.Cmd{c}
	for len(queue) > 0 {
		c, queue = queue[0], queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			out = append(out, msg)
		}
	}
	return out
}

// later runs a command on another goroutine, as the program does: its
// messages (not fed to the model) come on the channel once it returns.
func later(t *testing.T, c tea.Cmd) <-chan []tea.Msg {
	done := make(chan []tea.Msg, 1)
	go func() { done <- collect(t, c) }()
	return done
}

// feed hands messages to the model, as the program would.
func feed(m *Model, msgs []tea.Msg) {
	for _, msg := range msgs {
		m.Update(msg)
	}
}

// endedCancelled: n calls ended, the last of them cancelled.
func endedCancelled(ended []error, n int) bool {
	return len(ended) == n && errors.Is(ended[n-1], context.Canceled)
}

func screenText(m *Model) string { return ansi.Strip(m.Render()) }

func eventsBackend(t *testing.T) *fakeBackend {
	return &fakeBackend{stored: fixtureData(t, 40), events: goldenEvents()}
}

// Opening the detail asks for the row's door events in a command, never in
// Update: the screen says "loading" until the answer comes.
func TestDetailLoadsDoorEventsInTheBackground(t *testing.T) {
	be := eventsBackend(t)
	m := newTestModel(t, be, 160, 48)
	_, cmd := m.Update(keyMsg("enter"))
	if n := len(be.eventsAsked); n != 0 {
		t.Fatalf("Update itself asked the backend for events (%d calls)", n)
	}
	if s := screenText(m); !strings.Contains(s, "door events: loading…") {
		t.Fatalf("while loading:\n%s", s)
	}
	run(t, m, cmd)
	want := []AccountRef{{Target: "entrance", Account: "1001"}, {Target: "gym", Account: "1001"}}
	if len(be.eventsAsked) != 1 || !slices.Equal(be.eventsAsked[0], want) {
		t.Fatalf("asked for %v, want %v", be.eventsAsked, want)
	}
	s := screenText(m)
	for _, line := range []string{
		"door events since 2025-10-02 on entrance",
		"  2025-11-01 08:59  entrance  denied   face not matched  door 1",
		"  2025-11-01 09:00  entrance  granted  face verified     door 1",
		"  terminal gym: events of 1001 page 2: transient (timeout): no answer within 20s",
	} {
		if !strings.Contains(s, line) {
			t.Errorf("screen lacks %q:\n%s", line, s)
		}
	}
}

// Moving to the next row cancels the read of the previous one, and its
// late answer is dropped: the screen shows the row under the cursor.
func TestDetailDropsEventsOfAnotherRow(t *testing.T) {
	be := eventsBackend(t)
	m := newTestModel(t, be, 160, 48)
	_, first := m.Update(keyMsg("enter"))
	_, second := m.Update(keyMsg("tab"))
	for _, msg := range collect(t, second) {
		m.Update(msg)
	}
	shown := screenText(m)
	late := collect(t, first)
	if len(be.eventsEnded) != 2 || be.eventsEnded[1] == nil || !errors.Is(be.eventsEnded[1], context.Canceled) {
		t.Fatalf("the first row's read was not cancelled: %v", be.eventsEnded)
	}
	for _, msg := range late {
		m.Update(msg)
	}
	if s := screenText(m); s != shown {
		t.Fatalf("a late answer for the previous row changed the screen:\n%s\nwas\n%s", s, shown)
	}
	if strings.Contains(shown, "context canceled") {
		t.Fatalf("the cancelled read's error is shown:\n%s", shown)
	}
}

func TestDetailEventStates(t *testing.T) {
	cases := []struct {
		name string
		set  func(be *fakeBackend)
		want string
	}{
		{"backend error", func(be *fakeBackend) { be.eventsErr = errors.New("events: configuration has no targets") },
			"door events: events: configuration has no targets"},
		{"nothing in the window", func(be *fakeBackend) {
			be.events = EventsResult{Since: fixtureNow.AddDate(0, 0, -30), Read: []string{"entrance", "gym"}}
		},
			"door events: none since 2025-10-02 on entrance, gym"},
		{"no target keeps a log", func(be *fakeBackend) { be.events = EventsResult{} },
			"door events: none of these targets keeps an event log"},
		{"every target failed", func(be *fakeBackend) {
			be.events = EventsResult{Failed: []string{"terminal entrance: login rejected", "terminal gym: not contacted"}}
		}, "door events: none\n  terminal entrance: login rejected\n  terminal gym: not contacted"},
		{"events left out by a terminal", func(be *fakeBackend) {
			be.events = EventsResult{Since: fixtureNow.AddDate(0, 0, -30), Read: []string{"entrance"},
				Notes: []string{"entrance: 3 events of 1042 with a reset clock (1970) left out"}}
		}, "door events: none since 2025-10-02 on entrance\n  entrance: 3 events of 1042 with a reset clock (1970) left out"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			be := eventsBackend(t)
			c.set(be)
			m := newTestModel(t, be, 160, 48)
			press(t, m, "enter")
			if s := screenText(m); !strings.Contains(s, c.want) {
				t.Fatalf("screen lacks %q:\n%s", c.want, s)
			}
		})
	}
}

// A row without any account (a member missing everywhere) asks nothing.
func TestDetailWithoutAccountsAsksNothing(t *testing.T) {
	be := eventsBackend(t)
	m := newTestModel(t, be, 160, 48)
	press(t, m, "0") // every row
	d := m.shownData()
	if !cursorTo(t, m, func(r *row) bool { return len(accountRefs(&d, r)) == 0 }) {
		t.Fatal("the fixture has no row without an account")
	}
	press(t, m, "enter")
	if len(be.eventsAsked) != 0 {
		t.Fatalf("asked for events of %v", be.eventsAsked)
	}
	if s := screenText(m); !strings.Contains(s, "door events: no account on a target") {
		t.Fatalf("screen:\n%s", s)
	}
}

// Leaving the detail ends a read still waiting on a terminal.
func TestDetailLeavingCancelsTheRead(t *testing.T) {
	be := eventsBackend(t)
	be.eventsGate = make(chan struct{}) // never opened: only cancellation ends the call
	m := newTestModel(t, be, 160, 48)
	_, cmd := m.Update(keyMsg("enter"))
	done := later(t, cmd)
	press(t, m, "esc")
	msgs := <-done
	if !endedCancelled(be.eventsEnded, 1) {
		t.Fatalf("the read ended with %v, want cancelled", be.eventsEnded)
	}
	feed(m, msgs)
	if d := m.State().Detail; m.focusedScreen() != screenTable || d.EventsLoading || d.EventsErr != nil {
		t.Fatalf("after esc: screen %s, loading %v, error %v", m.focusedScreen(), d.EventsLoading, d.EventsErr)
	}
	// Opening the detail again reads again.
	be.eventsGate = nil
	press(t, m, "enter")
	if len(be.eventsAsked) != 2 || !strings.Contains(screenText(m), "face not matched") {
		t.Fatalf("reopened: %d reads\n%s", len(be.eventsAsked), screenText(m))
	}
}

// Text a target sent (a platform's headline, an error) cannot drive the
// operator's terminal or break the screen into extra lines.
func TestDetailEventTextIsPrintable(t *testing.T) {
	be := eventsBackend(t)
	be.events.Entries[0].Reason = "Доступ\x1b[2J запрещен\nline two"
	be.events.Failed = []string{"neyross pacs: \x1b]0;owned\x07reply not understood"}
	m := newTestModel(t, be, 160, 48)
	press(t, m, "enter")
	raw := m.Render()
	for _, bad := range []string{"\x1b[2J", "\x1b]0;", "\x07"} {
		if strings.Contains(raw, bad) {
			t.Fatalf("screen carries %q from a target", bad)
		}
	}
	checkFrame(t, ansi.Strip(raw), 160, 48)
	if s := screenText(m); !strings.Contains(s, "Доступ запрещен line two  door 1") || !strings.Contains(s, "neyross pacs: reply not understood") {
		t.Fatalf("screen:\n%s", s)
	}
}

// whyTarget is one target's answer in a canned why report.
func whyTarget(name string, st WhyStatus, answer string, evidence ...string) backend.WhyTarget {
	return backend.WhyTarget{Target: name, System: "hikvision", Status: st, Answer: name + ": " + answer,
		Evidence: append([]string{"Cardskipper: said once per member, never shown per target"}, evidence...)}
}

// whyMemberOf is a canned member's answer: valid to 2025-12-01.
func whyMemberOf(id, name string, targets ...backend.WhyTarget) backend.WhyMember {
	in := true
	for _, t := range targets {
		in = in && (t.Status == backend.WhyIn || t.Status == backend.WhyNotApplicable)
	}
	return backend.WhyMember{ID: id, Name: name, GetsIn: in, Targets: targets, Cardskipper: backend.WhySource{Valid: true,
		Answer: "valid today to 2025-12-01 (role 7 of organisation 1, 2025-01-05 … 2025-12-01)"}}
}

func whyReportOf(email member.Email, members ...backend.WhyMember) WhyReport {
	in := len(members) > 0
	for _, m := range members {
		in = in && m.GetsIn
	}
	return WhyReport{Version: backend.WhyVersion, Email: email, At: fixtureNow, GetsIn: in, Members: members}
}

// goldenWhy are the fixture's canned answers: Ana Novak (ana.1) gets in
// on both terminals until her account ends; Дмитрий Иванов (dmitrij.18,
// in sync) has no face enrolled on the entrance; the family of
// druzina@example.si (ambiguous) is linked to no account.
func goldenWhy() map[member.Email]WhyReport {
	ambiguous := func(id, name string) backend.WhyMember {
		return whyMemberOf(id, name,
			whyTarget("entrance", backend.WhyOut, "no account known: 2 members share this e-mail — link each member to its account",
				"target: not_read — not asked: doorsync knows no account of the member there",
				"plan now: ambiguous — 2 members share this e-mail (990002, 990003); applied unattended: no"),
			whyTarget("gym", backend.WhyOut, "no account known: 2 members share this e-mail — link each member to its account",
				"target: not_read — not asked: doorsync knows no account of the member there"))
	}
	return map[member.Email]WhyReport{
		"ana.1@example.si": whyReportOf("ana.1@example.si", whyMemberOf("150001", "Ana Novak",
			whyTarget("entrance", backend.WhyIn, "gets in to 2025-11-04; Cardskipper valid to 2025-12-01 — extend applied by the next unattended run",
				"target: reachable",
				"account 1001 (ana novak), found by the member's e-mail on the account",
				"period now: 2025-01-05 00:00:00 … 2025-11-04 23:59:59 (read live)",
				"enrolled: 1 face, 1 card",
				"plan now: extend — renewed in Cardskipper; applied unattended: yes",
				"door event 2025-11-01 09:00: granted: face verified (door 1)"),
			whyTarget("gym", backend.WhyIn, "gets in to 2025-11-04; Cardskipper valid to 2025-12-01 — extend applied by the next unattended run",
				"target: reachable",
				"account 1001 (ana novak), by a link an operator confirmed, since 2025-10-30 10:00 by admin",
				"period now: 2025-01-05 00:00:00 … 2025-11-04 23:59:59 (read live)",
				"enrolled: 1 face, 0 cards",
				"plan now: extend — renewed in Cardskipper; applied unattended: yes",
				"door events: could not be read"))),
		"dmitrij.18@example.si": whyReportOf("dmitrij.18@example.si", whyMemberOf("150018", "Дмитрий Иванов",
			whyTarget("entrance", backend.WhyOut, "no face enrolled — 1 card: the door opens by card only",
				"target: reachable",
				"account 1018 (дмитрий иванов), found by the member's e-mail on the account",
				"period now: 2025-01-05 00:00:00 … 2025-12-01 23:59:59 (read live)",
				"enrolled: 0 faces, 1 card",
				"plan now: in_sync — dates match; applied unattended: no",
				"door event 2025-11-01 08:59: denied: face not matched (door 1)"),
			whyTarget("gym", backend.WhyIn, "gets in to 2025-12-01, as Cardskipper says",
				"target: reachable",
				"account 1018 (дмитрий иванов), found by the member's e-mail on the account",
				"period now: 2025-01-05 00:00:00 … 2025-12-01 23:59:59 (read live)",
				"enrolled: 1 face, 0 cards"))),
		"druzina@example.si": whyReportOf("druzina@example.si", ambiguous("990002", "Mama Kos"), ambiguous("990003", "Sin Kos")),
	}
}

// detailBackend is the golden screens' fixture with a history entry, door
// events and the canned answers to why.
func detailBackend(t testing.TB) *fakeBackend {
	be := &fakeBackend{stored: fixtureData(t, 40), events: goldenEvents(), why: goldenWhy(), history: []HistoryEntry{
		{RunID: 3, At: fixtureNow.Add(-26 * time.Hour), Kind: "extend", Email: "ana.1@example.si", Target: "entrance", Status: "applied", Before: "2025-10-01", After: "2025-11-04"},
	}}
	be.fresh = be.stored
	return be
}

// ambiguousDetailBackend is ambiguousBackend with the canned answers.
func ambiguousDetailBackend(t testing.TB) *fakeBackend {
	be := ambiguousBackend(t)
	be.why = goldenWhy()
	return be
}

// noFaceBackend is detailBackend with the door events of Дмитрий Иванов
// (dmitrij.18, in sync), whose answer says he has no face enrolled on the
// entrance; openNoFace opens the detail on his row.
func noFaceBackend(t testing.TB) *fakeBackend {
	be := detailBackend(t)
	be.history = nil // the fixture's entry is Ana's
	be.events = EventsResult{Since: fixtureNow.AddDate(0, 0, -30), Read: []string{"entrance", "gym"}, Entries: []EventEntry{
		{Target: "entrance", Event: target.Event{Time: fixtureNow.Add(-2*time.Hour - time.Minute), Account: "1018", Name: "ДМИТРИЙ ИВАНОВ",
			Outcome: target.OutcomeDenied, Reason: "face not matched", Door: "door 1", Code: "5/76"}},
	}}
	return be
}

// openNoFace finds dmitrij.18 among all rows and opens its detail; keys
// follow.
func openNoFace(t testing.TB, m *Model, keys ...string) {
	t.Helper()
	press(t, m, "0", "/")
	typeText(t, m, "dmitrij.18")
	press(t, m, "enter")
	press(t, m, keys...)
}

// longReason is an item's reason as long as NEYROSS's (issue 13 §3).
const longReason = "renewed in Cardskipper; the person's access level on the target starts later: Cardskipper valid to 2025-12-01 ends before activation_date 2026-10-12 00:00:00, so the end written would lie before the start"

// wrappedBackend is detailBackend with the entrance item of ana.1 given
// longReason and held for approval by an unattended run: the detail's two
// lines that were cut at any width.
func wrappedBackend(t testing.TB) *fakeBackend {
	be := detailBackend(t)
	d := &be.stored
	d.AutoHeld = map[string]time.Time{}
	for i := range d.Plan.Items {
		if it := &d.Plan.Items[i]; it.Email == "ana.1@example.si" && it.Target == "entrance" {
			it.Reason = longReason
			d.AutoHeld[it.ID] = fixtureNow.Add(-4 * time.Hour)
		}
	}
	be.fresh = be.stored
	return be
}

// bodyWords are the words of a screen's body (between the title line and
// the footer), every page of it read by pgdn: what wrapping keeps.
func bodyWords(t *testing.T, m *Model) string {
	t.Helper()
	press(t, m, "g")
	var words []string
	for range 20 {
		lines := strings.Split(screenText(m), "\n")
		body := lines[1 : len(lines)-1]
		words = append(words, strings.Fields(strings.Join(body, " "))...)
		if strings.Contains(screenText(m), "the end ·") || !strings.Contains(screenText(m), "more below") {
			return strings.Join(words, " ")
		}
		press(t, m, "pgdown")
	}
	t.Fatal("pgdn never reached the end")
	return ""
}

// Long reasons wrap at every width: nothing of them is cut (§3).
func TestDetailWrapsLongReasons(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			m := newTestModel(t, wrappedBackend(t), size[0], size[1])
			press(t, m, "enter")
			checkFrame(t, screenText(m), size[0], size[1])
			words := bodyWords(t, m)
			for _, want := range []string{longReason, "--auto: held for approval by the run of 2025-11-01 07:00"} {
				if !strings.Contains(words, strings.Join(strings.Fields(want), " ")) {
					t.Errorf("the detail lacks %q in full:\n%s", want, words)
				}
			}
			if strings.Contains(words, "…") && !strings.Contains(strings.ReplaceAll(words, " … ", ""), "…") {
				return // only the dates' ranges ("2025-01-05 … 2025-12-01")
			}
			if strings.Contains(strings.ReplaceAll(words, " … ", " "), "…") {
				t.Errorf("the detail cuts a line with …:\n%s", words)
			}
		})
	}
}

// Every key the help lists for moving scrolls the detail: j/↓ k/↑ a
// line, pgdn/pgup a page, G/end to the end, g/home to the top (§3).
func TestDetailScrollsWithEveryListedKey(t *testing.T) {
	m := newTestModel(t, detailBackend(t), 80, 24)
	press(t, m, "enter")
	first := func() string {
		t.Helper()
		s := screenText(m)
		i := strings.Index(s, "lines ")
		if i < 0 {
			t.Fatalf("no position line:\n%s", s)
		}
		return strings.Fields(s[i:])[1] // "a–b"
	}
	n, page := m.detailScroll()
	span := func(from int) string { return fmt.Sprintf("%d–%d", from, min(n, from+page-1)) }
	last := n - page + 1
	steps := []struct {
		key  string
		from int
	}{
		{"j", 2}, {"down", 3}, {"k", 2}, {"up", 1}, {"up", 1},
		{"pgdown", 1 + page}, {"pgup", 1}, {"ctrl+f", 1 + page}, {"ctrl+b", 1},
		{"G", last}, {"j", last}, {"g", 1}, {"end", last}, {"home", 1},
	}
	if last <= 1+page {
		t.Fatalf("the fixture's detail is too short to page: %d lines, %d a page", n, page)
	}
	ctrl := map[string]tea.KeyPressMsg{"ctrl+f": {Code: 'f', Mod: tea.ModCtrl}, "ctrl+b": {Code: 'b', Mod: tea.ModCtrl}}
	for _, st := range steps {
		if k, ok := ctrl[st.key]; ok {
			_, c := m.Update(k)
			run(t, m, c)
		} else {
			press(t, m, st.key)
		}
		if got, want := first(), span(st.from); got != want {
			t.Fatalf("after %s: lines %s, want %s\n%s", st.key, got, want, screenText(m))
		}
	}
	if m.focusedScreen() != screenDetail {
		t.Fatalf("a scroll key left the detail for %s", m.focusedScreen())
	}
}

// A row several members share lists each member with its own items, each
// item naming whose it is, and each member's own answer (§12).
func TestDetailAmbiguousSaysWhose(t *testing.T) {
	m := newTestModel(t, ambiguousDetailBackend(t), 160, 48)
	press(t, m, "8", "enter")
	s := screenText(m)
	var order []int
	for _, want := range []string{
		"── member 990002  Mama Kos ──", "ambiguous on entrance for Mama Kos —", "ambiguous on gym for Mama Kos —", "why: Mama Kos, member 990002",
		"── member 990003  Sin Kos ──", "ambiguous on entrance for Sin Kos —", "ambiguous on gym for Sin Kos —", "why: Sin Kos, member 990003",
	} {
		if strings.Count(s, want) != 1 {
			t.Fatalf("%q shown %d times, want once:\n%s", want, strings.Count(s, want), s)
		}
		order = append(order, strings.Index(s, want))
	}
	if !slices.IsSorted(order) {
		t.Fatalf("each member's items are not under its name:\n%s", s)
	}
	if !strings.Contains(s, "A  druzina@example.si  Mama Kos, Sin Kos") {
		t.Fatalf("the title does not name both members:\n%s", s)
	}
	// A member the answer names that the row lacks is shown too.
	be := ambiguousDetailBackend(t)
	rep := be.why["druzina@example.si"]
	rep.Members = append(rep.Members, whyMemberOf("990004", "Hči Kos"))
	be.why["druzina@example.si"] = rep
	m = newTestModel(t, be, 160, 48)
	press(t, m, "8", "enter", "G")
	if s := screenText(m); !strings.Contains(s, "why: Hči Kos, member 990004: gets in everywhere") {
		t.Fatalf("the third member's answer is not shown:\n%s", s)
	}
}

// Why is asked in a command, never in Update: marked while it loads, then
// per target the answer in one line and its evidence under it.
func TestDetailAsksWhyInTheBackground(t *testing.T) {
	be := noFaceBackend(t)
	m := newTestModel(t, be, 160, 48)
	openNoFace(t, m)
	_, cmd := m.Update(keyMsg("enter"))
	if len(be.whyAsked) != 0 {
		t.Fatalf("Update itself asked why (%v)", be.whyAsked)
	}
	if s := screenText(m); !strings.Contains(s, "why: asking the targets…") {
		t.Fatalf("while asking:\n%s", s)
	}
	run(t, m, cmd)
	if !slices.Equal(be.whyAsked, []member.Email{"dmitrij.18@example.si"}) {
		t.Fatalf("asked why of %v", be.whyAsked)
	}
	s := screenText(m)
	want := []string{
		"why: Дмитрий Иванов, member 150018: does NOT get in everywhere",
		"  Cardskipper: valid today to 2025-12-01",
		"  NO    entrance: no face enrolled — 1 card: the door opens by card only",
		"        enrolled: 0 faces, 1 card",
		"  ok    gym: gets in to 2025-12-01, as Cardskipper says",
	}
	at := -1
	for _, w := range want {
		i := strings.Index(s, w)
		if i <= at {
			t.Fatalf("screen lacks %q after what came before:\n%s", w, s)
		}
		at = i
	}
	if strings.Contains(s, "said once per member") {
		t.Fatalf("the Cardskipper line is repeated per target:\n%s", s)
	}
}

func TestDetailWhyFails(t *testing.T) {
	be := detailBackend(t)
	be.whyErr = errors.New("why: the store is locked\x1b[2J")
	m := newTestModel(t, be, 80, 24)
	press(t, m, "enter")
	if s := screenText(m); !strings.Contains(s, "why: why: the store is locked") || strings.Contains(s, "[2J") {
		t.Fatalf("screen:\n%s", s)
	}
}

// Moving to the next row, or leaving the detail, cancels the question in
// flight (it reads terminals); a late answer is dropped.
func TestDetailCancelsWhy(t *testing.T) {
	be := detailBackend(t)
	be.whyGate = make(chan struct{}) // never opened: only cancellation ends a call
	m := newTestModel(t, be, 160, 48)
	_, first := m.Update(keyMsg("enter"))
	late := later(t, first)
	_, second := m.Update(keyMsg("tab"))
	feed(m, <-late)
	if !endedCancelled(be.whyEnded, 1) {
		t.Fatalf("moving on did not cancel the first row's question: %v", be.whyEnded)
	}
	if s := screenText(m); !strings.Contains(s, "why: asking the targets…") || strings.Contains(s, "context canceled") {
		t.Fatalf("a late answer for the previous row changed the screen:\n%s", s)
	}
	done := later(t, second)
	press(t, m, "esc")
	feed(m, <-done)
	if !endedCancelled(be.whyEnded, 2) {
		t.Fatalf("leaving did not cancel the question: %v", be.whyEnded)
	}
	if m.focusedScreen() != screenTable || m.State().Detail.WhyLoading {
		t.Fatalf("after esc: screen %s, asking %v", m.focusedScreen(), m.State().Detail.WhyLoading)
	}
	// Opening the detail again asks again (ana.25: the row moved to).
	be.whyGate = nil
	press(t, m, "enter")
	if s := screenText(m); len(be.whyAsked) != 3 || !strings.Contains(s, "why: fake backend: no answer for ana.25@example.si") {
		t.Fatalf("reopened: asked %v\n%s", be.whyAsked, s)
	}
}

// hostileWhy answers why for each member with its (hostile) name in the
// member, an answer and the evidence, as a terminal's account name would
// reach them.
func hostileWhy(ms []member.Member) map[member.Email]WhyReport {
	out := map[member.Email]WhyReport{}
	for _, m := range ms {
		out[m.Email] = whyReportOf(m.Email, whyMemberOf(m.ID, m.Name(),
			whyTarget("entrance", backend.WhyOut, "no face enrolled on account "+m.FirstName, "account 1001 ("+m.LastName+")")))
	}
	return out
}
