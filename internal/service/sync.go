package service

import (
	"context"
	"fmt"
	"time"

	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

// SyncRequest shapes one run of the commands: --auto (policy decides) or
// apply FILE (the operator approved the saved plan's write items).
type SyncRequest struct {
	Mode string // engine.ModeAuto, engine.ModeApply
	// Saved is the plan of apply FILE: saving it and naming it approves
	// every write item in it ("apply exactly the write items of a saved
	// plan"); the others were reported when it was made. nil: fetch and
	// plan now, and policy decides.
	Saved *plan.Plan
	// LockWait is how long to wait for another run (0: do not wait).
	LockWait time.Duration
	Observer engine.Observer // nil: nobody
}

// Sync runs fetch → plan → approve → apply → record with fresh clients
// and remembers the targets that rejected their credentials. The error is
// the engine's: the run could not start (engine.IsLocked) or be recorded.
func (s *Service) Sync(ctx context.Context, req SyncRequest) (engine.Outcome, []Stop, error) {
	r, err := s.newRun(ctx, req.Observer)
	if err != nil {
		return engine.Outcome{}, nil, err
	}
	defer r.close()
	o := engine.Options{Mode: req.Mode, LockWait: req.LockWait}
	if req.Saved != nil {
		o.Plan, o.Approved, o.ApprovedBy = req.Saved, writeIDs(req.Saved), s.user
	}
	out, err := r.eng.Sync(ctx, o)
	if err != nil && engine.IsLocked(err) {
		return out, nil, err // nothing was contacted
	}
	return out, s.remember(ctx, r, runFacts{readErrs: out.TargetErrs, full: req.Saved == nil, outcome: &out}), err
}

// writeIDs are the ids of p's write items.
func writeIDs(p *plan.Plan) map[string]bool {
	ids := map[string]bool{}
	for _, it := range p.Items {
		if it.Kind.Writes() {
			ids[it.ID] = true
		}
	}
	return ids
}

// Plan fetches both sides and plans, holding no run lock: it writes only
// snapshots and the last plan to the local database.
func (s *Service) Plan(ctx context.Context, obs engine.Observer) (plan.Plan, []Stop, error) {
	r, err := s.newRun(ctx, obs)
	if err != nil {
		return plan.Plan{}, nil, err
	}
	defer r.close()
	snap := r.eng.Fetch(ctx)
	p, err := r.eng.Plan(ctx, snap)
	if err != nil {
		return plan.Plan{}, nil, err
	}
	r.eng.RememberPlan(ctx, p, snap.TakenAt)
	return p, s.remember(ctx, r, runFacts{readErrs: readErrs(snap), full: true}), nil
}

// CheckSavedPlan says why a saved plan must not be applied now: it was
// made in another time zone, or (unless force) on another day — only the
// targets are checked again before writing, and a membership may have
// changed since. The error reads after the file's name.
func (s *Service) CheckSavedPlan(p plan.Plan, force bool) error {
	if s.cfg.Timezone != p.Timezone {
		return fmt.Errorf("was planned in %s, the configuration uses %s", p.Timezone, s.cfg.Timezone)
	}
	if today := member.Today(s.clock.Now(), s.cfg.Zone); p.Today != today && !force {
		return fmt.Errorf("was planned for %s, today is %s: Cardskipper may have changed since; make a fresh plan (or --force)", p.Today, today)
	}
	return nil
}

// readErrs are why each target of a fetch could not be read.
func readErrs(snap engine.Snapshot) map[string]error {
	errs := map[string]error{}
	for _, ts := range snap.Targets {
		if ts.Err != nil {
			errs[ts.Info.Name] = ts.Err
		}
	}
	return errs
}
