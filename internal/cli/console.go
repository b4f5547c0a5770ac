package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/tui"
)

// isTerminal reports whether w is a terminal (the console needs one; a pipe
// or cron gets plain output).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// newConsole builds the console model over a session's service, its
// backend. With a log (--debug) every call the console makes to the
// backend is logged too.
func (a *App) newConsole(ctx context.Context, ses *session, log *slog.Logger) *tui.Model {
	var be tui.Backend = ses.svc
	if log != nil {
		be = &loggedBackend{Backend: be, log: log, clock: a.Clock}
	}
	return tui.New(tui.Options{Backend: be, Clock: a.Clock, Context: ctx,
		User: ses.svc.User(), Log: log, Dark: darkBackground(a.LookupEnv)})
}

// darkBackground guesses the terminal's background for the first frames,
// before the terminal answers the console's query (some never do): from
// COLORFGBG ("15;0", "0;default;15"), which many terminals set and SSH
// passes on when allowed; dark when it says nothing, as most terminals are.
func darkBackground(lookup func(string) (string, bool)) bool {
	v, ok := lookup("COLORFGBG")
	if !ok {
		return true
	}
	fields := strings.Split(v, ";")
	bg, err := strconv.Atoi(strings.TrimSpace(fields[len(fields)-1]))
	if err != nil || bg < 0 || bg > 15 {
		return true
	}
	// The 16 ANSI colours: 7 (white) and 9–15 (bright) are light.
	return bg < 7 || bg == 8
}

// runConsole opens the console on the configuration's session. It draws on
// stderr (stdout stays data); --debug writes a log file and says where.
func (a *App) runConsole(ctx context.Context, g *globalOptions) error {
	if !isTerminal(a.Stdout) || !isTerminal(a.Stderr) {
		return usageError(errors.New("the console needs a terminal; use `doorsync --auto`, `doorsync plan` or `doorsync report` in scripts"))
	}
	ses, err := a.openSession(ctx, g, false)
	if err != nil {
		return err
	}
	defer ses.close()
	var log *slog.Logger
	if g.debug {
		dl, err := openDebugLog("", a.Clock)
		if err != nil {
			return failedError(err)
		}
		defer dl.close(a.Stderr)
		log = dl.log
	}
	signalled := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := a.newConsole(ctx, ses, log)
	if err := tui.Run(ctx, m, a.Stderr); err != nil {
		return failedError(fmt.Errorf("console: %w", err))
	}
	// Told to stop by a signal while applying: the apply stops after its
	// requests in flight and is recorded before the database closes, and
	// the exit says it was interrupted.
	if interrupted := ses.svc.Wait(); interrupted && signalled.Err() != nil {
		return failedError(errors.New("interrupted while applying: the writes in flight were completed and recorded; see doorsync history"))
	}
	// Quit while applying (the apply stopped first): the screen that said
	// what was done is gone, so say it once more where it stays.
	if r := m.State().LastApply; r != nil && r.Stopped {
		fmt.Fprintf(a.Stderr, "doorsync: the apply was stopped: %s (run %d; see doorsync history)\n", oneLine(r.Summary), r.RunID)
	}
	return nil
}

// debugLog is the console's --debug log: the console draws on the
// terminal, so its diagnostics go to a file, named on stderr once the
// console has given the screen back.
type debugLog struct {
	f   *os.File
	log *slog.Logger
}

// openDebugLog creates a new log file in dir ("": the system's temporary
// directory) with mode 0600 (os.CreateTemp): its errors name members and
// accounts. Entries are stamped with the App's clock.
func openDebugLog(dir string, c clock.Clock) (*debugLog, error) {
	f, err := os.CreateTemp(dir, "doorsync-console-*.log")
	if err != nil {
		return nil, fmt.Errorf("debug log: %w", err)
	}
	h := slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, at slog.Attr) slog.Attr {
			if at.Key == slog.TimeKey && len(groups) == 0 {
				at.Value = slog.TimeValue(c.Now())
			}
			return at
		}})
	return &debugLog{f: f, log: slog.New(h)}, nil
}

// close closes the file and says on w where it is.
func (d *debugLog) close(w io.Writer) {
	_ = d.f.Close()
	fmt.Fprintf(w, "doorsync: debug log written to %s\n", d.f.Name())
}

// loggedBackend logs what the console asked of the backend and what came
// back (counts, names, durations), so that the --debug log tells what the
// console did, not only what failed (the console logs errors itself).
// Nothing it logs holds a secret: configuration values are never logged,
// and errors come from clients that keep credentials out of them.
type loggedBackend struct {
	tui.Backend
	log   *slog.Logger
	clock clock.Clock
}

func (b *loggedBackend) since(t time.Time) slog.Attr {
	return slog.Duration("took", b.clock.Now().Sub(t).Round(time.Millisecond))
}

// dataAttrs describes a planned picture: its size and every target that
// could not be read.
func dataAttrs(d tui.Data) []any {
	attrs := []any{"summary", summaryText(d.Plan), "items", len(d.Plan.Items)}
	if e := d.Plan.Source.Error; e != "" {
		attrs = append(attrs, "source_error", e)
	}
	for _, t := range d.Plan.Targets {
		if t.Error != "" {
			attrs = append(attrs, "target_error."+t.Name, t.Error)
		} else {
			attrs = append(attrs, "accounts."+t.Name, t.Accounts)
		}
	}
	return attrs
}

func (b *loggedBackend) Open(ctx context.Context, first func(tui.Data)) (tui.Data, error) {
	start := b.clock.Now()
	d, err := b.Backend.Open(ctx, func(d tui.Data) {
		b.log.Info("stored last plan loaded", b.since(start), "taken_at", d.TakenAt, "items", len(d.Plan.Items))
		if first != nil {
			first(d)
		}
	})
	if err == nil {
		age := start.Sub(d.TakenAt).Round(time.Second)
		b.log.Info("stored snapshot loaded", append([]any{b.since(start), "taken_at", d.TakenAt, "age", age}, dataAttrs(d)...)...)
	}
	return d, err
}

func (b *loggedBackend) Refresh(ctx context.Context, progress func(tui.Progress)) (tui.Data, error) {
	start := b.clock.Now()
	b.log.Info("refresh started")
	d, err := b.Backend.Refresh(ctx, func(p tui.Progress) {
		if p.Over && p.Err == nil {
			b.log.Info("refresh: side read", "system", p.System, "done", p.Done, "total", p.Total, b.since(start))
		}
		progress(p)
	})
	if err == nil {
		b.log.Info("refresh done", append([]any{b.since(start)}, dataAttrs(d)...)...)
	}
	return d, err
}

func (b *loggedBackend) Apply(ctx context.Context, p plan.Plan, approved []string, progress func(tui.ApplyProgress)) (tui.ApplyResult, error) {
	start := b.clock.Now()
	b.log.Info("apply started", "approved", len(approved))
	res, err := b.Backend.Apply(ctx, p, approved, progress)
	b.log.Info("apply finished", "run", res.RunID, "applied", res.Applied, "failed", res.Failed, "stale", res.Stale,
		"identity_accepted", res.Acknowledged,
		"summary", res.Summary, b.since(start))
	return res, err
}

func (b *loggedBackend) AddLink(ctx context.Context, l identity.Link) error {
	err := b.Backend.AddLink(ctx, l)
	if err == nil {
		b.log.Info("link added", "email", string(l.Email), "target", l.Target, "account", l.Account)
	}
	return err
}

func (b *loggedBackend) RemoveLink(ctx context.Context, l identity.Link) error {
	err := b.Backend.RemoveLink(ctx, l)
	if err == nil {
		b.log.Info("link removed", "email", string(l.Email), "target", l.Target, "account", l.Account)
	}
	return err
}

func (b *loggedBackend) ImportLinks(ctx context.Context, path string, read []plan.TargetState) (tui.ImportSummary, error) {
	sum, err := b.Backend.ImportLinks(ctx, path, read)
	attrs := []any{"path", path, "format", sum.Format, "rows", sum.Rows}
	for _, t := range sum.Targets {
		attrs = append(attrs, "linked."+t.Target, t.Linked)
	}
	b.log.Info("links import", attrs...)
	return sum, err
}

func (b *loggedBackend) Replan(ctx context.Context, d tui.Data) (tui.Data, error) {
	start := b.clock.Now()
	out, err := b.Backend.Replan(ctx, d)
	if err == nil {
		b.log.Info("planned again with the stored links", append([]any{b.since(start)}, dataAttrs(out)...)...)
	}
	return out, err
}

func (b *loggedBackend) Events(ctx context.Context, refs []tui.AccountRef, limit int) (tui.EventsResult, error) {
	start := b.clock.Now()
	res, err := b.Backend.Events(ctx, refs, limit)
	if err != nil {
		b.log.Error("door events", "err", err)
		return res, err
	}
	b.log.Info("door events read", "accounts", len(refs), "events", len(res.Entries), "targets", strings.Join(res.Read, ","), b.since(start))
	for _, f := range res.Failed {
		b.log.Warn("door events: target not read", "err", f)
	}
	for _, n := range res.Notes {
		b.log.Info("door events: left out", "note", n)
	}
	return res, err
}
