package engine

import (
	"context"
	"fmt"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/plan"
)

// acceptIdentities records the resolutions of this run that the next one
// compares with (plan.Input.Previous). full is the snapshot the plan was
// made from in full (--auto, a watch pass): every resolution it shows that
// is not held is accepted, an unlinked account is recorded as seen with no
// member, and rows of accounts gone from a target read in full are dropped. An item
// held for its identity is accepted only once an operator applied it.
// A failure is reported, never fatal: the next run then compares with
// older resolutions and holds more, never less.
func (e *Engine) acceptIdentities(ctx context.Context, runID int64, p plan.Plan, full *Snapshot, results []apply.Result) {
	if e.Store == nil || e.Store.ReadOnly() {
		return
	}
	byTarget := map[string][]identity.Resolution{}
	for _, r := range results {
		if r.Status == apply.Applied && r.Item.Identity != "" {
			byTarget[r.Item.Target] = append(byTarget[r.Item.Target], resolutionOf(r.Item))
		}
	}
	accounts := map[string][]string{}
	if full != nil && full.SourceErr == nil && len(full.Members) > 0 && p.Source.Error == "" {
		for _, ts := range full.Targets {
			if ts.Err != nil {
				continue
			}
			ids := make([]string, len(ts.Accounts))
			for i, a := range ts.Accounts {
				ids[i] = a.ID
			}
			accounts[ts.Info.Name] = ids
		}
		for _, it := range p.Items {
			if _, read := accounts[it.Target]; !read || it.Identity != "" || it.Account == "" {
				continue
			}
			if it.Kind == plan.Unlinked {
				// Seen with no member: recorded as such, never clearing
				// the member an earlier run accepted.
				byTarget[it.Target] = append(byTarget[it.Target], identity.Resolution{Target: it.Target, Account: it.Account, AccountName: it.AccountName})
				continue
			}
			if it.MemberID == "" {
				continue
			}
			switch it.Kind {
			case plan.Ambiguous, plan.Missing:
				continue
			}
			byTarget[it.Target] = append(byTarget[it.Target], resolutionOf(it))
		}
	}
	names := map[string]bool{}
	for n := range accounts {
		names[n] = true
	}
	for n := range byTarget {
		names[n] = true
	}
	for n := range names {
		if err := e.Store.AcceptResolutions(ctx, runID, n, accounts[n], byTarget[n]); err != nil {
			e.emit(Event{Phase: "plan", Target: n, Err: fmt.Errorf("remember who the accounts belong to: %w", err)})
		}
	}
}

func resolutionOf(it plan.Item) identity.Resolution {
	return identity.Resolution{Target: it.Target, Account: it.Account, MemberID: it.MemberID, Email: it.Email,
		Name: it.Name, AccountName: it.AccountName}
}
