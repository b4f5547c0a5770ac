package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/backoff"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/plan/accesslist"
	"github.com/doorsync/doorsync/internal/source/cardskipper"
	"github.com/doorsync/doorsync/internal/store"
)

// listApplied is what applying one whole-list target did.
type listApplied struct {
	// Results has one result per item, in the items' order: applied,
	// stale, failed, or skipped because the upload waits.
	Results []apply.Result
	// Waiting: the upload waits (accesslist.ShouldUpload: the minimum
	// interval). Its skipped items are no failure: they are recorded and
	// counted as held.
	Waiting bool
	// Failed is why the target did not get the list it should have got
	// (its items failed with it). With no items, a daily refresh, it is
	// all the run learns.
	Failed error
}

// splitLists takes the items of whole-list targets out of selected, by
// target name.
func (e *Engine) splitLists(selected []plan.Item) ([]plan.Item, map[string][]plan.Item) {
	if len(e.lists) == 0 {
		return selected, nil
	}
	byList := map[string][]plan.Item{}
	rest := selected[:0:0]
	for _, it := range selected {
		if e.isListItem(it) {
			byList[it.Target] = append(byList[it.Target], it)
		} else {
			rest = append(rest, it)
		}
	}
	return rest, byList
}

// skipLists records the items of whole-list targets as cancelled (not
// uploaded): the run was stopped. The database must still be written: hence
// WithoutCancel.
func (e *Engine) skipLists(ctx context.Context, runID int64, o Options, byList map[string][]plan.Item, out *Outcome) error {
	rec := recorder{st: e.store, approvedBy: o.ApprovedBy}
	for _, l := range e.lists {
		name := l.info().Name
		items := byList[name]
		for i, it := range items {
			r := apply.Result{Item: it, Status: apply.Cancelled, Err: listCancelled(ctx)}
			if err := rec.Record(context.WithoutCancel(ctx), runID, r); err != nil {
				return err
			}
			// Shown as the other targets' items are: the console lists
			// what was cancelled.
			e.observer().ItemSettled(name, i+1, len(items), r)
			out.Results = append(out.Results, r)
		}
	}
	return nil
}

// listsFrom is byList limited to the given whole-list targets.
func listsFrom(lists []*ListTarget, byList map[string][]plan.Item) map[string][]plan.Item {
	out := map[string][]plan.Item{}
	for _, l := range lists {
		out[l.info().Name] = byList[l.info().Name]
	}
	return out
}

// listCancelled is why a whole-list target's item was not uploaded: the
// run was stopped first.
func listCancelled(ctx context.Context) error {
	return apply.StopError(ctx, "not uploaded: cancelled before the list was sent")
}

// applyLists uploads each whole-list target's next list when it has
// approved items or its daily refresh may be due, and records the
// results. built holds the lists this run built when planning; members
// and orgs are what the run fetched (nil for a given plan). A returned
// error means the run cannot go on (the database, the lock).
func (e *Engine) applyLists(ctx context.Context, runID int64, o Options, byList map[string][]plan.Item, members []member.Member, orgs []int, out *Outcome) error {
	var loaded *listSource // read once, for the lists not built when planning
	rec := recorder{st: e.store, approvedBy: o.ApprovedBy}
	db := context.WithoutCancel(ctx) // the records are kept whatever the stop
	for li, l := range e.lists {
		if ctx.Err() != nil {
			// Stopped during an earlier list's upload: the rest are not
			// sent.
			return e.skipLists(ctx, runID, o, listsFrom(e.lists[li:], byList), out)
		}
		name := l.info().Name
		items := byList[name]
		if len(items) == 0 && !e.listRefreshDue(l, out.Plan, o) {
			continue
		}
		var src listSource
		if _, ok := o.built[name]; !ok {
			if loaded == nil {
				s, err := e.listSource(db, members, orgs)
				if err != nil {
					return fmt.Errorf("%s: %w", l.subject(), err)
				}
				loaded = &s
			}
			src = *loaded
		}
		if len(items) > 0 {
			// The target's line shows while its list is built and sent.
			e.observer().Writing(name, apply.PhaseWrite, 0, len(items))
		}
		res, err := e.uploadList(ctx, runID, l, items, src, o.built, o.retries)
		if err != nil {
			return err
		}
		if res.Failed != nil && len(items) == 0 {
			// The daily upload of an unchanged list failed: no item says
			// so, the target's line must (NTK keeps the last list it took).
			e.observer().ListFailed(name, res.Failed)
			out.Plan.Targets = markTargetFailed(out.Plan.Targets, name, fmt.Errorf("daily upload of the unchanged access list: %w", res.Failed))
		}
		for i, r := range res.Results {
			if err := rec.Record(db, runID, r); err != nil {
				return err
			}
			// Each item settled, as the account-by-account targets report
			// theirs: the console shows the list's items too.
			e.observer().ItemSettled(name, i+1, len(res.Results), res.Results[i])
			if res.Waiting && r.Status == apply.Skipped {
				// Waiting for the minimum interval is not a failure.
				out.Held++
				continue
			}
			if r.Status == apply.Cancelled {
				out.Results = append(out.Results, r)
				continue
			}
			out.Results = append(out.Results, r)
		}
	}
	return nil
}

// uploadList uploads the target's list with the approved items applied,
// when it differs from the accepted one and the minimum interval has
// passed. One journal entry covers the upload, and each attempt is made
// only while this run holds the lock. A returned error means the run
// cannot go on (the journal, the lock, the database); what the upload
// did, failures included, is in the listApplied.
func (e *Engine) uploadList(ctx context.Context, runID int64, l *ListTarget, items []plan.Item, src listSource, built builtLists, retries *apply.Retries) (listApplied, error) {
	name, label := l.info().Name, l.label()
	out := listApplied{Results: make([]apply.Result, len(items))}
	for i, it := range items {
		out.Results[i] = apply.Result{Item: it, Status: apply.Skipped}
	}
	fail := func(err error) (listApplied, error) {
		for i := range out.Results {
			out.Results[i].Status, out.Results[i].Err = apply.Failed, err
		}
		out.Failed = err
		return out, nil
	}
	// Only the decision to send waits on the run's context: a stop before
	// the journal entry is opened sends nothing; the upload in flight and
	// its records complete on db.
	db := context.WithoutCancel(ctx)
	last, lastAt, err := e.lastAccepted(db, l)
	if err != nil {
		return fail(err)
	}
	res, err := e.buildList(l, src.members, src.rule, member.DateOf(e.clock.Now(), e.zone), built)
	if err != nil {
		return fail(err)
	}
	next, skipped := accesslist.NextList(res, last, items)
	stale := map[string]string{}
	for _, s := range skipped {
		stale[s.Item.ID] = s.Reason
	}
	now := e.clock.Now()
	// The reason's times are read in now's location: the site's zone, as
	// every time in history (the system clock may read UTC).
	send, why := accesslist.ShouldUpload(next, last, lastAt, e.inZone(now), l.List.MinInterval)
	if !send {
		waiting := 0
		for i := range out.Results {
			if r, ok := stale[out.Results[i].Item.ID]; ok {
				out.Results[i].Status, out.Results[i].Err = apply.Stale, errors.New(r)
				continue
			}
			out.Results[i].Err = fmt.Errorf("not uploaded yet: %s", why)
			waiting++
		}
		if waiting > 0 {
			out.Waiting = true
			e.observer().ListNote(name, fmt.Sprintf("%d change(s) to the %s access list wait: %s", waiting, label, why))
		}
		return out, nil
	}
	if ctx.Err() != nil {
		for i := range out.Results {
			if _, ok := stale[out.Results[i].Item.ID]; !ok {
				out.Results[i].Status, out.Results[i].Err = apply.Cancelled, listCancelled(ctx)
			}
		}
		return out, nil
	}
	k := l.keys()
	jid, err := e.store.OpenJournal(db, store.JournalEntry{RunID: runID, ItemID: "upload-" + next.Hash()[7:19],
		Target: name, Account: "access list", Want: now})
	if err != nil {
		return out, fmt.Errorf("journal the %s upload: %w", label, err)
	}
	// Sent again within the target's retry budget when it failed
	// retryably, unless the target says it may have the list already
	// (NTK after a timeout: target.ListTarget.Resendable).
	var accepted string
	var lost error
	tries, upErr := retries.Budget(name).Do(ctx, func() error {
		// Each attempt only while this run holds the lock.
		if lost = e.store.CheckLock(context.WithoutCancel(ctx)); lost != nil {
			return lost
		}
		var err error
		accepted, err = l.Target.Upload(db, next.Bytes())
		return err
	}, func(err error) backoff.Verdict {
		if lost != nil || !l.Target.Resendable(err) {
			return backoff.Stop
		}
		return apply.Classify(err)
	})
	if lost != nil {
		// The journal entry stays open: the next run sends the list again
		// if it differs from the last one the target accepted.
		return out, fmt.Errorf("upload the %s access list: %w", label, lost)
	}
	state, msg := store.JournalDone, ""
	if upErr != nil {
		state, msg = store.JournalFailed, upErr.Error()
	}
	if err := e.store.CloseJournal(db, jid, state, now, msg); err != nil {
		return out, fmt.Errorf("close the %s upload journal: %w", label, err)
	}
	if upErr != nil && ctx.Err() != nil && l.Target.Resendable(upErr) && apply.Classify(upErr) != backoff.Stop {
		// Refused for now, and not sent again because the run was
		// stopped: cancelled, not failed.
		for i := range out.Results {
			if _, ok := stale[out.Results[i].Item.ID]; !ok {
				out.Results[i].Status, out.Results[i].Attempts = apply.Cancelled, tries
				out.Results[i].Err = fmt.Errorf("not uploaded (%w); %w", upErr, apply.StopError(ctx, "not sent again: the run was stopped"))
			}
		}
		return out, nil
	}
	if upErr != nil {
		return fail(upErr)
	}
	for _, kv := range [][2]string{{k.accepted, string(next.Bytes())}, {k.acceptedAt, now.Format(time.RFC3339Nano)}, {k.file, accepted}} {
		if err := e.store.SetState(db, kv[0], kv[1]); err != nil {
			return out, fmt.Errorf("remember the list %s accepted (%s): %w", label, accepted, err)
		}
	}
	e.observer().ListNote(name, fmt.Sprintf("%s accepted the access list as %s (%d lines): %s", label, accepted, next.Len(), why))
	for i := range out.Results {
		if r, ok := stale[out.Results[i].Item.ID]; ok {
			out.Results[i].Status, out.Results[i].Err = apply.Stale, errors.New(r)
			continue
		}
		out.Results[i].Status, out.Results[i].Attempts = apply.Applied, tries
	}
	return out, nil
}

// listSource is what whole-list targets are built from when applying and
// the plan did not build them in this run.
type listSource struct {
	members []member.Member
	rule    member.Rule
}

// listSource is the members just fetched, or (a saved plan, the console)
// the stored snapshot, with the rule of the organisations that count.
func (e *Engine) listSource(ctx context.Context, members []member.Member, orgs []int) (listSource, error) {
	rule := e.rule
	if len(orgs) > 0 {
		rule.OrganisationIDs = orgs
	}
	if members != nil {
		return listSource{members, rule}, nil
	}
	ms, _, err := e.store.Members(ctx)
	if err != nil {
		return listSource{}, fmt.Errorf("members for the access list: %w", err)
	}
	if e.children {
		info, err := e.source.OrganisationInfo(ctx)
		if err != nil {
			return listSource{}, fmt.Errorf("organisation tree: %w", err)
		}
		rule.OrganisationIDs = cardskipper.Subtree(info, e.orgID)
	}
	return listSource{ms, rule}, nil
}
