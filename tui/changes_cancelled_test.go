package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/plan"
)

// cancelledRepairedBackend is changesBackend with two more extends that
// a stopped apply cancelled, and drift that a watch run wrote back since:
// one on an account the plan holds in sync now, one on an account gone,
// whose e-mail came with an escape sequence.
func cancelledRepairedBackend(t testing.TB) *fakeBackend {
	t.Helper()
	be := changesBackend(t)
	d := be.stored
	told := map[string]bool{}
	for _, ch := range d.Changes.Items {
		told[ch.ItemID] = true
	}
	cancelled, inSync := 0, ""
	for _, it := range d.Plan.Items {
		switch {
		case it.Kind == plan.Extend && !told[it.ID] && cancelled < 2:
			cancelled++
			d.Changes.Items = append(d.Changes.Items, plan.Change{ItemID: it.ID, Why: plan.ChangeCancelled})
		case it.Kind == plan.InSync && it.Email != "" && inSync == "":
			inSync = it.ID
		}
	}
	if cancelled < 2 || inSync == "" {
		t.Fatalf("the fixture has %d extends more, in sync %q", cancelled, inSync)
	}
	var held *plan.Item
	for i := range d.Plan.Items {
		if d.Plan.Items[i].ID == inSync {
			held = &d.Plan.Items[i]
		}
	}
	repairedAt := fixtureNow.Add(-3 * time.Hour)
	d.Changes.Repaired = []RepairedDrift{
		{ItemID: "r1", PlanItemID: held.ID, Kind: plan.Reactivate, Email: held.Email, Target: held.Target, Account: held.Account,
			RunID: 17, RunMode: "watch", RunAt: repairedAt},
		{ItemID: "r2", Kind: plan.Extend, Email: "gone\x1b[31m.member@example.si", Target: "gym", Account: "1044",
			RunID: 17, RunMode: "watch", RunAt: repairedAt},
	}
	be.stored, be.fresh = d, d
	return be
}

// A stopped apply's items are still to do: the headline counts them as
// cancelled last time after failed again, and the view lists them after
// failed again. Drift that a run wrote back since is counted and listed
// last, with the run; enter opens the row of its account when the plan
// holds it, and does nothing when it does not (review of issue 13).
func TestChangesTellCancelledAndDriftRepaired(t *testing.T) {
	be := cancelledRepairedBackend(t)
	m := newTestModel(t, be, 160, 48)
	frame := ansi.Strip(m.Render())
	want := ": 6 new, 2 failed again, 2 cancelled last time, 1 drift, 2 drift repaired"
	if !strings.Contains(frame, want) {
		t.Fatalf("the status line does not say %q:\n%s", want, frame)
	}
	press(t, m, "c")
	raw := m.Render()
	frame = ansi.Strip(raw)
	if strings.Contains(raw, "\x1b[31m") || !strings.Contains(frame, ".member@example.si") {
		t.Fatalf("the e-mail from outside is not cleaned:\n%q", raw)
	}
	var whys []string
	for _, l := range bodyLines(frame)[3:] {
		if f := strings.Fields(strings.TrimLeft(l, "› ")); len(f) > 0 && !strings.HasPrefix(l, reasonIndent) {
			whys = append(whys, f[0])
		}
	}
	got := strings.Join(whys, " ")
	if !strings.HasPrefix(got, "failed failed cancelled cancelled drift new") || !strings.HasSuffix(got, "new repaired repaired") {
		t.Fatalf("reasons in order %q", got)
	}
	if !strings.Contains(frame, "account 1044: drift written back by the watch run 17 of "+timeText(fixtureNow.Add(-3*time.Hour), be.stored.Plan.Zone())) {
		t.Fatalf("the repaired drift does not say by which run:\n%s", frame)
	}

	press(t, m, "G", "enter") // gone from the plan: nothing to open
	if m.focusedScreen() != screenChanges {
		t.Fatalf("enter on drift repaired of an account gone opened %v", m.focusedScreen())
	}
	press(t, m, "up", "enter")
	if m.focusedScreen() != screenDetail {
		t.Fatalf("enter on drift repaired opened %v, want the detail", m.focusedScreen())
	}
	if frame := ansi.Strip(m.Render()); !strings.Contains(frame, string(be.stored.Changes.Repaired[0].Email)) {
		t.Fatalf("the detail is not %s's:\n%s", be.stored.Changes.Repaired[0].Email, frame)
	}
}

// At 80 columns the status line has no room for each reason: it counts
// them in one and keeps the key that opens the view.
func TestChangesStatusLineCountsInOneAt80(t *testing.T) {
	m := newTestModel(t, cancelledRepairedBackend(t), 80, 24)
	frame := ansi.Strip(m.Render())
	if !strings.Contains(frame, ": 11 changed, 2 drift repaired · c shows them") {
		t.Fatalf("the status line at 80:\n%s", frame)
	}
}
