package service

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	csemu "github.com/doorsync/doorsync/internal/emulator/cardskipper"
	"github.com/doorsync/doorsync/internal/emulator/dataset"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/store"
)

// utcClock reads another clock in UTC, as the system clock of a server
// whose TZ is UTC does.
type utcClock struct{ c clock.Clock }

func (u utcClock) Now() time.Time { return u.c.Now().UTC() }

// A whole-list change that waits for the minimum interval is recorded with
// the times of the configured zone, as every other time in history, even
// on a machine whose clock reads UTC (issue 12 review: the hold time in
// history was UTC).
func TestListWaitIsRecordedInTheConfiguredZone(t *testing.T) {
	r := newRig(t, 60)
	r.cfg.Policy.MaxRevocations, r.cfg.Policy.MaxRevocationPercent = 100000, 100
	ctx := context.Background()
	st, err := store.Open(ctx, r.dir+"/doorsync.db", r.clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := New(ctx, r.cfg, Deps{Store: st, Clock: utcClock{r.clk}, User: "tester", Host: "box"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	if _, _, err := svc.Sync(ctx, SyncRequest{Mode: engine.ModeAuto}); err != nil {
		t.Fatal(err)
	}
	if n := len(r.site.NTKServer.Accepted()); n != 1 {
		t.Fatalf("the first run uploaded %d lists, want 1", n)
	}
	// A new member with a card, ten minutes later (10:40 in Ljubljana,
	// 08:40 UTC): the changed list waits until 11:30.
	r.clk.Advance(10 * time.Minute)
	now := r.clk.Now()
	r.site.CardskipperServer.Upsert(csemu.Member{OrganisationMemberID: "990001", FirstName: "Nova", LastName: "Članica",
		Email: "nova.clanica@example.si", Extra: [3]string{"A1B2C3D4"},
		Roles: []csemu.MemberRole{{OrganisationID: dataset.OrganisationID, RoleID: dataset.RoleYearly,
			StartDate: now.Format("2006-01-02") + "T00:00:00", EndDate: now.AddDate(1, 0, 0).Format("2006-01-02") + "T00:00:00"}}})
	out, _, err := svc.Sync(ctx, SyncRequest{Mode: engine.ModeAuto})
	if err != nil {
		t.Fatal(err)
	}
	_, items, err := svc.Run(ctx, out.RunID)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, it := range items {
		if it.System == "ntk" && strings.Contains(it.Error, "not uploaded yet") {
			notes = append(notes, it.Error)
		}
	}
	if len(notes) == 0 {
		t.Fatalf("no NTK item waits for the interval in run %d (%s)", out.RunID, out.Summary())
	}
	for _, want := range []string{"accepted at 2026-05-12 10:30", "next upload at 2026-05-12 11:30"} {
		if !strings.Contains(notes[0], want) {
			t.Errorf("the waiting item says %q, lacks %q (the configured zone's time)", notes[0], want)
		}
	}
}
