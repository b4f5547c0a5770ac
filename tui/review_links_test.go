package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// The identity view lists beside a member only the accounts of its row's
// target: on a NEYROSS row no terminal's account, which could never be a
// NEYROSS member's (review of issue 13 §14); its heading wraps rather than
// being cut ("190 with sugges…").
func TestLinksListsTheRowTargetsAccountsOnly(t *testing.T) {
	m := newTestModel(t, identityFourBackend(t), 80, 24)
	press(t, m, "L", "down", "down", "down")
	if r := m.linkCursor(); r == nil || r.target != "neyross" {
		t.Fatalf("the cursor is not on a neyross row: %+v", r)
	}
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	if !strings.Contains(out, "neyross accounts without a member (1)") || !strings.Contains(out, "neyross  4007") {
		t.Errorf("the neyross row's accounts are not listed as its:\n%s", out)
	}
	if strings.Contains(out, "entrance 9001") {
		t.Errorf("a terminal's account is listed beside a neyross row:\n%s", out)
	}
	// back on a terminal's row, that terminal's accounts
	press(t, m, "up", "up", "up")
	out = ansi.Strip(m.Render())
	if r := m.linkCursor(); r == nil || !strings.Contains(out, r.target+" accounts without a member") {
		t.Errorf("the right pane does not name the row's target (%+v):\n%s", r, out)
	}
	// at 60 columns every count of the heading is read whole
	m = newTestModel(t, identityFourBackend(t), 60, 24)
	press(t, m, "L")
	out = ansi.Strip(m.Render())
	checkFrame(t, out, 60, 24)
	for _, want := range []string{"10 without an account", "2 without a member", "1 with suggestions"} {
		if !strings.Contains(out, want) {
			t.Errorf("the heading at 60 columns lacks %q:\n%s", want, out)
		}
	}
}
