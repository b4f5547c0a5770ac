package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/doorsync/doorsync/internal/service"
	"github.com/spf13/cobra"
)

type watchOptions struct {
	interval  time.Duration
	fullEvery time.Duration
	overlap   time.Duration
	maxWait   time.Duration
}

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
	// The configuration is read once; the service builds the clients for
	// every pass.
	s, err := a.openSession(ctx, g, false)
	if err != nil {
		return err
	}
	defer s.close()
	p.Print(Line{Status: StatusInfo, Subject: "watch", Detail: fmt.Sprintf("started: poll every %s, full reconcile every %s", o.interval, o.fullEvery)})
	w := s.svc.Watch(service.WatchOptions{Interval: o.interval, FullEvery: o.fullEvery, Overlap: o.overlap, MaxWait: o.maxWait})
	obs := a.progressPrinter(p, s.cfg, g.debug)
	for {
		pass, err := w.Pass(ctx, obs)
		if err != nil {
			return serviceError(err)
		}
		if out := pass.Outcome; out != nil {
			if !pass.Full {
				detail := fmt.Sprintf("%d member(s) changed", pass.Changed)
				if out.Retried > 0 {
					detail += fmt.Sprintf("; %d more whose items failed earlier are tried again", out.Retried)
				}
				p.Print(Line{Status: StatusInfo, Subject: "watch", Detail: detail})
			}
			a.printOutcome(p, *out)
		}
		printStops(p, pass.Stops)
		if pass.Err != nil && ctx.Err() == nil {
			p.Print(Line{Status: StatusWarn, Subject: "watch", Detail: fmt.Sprintf("pass failed (%d in a row): %v; retrying", pass.Failures, pass.Err)})
		}
		t := time.NewTimer(pass.Wait)
		select {
		case <-ctx.Done():
			t.Stop()
			p.Print(Line{Status: StatusInfo, Subject: "watch", Detail: "stopped"})
			return nil
		case <-t.C:
		}
	}
}
