package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/backoff"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/source/cardskipper"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target/ntk"
)

// NTK is the NTK access-list target: a whole list of cards and zones pushed
// over HTTPS, planned against the last list NTK accepted (kept in the
// database), not against accounts read from the system (it has no read API).
type NTK struct {
	Config config.NTK
	Client *ntk.Client
	// Held, when set, keeps NTK out of this run: nothing is uploaded, the
	// plan's NTK summary carries Held as its error (a failed target),
	// and NTK items of a saved plan are skipped with it. The caller sets it
	// for credentials NTK rejected in an earlier run: every upload would be
	// one more failed login.
	Held error
}

// State keys of the NTK target in the database.
func ntkKeys(name string) (list, at, file string) {
	return "ntk." + name + ".accepted", "ntk." + name + ".accepted_at", "ntk." + name + ".file"
}

// ntkLast is the last list NTK accepted and when (zero time: never).
func (e *Engine) ntkLast(ctx context.Context) (ntk.List, time.Time, error) {
	kList, kAt, _ := ntkKeys(e.NTK.Config.Name)
	raw, ok, err := e.Store.State(ctx, kList)
	if err != nil || !ok {
		return ntk.List{}, time.Time{}, err
	}
	list, err := ntk.ParseList([]byte(raw))
	if err != nil {
		return ntk.List{}, time.Time{}, fmt.Errorf("ntk %s: the stored last accepted list is damaged: %w", e.NTK.Config.Name, err)
	}
	var at time.Time
	if v, ok, err := e.Store.State(ctx, kAt); err == nil && ok {
		at, _ = time.Parse(time.RFC3339Nano, v)
	}
	return list, at, nil
}

// planNTK builds the access list from the members and diffs it against the
// last accepted list. A failure makes NTK a failed target of the plan.
func (e *Engine) planNTK(ctx context.Context, members []member.Member, rule member.Rule, today member.Date) ([]plan.Item, plan.TargetSummary, ntk.Result, error) {
	sum := plan.TargetSummary{Name: e.NTK.Config.Name, System: ntk.System}
	last, _, err := e.ntkLast(ctx)
	if err != nil {
		sum.Error = err.Error()
		return nil, sum, ntk.Result{}, err
	}
	sum.Accounts = last.Len()
	res, err := ntk.Build(members, e.NTK.Config, rule, today)
	if err != nil {
		err = fmt.Errorf("ntk %s: build the access list: %w", e.NTK.Config.Name, err)
		sum.Error = err.Error()
		return nil, sum, ntk.Result{}, err
	}
	items := ntk.Diff(res, last, e.NTK.Config.Name, e.Policy.Auto)
	for i := range items {
		withListEnd(&items[i], today, e.Zone)
	}
	return items, sum, res, nil
}

// withListEnd gives an NTK write item the end it stands for: a card on the
// list opens NTK's doors until the member's end; a revoked card's access
// ended yesterday. The list itself carries no dates; plans, saved plans and
// reports need one for every write.
func withListEnd(it *plan.Item, today member.Date, zone *time.Location) {
	if !it.Kind.Writes() || !it.DesiredEnd.IsZero() {
		return
	}
	end := today.AddDays(-1)
	if it.Kind != plan.Revoke && !it.SourceEnd.IsZero() {
		end = it.SourceEnd
	}
	it.DesiredEnd = plan.LocalTime{Time: end.EndOfDay(zone)}
}

// applyNTK uploads the access list with the approved NTK items applied,
// when it differs from the accepted one and the minimum interval has
// passed. One journal entry covers the upload. Items waiting for the
// interval are returned as Skipped with waiting set. failed is why NTK did
// not get the list it should have got (the items fail with it too; with
// no items, a daily refresh, it is all the caller learns).
func (e *Engine) applyNTK(ctx context.Context, runID int64, items []plan.Item, members []member.Member, rule member.Rule, today member.Date, retries *apply.Retries) (results []apply.Result, waiting int, failed error, err error) {
	results = make([]apply.Result, len(items))
	for i, it := range items {
		results[i] = apply.Result{Item: it, Status: apply.Skipped}
	}
	fail := func(err error) ([]apply.Result, int, error, error) {
		for i := range results {
			results[i].Status, results[i].Err = apply.Failed, err
		}
		return results, 0, err, nil
	}
	last, lastAt, err := e.ntkLast(ctx)
	if err != nil {
		return fail(err)
	}
	res, err := ntk.Build(members, e.NTK.Config, rule, today)
	if err != nil {
		return fail(fmt.Errorf("ntk %s: build the access list: %w", e.NTK.Config.Name, err))
	}
	next, skipped := ntk.NextList(res, last, e.NTK.Config.Name, items)
	stale := map[string]string{}
	for _, s := range skipped {
		stale[s.Item.ID] = s.Reason
	}
	now := e.Clock.Now()
	send, why := ntk.ShouldUpload(next, last, lastAt, now, e.NTK.Config.MinInterval)
	if !send {
		waiting := 0
		for i := range results {
			if r, ok := stale[results[i].Item.ID]; ok {
				results[i].Status, results[i].Err = apply.Stale, errors.New(r)
				continue
			}
			results[i].Err = fmt.Errorf("not uploaded yet: %s", why)
			waiting++
		}
		if waiting > 0 {
			e.observer().ListNote(e.NTK.Config.Name, fmt.Sprintf("%d change(s) to the NTK access list wait: %s", waiting, why))
		}
		return results, waiting, nil, nil
	}
	kList, kAt, kFile := ntkKeys(e.NTK.Config.Name)
	jid, err := e.Store.OpenJournal(ctx, store.JournalEntry{RunID: runID, ItemID: "upload-" + next.Hash()[7:19],
		Target: e.NTK.Config.Name, Account: "access list", Want: now})
	if err != nil {
		return results, 0, nil, fmt.Errorf("journal the NTK upload: %w", err)
	}
	// Sent again within NTK's retry budget when it failed retryably, except
	// after a timeout: NTK may have the list (ntk.Resendable).
	var name string
	var lost error
	tries, upErr := retries.Budget(e.NTK.Config.Name).Do(ctx, func() error {
		// Each attempt only while this run holds the lock.
		if lost = e.Store.CheckLock(context.WithoutCancel(ctx)); lost != nil {
			return lost
		}
		var err error
		name, err = e.NTK.Client.Upload(ctx, next)
		return err
	}, func(err error) backoff.Verdict {
		if lost != nil {
			return backoff.Stop
		}
		if !ntk.Resendable(err) {
			return backoff.Stop
		}
		return apply.Classify(err)
	})
	if lost != nil {
		// The journal entry stays open: the next run sends the list again
		// if it differs from the last one NTK accepted.
		return results, 0, nil, fmt.Errorf("upload the NTK access list: %w", lost)
	}
	state, msg := store.JournalDone, ""
	if upErr != nil {
		state, msg = store.JournalFailed, upErr.Error()
	}
	if err := e.Store.CloseJournal(ctx, jid, state, now, msg); err != nil {
		return results, 0, nil, fmt.Errorf("close the NTK upload journal: %w", err)
	}
	if upErr != nil {
		return fail(upErr)
	}
	for _, kv := range [][2]string{{kList, string(next.Bytes())}, {kAt, now.Format(time.RFC3339Nano)}, {kFile, name}} {
		if err := e.Store.SetState(ctx, kv[0], kv[1]); err != nil {
			return results, 0, nil, fmt.Errorf("remember the list NTK accepted (%s): %w", name, err)
		}
	}
	e.observer().ListNote(e.NTK.Config.Name, fmt.Sprintf("NTK accepted the access list as %s (%d lines): %s", name, next.Len(), why))
	for i := range results {
		if r, ok := stale[results[i].Item.ID]; ok {
			results[i].Status, results[i].Err = apply.Stale, errors.New(r)
			continue
		}
		results[i].Status, results[i].Attempts = apply.Applied, tries
	}
	return results, 0, nil, nil
}

// ntkSource is what the access list is built from when applying: the
// members just fetched, or (a saved plan, the console) the stored snapshot.
func (e *Engine) ntkSource(ctx context.Context, members []member.Member, orgs []int) ([]member.Member, member.Rule, error) {
	rule := e.Rule
	if len(orgs) > 0 {
		rule.OrganisationIDs = orgs
	}
	if members != nil {
		return members, rule, nil
	}
	ms, _, err := e.Store.Members(ctx)
	if err != nil {
		return nil, rule, fmt.Errorf("ntk %s: members for the access list: %w", e.NTK.Config.Name, err)
	}
	if e.ChildOrganisations {
		info, err := e.Source.OrganisationInfo(ctx)
		if err != nil {
			return nil, rule, fmt.Errorf("ntk %s: organisation tree: %w", e.NTK.Config.Name, err)
		}
		rule.OrganisationIDs = cardskipper.Subtree(info, e.OrganisationID)
	}
	return ms, rule, nil
}
