// Package engine composes one sync run: fetch both sides, plan, decide
// what policy allows, apply, record, notify — fetch → plan → approve →
// apply → record, in that order and no other. The application service
// (internal/service) builds an Engine per run, with fresh clients (a
// terminal counts authentication failures for its client's whole life),
// for the CLI (--auto, plan, apply, watch) and the console alike; the
// engine owns no terminal I/O and never reads the configuration. It is
// built with New(Config, Deps): the settings the service translates from
// the configuration (rule, policy, zone, the retry policy, who runs), and
// what a run works with (the source, the targets of both shapes, the
// store, the clock, the notifier, the Observer). Its fields are
// unexported; the one thing a caller decides after building it is which
// targets are left out (Hold: credentials rejected in an earlier run).
//
// A run (Sync) takes the database's run lock, finishes what a killed run
// left in the journal (Recover), fetches (Fetch: the source and every
// target concurrently, each target within its retry budget, and saves the
// snapshots), plans (Plan: the pure plan.Build with the stored links, the
// resolutions earlier runs accepted and the ends the sync last wrote),
// keeps the plan for the console's first frame (RememberPlan), decides
// which items are applied (policy and the guard for --auto and watch, the
// operator's approval for apply FILE and the console), applies them
// (apply.Runner, journalling each write before it is sent and reading it
// back), records every item, accepts the identities the run saw, and
// notifies. Watch's incremental pass (Incremental) asks Cardskipper only
// for the members changed since the last poll, re-reads only their
// accounts and plans against the stored snapshots of everything else (so
// the guard still sees the whole site); it applies the items of those
// members and of members whose items failed since.
//
// Targets come in two shapes, and a run loops over both with no branch
// for any one system: Targets are read and written account by account
// (target.Target); Lists take their whole list at once and cannot be read
// (target.ListTarget, such as NTK), so they are planned against the last
// list they accepted, kept in the database (lists.go), and applied by one
// upload each (listapply.go).
//
// What happens is told to an Observer (observer.go), one method per thing
// (a source read, a target page, an item applied, a recovery, a warning):
// the CLI's headless printer implements it, and the service turns it into
// the console's progress (internal/service/progress.go).
//
// Where things live: engine.go the Engine, New, Hold, Fetch and Plan; sync.go Sync,
// the decision and the run's record; watch.go Incremental; recover.go the
// journal's recovery; recorder.go the journal and records apply writes
// through; identity.go the identities accepted after a run and the
// ownership recheck before each write of a saved plan; links.go the checks
// of `links add` (CheckLink) and the members' pinning to links; inputs.go
// InputsTag, the one key that says whether the kept plan may be reused;
// lists.go and listapply.go the whole-list targets; observer.go the
// Observer.
//
// Tested against the emulators (built through a rig, retry_test.go, that
// rebuilds its engine with a shorter budget, an observer or a retry pause
// that interrupts): convergence under the fault mix and a
// bursting terminal, a spent retry budget, an interrupted run, an
// incremental pass retrying earlier failures (retry_test.go), a lock taken
// over mid-run (lock_test.go), the whole-list round trip over two days
// (listroundtrip_test.go); BenchmarkSyncUnderFaults measures a whole run
// per firmware profile. The service's tests and the CLI's end-to-end tests
// drive it too.
package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/notify"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/source/cardskipper"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target"
)

// Source is the membership system.
type Source interface {
	Export(ctx context.Context, q cardskipper.ExportQuery) ([]member.Member, error)
	OrganisationInfo(ctx context.Context) ([]cardskipper.Organisation, error)
}

// Config are a run's settings, as the service translates them from the
// configuration.
type Config struct {
	OrganisationID int
	// ChildOrganisations: roles in the organisation's children count too;
	// their ids are read from Cardskipper at every fetch.
	ChildOrganisations bool
	Rule               member.Rule
	Policy             plan.Policy
	Zone               *time.Location
	// Retry is the one retry policy for target calls; each run (Sync,
	// Incremental, a standalone Fetch) gives every target a fresh time
	// budget of it. Its Clock defaults to Deps.Clock; tests set its Sleep
	// to pause on a manual clock.
	Retry apply.Retry
	// User and Host are recorded with every run.
	User, Host string
}

// Deps are what a run works with: the clients, the database, the clock and
// who is told.
type Deps struct {
	Source Source
	// Targets are the targets read and written account by account.
	Targets []target.Target
	// Lists are the whole-list targets (NTK): each takes its whole list
	// at once and cannot be read.
	Lists []ListTarget
	Store *store.Store
	Clock clock.Clock
	// Notifier tells the admin about a run's failures; nil: no one.
	Notifier notify.Notifier
	// Observer is told what happens (fetch, apply, recovery, warnings);
	// nil: nobody.
	Observer Observer
}

// Engine holds what a run needs. Build one per run with New (targets count
// their authentication failures for their whole life); Hold leaves a
// target out of it.
type Engine struct {
	source   Source
	orgID    int
	children bool
	rule     member.Rule
	policy   plan.Policy
	zone     *time.Location
	retry    apply.Retry
	user     string
	host     string
	// targets are every target read account by account, in the
	// configuration's order, held ones included.
	targets []target.Target
	lists   []*ListTarget
	// held are the targets Hold left out of this run, by name, and why;
	// they are not contacted and appear in the plan as failed targets in
	// their place, and items of a saved plan for them are skipped with
	// their error. A held whole-list target is marked on its ListTarget
	// instead.
	held map[string]error
	// quiet are the held targets the admin was already told about
	// (Quiet): a run notifies only when something else is worth it.
	quiet    map[string]bool
	store    *store.Store
	clock    clock.Clock
	notifier notify.Notifier
	obs      Observer
}

// New builds an engine of the settings and what it works with. The
// engine keeps its own copies of the target lists; the clients stay the
// caller's to close.
func New(cfg Config, deps Deps) *Engine {
	e := &Engine{
		source: deps.Source, orgID: cfg.OrganisationID, children: cfg.ChildOrganisations, rule: cfg.Rule,
		policy: cfg.Policy, zone: cfg.Zone, retry: cfg.Retry, user: cfg.User, host: cfg.Host,
		targets: slices.Clone(deps.Targets), store: deps.Store, clock: deps.Clock,
		notifier: deps.Notifier, obs: deps.Observer,
	}
	for _, l := range deps.Lists {
		e.lists = append(e.lists, &l)
	}
	return e
}

// Hold leaves the named target out of this run because of why (its
// credentials were rejected in an earlier run: every call would be one
// more failed login). A target read account by account is not contacted
// and appears in the plan as a failed target with why; a whole-list target
// uploads nothing and its summary carries why. Items of a saved plan for
// either are skipped with why. A name the engine does not know is ignored.
func (e *Engine) Hold(name string, why error) {
	if why == nil {
		return
	}
	for _, t := range e.targets {
		if t.Info().Name == name {
			if e.held == nil {
				e.held = map[string]error{}
			}
			e.held[name] = why
			return
		}
	}
	if l := e.listTarget(name); l != nil {
		l.held = why
	}
}

// Quiet marks the hold of the named target as known to the admin (the
// caller told them, or tells them on its own cadence): the run still
// leaves the target out and reports it as failed, with its exit code, but
// a run whose only trouble is quiet holds notifies no one — cron and watch
// would otherwise send the same news every few minutes. Call it after
// Hold; a target not held is ignored.
func (e *Engine) Quiet(name string) {
	if e.heldErrs()[name] == nil {
		return
	}
	if e.quiet == nil {
		e.quiet = map[string]bool{}
	}
	e.quiet[name] = true
}

// quietHolds are the held targets Quiet marked.
func (e *Engine) quietHolds() map[string]bool { return e.quiet }

// Snapshot is what one fetch read.
type Snapshot struct {
	Members   []member.Member
	SourceErr error
	Targets   []plan.TargetState
	TakenAt   time.Time
	// Organisations whose roles count (the configured one and, when
	// configured, its children as Cardskipper lists them now).
	Organisations []int
}

// retryPolicy is Retry measuring time with the engine's clock unless it has
// its own.
func (e *Engine) retryPolicy() apply.Retry {
	r := e.retry
	if r.Clock == nil {
		r.Clock = e.clock
	}
	return r
}

// startRetries gives every target a fresh retry budget for one run.
func (e *Engine) startRetries() *apply.Retries { return e.retryPolicy().Start() }

// Try makes one call to the named target outside a run (the console's door
// events, a links import) under the same retry policy, with a budget of
// its own: limit when positive and smaller than the target's, so an
// operator waiting at a screen is not kept for minutes, and a target that
// did not answer once is reported, not asked again (apply.Retry.Interactive).
func (e *Engine) Try(ctx context.Context, name string, limit time.Duration, op func() error) error {
	_, err := e.retryPolicy().Interactive(name, limit).Start().Do(ctx, name, op)
	return err
}

// Fetch reads the source and every target concurrently. A failing side is
// recorded in the snapshot, never hidden; what was read completely is saved
// to the store for the console's fast start and for watch mode.
func (e *Engine) Fetch(ctx context.Context) Snapshot {
	return e.fetch(ctx, e.startRetries())
}

// fetch is Fetch within a run's retry budgets. An inventory interrupted by
// a busy or failing page is called again within the target's budget; the
// targets resume such a scan where it failed (hikvision.Target).
func (e *Engine) fetch(ctx context.Context, retries *apply.Retries) Snapshot {
	snap := Snapshot{TakenAt: e.clock.Now(), Targets: make([]plan.TargetState, len(e.targets))}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.observer().SourceReading()
		// Without OnlyActive: lapsed and inactive members must be seen to
		// be revoked.
		ms, err := e.source.Export(ctx, cardskipper.ExportQuery{OrganisationID: e.orgID})
		snap.Members, snap.SourceErr = ms, err
		snap.Organisations = e.rule.OrganisationIDs
		if err == nil && e.children {
			orgs, oerr := e.source.OrganisationInfo(ctx)
			if oerr != nil {
				snap.Members, snap.SourceErr = nil, fmt.Errorf("organisation tree for child organisations: %w", oerr)
			} else {
				snap.Organisations = cardskipper.Subtree(orgs, e.orgID)
			}
		}
		e.observer().SourceRead(len(ms), err)
	}()
	for i, t := range e.targets {
		if why := e.held[t.Info().Name]; why != nil {
			// Held: not contacted, failed with why in its place.
			snap.Targets[i] = plan.TargetState{Info: t.Info(), Err: why}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := t.Info().Name
			accs, err := e.inventory(ctx, t, name, retries)
			snap.Targets[i] = plan.TargetState{Info: t.Info(), Accounts: accs, Err: err}
			e.observer().TargetRead(name, len(accs), err)
		}()
	}
	wg.Wait()
	if e.store != nil && !e.store.ReadOnly() && e.stillHolding(ctx, "save the snapshots") {
		if snap.SourceErr == nil && len(snap.Members) > 0 {
			if err := e.store.SaveMembers(ctx, snap.Members, snap.TakenAt); err != nil {
				e.warn(StageSource, "", fmt.Errorf("save member snapshot: %w", err))
			}
		}
		for _, ts := range snap.Targets {
			if ts.Err == nil {
				if err := e.store.SaveAccounts(ctx, ts.Info.Name, ts.Accounts, snap.TakenAt); err != nil {
					e.warn(StageTarget, ts.Info.Name, fmt.Errorf("save account snapshot: %w", err))
				}
			}
		}
	}
	return snap
}

// inventory lists a target's accounts, calling again within its retry
// budget while a call fails retryably. Every page read is progress: the
// backoff starts short again, and the target resumes the scan at the
// failed page (hikvision.Target), so a 50-page inventory with scattered
// busy pages costs those pages and a short pause each.
func (e *Engine) inventory(ctx context.Context, t target.Target, name string, retries *apply.Retries) ([]target.Account, error) {
	tries := retries.Budget(name).Begin()
	defer tries.Done()
	for {
		accs, err := t.Inventory(ctx, func(p target.Progress) {
			tries.Progress()
			e.observer().TargetPage(name, p.Done, p.Total)
		})
		if err == nil {
			return accs, nil
		}
		again, final := tries.Again(ctx, err, apply.Classify(err))
		if !again {
			return nil, final
		}
	}
}

// Plan builds the plan from a snapshot with the stored links and the ends
// the sync wrote before (for drift).
func (e *Engine) Plan(ctx context.Context, snap Snapshot) (plan.Plan, error) {
	return e.plan(ctx, snap, nil)
}

// plan is Plan keeping the whole-list targets' lists it builds in built
// (nil: not kept), for the rest of the run.
func (e *Engine) plan(ctx context.Context, snap Snapshot, built builtLists) (plan.Plan, error) {
	rule := e.rule
	if len(snap.Organisations) > 0 {
		rule.OrganisationIDs = snap.Organisations
	}
	today := member.DateOf(snap.TakenAt, e.zone)
	in := plan.Input{Members: snap.Members, SourceErr: snap.SourceErr, Targets: snap.Targets,
		Rule: rule, Policy: e.policy, Zone: e.zone, Now: snap.TakenAt, Today: today}
	if e.store != nil {
		links, err := e.store.Links(ctx)
		if err != nil {
			return plan.Plan{}, fmt.Errorf("read links: %w", err)
		}
		in.Links = links
		last, err := e.store.LastWritten(ctx)
		if err != nil {
			return plan.Plan{}, fmt.Errorf("read last written ends: %w", err)
		}
		in.LastWritten = last
		prev, err := e.store.Resolutions(ctx)
		if err != nil {
			return plan.Plan{}, fmt.Errorf("read accepted resolutions: %w", err)
		}
		in.Previous = prev
	}
	for _, l := range e.lists {
		in.Lists = append(in.Lists, e.planList(ctx, l, snap, rule, today, built))
	}
	return plan.Build(in), nil
}

// heldErrs names the targets left out of this run and why.
func (e *Engine) heldErrs() map[string]error {
	held := maps.Clone(e.held)
	if held == nil {
		held = map[string]error{}
	}
	for _, l := range e.lists {
		if l.held != nil {
			held[l.info().Name] = l.held
		}
	}
	return held
}

// inZone is t in the site's zone (as it is when the engine has none).
func (e *Engine) inZone(t time.Time) time.Time {
	if e.zone == nil {
		return t
	}
	return t.In(e.zone)
}

// active are the targets read account by account that are not held, in
// the configuration's order.
func (e *Engine) active() []target.Target {
	if len(e.held) == 0 {
		return e.targets
	}
	out := make([]target.Target, 0, len(e.targets))
	for _, t := range e.targets {
		if e.held[t.Info().Name] == nil {
			out = append(out, t)
		}
	}
	return out
}

// targetByName is the named target unless it is held (nil: none).
func (e *Engine) targetByName(name string) target.Target {
	for _, t := range e.active() {
		if t.Info().Name == name {
			return t
		}
	}
	return nil
}

// IsLocked reports whether err says another run holds the database.
func IsLocked(err error) bool { return errors.Is(err, store.ErrLocked) }
