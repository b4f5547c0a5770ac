package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// While a terminal writes, its line says how many writes went out before
// any is read back and settled (review of issue 13: the bar sat at 0/24
// "writing" while 21 were written, and Esc then left them applied).
func TestApplySaysHowManyWritesWentOut(t *testing.T) {
	m := newTestModel(t, heldBackend(t), 80, 24)
	press(t, m, "2", "A", "a")
	m.Update(keyMsg("y"))
	tellPhases(t, m, map[string]string{"entrance": "write"})
	req := m.requests().apply
	m.Update(applyProgressMsg{req: req, p: ApplyProgress{Target: "entrance", Sent: 3, Phase: "write"}})
	frame := ansi.Strip(m.Render())
	var line string
	for _, l := range strings.Split(frame, "\n") {
		if strings.HasPrefix(l, "entrance ") {
			line = l
		}
	}
	if !strings.Contains(line, "0/") || !strings.Contains(line, "writing (3 sent)") {
		t.Errorf("the entrance's line does not say 3 went out: %q\n%s", line, frame)
	}
}
