// Package apply runs the write items of a plan against the targets: it
// re-reads each account (batched), skips items whose account changed since
// planning (stale), journals every write before sending it, writes, reads
// back, and records the outcome. Terminals run in parallel, one request at a
// time per terminal (the targets serialise their own requests).
//
// The retry policy of target calls lives here (Retry, retry.go): targets
// send each request once and classify its failure; this package tries busy
// and transient failures again with capped exponential backoff and jitter
// (internal/backoff) until the target's time budget for the run is spent,
// as long as the target answers, so retries are decided by class in one
// place and never stacked. The engine shares a run's budgets (Retries)
// between the inventory, the re-reads, the writes and the read-backs of
// each target; reads an operator waits for (door events, the doctor's
// checks) use the same classification (Classify) with a short budget.
//
// A write is journalled (Recorder.OpenIntent) before it is sent and closed
// after the read-back, so a killed run leaves an open entry that the next
// run's recovery reads back (engine.Recover). Before each request that
// changes a system, a target asks the context's send gate
// (target.CheckSend), which the runner sets to Runner.Holding: "this run
// still holds the database's run lock", so a run whose lock was taken over
// stops between two requests, not only between chunks.
//
// Where things live: types.go the results, statuses, events and the
// Recorder; runner.go the Runner; retry.go Retry, Retries and Classify.
// runner_test.go checks against the emulated terminal that only validity is
// written, in batched reads, that a changed account is skipped, that
// nothing is written without a journal entry, convergence under faults,
// the stop after an authentication failure, cancellation and a silent
// terminal; lock_test.go that retries stop once the lock is lost.
package apply

import (
	"context"
	"time"

	"github.com/doorsync/doorsync/internal/plan"
)

// Status is the outcome of one item.
type Status string

const (
	Applied Status = "applied" // written and confirmed by read-back
	Failed  Status = "failed"  // the target refused, or read-back disagreed
	Stale   Status = "stale"   // the account changed, or is no longer the member's, since planning: not written
	Skipped Status = "skipped" // not attempted (target stopped, lock lost)
	// Cancelled: not sent, because the operator stopped the run first
	// (Esc in the console, a signal): neither failed nor to be retried
	// by itself.
	Cancelled Status = "cancelled"
)

// Result is what happened to one item.
type Result struct {
	Item     plan.Item
	Status   Status
	Attempts int
	Before   time.Time // the account's end as re-read before writing
	After    time.Time // the end read back after writing
	Err      error
}

// Intent is a journal entry opened before a write.
type Intent struct {
	RunID   int64
	ItemID  string
	Target  string
	Account string
	Before  time.Time
	Want    time.Time
}

// Recorder persists the journal and results (the store implements it).
// Every method is called from the target's worker goroutine; implementations
// must be safe for concurrent use across targets.
type Recorder interface {
	// OpenIntent journals a write before it is sent.
	OpenIntent(ctx context.Context, in Intent) (int64, error)
	// CloseIntent completes the journal entry after the read-back.
	CloseIntent(ctx context.Context, id int64, r Result) error
	// Record stores the item's final result.
	Record(ctx context.Context, runID int64, r Result) error
}

// Phase of a target's work, for progress events.
type Phase string

const (
	PhaseRead   Phase = "read"   // re-reading accounts before writing
	PhaseWrite  Phase = "write"  // writing
	PhaseVerify Phase = "verify" // reading back
	PhaseDone   Phase = "done"   // the target's work is over
)

// Event reports progress to the console or the printer.
type Event struct {
	Target string
	Phase  Phase
	Done   int // items finished on this target
	Total  int // items for this target
	Result *Result
	Err    error // a target-level failure (e.g. stopped after authentication failures)
	// Sent counts the write requests the target was let send so far (its
	// send gate said yes): items settle only after their chunk is read
	// back, so this is what shows writes going out.
	Sent int
}
