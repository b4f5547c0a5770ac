package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SetLastWritten records that run runID wrote end to account on targetName
// and the read-back confirmed it. A later plan that finds another end there
// reports drift (iVMS-4200 "Apply to Device" overwrote it). runID 0 records
// no run.
func (s *Store) SetLastWritten(ctx context.Context, targetName, account string, end time.Time, runID int64) error {
	what := fmt.Sprintf("set last written end of %s account %s", targetName, account)
	if err := s.writable(what); err != nil {
		return err
	}
	err := func() error {
		if targetName == "" || account == "" {
			return fmt.Errorf("target and account are required")
		}
		e, err := mustTime(end, "end")
		if err != nil {
			return err
		}
		now, err := mustTime(s.clk.Now(), "clock")
		if err != nil {
			return err
		}
		run := runRef(runID)
		return s.inTx(ctx, func(tx *sql.Tx) error {
			// What the sync last wrote belongs to the run holding the
			// database: a run that lost its lock must not overwrite it.
			if err := s.checkLockTx(ctx, tx); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO last_written (target, account, end_at, run_id, written_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (target, account) DO UPDATE SET end_at = excluded.end_at, run_id = excluded.run_id, written_at = excluded.written_at`,
				targetName, account, e, run, now)
			return err
		})
	}()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// LastWritten returns target → account → the end the sync last wrote
// (plan.Input.LastWritten).
func (s *Store) LastWritten(ctx context.Context) (map[string]map[string]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT target, account, end_at FROM last_written`)
	if err != nil {
		return nil, fmt.Errorf("store: last written ends: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]time.Time{}
	for rows.Next() {
		var tgt, acc, end string
		if err := rows.Scan(&tgt, &acc, &end); err != nil {
			return nil, fmt.Errorf("store: last written ends: %w", err)
		}
		t, err := parseTime(end)
		if err != nil {
			return nil, fmt.Errorf("store: last written end of %s account %s: %w", tgt, acc, err)
		}
		if out[tgt] == nil {
			out[tgt] = map[string]time.Time{}
		}
		out[tgt][acc] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: last written ends: %w", err)
	}
	return out, nil
}

// SetState stores a small named value (watch mode's last ChangedAt poll, …).
func (s *Store) SetState(ctx context.Context, key, value string) error {
	if err := s.writable(fmt.Sprintf("set state %q", key)); err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("store: set state: key is missing")
	}
	now, err := mustTime(s.clk.Now(), "clock")
	if err != nil {
		return fmt.Errorf("store: set state %q: %w", key, err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, now)
	if err != nil {
		return fmt.Errorf("store: set state %q: %w", key, err)
	}
	return nil
}

// State returns the value stored under key and whether there is one.
func (s *Store) State(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM state WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: read state %q: %w", key, err)
	}
	return v, true, nil
}

// DeleteState removes the value stored under key (nothing if there is none).
func (s *Store) DeleteState(ctx context.Context, key string) error {
	if err := s.writable(fmt.Sprintf("delete state %q", key)); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM state WHERE key = ?`, key); err != nil {
		return fmt.Errorf("store: delete state %q: %w", key, err)
	}
	return nil
}
