package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
)

// crashEnv makes the test binary play a doorsync run that gets killed
// mid-write (see crashingRun).
const crashEnv = "DOORSYNC_STORE_TEST_CRASH_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		os.Exit(crashingRun(path))
	}
	os.Exit(m.Run())
}

// crashingRun does what the apply step does up to sending a write: lock,
// start a run, store its items, journal the write. Then it says so and
// waits to be killed, never completing anything.
func crashingRun(path string) int {
	ctx := context.Background()
	s, err := Open(ctx, path, clock.NewManual(t0())) // the parent reads the database at t0 too
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := s.AcquireRunLock(ctx, LockHolder{User: "cron", Mode: "auto"}, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	run, err := s.StartRun(ctx, Run{Mode: "auto", User: "cron", Host: "gym-box"})
	if err == nil {
		err = s.AddItems(ctx, run, []ItemRecord{{ItemID: "i1", Kind: "extend", Email: "ziga.ceh@example.si",
			Target: "entrance", Account: "1042", Status: StatusPlanned}})
	}
	if err == nil {
		_, err = s.OpenJournal(ctx, JournalEntry{RunID: run, ItemID: "i1", Target: "entrance", Account: "1042",
			Before: time.Date(2025, 10, 1, 21, 59, 59, 0, time.UTC), Want: time.Date(2025, 11, 1, 22, 59, 59, 0, time.UTC)})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("journalled run %d pid %d\n", run, os.Getpid())
	select {} // the write is "in flight" until the kill
}

// killedRun runs crashingRun in a child process on path, waits until it has
// journalled its write, kills it (SIGKILL) and returns its pid.
func killedRun(t *testing.T, path string) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "journalled") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("crashing run said %q, %v", line, err)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no defer, no cleanup runs
		t.Fatal(err)
	}
	cmd.Wait() // reaped: the pid is gone
	return cmd.Process.Pid
}
