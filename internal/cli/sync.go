package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/service"
	"github.com/doorsync/doorsync/internal/store"
)

type syncOptions struct {
	auto     bool
	lockWait time.Duration
}

func (a *App) syncCommand(g *globalOptions) *cobra.Command {
	o := syncOptions{}
	cmd := &cobra.Command{
		Use:   "sync --auto",
		Short: "Unattended sync (cron): apply what policy allows, hold the rest, record and notify",
		Long: `sync --auto (the same as "doorsync --auto") fetches Cardskipper and every terminal, plans,
applies the kinds policy.auto allows unless the blast-radius guard trips, holds the rest for
approval, records everything in the database and notifies on failed, partial and held runs.
Exit codes: 0 done, 1 failed, 2 configuration, 3 partial, 4 held or guard tripped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !o.auto {
				return usageError(fmt.Errorf("sync needs --auto (the interactive console is `doorsync` without arguments)"))
			}
			return a.runAuto(cmd.Context(), g, engine.ModeAuto, o.lockWait)
		},
	}
	cmd.Flags().BoolVar(&o.auto, "auto", false, "apply what policy allows, without a human")
	cmd.Flags().DurationVar(&o.lockWait, "lock-wait", 0, "wait this long for another run to finish instead of exiting")
	return cmd
}

// runAuto is `doorsync --auto`.
func (a *App) runAuto(ctx context.Context, g *globalOptions, mode string, lockWait time.Duration) error {
	s, err := a.openSession(ctx, g, false)
	if err != nil {
		return err
	}
	defer s.close()
	p := newPrinter(g.logFormat, a.Stdout, a.Clock)
	out, stops, err := s.svc.Sync(ctx, service.SyncRequest{Mode: mode, LockWait: lockWait, Observer: a.progressPrinter(p, s.cfg, g.debug)})
	return a.finishRun(p, out, stops, err, "this run did nothing")
}

// finishRun prints what a run did and gives its exit code; nothing says
// what a run that found the database locked did.
func (a *App) finishRun(p Printer, out engine.Outcome, stops []service.Stop, err error, nothing string) error {
	if err != nil && engine.IsLocked(err) {
		return failedError(fmt.Errorf("%w; %s", err, nothing))
	}
	var ce *service.ConfigError
	if errors.As(err, &ce) {
		return usageError(err)
	}
	printStops(p, stops)
	a.printOutcome(p, out)
	if err != nil {
		return failedError(err)
	}
	if out.Code != ExitOK {
		return &exitError{code: out.Code, err: errSilent} // printOutcome said it
	}
	return nil
}

// progressPrinter reports a run's progress headlessly: target-level lines
// only (a line per item would drown a cron mail), everything with --debug.
//
// Notes of a whole-list target (NTK's upload decisions) are printed too:
// whoever reads the cron mail must see why a changed list was not sent.
// Failures the outcome reports anyway (a source or target not read, an
// item not written) are printed here only with --debug.
type progressPrinter struct {
	engine.NopObserver
	p     Printer
	cfg   *config.Config
	debug bool
}

func (a *App) progressPrinter(p Printer, cfg *config.Config, debug bool) engine.Observer {
	return progressPrinter{p: p, cfg: cfg, debug: debug}
}

// subject names a target in a line ("terminal entrance"), or the stage.
func (o progressPrinter) subject(stage, target string) string {
	if target == "" {
		return stage
	}
	return service.SubjectOf(o.cfg, target)
}

func (o progressPrinter) warn(stage, target string, err error) {
	o.p.Print(Line{Status: StatusWarn, Subject: o.subject(stage, target), Detail: err.Error()})
}

func (o progressPrinter) SourceRead(_ int, err error) {
	if err != nil && o.debug {
		o.warn("source", "", err)
	}
}

func (o progressPrinter) TargetRead(target string, _ int, err error) {
	if err != nil && o.debug {
		o.warn("target", target, err)
	}
}

func (o progressPrinter) TargetStopped(target string, err error) {
	if o.debug {
		o.warn("apply", target, err)
	}
}

func (o progressPrinter) ItemSettled(_ string, _, _ int, r apply.Result) {
	if !o.debug {
		return
	}
	detail := fmt.Sprintf("%s %s account %s <%s>: %s", r.Item.Kind, r.Item.Target, r.Item.Account, r.Item.Email, r.Status)
	if r.Err != nil {
		detail += ": " + r.Err.Error()
	}
	o.p.Print(Line{Status: StatusInfo, Subject: "apply", Detail: detail})
}

func (o progressPrinter) ListNote(target, note string) {
	o.p.Print(Line{Status: StatusInfo, Subject: o.subject("apply", target), Detail: note})
}

func (o progressPrinter) ListFailed(target string, err error) {
	if o.debug {
		o.warn("apply", target, err)
	}
}

func (o progressPrinter) TookOver(stale store.StaleLock) {
	o.p.Print(Line{Status: StatusInfo, Subject: "journal", Detail: stale.String()})
}

func (o progressPrinter) Recovering(entries int) {
	o.p.Print(Line{Status: StatusInfo, Subject: "journal", Detail: fmt.Sprintf("finishing %d journal entries an earlier run left open", entries)})
}

func (o progressPrinter) Warning(w engine.Warning) {
	// A snapshot not kept is a --debug matter (the next run reads again);
	// the rest concern the admin.
	if (w.Stage == engine.StageSource || w.Stage == engine.StageTarget) && !o.debug {
		return
	}
	o.warn(string(w.Stage), w.Target, w.Err)
}

func (a *App) printOutcome(p Printer, out engine.Outcome) {
	st := StatusOK
	switch out.Code {
	case ExitFailed, ExitPartial:
		st = StatusFail
	case ExitHeld:
		st = StatusWarn
	}
	pl := out.Plan
	p.Print(Line{Status: StatusInfo, Subject: "plan", Detail: summaryText(pl)})
	for _, t := range pl.Targets {
		if t.Error != "" {
			p.Print(Line{Status: StatusFail, Subject: service.TargetSubject(t.System, t.Name), Detail: t.Error})
		}
	}
	if pl.Source.Error != "" {
		p.Print(Line{Status: StatusFail, Subject: "cardskipper", Detail: pl.Source.Error})
	}
	if pl.Guard.Tripped {
		p.Print(Line{Status: StatusWarn, Subject: "guard", Detail: pl.Guard.Reason})
	}
	said := map[string]bool{pl.Source.Error: true}
	for _, t := range pl.Targets {
		said[t.Error] = true
	}
	for _, e := range out.Errors {
		if !said[e] {
			p.Print(Line{Status: StatusFail, Subject: "error", Detail: e})
		}
	}
	p.Print(Line{Status: st, Subject: fmt.Sprintf("run %d", out.RunID), Check: out.Status, Detail: out.Summary()})
}

// summaryText is "412 members; in_sync 380, extend 3, …" (kinds with items).
func summaryText(p plan.Plan) string {
	s := fmt.Sprintf("%d members", p.Source.Members)
	for _, k := range plan.Kinds() {
		if n := p.Summary[k]; n > 0 {
			s += fmt.Sprintf(", %s %d", k, n)
		}
	}
	return s
}

// printStops says which targets rejected their credentials in the run and
// are left alone by later runs, one line each.
func printStops(p Printer, stops []service.Stop) {
	for _, st := range stops {
		if st.Err != nil {
			p.Print(Line{Status: StatusWarn, Subject: st.Subject, Detail: "could not remember the authentication stop: " + st.Err.Error()})
			continue
		}
		p.Print(Line{Status: StatusFail, Subject: st.Subject, Detail: st.Detail})
	}
}
