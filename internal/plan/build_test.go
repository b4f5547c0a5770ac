package plan

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// randomInput is a club with everything that makes planning interesting:
// shared and missing e-mails, accounts with and without e-mails, links,
// unlinked staff, several targets.
func randomInput(seed uint64, zone *time.Location) Input {
	r := rand.New(rand.NewPCG(seed, 7))
	today := member.Date{Year: 2026, Month: 3, Day: 29}
	email := func() member.Email { return member.Email(fmt.Sprintf("m%d@example.si", r.IntN(300))) }
	in := Input{Today: today, Zone: zone, Now: today.StartOfDay(zone).Add(9 * time.Hour),
		Rule: member.Rule{OrganisationIDs: []int{1}}, Policy: Policy{Auto: []Kind{Extend, Reactivate}, MaxRevocations: -1, MaxRevocationPercent: 100}}
	for i := range 400 {
		m := member.Member{ID: fmt.Sprint(1000 + i), FirstName: "Ana", LastName: fmt.Sprint("Novak", i)}
		if r.IntN(20) > 0 {
			m.Email = email()
		}
		end := today.AddDays(r.IntN(200) - 100)
		m.Roles = []member.Role{{OrganisationID: 1, RoleID: 3126, Start: today.AddDays(-400), End: end}}
		m.Inactive = r.IntN(30) == 0
		in.Members = append(in.Members, m)
	}
	for ti, name := range []string{"gym", "entrance", "sauna"} {
		ts := TargetState{Info: target.Info{Name: name, System: "hikvision"}}
		for j := range 250 {
			a := target.Account{ID: fmt.Sprint(ti*10000 + j), Name: "NOVAK", End: today.AddDays(r.IntN(200) - 100).EndOfDay(zone)}
			if r.IntN(4) > 0 {
				a.Email = email()
			}
			a.Permanent = r.IntN(50) == 0
			ts.Accounts = append(ts.Accounts, a)
		}
		in.Targets = append(in.Targets, ts)
		for range 20 {
			in.Links = append(in.Links, identity.Link{Email: email(), Target: name, Account: ts.Accounts[r.IntN(250)].ID, Origin: identity.Confirmed})
		}
	}
	return in
}

// The plan does not depend on the order Cardskipper and the terminals list
// their records in, comes out sorted, and is the same on every build
// (targets are planned concurrently).
func TestBuildIsSortedAndIndependentOfInputOrder(t *testing.T) {
	zone, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(5) {
		in := randomInput(seed, zone)
		want := Build(in)
		if !slices.IsSortedFunc(want.Items, func(a, b Item) int { return compareItems(&a, &b) }) {
			t.Fatalf("seed %d: items are not in the plan's order", seed)
		}
		kinds := map[Kind]bool{}
		for _, it := range want.Items {
			kinds[it.Kind] = true
		}
		for _, k := range []Kind{Extend, Reactivate, Shorten, Revoke, Missing, Unlinked, Ambiguous, NoEmail, InSync} {
			if !kinds[k] {
				t.Errorf("seed %d: the random club has no %s item: the test proves less than it says", seed, k)
			}
		}
		if again := Build(in); !reflect.DeepEqual(again, want) {
			t.Fatalf("seed %d: two builds of one input differ", seed)
		}
		r := rand.New(rand.NewPCG(seed, 11))
		shuffled := in
		shuffled.Members = slices.Clone(in.Members)
		r.Shuffle(len(shuffled.Members), func(i, j int) { shuffled.Members[i], shuffled.Members[j] = shuffled.Members[j], shuffled.Members[i] })
		shuffled.Targets = slices.Clone(in.Targets)
		for i := range shuffled.Targets {
			accs := slices.Clone(in.Targets[i].Accounts)
			r.Shuffle(len(accs), func(a, b int) { accs[a], accs[b] = accs[b], accs[a] })
			shuffled.Targets[i].Accounts = accs
		}
		got := Build(shuffled)
		if !reflect.DeepEqual(got.Items, want.Items) || got.Guard != want.Guard {
			for i := range min(len(got.Items), len(want.Items)) {
				if !reflect.DeepEqual(got.Items[i], want.Items[i]) {
					t.Fatalf("seed %d: item %d differs after shuffling the input:\n got %+v\nwant %+v", seed, i, got.Items[i], want.Items[i])
				}
			}
			t.Fatalf("seed %d: %d items after shuffling, %d before; guard %+v vs %+v", seed, len(got.Items), len(want.Items), got.Guard, want.Guard)
		}
	}
}
