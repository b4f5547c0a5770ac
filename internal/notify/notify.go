// Package notify tells people about runs that need them: a webhook (JSON
// POST) and e-mail (SMTP) on failed, partial and held runs and on a tripped
// guard, with the counts and the first errors.
//
// A failing notification never fails the run: Deliver logs it and the caller
// carries on. Secrets (the SMTP password, tokens in a webhook URL) never
// appear in an error or a log line.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Outcomes that are worth a notification (ShouldNotify).
const (
	OutcomeFailed  = "failed"  // nothing or not all could be done (exit 1)
	OutcomePartial = "partial" // some items failed (exit 3)
	OutcomeHeld    = "held"    // items await approval (exit 4)
	OutcomeGuard   = "guard"   // the blast-radius guard tripped: nothing was applied (exit 4)
)

// MaxErrors is how many errors a notification lists; more are counted, not
// shown (one broken terminal can fail hundreds of items with one cause).
const MaxErrors = 10

// maxErrorLen caps one error line: a terminal's HTML error page must not
// become the mail.
const maxErrorLen = 500

// Event is one run worth telling about.
type Event struct {
	RunID       int64
	Outcome     string // failed, partial, held, guard
	Mode        string // auto, watch, apply …
	Host        string // the machine doorsync runs on, so a site with several boxes knows which
	StartedAt   time.Time
	FinishedAt  time.Time
	Counts      map[string]int // e.g. applied, failed, stale, skipped, held, or plan kinds
	Errors      []string       // the first errors (MaxErrors are shown)
	GuardReason string
	Summary     string // one line; derived from the counts when empty
	// Identity lists the identity changes held for the admin (an account
	// that now resolves to another member, names that differ), one line
	// each.
	Identity []string
}

// Notifier sends one event somewhere.
type Notifier interface {
	Notify(ctx context.Context, e Event) error
}

// ShouldNotify reports whether a run with the outcome is worth a
// notification: a run that did its work (or found nothing to do) is not.
func ShouldNotify(outcome string) bool {
	switch outcome {
	case OutcomeFailed, OutcomePartial, OutcomeHeld, OutcomeGuard:
		return true
	}
	return false
}

// Multi sends to every notifier at once (a hanging mail relay must not delay
// the webhook) and returns their errors joined, in the notifiers' order.
type Multi []Notifier

func (m Multi) Notify(ctx context.Context, e Event) error {
	errs := make([]error, len(m))
	var wg sync.WaitGroup
	for i, n := range m {
		if n == nil {
			continue
		}
		wg.Go(func() { errs[i] = n.Notify(ctx, e) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Deliver sends the event when its outcome is worth it and logs each failure
// as a warning. The returned error is for tests and callers that count
// failures; a run never fails because of it.
func Deliver(ctx context.Context, log *slog.Logger, n Notifier, e Event) error {
	if n == nil || !ShouldNotify(e.Outcome) {
		return nil
	}
	err := n.Notify(ctx, e)
	if err == nil {
		return nil
	}
	if log != nil {
		var joined interface{ Unwrap() []error }
		errs := []error{err}
		if errors.As(err, &joined) {
			errs = joined.Unwrap()
		}
		for _, x := range errs {
			log.Warn("notification failed; the run's result stands", "run", e.RunID, "outcome", e.Outcome, "err", x.Error())
		}
	}
	return fmt.Errorf("notify run %d: %w", e.RunID, err)
}
