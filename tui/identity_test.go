package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/plan"
)

// identityChangeData is fixtureData(12) planned after a run that accepted
// account 1002 on the entrance for Franc Friend, who has left Cardskipper:
// Dmitrij's claim on it (through the e-mail on the terminal) is an
// identity change.
func identityChangeData(t *testing.T) Data {
	t.Helper()
	in := fixtureInput(t, 12)
	in.Previous = []identity.Resolution{{Target: "entrance", Account: "1002", MemberID: "150999",
		Email: "franc.friend@example.si", Name: "Franc Friend", AccountName: "FRANC FRIEND"}}
	return dataOf(in)
}

func identityItem(t *testing.T, d *Data) plan.Item {
	t.Helper()
	for _, it := range d.Plan.Items {
		if it.Identity != "" {
			return it
		}
	}
	t.Fatalf("the plan has no identity change:\n%+v", d.Plan.Items)
	return plan.Item{}
}

// Rows whose identity changed come first in the default view, marked I,
// counted under the table; the detail shows the change in full.
func TestIdentityChangesComeFirst(t *testing.T) {
	d := identityChangeData(t)
	it := identityItem(t, &d)
	t.Logf("identity: %s", it.Identity)
	m := newTestModel(t, &fakeBackend{stored: d, fresh: d}, 80, 24)
	if m.tab != 0 || len(m.view) == 0 || m.rows[m.view[0]].email != it.Email {
		t.Fatalf("the first row is %v, want %s", visibleKeys(m), it.Email)
	}
	out := ansi.Strip(m.Render())
	line := lineWith(t, out, string(it.Email[:10]))
	if !strings.HasPrefix(line, "›I") {
		t.Errorf("the identity row is not marked I: %q", line)
	}
	if !strings.Contains(out, "I 1 identity change first") {
		t.Errorf("no count of identity changes under the table:\n%s", out)
	}
	// Every sort keeps it first.
	for range sortKeys {
		press(t, m, "s")
		if m.rows[m.view[0]].email != it.Email {
			t.Fatalf("sorted by %s, the first row is %s", m.sortBy, m.rows[m.view[0]].email)
		}
	}
	press(t, m, "g", "enter")
	out = ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	flat := strings.Join(strings.Fields(out), " ")
	if !strings.Contains(flat, "identity: "+strings.Join(strings.Fields(it.Identity), " ")) {
		t.Errorf("the detail does not show the identity change in full (%q):\n%s", it.Identity, out)
	}
}
