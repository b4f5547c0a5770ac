package cli

import (
	"context"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/service"
)

// The core flow at each awkward instant (DST changes, a leap day, a minute
// before a new year, 2037): --auto writes what the plan says and nothing
// else, a second plan has nothing left for it, a second --auto writes
// nothing, the console reads the entrance's refusals, and watch's
// incremental pass brings a renewal. `make test-dates`
// runs every end-to-end test at these instants; this keeps them covered on
// every run, cheaply (a small site).
func TestCoreFlowAtAwkwardInstants(t *testing.T) {
	for _, c := range clocktest.Awkward() {
		t.Run(c.Name, func(t *testing.T) {
			s := startE2ESiteOn(t, clocktest.At(t, clocktest.Parse(t, c.Instant)), 60, 5)
			s.raiseGuard(t)
			p := s.plan(t)
			writes := e2eAutoWrites(p)
			if e2eCount(writes) == 0 {
				t.Fatal("nothing for --auto to write: the test proves nothing")
			}
			before := s.snapshot()
			if r := s.run(t, "--auto"); r.code != e2eExpectedCode(p) {
				t.Fatalf("--auto: exit %d, want %d\n%s%s", r.code, e2eExpectedCode(p), r.stdout, r.stderr)
			}
			e2eAssertConverged(t, before, s.snapshot(), writes)
			for _, ep := range s.Terminals {
				e2eAssertModifies(t, ep, writes[ep.Name])
			}

			if left := e2eAutoWrites(s.plan(t)); e2eCount(left) != 0 {
				t.Errorf("after --auto the plan still writes %v", left)
			}
			sent := s.modifies()
			if r := s.run(t, "--auto"); r.code != e2eExpectedCode(p) {
				t.Errorf("second --auto: exit %d, want %d\n%s%s", r.code, e2eExpectedCode(p), r.stdout, r.stderr)
			}
			if n := s.modifies() - sent; n != 0 {
				t.Errorf("the second --auto sent %d writes", n)
			}
			be := s.consoleBackend(t)
			assertRefusalReads(t, s.Site, be)

			// A renewal reaches the entrance through watch's incremental
			// pass (asking Cardskipper for the changes since the last poll,
			// which in autumn's repeated hour is a wall time read twice).
			// Watch starts with a full reconcile (nothing left to write), then
			// polls for the changes since it.
			w := be.ses.svc.Watch(service.WatchOptions{Interval: time.Minute, FullEvery: 24 * time.Hour, Overlap: time.Second, MaxWait: time.Hour})
			if full, err := w.Pass(context.Background(), nil); err != nil || full.Err != nil || !full.Full {
				t.Fatalf("watch's first pass: full %v, %v, %v", full.Full, err, full.Err)
			}
			rn := pickRenewal(t, s.Site)
			rn.apply(s.Site)
			if p, err := w.Pass(context.Background(), nil); err != nil || p.Err != nil || p.Full || p.Changed == 0 {
				t.Fatalf("incremental pass: full %v, %d changed, %v, %v", p.Full, p.Changed, err, p.Err)
			}
			if !rn.arrived(s.Site)() {
				p, _ := s.TerminalServers["entrance"].Person(rn.account)
				t.Errorf("after the incremental pass the entrance holds %s for %s, want %s", p.Valid.EndTime, rn.account, rn.holds)
			}
		})
	}
}
