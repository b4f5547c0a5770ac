package store

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
)

// The attack of issue 11 §2: a clock jump (or a long suspend) ages the
// heartbeat of a run that is still running on this host; a second run must
// not take the lock over from it, whatever the heartbeat says.
func TestLiveHolderOnThisHostKeepsLockWhateverHeartbeat(t *testing.T) {
	ctx := context.Background()
	a, _, path := newStore(t)
	// This very process holds the lock (host and pid default to it), with
	// the real liveness check.
	la, err := a.AcquireRunLock(ctx, LockHolder{User: "cron", Mode: "auto"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer la.Release()
	run := startRun(t, a, "auto")
	if h := la.Holder(); h.PID != os.Getpid() {
		t.Fatalf("holder pid %d, want this process %d", h.PID, os.Getpid())
	}
	for _, jump := range []time.Duration{defaultStaleAfter + time.Second, 5 * time.Hour, 400 * 24 * time.Hour} {
		b := openAgain(t, path, clock.NewManual(t0().Add(jump)))
		_, err := b.AcquireRunLock(ctx, LockHolder{User: "cron", Mode: "auto"}, 0)
		var locked *LockedError
		if !errors.As(err, &locked) || locked.Holder.PID != os.Getpid() {
			t.Fatalf("clock %s ahead: AcquireRunLock = %v, want refused (the holder is alive on this host)", jump, err)
		}
		if !strings.Contains(err.Error(), "is running on this host") {
			t.Errorf("message %q does not say why an old heartbeat is not taken over", err)
		}
		if r, _ := b.Run(ctx, run); r.Outcome != OutcomeRunning {
			t.Fatalf("clock %s ahead: the live run's outcome became %q (%s)", jump, r.Outcome, r.Error)
		}
	}
	if err := a.CheckLock(ctx); err != nil {
		t.Errorf("the holder's CheckLock after refused takeovers = %v", err)
	}
}

// A dead process on this host loses its lock at once, heartbeat or not; a
// holder on another host (whose liveness cannot be checked) loses it when
// its heartbeat is older than the bound.
func TestDeadOrSilentRemoteHolderIsTakenOver(t *testing.T) {
	ctx := context.Background()
	t.Run("dead pid on this host, aged heartbeat", func(t *testing.T) {
		s0, _, path := newStore(t)
		s0.Close()
		pid := killedRun(t, path) // held the lock at t0, then SIGKILL
		b := openAgain(t, path, clock.NewManual(t0().Add(5*time.Hour)))
		lb, err := b.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0)
		if err != nil {
			t.Fatalf("lock of dead pid %d: %v", pid, err)
		}
		defer lb.Release()
		if st, ok := lb.TookOver(); !ok || st.Holder.PID != pid || !strings.Contains(st.Reason, "no longer running") {
			t.Errorf("TookOver = %+v %v", st, ok)
		}
	})
	t.Run("other host, aged heartbeat", func(t *testing.T) {
		a, _, path := newStore(t)
		if _, err := a.AcquireRunLock(ctx, LockHolder{Mode: "auto", Host: "other-box", PID: os.Getpid()}, 0); err != nil {
			t.Fatal(err)
		}
		b := openAgain(t, path, clock.NewManual(t0().Add(5*time.Hour)))
		lb, err := b.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0)
		if err != nil {
			t.Fatalf("lock of a silent holder on another host: %v", err)
		}
		defer lb.Release()
		if st, ok := lb.TookOver(); !ok || !strings.Contains(st.Reason, "no heartbeat for 5h0m0s") {
			t.Errorf("TookOver = %+v %v", st, ok)
		}
	})
	t.Run("other host, fresh heartbeat", func(t *testing.T) {
		a, clk, path := newStore(t)
		if _, err := a.AcquireRunLock(ctx, LockHolder{Mode: "auto", Host: "other-box", PID: 1}, 0); err != nil {
			t.Fatal(err)
		}
		clk.Advance(defaultStaleAfter - time.Second)
		b := openAgain(t, path, clk)
		if _, err := b.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0); !errors.Is(err, ErrLocked) {
			t.Fatalf("AcquireRunLock = %v, want refused", err)
		}
	})
}

// takeOverRow plays another run taking the lock over behind the holder's
// back: the row gets another token and holder, as tryLock would write it.
func takeOverRow(t *testing.T, path string, host string, pid int) {
	t.Helper()
	mustExec(t, rawDB(t, path), `UPDATE run_lock SET token = 'intruder', host = ?, pid = ?, user = 'root', mode = 'auto', started_at = ? WHERE id = 1`,
		host, pid, t0().Add(time.Hour).UTC().Format(timeLayout))
}

func TestCheckLockNoticesTakeover(t *testing.T) {
	ctx := context.Background()
	s, _, path := newStore(t)
	l, err := s.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	run := startRun(t, s, "auto")
	if err := s.CheckLock(ctx); err != nil {
		t.Fatalf("CheckLock while held = %v", err)
	}
	id, err := s.OpenJournal(ctx, JournalEntry{RunID: run, ItemID: "i1", Target: "entrance", Account: "1", Want: t0()})
	if err != nil {
		t.Fatalf("OpenJournal while held = %v", err)
	}

	takeOverRow(t, path, "gym-box", 4242)
	err = s.CheckLock(ctx)
	var lost *LockLostError
	if !errors.As(err, &lost) || !errors.Is(err, ErrLockLost) {
		t.Fatalf("CheckLock after takeover = %v, want *LockLostError", err)
	}
	if lost.By.PID != 4242 || lost.By.Host != "gym-box" || !strings.Contains(err.Error(), "pid 4242 on gym-box") {
		t.Errorf("LockLostError = %+v (%q): must name who took it", lost, err)
	}
	select {
	case <-l.Lost():
	default:
		t.Error("Lost not closed after CheckLock found the takeover")
	}
	// No journal entry is opened without the lock: the check and the
	// insert are one transaction.
	if _, err := s.OpenJournal(ctx, JournalEntry{RunID: run, ItemID: "i2", Target: "entrance", Account: "2", Want: t0()}); !errors.Is(err, ErrLockLost) {
		t.Errorf("OpenJournal after takeover = %v, want ErrLockLost", err)
	}
	if es, _ := s.Journal(ctx, run); len(es) != 1 || es[0].ID != id {
		t.Errorf("journal after takeover = %+v, want only the entry opened before", es)
	}
	// The entry opened before stays open for the new holder to read back,
	// and what the sync last wrote is the new holder's to set.
	if err := s.CloseJournal(ctx, id, JournalDone, t0(), ""); !errors.Is(err, ErrLockLost) {
		t.Errorf("CloseJournal after takeover = %v, want ErrLockLost", err)
	}
	if es, _ := s.OpenEntries(ctx); len(es) != 1 || es[0].ID != id {
		t.Errorf("open entries after takeover = %+v, want the entry opened before", es)
	}
	if err := s.SetLastWritten(ctx, "entrance", "1", t0(), run); !errors.Is(err, ErrLockLost) {
		t.Errorf("SetLastWritten after takeover = %v, want ErrLockLost", err)
	}
	if lw, _ := s.LastWritten(ctx); len(lw) != 0 {
		t.Errorf("last written after takeover = %v, want nothing", lw)
	}

	// A deleted row (the intruder finished and released) is lost too.
	mustExec(t, rawDB(t, path), `DELETE FROM run_lock`)
	if err := s.CheckLock(ctx); !errors.Is(err, ErrLockLost) || !strings.Contains(err.Error(), "no run holds") {
		t.Errorf("CheckLock with no lock row = %v", err)
	}
}

func TestCheckLockWithoutLock(t *testing.T) {
	// A store that never took the lock (tools, tests of other parts) has
	// nothing to check.
	s, _, _ := newStore(t)
	if err := s.CheckLock(context.Background()); err != nil {
		t.Errorf("CheckLock without a lock = %v", err)
	}
}

// The lock records this process as the kernel knows it (boot id, start
// time), and reads it back as the same live holder.
func TestLockNamesThisProcess(t *testing.T) {
	ctx := context.Background()
	s, _, path := newStore(t)
	l, err := s.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	var boot, started string
	if err := rawDB(t, path).QueryRow(`SELECT boot_id, pid_start FROM run_lock`).Scan(&boot, &started); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "linux" && (boot == "" || started == "" || started != processStart(os.Getpid())) {
		t.Errorf("lock row boot %q start %q; want this boot and this process's start %q", boot, started, processStart(os.Getpid()))
	}
	other := openAgain(t, path, clock.NewManual(t0()))
	if _, err := other.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0); !errors.Is(err, ErrLocked) {
		t.Errorf("second AcquireRunLock from this live process = %v, want refused", err)
	}
}

// A run left "running" while no run holds the database (its process closed
// the database under it) is marked abandoned by the next run to take the
// lock (issue 12 review).
func TestOrphanedRunningRunIsAbandoned(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	l, err := s.AcquireRunLock(ctx, LockHolder{Mode: "console"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	run := startRun(t, s, "console")
	if err := l.Release(); err != nil { // as the console's early close did
		t.Fatal(err)
	}
	l2, err := s.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Release()
	if r, _ := s.Run(ctx, run); r.Outcome != OutcomeAbandoned || !strings.Contains(r.Error, "stopped without finishing") {
		t.Errorf("orphaned run = %q %q, want abandoned", r.Outcome, r.Error)
	}
}
