package tui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/plan"
)

// identityItems are the plan's items with an identity change.
func identityItems(t *testing.T, m *Model) []plan.Item {
	t.Helper()
	var out []plan.Item
	for _, it := range m.State().Plan.Items {
		if it.Identity != "" {
			out = append(out, it)
		}
	}
	if len(out) != 2 {
		t.Fatalf("the fixture has %d identity changes, want 2", len(out))
	}
	return out
}

// flat is the frame's text with its dialog border and runs of spaces
// collapsed, so that wrapped text can be searched.
func flat(out string) string {
	out = strings.NewReplacer("│", " ", "┌", " ", "┐", " ", "└", " ", "┘", " ", "─", " ").Replace(out)
	return strings.Join(strings.Fields(out), " ")
}

// An identity change on an item that writes nothing (in sync here) is
// selected as a write is, and approving it accepts it: the dialog says so
// apart from the writes and names the change in full; the run's summary
// says how many were accepted.
func TestIdentityChangeWithNothingToWriteIsApproved(t *testing.T) {
	be := identityChangesBackend(t)
	m := newTestModel(t, be, 80, 24)
	its := identityItems(t, m)
	insync := its[1]
	if insync.Kind != plan.InSync || insync.Email != "luka.6@example.si" {
		t.Fatalf("the second identity change is %s %s", insync.Kind, insync.Email)
	}
	press(t, m, "down")
	if r := m.cursorRow(); r == nil || r.email != insync.Email {
		t.Fatalf("cursor on %+v", r)
	}
	press(t, m, "space")
	if len(m.selectedIDs()) != 1 || !m.selectedIDs()[insync.ID] {
		t.Fatalf("space on the in-sync identity row selected %v (status %q)", m.selectedIDs(), m.State().Status)
	}
	press(t, m, "a")
	if m.focusedScreen() != screenApprove {
		t.Fatalf("a opened %v: %q", m.focusedScreen(), m.State().Status)
	}
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	f := flat(out)
	for _, w := range []string{"Accept 1 identity change?", "1 identity change accepted as shown, nothing written (1 in sync)",
		"1 identity change approved with this:", "I gym account 1006 luka.6@example.si (in sync, accepted with nothing written)",
		strings.Join(strings.Fields(insync.Identity), " "),
		"approving gives account 1006 to Luka Horvat (member 150006): later renewals and revokes of that member are written to it",
		"y: accept now"} {
		if !strings.Contains(f, w) {
			t.Errorf("the dialog lacks %q:\n%s", w, out)
		}
	}
	press(t, m, "y")
	if len(be.applied) != 1 || !slices.Equal(be.applied[0], []string{insync.ID}) {
		t.Fatalf("y approved %v", be.applied)
	}
	if m.State().LastApply == nil || m.State().LastApply.Acknowledged != 1 {
		t.Fatalf("apply result %+v", m.State().LastApply)
	}
	out = ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	for _, w := range []string{"1 identity change accepted", "1 identity change accepted as shown: nothing written; the next runs compare with it"} {
		if !strings.Contains(flat(out), w) {
			t.Errorf("the apply screen lacks %q:\n%s", w, out)
		}
	}
}

// Select all and approve: every identity change approved is named with its
// text, the writes and the acceptances counted apart; at 80×24 the dialog
// scrolls, and y applies only once every identity change was drawn.
func TestApprovalNamesEveryIdentityChange(t *testing.T) {
	be := identityChangesBackend(t)
	m := newTestModel(t, be, 80, 24)
	its := identityItems(t, m)
	press(t, m, "A")
	for _, it := range its {
		if !m.selectedIDs()[it.ID] {
			t.Fatalf("A left %s %s unselected", it.Kind, it.Email)
		}
	}
	press(t, m, "a")
	seen := ""
	drawn := map[string]bool{}
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	seen += flat(out)
	addLines(drawn, out)
	if !moreBelow(out) {
		t.Fatalf("the dialog does not scroll at 80×24:\n%s", out)
	}
	// y never scrolls: held down, it only says what is left to read.
	for range 10 {
		press(t, m, "y")
		if len(be.applied) != 0 || !strings.Contains(m.State().Status, "read every identity change first") {
			t.Fatalf("y before every identity change was shown: applied %v, status %q", be.applied, m.State().Status)
		}
	}
	if out := ansi.Strip(m.Render()); !strings.Contains(out, "not shown yet") {
		t.Errorf("the dialog does not say what is left to read:\n%s", out)
	}
	for i := 0; ; i++ {
		if i > 20 {
			t.Fatal("space never reached the end")
		}
		out := ansi.Strip(m.Render())
		checkFrame(t, out, 80, 24)
		seen += " " + flat(out)
		addLines(drawn, out)
		if !moreBelow(out) {
			break
		}
		press(t, m, "space")
	}
	press(t, m, "y")
	if len(be.applied) != 1 {
		t.Fatalf("y after reading everything applied %v (status %q)", be.applied, m.State().Status)
	}
	for _, it := range its {
		for _, l := range wrap(it.Identity, 76, "   ") {
			if !drawn[strings.TrimSpace(l)] {
				t.Errorf("the identity change of %s was never shown in full: %q missing", it.Email, l)
			}
		}
	}
	for _, w := range []string{"and accept 1 identity change?", "1 identity change accepted as shown, nothing written (1 in sync)",
		"2 identity changes approved with this:", "(reactivate, written)"} {
		if !strings.Contains(seen, w) {
			t.Errorf("the dialog lacks %q:\n%s", w, seen)
		}
	}
	if got := be.applied[0]; !slices.Contains(got, its[0].ID) || !slices.Contains(got, its[1].ID) {
		t.Fatalf("applied %v", got)
	}
}

// A row with nothing to approve still says so.
func TestRowWithoutIdentityOrWriteIsNotSelected(t *testing.T) {
	be := identityChangesBackend(t)
	m := newTestModel(t, be, 80, 24)
	press(t, m, "0") // all
	for _, r := range m.shownRows() {
		if r.identity || r.kinds&actionBits() != 0 || r.kind != plan.InSync {
			continue
		}
		cursorTo(t, m, func(c *row) bool { return c.key == r.key })
		press(t, m, "space")
		if len(m.selectedIDs()) != 0 || !strings.Contains(m.State().Status, "nothing to apply or accept") {
			t.Fatalf("space on %s: sel %v, status %q", r.email, m.selectedIDs(), m.State().Status)
		}
		return
	}
	t.Fatal("no in-sync row")
}

// addLines adds the frame's lines, without the dialog's border and the
// spaces around, to a set.
func addLines(set map[string]bool, out string) {
	for _, l := range strings.Split(out, "\n") {
		set[strings.TrimSpace(strings.Trim(l, "│"))] = true
	}
}
