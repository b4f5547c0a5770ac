package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// Every text input is given its width on each resize: its hint is shown
// whole, not its first letter ("/e", "iVMS export: p") — issue 13 §7.
func TestInputsShowTheirWholeHint(t *testing.T) {
	cases := []struct {
		name  string
		links bool
		keys  []string
		want  string
	}{
		{"table search", false, []string{"/"}, "/e-mail or name"},
		{"identity view search", true, []string{"L", "/"}, "/member name or e-mail, account name or id"},
		{"iVMS export path", true, []string{"L", "i"}, "iVMS export: path of the iVMS-4200 person export (.csv or .xlsx)"},
	}
	for _, c := range cases {
		for _, size := range [][2]int{{80, 24}, {160, 48}} {
			be := &fakeBackend{stored: fixtureData(t, 40)}
			if c.links {
				be = newLinksBackend(t)
			}
			m := newTestModel(t, be, size[0], size[1])
			press(t, m, c.keys...)
			out := ansi.Strip(m.Render())
			checkFrame(t, out, size[0], size[1])
			if status := strings.Split(out, "\n")[1]; !strings.Contains(status, c.want) {
				t.Errorf("%s at %dx%d: the status line is %q, want the whole hint %q", c.name, size[0], size[1], status, c.want)
			}
		}
	}
}

// A resize sizes the inputs again: narrower, the hint is cut to the screen,
// never wider than it.
func TestInputsFollowTheScreenWidth(t *testing.T) {
	m := newTestModel(t, newLinksBackend(t), 160, 48)
	press(t, m, "L", "i")
	m.Update(tea_WindowSize(50, 24))
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 50, 24)
	if status := strings.Split(out, "\n")[1]; !strings.HasPrefix(status, "iVMS export: path of the iVMS") {
		t.Errorf("at 50 columns the prompt is %q", status)
	}
}
