package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// A drift's reason says the target's end changed, then what Cardskipper
// gives — never "renewed in Cardskipper" when Cardskipper did not renew:
// the sync set the end, the target dropped below it, and Cardskipper now
// gives an end between the two (review of issue 13).
func TestDriftReasonBlamesTheTarget(t *testing.T) {
	zone := time.FixedZone("CET", 3600)
	today := member.Date{Year: 2026, Month: 3, Day: 10}
	wanted, written, held := today.AddDays(60), today.AddDays(90), today.AddDays(20)
	in := Input{Today: today, Zone: zone, Now: today.StartOfDay(zone).Add(9 * time.Hour), Rule: member.Rule{OrganisationIDs: []int{1}},
		Policy: Policy{MaxRevocations: -1, MaxRevocationPercent: 100},
		Members: []member.Member{{ID: "1", FirstName: "Ana", LastName: "Kos", Email: "ana@example.si",
			Roles: []member.Role{{OrganisationID: 1, RoleID: 3, Start: today.AddDays(-30), End: wanted}}}},
		Targets: []TargetState{{Info: target.Info{Name: "gym", System: "hikvision"},
			Accounts: []target.Account{{ID: "7", Name: "ANA KOS", Email: "ana@example.si", End: held.EndOfDay(zone)}}}},
		LastWritten: map[string]map[string]time.Time{"gym": {"7": written.EndOfDay(zone)}},
	}
	var it *Item
	p := Build(in)
	for i := range p.Items {
		if p.Items[i].Account == "7" {
			it = &p.Items[i]
		}
	}
	if it == nil || !it.Drift || it.Kind != Extend {
		t.Fatalf("item %+v: want an extend with drift", it)
	}
	if strings.Contains(it.Reason, "renewed in Cardskipper") || !strings.HasPrefix(it.Reason, "drift: the sync set") ||
		!strings.Contains(it.Reason, "Cardskipper now gives "+wanted.EndOfDay(zone).Format(localLayout)) {
		t.Errorf("reason %q", it.Reason)
	}
}
