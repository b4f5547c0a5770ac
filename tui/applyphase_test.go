package tui

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/plan"
)

// tellPhases tells the apply shown that every target with extend items
// waits with its total, as the engine does before the first write, then
// each target's phase of phases (target: phase) at 0 done.
func tellPhases(t testing.TB, m *Model, phases map[string]string) {
	t.Helper()
	req := m.requests().apply
	total := map[string]int{}
	var order []string
	for _, it := range m.State().Plan.Items {
		if it.Kind == plan.Extend {
			if total[it.Target] == 0 {
				order = append(order, it.Target)
			}
			total[it.Target]++
		}
	}
	for _, tn := range order {
		m.Update(applyProgressMsg{req: req, p: ApplyProgress{Target: tn, Total: total[tn], Phase: "waiting"}})
	}
	for _, tn := range order {
		if ph := phases[tn]; ph != "" {
			m.Update(applyProgressMsg{req: req, p: ApplyProgress{Target: tn, Total: total[tn], Phase: ph}})
		}
	}
}

// applyingWaiting confirms the approval shown and tells its first
// progress: both targets waiting, then the gym re-reading.
func applyingWaiting(t testing.TB, m *Model) {
	t.Helper()
	m.Update(keyMsg("y")) // its command (the apply's stream) is not run
	tellPhases(t, m, map[string]string{"gym": "read"})
}

// Every target with items has its line from the first frame, waiting;
// each says what it does now — re-reading, writing, reading back — and
// says nothing of a phase once its items are settled or the apply is over
// (review of issue 13 §13: a target showed only once its worker started;
// a terminal re-reading sat at 0/24 with no word).
func TestApplyShowsEveryTargetWaitingThenItsPhase(t *testing.T) {
	be := heldBackend(t)
	m := newTestModel(t, be, 80, 24)
	press(t, m, "2", "A", "a")
	m.Update(keyMsg("y"))
	req := m.requests().apply
	line := func(target string) string {
		t.Helper()
		frame := ansi.Strip(m.Render())
		checkFrame(t, frame, 80, 24)
		re := regexp.MustCompile(`(?m)^` + target + ` +\[.*$`)
		return re.FindString(frame)
	}
	tellPhases(t, m, nil)
	for _, tn := range []string{"entrance", "gym"} {
		if l := line(tn); !regexp.MustCompile(` 0/7  waiting$`).MatchString(l) {
			t.Fatalf("%s before its writes: %q", tn, l)
		}
	}
	for _, c := range []struct{ phase, want string }{{"read", "re-reading"}, {"write", "writing"}, {"verify", "reading back"}} {
		m.Update(applyProgressMsg{req: req, p: ApplyProgress{Target: "entrance", Total: 7, Phase: c.phase}})
		if l := line("entrance"); !regexp.MustCompile(` 0/7  ` + c.want + `$`).MatchString(l) {
			t.Fatalf("phase %s: %q, want %q", c.phase, l, c.want)
		}
	}
	// An item's result keeps the phase; the last one ends it.
	for i, id := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		m.Update(applyProgressMsg{req: req, p: ApplyProgress{Target: "entrance", Done: i + 1, Total: 7, ItemID: id, Status: "applied"}})
		l := line("entrance")
		if i < 6 && !regexp.MustCompile(`  reading back · \d applied$`).MatchString(l) {
			t.Fatalf("after item %d: %q", i+1, l)
		}
		if i == 6 && !regexp.MustCompile(` 7/7  7 applied$`).MatchString(l) {
			t.Fatalf("every item settled: %q", l)
		}
	}
	m.Update(applyDoneMsg{req: req, res: ApplyResult{Applied: 7, Summary: "7 applied, 0 failed, 0 stale, 0 held"}})
	if l := line("gym"); !regexp.MustCompile(` 0/7$`).MatchString(l) {
		t.Fatalf("the gym after the apply: %q, want no phase", l)
	}
}

// At 80 columns a log line longer than the screen wraps, its continuation
// indented under the item, and the log scrolls by the lines shown (review
// of issue 13: "…: cancelled b…", "on…").
func TestApplyLogWrapsAt80(t *testing.T) {
	be := &fakeBackend{stored: fixtureData(t, 12), applyGate: make(chan struct{})}
	t.Cleanup(func() { close(be.applyGate) })
	m := newTestModel(t, be, 80, 24)
	heldApply(t, m, be)
	req := m.requests().apply
	const why = "cancelled before it was sent: the apply was stopped after the requests in flight"
	for i := range 30 {
		m.Update(applyProgressMsg{req: req, p: ApplyProgress{Target: "entrance", Done: i + 1, Total: 30,
			ItemID: fmt.Sprintf("item-%02d", i+1), Status: "cancelled", Err: errors.New(why)}})
	}
	frame := ansi.Strip(m.Render())
	checkFrame(t, frame, 80, 24)
	var log []string
	pos := ""
	for _, l := range bodyLines(frame) {
		switch {
		case strings.HasPrefix(l, "cancelled "), strings.HasPrefix(l, logIndent):
			log = append(log, l)
		case strings.HasPrefix(l, "log "):
			pos = l
		}
	}
	if len(log) < 4 || !strings.HasPrefix(log[len(log)-1], logIndent) || strings.Contains(strings.Join(log, "\n"), "…") {
		t.Fatalf("the log's lines are cut or not indented:\n%s", frame)
	}
	last := strings.Join(strings.Fields(strings.Join(log[len(log)-2:], " ")), " ")
	if want := "cancelled item-30 on entrance: " + why; last != want {
		t.Fatalf("the newest result reads %q, want %q", last, want)
	}
	if !strings.HasPrefix(pos, fmt.Sprintf("log %d–60 of 60 lines", 61-len(log))) {
		t.Fatalf("position %q for %d lines shown", pos, len(log))
	}
	press(t, m, "up")
	if frame := ansi.Strip(m.Render()); !strings.Contains(frame, fmt.Sprintf("log %d–59 of 60 lines", 60-len(log))) {
		t.Fatalf("up scrolls one line:\n%s", frame)
	}
}
