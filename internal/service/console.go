package service

// The console's side of the service (backend.Backend): the stored last
// plan and snapshots for the first frame, refresh, apply, re-planning.
// Every refresh and apply builds a fresh run engine, as the commands' runs
// do.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target"
)

// lastRun is when the last run finished and its outcome (zero and "":
// none, or unreadable): the console's header says when the last run did
// not succeed.
func (s *Service) lastRun(ctx context.Context) (time.Time, string) {
	runs, err := s.store.Runs(ctx, 1)
	if err != nil || len(runs) == 0 {
		return time.Time{}, ""
	}
	return runs[0].FinishedAt, runs[0].Outcome
}

// notValid names, by member id, why each member not valid today under the
// rule still has a counting role ending today or later ("inactive", "not
// started"): the end date alone would read as valid in the console.
func notValid(members []member.Member, rule member.Rule, organisations []int, today member.Date) map[string]string {
	if len(organisations) > 0 {
		rule.OrganisationIDs = organisations
	}
	out := map[string]string{}
	for i := range members {
		m := &members[i]
		v := rule.Evaluate(*m, today)
		if v.ValidToday || v.End.IsZero() || v.End.Before(today) {
			continue
		}
		why := "not started"
		if m.Inactive {
			why = "inactive"
		}
		out[m.ID] = why
	}
	return out
}

// autoHeldWindow is how far back the console looks for items an
// unattended run held for approval (older holds were seen in a week of
// cron mails, or the item has changed since).
const autoHeldWindow = 7 * 24 * time.Hour

// Open is what the last fetch saved, for the console's instant start
// (backend.Backend). The stored last plan is cheap to read and goes to
// first at once (Data.Partial); the stored snapshots are then planned —
// or, when the plan was made from these very snapshots, today, with
// today's links, configuration and written ends (madeFrom,
// keptPlanCurrent), that plan is used as it is: planning them again would
// give the same and cost as much memory as the first frame. A target
// without a snapshot is planned as unreadable, so nothing is offered for
// it.
func (s *Service) Open(ctx context.Context, first func(backend.Data)) (backend.Data, error) {
	kept, err := s.lastPlan(ctx)
	if err != nil {
		// Only a slower start: the snapshots are what the plan is made of.
		return s.stored(ctx, nil)
	}
	if first != nil {
		first(kept)
	}
	return s.stored(ctx, &kept)
}

// lastPlan is the plan the last fetch made, as stored, alone.
func (s *Service) lastPlan(ctx context.Context) (backend.Data, error) {
	p, takenAt, err := s.store.LastPlan(ctx, time.LoadLocation)
	if err != nil {
		return backend.Data{}, err
	}
	held, err := s.store.HeldSince(ctx, s.clock.Now().Add(-autoHeldWindow), engine.ModeAuto, engine.ModeWatch)
	if err != nil {
		return backend.Data{}, err
	}
	d := backend.Data{Plan: p, TakenAt: takenAt, Stored: true, Partial: true, AutoHeld: held}
	d.LastSync, d.LastOutcome = s.lastRun(ctx)
	return d, nil
}

// stored plans against the snapshots the last fetch saved, using kept (the
// stored last plan, nil: none) when it still holds.
func (s *Service) stored(ctx context.Context, kept *backend.Data) (backend.Data, error) {
	r, err := s.newRun(ctx, nil)
	if err != nil {
		return backend.Data{}, err
	}
	defer r.close()
	eng, all := r.eng, r.clients.targets
	// The snapshots are read and decoded concurrently: on two cores this is
	// a fifth of the first frame at 50,000 members.
	st := s.store
	var members []member.Member
	var takenAt time.Time
	var membersErr error
	targets := make([]plan.TargetState, len(all))
	taken := make([]time.Time, len(all))
	var wg sync.WaitGroup
	wg.Go(func() { members, takenAt, membersErr = st.Members(ctx) })
	for i, t := range all {
		if why := r.clients.held[t.Info().Name]; why != nil {
			// Held after rejected credentials: shown as such, in its place.
			targets[i] = plan.TargetState{Info: t.Info(), Err: why}
			continue
		}
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
	if errors.Is(membersErr, store.ErrNoSnapshot) {
		return backend.Data{}, fmt.Errorf("%w: %w", backend.ErrNoSnapshot, membersErr)
	} else if membersErr != nil {
		return backend.Data{}, membersErr
	}
	now := s.clock.Now()
	snap := engine.Snapshot{Members: members, Targets: targets, TakenAt: now, Organisations: EngineConfig(s.cfg).Rule.OrganisationIDs}
	oldest := takenAt
	for i, t := range targets {
		if t.Err == nil && taken[i].Before(oldest) {
			oldest = taken[i]
		}
	}
	if kept != nil && madeFrom(kept, takenAt, taken, targets, member.DateOf(now, s.cfg.Zone)) && keptPlanCurrent(ctx, eng) {
		return s.dataWith(ctx, &kept.Plan, eng, snap, oldest, true)
	}
	return s.data(ctx, eng, snap, oldest, true)
}

// keptPlanCurrent: the kept plan was made with today's links, configuration
// and written ends (engine.InputsTag); any doubt plans again.
func keptPlanCurrent(ctx context.Context, eng *engine.Engine) bool {
	ok, err := eng.KeptPlanCurrent(ctx)
	return ok && err == nil
}

// madeFrom says whether the stored last plan was made from exactly the
// snapshots read (same read time for every side, none missing) on the same
// day: then, with the same other inputs (keptPlanCurrent), it is the plan
// of these snapshots.
func madeFrom(kept *backend.Data, membersAt time.Time, taken []time.Time, targets []plan.TargetState, today member.Date) bool {
	p := &kept.Plan
	if !kept.TakenAt.Equal(membersAt) || p.Source.Error != "" || p.Today != today {
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

func (s *Service) data(ctx context.Context, eng *engine.Engine, snap engine.Snapshot, takenAt time.Time, stored bool) (backend.Data, error) {
	return s.dataWith(ctx, nil, eng, snap, takenAt, stored)
}

// dataWith is data with the plan given (nil: planned now).
func (s *Service) dataWith(ctx context.Context, given *plan.Plan, eng *engine.Engine, snap engine.Snapshot, takenAt time.Time, stored bool) (backend.Data, error) {
	var p plan.Plan
	if given != nil {
		p = *given
	} else {
		var err error
		if p, err = eng.Plan(ctx, snap); err != nil {
			return backend.Data{}, err
		}
	}
	links, err := s.store.Links(ctx)
	if err != nil {
		return backend.Data{}, err
	}
	held, err := s.store.HeldSince(ctx, s.clock.Now().Add(-autoHeldWindow), engine.ModeAuto, engine.ModeWatch)
	if err != nil {
		return backend.Data{}, err
	}
	changes, err := s.changes(ctx, &p)
	if err != nil {
		return backend.Data{}, err
	}
	accs := make(map[string][]target.Account, len(snap.Targets))
	for _, t := range snap.Targets {
		accs[t.Info.Name] = t.Accounts
	}
	d := backend.Data{Plan: p, Members: snap.Members, Accounts: accs, Links: links, TakenAt: takenAt,
		Stored: stored, Targets: snap.Targets, Organisations: snap.Organisations, AutoHeld: held, Changes: changes,
		NotValid: notValid(snap.Members, EngineConfig(s.cfg).Rule, snap.Organisations, p.Today)}
	d.LastSync, d.LastOutcome = s.lastRun(ctx)
	return d, nil
}

// Replan plans the console's data again with the links stored now: the
// members and accounts it holds, the same moment (so only the links
// differ), no read of either side.
func (s *Service) Replan(ctx context.Context, d backend.Data) (backend.Data, error) {
	if len(d.Targets) == 0 && len(d.Members) == 0 {
		return backend.Data{}, errors.New("nothing read to plan again from: refresh")
	}
	snap := engine.Snapshot{Members: d.Members, Targets: d.Targets, TakenAt: d.Plan.CreatedAt, Organisations: d.Organisations}
	if e := d.Plan.Source.Error; e != "" {
		snap.SourceErr = errors.New(e)
	}
	if snap.TakenAt.IsZero() {
		snap.TakenAt = s.clock.Now()
	}
	return s.data(ctx, s.session.eng, snap, d.TakenAt, d.Stored)
}

// Refresh fetches both sides concurrently (the engine does) and plans.
func (s *Service) Refresh(ctx context.Context, progress func(backend.Progress)) (backend.Data, error) {
	r, err := s.newRun(ctx, fetchProgress{progress: progress})
	if err != nil {
		return backend.Data{}, err
	}
	defer r.close()
	eng := r.eng
	snap := eng.Fetch(ctx)
	if err := ctx.Err(); err != nil {
		return backend.Data{}, err
	}
	// The console shows the failures itself.
	s.remember(ctx, r, runFacts{readErrs: readErrs(snap), full: true})
	d, err := s.data(ctx, eng, snap, snap.TakenAt, false)
	if err == nil {
		eng.RememberPlan(ctx, d.Plan, snap.TakenAt)
	}
	return d, err
}

// Apply runs the approved items through the engine as a console run.
func (s *Service) Apply(ctx context.Context, p plan.Plan, approved []string, progress func(backend.ApplyProgress)) (backend.ApplyResult, error) {
	defer s.running(ctx)()
	r, err := s.newRun(ctx, applyProgress{progress: progress})
	if err != nil {
		return backend.ApplyResult{}, err
	}
	defer r.close()
	eng := r.eng
	ids := make(map[string]bool, len(approved))
	for _, id := range approved {
		ids[id] = true
	}
	out, err := eng.Sync(ctx, engine.Options{Mode: engine.ModeConsole, Plan: &p, Approved: ids, ApprovedBy: s.user})
	s.remember(ctx, r, runFacts{readErrs: out.TargetErrs, outcome: &out})
	res := backend.ApplyResult{RunID: out.RunID, Applied: out.Applied, Failed: out.Failed, Stale: out.Stale, Cancelled: out.Cancelled,
		Acknowledged: out.Acknowledged, Summary: out.Summary(), Errors: out.Errors}
	if errors.Is(err, engine.ErrInterrupted) {
		// Stopped by the operator: not a failure of the apply. The run's
		// summary and history say what was applied and what cancelled;
		// its errors list the interruption first, which the console says
		// in its own words.
		res.Stopped, err = true, nil
		res.Errors = slices.DeleteFunc(res.Errors, func(e string) bool { return strings.HasPrefix(e, engine.ErrInterrupted.Error()) })
	}
	got := map[string]bool{}
	for _, ar := range out.Results {
		got[ar.Item.ID] = true
		switch ar.Status {
		case apply.Failed, apply.Skipped:
			res.FailedIDs = append(res.FailedIDs, ar.Item.ID)
		case apply.Cancelled:
			res.CancelledIDs = append(res.CancelledIDs, ar.Item.ID)
		}
	}
	// Items the run never reached (it failed or was stopped early) stay
	// selected too.
	for _, id := range approved {
		switch {
		case got[id]:
		case res.Stopped:
			res.CancelledIDs = append(res.CancelledIDs, id)
		case err != nil:
			res.FailedIDs = append(res.FailedIDs, id)
		}
	}
	return res, err
}
