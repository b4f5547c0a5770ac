package apply

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/backoff"
	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/target"
)

// Retry is doorsync's one retry policy for target calls. Clients do not
// retry on their own: they classify each failure once (target.Error) and
// the engine decides here, by class. Transient and busy failures are tried
// again with capped exponential backoff and jitter until the target's time
// budget for the run is spent, as long as the target answers (a few tries
// in a row without an answer end it); auth, permanent, not-found and
// malformed failures never are (auth has its own stop rule in the clients).
type Retry struct {
	Base time.Duration // first pause (0: backoff.DefaultBase), doubled each retry
	Max  time.Duration // longest pause (0: backoff.DefaultMax)
	// Budget is how long retries may take per target and run (0:
	// backoff.DefaultBudget); Budgets overrides it per target name.
	Budget  time.Duration
	Budgets map[string]time.Duration
	Silent  int         // tries in a row without an answer before giving up (0: backoff.DefaultSilent)
	Clock   clock.Clock // nil: the system clock
	// Sleep pauses or returns ctx's error; tests inject one that advances a
	// manual clock. Nil: a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0,1); nil: math/rand/v2.
	Jitter func() float64
}

// BudgetFor is the budget of the named target.
func (r Retry) BudgetFor(name string) time.Duration {
	if d, ok := r.Budgets[name]; ok && d > 0 {
		return d
	}
	if r.Budget > 0 {
		return r.Budget
	}
	return backoff.DefaultBudget
}

// Interactive is the policy of calls an operator waits for outside a run
// (doctor, the console's door events): the named target's budget cut to
// limit when limit is positive and smaller, and a target that did not
// answer once (each try costs a whole timeout) reported at once, not
// asked again. A zero limit leaves the policy as it is.
func (r Retry) Interactive(name string, limit time.Duration) Retry {
	if limit <= 0 {
		return r
	}
	if b := r.BudgetFor(name); limit < b {
		r.Budget, r.Budgets = limit, nil
	}
	r.Silent = 1
	return r
}

// Start begins a run: every target gets a fresh budget, shared by all of
// its calls in the run (inventory, re-reads, writes, read-backs).
func (r Retry) Start() *Retries {
	return &Retries{r: r, m: map[string]*backoff.Budget{}}
}

// Retries is one run's retry budgets, one per target. Safe for concurrent
// use (targets work in parallel).
type Retries struct {
	r  Retry
	mu sync.Mutex
	m  map[string]*backoff.Budget
}

// Budget returns the named target's budget in this run.
func (rs *Retries) Budget(name string) *backoff.Budget {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	b, ok := rs.m[name]
	if !ok {
		b = backoff.Policy{Base: rs.r.Base, Max: rs.r.Max, Budget: rs.r.BudgetFor(name), Silent: rs.r.Silent,
			Clock: rs.r.Clock, Sleep: rs.r.Sleep, Jitter: rs.r.Jitter}.NewBudget()
		rs.m[name] = b
	}
	return b
}

// Do calls op on the named target until it succeeds or Classify says to
// stop, within the target's budget. It returns the number of calls made.
//
// With Silent 1 a call that got no answer is not tried again and its error
// is returned as it is, not as an *backoff.ExhaustedError: nothing was
// retried, so nothing was given up.
func (rs *Retries) Do(ctx context.Context, name string, op func() error) (int, error) {
	classify := Classify
	if rs.r.Silent == 1 {
		classify = func(err error) backoff.Verdict {
			if v := Classify(err); v != backoff.AgainSilent {
				return v
			}
			return backoff.Stop
		}
	}
	return rs.Budget(name).Do(ctx, op, classify)
}

// Classify is the retry decision by error class.
func Classify(err error) backoff.Verdict {
	switch {
	case err == nil, errors.Is(err, target.ErrStopped),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		!target.ClassOf(err).Retryable(), codeOf(err) == target.CodeListChanged:
		return backoff.Stop
	case target.Unanswered(err):
		return backoff.AgainSilent
	}
	return backoff.Again
}

// codeOf is the classified error's code ("" for another error).
func codeOf(err error) string {
	var te *target.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return ""
}
