package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

// ItemStatus is where an item of a run stands.
type ItemStatus string

const (
	StatusPlanned ItemStatus = "planned" // will be applied in this run
	StatusHeld    ItemStatus = "held"    // awaits approval (policy or guard)
	StatusApplied ItemStatus = "applied" // written and confirmed by read-back
	StatusFailed  ItemStatus = "failed"  // refused, or read-back disagreed
	StatusStale   ItemStatus = "stale"   // the account changed since planning: not written
	StatusSkipped ItemStatus = "skipped" // not attempted (target stopped, lock lost)
	// StatusCancelled: not sent, because the operator stopped the run.
	StatusCancelled ItemStatus = "cancelled"
	// StatusReported: a kind the sync never writes (missing, unlinked,
	// no_email, invalid), recorded so the history shows what was reported.
	StatusReported ItemStatus = "reported"
)

// Valid reports whether st is a known status.
func (st ItemStatus) Valid() bool {
	switch st {
	case StatusPlanned, StatusHeld, StatusApplied, StatusFailed, StatusStale, StatusSkipped, StatusCancelled, StatusReported:
		return true
	}
	return false
}

// ItemRecord is one plan item a run acted on or held. Items of kind in_sync
// are not stored: the run's Counts say how many there were.
type ItemRecord struct {
	RunID    int64
	ItemID   string
	Kind     plan.Kind
	Email    member.Email
	MemberID string
	Name     string
	Target   string
	System   string
	Account  string
	// SourceEnd is the member's end date in Cardskipper.
	SourceEnd member.Date
	// Before is the account's end when the run read it; After what the
	// read-back found; Desired what the plan wanted.
	Before, After, Desired time.Time
	Status                 ItemStatus
	Attempts               int
	Error                  string
	ApprovedBy             string
	Reason                 string
	Drift                  bool
	// Identity: the identity change that holds the item; EmailWas: the
	// member's e-mail at the last run, changed since under the same
	// resolution (plan.Item).
	Identity  string
	EmailWas  member.Email
	UpdatedAt time.Time // set by the store
}

// ItemFromPlan makes the record of a plan item for run runID.
func ItemFromPlan(runID int64, it plan.Item, status ItemStatus) ItemRecord {
	return ItemRecord{
		RunID: runID, ItemID: it.ID, Kind: it.Kind, Email: it.Email, MemberID: it.MemberID, Name: it.Name,
		Target: it.Target, System: it.System, Account: it.Account, SourceEnd: it.SourceEnd,
		Before: it.CurrentEnd.Time, Desired: it.DesiredEnd.Time, Status: status, Reason: it.Reason, Drift: it.Drift,
		Identity: it.Identity, EmailWas: it.EmailWas,
	}
}

// label names the item in errors.
func (r ItemRecord) label() string {
	l := fmt.Sprintf("item %q", r.ItemID)
	if r.Email != "" {
		l += " <" + string(r.Email) + ">"
	}
	if r.Target != "" || r.Account != "" {
		l += fmt.Sprintf(" on %s account %s", r.Target, r.Account)
	}
	return l
}

// itemArgs validates r and returns its column values in insertColumns order.
func itemArgs(r ItemRecord, now any) ([]any, error) {
	if r.ItemID == "" {
		return nil, fmt.Errorf("item id is missing")
	}
	if !r.Kind.Valid() {
		return nil, fmt.Errorf("unknown kind %q", r.Kind)
	}
	if r.Kind == plan.InSync && r.Identity == "" && r.EmailWas == "" {
		return nil, fmt.Errorf("kind in_sync is counted, not stored (unless its identity or e-mail changed)")
	}
	if !r.Status.Valid() {
		return nil, fmt.Errorf("unknown status %q", r.Status)
	}
	if r.Attempts < 0 {
		return nil, fmt.Errorf("negative attempts %d", r.Attempts)
	}
	var times [3]any
	for i, t := range []struct {
		name string
		v    time.Time
	}{{"before", r.Before}, {"after", r.After}, {"desired", r.Desired}} {
		v, err := encTime(t.v)
		if err != nil {
			return nil, fmt.Errorf("%s end: %w", t.name, err)
		}
		times[i] = v
	}
	return []any{r.RunID, r.ItemID, string(r.Kind), string(r.Email), r.MemberID, r.Name, r.Target, r.System, r.Account,
		r.SourceEnd.String(), times[0], times[1], times[2], string(r.Status), r.Attempts, r.Error, r.ApprovedBy,
		r.Reason, r.Drift, r.Identity, string(r.EmailWas), now}, nil
}

const itemColumns = `run_id, item_id, kind, email, member_id, name, target, system, account, source_end,
	before_end, after_end, desired_end, status, attempts, error, approved_by, reason, drift, identity, email_was, updated_at`

// AddItems stores the items of run runID in one transaction: all of them or,
// on any error (which names the item), none. Each record's RunID is ignored
// in favour of runID.
func (s *Store) AddItems(ctx context.Context, runID int64, items []ItemRecord) error {
	if err := s.writable(fmt.Sprintf("add items to run %d", runID)); err != nil {
		return err
	}
	now, err := mustTime(s.clk.Now(), "clock")
	if err != nil {
		return fmt.Errorf("store: add %d items to run %d: %w", len(items), runID, err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM runs WHERE id = ?`, runID).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return fmt.Errorf("run %d: %w", runID, ErrNotFound)
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO items (`+itemColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i, it := range items {
			it.RunID = runID
			args, err := itemArgs(it, now)
			if err == nil {
				_, err = stmt.ExecContext(ctx, args...)
			}
			if err != nil {
				return fmt.Errorf("item %d, %s: %w", i+1, it.label(), err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: add %d items to run %d: %w", len(items), runID, err)
	}
	return nil
}

// UpdateItem records the progress of item rec.ItemID of run rec.RunID: its
// Status, Attempts, Error, Before and After replace the stored ones. What
// the plan said (kind, member, account, desired end, reason) is kept as it
// was added. ApprovedBy is set when given and never cleared: an approval is
// part of the audit trail. It does not ask for the run lock: a run's own
// items say what it did, also after another run took the lock over (no
// other run writes them); what runs share (journal, last written ends,
// snapshots) is refused to a run without the lock.
func (s *Store) UpdateItem(ctx context.Context, rec ItemRecord) error {
	if err := s.writable(fmt.Sprintf("update %s of run %d", rec.label(), rec.RunID)); err != nil {
		return err
	}
	err := func() error {
		if !rec.Status.Valid() {
			return fmt.Errorf("unknown status %q", rec.Status)
		}
		if rec.Attempts < 0 {
			return fmt.Errorf("negative attempts %d", rec.Attempts)
		}
		before, err := encTime(rec.Before)
		if err != nil {
			return fmt.Errorf("before end: %w", err)
		}
		after, err := encTime(rec.After)
		if err != nil {
			return fmt.Errorf("after end: %w", err)
		}
		now, err := mustTime(s.clk.Now(), "clock")
		if err != nil {
			return err
		}
		res, err := s.db.ExecContext(ctx, `UPDATE items SET status = ?, attempts = ?, error = ?, before_end = ?, after_end = ?,
			approved_by = CASE WHEN ? = '' THEN approved_by ELSE ? END, updated_at = ?
			WHERE run_id = ? AND item_id = ?`,
			string(rec.Status), rec.Attempts, rec.Error, before, after, rec.ApprovedBy, rec.ApprovedBy, now, rec.RunID, rec.ItemID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		return nil
	}()
	if err != nil {
		return fmt.Errorf("store: update %s of run %d: %w", rec.label(), rec.RunID, err)
	}
	return nil
}

// Items returns the items of a run, in the order they were added.
func (s *Store) Items(ctx context.Context, runID int64) ([]ItemRecord, error) {
	out, err := s.queryItems(ctx, `SELECT `+itemColumns+` FROM items WHERE run_id = ? ORDER BY rowid`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: items of run %d: %w", runID, err)
	}
	return out, nil
}

// ItemsForEmail returns one member's items across runs, newest run first;
// limit ≤ 0 returns all of them.
func (s *Store) ItemsForEmail(ctx context.Context, email member.Email, limit int) ([]ItemRecord, error) {
	if limit <= 0 {
		limit = -1
	}
	out, err := s.queryItems(ctx, `SELECT `+itemColumns+` FROM items WHERE email = ? ORDER BY run_id DESC, rowid LIMIT ?`, string(email), limit)
	if err != nil {
		return nil, fmt.Errorf("store: items of <%s>: %w", email, err)
	}
	return out, nil
}

// ItemsForMembers returns the items of the members with these ids across
// runs, newest run first, and — for records made before items carried a
// member id, or of an account no member resolved to — the items with no
// member id and this e-mail (skipped when email is empty). An e-mail
// another member held before belongs to that member's history, not to
// these. Without ids it is ItemsForEmail. limit ≤ 0 returns all of them.
func (s *Store) ItemsForMembers(ctx context.Context, ids []string, email member.Email, limit int) ([]ItemRecord, error) {
	var keep []string
	for _, id := range ids {
		if id != "" && !slices.Contains(keep, id) {
			keep = append(keep, id)
		}
	}
	if len(keep) == 0 {
		return s.ItemsForEmail(ctx, email, limit)
	}
	if limit <= 0 {
		limit = -1
	}
	args := make([]any, 0, len(keep)+2)
	for _, id := range keep {
		args = append(args, id)
	}
	where := `member_id IN (?` + strings.Repeat(`, ?`, len(keep)-1) + `)`
	if email != "" {
		where += ` OR (member_id = '' AND email = ?)`
		args = append(args, string(email))
	}
	args = append(args, limit)
	out, err := s.queryItems(ctx, `SELECT `+itemColumns+` FROM items WHERE `+where+` ORDER BY run_id DESC, rowid LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: items of member %s: %w", strings.Join(keep, ", "), err)
	}
	return out, nil
}

func (s *Store) queryItems(ctx context.Context, query string, args ...any) ([]ItemRecord, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ItemRecord
	for rows.Next() {
		var r ItemRecord
		var kind, email, sourceEnd, status, updated, emailWas string
		var before, after, desired sql.NullString
		if err := rows.Scan(&r.RunID, &r.ItemID, &kind, &email, &r.MemberID, &r.Name, &r.Target, &r.System, &r.Account,
			&sourceEnd, &before, &after, &desired, &status, &r.Attempts, &r.Error, &r.ApprovedBy, &r.Reason, &r.Drift,
			&r.Identity, &emailWas, &updated); err != nil {
			return nil, err
		}
		r.Kind, r.Email, r.Status, r.EmailWas = plan.Kind(kind), member.Email(email), ItemStatus(status), member.Email(emailWas)
		err := decodeTimes(timeCol{"before_end", before, &r.Before}, timeCol{"after_end", after, &r.After},
			timeCol{"desired_end", desired, &r.Desired},
			timeCol{"updated_at", sql.NullString{String: updated, Valid: true}, &r.UpdatedAt})
		if err == nil {
			err = r.SourceEnd.UnmarshalText([]byte(sourceEnd))
		}
		if err != nil {
			return nil, fmt.Errorf("run %d %s: %w", r.RunID, r.label(), err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// HeldSince returns, for every item id that an unattended run (of the
// given modes: auto, watch) started at or after since held for approval,
// when the latest such run started. The console marks those items: they
// wait for an operator, not for the next run.
func (s *Store) HeldSince(ctx context.Context, since time.Time, modes ...string) (map[string]time.Time, error) {
	from, err := mustTime(since, "since")
	if err != nil {
		return nil, fmt.Errorf("store: held items: %w", err)
	}
	out := map[string]time.Time{}
	if len(modes) == 0 {
		return out, nil
	}
	args := []any{StatusHeld, from}
	marks := make([]string, len(modes))
	for i, m := range modes {
		marks[i], args = "?", append(args, m)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT i.item_id, MAX(r.started_at) FROM items i JOIN runs r ON r.id = i.run_id
		WHERE i.status = ? AND r.started_at >= ? AND r.mode IN (`+strings.Join(marks, ", ")+`)
		GROUP BY i.item_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: held items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at string
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("store: held items: %w", err)
		}
		t, err := parseTime(at)
		if err != nil {
			return nil, fmt.Errorf("store: held item %s: %w", id, err)
		}
		out[id] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: held items: %w", err)
	}
	return out, nil
}

// MaxRetryPasses is how often watch's incremental passes try an item again
// that keeps failing (a refused date, an account gone): after that only a
// full run, or a change of the member, plans it again, so a permanent
// failure does not cost requests and a notification every few minutes.
const MaxRetryPasses = 3

// FailedSince returns the items recorded failed or skipped at or after
// since and not acted on again later: for each (target, account, e-mail),
// the newest record, when its status is failed or skipped and the key has
// fewer than MaxRetryPasses such records since. Watch's incremental pass
// tries them again although their members did not change; a full run
// re-plans them anyway. The window is the item's own time, not its run's
// start: a failure late in a long run that began before since counts.
func (s *Store) FailedSince(ctx context.Context, since time.Time) ([]ItemRecord, error) {
	from, err := mustTime(since, "since")
	if err != nil {
		return nil, fmt.Errorf("store: failed items: %w", err)
	}
	failed, skipped := string(StatusFailed), string(StatusSkipped)
	out, err := s.queryItems(ctx, `SELECT `+itemColumns+` FROM items
		WHERE status IN (?, ?) AND updated_at >= ?
		AND NOT EXISTS (SELECT 1 FROM items later WHERE later.email = items.email AND later.target = items.target
			AND later.account = items.account AND later.run_id > items.run_id)
		AND (SELECT COUNT(*) FROM items prev WHERE prev.email = items.email AND prev.target = items.target
			AND prev.account = items.account AND prev.status IN (?, ?) AND prev.updated_at >= ?) < ?
		ORDER BY run_id, rowid`, failed, skipped, from, failed, skipped, from, MaxRetryPasses)
	if err != nil {
		return nil, fmt.Errorf("store: failed items since %s: %w", since.Format(time.RFC3339), err)
	}
	return out, nil
}

// LatestItems returns, for each item id recorded by the runs with ids from
// fromRun to toRun (toRun ≤ 0: every run from fromRun on), its newest
// record in them: what those runs last said of the item (the console's
// "what changed since the last run").
func (s *Store) LatestItems(ctx context.Context, fromRun, toRun int64) ([]ItemRecord, error) {
	if toRun <= 0 {
		toRun = 1<<63 - 1
	}
	out, err := s.queryItems(ctx, `SELECT `+itemColumns+` FROM (SELECT *, ROW_NUMBER() OVER
		(PARTITION BY item_id ORDER BY run_id DESC, rowid DESC) AS newest FROM items WHERE run_id BETWEEN ? AND ?)
		WHERE newest = 1 ORDER BY run_id, item_id`, fromRun, toRun)
	if err != nil {
		return nil, fmt.Errorf("store: latest items of runs %d to %d: %w", fromRun, toRun, err)
	}
	return out, nil
}
