package apply_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
)

var errTakenOver = errors.New("the run lock was taken over by pid 4242 on gym-box")

// A run that loses its lock while a busy terminal makes it retry a write
// sends nothing more: no retry, no read-back, no further request. (The
// check is made before each request the target sends.) The write sent is
// failed as unconfirmed (its journal entry stays open for the next
// run), the rest are skipped with the reason, and Run returns it.
func TestApplyStopsRetriesWhenTheLockIsLost(t *testing.T) {
	w := newWorld(t, 300, nil)
	var entrance []plan.Item
	for _, it := range w.writes(plan.Extend, plan.Reactivate) {
		if it.Target == "entrance" {
			entrance = append(entrance, it)
		}
	}
	if len(entrance) <= 5 {
		t.Fatalf("%d writes on the entrance: need more than one chunk", len(entrance))
	}
	ep := w.site.Terminals[0]
	ep.Faults.SetPathRate("/ISAPI/AccessControl/UserInfo/Modify", emulator.FaultBusy, 1)
	isModify := func(q emulator.Request) bool { return strings.HasSuffix(q.Path, "/UserInfo/Modify") }
	var sentAtLoss int
	holding := func(context.Context) error {
		// Lost as soon as the first write reached the terminal (a second
		// run took over while it was busy).
		if n := ep.Log.Count(isModify); n > 0 {
			if sentAtLoss == 0 {
				sentAtLoss = ep.Log.Count(nil)
			}
			return errTakenOver
		}
		return nil
	}
	retry := instant()
	retry.Budget = time.Hour
	rec := newRecorder(w.site)
	eng := apply.Runner{Targets: map[string]target.Target{"entrance": w.targets["entrance"]}, Recorder: rec,
		RunID: 1, Retry: retry, Batch: 5, Holding: holding}
	results, err := eng.Run(context.Background(), entrance)
	if !errors.Is(err, errTakenOver) {
		t.Fatalf("Run = %v, want the lock loss", err)
	}
	if n := ep.Log.Count(nil); n != sentAtLoss {
		t.Errorf("%d requests reached the terminal after the lock was lost; want none", n-sentAtLoss)
	}
	// The first Modify request was checked and sent; the target asked
	// again before the second, and neither the rest of the chunk nor a
	// retry was sent.
	if n := ep.Log.Count(isModify); n != 1 {
		t.Errorf("%d Modify requests; want the first one, sent before the loss", n)
	}
	var unconfirmed, skipped int
	for _, r := range results {
		switch {
		case r.Status == apply.Failed && r.Attempts == 1 && errors.Is(r.Err, errTakenOver) && strings.Contains(r.Err.Error(), "not confirmed"):
			unconfirmed++
		case r.Status == apply.Skipped && errors.Is(r.Err, errTakenOver):
			skipped++
		default:
			t.Errorf("%s: %s (%d attempts) %v", r.Item.Account, r.Status, r.Attempts, r.Err)
		}
	}
	if unconfirmed != 1 || skipped != len(entrance)-1 {
		t.Errorf("%d unconfirmed, %d skipped of %d; want the first write and the rest", unconfirmed, skipped, len(entrance))
	}
	// Every result is recorded; the journal entries of the first chunk
	// stay open (the next run reads them back), none is opened after.
	if len(rec.results) != len(entrance) {
		t.Errorf("%d results recorded of %d", len(rec.results), len(entrance))
	}
	if len(rec.closed) != 0 || len(rec.open) > 5 {
		t.Errorf("journal: %d opened, %d closed; want at most the first chunk's, none closed", len(rec.open), len(rec.closed))
	}
}
