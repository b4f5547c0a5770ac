package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/member"
)

func TestJournalOpenClose(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newStore(t)
	loc := ljubljana(t)
	run := startRun(t, s, "auto")
	before := member.NewDate(2025, 10, 1).EndOfDay(loc)
	want := member.NewDate(2025, 11, 1).EndOfDay(loc)

	done, err := s.OpenJournal(ctx, JournalEntry{RunID: run, ItemID: "i1", Target: "entrance", Account: "1042", Before: before, Want: want})
	if err != nil {
		t.Fatal(err)
	}
	failed, err := s.OpenJournal(ctx, JournalEntry{RunID: run, ItemID: "i2", Target: "exit", Account: "7", Want: want,
		State: JournalDone /* ignored: an entry is opened open */})
	if err != nil {
		t.Fatal(err)
	}
	open, err := s.OpenEntries(ctx)
	if err != nil || len(open) != 2 {
		t.Fatalf("OpenEntries = %+v, %v", open, err)
	}
	e := open[0]
	if e.ID != done || e.RunID != run || e.ItemID != "i1" || e.Target != "entrance" || e.Account != "1042" ||
		!e.Before.Equal(before) || !e.Want.Equal(want) || e.State != JournalOpen || !e.OpenedAt.Equal(t0()) ||
		!e.ClosedAt.IsZero() || !e.ReadBack.IsZero() {
		t.Errorf("open entry = %+v", e)
	}
	if open[1].State != JournalOpen || !open[1].Before.IsZero() {
		t.Errorf("second entry = %+v", open[1])
	}

	clk.Advance(3 * time.Second)
	if err := s.CloseJournal(ctx, done, JournalDone, want, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.CloseJournal(ctx, failed, JournalFailed, before, "read-back shows 2025-10-01T23:59:59"); err != nil {
		t.Fatal(err)
	}
	if open, _ := s.OpenEntries(ctx); len(open) != 0 {
		t.Errorf("%d entries still open after closing both", len(open))
	}
	all, err := s.Journal(ctx, run)
	if err != nil || len(all) != 2 {
		t.Fatalf("Journal = %+v, %v", all, err)
	}
	if e := all[0]; e.State != JournalDone || !e.ReadBack.Equal(want) || !e.ClosedAt.Equal(t0().Add(3*time.Second)) || e.Error != "" {
		t.Errorf("done entry = %+v", e)
	}
	if e := all[1]; e.State != JournalFailed || !e.ReadBack.Equal(before) || e.Error != "read-back shows 2025-10-01T23:59:59" {
		t.Errorf("failed entry = %+v", e)
	}

	// The first outcome stands.
	if err := s.CloseJournal(ctx, done, JournalFailed, time.Time{}, "late"); err == nil || !strings.Contains(err.Error(), "already closed as done") {
		t.Errorf("closing twice = %v", err)
	}
}

func TestJournalErrors(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	run := startRun(t, s, "auto")
	want := t0().Add(30 * 24 * time.Hour)
	for _, tc := range []struct {
		name string
		e    JournalEntry
		msg  []string
	}{
		{"no account", JournalEntry{RunID: run, ItemID: "i", Target: "entrance", Want: want}, []string{"required"}},
		{"no wanted end", JournalEntry{RunID: run, ItemID: "i", Target: "entrance", Account: "1"}, []string{"wanted end is missing"}},
		{"unknown run", JournalEntry{RunID: 42, ItemID: "i", Target: "entrance", Account: "1", Want: want}, []string{"run 42", "not found"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.OpenJournal(ctx, tc.e)
			if err == nil {
				t.Fatal("OpenJournal accepted it")
			}
			for _, m := range append(tc.msg, "open journal for run") {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
	if err := s.CloseJournal(ctx, 77, JournalDone, want, ""); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "entry 77") {
		t.Errorf("closing an unknown entry = %v", err)
	}
	id, err := s.OpenJournal(ctx, JournalEntry{RunID: run, ItemID: "i", Target: "entrance", Account: "1", Want: want})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CloseJournal(ctx, id, JournalOpen, want, ""); err == nil || !strings.Contains(err.Error(), "state must be") {
		t.Errorf("closing as open = %v", err)
	}
	if open, _ := s.OpenEntries(ctx); len(open) != 1 {
		t.Errorf("refused close changed the entry: %d open", len(open))
	}
}

func TestJournalSurvivesKill(t *testing.T) {
	// A run journals a write and is killed before the read-back; the next
	// run finds the entry, takes over the lock of the dead run, marks that
	// run abandoned and finishes the entry.
	ctx := context.Background()
	s0, _, path := newStore(t)
	s0.Close()
	pid := killedRun(t, path)

	s, err := Open(ctx, path, clock.NewManual(t0()))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	open, err := s.OpenEntries(ctx)
	if err != nil || len(open) != 1 {
		t.Fatalf("OpenEntries after the kill = %+v, %v; want the one journalled write", open, err)
	}
	e := open[0]
	if e.Target != "entrance" || e.Account != "1042" || !e.Want.Equal(time.Date(2025, 11, 1, 22, 59, 59, 0, time.UTC)) ||
		!e.Before.Equal(time.Date(2025, 10, 1, 21, 59, 59, 0, time.UTC)) {
		t.Errorf("entry = %+v", e)
	}

	lock, err := s.AcquireRunLock(ctx, LockHolder{User: "cron", Mode: "auto"}, 0)
	if err != nil {
		t.Fatalf("the dead run's lock was not taken over: %v", err)
	}
	stale, ok := lock.TookOver()
	if !ok || stale.Holder.PID != pid || stale.RunID != e.RunID || !strings.Contains(stale.Reason, "no longer running") {
		t.Errorf("TookOver = %+v, %v; want pid %d, run %d", stale, ok, pid, e.RunID)
	}
	if !strings.Contains(stale.String(), "took over") {
		t.Errorf("StaleLock.String() = %q", stale.String())
	}
	run, err := s.Run(ctx, e.RunID)
	if err != nil || run.Outcome != OutcomeAbandoned || !strings.Contains(run.Error, "no longer running") {
		t.Errorf("killed run = %+v, %v; want it marked abandoned", run, err)
	}

	// The next run reads the account back and completes the entry.
	if err := s.CloseJournal(ctx, e.ID, JournalDone, e.Want, ""); err != nil {
		t.Fatal(err)
	}
	if open, _ := s.OpenEntries(ctx); len(open) != 0 {
		t.Errorf("%d entries open after finishing", len(open))
	}
	if err := lock.Release(); err != nil {
		t.Errorf("Release: %v", err)
	}
}
