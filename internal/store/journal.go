package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Journal states.
const (
	JournalOpen   = "open"   // written before the write was sent; outcome unknown
	JournalDone   = "done"   // the read-back confirmed the write
	JournalFailed = "failed" // the write was refused or the read-back disagreed
)

// JournalEntry announces one write to one account. It is opened before the
// write is sent and closed after the read-back; an entry still open when a
// run starts is what a crashed run left, and that run's successor reads the
// account back and closes it.
type JournalEntry struct {
	ID       int64
	RunID    int64
	ItemID   string
	Target   string
	Account  string
	Before   time.Time // the account's end before the write (zero if none)
	Want     time.Time // the end being written
	State    string
	ReadBack time.Time // what the read-back found
	Error    string
	OpenedAt time.Time
	ClosedAt time.Time
}

// OpenJournal records e (state open, OpenedAt defaulting to the clock's
// now) and returns its id. It returns only once the entry is durable.
func (s *Store) OpenJournal(ctx context.Context, e JournalEntry) (int64, error) {
	what := fmt.Sprintf("open journal for run %d item %q (%s account %s)", e.RunID, e.ItemID, e.Target, e.Account)
	if err := s.writable(what); err != nil {
		return 0, err
	}
	if e.OpenedAt.IsZero() {
		e.OpenedAt = s.clk.Now()
	}
	id, err := func() (int64, error) {
		if e.ItemID == "" || e.Target == "" || e.Account == "" {
			return 0, fmt.Errorf("item id, target and account are required")
		}
		before, err := encTime(e.Before)
		if err != nil {
			return 0, fmt.Errorf("before: %w", err)
		}
		want, err := mustTime(e.Want, "wanted end")
		if err != nil {
			return 0, err
		}
		opened, err := mustTime(e.OpenedAt, "open time")
		if err != nil {
			return 0, err
		}
		var id int64
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			// Nothing is journalled, and so nothing sent, by a run that
			// no longer holds the lock: the check and the insert are one
			// transaction.
			if err := s.checkLockTx(ctx, tx); err != nil {
				return err
			}
			var exists int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM runs WHERE id = ?`, e.RunID).Scan(&exists); err != nil {
				return err
			}
			if exists == 0 {
				return fmt.Errorf("run %d: %w", e.RunID, ErrNotFound)
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO journal (run_id, item_id, target, account, before_end, want_end, state, opened_at)
				VALUES (?, ?, ?, ?, ?, ?, 'open', ?)`, e.RunID, e.ItemID, e.Target, e.Account, before, want, opened)
			if err != nil {
				return err
			}
			id, err = res.LastInsertId()
			return err
		})
		return id, err
	}()
	if err != nil {
		return 0, fmt.Errorf("store: %s: %w", what, err)
	}
	return id, nil
}

// CloseJournal completes entry id with state done or failed, the end the
// read-back found (zero if none) and the error message (empty if none).
// Closing an entry that is not open is an error: the first outcome stands.
func (s *Store) CloseJournal(ctx context.Context, id int64, state string, readBack time.Time, errMsg string) error {
	what := fmt.Sprintf("close journal entry %d as %s", id, state)
	if err := s.writable(what); err != nil {
		return err
	}
	err := func() error {
		if state != JournalDone && state != JournalFailed {
			return fmt.Errorf("state must be %q or %q", JournalDone, JournalFailed)
		}
		rb, err := encTime(readBack)
		if err != nil {
			return fmt.Errorf("read-back: %w", err)
		}
		closed, err := mustTime(s.clk.Now(), "clock")
		if err != nil {
			return err
		}
		return s.inTx(ctx, func(tx *sql.Tx) error {
			// A run that lost its lock leaves its entries open: the run
			// that holds the database now reads them back (and may be
			// doing so right now).
			if err := s.checkLockTx(ctx, tx); err != nil {
				return err
			}
			var cur string
			err := tx.QueryRowContext(ctx, `SELECT state FROM journal WHERE id = ?`, id).Scan(&cur)
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			if err != nil {
				return err
			}
			if cur != JournalOpen {
				return fmt.Errorf("already closed as %s", cur)
			}
			_, err = tx.ExecContext(ctx, `UPDATE journal SET state = ?, read_back = ?, error = ?, closed_at = ? WHERE id = ?`,
				state, rb, errMsg, closed, id)
			return err
		})
	}()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

const journalColumns = `id, run_id, item_id, target, account, before_end, want_end, state, read_back, error, opened_at, closed_at`

// OpenEntries returns the journal entries still open, oldest first: writes
// whose outcome nobody recorded because the run crashed or was killed.
func (s *Store) OpenEntries(ctx context.Context) ([]JournalEntry, error) {
	out, err := s.queryJournal(ctx, `SELECT `+journalColumns+` FROM journal WHERE state = 'open' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: open journal entries: %w", err)
	}
	return out, nil
}

// Journal returns the journal entries of one run, oldest first.
func (s *Store) Journal(ctx context.Context, runID int64) ([]JournalEntry, error) {
	out, err := s.queryJournal(ctx, `SELECT `+journalColumns+` FROM journal WHERE run_id = ? ORDER BY id`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: journal of run %d: %w", runID, err)
	}
	return out, nil
}

func (s *Store) queryJournal(ctx context.Context, query string, args ...any) ([]JournalEntry, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []JournalEntry
	for rows.Next() {
		var e JournalEntry
		var before, readBack, closed sql.NullString
		var want, opened string
		if err := rows.Scan(&e.ID, &e.RunID, &e.ItemID, &e.Target, &e.Account, &before, &want, &e.State,
			&readBack, &e.Error, &opened, &closed); err != nil {
			return nil, err
		}
		err := decodeTimes(timeCol{"before_end", before, &e.Before},
			timeCol{"want_end", sql.NullString{String: want, Valid: true}, &e.Want},
			timeCol{"read_back", readBack, &e.ReadBack},
			timeCol{"opened_at", sql.NullString{String: opened, Valid: true}, &e.OpenedAt},
			timeCol{"closed_at", closed, &e.ClosedAt})
		if err != nil {
			return nil, fmt.Errorf("journal entry %d (%s account %s): %w", e.ID, e.Target, e.Account, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
