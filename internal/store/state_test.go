package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/member"
)

func TestLastWritten(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	loc := ljubljana(t)
	run := startRun(t, s, "auto")
	if lw, err := s.LastWritten(ctx); err != nil || len(lw) != 0 {
		t.Fatalf("LastWritten on a new database = %v, %v", lw, err)
	}
	nov := member.NewDate(2025, 11, 1).EndOfDay(loc)
	dec := member.NewDate(2025, 12, 1).EndOfDay(loc)
	for _, w := range []struct {
		target, account string
		end             time.Time
		run             int64
	}{
		{"entrance", "1042", nov, run},
		{"entrance", "1077", nov, 0},
		{"exit", "1042", dec, run},
		{"entrance", "1042", dec, run}, // a later write replaces the first
	} {
		if err := s.SetLastWritten(ctx, w.target, w.account, w.end, w.run); err != nil {
			t.Fatal(err)
		}
	}
	lw, err := s.LastWritten(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(lw) != 2 || len(lw["entrance"]) != 2 || len(lw["exit"]) != 1 {
		t.Errorf("LastWritten = %v", lw)
	}
	for _, c := range []struct {
		target, account string
		want            time.Time
	}{{"entrance", "1042", dec}, {"entrance", "1077", nov}, {"exit", "1042", dec}} {
		if got := lw[c.target][c.account]; !got.Equal(c.want) {
			t.Errorf("%s/%s = %v, want %v", c.target, c.account, got, c.want)
		}
	}

	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"no end", s.SetLastWritten(ctx, "entrance", "1", time.Time{}, run), "end is missing"},
		{"no account", s.SetLastWritten(ctx, "entrance", "", nov, run), "required"},
		{"unknown run", s.SetLastWritten(ctx, "entrance", "1", nov, 999), "FOREIGN KEY"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) || !strings.Contains(tc.err.Error(), "last written") {
			t.Errorf("%s: %v, want an error containing %q", tc.name, tc.err, tc.want)
		}
	}
}

func TestState(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	if v, ok, err := s.State(ctx, "watch.changed_at"); err != nil || ok || v != "" {
		t.Errorf("unset key = %q, %v, %v", v, ok, err)
	}
	for _, v := range []string{"2025-11-01T10:00:00", "", "2025-11-01T10:01:00"} {
		if err := s.SetState(ctx, "watch.changed_at", v); err != nil {
			t.Fatal(err)
		}
		got, ok, err := s.State(ctx, "watch.changed_at")
		if err != nil || !ok || got != v {
			t.Errorf("State after setting %q = %q, %v, %v", v, got, ok, err)
		}
	}
	if err := s.SetState(ctx, "", "x"); err == nil {
		t.Error("empty key accepted")
	}
}

func TestDeleteState(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	if err := s.SetState(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteState(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.State(ctx, "k"); ok || err != nil {
		t.Fatalf("state still there: %v %v", ok, err)
	}
	if err := s.DeleteState(ctx, "never-set"); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
}
