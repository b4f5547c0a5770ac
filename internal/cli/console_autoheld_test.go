package cli

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/doorsync/doorsync/internal/store"
)

// The console's data names the items the last --auto run held for
// approval (the console marks them), and each of them is in the plan it
// shows.
func TestConsoleDataMarksItemsHeldByAuto(t *testing.T) {
	s := startE2ESite(t, 60, 3)
	if r := s.run(t, "--auto"); r.code != ExitHeld {
		t.Fatalf("--auto: exit %d, want %d (the default policy holds revocations)\n%s", r.code, ExitHeld, r.stdout)
	}
	ctx := context.Background()
	be := s.consoleBackend(t)
	ses := be.ses
	runs, err := ses.store.Runs(ctx, 1)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v, %v", runs, err)
	}
	items, err := ses.store.Items(ctx, runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, it := range items {
		if it.Status == store.StatusHeld {
			want = append(want, it.ItemID)
		}
	}
	if len(want) == 0 {
		t.Fatal("the run held nothing: the test proves nothing")
	}
	d, err := be.Stored(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(maps.Keys(d.AutoHeld))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("console marks %d items held, the run held %d:\n got %v\nwant %v", len(got), len(want), got, want)
	}
	inPlan := map[string]bool{}
	for _, it := range d.Plan.Items {
		inPlan[it.ID] = true
	}
	for _, id := range got {
		if !inPlan[id] {
			t.Errorf("held item %s is not in the console's plan", id)
		}
		if at := d.AutoHeld[id]; !at.Equal(runs[0].StartedAt) {
			t.Errorf("held item %s: at %v, want the run's start %v", id, at, runs[0].StartedAt)
		}
	}
}

// consoleBackend opens a session on the site's configuration, as the
// console does, closed when the test ends.
func (e *e2eSite) consoleBackend(t *testing.T) *consoleBackend {
	t.Helper()
	app, _, _ := newTestApp(e.Clock, nil)
	ses, err := app.openSession(context.Background(), &globalOptions{configPath: e.cfg}, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ses.close)
	return &consoleBackend{app: app, ses: ses}
}
