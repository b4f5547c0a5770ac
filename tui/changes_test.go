package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/plan"
)

// changesBackend is the fixture with what changed since an apply in the
// console a day before: the first two extends failed again, a shorten
// drifted, and every missing item is new.
func changesBackend(t testing.TB) *fakeBackend {
	t.Helper()
	d := fixtureData(t, 40)
	d.Changes = Changes{RunID: 14, RunMode: "console", RunAt: fixtureNow.Add(-26 * time.Hour)}
	extends, shortens := 0, 0
	for _, it := range d.Plan.Items {
		var why plan.ChangeWhy
		switch {
		case it.Kind == plan.Extend && extends < 2:
			extends++
			why = plan.ChangeFailed
		case it.Kind == plan.Shorten && shortens < 1:
			shortens++
			why = plan.ChangeDrift
		case it.Kind == plan.Missing:
			why = plan.ChangeNew
		default:
			continue
		}
		d.Changes.Items = append(d.Changes.Items, plan.Change{ItemID: it.ID, Why: why})
	}
	return &fakeBackend{stored: d, fresh: d}
}

// The headline counts each reason; c opens the view, which lists failed
// again before drift before new; enter opens the row of the item under
// the cursor in the detail, also when the table's tab hides it.
func TestChangesViewOpensTheItemsRow(t *testing.T) {
	be := changesBackend(t)
	m := newTestModel(t, be, 120, 30)
	frame := ansi.Strip(m.Render())
	want := "since the console run of " + timeText(fixtureNow.Add(-26*time.Hour), be.stored.Plan.Zone()) + ": 6 new, 2 failed again, 1 drift"
	if !strings.Contains(frame, want) {
		t.Fatalf("the status line does not say %q:\n%s", want, frame)
	}
	press(t, m, "2") // a tab without the missing rows
	press(t, m, "c")
	if m.focusedScreen() != screenChanges {
		t.Fatalf("c opened %v", m.focusedScreen())
	}
	var whys []string
	for _, l := range bodyLines(ansi.Strip(m.Render()))[3:] {
		if strings.HasPrefix(l, reasonIndent) {
			continue // a reason on its own lines
		}
		if f := strings.Fields(strings.TrimLeft(l, "› ")); len(f) > 0 {
			whys = append(whys, f[0])
		}
	}
	if got := strings.Join(whys, " "); !strings.HasPrefix(got, "failed failed drift new new") {
		t.Fatalf("reasons in order %q", got)
	}
	press(t, m, "G", "enter")
	if m.focusedScreen() != screenDetail {
		t.Fatalf("enter opened %v, want the detail", m.focusedScreen())
	}
	last := be.stored.Changes.Items[len(be.stored.Changes.Items)-1].ItemID
	var email string
	for _, it := range be.stored.Plan.Items {
		if it.ID == last {
			email = string(it.Email)
		}
	}
	if frame := ansi.Strip(m.Render()); !strings.Contains(frame, email) {
		t.Fatalf("the detail is not %s's:\n%s", email, frame)
	}
	press(t, m, "esc", "c", "esc")
	if m.focusedScreen() != screenTable {
		t.Fatalf("esc left the changes for %v", m.focusedScreen())
	}
}

// Without a run there is nothing to compare with: no headline, and the
// view says so.
func TestChangesWithoutARun(t *testing.T) {
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 12), fresh: fixtureData(t, 12)}, 80, 24)
	if frame := ansi.Strip(m.Render()); strings.Contains(frame, "since the") {
		t.Fatalf("a headline without a run:\n%s", frame)
	}
	press(t, m, "c", "down", "enter")
	if m.focusedScreen() != screenChanges || !strings.Contains(ansi.Strip(m.Render()), "nothing to compare with") {
		t.Fatalf("on %v:\n%s", m.focusedScreen(), ansi.Strip(m.Render()))
	}
}

// At 80 columns each item's reason is read whole, on its own line under
// the item, and the list scrolls with the cursor's item and its reason in
// view (review of issue 13: the reason was cut to ~15 cells beside a why
// column 12 wide).
func TestChangesReasonWholeAt80(t *testing.T) {
	be := changesBackend(t)
	m := newTestModel(t, be, 80, 24)
	press(t, m, "c")
	reasons := map[string]bool{}
	for _, it := range be.stored.Plan.Items {
		for _, ch := range be.stored.Changes.Items {
			if ch.ItemID == it.ID {
				reasons[it.Reason] = true
			}
		}
	}
	for _, keys := range [][]string{nil, {"G"}, {"g"}, {"pgdown"}} {
		press(t, m, keys...)
		frame := ansi.Strip(m.Render())
		checkFrame(t, frame, 80, 24)
		body := bodyLines(frame)
		cursor := -1
		for i, l := range body {
			if strings.HasPrefix(l, "›") {
				cursor = i
			}
		}
		if cursor < 0 || cursor+1 >= len(body) || !strings.HasPrefix(body[cursor+1], reasonIndent) {
			t.Fatalf("%v: the cursor's item or its reason is not shown:\n%s", keys, frame)
		}
		for _, l := range body {
			if strings.HasPrefix(l, reasonIndent) && !reasons[strings.TrimSpace(l)] {
				t.Errorf("%v: reason line %q is not a reason whole", keys, l)
			}
		}
	}
}
