package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/store"
)

// TestHelperDoorsync is not a test: it is the real doorsync in a child
// process, started by startE2EChild (the test binary re-executes itself with
// -test.run=^TestHelperDoorsync$ -- ARGS). Without the marker it does nothing.
func TestHelperDoorsync(t *testing.T) {
	if os.Getenv(e2eHelperEnv) != "1" {
		return
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	// The parent passes its site's clock reading (clocktest.Environ).
	app := NewApp()
	app.Clock = clocktest.Start(t)
	os.Exit(app.Run(context.Background(), args))
}

// A run killed with SIGKILL at a random point (during the fetch, during the
// writes) leaves a lock row whose process is gone and journal entries that
// are open; the next --auto takes the lock over, finishes the journal,
// re-plans and converges. The emulators live in this process and survive
// the kill.
func TestAutoRecoversFromKillMidApply(t *testing.T) {
	rng := rand.New(rand.NewPCG(20251101, 3)) // seeded: the kill points repeat
	const trials = 5
	var midWrites, tookOver int
	for trial := range trials {
		latency := time.Duration(5+rng.IntN(11)) * time.Millisecond
		// Even trials kill after a random number of writes were sent (so
		// some surely kill during the writes); odd ones after a random
		// delay, wherever the run is then.
		byWrites := trial%2 == 0
		delay := time.Duration(30+rng.IntN(570)) * time.Millisecond
		frac := rng.Float64()
		jitter := time.Duration(rng.IntN(3000)) * time.Microsecond
		t.Run(fmt.Sprintf("trial %d", trial), func(t *testing.T) {
			s := startE2ESite(t, 200, uint64(trial+1))
			s.raiseGuard(t)
			p := s.plan(t)
			writes := e2eAutoWrites(p)
			total := e2eCount(writes)
			if total < 12 || len(writes) != 2 {
				t.Fatalf("data set too small for this test: %d auto writes on %d terminals", total, len(writes))
			}
			before := s.snapshot()
			s.setTerminalLatency(latency)

			c := startE2EChild(t, s.Clock, "--auto", "--config", s.cfg)
			if byWrites {
				// At most half the writes: enough of the apply is left that
				// the kill lands before the journal is closed.
				k := 1 + int(frac*float64(total/2-1))
				e2ePoll(t, time.Minute, fmt.Sprintf("%d Modify requests", k), func() bool { return s.modifies() >= k || c.exited() })
				time.Sleep(jitter)
				t.Logf("latency %v, killing after %d of %d writes were sent", latency, k, total)
			} else {
				time.Sleep(delay)
				t.Logf("latency %v, killing after %v", latency, delay)
			}
			interrupted := c.kill(t)
			if !interrupted {
				t.Logf("the run had finished before the kill:\n%s", c.output())
			}
			sent := s.modifies()
			killed := s.readDB(t, false)
			t.Logf("at the kill: %d Modify requests sent, lock held: %v, %d journal entries open, runs %d",
				sent, killed.locked, len(killed.open), len(killed.runs))
			if byWrites && sent == 0 {
				t.Fatalf("the kill was to land during the writes, but no Modify was sent")
			}
			if len(killed.open) > 0 {
				midWrites++
			}

			r := s.run(t, "--auto")
			if want := e2eExpectedCode(p); r.code != want {
				t.Fatalf("--auto after the kill: exit %d, want %d\n%s\n%s", r.code, want, r.stdout, r.stderr)
			}
			if killed.locked {
				tookOver++
				if killed.lock.PID != c.pid() {
					t.Errorf("the lock row names pid %d, the killed run was pid %d", killed.lock.PID, c.pid())
				}
				for _, want := range []string{"took over the database from a run that stopped", fmt.Sprintf("pid %d is no longer running", c.pid())} {
					if !strings.Contains(r.stdout, want) {
						t.Errorf("the run after the kill does not say %q:\n%s", want, r.stdout)
					}
				}
			}
			if n := len(killed.open); n > 0 && !strings.Contains(r.stdout, fmt.Sprintf("finishing %d journal entries", n)) {
				t.Errorf("the run after the kill does not report finishing the %d open journal entries:\n%s", n, r.stdout)
			}

			after := s.readDB(t, true)
			if after.locked {
				t.Errorf("the lock is still held after the run: %s", after.lock)
			}
			if len(after.open) != 0 {
				t.Errorf("%d journal entries are still open, the first: %+v", len(after.open), after.open[0])
			}
			e2eAssertKilledRuns(t, killed, after, interrupted)
			e2eAssertConverged(t, before, s.snapshot(), writes)
			for _, ep := range s.Terminals {
				e2eAssertModifies(t, ep, writes[ep.Name])
			}
		})
	}
	t.Logf("%d of %d trials killed the run with writes journalled but not confirmed; %d left a lock to take over", midWrites, trials, tookOver)
	if midWrites < 2 {
		t.Errorf("only %d trials killed the run during its writes; the test proves too little", midWrites)
	}
	if tookOver < 3 {
		t.Errorf("only %d trials left a stale lock; the take-over is not proved", tookOver)
	}
}

// e2eAssertKilledRuns checks what became of the run the kill interrupted:
// marked abandoned, every journal entry closed as done (the read-back shows
// the end being written) or failed as interrupted, and the last run is the
// one that finished the work.
func e2eAssertKilledRuns(t *testing.T, killed, after e2eDB, interrupted bool) {
	t.Helper()
	if len(after.runs) != len(killed.runs)+1 {
		t.Fatalf("%d runs before the second --auto, %d after; want exactly one more", len(killed.runs), len(after.runs))
	}
	last := after.runs[0] // newest first
	if last.Outcome == store.OutcomeRunning || last.FinishedAt.IsZero() {
		t.Errorf("the run after the kill is not finished: %+v", last)
	}
	for _, r := range after.runs[1:] {
		if !interrupted {
			// The kill came too late: that run finished by itself.
			if r.FinishedAt.IsZero() {
				t.Errorf("run %d finished before the kill but is recorded unfinished: %+v", r.ID, r)
			}
			continue
		}
		if r.Outcome != store.OutcomeAbandoned {
			t.Errorf("killed run %d has outcome %q, want %q", r.ID, r.Outcome, store.OutcomeAbandoned)
		}
		for _, en := range after.journals[r.ID] {
			switch en.State {
			case store.JournalDone:
				if !en.ReadBack.Equal(en.Want) {
					t.Errorf("journal %d (%s account %s) is done but read back %v, wanted %v", en.ID, en.Target, en.Account, en.ReadBack, en.Want)
				}
			case store.JournalFailed:
				if !strings.Contains(en.Error, "interrupted") {
					t.Errorf("journal %d (%s account %s) failed without saying it was interrupted: %q", en.ID, en.Target, en.Account, en.Error)
				}
			default:
				t.Errorf("journal %d (%s account %s) is %q after the recovery", en.ID, en.Target, en.Account, en.State)
			}
		}
	}
}

// A second --auto while the first holds the database exits 1 naming the
// other run, reads and writes nothing, and records no run: the history shows
// only the first, which finishes undisturbed.
func TestAutoOverlappingRunsExcludeEachOther(t *testing.T) {
	s := startE2ESite(t, 300, 5)
	p := s.plan(t)
	writes := e2eAutoWrites(p)
	before := s.snapshot()
	s.setTerminalLatency(10 * time.Millisecond)

	first := startE2EChild(t, s.Clock, "--auto", "--config", s.cfg)
	e2ePoll(t, time.Minute, "the first run's first write", func() bool { return s.modifies() > 0 || first.exited() })
	if first.exited() {
		t.Fatalf("the first run ended before writing:\n%s", first.output())
	}
	// Hold the first run in its writes while the second one tries.
	s.setTerminalLatency(250 * time.Millisecond)
	sourceReads := s.Cardskipper.Log.Count(nil)

	r := s.run(t, "--auto")
	stillRunning := !first.exited()
	s.setTerminalLatency(0)
	if r.code != ExitFailed {
		t.Fatalf("second --auto: exit %d, want %d\n%s\n%s", r.code, ExitFailed, r.stdout, r.stderr)
	}
	if !stillRunning {
		t.Fatalf("the first run ended before the second finished: the runs did not overlap")
	}
	host, _ := os.Hostname()
	for _, want := range []string{
		fmt.Sprintf("another doorsync run (pid %d on %s", first.pid(), host),
		"mode auto", "has held the database since", "this run did nothing",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the second run's message lacks %q:\n%s", want, r.stderr)
		}
	}
	if n := s.Cardskipper.Log.Count(nil) - sourceReads; n != 0 {
		t.Errorf("the second run sent %d requests to Cardskipper; it must not even read", n)
	}

	if code := first.wait(t, time.Minute); code != e2eExpectedCode(p) {
		t.Fatalf("first run: exit %d, want %d\n%s", code, e2eExpectedCode(p), first.output())
	}
	db := s.readDB(t, true)
	if len(db.runs) != 1 {
		t.Fatalf("history holds %d runs, want only the first: %+v", len(db.runs), db.runs)
	}
	run := db.runs[0]
	if run.Mode != "auto" || run.FinishedAt.IsZero() || run.ExitCode != e2eExpectedCode(p) {
		t.Errorf("the first run's record: %+v", run)
	}
	if db.locked || len(db.open) != 0 {
		t.Errorf("after both runs: lock held %v, %d open journal entries", db.locked, len(db.open))
	}
	if n := len(db.journals[run.ID]); n != e2eCount(writes) {
		t.Errorf("the first run journalled %d writes, the plan has %d", n, e2eCount(writes))
	}
	e2eAssertConverged(t, before, s.snapshot(), writes)
	for _, ep := range s.Terminals {
		if n := e2eAssertModifies(t, ep, writes[ep.Name]); n != len(writes[ep.Name]) {
			t.Errorf("terminal %s received %d Modify requests for %d writes: someone wrote twice", ep.Name, n, len(writes[ep.Name]))
		}
	}
}
