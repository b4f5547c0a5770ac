package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/identity/ivms"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/tui"
)

// consoleBackend is the console's view of the world: the engine and the
// store of one session behind tui.Backend. Every refresh and apply builds a
// fresh engine (targets count authentication failures for their whole life).
type consoleBackend struct {
	app *App
	ses *session
}

var _ tui.Backend = (*consoleBackend)(nil)

// engine builds a fresh engine with the targets held after rejected
// credentials left out, as every run does (authhold.go), and a session
// around it for recording new holds.
func (b *consoleBackend) engine(ctx context.Context) (*engine.Engine, *session, func(), error) {
	eng, done, err := b.app.newEngine(b.ses.cfg, b.ses.store)
	if err != nil {
		return nil, nil, nil, err
	}
	pass := &session{cfg: b.ses.cfg, store: b.ses.store, engine: eng}
	if !b.ses.store.ReadOnly() {
		if _, err := b.app.holdTargets(ctx, pass); err != nil {
			done()
			return nil, nil, nil, err
		}
	}
	return eng, pass, done, nil
}

// recordHolds remembers the targets that rejected their credentials in a
// console refresh or apply; the console shows the failures itself.
func (b *consoleBackend) recordHolds(ctx context.Context, pass *session, readErrs map[string]error) {
	if !b.ses.store.ReadOnly() {
		b.app.recordHolds(ctx, pass, newPrinter("text", io.Discard, b.app.Clock), readErrs)
	}
}

func (b *consoleBackend) lastSync(ctx context.Context) time.Time {
	runs, err := b.ses.store.Runs(ctx, 1)
	if err != nil || len(runs) == 0 {
		return time.Time{}
	}
	return runs[0].FinishedAt
}

// autoHeldWindow is how far back the console looks for items an
// unattended run held for approval (older holds were seen in a week of
// cron mails, or the item has changed since).
const autoHeldWindow = 7 * 24 * time.Hour

// LastPlan is the plan the last fetch made, as stored: the console's first
// frame.
func (b *consoleBackend) LastPlan(ctx context.Context) (tui.Data, error) {
	p, takenAt, err := b.ses.store.LastPlan(ctx, time.LoadLocation)
	if errors.Is(err, store.ErrNoSnapshot) {
		return tui.Data{}, fmt.Errorf("%w: %w", tui.ErrNoSnapshot, err)
	} else if err != nil {
		return tui.Data{}, err
	}
	held, err := b.ses.store.HeldSince(ctx, b.app.Clock.Now().Add(-autoHeldWindow), engine.ModeAuto, engine.ModeWatch)
	if err != nil {
		return tui.Data{}, err
	}
	return tui.Data{Plan: p, TakenAt: takenAt, Stored: true, Preview: true, LastSync: b.lastSync(ctx), AutoHeld: held}, nil
}

// Stored plans against the snapshots the last fetch saved. A target without
// one is planned as unreadable, so nothing is offered for it.
func (b *consoleBackend) Stored(ctx context.Context, shown *tui.Data) (tui.Data, error) {
	eng, _, done, err := b.engine(ctx)
	if err != nil {
		return tui.Data{}, err
	}
	defer done()
	// The snapshots are read and decoded concurrently: on two cores this is
	// a fifth of the first frame at 50,000 members.
	st := b.ses.store
	var members []member.Member
	var takenAt time.Time
	var membersErr error
	targets := make([]plan.TargetState, len(eng.Targets))
	taken := make([]time.Time, len(eng.Targets))
	var wg sync.WaitGroup
	wg.Go(func() { members, takenAt, membersErr = st.Members(ctx) })
	for i, t := range eng.Targets {
		wg.Go(func() {
			accs, at, err := st.Accounts(ctx, t.Info().Name)
			targets[i] = plan.TargetState{Info: t.Info(), Accounts: accs}
			if err != nil {
				targets[i] = plan.TargetState{Info: t.Info(), Err: fmt.Errorf("stored snapshot: %w", err)}
			}
			taken[i] = at
		})
	}
	wg.Wait()
	// Targets held after rejected credentials are shown as such.
	targets = append(targets, eng.Held...)
	taken = append(taken, make([]time.Time, len(eng.Held))...)
	if errors.Is(membersErr, store.ErrNoSnapshot) {
		return tui.Data{}, fmt.Errorf("%w: %w", tui.ErrNoSnapshot, membersErr)
	} else if membersErr != nil {
		return tui.Data{}, membersErr
	}
	now := b.app.Clock.Now()
	snap := engine.Snapshot{Members: members, Targets: targets, TakenAt: now, Organisations: eng.Rule.OrganisationIDs}
	oldest := takenAt
	for i, t := range targets {
		if t.Err == nil && taken[i].Before(oldest) {
			oldest = taken[i]
		}
	}
	if shown != nil && madeFrom(shown, takenAt, taken, targets, member.DateOf(now, eng.Zone)) && keptPlanCurrent(ctx, eng) {
		// The plan on screen is the one the fetch that saved these
		// snapshots made, today: planning them again would give the same
		// (and cost as much memory as the first frame).
		return b.dataWith(ctx, &shown.Plan, eng, snap, oldest, true)
	}
	return b.data(ctx, eng, snap, oldest, true)
}

// keptPlanCurrent: the kept plan was made with today's links, configuration
// and written ends (engine.InputsTag); any doubt plans again.
func keptPlanCurrent(ctx context.Context, eng *engine.Engine) bool {
	ok, err := eng.KeptPlanCurrent(ctx)
	return ok && err == nil
}

// madeFrom says whether the stored last plan shown was made from exactly
// the snapshots read (same read time for every side, none missing) on the
// same day: then, with the same other inputs (keptPlanCurrent), it is the
// plan of these snapshots.
func madeFrom(shown *tui.Data, membersAt time.Time, taken []time.Time, targets []plan.TargetState, today member.Date) bool {
	p := &shown.Plan
	if !shown.Preview || !shown.TakenAt.Equal(membersAt) || p.Source.Error != "" || p.Today != today {
		return false
	}
	read := map[string]bool{}
	for _, t := range p.Targets {
		if t.Error == "" {
			read[t.Name] = true
		}
	}
	for i, t := range targets {
		if t.Err != nil || !taken[i].Equal(membersAt) || !read[t.Info.Name] {
			return false
		}
	}
	return true
}

func (b *consoleBackend) data(ctx context.Context, eng *engine.Engine, snap engine.Snapshot, takenAt time.Time, stored bool) (tui.Data, error) {
	return b.dataWith(ctx, nil, eng, snap, takenAt, stored)
}

// dataWith is data with the plan given (nil: planned now).
func (b *consoleBackend) dataWith(ctx context.Context, given *plan.Plan, eng *engine.Engine, snap engine.Snapshot, takenAt time.Time, stored bool) (tui.Data, error) {
	var p plan.Plan
	if given != nil {
		p = *given
	} else {
		var err error
		if p, err = eng.Plan(ctx, snap); err != nil {
			return tui.Data{}, err
		}
	}
	links, err := b.ses.store.Links(ctx)
	if err != nil {
		return tui.Data{}, err
	}
	held, err := b.ses.store.HeldSince(ctx, b.app.Clock.Now().Add(-autoHeldWindow), engine.ModeAuto, engine.ModeWatch)
	if err != nil {
		return tui.Data{}, err
	}
	accs := make(map[string][]target.Account, len(snap.Targets))
	for _, t := range snap.Targets {
		accs[t.Info.Name] = t.Accounts
	}
	return tui.Data{Plan: p, Members: snap.Members, Accounts: accs, Links: links, TakenAt: takenAt,
		Stored: stored, LastSync: b.lastSync(ctx), Targets: snap.Targets, Organisations: snap.Organisations, AutoHeld: held}, nil
}

// Replan plans the console's data again with the links stored now: the
// members and accounts it holds, the same moment (so only the links
// differ), no read of either side.
func (b *consoleBackend) Replan(ctx context.Context, d tui.Data) (tui.Data, error) {
	if len(d.Targets) == 0 && len(d.Members) == 0 {
		return tui.Data{}, errors.New("nothing read to plan again from: refresh")
	}
	snap := engine.Snapshot{Members: d.Members, Targets: d.Targets, TakenAt: d.Plan.CreatedAt, Organisations: d.Organisations}
	if e := d.Plan.Source.Error; e != "" {
		snap.SourceErr = errors.New(e)
	}
	if snap.TakenAt.IsZero() {
		snap.TakenAt = b.app.Clock.Now()
	}
	return b.data(ctx, b.ses.engine, snap, d.TakenAt, d.Stored)
}

func (b *consoleBackend) RemoveLink(ctx context.Context, l identity.Link) error {
	n, err := b.ses.store.RemoveLink(ctx, l.Email, l.Target, l.Account)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("no link <%s> → %s account %s is stored", l.Email, l.Target, l.Account)
	}
	return nil
}

// skipsKept bounds the skip reasons an import reports per target: the
// console shows the first few, a file of 100,000 bad rows must not be
// copied whole into the screen's model.
const skipsKept = 100

// ImportLinks reads an iVMS-4200 export and stores, for every target the
// console has read, the links PlanImport adds (as `doorsync links import`
// does, but against the accounts already read instead of reading the
// terminals again). The links are recorded as made by the session's user.
func (b *consoleBackend) ImportLinks(ctx context.Context, path string, read []plan.TargetState) (tui.ImportSummary, error) {
	sum := tui.ImportSummary{Path: path}
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	res, err := ivms.ReadExport(f, path)
	_ = f.Close()
	if err != nil {
		return sum, fmt.Errorf("%s: %w", path, err)
	}
	sum.Format, sum.Rows = res.Format, len(res.Rows)+len(res.Skipped)
	existing, err := b.ses.store.Links(ctx)
	if err != nil {
		return sum, err
	}
	for _, ts := range read {
		name := ts.Info.Name
		it := tui.ImportTarget{Target: name}
		if ts.Err != nil {
			it.Err = fmt.Sprintf("not read (%v); refresh, then import again", ts.Err)
			sum.Targets = append(sum.Targets, it)
			continue
		}
		ip := ivms.PlanImport(res, name, ts.Accounts, existing, b.app.Clock.Now(), b.ses.engine.User)
		it.Unchanged, it.Skipped = len(ip.Unchanged), len(ip.Skipped)
		for _, sk := range ip.Skipped[:min(len(ip.Skipped), skipsKept)] {
			it.Skips = append(it.Skips, sk.String())
		}
		for _, l := range ip.Add {
			if err := b.ses.store.AddLink(ctx, l); err != nil {
				sum.Targets = append(sum.Targets, it)
				return sum, fmt.Errorf("%s: after %d links: %w", name, it.Linked, err)
			}
			it.Linked++
		}
		sum.Targets = append(sum.Targets, it)
	}
	return sum, nil
}

// Refresh fetches both sides concurrently (the engine does) and plans.
func (b *consoleBackend) Refresh(ctx context.Context, progress func(tui.Progress)) (tui.Data, error) {
	eng, pass, done, err := b.engine(ctx)
	if err != nil {
		return tui.Data{}, err
	}
	defer done()
	eng.Observer = fetchProgress{progress: progress}
	snap := eng.Fetch(ctx)
	if err := ctx.Err(); err != nil {
		return tui.Data{}, err
	}
	readErrs := map[string]error{}
	for _, ts := range snap.Targets {
		if ts.Err != nil {
			readErrs[ts.Info.Name] = ts.Err
		}
	}
	b.recordHolds(ctx, pass, readErrs)
	d, err := b.data(ctx, eng, snap, snap.TakenAt, false)
	if err == nil {
		eng.RememberPlan(ctx, d.Plan, snap.TakenAt)
	}
	return d, err
}

// Apply runs the approved items through the engine as a console run.
func (b *consoleBackend) Apply(ctx context.Context, p plan.Plan, approved []string, progress func(tui.ApplyProgress)) (tui.ApplyResult, error) {
	eng, pass, done, err := b.engine(ctx)
	if err != nil {
		return tui.ApplyResult{}, err
	}
	defer done()
	eng.Observer = applyProgress{progress: progress}
	ids := make(map[string]bool, len(approved))
	for _, id := range approved {
		ids[id] = true
	}
	out, err := eng.Sync(ctx, engine.Options{Mode: engine.ModeConsole, Plan: &p, Approved: ids, ApprovedBy: b.ses.engine.User})
	b.recordHolds(ctx, pass, out.TargetErrs)
	res := tui.ApplyResult{RunID: out.RunID, Applied: out.Applied, Failed: out.Failed, Stale: out.Stale,
		Acknowledged: out.Acknowledged, Summary: out.Summary(), Errors: out.Errors}
	got := map[string]bool{}
	for _, r := range out.Results {
		got[r.Item.ID] = true
		if r.Status == apply.Failed || r.Status == apply.Skipped {
			res.FailedIDs = append(res.FailedIDs, r.Item.ID)
		}
	}
	// Items the run never reached (it stopped early) stay selected too.
	if err != nil || ctx.Err() != nil {
		for _, id := range approved {
			if !got[id] {
				res.FailedIDs = append(res.FailedIDs, id)
			}
		}
	}
	return res, err
}

// History follows the row's members by id (an e-mail taken over from
// another member brings none of that member's items), with the records of
// the e-mail made with no member id.
func (b *consoleBackend) History(ctx context.Context, q tui.HistoryQuery, limit int) ([]tui.HistoryEntry, error) {
	recs, err := b.ses.store.ItemsForMembers(ctx, q.Members, q.Email, limit)
	if err != nil {
		return nil, err
	}
	return b.entries(ctx, recs), nil
}

func (b *consoleBackend) RunItems(ctx context.Context, runID int64) ([]tui.HistoryEntry, error) {
	recs, err := b.ses.store.Items(ctx, runID)
	if err != nil {
		return nil, err
	}
	return b.entries(ctx, recs), nil
}

func (b *consoleBackend) entries(_ context.Context, recs []store.ItemRecord) []tui.HistoryEntry {
	zone := b.ses.cfg.Zone
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(zone).Format("2006-01-02")
	}
	out := make([]tui.HistoryEntry, 0, len(recs))
	for _, r := range recs {
		out = append(out, tui.HistoryEntry{RunID: r.RunID, At: r.UpdatedAt, Kind: r.Kind, Email: r.Email, Target: r.Target,
			Account: r.Account, Status: string(r.Status), Before: day(r.Before), After: day(r.After), Error: r.Error,
			ApprovedBy: r.ApprovedBy, Drift: r.Drift})
	}
	return out
}

func (b *consoleBackend) Runs(ctx context.Context, limit int) ([]tui.RunEntry, error) {
	runs, err := b.ses.store.Runs(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]tui.RunEntry, 0, len(runs))
	for _, r := range runs {
		out = append(out, tui.RunEntry{ID: r.ID, Mode: r.Mode, User: r.User, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
			Outcome: r.Outcome, Counts: r.Counts, Error: r.Error})
	}
	return out, nil
}

// AddLink stores a link the operator confirmed, recorded as made by the
// session's user when the console did not say.
func (b *consoleBackend) AddLink(ctx context.Context, l identity.Link) error {
	if l.CreatedBy == "" {
		l.CreatedBy = b.ses.engine.User
	}
	return b.ses.store.AddLink(ctx, l)
}

// eventsWindowDays is how far back the console's detail reads door events:
// "why can't this member get in?" is about the last weeks.
const eventsWindowDays = 30

// Events reads the door events of the given accounts from the session's
// targets that keep an event log, each target in parallel (the accounts of
// one target one after another: a terminal takes one request at a time).
// The session's targets live as long as the console, so a terminal that
// rejected the credentials twice is stopped for the rest of it rather than
// asked again each time a detail opens; held terminals are not contacted.
// A target that fails is reported in Failed and costs the others nothing.
// interactiveRetry bounds the retries of a read an operator waits for (a
// busy terminal): a few seconds, not the run's budget of minutes.
const interactiveRetry = 15 * time.Second

func (b *consoleBackend) Events(ctx context.Context, refs []tui.AccountRef, limit int) (tui.EventsResult, error) {
	if limit < 1 {
		return tui.EventsResult{}, fmt.Errorf("door events: limit %d, want at least 1", limit)
	}
	now := b.app.Clock.Now()
	since := now.AddDate(0, 0, -eventsWindowDays)
	res := tui.EventsResult{Since: since}
	eng := b.ses.engine
	readers := map[string]target.EventReader{}
	for _, t := range eng.Targets {
		if er, ok := t.(target.EventReader); ok {
			readers[t.Info().Name] = er
		}
	}
	held := map[string]error{}
	for _, h := range eng.Held {
		held[h.Info.Name] = h.Err
	}
	var names []string
	accounts := map[string][]string{}
	for _, r := range refs {
		if _, ok := accounts[r.Target]; !ok {
			names = append(names, r.Target)
		}
		if !slices.Contains(accounts[r.Target], r.Account) {
			accounts[r.Target] = append(accounts[r.Target], r.Account)
		}
	}
	type read struct {
		asked   bool
		entries []tui.EventEntry
		notes   []string
		err     error
	}
	reads := make([]read, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		if err := held[name]; err != nil {
			reads[i].err = err
			continue
		}
		er, ok := readers[name]
		if !ok {
			continue // keeps no event log (NTK), or not configured any more
		}
		reads[i].asked = true
		wg.Go(func() {
			for _, acc := range accounts[name] {
				q := target.EventQuery{Account: acc, Since: since, Until: now, Limit: limit}
				var evs []target.Event
				var notes []string
				err := eng.Try(ctx, name, interactiveRetry, func() error {
					var err error
					if en, ok := er.(target.EventNoter); ok {
						evs, notes, err = en.EventsNoted(ctx, q)
					} else {
						evs, err = er.Events(ctx, q)
					}
					return err
				})
				if err != nil {
					reads[i].entries, reads[i].notes, reads[i].err = nil, nil, err
					return
				}
				for _, e := range evs {
					reads[i].entries = append(reads[i].entries, tui.EventEntry{Target: name, Event: e})
				}
				for _, n := range notes {
					reads[i].notes = append(reads[i].notes, name+": "+n)
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return tui.EventsResult{}, err
	}
	for i, name := range names {
		switch r := reads[i]; {
		case r.err != nil:
			// Target errors name the target ("terminal gym: …").
			res.Failed = append(res.Failed, r.err.Error())
		case r.asked:
			res.Read = append(res.Read, name)
			res.Entries = append(res.Entries, r.entries...)
			res.Notes = append(res.Notes, r.notes...)
		}
	}
	slices.SortStableFunc(res.Entries, func(a, b tui.EventEntry) int { return b.Time.Compare(a.Time) })
	res.Entries = res.Entries[:min(len(res.Entries), limit)]
	return res, nil
}

// isTerminal reports whether w is a terminal (the console needs one; a pipe
// or cron gets plain output).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// newConsole builds the console model for a session. With a log (--debug)
// every call the console makes to the backend is logged too.
func (a *App) newConsole(ctx context.Context, ses *session, log *slog.Logger) *tui.Model {
	var be tui.Backend = &consoleBackend{app: a, ses: ses}
	if log != nil {
		be = &loggedBackend{Backend: be, log: log, clock: a.Clock}
	}
	return tui.New(tui.Options{Backend: be, Clock: a.Clock, Context: ctx,
		User: ses.engine.User, Log: log, Dark: darkBackground(a.LookupEnv)})
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := a.newConsole(ctx, ses, log)
	if err := tui.Run(ctx, m, a.Stderr); err != nil {
		return failedError(fmt.Errorf("console: %w", err))
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

func (b *loggedBackend) Stored(ctx context.Context, shown *tui.Data) (tui.Data, error) {
	start := b.clock.Now()
	d, err := b.Backend.Stored(ctx, shown)
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

// fetchProgress shows a refresh's reads in the console.
type fetchProgress struct {
	engine.NopObserver
	progress func(tui.Progress)
}

func (f fetchProgress) SourceReading() { f.progress(tui.Progress{System: "cardskipper"}) }

func (f fetchProgress) SourceRead(members int, err error) {
	f.progress(tui.Progress{System: "cardskipper", Done: members, Total: members, Err: err, Over: true})
}

func (f fetchProgress) TargetPage(target string, done, total int) {
	f.progress(tui.Progress{System: target, Done: done, Total: total})
}

func (f fetchProgress) TargetRead(target string, accounts int, err error) {
	f.progress(tui.Progress{System: target, Done: accounts, Total: accounts, Err: err, Over: true})
}

// Warning shows a snapshot that could not be kept on its side's line.
func (f fetchProgress) Warning(w engine.Warning) {
	switch {
	case w.Stage == engine.StageSource:
		f.progress(tui.Progress{System: "cardskipper", Err: w.Err, Over: true})
	case w.Stage == engine.StageTarget && w.Target != "":
		f.progress(tui.Progress{System: w.Target, Err: w.Err, Over: true})
	}
}

// applyProgress shows an apply's writes in the console.
type applyProgress struct {
	engine.NopObserver
	progress func(tui.ApplyProgress)
}

func (a applyProgress) Applying(ev apply.Event) {
	ap := tui.ApplyProgress{Target: ev.Target, Done: ev.Done, Total: ev.Total, Err: ev.Err}
	if r := ev.Result; r != nil {
		ap.ItemID, ap.Status, ap.Err = r.Item.ID, string(r.Status), r.Err
	}
	a.progress(ap)
}
