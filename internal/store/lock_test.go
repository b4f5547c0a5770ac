package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
)

// openAgain opens a second Store on the same file: another process, as far
// as the lock is concerned (every check goes through the database).
func openAgain(t *testing.T, path string, clk clock.Clock) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSecondRunIsRefused(t *testing.T) {
	ctx := context.Background()
	a, clk, path := newStore(t)
	b := openAgain(t, path, clk)

	la, err := a.AcquireRunLock(ctx, LockHolder{User: "root", Mode: "auto", Host: "gym-box", PID: 4242}, 0)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Second)
	_, err = b.AcquireRunLock(ctx, LockHolder{User: "root", Mode: "auto"}, 0)
	var locked *LockedError
	if !errors.As(err, &locked) || !errors.Is(err, ErrLocked) {
		t.Fatalf("second AcquireRunLock = %v, want *LockedError", err)
	}
	want := "another doorsync run (pid 4242 on gym-box, user root, mode auto) has held the database since " +
		t0().Local().Format("15:04:05")
	if err.Error() != want {
		t.Errorf("message\n got %q\nwant %q", err, want)
	}
	if locked.Holder.PID != 4242 || locked.Holder.Host != "gym-box" || !locked.Since.Equal(t0()) {
		t.Errorf("LockedError = %+v", locked)
	}
	// The same process asking twice is refused too: the lock is per run.
	if _, err := a.AcquireRunLock(ctx, LockHolder{Mode: "console"}, 0); !errors.Is(err, ErrLocked) {
		t.Errorf("holder asking again = %v, want ErrLocked", err)
	}
	if h, since, ok, err := b.CurrentLock(ctx); err != nil || !ok || h.PID != 4242 || !since.Equal(t0()) {
		t.Errorf("CurrentLock = %+v %v %v %v", h, since, ok, err)
	}

	// Release frees it; releasing again is harmless.
	if err := la.Release(); err != nil {
		t.Fatal(err)
	}
	if err := la.Release(); err != nil {
		t.Errorf("second Release = %v", err)
	}
	if _, _, ok, _ := b.CurrentLock(ctx); ok {
		t.Error("lock row still there after Release")
	}
	lb, err := b.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0)
	if err != nil {
		t.Fatalf("AcquireRunLock after release: %v", err)
	}
	if _, ok := lb.TookOver(); ok {
		t.Error("a released lock was reported as taken over")
	}
	if lb.Holder().PID == 0 || lb.Holder().Host == "" {
		t.Errorf("holder defaults not filled: %+v", lb.Holder())
	}
}

func TestLockedErrorNamesDay(t *testing.T) {
	e := &LockedError{Holder: LockHolder{Host: "gym-box", PID: 7}, Since: t0(), Now: t0().Add(48 * time.Hour)}
	want := "another doorsync run (pid 7 on gym-box) has held the database since " + t0().Local().Format("2006-01-02 15:04:05")
	if e.Error() != want {
		t.Errorf("got %q\nwant %q", e.Error(), want)
	}
}

func TestLockWaitsForRelease(t *testing.T) {
	ctx := context.Background()
	a, clk, path := newStore(t)
	b := openAgain(t, path, clk)
	la, err := a.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	released := make(chan error, 1)
	go func() {
		time.Sleep(50 * time.Millisecond)
		released <- la.Release()
	}()
	lb, err := b.AcquireRunLock(ctx, LockHolder{Mode: "watch"}, 30*time.Second)
	if err != nil {
		t.Fatalf("waiting AcquireRunLock: %v", err)
	}
	if err := <-released; err != nil {
		t.Fatal(err)
	}
	if h, _, _, _ := a.CurrentLock(ctx); h.Mode != "watch" {
		t.Errorf("holder after wait = %+v", h)
	}
	lb.Release()
}

func TestLockWaitHonoursContext(t *testing.T) {
	a, clk, path := newStore(t)
	b := openAgain(t, path, clk)
	if _, err := a.AcquireRunLock(context.Background(), LockHolder{Mode: "auto"}, 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(30 * time.Millisecond); cancel() }()
	_, err := b.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, time.Hour)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrLocked) {
		t.Errorf("cancelled wait = %v, want context.Canceled and ErrLocked", err)
	}
}

func TestStaleLockTakeover(t *testing.T) {
	ctx := context.Background()
	const me = "this-host"
	for _, tc := range []struct {
		name      string
		host      string
		alive     bool
		known     bool
		silentFor time.Duration
		takeover  string // expected reason fragment, "" = refused
	}{
		{"dead pid on this host", me, false, true, 0, "pid 4242 is no longer running on this-host"},
		{"live pid on this host", me, true, true, time.Minute, ""},
		{"liveness unknown, fresh heartbeat", me, false, false, time.Minute, ""},
		// A live pid keeps the lock whatever its heartbeat says (a clock
		// jump ages it as well as death does): issue 11 §2.
		{"live pid on this host, silent for hours", me, true, true, 10 * time.Hour, ""},
		{"liveness unknown, old heartbeat", me, false, false, 10 * time.Minute, "no heartbeat for 10m0s"},
		{"other host, fresh heartbeat", "gym-box", false, true, 2 * time.Minute, ""},
		{"other host, old heartbeat", "gym-box", true, true, 3*time.Minute + time.Second, "no heartbeat for 3m1s"},
		// Containers sharing a host name (and the database) have process
		// tables of their own: a pid not seen here is not dead there.
		{"same host name, another PID namespace, fresh heartbeat", me, false, true, time.Minute, ""},
		// A pid running now is not the holder's when the host restarted
		// since, or when the process with that pid started later: a
		// reused pid does not keep a dead run's lock.
		// Another boot id: a restart of this host, or another machine
		// with this host name (issue 11 review: cloned VMs took each
		// other's live locks). Its pid means nothing here; the heartbeat
		// decides.
		{"pid of another boot, fresh heartbeat", me, true, true, time.Minute, ""},
		// A heartbeat written by a clock that was ahead (issue 11
		// re-review: a day ahead blocked every run for a day).
		{"other host, heartbeat a day in the future", "gym-box", true, true, -24 * time.Hour, "its last heartbeat is 24h0m0s in the future"},
		{"other host, heartbeat a minute in the future", "gym-box", true, true, -time.Minute, ""},
		{"pid of another boot, silent", me, true, true, 3*time.Minute + time.Second, "no heartbeat for 3m1s (bound 3m0s); pid 4242 ran under another boot of this-host"},
		{"live pid reused by another process", me, true, true, time.Minute, "pid 4242 on this-host is now another process"},
		{"live pid, same process", me, true, true, time.Minute, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _, path := newStore(t)
			clkB := clock.NewManual(t0().Add(tc.silentFor))
			b := openAgain(t, path, clkB)
			b.host = me
			b.boot = "boot-1"
			b.startOf = func(pid int) string {
				if strings.Contains(tc.name, "reused") {
					return "777"
				}
				return "555"
			}
			b.alive = func(pid int) (bool, bool) {
				if pid != 4242 {
					t.Errorf("liveness asked for pid %d", pid)
				}
				return tc.alive, tc.known
			}
			holder := LockHolder{Mode: "auto", Host: tc.host, PID: 4242}
			if strings.Contains(tc.name, "another PID namespace") {
				holder.PIDNamespace = "pid:[4026532999]"
			}
			holder.Boot, holder.Started = "boot-1", "555"
			if strings.Contains(tc.name, "another boot") {
				holder.Boot = "boot-0"
			}
			la, err := a.AcquireRunLock(ctx, holder, 0)
			if err != nil {
				t.Fatal(err)
			}
			run := startRun(t, a, "auto")
			lb, err := b.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0)
			if tc.takeover == "" {
				if !errors.Is(err, ErrLocked) {
					t.Fatalf("AcquireRunLock = %v, want refused", err)
				}
				if r, _ := b.Run(ctx, run); r.Outcome != OutcomeRunning {
					t.Errorf("the live run's outcome became %q", r.Outcome)
				}
				return
			}
			if err != nil {
				t.Fatalf("AcquireRunLock = %v, want a takeover", err)
			}
			stale, ok := lb.TookOver()
			if !ok || !strings.Contains(stale.Reason, tc.takeover) || stale.Holder.PID != 4242 || stale.RunID != run {
				t.Errorf("TookOver = %+v, %v; want reason %q and run %d", stale, ok, tc.takeover, run)
			}
			if r, _ := b.Run(ctx, run); r.Outcome != OutcomeAbandoned || !strings.Contains(r.Error, tc.takeover) {
				t.Errorf("old run = %+v, want abandoned", r)
			}
			// The old holder learns it lost the lock when it releases.
			if err := la.Release(); !errors.Is(err, ErrLockLost) {
				t.Errorf("old holder's Release = %v, want ErrLockLost", err)
			}
			if h, _, ok, _ := b.CurrentLock(ctx); !ok || h.Host != me {
				t.Errorf("the old holder's release removed the new lock: %+v %v", h, ok)
			}
		})
	}
}

func TestHeartbeat(t *testing.T) {
	ctx := context.Background()
	a, clk, path := newStore(t)
	a.heartbeatEvery = 5 * time.Millisecond
	la, err := a.AcquireRunLock(ctx, LockHolder{Mode: "watch", Host: "gym-box", PID: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer la.Release()

	// A long run: an hour later its heartbeat keeps the lock fresh.
	clk.Advance(time.Hour)
	raw := rawDB(t, path)
	waitFor(t, "heartbeat to record the advanced clock", func() bool {
		var hb string
		raw.QueryRow(`SELECT heartbeat_at FROM run_lock`).Scan(&hb)
		got, _ := parseTime(hb)
		return got.Equal(t0().Add(time.Hour))
	})
	b := openAgain(t, path, clk)
	if _, err := b.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0); !errors.Is(err, ErrLocked) {
		t.Errorf("lock with a fresh heartbeat = %v, want ErrLocked", err)
	}
	select {
	case <-la.Lost():
		t.Error("Lost closed while the lock is held")
	default:
	}
}

func TestSilentHolderLosesLock(t *testing.T) {
	// The holder's clock stands still (its heartbeats carry an old time, as
	// a suspended VM's would); another run sees them as stale and takes
	// over; the holder's next heartbeat notices and closes Lost.
	ctx := context.Background()
	a, _, path := newStore(t)
	a.heartbeatEvery = 5 * time.Millisecond
	la, err := a.AcquireRunLock(ctx, LockHolder{Mode: "watch", Host: "gym-box", PID: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	b := openAgain(t, path, clock.NewManual(t0().Add(time.Hour)))
	lb, err := b.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0)
	if err != nil {
		t.Fatalf("takeover of a silent lock: %v", err)
	}
	defer lb.Release()
	select {
	case <-la.Lost():
	case <-time.After(10 * time.Second):
		t.Fatal("the displaced holder never noticed")
	}
	if err := la.Release(); !errors.Is(err, ErrLockLost) {
		t.Errorf("Release after losing = %v", err)
	}
	if h, _, ok, _ := b.CurrentLock(ctx); !ok || h.Mode != "auto" {
		t.Errorf("lock now %+v %v, want the new holder's", h, ok)
	}
}

func TestCloseReleasesLock(t *testing.T) {
	ctx := context.Background()
	a, clk, path := newStore(t)
	if _, err := a.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b := openAgain(t, path, clk)
	l, err := b.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0)
	if err != nil {
		t.Fatalf("lock after the holder closed its store: %v", err)
	}
	if _, ok := l.TookOver(); ok {
		t.Error("Close left the lock behind to be taken over")
	}
}

func TestReadersWhileWriterHoldsLock(t *testing.T) {
	ctx := context.Background()
	w, clk, path := newStore(t)
	lock, err := w.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	run := startRun(t, w, "auto")

	r, err := OpenReadOnly(ctx, path, clk)
	if err != nil {
		t.Fatalf("OpenReadOnly while locked: %v", err)
	}
	defer r.Close()

	batches := make([][]ItemRecord, 20)
	for i := range batches {
		batches[i] = []ItemRecord{sampleItem(t, 2*i), sampleItem(t, 2*i+1)}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	writeErr := make(chan error, 1)
	go func() {
		defer wg.Done()
		for _, batch := range batches {
			if err := w.AddItems(ctx, run, batch); err != nil {
				writeErr <- err
				return
			}
		}
	}()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := 0
			for range 20 {
				items, err := r.Items(ctx, run)
				if err != nil {
					t.Errorf("reader: %v", err)
					return
				}
				if len(items)%2 != 0 || len(items) < last {
					t.Errorf("reader saw %d items after %d: a batch is visible whole or not at all", len(items), last)
				}
				last = len(items)
				if _, err := r.Runs(ctx, 5); err != nil {
					t.Errorf("reader: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	close(writeErr)
	if err := <-writeErr; err != nil {
		t.Fatalf("writer: %v", err)
	}
	if items, _ := r.Items(ctx, run); len(items) != 40 {
		t.Errorf("reader sees %d items at the end, want 40", len(items))
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second) // wall clock: a polling deadline
	for !cond() {
		if time.Now().After(deadline) { // wall clock: a polling deadline
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func ExampleLockedError() {
	e := &LockedError{Holder: LockHolder{User: "root", Mode: "auto", Host: "gym-box", PID: 4242}}
	fmt.Println(strings.SplitN(e.Error(), " since", 2)[0])
	// Output: another doorsync run (pid 4242 on gym-box, user root, mode auto) has held the database
}
