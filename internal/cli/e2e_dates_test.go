package cli

import (
	"context"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
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
			rn := pickRenewal(t, s.Site)
			since := s.Clock.Now().Add(-time.Second)
			rn.apply(s.Site)
			if _, n, err := be.ses.svc.SessionEngine().Incremental(context.Background(), since); err != nil || n == 0 {
				t.Fatalf("incremental pass: %d changed, %v", n, err)
			}
			if !rn.arrived(s.Site)() {
				p, _ := s.TerminalServers["entrance"].Person(rn.account)
				t.Errorf("after the incremental pass the entrance holds %s for %s, want %s", p.Valid.EndTime, rn.account, rn.holds)
			}
		})
	}
}
