package plan

import (
	"fmt"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// bigClubInput is 50,000 members, each with an account on each of targets
// terminals (the e-mail on the account; names as a terminal spells them),
// a tenth of them renewed since, a twentieth lapsed.
func bigClubInput(tb testing.TB, members, targets int) Input {
	tb.Helper()
	zone, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		tb.Fatal(err)
	}
	today := member.Date{Year: 2026, Month: 3, Day: 29}
	in := Input{Today: today, Zone: zone, Now: today.StartOfDay(zone).Add(9 * time.Hour),
		Rule: member.Rule{OrganisationIDs: []int{1}}, Policy: Policy{Auto: []Kind{Extend, Reactivate}, MaxRevocations: -1, MaxRevocationPercent: 100}}
	in.Members = make([]member.Member, members)
	for i := range in.Members {
		end := today.AddDays(30 + i%300)
		if i%20 == 0 {
			end = today.AddDays(-10)
		}
		in.Members[i] = member.Member{ID: fmt.Sprint(100000 + i), FirstName: "Žiga", LastName: fmt.Sprint("Novak", i),
			Email: member.Email(fmt.Sprintf("member.%d@example.si", i)),
			Roles: []member.Role{{OrganisationID: 1, RoleID: 3126, Start: today.AddDays(-400), End: end}}}
	}
	for ti := range targets {
		ts := TargetState{Info: target.Info{Name: fmt.Sprint("door", ti), System: "hikvision"}}
		ts.Accounts = make([]target.Account, members)
		for i, m := range in.Members {
			end := m.Roles[0].End
			if i%10 == 0 {
				end = end.AddDays(-30) // renewed since
			}
			ts.Accounts[i] = target.Account{ID: fmt.Sprint(ti*1_000_000 + i), Name: fmt.Sprint("ZIGA NOVAK", i), Email: m.Email,
				Begin: today.AddDays(-400).StartOfDay(zone), End: end.EndOfDay(zone)}
		}
		in.Targets = append(in.Targets, ts)
	}
	return in
}

// BenchmarkBuild50kThreeTargets: the pure planner on 50,000 members with
// an account each on three terminals (issue 12's budget: ≤ 200 ms).
func BenchmarkBuild50kThreeTargets(b *testing.B) {
	in := bigClubInput(b, 50_000, 3)
	b.ReportAllocs()
	for b.Loop() {
		p := Build(in)
		if p.Source.Members != 50_000 || len(p.Items) < 150_000 {
			b.Fatalf("plan of %d members, %d items", p.Source.Members, len(p.Items))
		}
	}
}
