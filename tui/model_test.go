package tui

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/plan"
)

func visibleKeys(m *Model) []string {
	var out []string
	for _, r := range m.shownRows() {
		out = append(out, r.key)
	}
	return out
}

func TestStartsFromStoredSnapshotThenRefreshReplacesIt(t *testing.T) {
	stored := fixtureData(t, 12)
	stored.Stored = true
	fresh := fixtureData(t, 18)
	be := &fakeBackend{stored: stored, fresh: fresh, progress: []Progress{
		{System: "cardskipper", Done: 21, Total: 21, Over: true},
		{System: "gym", Err: errors.New("authentication failed twice; stopped")},
	}}
	m := newTestModel(t, be, 80, 24)
	if got := ansi.Strip(m.Render()); !strings.Contains(got, "stored snapshot, read 5 min ago") {
		t.Fatalf("stored start does not say how old it is:\n%s", got)
	}
	if n := m.State().Plan.Source.Members; n != 15 {
		t.Fatalf("stored plan has %d members", n)
	}
	run(t, m, m.startRefresh())
	if s := m.State(); s.Plan.Source.Members != 21 || s.Stored {
		t.Fatalf("refresh did not replace the stored data: %d members, stored %v", s.Plan.Source.Members, s.Stored)
	}
	if sides := m.State().Sides; sides["gym"].Err == nil || sides["cardskipper"].Done != 21 {
		t.Fatalf("progress per system not kept: %+v", sides)
	}
}

func TestStaleResultsAreDropped(t *testing.T) {
	be := &fakeBackend{stored: fixtureData(t, 12)}
	m := newTestModel(t, be, 80, 24)
	m.Update(keyMsg("r")) // a refresh; its commands are not run: its results are told here
	old := m.requests().refresh
	m.Update(keyMsg("r")) // a newer refresh was started
	newer := fixtureData(t, 30)
	m.Update(refreshDoneMsg{req: old, data: newer})
	if m.State().Plan.Source.Members != 15 {
		t.Fatal("a stale refresh result replaced the data")
	}
	// A stored snapshot arriving after a refresh showed data is dropped too.
	m.Update(refreshDoneMsg{req: m.requests().refresh, data: newer})
	m.Update(openedMsg{req: 1, data: fixtureData(t, 5), last: true}) // newTestModel's Open
	if n := m.State().Plan.Source.Members; n != 33 {
		t.Fatalf("stored snapshot overwrote fresher data: %d members", n)
	}
}

func TestFailedTargetShowsErrorAndRestStaysUsable(t *testing.T) {
	d := fixtureData(t, 12)
	d.Plan.Targets[1].Error = "terminal gym: authentication failed twice; stopped for this run"
	m := newTestModel(t, &fakeBackend{stored: d}, 80, 24)
	out := ansi.Strip(m.Render())
	if !strings.Contains(out, "gym: terminal gym: authentication failed") {
		t.Fatalf("target error not shown:\n%s", out)
	}
	press(t, m, "down", "space")
	if len(m.selectedIDs()) == 0 {
		t.Fatal("the table is not usable with a failed target")
	}
}

func TestTabsSearchAndSort(t *testing.T) {
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 40)}, 80, 24)
	rows := m.allRows()
	for _, k := range visibleKeys(m) {
		r := rows[slices.IndexFunc(rows, func(r row) bool { return r.key == k })]
		if r.kinds&actionBits() == 0 {
			t.Errorf("needs action shows %s of kind %s", k, r.kind)
		}
	}
	press(t, m, "4") // shorten
	for _, r := range m.shownRows() {
		if r.kinds&kindBit(plan.Shorten) == 0 {
			t.Errorf("shorten tab shows %s", r.key)
		}
	}
	if m.State().Rows != 7 {
		t.Errorf("shorten tab has %d rows, want 7", m.State().Rows)
	}
	press(t, m, "0", "/")
	typeText(t, m, "ČEH žiga") // any case and diacritics, any order
	if m.State().Rows != 5 {
		t.Fatalf("search found %d rows, want the 5 Žiga Čeh: %v", m.State().Rows, visibleKeys(m))
	}
	press(t, m, "enter", "esc")
	if m.State().Rows != 43 {
		t.Fatalf("esc did not clear the search: %d rows", m.State().Rows)
	}
	press(t, m, "/")
	typeText(t, m, "дмитрий")
	if m.State().Rows != 5 {
		t.Fatalf("Cyrillic search found %d rows", m.State().Rows)
	}
	press(t, m, "esc", "s", "s", "s") // difference: largest first
	first := m.shownRows()[0]
	if abs(first.diff) != 40 {
		t.Fatalf("sort by difference puts %s (%+d) first", first.key, first.diff)
	}
}

func TestSelectApproveApplyAndRetryFailed(t *testing.T) {
	d := fixtureData(t, 12)
	be := &fakeBackend{stored: d, fresh: d}
	m := newTestModel(t, be, 80, 24)
	press(t, m, "a")
	if m.focusedScreen() != screenTable || !strings.Contains(m.State().Status, "nothing selected") {
		t.Fatalf("approve with nothing selected opened %v: %q", m.focusedScreen(), m.State().Status)
	}
	press(t, m, "2") // extend tab
	press(t, m, "A")
	ext := 0
	for _, it := range d.Plan.Items {
		if it.Kind == plan.Extend {
			ext++
			if !m.selectedIDs()[it.ID] {
				t.Errorf("select all missed %s on %s", it.Email, it.Target)
			}
		}
	}
	if len(m.selectedIDs()) != ext {
		t.Fatalf("select all chose %d items, want the %d extend items", len(m.selectedIDs()), ext)
	}
	var failing string
	for id := range m.selectedIDs() {
		failing = id
		break
	}
	be.failIDs = map[string]bool{failing: true}
	press(t, m, "a")
	if m.focusedScreen() != screenApprove {
		t.Fatal("a did not open the approval dialog")
	}
	out := ansi.Strip(m.Render())
	if !strings.Contains(out, "extend") || !strings.Contains(out, "on entrance") {
		t.Fatalf("dialog lacks counts per kind and target:\n%s", out)
	}
	if len(be.applied) != 0 {
		t.Fatal("applied before confirmation")
	}
	press(t, m, "y")
	if len(be.applied) != 1 || len(be.applied[0]) != ext {
		t.Fatalf("backend got %v", be.applied)
	}
	if len(m.selectedIDs()) != 1 || !m.selectedIDs()[failing] {
		t.Fatalf("after apply the selection is %v, want only the failed item", m.selectedIDs())
	}
	out = ansi.Strip(m.Render())
	if !strings.Contains(out, "failed") || !strings.Contains(out, "deviceBusy") {
		t.Fatalf("apply screen lacks the failed item:\n%s", out)
	}
	if be.refresh != 1 {
		t.Fatalf("no refresh after applying (%d)", be.refresh)
	}
}

func TestToggleOnRowWithoutWritesSaysWhy(t *testing.T) {
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 12)}, 80, 24)
	press(t, m, "6") // missing
	press(t, m, "space")
	if len(m.selectedIDs()) != 0 || !strings.Contains(m.State().Status, "nothing to apply") {
		t.Fatalf("toggle on a missing row: sel %v status %q", m.selectedIDs(), m.State().Status)
	}
}

func TestQuitAsksWhileApplying(t *testing.T) {
	d := fixtureData(t, 12)
	be := &fakeBackend{stored: d, fresh: d, applyGate: make(chan struct{})}
	m := newTestModel(t, be, 80, 24)
	next, ctx := heldApply(t, m, be)
	press(t, m, "q")
	if !m.quitAsked() || m.quitDone() {
		t.Fatal("q while applying did not ask")
	}
	press(t, m, "n")
	if m.quitAsked() || ctx.Err() != nil {
		t.Fatal("n did not keep applying")
	}
	press(t, m, "q", "y")
	if ctx.Err() == nil {
		t.Fatal("y did not stop the apply")
	}
	if m.quitDone() {
		t.Fatal("quit before the apply stopped")
	}
	if quit := run(t, m, next); !quit || !m.quitDone() {
		t.Fatal("did not quit once the apply stopped")
	}
}

func TestExportWritesWhereItSays(t *testing.T) {
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 12)}, 80, 24)
	press(t, m, "2", "e")
	if m.focusedScreen() != screenExport {
		t.Fatal("e did not open the export prompt")
	}
	def := m.State().Export.Path
	if !strings.HasSuffix(def, "doorsync-report-20251101-1100.csv") {
		t.Fatalf("default path %q", def)
	}
	path := filepath.Join(filepath.Dir(def), "view.md")
	setPrompt(t, m, path)
	press(t, m, "enter")
	if !strings.Contains(m.State().Status, "report written to "+path) {
		t.Fatalf("status %q", m.State().Status)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "extend") || strings.Contains(string(b), "### revoke") {
		t.Fatalf("report is not of the extend view:\n%s", b)
	}
	press(t, m, "e")
	setPrompt(t, m, filepath.Join(filepath.Dir(def), "x.pdf"))
	press(t, m, "enter")
	if !strings.Contains(m.State().Status, "unknown extension") {
		t.Fatalf("status %q", m.State().Status)
	}
}

// "~/x.md" is x.md in the home directory, not in a folder named "~".
func TestExportToHome(t *testing.T) {
	home := t.TempDir()
	m := newTestModelWith(t, &fakeBackend{stored: fixtureData(t, 12)}, 80, 24, func(o *Options) {
		o.Home = func() (string, error) { return home, nil }
	})
	press(t, m, "e")
	setPrompt(t, m, "~/view.md")
	press(t, m, "enter")
	want := filepath.Join(home, "view.md")
	if !strings.Contains(m.State().Status, "report written to "+want) {
		t.Fatalf("status %q, want the report in %s", m.State().Status, want)
	}
	if _, err := os.Stat(want); err != nil {
		t.Fatal(err)
	}
	press(t, m, "e")
	setPrompt(t, m, "~ana/view.md")
	press(t, m, "enter")
	if !strings.Contains(m.State().Status, `~user is not supported`) {
		t.Fatalf("status %q", m.State().Status)
	}
}

func TestResizeKeepsFrame(t *testing.T) {
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 40)}, 80, 24)
	for _, sz := range [][2]int{{40, 10}, {200, 60}, {80, 24}, {20, 5}} {
		m.Update(tea_WindowSize(sz[0], sz[1]))
		checkFrame(t, ansi.Strip(m.Render()), sz[0], sz[1])
	}
}

// Letters that move the table (j, k) are part of a search, not the end of it.
func TestSearchTypesJAndK(t *testing.T) {
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 12)}, 80, 24)
	press(t, m, "/", "j", "k")
	if got := m.State().Table.Search; got != "jk" {
		t.Fatalf("search holds %q after typing j and k, want %q", got, "jk")
	}
	if !m.State().Table.Finding {
		t.Fatal("typing j or k ended the search")
	}
	press(t, m, "enter")
	if m.State().Table.Finding {
		t.Fatal("enter must end the search")
	}
}

// ctrl+c while applying asks; a second ctrl+c confirms (it could not
// before: every ctrl+c asked again); after the apply ended while the
// question was shown nothing waits for it: ctrl+c quits at once (issue 12
// review; the question itself goes with the apply, issue 13 §2).
func TestSecondCtrlCConfirmsQuitWhileApplying(t *testing.T) {
	d := fixtureData(t, 12)
	be := &fakeBackend{stored: d, fresh: d, applyGate: make(chan struct{})}
	m := newTestModel(t, be, 80, 24)
	_, ctx := heldApply(t, m, be)
	press(t, m, "ctrl+c")
	if !m.quitAsked() || ctx.Err() != nil {
		t.Fatal("the first ctrl+c did not ask")
	}
	press(t, m, "ctrl+c")
	if ctx.Err() == nil || !m.State().Apply.QuitAfter {
		t.Fatal("the second ctrl+c did not stop the apply to quit")
	}

	be2 := &fakeBackend{stored: d, fresh: d, applyGate: make(chan struct{})}
	m2 := newTestModel(t, be2, 80, 24)
	next2, _ := heldApply(t, m2, be2)
	press(t, m2, "q")
	close(be2.applyGate)
	run(t, m2, next2) // the apply ended while the question was shown
	if m2.quitAsked() || m2.State().Applying {
		t.Fatalf("after the apply: asking %v, applying %v", m2.quitAsked(), m2.State().Applying)
	}
	press(t, m2, "ctrl+c")
	if !m2.quitDone() {
		t.Fatal("ctrl+c after the apply ended did not quit")
	}
}

// The quit question is about stopping the apply: when the apply ends while
// it is shown, the question goes and the status line says so (issue 13
// §2: it outlived the apply).
func TestQuitQuestionEndsWithTheApply(t *testing.T) {
	d := fixtureData(t, 12)
	be := &fakeBackend{stored: d, fresh: d, applyGate: make(chan struct{})}
	m := newTestModel(t, be, 80, 24)
	next, _ := heldApply(t, m, be)
	press(t, m, "q")
	if !strings.Contains(ansi.Strip(m.Render()), "Quit") {
		t.Fatalf("q while applying did not ask:\n%s", ansi.Strip(m.Render()))
	}
	close(be.applyGate)
	run(t, m, next) // the apply ends while the question is shown
	frame := ansi.Strip(m.Render())
	if m.quitAsked() || m.quitDone() || strings.Contains(frame, "stop after the requests in flight?") {
		t.Fatalf("the question outlived the apply (asking %v, quitting %v):\n%s", m.quitAsked(), m.quitDone(), frame)
	}
	if !strings.Contains(m.State().Status, "the apply ended before the answer") {
		t.Errorf("the status does not say what became of the question: %q", m.State().Status)
	}
}

// What the status line said before an apply ("4 items selected") is gone
// during the apply, after it and back in the table (issue 13 §8).
func TestApplyClearsTheOldStatus(t *testing.T) {
	d := fixtureData(t, 12)
	be := &fakeBackend{stored: d, fresh: d, applyGate: make(chan struct{})}
	m := newTestModel(t, be, 80, 24)
	press(t, m, "2", "A")
	if !strings.Contains(m.State().Status, "selected") {
		t.Fatalf("select all said %q", m.State().Status)
	}
	old := m.State().Status
	press(t, m, "a")
	_, next := m.Update(keyMsg("y"))
	if strings.Contains(ansi.Strip(m.Render()), old) {
		t.Errorf("%q shown during the apply:\n%s", old, ansi.Strip(m.Render()))
	}
	close(be.applyGate)
	run(t, m, next)
	if strings.Contains(ansi.Strip(m.Render()), old) {
		t.Errorf("%q shown after the apply:\n%s", old, ansi.Strip(m.Render()))
	}
	press(t, m, "esc")
	if m.focusedScreen() != screenTable || strings.Contains(ansi.Strip(m.Render()), old) {
		t.Errorf("%q back in the table:\n%s", old, ansi.Strip(m.Render()))
	}
}

// Two Esc presses that arrive together (over SSH they often do) are read
// as alt+esc: they stop the apply as one Esc does (review of issue 13 §1:
// the apply ran to the end).
func TestDoubleEscStopsTheApply(t *testing.T) {
	be := &fakeBackend{stored: fixtureData(t, 12), applyGate: make(chan struct{})}
	m := newTestModel(t, be, 80, 24)
	_, ctx := heldApply(t, m, be)
	m.Update(keyMsg("alt+esc"))
	if ctx.Err() == nil {
		t.Fatal("alt+esc (two Esc read as one) did not stop the apply")
	}
}

// What became of a whole-list target's list reaches the apply's log
// (issue 13 §13: NTK's notes reached no console line).
func TestApplyShowsAListNote(t *testing.T) {
	be := &fakeBackend{stored: fixtureData(t, 12), applyGate: make(chan struct{})}
	m := newTestModel(t, be, 80, 24)
	heldApply(t, m, be) // the backend says nothing: the test tells the progress
	req := m.requests().apply
	m.Update(applyProgressMsg{req: req, p: ApplyProgress{Target: "ntk", Total: 3}})
	m.Update(applyProgressMsg{req: req, p: ApplyProgress{Target: "ntk", Note: "NTK accepted the access list as list-7.csv (3 lines)"}})
	frame := ansi.Strip(m.Render())
	if !strings.Contains(frame, "ntk          [····················] 0/3") || !strings.Contains(frame, "ntk: NTK accepted the access list") {
		t.Errorf("the NTK line or its note is missing:\n%s", frame)
	}
}
