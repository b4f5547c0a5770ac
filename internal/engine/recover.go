package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target"
)

// Recover finishes what a crashed or killed run left in the journal: each
// open entry's account is read back; if it holds the end being written the
// entry is closed as done, otherwise as failed ("interrupted"). Either way
// the plan of the run that follows sees the account as it really is and
// re-asserts the date if needed. An account whose target cannot be read now
// stays open for the next run.
func (e *Engine) Recover(ctx context.Context) error {
	return e.recover(ctx, e.startRetries())
}

// recover is Recover within a run's retry budgets.
func (e *Engine) recover(ctx context.Context, retries *apply.Retries) error {
	// The journal is read and closed whatever the stop; only the read-back
	// waits on the network, and a stop leaves its entries open.
	db := context.WithoutCancel(ctx)
	entries, err := e.store.OpenEntries(db)
	if err != nil {
		return fmt.Errorf("read open journal entries: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	e.observer().Recovering(len(entries))
	byTarget := map[string][]store.JournalEntry{}
	for _, en := range entries {
		byTarget[en.Target] = append(byTarget[en.Target], en)
	}
	done := 0
	items := map[int64][]store.ItemRecord{} // per interrupted run, read once
	held := e.heldErrs()
	for name, ens := range byTarget {
		if e.listTarget(name) != nil {
			// Whether a whole-list target received an interrupted upload
			// cannot be read back; the list is sent again whenever it
			// differs from the last one known to be accepted.
			for _, en := range ens {
				if err := e.store.CloseJournal(db, en.ID, store.JournalFailed, time.Time{}, "upload interrupted; the list is sent again when it differs from the last accepted one"); err != nil {
					return err
				}
			}
			continue
		}
		if herr := held[name]; herr != nil {
			// Reading back would contact a target held after rejected
			// credentials: the entries wait for the hold to end.
			e.warn(StageRecover, name, fmt.Errorf("%d interrupted writes stay open until the target is contacted again: %w", len(ens), herr))
			continue
		}
		t := e.targetByName(name)
		if t == nil {
			e.warn(StageRecover, name, fmt.Errorf("journal names target %s, which is no longer configured; %d entries stay open", name, len(ens)))
			continue
		}
		ids := make([]string, 0, len(ens))
		for _, en := range ens {
			ids = append(ids, en.Account)
		}
		var accs map[string]target.Account
		_, err := retries.Do(ctx, name, func() error {
			var err error
			accs, err = t.Lookup(ctx, ids)
			return err
		})
		if err != nil {
			e.warn(StageRecover, name, fmt.Errorf("read back %d interrupted writes: %w; they stay open for the next run", len(ens), err))
			continue
		}
		for _, en := range ens {
			if _, ok := items[en.RunID]; !ok {
				recs, err := e.store.Items(db, en.RunID)
				if err != nil {
					return fmt.Errorf("read items of interrupted run %d: %w", en.RunID, err)
				}
				items[en.RunID] = recs
			}
			if err := e.closeInterrupted(db, en, accs, items[en.RunID]); err != nil {
				return err
			}
			done++
			e.observer().Recovered(name, done, len(entries))
		}
	}
	return nil
}

func (e *Engine) closeInterrupted(ctx context.Context, en store.JournalEntry, accs map[string]target.Account, items []store.ItemRecord) error {
	acc, ok := accs[en.Account]
	state, msg, status := store.JournalDone, "", store.StatusApplied
	switch {
	case !ok:
		state, status, msg = store.JournalFailed, store.StatusFailed, "interrupted; the account is gone from the target"
	case acc.Permanent || !acc.End.Equal(en.Want):
		state, status, msg = store.JournalFailed, store.StatusFailed, "interrupted before the write was confirmed; the account was re-planned"
	}
	if err := e.store.CloseJournal(ctx, en.ID, state, acc.End, msg); err != nil {
		return fmt.Errorf("close interrupted journal entry %d: %w", en.ID, err)
	}
	for _, it := range items {
		if it.ItemID != en.ItemID {
			continue
		}
		it.Status, it.Error, it.After = status, msg, acc.End
		if err := e.store.UpdateItem(ctx, it); err != nil {
			return fmt.Errorf("update item %s of interrupted run %d: %w", it.ItemID, en.RunID, err)
		}
		if status == store.StatusApplied {
			if err := e.store.SetLastWritten(ctx, en.Target, en.Account, acc.End, en.RunID); err != nil {
				return err
			}
		}
	}
	return nil
}
