package dataset

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	hikemu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	"github.com/doorsync/doorsync/internal/member"
)

func gen(t testing.TB, n int, seed uint64) Set {
	t.Helper()
	s, err := Generate(Options{Members: n, Seed: seed, Today: member.NewDate(2025, time.November, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := gen(t, 500, 7), gen(t, 500, 7)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed gave different data sets")
	}
	c := gen(t, 500, 8)
	if reflect.DeepEqual(a.Members, c.Members) {
		t.Fatal("different seeds gave the same members")
	}
}

func TestGenerateHasTheHardCases(t *testing.T) {
	s := gen(t, 1000, 1)
	if len(s.Members) != 1000 {
		t.Fatalf("members = %d", len(s.Members))
	}
	counts := map[Situation]int{}
	for _, sit := range s.Truth {
		counts[sit]++
	}
	for _, sit := range []Situation{Current, Renewed, Lapsed, LapsedOpen, Returning, Inactive, NoEmail, Missing, Shared, BadDates} {
		if counts[sit] == 0 {
			t.Errorf("no member in situation %s", sit)
		}
	}
	var diacritics, mixedCase, multiRole, noEmail int
	byKey := map[member.Email]int{}
	for _, m := range s.Members {
		if strings.ContainsAny(m.FirstName+m.LastName, "čšžćđČŠŽĆĐ") {
			diacritics++
		}
		if m.Email == "" {
			noEmail++
			continue
		}
		if m.Email != strings.ToLower(m.Email) {
			mixedCase++
		}
		e, err := member.NormalizeEmail(m.Email)
		if err != nil {
			t.Fatalf("member %s has a bad e-mail: %v", m.OrganisationMemberID, err)
		}
		byKey[e]++
		if len(m.Roles) > 1 {
			multiRole++
		}
	}
	shared := 0
	for _, n := range byKey {
		if n > 1 {
			shared++
		}
	}
	if diacritics == 0 || mixedCase == 0 || multiRole == 0 || noEmail == 0 || shared == 0 {
		t.Fatalf("diacritics=%d mixedCase=%d multiRole=%d noEmail=%d sharedAddresses=%d: every one must be present",
			diacritics, mixedCase, multiRole, noEmail, shared)
	}
}

func TestTerminalsLookLikeIVMSLeftThem(t *testing.T) {
	s := gen(t, 400, 3)
	if len(s.Terminals) != 2 {
		t.Fatalf("terminals = %d", len(s.Terminals))
	}
	for name, persons := range s.Terminals {
		seen := map[string]bool{}
		var withEmail, staffCount int
		for _, p := range persons {
			if seen[p.EmployeeNo] {
				t.Fatalf("%s: employeeNo %s twice", name, p.EmployeeNo)
			}
			seen[p.EmployeeNo] = true
			for _, r := range p.Name {
				if r > unicode.MaxASCII {
					t.Fatalf("%s: name %q keeps diacritics; iVMS strips them", name, p.Name)
				}
			}
			if len(p.Extends) > 0 {
				withEmail++
			}
			if strings.HasPrefix(p.EmployeeNo, "9") && len(p.EmployeeNo) == 4 {
				staffCount++
			}
			if _, err := time.Parse("2006-01-02T15:04:05", p.Valid.EndTime); err != nil {
				t.Fatalf("%s: person %s end %q: %v", name, p.EmployeeNo, p.Valid.EndTime, err)
			}
		}
		if withEmail == 0 || withEmail == len(persons) {
			t.Errorf("%s: %d of %d persons carry an e-mail; want some but not all", name, withEmail, len(persons))
		}
		if staffCount == 0 {
			t.Errorf("%s: no staff persons", name)
		}
	}
}

func TestGenerateScales(t *testing.T) {
	if testing.Short() {
		t.Skip("large data set")
	}
	s := gen(t, 100_000, 42)
	if len(s.Members) != 100_000 {
		t.Fatalf("members = %d", len(s.Members))
	}
}

func TestGenerateNeedsToday(t *testing.T) {
	if _, err := Generate(Options{Members: 10}); err == nil {
		t.Fatal("no error without Today")
	}
}

// In 2037 memberships run past the last instant a terminal holds: the
// terminals hold them capped there, as iVMS-4200 would have pushed them.
func TestGenerateCapsTerminalEnds(t *testing.T) {
	s, err := Generate(Options{Members: 300, Seed: 3, Today: member.NewDate(2037, time.June, 15)})
	if err != nil {
		t.Fatal(err)
	}
	capped := 0
	for name, persons := range s.Terminals {
		for _, p := range persons {
			if p.Valid.EndTime > hikemu.LatestEnd || p.Valid.BeginTime > p.Valid.EndTime {
				t.Errorf("%s: person %s holds %s … %s", name, p.EmployeeNo, p.Valid.BeginTime, p.Valid.EndTime)
			}
			if p.Valid.EndTime == hikemu.LatestEnd && !strings.HasPrefix(p.EmployeeNo, "9") {
				capped++
			}
		}
	}
	if capped == 0 {
		t.Error("no member's end was capped: the test proves nothing")
	}
}

// Some members' persons have no face: a card only on the first terminal,
// nothing on the others; every other member's person has a face.
func TestGenerateHasPersonsWithoutAFace(t *testing.T) {
	s := gen(t, 300, 1)
	for ti, name := range []string{"entrance", "gym"} {
		noFace := map[string]bool{}
		for _, no := range s.NoFace[name] {
			noFace[no] = true
		}
		if len(noFace) < 3 {
			t.Fatalf("%s: %d persons without a face, want a few", name, len(noFace))
		}
		for _, p := range s.Terminals[name] {
			switch {
			case !noFace[p.EmployeeNo] && p.NumOfFace != 1:
				t.Errorf("%s: %s has %d faces, want 1", name, p.EmployeeNo, p.NumOfFace)
			case noFace[p.EmployeeNo] && (p.NumOfFace != 0 || (ti == 0) != (p.NumOfCard == 1)):
				t.Errorf("%s: %s has %d faces and %d cards", name, p.EmployeeNo, p.NumOfFace, p.NumOfCard)
			}
		}
	}
}
