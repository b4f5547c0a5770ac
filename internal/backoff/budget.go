package backoff

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
)

// Defaults of Policy's zero values.
const (
	DefaultBase = 250 * time.Millisecond
	DefaultMax  = 8 * time.Second
	// DefaultBudget: a terminal busy for seconds at a time (iVMS-4200
	// pushing faces) gets minutes, not a handful of quick tries; a run of a
	// few terminals still ends within a cron interval.
	DefaultBudget = 3 * time.Minute
	// DefaultSilent: a system that does not answer at all (timeouts,
	// refused connections) is likely down; a few tries tell, minutes of
	// them would only delay the run.
	DefaultSilent = 3
)

// Verdict is what a failure calls for.
type Verdict int

const (
	// Stop: trying again cannot help (a content error, a refusal, a
	// cancellation).
	Stop Verdict = iota
	// Again: the other side answered that it cannot now (busy, 5xx).
	Again
	// AgainSilent: the other side did not answer (timeout, connection
	// refused or reset). Only Policy.Silent of these in a row are tried.
	AgainSilent
)

// Policy is capped exponential backoff with jitter, bounded by time: how
// long retries may take in all, not how many there may be.
type Policy struct {
	Base   time.Duration // first pause (0: DefaultBase), doubled each retry
	Max    time.Duration // longest pause (0: DefaultMax)
	Budget time.Duration // time one Budget may spend retrying (0: DefaultBudget)
	Silent int           // tries in a row without an answer before giving up (0: DefaultSilent)
	Clock  clock.Clock   // measures the time spent (nil: the system clock)
	// Sleep pauses or returns ctx's error (nil: Sleep); tests pass one that
	// advances a manual clock instead of waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0,1) (nil: math/rand/v2).
	Jitter func() float64
}

func (p Policy) withDefaults() Policy {
	if p.Base <= 0 {
		p.Base = DefaultBase
	}
	if p.Max <= 0 {
		p.Max = DefaultMax
	}
	if p.Budget <= 0 {
		p.Budget = DefaultBudget
	}
	if p.Silent <= 0 {
		p.Silent = DefaultSilent
	}
	if p.Clock == nil {
		p.Clock = clock.System{}
	}
	if p.Sleep == nil {
		p.Sleep = Sleep
	}
	if p.Jitter == nil {
		p.Jitter = rand.Float64
	}
	return p
}

// NewBudget starts a budget of the policy: one per party that may be
// retried (a terminal) and per run.
func (p Policy) NewBudget() *Budget {
	return &Budget{p: p.withDefaults()}
}

// Budget is the time one party may cost in retries. The time from a
// failure until the operation succeeds, gets further (Tries.Progress) or
// is given up — the pauses and the tries after the failure — is charged;
// a slow but healthy party costs nothing. Once the policy's Budget is
// spent, a failure is final. Safe for concurrent use.
type Budget struct {
	p     Policy
	mu    sync.Mutex
	spent time.Duration
}

// Spent is the time charged so far.
func (b *Budget) Spent() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.spent
}

// Limit is the policy's budget.
func (b *Budget) Limit() time.Duration { return b.p.Budget }

// Do calls op until it succeeds, classify says Stop, the budget is spent or
// ctx ends, and returns how many calls it made and the last error (an
// *ExhaustedError around it when the budget or the silent tries ran out).
func (b *Budget) Do(ctx context.Context, op func() error, classify func(error) Verdict) (int, error) {
	tr := b.Begin()
	defer tr.Done()
	for {
		err := op()
		if err == nil {
			return tr.Tries(), nil
		}
		if again, final := tr.Again(ctx, err, classify(err)); !again {
			return tr.Tries(), final
		}
	}
}

// Begin starts one operation (for loops Do does not fit, such as a batch
// whose items fail one by one). Call Done when it is over.
func (b *Budget) Begin() *Tries {
	return &Tries{b: b, tries: 1, call: b.p.Clock.Now()}
}

// Tries is one operation's retry state.
type Tries struct {
	b      *Budget
	tries  int       // calls made, counting the one in progress
	streak int       // failures since the start or the last progress: the backoff's exponent
	silent int       // AgainSilent verdicts in a row
	first  time.Time // when the call that began the current failure streak was made; zero: none
	call   time.Time // when the call in progress (or just returned) was made
	// paused is the pauses slept in the current streak: time lost at the
	// least, whatever the clock says (a clock that stands still in a
	// test must not make the budget endless).
	paused time.Duration
	done   bool
}

// Tries is how many calls the operation has made (counting the one in
// progress).
func (t *Tries) Tries() int { return t.tries }

// Again decides after a failed call: it pauses and returns true when the
// operation should call again, or returns false and the error to report
// (err itself, or an *ExhaustedError around it).
func (t *Tries) Again(ctx context.Context, err error, v Verdict) (bool, error) {
	p := t.b.p
	if v == Stop || ctx.Err() != nil {
		return false, err
	}
	now := p.Clock.Now()
	if t.first.IsZero() {
		t.first = now
		if v == AgainSilent {
			// A call that got no answer lost its own time too (a 20 s
			// timeout): charge from when it was made, so that a target
			// that fails slowly spends its budget as surely as one that
			// fails fast. An answered failure (busy) came back at once;
			// charging its call would charge the healthy work of a batch.
			t.first = t.call
		}
	}
	if v == AgainSilent {
		t.silent++
		if t.silent >= p.Silent {
			return false, &ExhaustedError{Err: err, Tries: t.tries, Silent: true}
		}
	} else {
		t.silent = 0
	}
	left := p.Budget - t.b.Spent() - t.lost(now)
	if left <= 0 {
		return false, &ExhaustedError{Err: err, Tries: t.tries, Budget: p.Budget}
	}
	// The last pause is cut to what is left: the budget is used, not
	// forfeited because the next doubling would overrun it.
	d := min(Delay(p.Base, p.Max, t.streak, p.Jitter()), left)
	t.streak++
	t.paused += d
	if serr := p.Sleep(ctx, d); serr != nil {
		return false, fmt.Errorf("%w (not tried again: %w)", err, serr)
	}
	t.tries++
	t.call = p.Clock.Now()
	return true, nil
}

// Progress says the operation got further since its last failure (a page
// of a scan, some updates of a batch were done): the time since that
// failure is charged, and the next failure starts the backoff from its
// first, short pause again. A long scan hit by scattered busy answers
// then pays a short pause for each, not ever longer ones.
func (t *Tries) Progress() {
	t.charge()
	t.streak, t.silent = 0, 0
	t.call = t.b.p.Clock.Now() // the operation's next call starts now
}

// Done charges the operation's time to the budget; later calls do nothing.
func (t *Tries) Done() {
	if t.done {
		return
	}
	t.done = true
	t.charge()
}

// lost is the current streak's time: since its first failure by the
// clock, and never less than the pauses slept in it.
func (t *Tries) lost(now time.Time) time.Duration {
	return max(now.Sub(t.first), t.paused)
}

// charge adds the time since the current streak's first failure.
func (t *Tries) charge() {
	if t.first.IsZero() {
		return
	}
	d := t.lost(t.b.p.Clock.Now())
	t.first, t.paused = time.Time{}, 0
	t.b.mu.Lock()
	t.b.spent += max(d, 0)
	t.b.mu.Unlock()
}

// ExhaustedError is the last failure of an operation given up because its
// budget was spent, or because the other side stopped answering.
type ExhaustedError struct {
	Err    error
	Tries  int
	Budget time.Duration // the budget that was spent (zero when Silent)
	Silent bool          // given up after Policy.Silent tries without an answer
}

func (e *ExhaustedError) Error() string {
	if e.Silent {
		return fmt.Sprintf("%v (no answer to %d tries in a row: given up)", e.Err, e.Tries)
	}
	return fmt.Sprintf("%v (given up after %d tries: the retry budget of %s is spent)", e.Err, e.Tries, e.Budget)
}

func (e *ExhaustedError) Unwrap() error { return e.Err }
