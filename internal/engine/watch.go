package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/source/cardskipper"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target"
)

// ErrNeedFull says an incremental pass cannot run (no snapshot yet): do a
// full reconcile.
var ErrNeedFull = errors.New("no stored snapshot: a full reconcile is needed first")

// Incremental is watch mode's cheap pass: it asks Cardskipper only for the
// members changed since `since`, re-reads only those members' accounts, and
// plans against the stored snapshots of everything else, so the guard still
// sees the whole site. Only items of the changed members are applied — and
// of the members whose items failed (or were skipped) in runs since
// `since` and were not acted on again: a renewal that failed when the
// terminal was busy is tried again at the next pass, not only when the
// member changes again (Outcome.Retried counts those members).
// It returns the outcome, the number of changed members, and an error when
// the pass could not run (ErrNeedFull, a source failure, the lock).
func (e *Engine) Incremental(ctx context.Context, since time.Time) (Outcome, int, error) {
	// The whole pass holds the run lock: its terminal reads and snapshot
	// writes must not interleave with another run's writes.
	o := Options{Mode: ModeWatch, retries: e.startRetries()}
	release, err := e.lock(ctx, o)
	if err != nil {
		return Outcome{}, 0, err
	}
	defer release()
	members, _, err := e.store.Members(ctx)
	if errors.Is(err, store.ErrNoSnapshot) {
		return Outcome{}, 0, ErrNeedFull
	} else if err != nil {
		return Outcome{}, 0, err
	}
	e.observer().SourceChanges(since)
	changed, err := e.source.Export(ctx, cardskipper.ExportQuery{OrganisationID: e.orgID, ChangedAt: since})
	if err != nil {
		return Outcome{}, 0, fmt.Errorf("poll Cardskipper for changes: %w", err)
	}
	failed, err := e.store.FailedSince(ctx, since)
	if err != nil {
		return Outcome{}, 0, err
	}
	if len(changed) == 0 && len(failed) == 0 {
		return Outcome{Code: 0, Status: "ok"}, 0, nil
	}
	// Organisations whose roles count, read now like a full fetch does:
	// without them a renewal in a child organisation would look like a lapse.
	orgs := e.rule.OrganisationIDs
	if e.children {
		info, err := e.source.OrganisationInfo(ctx)
		if err != nil {
			return Outcome{}, 0, fmt.Errorf("organisation tree for child organisations: %w", err)
		}
		orgs = cardskipper.Subtree(info, e.orgID)
	}
	byID := map[string]int{}
	for i, m := range members {
		if m.ID != "" {
			byID[m.ID] = i
		}
	}
	for _, m := range changed {
		if m.ID == "" {
			// Without a member number a changed member cannot be matched
			// to its stored copy: only a full reconcile is safe.
			return Outcome{}, 0, ErrNeedFull
		}
	}
	emails := map[member.Email]bool{}
	for _, m := range changed {
		if m.Email != "" {
			emails[m.Email] = true
		}
		if i, ok := byID[m.ID]; ok {
			if old := members[i].Email; old != "" {
				emails[old] = true // an address that changed: both sides need a look
			}
			members[i] = m
		} else {
			members = append(members, m)
		}
	}
	retried := 0
	for _, f := range failed {
		if f.Email != "" && !emails[f.Email] {
			emails[f.Email] = true
			retried++
		}
	}
	links, err := e.store.Links(ctx)
	if err != nil {
		return Outcome{}, 0, err
	}
	// The accounts anchored to a changed member by id are read again too:
	// a member whose e-mail changed or went keeps them (docs/identity.md).
	accepted, err := e.store.Resolutions(ctx)
	if err != nil {
		return Outcome{}, 0, err
	}
	changedIDs := map[string]bool{}
	for _, m := range changed {
		changedIDs[m.ID] = true
	}
	anchored := map[string][]string{} // target → accounts
	for _, r := range accepted {
		if r.MemberID != "" && changedIDs[r.MemberID] {
			anchored[r.Target] = append(anchored[r.Target], r.Account)
		}
	}
	for _, l := range links {
		if l.MemberID != "" && changedIDs[l.MemberID] {
			anchored[l.Target] = append(anchored[l.Target], l.Account)
		}
	}
	// One time for everything this pass saves and plans: the merged
	// snapshots are current as of now (every change since the last poll is
	// in), and the console reuses the pass's plan only when the snapshots'
	// times and the plan's agree.
	now := e.clock.Now()
	snap := Snapshot{Members: members, TakenAt: now, Organisations: orgs}
	for _, t := range e.targets {
		if why := e.held[t.Info().Name]; why != nil {
			// Held: not contacted, failed with why in its place.
			snap.Targets = append(snap.Targets, plan.TargetState{Info: t.Info(), Err: why})
			continue
		}
		ts, err := e.refreshAccounts(ctx, t, links, emails, anchored[t.Info().Name], now, o.retries)
		if err != nil {
			return Outcome{}, 0, err
		}
		snap.Targets = append(snap.Targets, ts)
	}
	built := builtLists{}
	p, err := e.plan(ctx, snap, built)
	if err != nil {
		return Outcome{}, 0, err
	}
	e.RememberPlan(ctx, p, snap.TakenAt)
	if err := e.store.SaveMembers(ctx, members, now); err != nil {
		return Outcome{}, 0, err
	}
	o.Plan = &p
	o.full = &snap
	o.built = built
	// By member id too: a member whose e-mail was removed is planned by
	// the account anchored to them.
	o.Only = func(it plan.Item) bool { return emails[it.Email] || (it.MemberID != "" && changedIDs[it.MemberID]) }
	out, err := e.syncLocked(ctx, o)
	if err == nil {
		e.keepWritten(ctx, &snap, out.Results, built)
	}
	out.Retried = retried
	out.TargetErrs = map[string]error{}
	for _, ts := range snap.Targets {
		if ts.Err != nil {
			out.TargetErrs[ts.Info.Name] = ts.Err
		}
	}
	return out, len(changed), err
}

// refreshAccounts re-reads, on one target, just the accounts of the given
// e-mails and the anchored ones, and merges them into the stored snapshot.
func (e *Engine) refreshAccounts(ctx context.Context, t target.Target, links []identity.Link, emails map[member.Email]bool, anchored []string, now time.Time, retries *apply.Retries) (plan.TargetState, error) {
	name := t.Info().Name
	accs, _, err := e.store.Accounts(ctx, name)
	if errors.Is(err, store.ErrNoSnapshot) {
		return plan.TargetState{}, ErrNeedFull
	} else if err != nil {
		return plan.TargetState{}, err
	}
	r := identity.NewResolver(links, map[string][]target.Account{name: accs})
	ids := slices.Clone(anchored)
	for em := range emails {
		for _, m := range r.Resolve(name, em) {
			ids = append(ids, m.Account)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return plan.TargetState{Info: t.Info(), Accounts: accs}, nil
	}
	var fresh map[string]target.Account
	_, err = retries.Do(ctx, name, func() error {
		var err error
		fresh, err = t.Lookup(ctx, ids)
		return err
	})
	if err != nil {
		// The terminal is down: plan it as failed so nothing is written to
		// it, and say so; the other targets go on.
		return plan.TargetState{Info: t.Info(), Err: err}, nil
	}
	merged := make([]target.Account, 0, len(accs))
	asked := map[string]bool{}
	for _, id := range ids {
		asked[id] = true
	}
	for _, a := range accs {
		if !asked[a.ID] {
			merged = append(merged, a)
		} else if f, ok := fresh[a.ID]; ok {
			merged = append(merged, f)
		} // asked and gone: dropped
	}
	if err := e.store.SaveAccounts(ctx, name, merged, now); err != nil {
		return plan.TargetState{}, err
	}
	return plan.TargetState{Info: t.Info(), Accounts: merged}, nil
}
