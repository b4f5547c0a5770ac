package service

import (
	"context"
	"slices"
	"time"

	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/store"
)

// What changed since the last run (the console's changes view), and which
// run that is.
//
// The run compared with is the last time an operator acted: the newest
// finished run of the console or of apply FILE. Without one, the newest
// finished run of any mode. An admin who logs in once a week so sees what
// the unattended runs (--auto, watch) found since their last apply, not
// only what the last watch pass found minutes ago.
//
// An item is known when a run up to and including that run recorded it
// still to do: every run from changesWindow before it counts, not only
// that run. A full run (--auto, a full watch pass) records every item
// that needs attention, but an incremental watch pass records only the
// members it touched and an operator's apply only the items approved:
// compared with one run alone, everything else would read as new. An item
// applied since and back again is new (plan.Changes). Items that failed
// are told by the newest record of any run, up to now.
//
// A stopped apply records the approved items cancelled: like failed ones
// they are still to do, told by the newest record of any run. Drift that
// a run after the run compared with wrote back (newest record since:
// applied, with drift) is gone from the plan: it is told apart
// (Changes.Repaired), from those runs' records.
//
// Limits: an item that only reports (missing, unlinked, …) and went away
// without a run recording it resolved counts as known when it comes back
// within the window. Where no unattended run (--auto, watch) lies in the
// window, the runs recorded only what operators approved: what is new is
// then not told (Changes.NewUntold), only what failed again, identity
// changes and drift. An item cancelled and recorded since by an
// unattended run (held for approval, or applied) is told by that newest
// record, no longer as cancelled.

// changesWindow is how far before the run compared with its items count
// as known: older records say little of today, and reading them costs.
const changesWindow = 31 * 24 * time.Hour

// changesRuns bounds the runs read to find the one compared with (watch
// records a run only for a pass that found something): beyond them the
// newest run read is compared with.
const changesRuns = 10000

// byOperator says whether a run of mode is one an operator approved.
func byOperator(mode string) bool { return mode == engine.ModeConsole || mode == engine.ModeApply }

// recordsAll says whether a run of mode records every item that needs
// attention: the unattended runs (--auto; watch, whose passes between its
// full ones record what they touched, its full ones everything). An
// operator's apply records only what was approved.
func recordsAll(mode string) bool { return mode == engine.ModeAuto || mode == engine.ModeWatch }

// changes compares p with what the runs recorded.
func (s *Service) changes(ctx context.Context, p *plan.Plan) (backend.Changes, error) {
	runs, err := s.store.Runs(ctx, changesRuns)
	if err != nil {
		return backend.Changes{}, err
	}
	ref := referenceRun(runs)
	if ref == nil {
		return backend.Changes{}, nil
	}
	from, whole := ref.ID, false
	for _, r := range runs { // newest first
		if r.ID <= ref.ID && !r.StartedAt.Before(ref.StartedAt.Add(-changesWindow)) {
			from = r.ID
			whole = whole || recordsAll(r.Mode)
		}
	}
	known, err := s.records(ctx, from, ref.ID)
	if err != nil {
		return backend.Changes{}, err
	}
	latest, err := s.records(ctx, from, 0)
	if err != nil {
		return backend.Changes{}, err
	}
	sinceRecs, err := s.store.LatestItems(ctx, ref.ID+1, 0)
	if err != nil {
		return backend.Changes{}, err
	}
	in := plan.ChangesInput{Items: p.Items, Known: known, Latest: latest, Since: recordMap(sinceRecs)}
	ch := backend.Changes{RunID: ref.ID, RunMode: ref.Mode, RunAt: ref.StartedAt,
		Items: plan.Changes(in), Repaired: repairedDrift(plan.DriftRepaired(in), sinceRecs, runs, p)}
	if !whole {
		// Only operators' applies to compare with: they recorded what was
		// approved, so everything else would read as new (the first
		// console apply made "757 new"). What is new is not told until an
		// unattended run has recorded the whole plan; the rest is.
		ch.NewUntold = true
		ch.Items = slices.DeleteFunc(ch.Items, func(c plan.Change) bool { return c.Why == plan.ChangeNew })
	}
	return ch, nil
}

// referenceRun is the run compared with (nil: none finished): runs are
// newest first.
func referenceRun(runs []store.Run) *store.Run {
	var newest *store.Run
	for i := range runs {
		r := &runs[i]
		if r.FinishedAt.IsZero() {
			continue
		}
		if byOperator(r.Mode) {
			return r
		}
		if newest == nil {
			newest = r
		}
	}
	return newest
}

// records is the newest record of each item of runs from to to (0: up to
// now), as plan.Changes reads it.
func (s *Service) records(ctx context.Context, from, to int64) (map[string]plan.Record, error) {
	recs, err := s.store.LatestItems(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return recordMap(recs), nil
}

// recordMap is recs by item id, as plan.Changes reads them.
func recordMap(recs []store.ItemRecord) map[string]plan.Record {
	out := make(map[string]plan.Record, len(recs))
	for _, r := range recs {
		out[r.ItemID] = plan.Record{Resolved: r.Status == store.StatusApplied,
			Failed:    r.Status == store.StatusFailed || r.Status == store.StatusSkipped,
			Cancelled: r.Status == store.StatusCancelled, Identity: r.Identity, Drift: r.Drift}
	}
	return out
}

// repairedDrift is the drift repaired of ids, told from recs (the newest
// record of each item since the run compared with), the runs that wrote
// them back (runs: as read, a run beyond them unnamed) and p (the item of
// the same account now: an item's id changes with its kind).
func repairedDrift(ids []string, recs []store.ItemRecord, runs []store.Run, p *plan.Plan) []backend.RepairedDrift {
	if len(ids) == 0 {
		return nil
	}
	byID := make(map[string]*store.ItemRecord, len(recs))
	for i := range recs {
		byID[recs[i].ItemID] = &recs[i]
	}
	runByID := make(map[int64]*store.Run, len(runs))
	for i := range runs {
		runByID[runs[i].ID] = &runs[i]
	}
	type account struct{ target, id string }
	now := make(map[account]string, len(p.Items))
	for i := range p.Items {
		if it := &p.Items[i]; it.Account != "" {
			now[account{it.Target, it.Account}] = it.ID
		}
	}
	out := make([]backend.RepairedDrift, 0, len(ids))
	for _, id := range ids {
		r := byID[id]
		rd := backend.RepairedDrift{ItemID: id, PlanItemID: now[account{r.Target, r.Account}], Kind: r.Kind,
			Email: r.Email, Target: r.Target, Account: r.Account, RunID: r.RunID}
		if run := runByID[r.RunID]; run != nil {
			rd.RunMode, rd.RunAt = run.Mode, run.StartedAt
		}
		out = append(out, rd)
	}
	return out
}
