package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
)

// TestGolden pins the main screens at 80×24 and 160×48 with colour off
// (what NO_COLOR shows): update with `make golden`.
func TestGolden(t *testing.T) {
	screens := []struct {
		name  string
		keys  []string
		prep  func(m *Model)
		links bool // on the identity fixture
		// be, when set, is the screen's backend instead of the table's.
		be func(t testing.TB) *fakeBackend
	}{
		{name: "table"},
		{name: "all", keys: []string{"0"}},
		{name: "search", keys: []string{"0", "/"}, prep: func(m *Model) { typeText(t, m, "ZIGA ceh") }},
		{name: "selected", keys: []string{"space", "space", "down", "space"}},
		{name: "approve", keys: []string{"A", "a"}},
		// every write listed, revocations and shortenings first: the end
		{name: "approve_end", keys: []string{"A", "a", "G"}},
		// one write: nothing scrolls, the footer offers y and n/esc only
		{name: "approve_one", keys: []string{"space", "a"}},
		// select all with identity changes (a write and one in sync):
		// each named in full, the acceptance counted apart; scrolled
		{name: "approve_identity", keys: []string{"A", "a"}, be: identityChangesBackend},
		{name: "approve_identity_end", keys: []string{"A", "a", "pgdown", "pgdown", "pgdown"}, be: identityChangesBackend},
		// scrolled into the first change's text: its header stays on top
		{name: "approve_identity_scrolled", keys: []string{"A", "a", "down", "down", "down"}, be: identityChangesBackend},
		// y before reading: it only warns, saying what is left
		{name: "approve_identity_warned", keys: []string{"A", "a", "G", "y"}, be: identityChangesBackend},
		// Ana's e-mail also finds Franc Friend's account: the long lines wrap
		{name: "approve_alsofinds", keys: []string{"A", "a"}, be: alsoFindsBackend},
		// her row is titled with her name
		{name: "alsofinds", be: alsoFindsBackend},
		// the detail (issue 13 §3, §12, why): an ordinary row, a row two
		// members share, a member with no face enrolled, a long reason
		// wrapped; each also scrolled to its end
		{name: "detail", keys: []string{"enter"}, be: detailBackend},
		{name: "detail_end", keys: []string{"enter", "G"}, be: detailBackend},
		{name: "detail_ambiguous", keys: []string{"8", "enter"}, be: ambiguousDetailBackend},
		{name: "detail_ambiguous_end", keys: []string{"8", "enter", "G"}, be: ambiguousDetailBackend},
		{name: "detail_noface", be: noFaceBackend, prep: func(m *Model) { openNoFace(t, m, "enter") }},
		{name: "detail_noface_end", be: noFaceBackend, prep: func(m *Model) { openNoFace(t, m, "enter", "G") }},
		{name: "detail_wrapped", keys: []string{"enter"}, be: wrappedBackend},
		{name: "detail_wrapped_end", keys: []string{"enter", "G"}, be: wrappedBackend},
		{name: "help", keys: []string{"?"}},
		{name: "applied", keys: []string{"space", "a", "y"}},
		// a log longer than the screen, scrolled back two lines
		{name: "applied_scrolled", keys: []string{"A", "a", "G", "y", "up", "up"}},
		// stopped with Esc after two items, one of them failed: the rest
		// cancelled, and selected still
		{name: "applied_stopped", keys: []string{"2", "A", "a", "y"}, be: stoppedBackend},
		{name: "links", keys: []string{"L", "down", "down", "down", "x"}, links: true},
		{name: "links_import", keys: []string{"L", "y", "i"}, links: true, prep: func(m *Model) {
			typeText(t, m, "/srv/exports/persons.csv")
			press(t, m, "enter")
		}},
		// a suggestion other members match equally asks first
		{name: "links_rivals", keys: []string{"L", "down", "y"}, links: true},
		// an NTK row: no accounts to link, said in their place, only search
		// offered; a NEYROSS row: no iVMS import (issue 13 §14)
		{name: "links_ntk", keys: []string{"L", "down", "down"}, be: identityFourBackend},
		{name: "links_neyross", keys: []string{"L", "down", "down", "down"}, be: identityFourBackend},
		// the identity view searched
		{name: "links_search", keys: []string{"L", "/"}, links: true, prep: func(m *Model) { typeText(t, m, "nika") }},
		// an ambiguous row linked by hand: the member, the account, the question
		{name: "pick_member", keys: []string{"8", "p"}, be: ambiguousBackend},
		{name: "pick_account", keys: []string{"8", "p", "down", "enter"}, be: ambiguousBackend, prep: func(m *Model) { typeText(t, m, "KOŠ") }},
		{name: "pick_confirm", keys: []string{"8", "p", "down", "enter", "enter"}, be: ambiguousBackend},
		// a family's e-mail: the son's own account first, the search's hint;
		// the mother's account (found by the e-mail) warns
		{name: "pick_family", keys: []string{"8", "down", "p", "down", "down", "down", "enter"}, be: familyBackend},
		{name: "pick_family_confirm", keys: []string{"8", "down", "p", "down", "down", "down", "enter", "down", "enter"}, be: familyBackend},
		// the runs, and the first items of a run of 30 (scrolled by keys)
		{name: "history", keys: []string{"H", "enter"}, be: historyBackend},
		// a run's items narrowed to one kind on one target
		{name: "history_narrowed", keys: []string{"H", "enter", "tab", "t"}, be: historyBackend},
		{name: "history_empty", keys: []string{"H", "down", "enter"}},
		// what changed since the last run: the headline under the title,
		// the view, an item's row opened from it; none without a run
		{name: "changes_headline", be: changesBackend},
		{name: "changes", keys: []string{"c", "down"}, be: changesBackend},
		{name: "changes_detail", keys: []string{"c", "G", "enter"}, be: changesBackend},
		{name: "changes_empty", keys: []string{"c"}},
		// a stopped apply's items cancelled last time, drift repaired since
		{name: "changes_cancelled_headline", be: cancelledRepairedBackend},
		{name: "changes_cancelled", keys: []string{"c", "down", "down", "down"}, be: cancelledRepairedBackend},
		{name: "changes_repaired", keys: []string{"c", "G"}, be: cancelledRepairedBackend},
		// the demo's four targets: one shared column at 80, one each at 160
		{name: "table4", keys: []string{"space", "down"}, be: func(t testing.TB) *fakeBackend { return fourTargets(t, 40) }},
		// every row: an inactive member, one not started, one target's end
		// among three missing, a trainer's accounts on two terminals, a
		// failed last run (issue 13 §6, §10, §11, §15)
		{name: "table_mixed", keys: []string{"0"}, be: mixedBackend},
		// every dialog fits at 80×24, its last line and border drawn (issue
		// 13 §4): the approval of 4 kinds on 4 targets, from its top and
		// scrolled to its end; the export prompt, its hint whole (§7)
		{name: "approve4", keys: []string{"A", "a"}, be: func(t testing.TB) *fakeBackend { return fourTargets(t, 40) }},
		{name: "approve4_end", keys: []string{"A", "a", "G"}, be: func(t testing.TB) *fakeBackend { return fourTargets(t, 40) }},
		{name: "export", keys: []string{"e", "ctrl+u"}, prep: func(m *Model) { typeText(t, m, exportPath) }},
		// an error wider than the screen wraps, the body shrinking (§7);
		// a dialog opened under it still fits
		{name: "error_wrapped", keys: []string{"r"}, be: longErrorBackend},
		{name: "export_error_wrapped", keys: []string{"r", "e", "ctrl+u"}, be: longErrorBackend, prep: func(m *Model) { typeText(t, m, exportPath) }},
		// an apply running (the backend holds it: the progress is told),
		// and q asking while it runs
		{name: "applying", keys: []string{"2", "A", "a"}, be: heldBackend, prep: func(m *Model) { applyingNow(t, m) }},
		// its first frame: every target waiting, the gym re-reading
		{name: "applying_waiting", keys: []string{"2", "A", "a"}, be: heldBackend, prep: func(m *Model) { applyingWaiting(t, m) }},
		{name: "applying_quit", keys: []string{"2", "A", "a"}, be: heldBackend, prep: func(m *Model) {
			applyingNow(t, m)
			press(t, m, "q")
		}},
		// a refresh under way: each side's progress, a side's error
		{name: "refreshing", prep: refreshing},
	}
	// covered are the screens the goldens show; checked when all ran.
	covered, ran := map[screen]bool{}, 0
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, sc := range screens {
			t.Run(fmt.Sprintf("%s_%dx%d", sc.name, size[0], size[1]), func(t *testing.T) {
				ran++
				be := goldenBackend(t)
				if sc.links {
					be = newLinksBackend(t)
					be.importSum = goldenImport()
				}
				if sc.be != nil {
					be = sc.be(t)
				}
				m := newTestModel(t, be, size[0], size[1])
				press(t, m, sc.keys...)
				if sc.prep != nil {
					sc.prep(m)
				}
				covered[m.focusedScreen()] = true
				out := ansi.Strip(m.Render())
				checkFrame(t, out, size[0], size[1])
				golden.RequireEqual(t, out)
			})
		}
	}
	if ran == 2*len(screens) {
		for s := range screenCount {
			if !covered[s] {
				t.Errorf("no golden shows the %s screen", s)
			}
		}
	}
}

// goldenBackend is the goldens' table: fixtureData(40), a run in the
// history, door events.
func goldenBackend(t testing.TB) *fakeBackend {
	be := &fakeBackend{stored: fixtureData(t, 40), history: []HistoryEntry{
		{RunID: 3, At: fixtureNow.Add(-26 * 60 * 60 * 1e9), Kind: "extend", Email: "ana.1@example.si", Target: "entrance", Status: "applied", Before: "2025-10-01", After: "2025-11-04"},
	}}
	be.fresh = be.stored
	be.events = goldenEvents()
	return be
}

// heldBackend is goldenBackend holding every apply at its gate until the
// test ends.
func heldBackend(t testing.TB) *fakeBackend {
	be := goldenBackend(t)
	be.applyGate = make(chan struct{})
	t.Cleanup(func() { close(be.applyGate) })
	return be
}

// applyingNow confirms the approval dialog shown (y) and tells the apply's
// progress as a backend held at its gate would not: both targets waiting,
// then the entrance writing and the gym reading back; of the extend items,
// three applied on each target, the fourth on the gym failed.
func applyingNow(t testing.TB, m *Model) {
	t.Helper()
	m.Update(keyMsg("y")) // its command (the apply's stream) is not run
	m.Render()
	tellPhases(t, m, map[string]string{"entrance": "write", "gym": "verify"})
	req := m.requests().apply
	total, done := map[string]int{}, map[string]int{}
	var items []plan.Item
	for _, it := range m.State().Plan.Items {
		if it.Kind == plan.Extend {
			total[it.Target]++
			items = append(items, it)
		}
	}
	for _, it := range items {
		p := ApplyProgress{Target: it.Target, Total: total[it.Target], ItemID: it.ID, Status: "applied"}
		switch {
		case done[it.Target] < 3:
		case it.Target == "gym" && done[it.Target] == 3:
			p.Status, p.Err = "failed", errors.New("deviceBusy")
		default:
			continue
		}
		done[it.Target]++
		p.Done = done[it.Target]
		m.Update(applyProgressMsg{req: req, p: p})
	}
	if !m.State().Applying {
		t.Fatal("applyingNow: no apply runs")
	}
}

// exportPath is typed into the export prompt of the goldens: the default
// is under the test's temporary directory, named anew by every run.
const exportPath = "~/reports/doorsync-report-20251101-1100.csv"

// checkFrame asserts the frame fills the screen and no line is wider than
// it, in display cells.
func checkFrame(t *testing.T, out string, w, h int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Errorf("frame has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d cells wide (screen %d): %q", i+1, n, w, l)
		}
	}
}

// goldenEvents are the door events of the detail's row (account 1001 on
// both terminals): on the entrance a failed face match just before a
// granted one and earlier visits; the gym could not be read.
func goldenEvents() EventsResult {
	ev := func(tn string, ago time.Duration, o target.Outcome, reason, code string) EventEntry {
		return EventEntry{Target: tn, Event: target.Event{Time: fixtureNow.Add(-ago), Account: "1001", Name: "ANA NOVAK",
			Outcome: o, Reason: reason, Door: "door 1", Code: code}}
	}
	return EventsResult{Since: fixtureNow.AddDate(0, 0, -30), Read: []string{"entrance"},
		Entries: []EventEntry{
			ev("entrance", 2*time.Hour, target.OutcomeGranted, "face verified", "5/75"),
			ev("entrance", 2*time.Hour+4*time.Second, target.OutcomeDenied, "face not matched", "5/76"),
			ev("entrance", 50*time.Hour, target.OutcomeGranted, "face verified", "5/75"),
		},
		Failed: []string{"terminal gym: events of 1001 page 2: transient (timeout): no answer within 20s"},
	}
}

func goldenImport() ImportSummary {
	return ImportSummary{Format: "CSV (UTF-8 with BOM, semicolon-delimited)", Rows: 212, Targets: []ImportTarget{
		{Target: "entrance", Linked: 0, Unchanged: 180, Skipped: 32, Skips: []string{"line 4: no e-mail",
			"line 9: person 3001 (Ana Novak): not on target entrance"}},
		{Target: "gym", Err: "not read: refresh, then import again"},
	}}
}
