package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/doorsync/doorsync/internal/plan"
)

// lastPlanSide is the snapshots row holding the last plan (planbin.go).
// Sides of targets all start with targetSidePrefix, so no target's
// snapshot can take this row.
const lastPlanSide = "plan"

// SaveLastPlan keeps p as the last plan (replacing the previous one), with
// takenAt = when its sides were read. The console draws it first on its
// next start, before it has planned anything itself.
func (s *Store) SaveLastPlan(ctx context.Context, p plan.Plan, takenAt time.Time) error {
	if err := s.writable("save last plan"); err != nil {
		return err
	}
	data, err := encodeLastPlan(p)
	if err == nil {
		err = s.putSnapshot(ctx, lastPlanSide, len(p.Items), lastPlanFormat, data, takenAt)
	}
	if err != nil {
		return fmt.Errorf("store: save last plan of %d items: %w", len(p.Items), err)
	}
	return nil
}

// LastPlan returns the last plan saved and when its sides were read;
// ErrNoSnapshot (wrapped) when none was saved, or when it was saved in a
// form this doorsync does not read (planning again is then the way).
// zoneFor loads the plan's time zone by name (time.LoadLocation in
// production); the plan's ends come back in that zone.
func (s *Store) LastPlan(ctx context.Context, zoneFor func(string) (*time.Location, error)) (plan.Plan, time.Time, error) {
	p, taken, err := s.lastPlan(ctx, zoneFor)
	if err != nil {
		return plan.Plan{}, time.Time{}, fmt.Errorf("store: last plan: %w", err)
	}
	return p, taken, nil
}

func (s *Store) lastPlan(ctx context.Context, zoneFor func(string) (*time.Location, error)) (plan.Plan, time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT taken_at, format, count, data FROM snapshots WHERE side = ?`, lastPlanSide)
	if err != nil {
		return plan.Plan{}, time.Time{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return plan.Plan{}, time.Time{}, err
		}
		return plan.Plan{}, time.Time{}, ErrNoSnapshot
	}
	var takenText string
	var format, count int
	// The blob as the driver read it, not copied again: the decoder keeps
	// no part of it (the plan's strings share what it inflates to).
	var data sql.RawBytes
	if err := rows.Scan(&takenText, &format, &count, &data); err != nil {
		return plan.Plan{}, time.Time{}, err
	}
	if format != lastPlanFormat {
		return plan.Plan{}, time.Time{}, fmt.Errorf("format %d is not %d: %w", format, lastPlanFormat, ErrNoSnapshot)
	}
	taken, err := parseTime(takenText)
	if err != nil {
		return plan.Plan{}, time.Time{}, fmt.Errorf("taken_at: %w", err)
	}
	p, err := decodeLastPlan(data, zoneFor)
	if err != nil {
		return plan.Plan{}, time.Time{}, err
	}
	if len(p.Items) != count {
		return plan.Plan{}, time.Time{}, fmt.Errorf("damaged plan: %d items, the row says %d", len(p.Items), count)
	}
	return p, taken, rows.Close()
}
