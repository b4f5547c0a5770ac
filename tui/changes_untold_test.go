package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// Only an operator's apply to compare with: the headline says what it can
// tell and nothing of "new" (it said "757 new" after the first console
// apply), and the view says why new items are not told (review of issue
// 13).
func TestChangesSayWhyNewIsNotTold(t *testing.T) {
	d := fixtureData(t, 12)
	d.Changes = Changes{RunID: 3, RunMode: "console", RunAt: fixtureNow.Add(-time.Hour), NewUntold: true}
	m := newTestModel(t, &fakeBackend{stored: d, fresh: d}, 80, 24)
	frame := ansi.Strip(m.Render())
	if !strings.Contains(frame, "since the console run of") || !strings.Contains(frame, ": nothing failed again") || strings.Contains(frame, "new") && strings.Contains(frame, "c shows") {
		t.Errorf("headline:\n%s", frame)
	}
	press(t, m, "c")
	if frame = ansi.Strip(m.Render()); !strings.Contains(strings.Join(strings.Fields(frame), " "), "What is new is told once an unattended run (--auto, watch) has recorded the whole plan") {
		t.Errorf("the view does not say why new items are not told:\n%s", frame)
	}
}
