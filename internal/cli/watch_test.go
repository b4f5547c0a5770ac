package cli

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/emulator/dataset"
	hikemu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	"github.com/doorsync/doorsync/internal/emulator/site"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/tui"
)

// TestWatchAppliesARenewalIncrementally: after the start-up reconcile, a
// renewal in Cardskipper reaches the terminal through an incremental pass
// that asks only for changed members and reads only their accounts.
func TestWatchAppliesARenewalIncrementally(t *testing.T) {
	s, cfg := startSite(t, 60)
	raiseGuard(t, cfg)
	rn := pickRenewal(t, s)
	app, out, _ := newTestApp(s.Clock, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- app.Run(ctx, []string{"watch", "--config", cfg, "--interval", "1s", "--overlap", "1s"})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("watch did not stop")
		}
	})
	waitFor(t, 30*time.Second, func() bool { return strings.Contains(out.String(), "run 1") }, "the start-up reconcile")

	rn.apply(s)
	entrance := s.Terminals[0]
	entrance.Log.Reset()
	waitFor(t, 30*time.Second, rn.arrived(s), "the renewal on the terminal")
	// The incremental pass read only the changed member's account: no full scan.
	full := entrance.Log.Count(func(r emulator.Request) bool {
		return strings.HasSuffix(r.Path, "/UserInfo/Search") && !strings.Contains(string(r.Body), "EmployeeNoList")
	})
	if full != 0 {
		t.Errorf("%d full Search scans after the start; the incremental pass must read only changed accounts", full)
	}
	// The console's first frame (the kept plan) shows the renewal done,
	// not still to do: the pass that wrote keeps it, and the next poll's
	// overlap reads the account again anyway.
	app2, _, _ := newTestApp(s.Clock, nil)
	ses, err := app2.openSession(ctx, &globalOptions{configPath: cfg}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ses.close()
	be := &consoleBackend{Service: ses.svc, ses: ses}
	waitFor(t, 10*time.Second, func() bool {
		var kept tui.Data
		if _, err := be.Open(ctx, func(d tui.Data) { kept = d }); err != nil {
			return false
		}
		for _, it := range kept.Plan.Items {
			if it.MemberID == rn.member && it.Target == "entrance" {
				return it.Kind == plan.InSync && !it.Drift
			}
		}
		return false
	}, "the renewal done in the kept plan")
}

// renewal is a member's renewal in Cardskipper, from today for a year and
// two months, and what the entrance then holds.
type renewal struct {
	member, account string // the member's number, its account on the entrance
	start, end      string // the new role's days
	holds           string // the entrance's end after the sync (capped in 2037)
}

// pickRenewal picks a member the entrance knows by e-mail and holds in
// sync, whose renewal changes what the entrance holds.
func pickRenewal(t *testing.T, s *site.Site) renewal {
	t.Helper()
	now := s.Clock.Now().In(s.Zone)
	rn := renewal{start: now.Format(time.DateOnly), end: now.AddDate(1, 2, 0).Format(time.DateOnly)}
	rn.holds = min(rn.end+"T23:59:59", hikemu.LatestEnd)
	for _, p := range s.Data.Terminals["entrance"] {
		if len(p.Extends) == 0 || p.Valid.EndTime >= rn.holds {
			continue
		}
		for _, m := range s.Data.Members {
			if s.Data.Truth[m.OrganisationMemberID] == dataset.Current && strings.EqualFold(m.Email, p.Extends[0].Value) {
				rn.member, rn.account = m.OrganisationMemberID, p.EmployeeNo
				return rn
			}
		}
	}
	t.Fatal("no member to renew in the data set")
	return rn
}

// apply renews the member in Cardskipper, changed now by the site's clock.
func (rn renewal) apply(s *site.Site) {
	for _, m := range s.CardskipperServer.Members() {
		if m.OrganisationMemberID != rn.member {
			continue
		}
		m.Roles = append(m.Roles, m.Roles[0])
		m.Roles[len(m.Roles)-1].StartDate = rn.start + "T00:00:00"
		m.Roles[len(m.Roles)-1].EndDate = rn.end + "T00:00:00"
		m.ChangedAt = time.Time{}
		s.CardskipperServer.Upsert(m)
	}
}

// arrived tells whether the entrance holds the renewal.
func (rn renewal) arrived(s *site.Site) func() bool {
	return func() bool {
		p, _ := s.TerminalServers["entrance"].Person(rn.account)
		return p.Valid.EndTime == rn.holds
	}
}

// raiseGuard lifts the demo config's guard so a generated data set's
// revocations do not hold everything.
func raiseGuard(t *testing.T, cfg string) {
	t.Helper()
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "max_revocations = 25", "max_revocations = 100000", 1)
	text = strings.Replace(text, "max_revocation_percent = 10", "max_revocation_percent = 100", 1)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, limit time.Duration, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(limit) // wall clock: a polling deadline
	for !ok() {
		if time.Now().After(deadline) { // wall clock: a polling deadline
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
