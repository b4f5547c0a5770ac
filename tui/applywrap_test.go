package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// A target's line wider than the screen keeps its counts whole on the
// lines under its bar (the last review found "18 cancel…" at 80 columns).
func TestApplyTargetLineKeepsItsCountsWhole(t *testing.T) {
	m := newTestModel(t, heldBackend(t), 80, 24)
	press(t, m, "2", "A", "a")
	m.Update(keyMsg("y"))
	tellPhases(t, m, map[string]string{"entrance": "verify"})
	req := m.requests().apply
	for i, st := range []string{"applied", "failed", "stale", "skipped", "cancelled", "cancelled"} {
		m.Update(applyProgressMsg{req: req, p: ApplyProgress{Target: "entrance", Done: i + 1, Total: 40, ItemID: "x" + st + string(rune('0'+i)), Status: st}})
	}
	frame := ansi.Strip(m.Render())
	flat := strings.Join(strings.Fields(frame), " ")
	if !strings.Contains(flat, "1 applied · 1 failed · 1 stale · 1 skipped · 2 cancelled") {
		t.Errorf("the entrance's counts are not whole:\n%s", frame)
	}
	for _, l := range strings.Split(frame, "\n") {
		if strings.HasSuffix(strings.TrimSpace(l), "…") && strings.Contains(l, "cancel") {
			t.Errorf("a cut line: %q", l)
		}
	}
}
