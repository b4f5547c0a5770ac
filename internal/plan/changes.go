package plan

import "slices"

// What changed since the last run: the items of a plan compared with what
// past runs recorded of them. Pure: the records and the reference run are
// chosen and read by the caller (internal/service/changes.go says which).

// Record is what a past run recorded of one item, as far as the comparison
// needs it (the store's statuses translated by the caller).
type Record struct {
	// Resolved: the item was written and read back (applied): a mismatch
	// with the same id seen again is a new one.
	Resolved bool
	// Failed: the item was tried and not written (failed, or skipped
	// after an error).
	Failed bool
	// Cancelled: the item was approved and not sent, because the operator
	// stopped the apply.
	Cancelled bool
	Identity  string
	Drift     bool
}

// ChangeWhy is why an item counts as changed; an item has one, the first
// that holds in this order.
type ChangeWhy int

const (
	// ChangeIdentity: an identity change held (plan.Item.Identity) that
	// the runs up to the reference run did not record as such.
	ChangeIdentity ChangeWhy = iota
	// ChangeFailed: the latest record of the item, by any run, failed:
	// it is still to do.
	ChangeFailed
	// ChangeCancelled: the latest record of the item, by any run, was
	// cancelled (a stopped apply): it is still to do.
	ChangeCancelled
	// ChangeDrift: the account's end changed since doorsync wrote it,
	// not recorded as drift by the runs up to the reference run.
	ChangeDrift
	// ChangeNew: a mismatch the runs up to the reference run did not
	// record (or recorded as applied: it came back).
	ChangeNew
)

// Change is one item of the plan that changed since the reference run.
type Change struct {
	ItemID string
	Why    ChangeWhy
}

// ChangesInput is what Changes compares.
type ChangesInput struct {
	Items []Item
	// Known is the latest record of each item id among the runs up to and
	// including the reference run; Latest among every run since (both
	// within the caller's window).
	Known, Latest map[string]Record
	// Since is the latest record of each item id among the runs after the
	// reference run only (DriftRepaired).
	Since map[string]Record
}

// Changes lists the items of in.Items that changed since the reference
// run, in plan order. An item in sync with no identity change never
// counts. Known holds every run up to the reference run, not only the
// reference run's own records: an incremental pass or an operator's apply
// records only the members it touched or the items approved, so an item
// recorded by an earlier run is not new for being absent from the last.
func Changes(in ChangesInput) []Change {
	var out []Change
	for i := range in.Items {
		it := &in.Items[i]
		if it.Kind == InSync && it.Identity == "" {
			continue
		}
		known, wasKnown := in.Known[it.ID]
		latest, recorded := in.Latest[it.ID]
		// Known and still to do: recorded by the runs up to the reference
		// run and not applied since (an item applied and back is new).
		pending := wasKnown && !known.Resolved && !(recorded && latest.Resolved)
		var why ChangeWhy
		switch {
		case it.Identity != "" && (!pending || known.Identity != it.Identity):
			why = ChangeIdentity
		case it.Kind.Writes() && recorded && latest.Failed:
			why = ChangeFailed
		case it.Kind.Writes() && recorded && latest.Cancelled:
			why = ChangeCancelled
		case it.Drift && (!pending || !known.Drift):
			why = ChangeDrift
		case !pending && it.Kind != InSync:
			why = ChangeNew
		default:
			continue
		}
		out = append(out, Change{ItemID: it.ID, Why: why})
	}
	return out
}

// DriftRepaired lists the ids of the items that a run after the reference
// run found drifted and wrote back (newest record since: applied, with
// drift), and that the plan does not hold needing attention again (those
// Changes tells), sorted. They are gone from what the plan shows: a run
// that repaired drift unattended would otherwise leave no trace of it.
func DriftRepaired(in ChangesInput) []string {
	attention := make(map[string]bool, len(in.Items))
	for i := range in.Items {
		if it := &in.Items[i]; it.Kind != InSync || it.Identity != "" {
			attention[it.ID] = true
		}
	}
	var out []string
	for id, r := range in.Since {
		if r.Resolved && r.Drift && !attention[id] {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
