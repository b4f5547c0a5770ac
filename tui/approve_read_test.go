package tui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/plan"
)

// dialogLines are the frame's lines inside the dialog's border.
func dialogLines(out string) []string {
	var in []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "│") {
			in = append(in, l)
		}
	}
	return in
}

// checkDialog asserts the dialog has its right border on every line and
// cuts none of them.
func checkDialog(t *testing.T, out string, w int) {
	t.Helper()
	for _, l := range dialogLines(out) {
		if !strings.HasSuffix(l, "│") || ansi.StringWidth(l) > w {
			t.Errorf("a dialog line lost its right border or is too wide: %q", l)
		}
		if strings.HasSuffix(strings.TrimRight(strings.TrimSuffix(l, "│"), " "), "…") {
			t.Errorf("a dialog line is cut: %q", l)
		}
	}
}

// Ana Novak's e-mail also finds account 1099 (Franc Friend's name, no
// member): the long lines of the dialog (the acceptances, the --auto
// holds, the guard) wrap inside the box at 80×24, every frame keeps its
// right border, the unlinked change says the e-mail is set aside, and y
// after reading everything applies; the result wraps too.
func TestApprovalDialogWrapsLongLines(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		be := alsoFindsBackend(t)
		be.stored.Plan.Guard = plan.Guard{Tripped: true, Reason: "17 revocations exceed the limit of 10 (max_revocations) and 40% of the linked members (max_revocation_percent 30)"}
		be.stored.AutoHeld = map[string]time.Time{}
		for _, it := range be.stored.Plan.Items {
			if it.Kind.Writes() {
				be.stored.AutoHeld[it.ID] = fixtureNow.Add(-3 * time.Hour)
			}
		}
		be.fresh = be.stored
		m := newTestModel(t, be, size[0], size[1])
		press(t, m, "A", "a")
		seen := ""
		for i := 0; ; i++ {
			if i > 30 {
				t.Fatal("space never reached the end")
			}
			out := ansi.Strip(m.Render())
			checkFrame(t, out, size[0], size[1])
			checkDialog(t, out, size[0])
			seen += " " + flat(out)
			if !moreBelow(out) {
				break
			}
			press(t, m, "space")
		}
		for _, w := range []string{
			"2 identity changes accepted as shown, nothing written (1 in sync, 1 unlinked)",
			"3 identity changes approved with this:",
			"I entrance account 1099 ana.1@example.si (unlinked, accepted with nothing written)",
			"approving sets the e-mail aside on this account: it finds no member here any more",
			"approving gives account 1006 to Luka Horvat (member 150006): later renewals and revokes of that member are written to it",
			"held by --auto (H), the latest run at",
			"guard tripped: 17 revocations exceed the limit of 10 (max_revocations) and 40% of the linked members (max_revocation_percent 30)",
		} {
			if !strings.Contains(seen, w) {
				t.Errorf("%dx%d: the dialog lacks %q:\n%s", size[0], size[1], w, seen)
			}
		}
		press(t, m, "y")
		if len(be.applied) != 1 {
			t.Fatalf("%dx%d: y after reading everything applied %v (status %q)", size[0], size[1], be.applied, m.State().Status)
		}
		out := ansi.Strip(m.Render())
		checkFrame(t, out, size[0], size[1])
		if !strings.Contains(flat(out), "2 identity changes accepted as shown: nothing written; the next runs compare with them") {
			t.Errorf("%dx%d: the apply screen cuts its result:\n%s", size[0], size[1], out)
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.HasSuffix(strings.TrimRight(l, " "), "…") {
				t.Errorf("%dx%d: a line of the result is cut: %q", size[0], size[1], l)
			}
		}
	}
}

// y never scrolls nor applies while lines are unseen: jumping to the end
// (G) leaves the middle unread, and y says so; home, then space to the
// end, reads it all; esc before clears the warning.
func TestApprovalYWaitsForEveryLine(t *testing.T) {
	be := identityChangesBackend(t)
	m := newTestModel(t, be, 80, 24)
	press(t, m, "A", "a")
	press(t, m, "y", "y", "y", "y", "y", "y")
	if _, _, off := m.approvalScroll(); len(be.applied) != 0 || off != 0 {
		t.Fatalf("y scrolled or applied: offset %d, applied %v", off, be.applied)
	}
	press(t, m, "esc")
	if m.focusedScreen() != screenTable || m.State().Status != "" {
		t.Fatalf("esc: screen %v, status %q", m.focusedScreen(), m.State().Status)
	}
	if out := ansi.Strip(m.Render()); strings.Contains(out, "read every identity change") {
		t.Errorf("the dialog's warning stays on the table:\n%s", out)
	}
	press(t, m, "a", "G", "y")
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	if len(be.applied) != 0 || !strings.Contains(m.State().Status, "not shown yet (↑/pgup/g)") || !strings.Contains(out, "not shown yet: ↑/pgup/g") {
		t.Fatalf("y after G: applied %v, status %q\n%s", be.applied, m.State().Status, out)
	}
	press(t, m, "g")
	if _, _, off := m.approvalScroll(); off != 0 {
		t.Fatalf("g: offset %d", off)
	}
	for i := 0; moreBelow(ansi.Strip(m.Render())); i++ {
		if i > 20 {
			t.Fatal("space never reached the end")
		}
		press(t, m, "space")
	}
	if !strings.Contains(m.State().Status, "every line was shown") {
		t.Errorf("status once everything was read: %q", m.State().Status)
	}
	press(t, m, "y")
	if len(be.applied) != 1 {
		t.Fatalf("y after reading everything applied %v (status %q)", be.applied, m.State().Status)
	}
}

// Scrolled a line at a time (and a page), every frame that shows a line
// of an identity change shows its header above it.
func TestApprovalKeepsHeaderWithText(t *testing.T) {
	for _, k := range []string{"down", "space"} {
		be := alsoFindsBackend(t)
		m := newTestModel(t, be, 80, 24)
		press(t, m, "A", "a")
		mid, h, offset := m.approvalScroll()
		for i := 0; i < 60; i++ {
			from, to, pin := frame(mid, h, offset)
			for j := from; j < to; j++ {
				b := mid[j].block
				if b < 0 {
					continue
				}
				start, _ := blockOf(mid, j)
				if start < from && (len(pin) == 0 || pin[0] != start) {
					t.Fatalf("%s: offset %d shows line %d of change %d without its header (line %d)", k, offset, j, b, start)
				}
			}
			out := ansi.Strip(m.Render())
			checkFrame(t, out, 80, 24)
			checkDialog(t, out, 80)
			if to == len(mid) {
				break
			}
			prev := offset
			press(t, m, k)
			if _, _, offset = m.approvalScroll(); offset <= prev {
				t.Fatalf("%s did not move down from %d", k, prev)
			}
		}
	}
}

// The row of Ana Novak's e-mail holds the account it also finds (1099,
// named Franc Friend, no member), listed first: the row is titled with
// her name, the account's name only in its item's line of the detail.
func TestRowTitledWithItsMember(t *testing.T) {
	be := alsoFindsBackend(t)
	m := newTestModel(t, be, 80, 24)
	var r *row
	for _, ar := range m.allRows() {
		if ar.email == "ana.1@example.si" {
			r = &ar
		}
	}
	if r == nil || len(r.items) < 2 || m.State().Plan.Items[r.items[0]].Kind != plan.Unlinked {
		t.Fatalf("the fixture's row of ana.1: %+v", r)
	}
	if r.name != "Ana Novak" {
		t.Errorf("the row is titled %q, want Ana Novak", r.name)
	}
	out := ansi.Strip(m.Render())
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "ana.1@example.si") && (!strings.Contains(l, "Ana Novak") || strings.Contains(l, "Franc")) {
			t.Errorf("the table's row of ana.1: %q", l)
		}
	}
	if !cursorTo(t, m, func(c *row) bool { return c.key == r.key }) {
		t.Fatal("the row of ana.1 is not shown")
	}
	press(t, m, "enter")
	out = ansi.Strip(m.Render())
	if !strings.Contains(out, "Ana Novak") || !strings.Contains(out, `"Franc Friend"`) {
		t.Errorf("the detail of ana.1:\n%s", out)
	}
}

// moreBelow: the dialog says lines follow below.
func moreBelow(out string) bool { return regexp.MustCompile(`↓ \d+ lines? below`).MatchString(out) }
