package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/exitcode"
)

// watchStateKey remembers, across restarts, when Cardskipper was last polled.
const watchStateKey = "watch.last_poll"

// WatchOptions shape watch mode.
type WatchOptions struct {
	Interval  time.Duration // pause between incremental polls
	FullEvery time.Duration // full reconcile this often (and at start)
	Overlap   time.Duration // re-ask for changes this far back
	MaxWait   time.Duration // longest pause after repeated failures
}

// Watch is watch mode's state between passes: when the last full
// reconcile was, and how many passes failed in a row. The caller runs
// Pass, shows its result and waits Pass.Wait.
type Watch struct {
	s        *Service
	o        WatchOptions
	lastFull time.Time
	failures int
}

// Watch starts watch mode.
func (s *Service) Watch(o WatchOptions) *Watch { return &Watch{s: s, o: o} }

// Pass is what one watch pass did.
type Pass struct {
	// Full: a full reconcile ran (at start, every FullEvery, when the
	// incremental pass could not run, or a hold was lifted).
	Full bool
	// Changed is the number of members an incremental pass found changed.
	Changed int
	// Outcome is the run to report; nil when there is none (nothing
	// changed, or the full reconcile could not run: Err says why).
	Outcome *engine.Outcome
	Stops   []Stop
	// Err says why the pass did not do all it could (held items are
	// fine); the same changes are asked for again after Wait.
	Err      error
	Failures int // passes failed in a row
	// Wait is the pause before the next pass: the interval, growing after
	// failures up to MaxWait.
	Wait time.Duration
}

// Pass runs one pass: incremental (only the members changed since the
// last poll) or a full reconcile. Clients are built for every pass, so a
// terminal stopped after authentication failures is tried again only at
// the next pass, never in a loop within one. The error means watch cannot
// go on (a configuration the clients cannot be built from, a database
// that cannot be read).
func (w *Watch) Pass(ctx context.Context, obs engine.Observer) (Pass, error) {
	s, o := w.s, w.o
	now := s.clock.Now()
	r, err := s.newRun(ctx, obs)
	if err != nil {
		return Pass{}, err
	}
	defer r.close()
	res := Pass{Full: w.lastFull.IsZero() || now.Sub(w.lastFull) >= o.FullEvery}
	// Targets that rejected their credentials stay out (holds.go); one
	// whose hold ended missed the incremental passes meanwhile, so it
	// comes back with a full reconcile.
	if len(r.lifted) > 0 {
		res.Full = true
	}
	var out engine.Outcome
	ran := false
	if !res.Full {
		since := now.Add(-o.Interval - o.Overlap)
		if v, ok, _ := s.store.State(ctx, watchStateKey); ok {
			if t, perr := time.Parse(time.RFC3339Nano, v); perr == nil {
				since = t.Add(-o.Overlap)
			}
		}
		var n int
		out, n, err = r.eng.Incremental(ctx, since)
		switch {
		case errors.Is(err, engine.ErrNeedFull):
			res.Full = true
		case err != nil:
			res.Err = err
		case n > 0 || out.Retried > 0:
			ran = true
			res.Changed = n
			res.Outcome = &out
		}
	}
	if res.Full {
		out, err = r.eng.Sync(ctx, engine.Options{Mode: engine.ModeWatch})
		ran = true
		if err != nil {
			res.Err = err
		} else {
			res.Outcome = &out
		}
	}
	// A pass counts as done only when it did all it could (held items are
	// fine): otherwise the same changes are asked for again.
	if res.Err == nil && ran && out.Code != exitcode.OK && out.Code != exitcode.Held && !onlyHeldLeftOut(out, r.clients.held) {
		res.Err = fmt.Errorf("pass %s: %s", out.Status, out.Summary())
	}
	res.Stops = s.remember(ctx, r, runFacts{readErrs: out.TargetErrs, full: res.Full && res.Outcome != nil, outcome: &out})
	if res.Err == nil {
		_ = s.store.SetState(ctx, watchStateKey, now.Format(time.RFC3339Nano))
		if res.Full {
			w.lastFull = now
		}
		w.failures = 0
	} else if ctx.Err() == nil {
		w.failures++
	}
	res.Failures = w.failures
	res.Wait = o.Interval
	if w.failures > 0 {
		res.Wait = min(o.Interval<<min(w.failures, 10), o.MaxWait)
	}
	return res, nil
}

// onlyHeldLeftOut reports whether a partial pass is partial only because
// of targets left out on purpose (held after rejected credentials): the
// others did all they could, so the pass is done — its changes are not
// asked for again, and watch keeps its interval instead of backing off
// into full passes (issue 12 review). A held target comes back with a
// full reconcile when its hold is lifted.
func onlyHeldLeftOut(out engine.Outcome, held map[string]error) bool {
	if out.Code != exitcode.Partial || out.Failed > 0 || len(out.TargetErrs) == 0 {
		return false
	}
	for name := range out.TargetErrs {
		if held[name] == nil {
			return false
		}
	}
	return true
}
