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

// An error wider than the screen wraps onto the lines it needs in the
// status line, the body shrinking by as many (the table's last line and
// the footer stay), and the frame keeps the screen's height; once the
// notice is gone the body takes the lines back (issue 13 §7).
func TestLongErrorWrapsAndTheBodyShrinks(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		be := longErrorBackend(t)
		m := newTestModel(t, be, size[0], size[1])
		press(t, m, "r")
		out := ansi.Strip(m.Render())
		checkFrame(t, out, size[0], size[1])
		lines := strings.Split(out, "\n")
		flat := strings.Join(strings.Fields(out), " ")
		if want := "refresh failed: " + be.refreshErr.Error(); !strings.Contains(flat, want) {
			t.Errorf("%dx%d: the error is not shown whole:\n%s", size[0], size[1], out)
		}
		// At 80 columns the table's keys take a line of their own above
		// the footer (issue 13 §5): its info line is one higher.
		if !strings.Contains(lines[len(lines)-2], "sort:") && !strings.Contains(lines[len(lines)-3], "sort:") {
			t.Errorf("%dx%d: the table's last line is not above the footer:\n%s", size[0], size[1], out)
		}
		if size[0] == 80 && m.bodyHeight() >= size[1]-3 {
			t.Errorf("80x24: the body is %d lines high, not shrunk for the wrapped error", m.bodyHeight())
		}
		be.mu.Lock()
		be.refreshErr = nil
		be.mu.Unlock()
		press(t, m, "r")
		out = ansi.Strip(m.Render())
		checkFrame(t, out, size[0], size[1])
		if m.bodyHeight() != size[1]-3 || strings.Contains(out, "permission denied") {
			t.Errorf("%dx%d: after a good refresh the body is %d lines (want %d):\n%s", size[0], size[1], m.bodyHeight(), size[1]-3, out)
		}
	}
}

// A notice longer than a third of the screen is cut there, so the body
// keeps two thirds of it.
func TestStatusTakesAtMostAThirdOfTheScreen(t *testing.T) {
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 40)}, 80, 24)
	m.Update(statusMsg{text: strings.Repeat("a long reply from a server ", 60)})
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	if got := len(m.statusLines()); got != 8 {
		t.Errorf("the status takes %d lines at 80x24, want 8 (a third)", got)
	}
	if lines := strings.Split(out, "\n"); !strings.HasSuffix(lines[8], "…") {
		t.Errorf("the cut status line does not end with …: %q", lines[8])
	}
}

// Every dialog fits at 80×24 — its last line (the answer) and its border
// drawn — also while a wrapped notice takes up to a third of the screen
// (issue 13 §4, §7): the approval of 4 kinds on 4 targets, of identity
// changes, the export prompt, the question before a link by hand, the
// question before a suggestion other members match, the import's report.
func TestEveryDialogFitsAt80x24(t *testing.T) {
	four := func(t testing.TB) *fakeBackend { return fourTargets(t, 40) }
	links := func(t testing.TB) *fakeBackend {
		be := newLinksBackend(t)
		be.importSum = goldenImport()
		return be
	}
	cases := []struct {
		name string
		be   func(t testing.TB) *fakeBackend
		keys []string
		typ  string // typed, then enter
		want []string
	}{
		{"approval of 4 kinds on 4 targets", four, []string{"A", "a"}, "", []string{"y: apply now", "└"}},
		{"approval of identity changes", identityChangesBackend, []string{"A", "a"}, "", []string{"y: apply now", "└"}},
		{"export", func(t testing.TB) *fakeBackend { return &fakeBackend{stored: fixtureData(t, 40)} }, []string{"e"}, "", []string{"enter: write", "└"}},
		{"link by hand", familyBackend, []string{"8", "down", "p", "down", "down", "down", "enter", "down", "enter"}, "", []string{"y stores a confirmed link"}},
		{"rivals", links, []string{"L", "down", "y"}, "", []string{"members match this account equally"}},
		{"import", links, []string{"L", "y", "i"}, "/srv/exports/persons.csv", []string{"Import of persons.csv"}},
	}
	for _, c := range cases {
		for lines := 0; lines <= 8; lines++ {
			m := newTestModel(t, c.be(t), 80, 24)
			press(t, m, c.keys...)
			if c.typ != "" {
				typeText(t, m, c.typ)
				press(t, m, "enter")
			}
			if lines > 0 {
				// a notice of that many lines at 80 columns
				m.Update(statusMsg{text: strings.TrimSpace(strings.Repeat(strings.Repeat("x", 79)+" ", lines))})
			}
			out := ansi.Strip(m.Render())
			checkFrame(t, out, 80, 24)
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("%s under a notice of %d lines: %q is not drawn:\n%s", c.name, lines, w, out)
				}
			}
		}
	}
}

// On a screen too short for the question before a link by hand, its
// warnings give way, never its answer line.
func TestLinkByHandKeepsItsAnswerWhenShort(t *testing.T) {
	m := newTestModel(t, familyBackend(t), 80, 12)
	press(t, m, "8", "down", "p", "down", "down", "down", "enter", "down", "enter")
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 80, 12)
	if !strings.Contains(out, "y stores a confirmed link") || !strings.Contains(out, "not shown: a taller window shows them") {
		t.Errorf("the answer line is cut:\n%s", out)
	}
}
