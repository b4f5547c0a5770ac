package service

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

// What changed since the last run, against the emulated site on the manual
// clock: nothing to compare with before a run; after a full watch pass
// only what appeared since is new; an incremental pass that recorded one
// member makes nothing else new; an operator's apply becomes the run
// compared with.
func TestChangesSinceTheLastRun(t *testing.T) {
	r := newRig(t, 40)
	svc, _ := r.service(t, "doorsync.db")
	ctx := context.Background()
	refresh := func(what string) backend.Data {
		t.Helper()
		d, err := svc.Refresh(ctx, nop[backend.Progress])
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return d
	}
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
