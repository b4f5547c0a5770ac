package service

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/backend"
	csemu "github.com/doorsync/doorsync/internal/emulator/cardskipper"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

// refresher refreshes svc's data, failing t with what was refreshed.
func refresher(t *testing.T, svc *Service) func(what string) backend.Data {
	return func(what string) backend.Data {
		t.Helper()
		d, err := svc.Refresh(context.Background(), nop[backend.Progress])
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return d
	}
}

// What changed since the last run, against the emulated site on the manual
// clock: nothing to compare with before a run; after a full watch pass
// only what appeared since is new; an incremental pass that recorded one
// member makes nothing else new; an operator's apply becomes the run
// compared with.
func TestChangesSinceTheLastRun(t *testing.T) {
	r := newRig(t, 40)
	svc, _ := r.service(t, "doorsync.db")
	ctx := context.Background()
	refresh := refresher(t, svc)
	newOnes := func(d backend.Data) map[member.Email]int {
		byID := map[string]*plan.Item{}
		for i := range d.Plan.Items {
			byID[d.Plan.Items[i].ID] = &d.Plan.Items[i]
		}
		out := map[member.Email]int{}
		for _, c := range d.Changes.Items {
			if c.Why == plan.ChangeNew {
				out[byID[c.ItemID].Email]++
			}
		}
		return out
	}

	if d := refresh("before any run"); d.Changes.RunID != 0 || len(d.Changes.Items) != 0 {
		t.Fatalf("no run recorded yet, changes %+v", d.Changes)
	}

	w := svc.Watch(WatchOptions{Interval: time.Minute, FullEvery: 24 * time.Hour, Overlap: time.Minute, MaxWait: 10 * time.Minute})
	full, err := w.Pass(ctx, nil)
	if err != nil || !full.Full || full.Outcome == nil {
		t.Fatalf("the first watch pass: %+v, %v", full, err)
	}
	r.clk.Advance(time.Minute)
	d := refresh("after a full pass")
	if d.Changes.RunID != full.Outcome.RunID || d.Changes.RunMode != engine.ModeWatch {
		t.Fatalf("compared with run %d (%s), want the full pass %d", d.Changes.RunID, d.Changes.RunMode, full.Outcome.RunID)
	}
	attention := 0
	for _, it := range d.Plan.Items {
		if it.Kind != plan.InSync {
			attention++
		}
	}
	if attention == 0 {
		t.Fatal("the data set leaves nothing to attend to: the test shows nothing")
	}
	if got := newOnes(d); len(got) != 0 {
		t.Errorf("after a full pass recorded them, new: %v", got)
	}

	// A member joins: no run recorded their items yet.
	joined := r.site.CardskipperServer.Members()[0]
	joined.MemberID, joined.OrganisationMemberID, joined.UserID, joined.MemberCode = 0, "9990001", 0, ""
	joined.FirstName, joined.LastName, joined.Email = "Nova", "Članica", "nova.clanica@example.si"
	joined.ChangedAt = time.Time{}
	r.site.CardskipperServer.Upsert(joined)
	d = refresh("after a member joined")
	if got := newOnes(d); len(got) != 1 || got["nova.clanica@example.si"] == 0 {
		t.Errorf("new after a member joined: %v, want only nova.clanica@example.si's items", got)
	}

	// The incremental pass records only her items: nothing else is new
	// for being absent from it, and hers are known now.
	r.clk.Advance(time.Minute)
	inc, err := w.Pass(ctx, nil)
	if err != nil || inc.Full || inc.Outcome == nil {
		t.Fatalf("the incremental pass: %+v, %v", inc, err)
	}
	d = refresh("after the incremental pass")
	if d.Changes.RunID != inc.Outcome.RunID {
		t.Fatalf("compared with run %d, want the incremental pass %d", d.Changes.RunID, inc.Outcome.RunID)
	}
	if got := newOnes(d); len(got) != 0 {
		t.Errorf("after an incremental pass, new: %v", got)
	}

	// An operator's apply is the run compared with from now on, also
	// after later unattended passes.
	// A member renews: the console's apply extends them.
	var renewed member.Email
	for _, it := range d.Plan.Items {
		if it.Kind == plan.InSync && it.System == "hikvision" && it.Email != "" {
			renewed = it.Email
			break
		}
	}
	for _, m := range r.site.CardskipperServer.Members() {
		if member.Email(strings.ToLower(m.Email)) == renewed {
			for i := range m.Roles {
				m.Roles[i].EndDate = "2027-12-31"
			}
			m.ChangedAt = time.Time{}
			r.site.CardskipperServer.Upsert(m)
		}
	}
	d = refresh("after a member renewed")
	var write string
	for _, it := range d.Plan.Items {
		if it.Kind.Writes() && it.Email == renewed {
			write = it.ID
			break
		}
	}
	if write == "" {
		t.Fatalf("no write for %s, who renewed", renewed)
	}
	res, err := svc.Apply(ctx, d.Plan, []string{write}, nop[backend.ApplyProgress])
	if err != nil || res.Applied != 1 {
		t.Fatalf("apply: %+v, %v", res, err)
	}
	r.clk.Advance(24 * time.Hour)
	if p, err := w.Pass(ctx, nil); err != nil || !p.Full {
		t.Fatalf("the next full pass: %+v, %v", p, err)
	}
	d = refresh("after the apply and a full pass")
	if d.Changes.RunID != res.RunID || d.Changes.RunMode != engine.ModeConsole {
		t.Errorf("compared with run %d (%s), want the console's apply %d", d.Changes.RunID, d.Changes.RunMode, res.RunID)
	}
	if got := newOnes(d); len(got) != 0 {
		t.Errorf("after the apply, new: %v", fmt.Sprint(got))
	}
}

// Only operators' applies to compare with (a demo, a site without cron):
// they recorded what was approved, so what is new cannot be told — the
// first console apply made "757 new" (review of issue 13). Nothing is
// called new, and the changes say why.
func TestChangesWithoutAnUnattendedRunTellNothingNew(t *testing.T) {
	r := newRig(t, 40)
	svc, _ := r.service(t, "doorsync.db")
	ctx := context.Background()
	d, err := svc.Refresh(ctx, nop[backend.Progress])
	if err != nil {
		t.Fatal(err)
	}
	var one []string
	for _, it := range d.Plan.Items {
		if it.Kind.Writes() && it.Identity == "" {
			one = append(one, it.ID)
			break
		}
	}
	if len(one) == 0 {
		t.Fatal("nothing to apply: the test shows nothing")
	}
	if _, err := svc.Apply(ctx, d.Plan, one, nop[backend.ApplyProgress]); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(time.Minute)
	if d, err = svc.Refresh(ctx, nop[backend.Progress]); err != nil {
		t.Fatal(err)
	}
	if d.Changes.RunID == 0 || d.Changes.RunMode != engine.ModeConsole || !d.Changes.NewUntold {
		t.Fatalf("changes %+v: want the console run, new untold", d.Changes)
	}
	for _, c := range d.Changes.Items {
		if c.Why == plan.ChangeNew {
			t.Fatalf("item %s called new with no unattended run to compare with", c.ItemID)
		}
	}
}

// A stopped apply leaves its approved items still to do: told as
// cancelled last time. Drift that an unattended run wrote back since the
// run compared with is gone from the plan: told as drift repaired, with
// the run that repaired it (review of issue 13).
func TestChangesTellCancelledAndDriftRepaired(t *testing.T) {
	r := newRig(t, 40)
	svc, _ := r.service(t, "doorsync.db")
	ctx := context.Background()
	refresh := func(what string) backend.Data {
		t.Helper()
		r.clk.Advance(time.Minute)
		return refresher(t, svc)(what)
	}
	w := svc.Watch(WatchOptions{Interval: time.Minute, FullEvery: 24 * time.Hour, Overlap: time.Minute, MaxWait: 10 * time.Minute})
	pass := func(what string, full bool) int64 {
		t.Helper()
		r.clk.Advance(time.Minute)
		p, err := w.Pass(ctx, nil)
		if err != nil || p.Full != full || p.Outcome == nil {
			t.Fatalf("%s: %+v, %v", what, p, err)
		}
		return p.Outcome.RunID
	}
	// upsert changes the Cardskipper member with e-mail email by change.
	upsert := func(email member.Email, change func(m *csemu.Member)) {
		for _, m := range r.site.CardskipperServer.Members() {
			if member.Email(strings.ToLower(m.Email)) == email {
				change(&m)
				m.ChangedAt = time.Time{}
				r.site.CardskipperServer.Upsert(m)
			}
		}
	}
	pass("the first pass", true)

	// Three members the entrance holds in sync: the first renews, the
	// next two end sooner. The pass extends the first; the policy holds
	// the shortens for an operator, whose apply is stopped before it
	// writes.
	var picked []plan.Item
	for _, it := range refresh("after the first pass").Plan.Items {
		if it.Kind == plan.InSync && it.Target == "entrance" && it.Email != "" && it.Identity == "" && len(picked) < 3 {
			picked = append(picked, it)
		}
	}
	if len(picked) < 3 {
		t.Fatalf("the entrance holds %d members in sync: the test shows nothing", len(picked))
	}
	soon := r.clk.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	for i, it := range picked {
		end := soon
		if i == 0 {
			end = "2027-12-31"
		}
		upsert(it.Email, func(m *csemu.Member) {
			for i := range m.Roles {
				m.Roles[i].EndDate = end
			}
		})
	}
	pass("the pass that holds the shortens", false)
	d := refresh("after the shortens")
	var approved []string
	for _, it := range d.Plan.Items {
		if it.Kind.Writes() && it.Identity == "" {
			approved = append(approved, it.ID)
		}
	}
	if len(approved) == 0 {
		t.Fatal("nothing held to approve: the test shows nothing")
	}
	stopped, cancel := context.WithCancel(ctx)
	cancel()
	res, _ := svc.Apply(stopped, d.Plan, approved, nop[backend.ApplyProgress])
	d = refresh("after the stopped apply")
	if d.Changes.RunID != res.RunID || d.Changes.Count(plan.ChangeCancelled) != len(approved) {
		t.Fatalf("compared with run %d (want the stopped apply %d), %d cancelled, want %d: %+v",
			d.Changes.RunID, res.RunID, d.Changes.Count(plan.ChangeCancelled), len(approved), d.Changes.Items)
	}
	if len(d.Changes.Repaired) != 0 {
		t.Fatalf("drift repaired before any: %+v", d.Changes.Repaired)
	}

	// Someone sets the entrance's end of an account the first pass wrote
	// back by hand; the member's next change brings the watch's pass to
	// them, which writes the end back.
	drifted := picked[0]
	term := r.site.TerminalServers["entrance"]
	persons := term.Persons()
	for i := range persons {
		if persons[i].EmployeeNo == drifted.Account {
			persons[i].Valid.EndTime = r.clk.Now().AddDate(0, 0, -1).Format(time.DateOnly) + "T23:59:59"
		}
	}
	term.SetPersons(persons)
	upsert(drifted.Email, func(m *csemu.Member) { m.FirstName += " " })
	repair := pass("the pass that repairs the drift", false)
	d = refresh("after the repair")
	if d.Changes.RunID != res.RunID || d.Changes.Count(plan.ChangeCancelled) != len(approved) {
		t.Errorf("after the repair: compared with run %d, %d cancelled: want the stopped apply %d, %d cancelled",
			d.Changes.RunID, d.Changes.Count(plan.ChangeCancelled), res.RunID, len(approved))
	}
	got := d.Changes.Repaired
	if len(got) != 1 || got[0].Email != drifted.Email || got[0].Target != "entrance" ||
		got[0].Account != drifted.Account || got[0].RunID != repair || got[0].RunMode != engine.ModeWatch || got[0].RunAt.IsZero() ||
		got[0].PlanItemID != drifted.ID {
		t.Fatalf("drift repaired %+v, want %s's on the entrance by run %d (watch)", got, drifted.Email, repair)
	}
	for _, c := range d.Changes.Items {
		if c.ItemID == got[0].ItemID {
			t.Errorf("the repaired item is also told as %v", c.Why)
		}
	}
}
