package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/doorsync/doorsync/internal/engine"
)

type watchOptions struct {
	interval  time.Duration
	fullEvery time.Duration
	overlap   time.Duration
	maxWait   time.Duration
}

// watchStateKey remembers, across restarts, when Cardskipper was last polled.
const watchStateKey = "watch.last_poll"

func (a *App) watchCommand(g *globalOptions) *cobra.Command {
	o := watchOptions{}
	cmd := &cobra.Command{
		Use:   "watch [--interval D] [--full-every D]",
		Short: "Long-running incremental sync: poll Cardskipper for changes, apply what policy allows",
		Long: `watch runs until interrupted (SIGINT/SIGTERM). It reconciles everything at start and every
--full-every; in between, every --interval it asks Cardskipper only for members changed since the
last poll (minus --overlap, so a change made during a poll is not missed), re-reads only those
members' accounts and applies what policy allows for them, together with the items that failed
in earlier runs (each tried again by up to 3 passes; then the next full reconcile plans it). A
busy or failing terminal is retried within its retry_budget per pass; a source or terminal outage
is reported and retried with a growing pause (up to --max-wait); watch keeps going.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.interval < time.Second || o.fullEvery < o.interval {
				return usageError(fmt.Errorf("--interval must be at least 1s and --full-every at least the interval"))
			}
			return a.runWatch(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.DurationVar(&o.interval, "interval", 60*time.Second, "pause between incremental polls")
	f.DurationVar(&o.fullEvery, "full-every", 6*time.Hour, "full reconcile this often (and at start)")
	f.DurationVar(&o.overlap, "overlap", 2*time.Minute, "re-ask for changes this far back, against clock skew and slow commits")
	f.DurationVar(&o.maxWait, "max-wait", 10*time.Minute, "longest pause after repeated failures")
	return cmd
}

func (a *App) runWatch(ctx context.Context, g *globalOptions, o watchOptions) error {
	p := newPrinter(g.logFormat, a.Stdout, a.Clock)
	// The configuration is read once; clients are built for every pass, so a
	// terminal stopped after authentication failures is retried only at the
	// next pass, never in a loop within one.
	cfgSession, err := a.openSession(ctx, g, false)
	if err != nil {
		return err
	}
	st := cfgSession.store
	defer cfgSession.close()
	p.Print(Line{Status: StatusInfo, Subject: "watch", Detail: fmt.Sprintf("started: poll every %s, full reconcile every %s", o.interval, o.fullEvery)})

	var lastFull time.Time
	failures := 0
	for {
		now := a.Clock.Now()
		eng, closeTargets, err := a.newEngine(cfgSession.cfg, st)
		if err != nil {
			return usageError(err)
		}
		eng.Observer = a.progressPrinter(p, cfgSession.cfg, g.debug)
		full := lastFull.IsZero() || now.Sub(lastFull) >= o.fullEvery
		// Terminals that rejected their credentials stay out (see
		// authhold.go); one whose hold ended missed the incremental passes
		// meanwhile, so it comes back with a full reconcile.
		pass := &session{cfg: cfgSession.cfg, store: st, engine: eng}
		lifted, err := a.holdTargets(ctx, pass)
		if err != nil {
			closeTargets()
			return failedError(err)
		}
		if len(lifted) > 0 {
			full = true
		}
		var passErr error
		var out engine.Outcome
		ran := false
		if !full {
			since := now.Add(-o.interval - o.overlap)
			if v, ok, _ := st.State(ctx, watchStateKey); ok {
				if t, perr := time.Parse(time.RFC3339Nano, v); perr == nil {
					since = t.Add(-o.overlap)
				}
			}
			var n int
			out, n, err = eng.Incremental(ctx, since)
			switch {
			case errors.Is(err, engine.ErrNeedFull):
				full = true
			case err != nil:
				passErr = err
			case n > 0 || out.Retried > 0:
				ran = true
				detail := fmt.Sprintf("%d member(s) changed", n)
				if out.Retried > 0 {
					detail += fmt.Sprintf("; %d more whose items failed earlier are tried again", out.Retried)
				}
				p.Print(Line{Status: StatusInfo, Subject: "watch", Detail: detail})
				a.printOutcome(p, out)
			}
		}
		if full {
			out, err = eng.Sync(ctx, engine.Options{Mode: engine.ModeWatch})
			ran = true
			if err != nil {
				passErr = err
			} else {
				a.printOutcome(p, out)
			}
		}
		// A pass counts as done only when it did all it could (held items
		// are fine): otherwise the same changes are asked for again.
		if passErr == nil && ran && out.Code != ExitOK && out.Code != ExitHeld {
			passErr = fmt.Errorf("pass %s: %s", out.Status, out.Summary())
		}
		a.recordHolds(ctx, pass, p, out.TargetErrs)
		closeTargets()
		if passErr == nil {
			_ = st.SetState(ctx, watchStateKey, now.Format(time.RFC3339Nano))
			if full {
				lastFull = now
			}
			failures = 0
		} else if ctx.Err() == nil {
			failures++
			p.Print(Line{Status: StatusWarn, Subject: "watch", Detail: fmt.Sprintf("pass failed (%d in a row): %v; retrying", failures, passErr)})
		}
		wait := o.interval
		if failures > 0 {
			wait = min(o.interval<<min(failures, 10), o.maxWait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			p.Print(Line{Status: StatusInfo, Subject: "watch", Detail: "stopped"})
			return nil
		case <-t.C:
		}
	}
}
