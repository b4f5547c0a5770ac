package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Outcomes the store itself writes. The CLI chooses the others ("done",
// "failed", "partial", "held", …) from its exit codes.
const (
	// OutcomeRunning: started, not finished yet.
	OutcomeRunning = "running"
	// OutcomeAbandoned: the run's process died or went silent and a later
	// run took over its lock; its journal may hold open entries.
	OutcomeAbandoned = "abandoned"
)

// Run is one invocation of doorsync that records history: who ran it, how
// (mode: "auto", "console", "apply", "watch", "plan", …), when, and what came
// of it.
type Run struct {
	ID           int64
	Mode         string
	User, Host   string
	StartedAt    time.Time
	FinishedAt   time.Time // zero while running (and for abandoned runs)
	Outcome      string
	ExitCode     int
	Members      int            // members the source returned
	Counts       map[string]int // e.g. items per kind and per status
	GuardTripped bool
	GuardReason  string
	Error        string
}

// StartRun records the start of a run and returns its id. StartedAt defaults
// to the clock's now; Outcome is always OutcomeRunning. If this store holds
// the run lock, the lock row remembers the run, so that a run taking over
// the lock after a crash can mark this one abandoned.
func (s *Store) StartRun(ctx context.Context, r Run) (int64, error) {
	if err := s.writable("start run"); err != nil {
		return 0, err
	}
	if r.Mode == "" {
		return 0, fmt.Errorf("store: start run: mode is missing")
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = s.clk.Now()
	}
	started, err := mustTime(r.StartedAt, "start time")
	if err != nil {
		return 0, fmt.Errorf("store: start %s run: %w", r.Mode, err)
	}
	counts, err := encCounts(r.Counts)
	if err != nil {
		return 0, fmt.Errorf("store: start %s run: %w", r.Mode, err)
	}
	token := s.lockToken()
	var id int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO runs (mode, user, host, started_at, outcome, members, counts)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, r.Mode, r.User, r.Host, started, OutcomeRunning, r.Members, counts)
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if token != "" {
			_, err = tx.ExecContext(ctx, `UPDATE run_lock SET run_id = ? WHERE id = 1 AND token = ?`, id, token)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: start %s run: %w", r.Mode, err)
	}
	return id, nil
}

// FinishRun records how run r.ID ended: Outcome (required), ExitCode,
// Members, Counts, the guard and Error. FinishedAt defaults to the clock's
// now. Mode, user, host and start are not changed. A run can be finished
// once.
func (s *Store) FinishRun(ctx context.Context, r Run) error {
	if err := s.writable(fmt.Sprintf("finish run %d", r.ID)); err != nil {
		return err
	}
	if r.Outcome == "" || r.Outcome == OutcomeRunning {
		return fmt.Errorf("store: finish run %d: outcome %q is not a final outcome", r.ID, r.Outcome)
	}
	if r.FinishedAt.IsZero() {
		r.FinishedAt = s.clk.Now()
	}
	finished, err := mustTime(r.FinishedAt, "finish time")
	if err != nil {
		return fmt.Errorf("store: finish run %d: %w", r.ID, err)
	}
	counts, err := encCounts(r.Counts)
	if err != nil {
		return fmt.Errorf("store: finish run %d: %w", r.ID, err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var outcome string
		var fin sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT outcome, finished_at FROM runs WHERE id = ?`, r.ID).Scan(&outcome, &fin)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if fin.Valid {
			return fmt.Errorf("already finished at %s with outcome %q", fin.String, outcome)
		}
		_, err = tx.ExecContext(ctx, `UPDATE runs SET finished_at = ?, outcome = ?, exit_code = ?, members = ?, counts = ?,
			guard_tripped = ?, guard_reason = ?, error = ? WHERE id = ?`,
			finished, r.Outcome, r.ExitCode, r.Members, counts, r.GuardTripped, r.GuardReason, r.Error, r.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: finish run %d: %w", r.ID, err)
	}
	return nil
}

const runColumns = `id, mode, user, host, started_at, finished_at, outcome, exit_code, members, counts, guard_tripped, guard_reason, error`

// Runs returns the newest runs first; limit ≤ 0 returns all of them.
func (s *Store) Runs(ctx context.Context, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+runColumns+` FROM runs ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list runs: %w", err)
	}
	return out, nil
}

// Run returns one run; an unknown id gives an error matching ErrNotFound.
func (s *Store) Run(ctx context.Context, id int64) (Run, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("store: run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("store: read run %d: %w", id, err)
	}
	return r, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanRun(sc scanner) (Run, error) {
	var r Run
	var started string
	var finished sql.NullString
	var counts string
	if err := sc.Scan(&r.ID, &r.Mode, &r.User, &r.Host, &started, &finished, &r.Outcome, &r.ExitCode,
		&r.Members, &counts, &r.GuardTripped, &r.GuardReason, &r.Error); err != nil {
		return Run{}, err
	}
	err := decodeTimes(
		timeCol{"started_at", sql.NullString{String: started, Valid: true}, &r.StartedAt},
		timeCol{"finished_at", finished, &r.FinishedAt})
	if err != nil {
		return Run{}, fmt.Errorf("run %d: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(counts), &r.Counts); err != nil {
		return Run{}, fmt.Errorf("run %d: counts %.40q: %w", r.ID, counts, err)
	}
	if len(r.Counts) == 0 {
		r.Counts = nil // "{}" is how no counts are stored
	}
	return r, nil
}

func encCounts(c map[string]int) (string, error) {
	if len(c) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("counts: %w", err)
	}
	return string(b), nil
}
