package backoff

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
)

// testPolicy sleeps by advancing a manual clock, so minutes of backoff take
// no time.
func testPolicy(budget time.Duration) (Policy, *clock.Manual, *[]time.Duration) {
	clk := clock.NewManual(time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC))
	var slept []time.Duration
	return Policy{Base: 100 * time.Millisecond, Max: 2 * time.Second, Budget: budget, Clock: clk,
		Jitter: func() float64 { return 0.5 },
		Sleep: func(ctx context.Context, d time.Duration) error {
			slept = append(slept, d)
			clk.Advance(d)
			return ctx.Err()
		}}, clk, &slept
}

var errBusy = errors.New("busy")

func again(error) Verdict  { return Again }
func silent(error) Verdict { return AgainSilent }

func TestDoRetriesUntilSuccess(t *testing.T) {
	p, _, slept := testPolicy(time.Minute)
	b := p.NewBudget()
	calls := 0
	n, err := b.Do(context.Background(), func() error {
		calls++
		if calls < 4 {
			return errBusy
		}
		return nil
	}, again)
	if err != nil || n != 4 || calls != 4 {
		t.Fatalf("Do = %d, %v after %d calls; want 4, nil", n, err, calls)
	}
	// Doubling from 100 ms with equal jitter at 0.5: 75, 150, 300 ms.
	want := []time.Duration{75 * time.Millisecond, 150 * time.Millisecond, 300 * time.Millisecond}
	if len(*slept) != len(want) {
		t.Fatalf("slept %v, want %v", *slept, want)
	}
	for i := range want {
		if (*slept)[i] != want[i] {
			t.Errorf("pause %d = %v, want %v", i, (*slept)[i], want[i])
		}
	}
	if got := b.Spent(); got != 525*time.Millisecond {
		t.Errorf("spent %v, want 525ms", got)
	}
}

func TestDoStopsAtOnce(t *testing.T) {
	p, _, slept := testPolicy(time.Minute)
	perm := errors.New("bad content")
	n, err := p.NewBudget().Do(context.Background(), func() error { return perm }, func(error) Verdict { return Stop })
	if n != 1 || err != perm || len(*slept) != 0 {
		t.Fatalf("Do = %d, %v, slept %v; want one call, the error itself, no pause", n, err, *slept)
	}
}

func TestBudgetIsSharedAndBoundsTime(t *testing.T) {
	p, clk, _ := testPolicy(30 * time.Second)
	b := p.NewBudget()
	start := clk.Now()
	n, err := b.Do(context.Background(), func() error { return errBusy }, again)
	var ex *ExhaustedError
	if !errors.As(err, &ex) || !errors.Is(err, errBusy) || ex.Silent {
		t.Fatalf("want an ExhaustedError around the last failure, got %v", err)
	}
	if !strings.Contains(err.Error(), "retry budget of 30s is spent") {
		t.Errorf("message %q does not say the budget is spent", err)
	}
	// The last pause is cut to what is left: exactly the budget is used.
	if got := clk.Now().Sub(start); got != 30*time.Second {
		t.Errorf("retried for %v, want exactly the budget of 30s", got)
	}
	if n < 10 {
		t.Errorf("only %d tries in 30 s of capped backoff", n)
	}
	// The budget is spent for every later operation of the same party: one
	// try each, no pause.
	calls := 0
	_, err = b.Do(context.Background(), func() error { calls++; return errBusy }, again)
	if calls != 1 || !errors.As(err, &ex) {
		t.Errorf("after the budget was spent: %d calls, %v; want 1 and an ExhaustedError", calls, err)
	}
	// Another party's budget is untouched.
	if got := p.NewBudget().Spent(); got != 0 {
		t.Errorf("a new budget starts with %v spent", got)
	}
}

func TestSuccessfulOperationsCostNothing(t *testing.T) {
	p, clk, _ := testPolicy(time.Second)
	b := p.NewBudget()
	for range 5 {
		clk.Advance(time.Minute) // slow but successful work
		if _, err := b.Do(context.Background(), func() error { return nil }, again); err != nil {
			t.Fatal(err)
		}
	}
	if b.Spent() != 0 {
		t.Errorf("successful calls charged %v", b.Spent())
	}
}

func TestSilentTriesAreFew(t *testing.T) {
	p, _, _ := testPolicy(time.Hour)
	calls := 0
	n, err := p.NewBudget().Do(context.Background(), func() error { calls++; return errors.New("connection refused") }, silent)
	var ex *ExhaustedError
	if !errors.As(err, &ex) || !ex.Silent || n != DefaultSilent || calls != DefaultSilent {
		t.Fatalf("Do = %d calls, %v; want %d calls and a silent ExhaustedError", calls, err, DefaultSilent)
	}
	// An answer in between resets the count.
	calls = 0
	_, err = p.NewBudget().Do(context.Background(), func() error {
		calls++
		if calls == 8 {
			return nil
		}
		return errBusy
	}, func(error) Verdict {
		if calls%2 == 0 {
			return Again
		}
		return AgainSilent
	})
	if err != nil || calls != 8 {
		t.Errorf("alternating silent and busy: %d calls, %v; want success on the 8th", calls, err)
	}
}

func TestCancelledWhilePausing(t *testing.T) {
	p, _, _ := testPolicy(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	p.Sleep = func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() }
	_, err := p.NewBudget().Do(ctx, func() error { return errBusy }, again)
	if !errors.Is(err, errBusy) || !errors.Is(err, context.Canceled) {
		t.Fatalf("want the failure and the cancellation, got %v", err)
	}
}

// Progress restarts the backoff at its first pause and charges the time
// up to it: a long operation with scattered failures pays short pauses.
func TestProgressRestartsTheBackoff(t *testing.T) {
	p, clk, slept := testPolicy(time.Minute)
	b := p.NewBudget()
	tr := b.Begin()
	fail := func() {
		t.Helper()
		if ok, err := tr.Again(context.Background(), errBusy, Again); !ok {
			t.Fatalf("gave up: %v", err)
		}
	}
	fail()
	fail()
	clk.Advance(time.Second) // the successful work after the pauses
	tr.Progress()
	clk.Advance(time.Hour) // healthy work costs nothing
	fail()
	tr.Done()
	want := []time.Duration{75 * time.Millisecond, 150 * time.Millisecond, 75 * time.Millisecond}
	for i := range want {
		if (*slept)[i] != want[i] {
			t.Fatalf("pauses %v, want %v", *slept, want)
		}
	}
	if got := b.Spent(); got != 75*time.Millisecond+150*time.Millisecond+time.Second+75*time.Millisecond {
		t.Errorf("spent %v: want the pauses and the second until progress, not the hour of healthy work", got)
	}
	if tr.Tries() != 4 {
		t.Errorf("Tries = %d, want 4", tr.Tries())
	}
}

// A target that fails slowly (each call times out after 20 s) spends its
// budget with the calls' own time, not only the pauses between them: the
// budget bounds how long the target is tried, whatever each call costs.
func TestSlowFailuresAreCharged(t *testing.T) {
	p, clk, _ := testPolicy(time.Minute)
	p.Silent = 100 // the budget, not the count of silent tries, must end it
	b := p.NewBudget()
	start := clk.Now()
	n, err := b.Do(context.Background(), func() error { clk.Advance(20 * time.Second); return errBusy }, silent)
	var ex *ExhaustedError
	if !errors.As(err, &ex) || ex.Silent {
		t.Fatalf("want the budget spent, got %v", err)
	}
	if got := clk.Now().Sub(start); got > time.Minute+20*time.Second || n > 4 {
		t.Errorf("%d calls of 20 s took %v with a budget of 1m; want at most one call beyond the budget", n, got)
	}
	if spent := b.Spent(); spent < time.Minute {
		t.Errorf("spent %v, want the whole budget", spent)
	}
}

// A clock that stands still (a test's Manual clock with real pauses) does
// not make the budget endless: the pauses slept count as time lost.
func TestStoppedClockStillSpendsTheBudget(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC))
	var slept time.Duration
	p := Policy{Base: 100 * time.Millisecond, Max: 2 * time.Second, Budget: 10 * time.Second, Clock: clk,
		Jitter: func() float64 { return 0.5 },
		Sleep:  func(ctx context.Context, d time.Duration) error { slept += d; return ctx.Err() }}
	n, err := p.NewBudget().Do(context.Background(), func() error { return errBusy }, again)
	var ex *ExhaustedError
	if !errors.As(err, &ex) || slept != 10*time.Second || n > 20 {
		t.Errorf("%d tries, %v slept, %v; want the budget of 10s slept, then given up", n, slept, err)
	}
}
