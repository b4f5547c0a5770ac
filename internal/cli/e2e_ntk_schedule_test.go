package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	csemu "github.com/doorsync/doorsync/internal/emulator/cardskipper"
	"github.com/doorsync/doorsync/internal/emulator/dataset"
	"github.com/doorsync/doorsync/internal/store"
)

// TestNTKUploadSchedule: unattended runs send NTK the list when it changed,
// not more often than the minimum interval, and the unchanged list once a
// day (seed 003: "the standard period is once a day"). Time passes by
// moving the stored time of the last accepted upload back.
func TestNTKUploadSchedule(t *testing.T) {
	s := startE2ESiteAll(t, 120, 6)
	s.raiseGuard(t)
	auto := func(step string) run {
		t.Helper()
		r := s.run(t, "--auto")
		if r.code != ExitOK && r.code != ExitHeld {
			t.Fatalf("%s: --auto exit %d\n%s%s", step, r.code, r.stdout, r.stderr)
		}
		return r
	}
	uploads := func() int { return len(s.NTKServer.Accepted()) }

	auto("first run")
	if n := uploads(); n != 1 {
		t.Fatalf("first run: %d uploads, want 1", n)
	}
	auto("unchanged, an hour later at most")
	if n := uploads(); n != 1 {
		t.Fatalf("unchanged list within a day: %d uploads, want still 1", n)
	}

	s.ageNTKUpload(t, 25*time.Hour)
	r := auto("unchanged, a day later")
	acc := s.NTKServer.Accepted()
	if len(acc) != 2 {
		t.Fatalf("a day later: %d uploads, want 2 (the daily upload)\n%s", len(acc), r.stdout)
	}
	if !bytes.Equal(acc[0].Body, acc[1].Body) {
		t.Error("the daily upload of an unchanged list sent another list")
	}

	// A new member with a card: the list changed, but the last upload was
	// just now: it waits for the minimum interval (1 h in the demo).
	now := s.Clock.Now().In(s.Zone)
	today := now.Format("2006-01-02")
	s.CardskipperServer.Upsert(csemu.Member{OrganisationMemberID: "990001", FirstName: "Nova", LastName: "Članica",
		Email: "nova.clanica@example.si", Extra: [3]string{"A1B2C3D4"},
		Roles: []csemu.MemberRole{{OrganisationID: dataset.OrganisationID, RoleID: dataset.RoleYearly,
			StartDate: today + "T00:00:00", EndDate: now.AddDate(1, 0, 0).Format("2006-01-02") + "T00:00:00"}}})
	r = s.run(t, "--auto")
	if r.code != ExitHeld {
		t.Errorf("changed list within the interval: exit %d, want %d (held: waiting)\n%s", r.code, ExitHeld, r.stdout)
	}
	if n := uploads(); n != 2 {
		t.Fatalf("changed list within the minimum interval: %d uploads, want still 2", n)
	}
	if !strings.Contains(r.stdout, "minimum interval") {
		t.Errorf("the run does not say why the changed list waits:\n%s", r.stdout)
	}

	s.ageNTKUpload(t, 61*time.Minute)
	auto("changed, after the interval")
	acc = s.NTKServer.Accepted()
	if len(acc) != 3 || !strings.Contains(string(acc[2].Body), "A1B2C3D4;") {
		t.Fatalf("after the interval: %d uploads, the new card on the last: %v", len(acc), len(acc) == 3 && strings.Contains(string(acc[2].Body), "A1B2C3D4;"))
	}

	// A daily upload NTK refuses is a failed target of the run, said as
	// such, not a silent nothing.
	s.ageNTKUpload(t, 25*time.Hour)
	s.NTKServer.ScriptReply(400, "ERROR: list processing is paused for maintenance")
	r = s.run(t, "--auto")
	if r.code != ExitPartial {
		t.Errorf("refused daily upload: exit %d, want %d\n%s", r.code, ExitPartial, r.stdout)
	}
	for _, want := range []string{"NTK", "daily upload of the unchanged access list", "paused for maintenance"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("refused daily upload: output lacks %q:\n%s", want, r.stdout)
		}
	}
	if n := uploads(); n != 3 {
		t.Errorf("%d lists accepted after the refusal, want still 3", n)
	}
}

// ageNTKUpload moves the stored time of NTK's last accepted upload back by
// d, as if that much time had passed.
func (e *e2eSite) ageNTKUpload(t *testing.T, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, e.db, e.Clock)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const key = "ntk.ntk.accepted_at"
	v, ok, err := st.State(ctx, key)
	if err != nil || !ok {
		t.Fatalf("no %s in the database: %v", key, err)
	}
	at, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetState(ctx, key, at.Add(-d).Format(time.RFC3339Nano)); err != nil {
		t.Fatal(err)
	}
}
