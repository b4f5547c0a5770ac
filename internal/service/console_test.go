package service

import (
	"context"
	"maps"
	"testing"

	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/store"
)

// A member not valid today whose role still runs is named with why: the
// console showed the role's future end beside "in sync" (issue 13 §10).
func TestNotValidNamesWhyAMemberIsNotValidToday(t *testing.T) {
	today := member.Date{Year: 2026, Month: 5, Day: 12}
	role := func(start, end member.Date) []member.Role {
		return []member.Role{{OrganisationID: 1, RoleID: 7, Start: start, End: end}}
	}
	members := []member.Member{
		{ID: "valid", Roles: role(today.AddDays(-10), today.AddDays(30))},
		{ID: "inactive", Inactive: true, Roles: role(today.AddDays(-10), today.AddDays(30))},
		{ID: "later", Roles: role(today.AddDays(5), today.AddDays(30))},
		{ID: "ended", Roles: role(today.AddDays(-50), today.AddDays(-5))},
		{ID: "norole"},
		{ID: "other-organisation", Inactive: true, Roles: []member.Role{{OrganisationID: 2, RoleID: 7, Start: today, End: today.AddDays(9)}}},
	}
	got := notValid(members, member.Rule{OrganisationIDs: []int{1}}, nil, today)
	want := map[string]string{"inactive": "inactive", "later": "not started"}
	if !maps.Equal(got, want) {
		t.Errorf("notValid = %v, want %v", got, want)
	}
}

// After a failed run the console is told so, not only when it ended
// (issue 13 §15).
func TestConsoleDataCarriesTheLastRunsOutcome(t *testing.T) {
	r := newRig(t, 20)
	svc, st := r.service(t, "doorsync.db")
	ctx := context.Background()
	id, err := st.StartRun(ctx, store.Run{Mode: "auto"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.FinishRun(ctx, store.Run{ID: id, FinishedAt: r.clk.Now(), Outcome: "failed", ExitCode: 1, Error: "entrance: timeout"}); err != nil {
		t.Fatal(err)
	}
	d, err := svc.Refresh(ctx, nop[backend.Progress])
	if err != nil {
		t.Fatal(err)
	}
	if d.LastOutcome != "failed" || d.LastSync.IsZero() {
		t.Errorf("last run %q at %v, want failed with its time", d.LastOutcome, d.LastSync)
	}
	if d.NotValid == nil {
		t.Error("NotValid is not set on the refreshed data")
	}
}
