package store

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"
)

func TestRunRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newStore(t)
	loc := ljubljana(t)
	start := time.Date(2025, 11, 1, 6, 0, 0, 123456789, loc)
	id, err := s.StartRun(ctx, Run{Mode: "auto", User: "root", Host: "gym-box", StartedAt: start, Members: 412,
		Outcome: "ignored: a started run is running"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Mode != "auto" || got.User != "root" || got.Host != "gym-box" || !got.StartedAt.Equal(start) ||
		got.Outcome != OutcomeRunning || !got.FinishedAt.IsZero() || got.Members != 412 {
		t.Errorf("started run = %+v", got)
	}

	clk.Advance(41 * time.Second)
	counts := map[string]int{"extend": 3, "in_sync": 380, "applied": 3}
	fin := Run{ID: id, Outcome: "held", ExitCode: 4, Members: 413, Counts: counts, GuardTripped: true,
		GuardReason: "27 revocations exceed 25", Error: "", Mode: "changed?", User: "changed?"}
	if err := s.FinishRun(ctx, fin); err != nil {
		t.Fatal(err)
	}
	got, err = s.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := Run{ID: id, Mode: "auto", User: "root", Host: "gym-box", StartedAt: start, FinishedAt: t0().Add(41 * time.Second),
		Outcome: "held", ExitCode: 4, Members: 413, Counts: counts, GuardTripped: true, GuardReason: "27 revocations exceed 25"}
	if !runEqual(got, want) {
		t.Errorf("finished run:\n got %+v\nwant %+v", got, want)
	}

	// A run is finished once: the first outcome is the record.
	err = s.FinishRun(ctx, Run{ID: id, Outcome: "done"})
	if err == nil || !strings.Contains(err.Error(), "already finished") || !strings.Contains(err.Error(), `"held"`) {
		t.Errorf("second FinishRun = %v, want 'already finished … held'", err)
	}
}

func runEqual(a, b Run) bool {
	return a.ID == b.ID && a.Mode == b.Mode && a.User == b.User && a.Host == b.Host && a.StartedAt.Equal(b.StartedAt) &&
		a.FinishedAt.Equal(b.FinishedAt) && a.Outcome == b.Outcome && a.ExitCode == b.ExitCode && a.Members == b.Members &&
		maps.Equal(a.Counts, b.Counts) && a.GuardTripped == b.GuardTripped && a.GuardReason == b.GuardReason && a.Error == b.Error
}

func TestRunsNewestFirst(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newStore(t)
	var ids []int64
	for _, m := range []string{"auto", "console", "watch"} {
		ids = append(ids, startRun(t, s, m))
		clk.Advance(time.Minute)
	}
	all, err := s.Runs(ctx, 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("Runs(0) = %d runs, %v", len(all), err)
	}
	if all[0].ID != ids[2] || all[0].Mode != "watch" || all[2].ID != ids[0] {
		t.Errorf("order = %d %d %d, want newest first", all[0].ID, all[1].ID, all[2].ID)
	}
	two, err := s.Runs(ctx, 2)
	if err != nil || len(two) != 2 || two[1].Mode != "console" {
		t.Errorf("Runs(2) = %+v, %v", two, err)
	}
	if all[2].Counts != nil {
		t.Errorf("no counts read back as %v, want nil", all[2].Counts)
	}
}

func TestRunErrors(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	id := startRun(t, s, "auto")
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"start without mode", second(s.StartRun(ctx, Run{})), "mode is missing"},
		{"start in year 10000", second(s.StartRun(ctx, Run{Mode: "auto", StartedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})), "year 10000"},
		{"finish unknown run", s.FinishRun(ctx, Run{ID: 999, Outcome: "done"}), "run 999: not found"},
		{"finish without outcome", s.FinishRun(ctx, Run{ID: id}), `outcome "" is not a final outcome`},
		{"finish as running", s.FinishRun(ctx, Run{ID: id, Outcome: OutcomeRunning}), `outcome "running"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", tc.err, tc.want)
			}
		})
	}
	if _, err := s.Run(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Run(999) = %v, want ErrNotFound", err)
	}
	// The failed finishes left the run as it was.
	if r, _ := s.Run(ctx, id); r.Outcome != OutcomeRunning {
		t.Errorf("outcome after refused finishes = %q", r.Outcome)
	}
}

func second[T any](_ T, err error) error { return err }
