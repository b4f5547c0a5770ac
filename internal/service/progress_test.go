package service

import (
	"context"
	"sync"
	"testing"

	"github.com/doorsync/doorsync/internal/backend"
)

// An apply tells every target with items its line first, "waiting" with
// its total, before any is written (NTK's showed only once the terminals
// were done), then each terminal's phases as they move on: re-reading,
// writing, reading back (review of issue 13 §13: a terminal re-reading
// sat at 0/24 with nothing said).
func TestApplyTellsEveryTargetWaitingThenItsPhases(t *testing.T) {
	r := newRig(t, 60)
	svc, _ := r.service(t, "doorsync.db")
	ctx := context.Background()
	d, err := svc.Refresh(ctx, nop[backend.Progress])
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	var approved []string
	for _, it := range d.Plan.Items {
		if !it.Kind.Writes() || it.Identity != "" || want[it.Target] == 2 || (it.Target != "entrance" && it.System != "ntk") {
			continue
		}
		want[it.Target]++
		approved = append(approved, it.ID)
	}
	if want["entrance"] == 0 || len(want) < 2 {
		t.Fatalf("items to approve per target: %v (want the entrance's and NTK's)", want)
	}
	var mu sync.Mutex
	var seen []backend.ApplyProgress
	if _, err := svc.Apply(ctx, d.Plan, approved, func(p backend.ApplyProgress) {
		mu.Lock()
		seen = append(seen, p)
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < len(want) {
		t.Fatalf("progress %+v", seen)
	}
	waiting := map[string]int{}
	for _, p := range seen[:len(want)] {
		if p.Phase != "waiting" || p.Done != 0 || p.ItemID != "" {
			t.Errorf("told before the writes: %+v, want every target waiting", p)
		}
		waiting[p.Target] = p.Total
	}
	for name, n := range want {
		if waiting[name] != n {
			t.Errorf("%s waiting with %d items, want %d (told: %v)", name, waiting[name], n, waiting)
		}
	}
	phases := map[string]bool{}
	for _, p := range seen[len(want):] {
		if p.Target == "entrance" && p.Phase != "" {
			phases[p.Phase] = true
		}
		if p.Phase == "waiting" {
			t.Errorf("waiting told after the writes started: %+v", p)
		}
	}
	for _, ph := range []string{"read", "write", "verify"} {
		if !phases[ph] {
			t.Errorf("the entrance's phase %q was not told: %v", ph, phases)
		}
	}
}
