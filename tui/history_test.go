package tui

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

// historyRuns are three recorded runs, newest first: a console run with 30
// items, a cron run that failed on a terminal (by a user whose name is
// longer than its column), and a watch run that did nothing.
// be11Error is run 11's error: longer than a line at 80 columns.
const be11Error = "terminal gym: authentication failed twice; stopped for this run, its other items skipped until the credentials are fixed"

func historyRuns() []RunEntry {
	at := func(h time.Duration) time.Time { return fixtureNow.Add(-h * time.Hour) }
	return []RunEntry{
		// stopped with Esc: the cancelled counted as the apply's summary did
		{ID: 12, Mode: "console", User: "admin", StartedAt: at(2), FinishedAt: at(2).Add(40 * time.Second), Outcome: "cancelled",
			Counts: map[string]int{"applied": 17, "failed": 2, "held": 1, "cancelled": 76}},
		{ID: 11, Mode: "auto", User: "maximiliana.wolkenstein", StartedAt: at(26), FinishedAt: at(26).Add(time.Minute), Outcome: "partial",
			Counts: map[string]int{"applied": 1, "failed": 1, "stale": 1, "skipped": 3},
			Error:  be11Error},
		{ID: 10, Mode: "watch", User: "doorsync", StartedAt: at(50), Outcome: "abandoned", Counts: map[string]int{}},
	}
}

// historyItems are n recorded items of a run: every kind that writes,
// every status, long e-mails and a Cyrillic one, an error on the failed.
func historyItems(n int) []HistoryEntry {
	kinds := []plan.Kind{plan.Extend, plan.Reactivate, plan.Shorten, plan.Revoke}
	statuses := []string{"applied", "applied", "failed", "stale", "held", "skipped", "cancelled"}
	emails := []string{"ana.%d@example.si", "maximiliana.theodora.wolkenstein.%d@example.si", "дмитрий.%d@пример.рф", "joze.%d@example.si"}
	out := make([]HistoryEntry, n)
	for i := range out {
		e := HistoryEntry{RunID: 12, At: fixtureNow.Add(-2 * time.Hour), Kind: kinds[i%len(kinds)],
			Email: member.Email(fmt.Sprintf(emails[i%len(emails)], i)), Target: []string{"entrance", "gym"}[i%2],
			Account: fmt.Sprint(1000 + i), Status: statuses[i%len(statuses)],
			Before: fmt.Sprintf("2025-10-%02d", 1+i%28), After: fmt.Sprintf("2025-12-%02d", 1+i%28)}
		if e.Status == "failed" {
			e.Error = "deviceBusy: the terminal is busy, retried 3 times"
		}
		out[i] = e
	}
	return out
}

func historyBackend(t testing.TB) *fakeBackend {
	t.Helper()
	return &fakeBackend{stored: fixtureData(t, 12), runs: historyRuns(),
		runItems: map[int64][]HistoryEntry{12: historyItems(30), 11: historyItems(2), 10: nil}}
}

// bodyLines are the lines of a frame between the status line and the
// footer.
func bodyLines(frame string) []string {
	lines := strings.Split(frame, "\n")
	return lines[2 : len(lines)-1]
}

// An empty history: every key of the view does nothing harmful (a cursor
// at -1 made enter index runs[-1]), asks for no items, and the view says
// why it is empty and what fills it.
func TestHistoryEmptyKeysAreHarmless(t *testing.T) {
	for _, keys := range [][]string{
		{"down", "enter"},
		{"up", "enter"},
		{"end", "enter", "pgdown", "enter", "home", "pgup", "enter", "down", "down", "enter"},
	} {
		be := &fakeBackend{stored: fixtureData(t, 12)}
		m := newTestModel(t, be, 80, 24)
		press(t, m, "H")
		press(t, m, keys...)
		if m.focusedScreen() != screenHistory {
			t.Fatalf("%v: left the history for %v", keys, m.focusedScreen())
		}
		if len(be.itemsAsked) != 0 {
			t.Fatalf("%v: asked for the items of runs %v of an empty history", keys, be.itemsAsked)
		}
		out := ansi.Strip(m.Render())
		checkFrame(t, out, 80, 24)
		if !strings.Contains(out, "No runs recorded yet") || !strings.Contains(out, "approve with a") {
			t.Fatalf("%v: the empty history does not say what fills it:\n%s", keys, out)
		}
		press(t, m, "esc")
		if m.focusedScreen() != screenTable {
			t.Fatalf("%v: esc from the empty history went to %v", keys, m.focusedScreen())
		}
	}
}

// Runs that cannot be read: the error is shown, the keys stay harmless.
func TestHistoryRunsErrorShown(t *testing.T) {
	be := &fakeBackend{stored: fixtureData(t, 12), runsErr: errors.New("history: database is locked")}
	m := newTestModel(t, be, 80, 24)
	press(t, m, "H", "down", "enter", "end", "enter")
	out := ansi.Strip(m.Render())
	if !strings.Contains(out, "database is locked") || len(be.itemsAsked) != 0 {
		t.Fatalf("runs error: asked %v\n%s", be.itemsAsked, out)
	}
}

// The list shows each run's number, time, outcome, counts and error (at
// 80 columns the mode and the user go to the note under the list); the
// cursor moves with the table's keys and stops at both ends.
func TestHistoryListsRuns(t *testing.T) {
	m := newTestModel(t, historyBackend(t), 80, 24)
	press(t, m, "H")
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^› +12 2025-11-01 09:00 cancelled 17 applied, 2 failed, 1 held, 76 cancelled *$`),
		regexp.MustCompile(`(?m)^ +11 2025-10-31 09:00 partial +1 applied, 1 failed, 1 stale, 3 skipped +$`),
		regexp.MustCompile(`(?m)^ +10 2025-10-30 09:00 abandoned nothing +$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("runs list does not match %s:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "run 12 (console by admin) finished 2025-11-01 09:00, after 40s") {
		t.Errorf("no line on the cursor's run:\n%s", out)
	}
	press(t, m, "down")
	if out := ansi.Strip(m.Render()); !strings.Contains(strings.Join(strings.Fields(out), " "),
		"run 11 (auto by maximiliana.wolkenstein) finished 2025-10-31 09:01, after 1m0s "+be11Error) {
		t.Errorf("the error of the cursor's run is not shown whole:\n%s", out)
	}
	press(t, m, "up")
	cursorRun := func() string {
		for _, l := range bodyLines(ansi.Strip(m.Render())) {
			if strings.HasPrefix(l, "›") {
				return strings.Fields(l)[1]
			}
		}
		return ""
	}
	for _, c := range []struct {
		key, want string
	}{
		{"down", "11"}, {"down", "10"}, {"down", "10"}, {"up", "11"}, {"up", "12"}, {"up", "12"},
		{"end", "10"}, {"home", "12"}, {"pgdown", "10"}, {"pgup", "12"}, {"j", "11"}, {"k", "12"},
	} {
		press(t, m, c.key)
		if got := cursorRun(); got != c.want {
			t.Fatalf("after %s the cursor is on run %q, want %s", c.key, got, c.want)
		}
	}
}

// enter opens the items of the run under the cursor; they scroll with the
// table's keys, say which ones show ("items 1–13 of 30"), and every line
// keeps both dates whole at 80 columns. esc gives the keys back to the
// runs; an answer for a run no longer asked for is dropped.
func TestHistoryRunItemsScroll(t *testing.T) {
	be := historyBackend(t)
	items := be.runItems[12]
	m := newTestModel(t, be, 80, 24)
	itemsPos := regexp.MustCompile(`run 12\b.*items (\d+)–(\d+) of 30`)
	press(t, m, "H", "enter")
	if !slices.Equal(be.itemsAsked, []int64{12}) {
		t.Fatalf("asked for the items of runs %v, want [12]", be.itemsAsked)
	}
	shown := func() (first, last int, lines []string) {
		t.Helper()
		out := ansi.Strip(m.Render())
		checkFrame(t, out, 80, 24)
		if g := itemsPos.FindStringSubmatch(out); g != nil {
			first, _ = strconv.Atoi(g[1])
			last, _ = strconv.Atoi(g[2])
		}
		if first == 0 {
			t.Fatalf("no position of the items:\n%s", out)
		}
		for _, l := range bodyLines(out) {
			for i := first - 1; i < last; i++ {
				if strings.Contains(l, items[i].Before+" → "+items[i].After) && strings.Contains(l, items[i].Target) {
					lines = append(lines, l)
					break
				}
			}
		}
		if len(lines) != last-first+1 {
			t.Fatalf("items %d–%d: %d lines show both dates whole:\n%s", first, last, len(lines), out)
		}
		return first, last, lines
	}
	first, last, lines := shown()
	page := last - first + 1
	if first != 1 || page < 10 {
		t.Fatalf("first page shows items %d–%d", first, last)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "maximiliana.theo") || !strings.Contains(strings.Join(lines, "\n"), "…") {
		t.Fatalf("long e-mails are not truncated with an ellipsis:\n%s", strings.Join(lines, "\n"))
	}
	for _, c := range []struct {
		key   string
		first int
	}{
		{"down", 2}, {"j", 3}, {"up", 2}, {"pgdown", 2 + page}, {"end", 31 - page}, {"down", 31 - page},
		{"pgup", 31 - 2*page}, {"home", 1}, {"up", 1},
	} {
		press(t, m, c.key)
		if f, l, _ := shown(); f != c.first || l != min(30, c.first+page-1) {
			t.Fatalf("after %s items %d–%d show, want %d–%d", c.key, f, l, c.first, c.first+page-1)
		}
	}
	// esc: the keys move the runs again; the next run's items replace these.
	press(t, m, "esc")
	if m.focusedScreen() != screenHistory {
		t.Fatalf("esc from the items left the history for %v", m.focusedScreen())
	}
	press(t, m, "down", "enter")
	if !slices.Equal(be.itemsAsked, []int64{12, 11}) {
		t.Fatalf("asked for runs %v, want [12 11]", be.itemsAsked)
	}
	stale := m.requests().runItems - 1
	m.Update(runItemsMsg{req: stale, run: 12, entries: items})
	out := ansi.Strip(m.Render())
	if !strings.Contains(out, "run 11") || !strings.Contains(out, "items 1–2 of 2") {
		t.Fatalf("the items of run 11 are not shown:\n%s", out)
	}
	press(t, m, "esc", "esc")
	if m.focusedScreen() != screenTable {
		t.Fatalf("esc twice from the items went to %v", m.focusedScreen())
	}
}

// A run without items says so.
func TestHistoryRunWithoutItems(t *testing.T) {
	m := newTestModel(t, historyBackend(t), 80, 24)
	press(t, m, "H", "end", "enter")
	if out := ansi.Strip(m.Render()); !strings.Contains(out, "run 10 recorded no items") {
		t.Fatalf("a run without items:\n%s", out)
	}
}

// One run is "1 run", not "1 runs" (issue 13 §15).
func TestHistoryCountsRunsInWords(t *testing.T) {
	be := historyBackend(t)
	be.runs = be.runs[:1]
	m := newTestModel(t, be, 80, 24)
	press(t, m, "H")
	if out := ansi.Strip(m.Render()); !strings.Contains(out, "   1 run · enter") {
		t.Fatalf("one run:\n%s", out)
	}
}

// A run's items are narrowed by kind (tab, shift+tab) and by target (t),
// each cycling through what the run holds and back to every one; the
// narrowing stays for the next run opened, and says when it leaves none.
func TestHistoryItemsNarrowedByKindAndTarget(t *testing.T) {
	be := historyBackend(t)
	m := newTestModel(t, be, 160, 48)
	press(t, m, "H", "enter")
	rows := func() (kinds, targets map[string]int, pos string) {
		t.Helper()
		kinds, targets = map[string]int{}, map[string]int{}
		out := ansi.Strip(m.Render())
		checkFrame(t, out, 160, 48)
		for _, l := range bodyLines(out) {
			if strings.Contains(l, " → ") {
				f := strings.Fields(l)
				kinds[f[0]]++
				targets[f[3]]++
			}
			if i := strings.Index(l, "Items of run"); i >= 0 {
				pos = l[i:]
			}
		}
		return kinds, targets, pos
	}
	kinds, _, _ := rows()
	if len(kinds) != 4 {
		t.Fatalf("not narrowed: kinds %v", kinds)
	}
	press(t, m, "tab")
	kinds, targets, pos := rows()
	if fmt.Sprint(kinds) != "map[extend:8]" || fmt.Sprint(targets) != "map[entrance:8]" ||
		!strings.Contains(pos, "Items of run 12 · extend  items 1–8 of 8 (30 in the run)") {
		t.Fatalf("tab: kinds %v targets %v, %q", kinds, targets, pos)
	}
	press(t, m, "tab", "t", "t")
	kinds, targets, pos = rows()
	if fmt.Sprint(kinds) != "map[reactivate:8]" || fmt.Sprint(targets) != "map[gym:8]" || !strings.Contains(pos, "reactivate on gym") {
		t.Fatalf("tab, t, t: kinds %v targets %v, %q", kinds, targets, pos)
	}
	press(t, m, "t")
	if _, targets, _ = rows(); len(targets) != 1 || targets["gym"] != 8 {
		t.Fatalf("t back to every target: %v", targets)
	}
	press(t, m, "shift+tab", "t")
	if out := ansi.Strip(m.Render()); !strings.Contains(out, "extend on entrance") {
		t.Fatalf("shift+tab, t:\n%s", out)
	}
	press(t, m, "t")
	if out := ansi.Strip(m.Render()); !strings.Contains(out, "none of its 30 items") {
		t.Fatalf("extend on the gym, which has none:\n%s", out)
	}
	// The next run keeps the narrowing.
	press(t, m, "esc", "down", "enter")
	if _, _, pos = rows(); !strings.Contains(pos, "Items of run 11 · extend on gym") {
		t.Fatalf("run 11: %q", pos)
	}
}

// At 80 columns a run's items say "cancelled" whole, and a run's counts
// agree with what its apply said ("17 applied … 76 cancelled"), the
// skipped counted too (review of issue 13: the row showed only applied,
// failed, stale and held, the status "cancell…", the error "in…").
func TestHistoryCancelledWholeAt80(t *testing.T) {
	m := newTestModel(t, historyBackend(t), 80, 24)
	press(t, m, "H", "enter")
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^. +12 .* 17 applied, 2 failed, 1 held, 76 cancelled *$`),
		regexp.MustCompile(`(?m)^ +11 .* 1 applied, 1 failed, 1 stale, 3 skipped *$`),
		regexp.MustCompile(`(?m)^  shorten +cancelled дмитрий\.6@`),
	} {
		if !want.MatchString(out) {
			t.Errorf("does not match %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "cancell…") {
		t.Errorf("a status is cut:\n%s", out)
	}
}
