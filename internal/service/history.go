package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/report"
	"github.com/doorsync/doorsync/internal/store"
)

// History follows the row's members by id (an e-mail taken over from
// another member brings none of that member's items), with the records of
// the e-mail made with no member id.
func (s *Service) History(ctx context.Context, q backend.HistoryQuery, limit int) ([]backend.HistoryEntry, error) {
	recs, err := s.store.ItemsForMembers(ctx, q.Members, q.Email, limit)
	if err != nil {
		return nil, err
	}
	return s.entries(ctx, recs), nil
}

func (s *Service) RunItems(ctx context.Context, runID int64) ([]backend.HistoryEntry, error) {
	recs, err := s.store.Items(ctx, runID)
	if err != nil {
		return nil, err
	}
	return s.entries(ctx, recs), nil
}

func (s *Service) entries(_ context.Context, recs []store.ItemRecord) []backend.HistoryEntry {
	zone := s.cfg.Zone
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(zone).Format("2006-01-02")
	}
	out := make([]backend.HistoryEntry, 0, len(recs))
	for _, r := range recs {
		out = append(out, backend.HistoryEntry{RunID: r.RunID, At: r.UpdatedAt, Kind: r.Kind, Email: r.Email, Target: r.Target,
			Account: r.Account, Status: string(r.Status), Before: day(r.Before), After: day(r.After), Error: r.Error,
			ApprovedBy: r.ApprovedBy, Drift: r.Drift})
	}
	return out
}

func (s *Service) Runs(ctx context.Context, limit int) ([]backend.RunEntry, error) {
	runs, err := s.store.Runs(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]backend.RunEntry, 0, len(runs))
	for _, r := range runs {
		out = append(out, backend.RunEntry{ID: r.ID, Mode: r.Mode, User: r.User, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
			Outcome: r.Outcome, Counts: r.Counts, Error: r.Error})
	}
	return out, nil
}

// RunLog lists the most recent runs as recorded, newest first (history).
func (s *Service) RunLog(ctx context.Context, limit int) ([]store.Run, error) {
	return s.store.Runs(ctx, limit)
}

// Run is one recorded run and its items (history --run).
func (s *Service) Run(ctx context.Context, id int64) (store.Run, []store.ItemRecord, error) {
	run, err := s.store.Run(ctx, id)
	if err != nil {
		return store.Run{}, nil, err
	}
	items, err := s.store.Items(ctx, id)
	if err != nil {
		return store.Run{}, nil, err
	}
	return run, items, nil
}

// ItemsForEmail lists the most recent recorded items of an e-mail
// (history --email).
func (s *Service) ItemsForEmail(ctx context.Context, e member.Email, limit int) ([]store.ItemRecord, error) {
	return s.store.ItemsForEmail(ctx, e, limit)
}

// RunReport is the mismatch report of what a recorded run did, from its
// items (report --run).
func (s *Service) RunReport(ctx context.Context, id int64) (report.Report, error) {
	cfg := s.cfg
	run, items, err := s.Run(ctx, id)
	if err != nil {
		return report.Report{}, err
	}
	r := report.Report{
		Title:       fmt.Sprintf("doorsync run %d (%s, %s)", run.ID, run.Mode, run.Outcome),
		GeneratedAt: s.clock.Now(), Timezone: cfg.Timezone, Today: run.StartedAt.In(cfg.Zone).Format(time.DateOnly),
		RunID: run.ID, Summary: run.Counts, Guard: run.GuardReason,
	}
	if !run.GuardTripped {
		r.Guard = ""
	}
	for _, it := range items {
		row := report.Row{Kind: string(it.Kind), Email: string(it.Email), Name: it.Name, MemberID: it.MemberID, Target: it.Target,
			System: it.System, Account: it.Account, SourceEnd: it.SourceEnd.String(), CurrentEnd: wall(it.Before, cfg.Zone),
			DesiredEnd: wall(it.Desired, cfg.Zone), Status: string(it.Status), Reason: it.Reason, Drift: it.Drift}
		if it.Error != "" {
			row.Reason = strings.TrimSpace(it.Reason + "; " + it.Error)
		}
		if !it.Before.IsZero() && !it.Desired.IsZero() {
			row.DaysDiff = member.DateOf(it.Before, cfg.Zone).DaysUntil(member.DateOf(it.Desired, cfg.Zone))
		}
		r.Rows = append(r.Rows, row)
	}
	return r, nil
}

// wall is a time as the report shows it: the zone's wall clock, no offset.
func wall(t time.Time, zone *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(zone).Format("2006-01-02T15:04:05")
}
