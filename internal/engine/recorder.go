package engine

import (
	"context"
	"fmt"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/store"
)

// recorder journals and records apply results in the store.
type recorder struct {
	st         *store.Store
	approvedBy string
}

func (r recorder) OpenIntent(ctx context.Context, in apply.Intent) (int64, error) {
	return r.st.OpenJournal(ctx, store.JournalEntry{RunID: in.RunID, ItemID: in.ItemID, Target: in.Target,
		Account: in.Account, Before: in.Before, Want: in.Want})
}

func (r recorder) CloseIntent(ctx context.Context, id int64, res apply.Result) error {
	state, msg := store.JournalDone, ""
	if res.Status != apply.Applied {
		state = store.JournalFailed
		if res.Err != nil {
			msg = res.Err.Error()
		}
	}
	return r.st.CloseJournal(ctx, id, state, res.After, msg)
}

func (r recorder) Record(ctx context.Context, runID int64, res apply.Result) error {
	rec := store.ItemFromPlan(runID, res.Item, itemStatus(res.Status))
	rec.Attempts = res.Attempts
	rec.After = res.After
	if !res.Before.IsZero() {
		rec.Before = res.Before
	}
	rec.ApprovedBy = r.approvedBy
	if res.Err != nil {
		rec.Error = res.Err.Error()
	}
	if err := r.st.UpdateItem(ctx, rec); err != nil {
		return err
	}
	if res.Status == apply.Applied && !res.After.IsZero() {
		if err := r.st.SetLastWritten(ctx, res.Item.Target, res.Item.Account, res.After, runID); err != nil {
			return fmt.Errorf("remember the end written to %s account %s: %w", res.Item.Target, res.Item.Account, err)
		}
	}
	return nil
}

func itemStatus(s apply.Status) store.ItemStatus {
	switch s {
	case apply.Applied:
		return store.StatusApplied
	case apply.Failed:
		return store.StatusFailed
	case apply.Stale:
		return store.StatusStale
	case apply.Cancelled:
		return store.StatusCancelled
	}
	return store.StatusSkipped
}
