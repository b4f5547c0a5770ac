package cli

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/tui"
)

// SIGTERM while --auto writes, with NTK configured (issue 13 §1: stop means
// stop): the write in flight on each terminal completes and nothing more
// reaches any terminal; the NTK list is not uploaded; every item not sent
// is recorded cancelled (not failed, not left "planned"); the run is
// recorded as cancelled with counts that agree with its items, and the
// exit is 1 with "interrupted", not a raw "store: … context canceled".
func TestAutoInterruptedWhileWritingWithNTK(t *testing.T) {
	s := startE2ESiteAll(t, 200, 5)
	for _, ep := range s.Terminals {
		ep.Faults.SetLatency(20 * time.Millisecond)
	}
	app, out, errb := newTestApp(s.Clock, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := cancelAtFirstWrite(s, cancel) // what SIGTERM does
	code := app.Run(ctx, []string{"--auto", "--config", s.cfg})
	text := out.String() + errb.String()
	if code != ExitFailed || !strings.Contains(text, "interrupted while applying") || strings.Contains(text, "context canceled") && strings.Contains(text, "store:") {
		t.Fatalf("exit %d:\n%s", code, text)
	}
	stop.check(t)
	if n := len(s.NTKServer.Accepted()); n != 0 {
		t.Errorf("NTK accepted %d lists after the interrupt", n)
	}
	var ntk, planned int
	count := map[store.ItemStatus]int{}
	for _, it := range e2eRunItems(t, s, 1) {
		count[it.Status]++
		if it.System == "ntk" && it.Kind.Writes() {
			ntk++
			if it.Status != store.StatusCancelled || !strings.Contains(it.Error, "not uploaded") {
				t.Errorf("NTK item %s: %s %q; want cancelled, not uploaded", it.Account, it.Status, it.Error)
			}
		}
		if it.Status == store.StatusPlanned {
			planned++
		}
	}
	if ntk == 0 {
		t.Error("the plan had no NTK items: the test proves nothing")
	}
	if planned != 0 {
		t.Errorf("%d items left planned", planned)
	}
	if count[store.StatusFailed] != 0 || count[store.StatusSkipped] != 0 || count[store.StatusCancelled] == 0 {
		t.Errorf("items by status %v: want none failed or skipped, the rest cancelled", count)
	}
	run := e2eRun(t, s, 1)
	if run.Outcome != "cancelled" || run.Counts["applied"] != count[store.StatusApplied] ||
		run.Counts["cancelled"] != count[store.StatusCancelled] || run.Counts["failed"] != 0 {
		t.Errorf("run %s, counts %v; its items: %v", run.Outcome, run.Counts, count)
	}
	if !strings.Contains(text, fmt.Sprintf("%d applied, 0 failed", count[store.StatusApplied])) ||
		!strings.Contains(text, fmt.Sprintf("%d cancelled", count[store.StatusCancelled])) {
		t.Errorf("the summary does not say what the history says (%v):\n%s", count, text)
	}
}

// writesAfterCancel counts, per target, the writes that reached it after
// the run was cancelled.
type writesAfterCancel struct {
	mu        sync.Mutex
	cancelled bool
	after     map[string]int
}

// cancelAtFirstWrite calls cancel the moment the first write reaches the
// site's first terminal (watching every terminal's and NEYROSS's requests
// as they arrive), and counts every write that arrives after it.
func cancelAtFirstWrite(s *e2eSite, cancel func()) *writesAfterCancel {
	w := &writesAfterCancel{after: map[string]int{}}
	first := s.Terminals[0].Name
	watch := func(name string, isWrite func(emulator.Request) bool) func(emulator.Request) {
		return func(r emulator.Request) {
			if !isWrite(r) {
				return
			}
			w.mu.Lock()
			defer w.mu.Unlock()
			switch {
			case w.cancelled:
				w.after[name]++
			case name == first:
				w.cancelled = true
				cancel()
			}
		}
	}
	for _, ep := range s.Terminals {
		ep.Log.Watch(watch(ep.Name, e2eIsModify))
	}
	if s.Neyross.Log != nil {
		s.Neyross.Log.Watch(watch("neyross", func(r emulator.Request) bool { return r.Method != http.MethodGet }))
	}
	return w
}

// check: the run was cancelled, and each target received at most the one
// write it had in flight.
func (w *writesAfterCancel) check(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.cancelled {
		t.Fatal("no write reached the first terminal: the test proves nothing")
	}
	for name, n := range w.after {
		if n > 1 {
			t.Errorf("%s received %d writes after the cancel; at most the one in flight may follow", name, n)
		}
	}
}

// Esc in the console while it applies, with 150 ms per request (issue 13
// §1: before, both terminals still reached 24/24 after the operator asked
// to stop): the write in flight on each terminal completes and nothing
// more reaches any terminal; the result says "stopped", not "failed"; its
// numbers, the run's summary and the history agree; the items not sent
// are cancelled and stay selected, none failed.
func TestConsoleEscStopsTheApply(t *testing.T) {
	s := startE2ESiteAll(t, 120, 7)
	s.raiseGuard(t)
	be := s.consoleBackend(t)
	d, approve := be.refreshFor(t, plainWrite)
	if len(approve) < 10 {
		t.Fatalf("only %d write items: the test proves little", len(approve))
	}
	for _, ep := range s.Terminals {
		ep.Faults.SetLatency(150 * time.Millisecond)
	}
	ctx, esc := context.WithCancel(context.Background())
	defer esc()
	stop := cancelAtFirstWrite(s, esc)
	var sentMu sync.Mutex
	sent := map[string]int{} // the most writes the console was told went out, per target
	res, err := be.Apply(ctx, d.Plan, approve, func(p tui.ApplyProgress) {
		sentMu.Lock()
		sent[p.Target] = max(sent[p.Target], p.Sent)
		sentMu.Unlock()
	})
	if err != nil {
		t.Fatalf("a stopped apply is not a failed one: %v", err)
	}
	stop.check(t)
	// What the console was told went out is what each terminal received
	// (review of issue 13: the bars said 0/24 while 21 were written).
	for _, ep := range s.Terminals {
		// Requests, a write sent again after a digest challenge included.
		got := ep.Log.Count(e2eIsModify)
		if got > 0 && sent[ep.Name] != got {
			t.Errorf("%s received %d write requests; the console was told %d went out", ep.Name, got, sent[ep.Name])
		}
	}
	if !res.Stopped || res.Failed != 0 || len(res.FailedIDs) != 0 || res.Cancelled == 0 ||
		res.Applied+res.Stale+res.Cancelled != len(approve) || len(res.CancelledIDs) != res.Cancelled {
		t.Fatalf("%d approved: %+v", len(approve), res)
	}
	want := fmt.Sprintf("%d applied, 0 failed, %d stale, 0 held, %d cancelled", res.Applied, res.Stale, res.Cancelled)
	if res.Summary != want {
		t.Errorf("summary %q, want %q", res.Summary, want)
	}
	for _, e := range res.Errors {
		t.Errorf("error shown for a stop: %s", e)
	}
	runs, err := be.Runs(context.Background(), 1)
	if err != nil || len(runs) != 1 || runs[0].ID != res.RunID {
		t.Fatalf("runs %+v, %v", runs, err)
	}
	if c := runs[0].Counts; runs[0].Outcome != "cancelled" || c["applied"] != res.Applied || c["cancelled"] != res.Cancelled || c["failed"] != 0 {
		t.Errorf("history: %s %v; the console said %+v", runs[0].Outcome, c, res)
	}
	items, err := be.RunItems(context.Background(), res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	byStatus := map[string]int{}
	for _, it := range items {
		byStatus[it.Status]++
	}
	if byStatus["applied"] != res.Applied || byStatus["cancelled"] != res.Cancelled || byStatus["failed"] != 0 {
		t.Errorf("the run's items %v; the console said %+v", byStatus, res)
	}
}

// SIGTERM while the NTK list is being uploaded (review of issue 13 §1: the
// upload was aborted, its journal could not be closed, the run failed and
// notified, the NTK items stayed "planned"): the upload in flight
// completes and is recorded — NTK took the list, its items are applied —
// and the run is cancelled with counts that agree with its items.
func TestAutoInterruptedWhileUploadingTheNTKList(t *testing.T) {
	s := startE2ESiteAll(t, 200, 5)
	s.NTK.Faults.SetLatency(300 * time.Millisecond)
	app, out, errb := newTestApp(s.Clock, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.NTK.Log.Watch(func(r emulator.Request) {
		if r.Method == http.MethodPost {
			cancel() // SIGTERM while the list is on its way
		}
	})
	code := app.Run(ctx, []string{"--auto", "--config", s.cfg})
	text := out.String() + errb.String()
	if code != ExitFailed || !strings.Contains(text, "interrupted while applying") || strings.Contains(text, "journal") {
		t.Fatalf("exit %d:\n%s", code, text)
	}
	if n := len(s.NTKServer.Accepted()); n != 1 {
		t.Fatalf("NTK accepted %d lists; the upload in flight must complete", n)
	}
	count := map[store.ItemStatus]int{}
	ntk := 0
	for _, it := range e2eRunItems(t, s, 1) {
		count[it.Status]++
		if it.System == "ntk" && it.Kind.Writes() {
			ntk++
			if it.Status != store.StatusApplied && it.Status != store.StatusStale {
				t.Errorf("NTK item %s: %s %q; the list that holds it was accepted", it.Account, it.Status, it.Error)
			}
		}
	}
	if ntk == 0 {
		t.Fatal("the plan had no NTK items: the test proves nothing")
	}
	if count[store.StatusPlanned] != 0 || count[store.StatusFailed] != 0 {
		t.Errorf("items by status %v: none may stay planned or fail", count)
	}
	run := e2eRun(t, s, 1)
	if run.Outcome != "cancelled" || run.Counts["applied"] != count[store.StatusApplied] {
		t.Errorf("run %s, counts %v; its items: %v", run.Outcome, run.Counts, count)
	}
}

// Esc right after y, before anything was sent (review of issue 13 §1: the
// console said "Apply failed: store: … context canceled" and the run was
// failed or not recorded at all): the apply is stopped, every approved item
// is cancelled and stays selected, nothing reached a terminal, and the run
// is recorded as cancelled.
func TestConsoleEscBeforeAnythingWasSent(t *testing.T) {
	s := startE2ESiteAll(t, 80, 7)
	s.raiseGuard(t)
	be := s.consoleBackend(t)
	d, approve := be.refreshFor(t, plainWrite)
	if len(approve) == 0 {
		t.Fatal("no write items: the test proves nothing")
	}
	before := 0
	for _, ep := range s.Terminals {
		before += ep.Log.Count(e2eIsModify)
	}
	ctx, esc := context.WithCancel(context.Background())
	esc()
	res, err := be.Apply(ctx, d.Plan, approve, func(tui.ApplyProgress) {})
	if err != nil {
		t.Fatalf("a stopped apply is not a failed one: %v", err)
	}
	if !res.Stopped || res.Applied != 0 || res.Failed != 0 || res.Cancelled+res.Stale != len(approve) || len(res.CancelledIDs) != res.Cancelled {
		t.Fatalf("%d approved: %+v", len(approve), res)
	}
	after := 0
	for _, ep := range s.Terminals {
		after += ep.Log.Count(e2eIsModify)
	}
	if after != before {
		t.Errorf("%d writes sent after the stop", after-before)
	}
	runs, err := be.Runs(context.Background(), 1)
	if err != nil || len(runs) != 1 || runs[0].ID != res.RunID || runs[0].Outcome != "cancelled" || runs[0].Counts["cancelled"] != res.Cancelled {
		t.Fatalf("history %+v, %v; the console said %+v", runs, err, res)
	}
}

// The guard does not hold back an operator's approval, so the console's
// summary of it does not mention it (review of issue 13 §1: "Stopped: …;
// guard tripped: …" read as if the guard had stopped the apply).
func TestConsoleSummaryDoesNotBlameTheGuard(t *testing.T) {
	s := startE2ESiteAll(t, 300, 7)
	s.editConfig(t, "max_revocations = 25", "max_revocations = 0")
	be := s.consoleBackend(t)
	d, approve := be.refreshFor(t, plainWrite)
	if !d.Plan.Guard.Tripped {
		t.Fatal("the guard did not trip: the test proves nothing")
	}
	approve = approve[:min(3, len(approve))]
	res, err := be.Apply(context.Background(), d.Plan, approve, func(tui.ApplyProgress) {})
	if err != nil || res.Applied == 0 {
		t.Fatalf("apply: %+v, %v", res, err)
	}
	if strings.Contains(res.Summary, "guard") {
		t.Errorf("summary %q blames the guard, which held nothing back", res.Summary)
	}
}
