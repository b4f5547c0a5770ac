package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/exitcode"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/notify"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target"
)

// Run modes, as recorded in the history.
const (
	ModeAuto    = "auto"
	ModeApply   = "apply"
	ModeConsole = "console"
	ModeWatch   = "watch"
)

// Options shape one sync run.
type Options struct {
	Mode string
	// Plan, when set, is applied as is (apply FILE, the console); nil:
	// fetch and plan now.
	Plan *plan.Plan
	// Approved lists the item ids an operator approved (apply FILE, the
	// console). Nil: policy decides (auto, watch), and the guard can stop
	// everything.
	Approved   map[string]bool
	ApprovedBy string
	// Only, when set, restricts the run to the items it accepts (watch:
	// the members that changed).
	Only func(plan.Item) bool
	// LockWait is how long to wait for another run to release the
	// database (0: do not wait).
	LockWait time.Duration

	// retries are the run's retry budgets when a caller (Incremental)
	// spent some of them before; nil: fresh ones.
	retries *apply.Retries
	// full is the snapshot a given plan was made from in full (a watch
	// pass): its resolutions are accepted as a fresh fetch's are.
	full *Snapshot
	// built are the whole-list targets' lists built when planning this
	// run's plan (a fetch, a watch pass); the upload uses them. Nil (a
	// saved plan): built from the stored snapshot when applying.
	built builtLists
}

// Outcome is what a run did.
type Outcome struct {
	RunID    int64
	Plan     plan.Plan
	Results  []apply.Result
	Selected int // write items chosen to apply
	Held     int // items awaiting approval (policy, guard, ambiguous)
	Applied  int
	Failed   int // failed or skipped because of an error
	Stale    int
	// Skipped counts the approved items not attempted because their
	// target is held (Hold: its credentials were rejected in an earlier
	// run): they are not failures of their own, and the target's hold
	// says why.
	Skipped int
	// GuardHeld: the blast-radius guard tripped and held the run's
	// writes back (an operator's approval is not held: then the summary
	// does not blame it).
	GuardHeld bool
	// Cancelled counts the items not sent because the run was stopped
	// (Esc, a signal): neither failed nor stale.
	Cancelled int
	Status    string // notify.Outcome… or "ok"
	Errors    []string
	Code      int // exit code by the contract
	// TargetErrs holds, per target name, why it could not be read in this
	// run (the plan has the same as text).
	TargetErrs map[string]error
	// Retried counts the members an incremental pass included, besides the
	// changed ones, because their items failed in an earlier run.
	Retried int
	// Acknowledged counts identity changes an operator approved that write
	// nothing (accepted as shown).
	Acknowledged int
	// Notified: the run's notification was sent (a run needs one when its
	// status is worth it and not only because of targets held quietly).
	Notified bool
}

const maxErrors = 10

// ErrInterrupted is wrapped by the error of a run stopped while reading or
// applying (its context ended: Esc in the console, a signal); the run's
// outcome is OutcomeCancelled.
var ErrInterrupted = errors.New("interrupted")

// OutcomeCancelled is the outcome of a stopped run.
const OutcomeCancelled = "cancelled"

// Sync runs fetch → plan → approve → apply → record under the database's
// run lock. A returned error means the run could not start or could not be
// recorded (lock held, database broken); everything else is in the Outcome.
func (e *Engine) Sync(ctx context.Context, o Options) (Outcome, error) {
	o.retries = e.startRetries()
	release, err := e.lock(ctx, o)
	if err != nil {
		return Outcome{Status: notify.OutcomeFailed, Code: exitcode.Failed}, err
	}
	defer release()
	return e.syncLocked(ctx, o)
}

// lock takes the database's run lock and finishes what an earlier run left
// in the journal. Everything that reads terminals for a write, or writes
// snapshots, happens while holding it.
func (e *Engine) lock(ctx context.Context, o Options) (release func(), err error) {
	lockCtx := ctx
	if o.LockWait == 0 {
		// Taking a free lock waits for nobody: a stop just after the
		// start still gets its run recorded (as cancelled).
		lockCtx = context.WithoutCancel(ctx)
	}
	lock, err := e.store.AcquireRunLock(lockCtx, store.LockHolder{User: e.user, Mode: o.Mode}, o.LockWait)
	if err != nil {
		return nil, err
	}
	release = func() { _ = lock.Release() }
	if stale, ok := lock.TookOver(); ok {
		e.observer().TookOver(stale)
	}
	if err := e.recover(ctx, o.retries); err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// syncLocked is Sync once the lock is held.
func (e *Engine) syncLocked(ctx context.Context, o Options) (Outcome, error) {
	if o.retries == nil {
		o.retries = e.startRetries()
	}
	run := store.Run{Mode: o.Mode, User: e.user, Host: e.host}
	// The run's own records are written whatever becomes of it: a stop
	// (Esc, a signal) ends what waits on the network, never the history
	// of what was done.
	db := context.WithoutCancel(ctx)
	runID, err := e.store.StartRun(db, run)
	if err != nil {
		return Outcome{Status: notify.OutcomeFailed, Code: exitcode.Failed}, err
	}
	run.ID = runID
	run.StartedAt = e.clock.Now()
	out := Outcome{RunID: runID}

	var fetched *Snapshot // this run's fetch; nil for a given plan
	var snapMembers []member.Member
	var snapOrgs []int
	if o.Plan != nil {
		out.Plan = *o.Plan
		e.hintSizes(out.Plan)
	} else {
		snap := e.fetch(ctx, o.retries)
		snapMembers, snapOrgs = snap.Members, snap.Organisations
		fetched = &snap
		out.TargetErrs = map[string]error{}
		for _, ts := range snap.Targets {
			if ts.Err != nil {
				out.TargetErrs[ts.Info.Name] = ts.Err
			}
		}
		if ctx.Err() != nil {
			// Interrupted while reading (SIGTERM, Ctrl-C while a terminal
			// was busy): nothing is planned or written, and the run says
			// so rather than fail on its next database read.
			out.Plan.Source.Members = len(snap.Members)
			return e.finish(ctx, run, out, o, fmt.Errorf("%w while reading Cardskipper and the targets: nothing was planned or written%w",
				ErrInterrupted, apply.StopError(ctx, "")))
		}
		o.built = builtLists{}
		p, err := e.plan(db, snap, o.built)
		if err != nil {
			return e.finish(ctx, run, out, o, err)
		}
		e.RememberPlan(db, p, snap.TakenAt)
		out.Plan = p
		o.full = fetched
	}
	// Fetching and planning take a while: a run that lost the lock
	// meanwhile records nothing more than why it stopped.
	if err := e.store.CheckLock(db); err != nil {
		return e.finish(ctx, run, out, o, err)
	}
	selected, records := e.decide(runID, out.Plan, o)
	out.Selected = len(selected)
	if err := e.store.AddItems(db, runID, records); err != nil {
		return e.finish(ctx, run, out, o, err)
	}
	for _, r := range records {
		if r.Status == store.StatusHeld {
			out.Held++
		}
	}
	for _, it := range out.Plan.Items {
		if acknowledged(it, o.Approved) {
			out.Acknowledged++
		}
	}
	selected, err = e.skipHeld(db, runID, selected, o, &out)
	if err != nil {
		return e.finish(ctx, run, out, o, err)
	}
	// The whole-list targets' items are applied after the others, by
	// uploading each target's next list.
	selected, byList := e.splitLists(selected)
	e.announceWrites(out.Plan.Targets, selected, byList)
	if len(selected) > 0 {
		ae := apply.Runner{Recorder: recorder{st: e.store, approvedBy: o.ApprovedBy}, RunID: runID, Retries: o.retries,
			Holding:  e.store.CheckLock,
			Progress: applyEvents(e.observer())}
		ae.Targets = map[string]target.Target{}
		for _, t := range e.active() {
			ae.Targets[t.Info().Name] = t
		}
		if o.Plan != nil && o.Approved != nil {
			// A plan made earlier (apply FILE, the console): each
			// account must still be its item's member's.
			check, err := e.recheck(db)
			if err != nil {
				return e.finish(ctx, run, out, o, err)
			}
			ae.Recheck = check
		}
		res, err := ae.Run(ctx, selected)
		out.Results = append(out.Results, res...)
		if err != nil {
			return e.finish(ctx, run, out, o, err)
		}
	}
	if ctx.Err() != nil {
		// Interrupted: no list is uploaded; the items say so.
		if err := e.skipLists(ctx, runID, o, byList, &out); err != nil {
			return e.finish(ctx, run, out, o, err)
		}
	}
	if err := e.store.CheckLock(db); err != nil {
		// Lost after the terminals' writes: no upload, no snapshot.
		return e.finish(ctx, run, out, o, err)
	}
	if ctx.Err() == nil {
		if err := e.applyLists(ctx, runID, o, byList, snapMembers, snapOrgs, &out); err != nil {
			return e.finish(ctx, run, out, o, err)
		}
	}
	if fetched != nil {
		e.keepWritten(db, fetched, out.Results, o.built)
	}
	e.acceptIdentities(db, runID, out.Plan, o.full, out.Results, o.Approved)
	var interrupted error
	if ctx.Err() != nil {
		// The writes in flight were completed and read back; the rest
		// were not sent (cancelled). The run says so.
		interrupted = fmt.Errorf("%w while applying: the writes in flight were completed and read back, the rest cancelled%w",
			ErrInterrupted, apply.StopError(ctx, ""))
	}
	return e.finish(ctx, run, out, o, interrupted)
}

// keepWritten puts what this run (--auto, or a watch pass) wrote and read
// back into the account snapshots it saved, and keeps the plan of them: the console's stored view
// then shows the renewals as done, not as still to do until its refresh.
// The snapshots keep the fetch's time, so the console can reuse the plan.
// built are the whole-list targets' lists built for snap in this run.
func (e *Engine) keepWritten(ctx context.Context, snap *Snapshot, results []apply.Result, built builtLists) {
	if e.store == nil || e.store.ReadOnly() || snap.SourceErr != nil || len(snap.Members) == 0 || !e.stillHolding(ctx, "keep what was written") {
		return
	}
	written := map[string]map[string]time.Time{}
	for _, r := range results {
		if r.Status != apply.Applied || r.After.IsZero() || e.isListItem(r.Item) {
			continue
		}
		if written[r.Item.Target] == nil {
			written[r.Item.Target] = map[string]time.Time{}
		}
		written[r.Item.Target][r.Item.Account] = r.After
	}
	if len(written) == 0 {
		return
	}
	for i := range snap.Targets {
		ts := &snap.Targets[i]
		w := written[ts.Info.Name]
		if ts.Err != nil || len(w) == 0 {
			continue
		}
		for j := range ts.Accounts {
			if end, ok := w[ts.Accounts[j].ID]; ok {
				ts.Accounts[j].End, ts.Accounts[j].Permanent = end, false
			}
		}
		if err := e.store.SaveAccounts(ctx, ts.Info.Name, ts.Accounts, snap.TakenAt); err != nil {
			e.warn(StageTarget, ts.Info.Name, fmt.Errorf("save account snapshot after writing: %w", err))
			return
		}
	}
	p, err := e.plan(ctx, *snap, built)
	if err != nil {
		e.warn(StagePlan, "", fmt.Errorf("keep the plan after writing: %w", err))
		return
	}
	e.RememberPlan(ctx, p, snap.TakenAt)
}

// RememberPlan keeps a plan made from a fresh fetch as the last plan,
// which the console draws first on its next start. A plan whose source
// failed is not kept (the last good one stays); a read-only database or a
// failure to save changes nothing else.
func (e *Engine) RememberPlan(ctx context.Context, p plan.Plan, takenAt time.Time) {
	if e.store == nil || e.store.ReadOnly() || p.Source.Error != "" || p.Source.Members == 0 || !e.stillHolding(ctx, "keep the plan") {
		return
	}
	tag, err := e.InputsTag(ctx)
	if err == nil {
		err = e.store.SaveLastPlan(ctx, p, takenAt)
	}
	if err == nil {
		err = e.store.SetState(ctx, lastPlanInputsKey, tag)
	}
	if err != nil {
		e.warn(StagePlan, "", fmt.Errorf("keep the last plan for the console: %w", err))
	}
}

// hintSizes tells the targets that want it how many accounts the plan
// read of them (target.SizeHinter), for a plan made by another process.
func (e *Engine) hintSizes(p plan.Plan) {
	for _, t := range e.active() {
		h, ok := t.(target.SizeHinter)
		if !ok {
			continue
		}
		for _, s := range p.Targets {
			if s.Name == t.Info().Name && s.Error == "" {
				h.HintSize(s.Accounts)
			}
		}
	}
}

// stillHolding reports whether this run may still write its state (a run
// without the lock — the console's refresh — may; one whose lock another
// run took may not: its snapshots and plan would overwrite the new
// holder's). A loss is reported once per call.
func (e *Engine) stillHolding(ctx context.Context, what string) bool {
	if err := e.store.CheckLock(context.WithoutCancel(ctx)); err != nil {
		e.warn(StagePlan, "", fmt.Errorf("%s: %w", what, err))
		return false
	}
	return true
}

// markTargetFailed returns targets with the named one's error set (a copy:
// the plan may be the caller's).
func markTargetFailed(targets []plan.TargetSummary, name string, err error) []plan.TargetSummary {
	out := slices.Clone(targets)
	for i := range out {
		if out[i].Name == name && out[i].Error == "" {
			out[i].Error = err.Error()
		}
	}
	return out
}

// skipHeld takes out of selected the items of targets held out of this run
// (a saved plan made before the hold, the console): they are recorded as
// skipped with the hold's reason and never sent.
func (e *Engine) skipHeld(ctx context.Context, runID int64, selected []plan.Item, o Options, out *Outcome) ([]plan.Item, error) {
	held := e.heldErrs()
	if len(held) == 0 {
		return selected, nil
	}
	rec := recorder{st: e.store, approvedBy: o.ApprovedBy}
	rest := selected[:0:0]
	for _, it := range selected {
		herr, ok := held[it.Target]
		if !ok {
			rest = append(rest, it)
			continue
		}
		r := apply.Result{Item: it, Status: apply.Skipped, Err: herr}
		if err := rec.Record(ctx, runID, r); err != nil {
			return nil, err
		}
		out.Results = append(out.Results, r)
	}
	return rest, nil
}

// decide picks the write items to apply now and the record of every item:
// planned (applied in this run), held (awaiting approval), reported.
func (e *Engine) decide(runID int64, p plan.Plan, o Options) ([]plan.Item, []store.ItemRecord) {
	var selected []plan.Item
	var records []store.ItemRecord
	for _, it := range p.Items {
		// In sync is not recorded, unless its identity changed (held) or
		// its member's e-mail did (the run's record notes it).
		quiet := it.Kind == plan.InSync && it.Identity == "" && it.EmailWas == ""
		if quiet || (o.Only != nil && !o.Only(it)) {
			continue
		}
		// An operator's approval list is the whole run: other items of the
		// saved plan were reported when it was made.
		if o.Approved != nil && !o.Approved[it.ID] {
			continue
		}
		status := store.StatusReported
		switch {
		case it.Kind.Writes():
			var ok bool
			if o.Approved != nil {
				ok = o.Approved[it.ID]
			} else {
				ok = p.AppliedUnattended(it)
			}
			status = store.StatusHeld
			if ok {
				status = store.StatusPlanned
				selected = append(selected, it)
			}
		case acknowledged(it, o.Approved):
			// Nothing to write: approving accepts the identity as shown
			// (acceptIdentities), and the record says who did.
		case it.Kind == plan.Ambiguous || it.Identity != "":
			status = store.StatusHeld
		}
		rec := store.ItemFromPlan(runID, it, status)
		if acknowledged(it, o.Approved) {
			rec.ApprovedBy = o.ApprovedBy
			rec.Reason = "identity accepted as shown, nothing written; " + rec.Reason
		}
		if status == store.StatusPlanned {
			rec.ApprovedBy = o.ApprovedBy
			if o.Approved == nil {
				rec.ApprovedBy = "policy"
			}
		}
		records = append(records, rec)
	}
	return selected, records
}

// finish works out the outcome, records it, and notifies when it is not ok.
func (e *Engine) finish(ctx context.Context, run store.Run, out Outcome, o Options, fatal error) (Outcome, error) {
	p := out.Plan
	var codes []int
	addErr := func(msg string) {
		if len(out.Errors) < maxErrors {
			out.Errors = append(out.Errors, msg)
		}
	}
	if fatal != nil {
		codes = append(codes, exitcode.Failed)
		addErr(fatal.Error())
	}
	if p.Source.Error != "" {
		codes = append(codes, exitcode.Failed)
		addErr(p.Source.Error)
	}
	for _, t := range p.Targets {
		if t.Error != "" {
			addErr(t.Error)
		}
	}
	held := e.heldErrs()
	skipped := map[string]int{} // by target: items skipped because it is held
	for _, r := range out.Results {
		switch r.Status {
		case apply.Applied:
			out.Applied++
		case apply.Stale:
			out.Stale++
		case apply.Cancelled:
			out.Cancelled++
		case apply.Failed, apply.Skipped:
			if why := held[r.Item.Target]; why != nil && r.Status == apply.Skipped {
				// Left alone with its target: the hold says why, once.
				out.Skipped++
				if skipped[r.Item.Target]++; skipped[r.Item.Target] == 1 && !slices.Contains(out.Errors, why.Error()) {
					addErr(why.Error())
				}
				continue
			}
			out.Failed++
			if r.Err != nil {
				addErr(fmt.Sprintf("%s account %s <%s>: %v", r.Item.Target, r.Item.Account, r.Item.Email, r.Err))
			}
		}
	}
	// An operator's explicit approval (apply FILE, the console) is not
	// held back by the guard.
	guard := p.Guard.Tripped && o.Approved == nil
	out.GuardHeld = guard
	if out.Held > 0 || guard {
		codes = append(codes, exitcode.Held)
	}
	if out.Selected > 0 && out.Stale == out.Selected {
		// Nothing was applied because everything changed meanwhile: the
		// operator must look again.
		codes = append(codes, exitcode.Held)
	}
	out.Code = exitcode.Worst(append(codes, e.targetCodes(p, out, skipped, nil)...)...)
	out.Status = statusOf(out.Code, guard)
	tell := notify.ShouldNotify(out.Status)
	if quiet := e.quietHolds(); tell && len(quiet) > 0 {
		// Targets held quietly (the admin was told of their holds) are
		// no news: the run notifies only when something else is.
		tell = notify.ShouldNotify(statusOf(exitcode.Worst(append(codes, e.targetCodes(p, out, skipped, quiet)...)...), guard))
	}
	if errors.Is(fatal, ErrInterrupted) {
		// Someone stopped it (Esc, Ctrl-C, systemctl stop): the history
		// says so, and nobody is notified of their own act; the next run
		// takes up what was cancelled.
		out.Status = OutcomeCancelled
	}

	run.FinishedAt = e.clock.Now()
	run.Outcome = out.Status
	run.ExitCode = out.Code
	run.Members = p.Source.Members
	run.GuardTripped = p.Guard.Tripped
	run.GuardReason = p.Guard.Reason
	if len(out.Errors) > 0 {
		run.Error = out.Errors[0]
	}
	run.Counts = map[string]int{}
	for k, n := range p.Summary {
		run.Counts[string(k)] = n
	}
	run.Counts["applied"], run.Counts["failed"], run.Counts["stale"], run.Counts["held"] = out.Applied, out.Failed, out.Stale, out.Held
	if out.Skipped > 0 {
		run.Counts["skipped"] = out.Skipped
	}
	if out.Cancelled > 0 {
		run.Counts["cancelled"] = out.Cancelled
	}
	identities := identityChanges(p)
	if len(identities) > 0 {
		run.Counts["identity"] = len(identities)
	}
	ferr := e.store.FinishRun(context.WithoutCancel(ctx), run)

	if e.notifier != nil && tell {
		ev := notify.Event{RunID: run.ID, Outcome: out.Status, Mode: run.Mode, Host: e.host, StartedAt: run.StartedAt,
			FinishedAt: run.FinishedAt, Counts: run.Counts, Errors: out.Errors, GuardReason: p.Guard.Reason, Summary: out.Summary(),
			Identity: identities}
		// A failing notification is reported, never fatal.
		if err := e.notifier.Notify(context.WithoutCancel(ctx), ev); err != nil {
			e.warn(StageNotify, "", fmt.Errorf("notification failed: %w", err))
		} else {
			out.Notified = true
		}
	}
	return out, errors.Join(fatal, ferr)
}

// statusOf is the run's status (notify.Outcome…, "ok") of its exit code;
// guard: the guard held the run back.
func statusOf(code int, guard bool) string {
	switch code {
	case exitcode.Failed:
		return notify.OutcomeFailed
	case exitcode.Partial:
		return notify.OutcomePartial
	case exitcode.Held:
		if guard {
			return notify.OutcomeGuard
		}
		return notify.OutcomeHeld
	}
	return "ok"
}

// targetCodes are the exit codes the targets' state and the items' results
// call for: failed targets (all failed: Failed, else Partial), and failed
// items or items skipped with their held target (none applied: Failed,
// else Partial). skipped counts by target the items skipped because it is
// held. The targets in ignore count as fine (held quietly: see Quiet).
func (e *Engine) targetCodes(p plan.Plan, out Outcome, skipped map[string]int, ignore map[string]bool) []int {
	var codes []int
	broken, counted := 0, 0
	for _, t := range p.Targets {
		if ignore[t.Name] {
			continue
		}
		counted++
		if t.Error != "" {
			broken++
		}
	}
	if broken > 0 {
		if broken == counted {
			codes = append(codes, exitcode.Failed)
		} else {
			codes = append(codes, exitcode.Partial)
		}
	}
	notDone := out.Failed
	for name, n := range skipped {
		if !ignore[name] {
			notDone += n
		}
	}
	if notDone > 0 {
		if out.Applied == 0 && out.Stale == 0 {
			codes = append(codes, exitcode.Failed)
		} else {
			codes = append(codes, exitcode.Partial)
		}
	}
	return codes
}

// Summary is a one-line account of the outcome.
func (o Outcome) Summary() string {
	s := fmt.Sprintf("%d applied, %d failed, %d stale, %d held", o.Applied, o.Failed, o.Stale, o.Held)
	if o.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped (target held)", o.Skipped)
	}
	if o.Cancelled > 0 {
		s += fmt.Sprintf(", %d cancelled", o.Cancelled)
	}
	if o.Acknowledged > 0 {
		s += fmt.Sprintf(", %s accepted", identityChangesText(o.Acknowledged))
	} else if n := len(identityChanges(o.Plan)); n > 0 && o.Held > 0 {
		s += fmt.Sprintf(" (%s)", identityChangesText(n))
	}
	if o.GuardHeld {
		s += "; guard tripped: " + o.Plan.Guard.Reason
	}
	return s
}

// identityChangesText is "1 identity change", "N identity changes".
func identityChangesText(n int) string {
	if n == 1 {
		return "1 identity change"
	}
	return fmt.Sprintf("%d identity changes", n)
}

// identityChanges are the plan's identity holds, one line each naming the
// member, the target and what changed.
func identityChanges(p plan.Plan) []string {
	var out []string
	for _, it := range p.Items {
		if it.Identity != "" {
			out = append(out, fmt.Sprintf("%s account %s <%s>: %s", it.Target, it.Account, it.Email, it.Identity))
		}
	}
	return out
}
