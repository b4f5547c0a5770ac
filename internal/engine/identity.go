package engine

import (
	"context"
	"fmt"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
)

// acceptIdentities records the resolutions of this run that the next one
// compares with (plan.Input.Previous). full is the snapshot the plan was
// made from in full (--auto, a watch pass): every resolution it shows that
// is not held is accepted, an unlinked account is recorded as seen with no
// member, and rows of accounts gone from a target read in full are dropped.
// An item held for its identity is accepted only once an operator approved
// it: applied it (a write), or approved it with nothing to write
// (acknowledged: accepted as shown; on an account a member's e-mail also
// finds, the e-mail is set aside there).
// A failure is reported, never fatal: the next run then compares with
// older resolutions and holds more, never less.
func (e *Engine) acceptIdentities(ctx context.Context, runID int64, p plan.Plan, full *Snapshot, results []apply.Result, approved map[string]bool) {
	if e.store == nil || e.store.ReadOnly() || !e.stillHolding(ctx, "remember who the accounts belong to") {
		return
	}
	byTarget := map[string][]identity.Resolution{}
	for _, r := range results {
		if r.Status == apply.Applied && r.Item.Identity != "" {
			byTarget[r.Item.Target] = append(byTarget[r.Item.Target], resolutionOf(r.Item))
		}
	}
	for _, it := range p.Items {
		if !acknowledged(it, approved) {
			continue
		}
		if it.Kind == plan.Unlinked {
			if err := e.store.IgnoreEmail(ctx, runID, it.Target, it.Account, it.Email); err != nil {
				e.warn(StagePlan, it.Target, fmt.Errorf("set the e-mail aside: %w", err))
			}
			continue
		}
		if it.MemberID != "" && it.Account != "" {
			byTarget[it.Target] = append(byTarget[it.Target], resolutionOf(it))
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
		if err := e.store.AcceptResolutions(ctx, runID, n, accounts[n], byTarget[n]); err != nil {
			e.warn(StagePlan, n, fmt.Errorf("remember who the accounts belong to: %w", err))
		}
	}
}

// acknowledged: an operator approved an identity change that writes
// nothing (in sync, unlinked, invalid): it is accepted as shown.
func acknowledged(it plan.Item, approved map[string]bool) bool {
	return approved[it.ID] && it.Identity != "" && !it.Kind.Writes() && it.Account != ""
}

func resolutionOf(it plan.Item) identity.Resolution {
	return identity.Resolution{Target: it.Target, Account: it.Account, MemberID: it.MemberID, Email: it.Email,
		Name: it.Name, AccountName: it.AccountName}
}

// recheck returns the check apply makes before writing an item of a plan
// made earlier (issue 10 §5): against the links and the accepted
// resolutions as stored now, and the account as re-read just before the
// write, the account must still belong to the item's member
// (identity.Owners.Recheck); otherwise the item is skipped as stale with
// whose the account is now. A hand-edited plan cannot write one member's
// dates to someone else's account.
func (e *Engine) recheck(ctx context.Context) (func(plan.Item, target.Account) error, error) {
	var links []identity.Link
	var accepted []identity.Resolution
	if e.store != nil {
		var err error
		if links, err = e.store.Links(ctx); err != nil {
			return nil, fmt.Errorf("read links to re-check the plan: %w", err)
		}
		if accepted, err = e.store.Resolutions(ctx); err != nil {
			return nil, fmt.Errorf("read accepted resolutions to re-check the plan: %w", err)
		}
	}
	owners := identity.NewOwners(links, accepted)
	if e.store != nil {
		// The members of the last export: an item of a member not among
		// them is nobody's; an account of one still among them is never
		// handed to another. No snapshot: not checked.
		if members, _, err := e.store.Members(ctx); err == nil {
			byID := make(map[string]member.Email, len(members))
			for _, m := range members {
				byID[m.ID] = m.Email
			}
			owners.WithMembers(byID)
		}
		// The accounts each target held when last read (the console's
		// refresh and plan save them): an account the member had that is
		// gone is not "their account here".
		present := map[string]map[string]bool{}
		for _, t := range e.active() {
			name := t.Info().Name
			if accs, _, err := e.store.Accounts(ctx, name); err == nil {
				ids := make(map[string]bool, len(accs))
				for _, a := range accs {
					ids[a.ID] = true
				}
				present[name] = ids
			}
		}
		owners.WithAccounts(present)
	}
	return func(it plan.Item, acc target.Account) error {
		return owners.Recheck(claimOf(it), acc.Email)
	}, nil
}

// claimOf is what an item says about whose its account is. An e-mail
// edited into a plan file by hand is normalised as the planner's are; one
// that cannot be is kept as written (and then ties to nothing).
func claimOf(it plan.Item) identity.Claim {
	email := it.Email
	if n, err := member.NormalizeEmail(string(email)); err == nil {
		email = n
	}
	was := it.EmailWas
	if n, err := member.NormalizeEmail(string(was)); err == nil {
		was = n
	}
	return identity.Claim{Target: it.Target, Account: it.Account, MemberID: it.MemberID, Email: email, EmailWas: was,
		Name: it.Name, IdentityChange: it.Identity != "", WasMember: it.WasMember}
}
