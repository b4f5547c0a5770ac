package hikvision_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/emulator"
	emu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/hikvision"
)

// Terminal-specific behaviour against the emulator, beyond the shared suite.

func TestEmulatorLockoutIsNeverReached(t *testing.T) {
	b := newBench(t, emu.Config{LockAfter: 3})
	b.seed(5)
	b.term.SetPassword("rotated")
	for i := range 10 {
		_, err := b.target.Inventory(context.Background(), nil)
		var te *target.Error
		if !errors.As(err, &te) || te.Class != target.Auth {
			t.Fatalf("want class auth, got %v", err)
		}
		// The first call reads deviceInfo (XML): the terminal's userCheck
		// body says how many attempts are left.
		if i == 0 && (te.RetryTimes != 2 || !strings.Contains(err.Error(), "2 login attempts left")) {
			t.Errorf("first failure: RetryTimes %d: %v", te.RetryTimes, err)
		}
	}
	if n := b.term.FailedLogins(); n > 2 {
		t.Errorf("the terminal counted %d failed logins, want at most 2", n)
	}
	if b.term.Locked() {
		t.Error("the terminal locked the account")
	}
}

func TestEmulatorProbeAndClock(t *testing.T) {
	zone, _ := time.LoadLocation("Europe/Ljubljana")
	clk := clock.NewManual(time.Date(2025, 11, 1, 10, 0, 0, 0, zone))
	b := newBench(t, emu.Config{Clock: clk, ClockSkew: 95 * time.Second}, func(c *hikvision.Config) { c.Clock = clk })
	if err := b.target.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	if info := b.target.Info(); info.Serial != b.term.Serial() || info.MaxEnd.Format(time.DateTime) != "2037-12-31 23:59:59" {
		t.Errorf("Info %+v, serial %s", info, b.term.Serial())
	}
	dt, err := b.target.Client().Time(context.Background())
	if err != nil || dt.Skew != 95*time.Second {
		t.Errorf("Time %+v, %v: want a skew of 95 s", dt, err)
	}
}

func TestEmulatorExpiredNonceIsRenewed(t *testing.T) {
	zone, _ := time.LoadLocation("Europe/Ljubljana")
	clk := clock.NewManual(time.Date(2025, 11, 1, 10, 0, 0, 0, zone))
	b := newBench(t, emu.Config{Clock: clk, NonceTTL: time.Minute})
	b.seed(3)
	ctx := context.Background()
	if _, err := b.target.Inventory(ctx, nil); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute)
	if _, err := b.target.Inventory(ctx, nil); err != nil {
		t.Fatalf("after the nonce expired: %v", err)
	}
	if n := b.term.FailedLogins(); n != 0 {
		t.Errorf("a stale nonce counted as %d failed logins", n)
	}
}

func TestEmulatorWriteKeepsEverythingElse(t *testing.T) {
	b := newBench(t, emu.Config{})
	b.seed(3)
	before, _ := b.term.Person("1001")
	ctx := context.Background()
	read, err := b.target.Lookup(ctx, []string{"1001"})
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 3, 31, 23, 59, 59, 0, b.zone)
	if errs := b.target.Write(ctx, []target.Update{{Account: read["1001"], End: end}}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	after, _ := b.term.Person("1001")
	want := before
	want.Valid.EndTime = "2026-03-31T23:59:59"
	if after.Name != want.Name || after.UserType != want.UserType || after.DoorRight != want.DoorRight ||
		!slices.Equal(after.RightPlan, want.RightPlan) || !slices.Equal(after.Extends, want.Extends) || after.Valid != want.Valid {
		t.Errorf("person changed beyond its end:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestEmulatorMissingUserTypeIsAddedFromTheTerminal(t *testing.T) {
	b := newBench(t, emu.Config{})
	b.seed(2)
	b.term.SetPersons(append(b.term.Persons()[:1], func() emu.Person {
		p := b.term.Persons()[1]
		p.UserType = "visitor"
		return p
	}()))
	ctx := context.Background()
	read, err := b.target.Lookup(ctx, []string{"1001"})
	if err != nil {
		t.Fatal(err)
	}
	acct := read["1001"]
	delete(acct.Attrs, "userType") // e.g. a plan saved by an older version
	end := time.Date(2026, 1, 31, 23, 59, 59, 0, b.zone)
	if errs := b.target.Write(ctx, []target.Update{{Account: acct, End: end}}); errs[0] != nil {
		t.Fatalf("write: %v", errs[0])
	}
	p, _ := b.term.Person("1001")
	if p.UserType != "visitor" || p.Valid.EndTime != "2026-01-31T23:59:59" {
		t.Errorf("person %+v", p)
	}
	if n := b.log.Count(func(r emulator.Request) bool { return r.Path == pathModify && r.Status != 401 }); n != 2 {
		t.Errorf("%d Modify requests, want 2 (the lacking one and the retry)", n)
	}
}

func TestEmulatorIgnoringEmployeeNoList(t *testing.T) {
	b := newBench(t, emu.Config{IgnoreEmployeeNoList: true})
	b.seed(40)
	_, err := b.target.Lookup(context.Background(), []string{"1035", "1036"})
	var te *target.Error
	if !errors.As(err, &te) || te.Class != target.Malformed || !strings.Contains(err.Error(), `employeeNo "1000", which was not asked for`) {
		t.Fatalf("want a malformed error naming 1000, got %v", err)
	}
}

// Callers on several goroutines never make the terminal busy: the client
// sends one request at a time. The client does not retry, so any
// deviceBusy would surface as an error.
func TestEmulatorConcurrentCallersNeverBusy(t *testing.T) {
	b := newBench(t, emu.Config{ProcessTime: time.Millisecond})
	b.seed(70)
	ctx := context.Background()
	read, err := b.target.Lookup(ctx, []string{"1000", "1001", "1002", "1003"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errc := make(chan error, 16)
	for i := range 4 {
		wg.Go(func() {
			if _, err := b.target.Inventory(ctx, nil); err != nil {
				errc <- err
			}
		})
		wg.Go(func() {
			id := []string{"1000", "1001", "1002", "1003"}[i]
			if errs := b.target.Write(ctx, []target.Update{{Account: read[id], End: read[id].End.AddDate(0, 1, 0)}}); errs[0] != nil {
				errc <- errs[0]
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}

// After a write that got no answer, the rest of the batch is not sent: each
// would cost a whole timeout on a terminal that is down. They carry the
// silent write's error, so the engine counts them as unanswered too.
func TestWriteStopsAfterASilentWrite(t *testing.T) {
	b := newBench(t, emu.Config{})
	seeded := b.seed(3)
	ctx := context.Background()
	accs, err := b.target.Lookup(ctx, []string{seeded[0].ID, seeded[1].ID, seeded[2].ID})
	if err != nil {
		t.Fatal(err)
	}
	var updates []target.Update
	for _, s := range seeded {
		updates = append(updates, target.Update{Account: accs[s.ID], End: s.End.AddDate(0, 1, 0)})
	}
	isModify := func(r emulator.Request) bool { return r.Path == pathModify }
	b.faults.Next(emulator.FaultReset)
	errs := b.target.Write(ctx, updates)
	if n := b.log.Count(isModify); n != 1 {
		t.Errorf("%d Modify requests, want the one that got no answer", n)
	}
	for i, err := range errs {
		if !target.Unanswered(err) || (i > 0 && !strings.Contains(err.Error(), "not sent, the previous write got no answer")) {
			t.Errorf("update %d: %v", i, err)
		}
	}
}
