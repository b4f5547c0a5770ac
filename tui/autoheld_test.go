package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/plan"
)

// Items an unattended run held for approval are marked: H in the table's
// gutter, the run's time in the detail, a count in the approval dialog.
func TestItemsHeldByAutoAreMarked(t *testing.T) {
	d := fixtureData(t, 12)
	var revoke *plan.Item
	for i := range d.Plan.Items {
		if d.Plan.Items[i].Kind == plan.Revoke {
			revoke = &d.Plan.Items[i]
			break
		}
	}
	if revoke == nil {
		t.Fatal("the fixture has no revoke item")
	}
	heldAt := time.Date(2025, 11, 1, 6, 0, 0, 0, time.UTC)
	d.AutoHeld = map[string]time.Time{revoke.ID: heldAt}
	be := &fakeBackend{stored: d, fresh: d}
	m := newTestModel(t, be, 160, 48)

	press(t, m, "5") // the revoke tab
	r := m.cursorRow()
	if r == nil || r.email != revoke.Email {
		t.Fatalf("cursor on %v, want the revoked member %s", r, revoke.Email)
	}
	line := lineWith(t, m.Render(), string(revoke.Email))
	if !strings.HasPrefix(strings.TrimLeft(line, " "), "›H") {
		t.Errorf("the held row is not marked H in the gutter: %q", line)
	}
	others := 0
	for _, row := range m.allRows() {
		if row.autoHeld {
			others++
		}
	}
	if others != 1 {
		t.Errorf("%d rows marked held, want 1", others)
	}

	press(t, m, "enter")
	want := "held for approval by the run of " + timeText(heldAt, d.Plan.Zone())
	if !strings.Contains(m.Render(), want) {
		t.Errorf("the detail does not say %q:\n%s", want, m.Render())
	}
	press(t, m, "esc", "space", "a")
	if m.focusedScreen() != screenApprove {
		t.Fatal("a did not open the approval dialog")
	}
	if frame := m.Render(); !strings.Contains(frame, "1 of them held by --auto (H)") {
		t.Errorf("the approval dialog does not count the held item:\n%s", frame)
	}
}

func lineWith(t *testing.T, frame, s string) string {
	t.Helper()
	for _, l := range strings.Split(frame, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	t.Fatalf("no line with %q in\n%s", s, frame)
	return ""
}
