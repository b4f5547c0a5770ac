package accesslist

import (
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/member"
)

// The fixtures: today is 2025-11-01; roles 10..12 map to zones, 20 is the
// student role; the card is in extra2.
var _ = time.UTC

const org = 1

func today() member.Date { return member.NewDate(2025, time.November, 1) }

func testSettings() Settings {
	return Settings{
		Name: "library", System: "ntk", CardField: "extra2",
		Zones:        map[int][]int{10: {55}, 11: {55, 56}, 12: {7}, 20: {55}},
		StudentRoles: []int{20},
		StudentTags:  []string{" Student "},
	}
}

func testRule() member.Rule { return member.Rule{OrganisationIDs: []int{org}} }

// role is a role valid throughout 2025.
func role(id int) member.Role {
	return member.Role{OrganisationID: org, RoleID: id, Start: member.NewDate(2025, 1, 1), End: member.NewDate(2025, 12, 31)}
}

// ended is a role that ended the day before today.
func ended(id int) member.Role {
	return member.Role{OrganisationID: org, RoleID: id, Start: member.NewDate(2025, 1, 1), End: member.NewDate(2025, 10, 31)}
}

// mem is a member with a card in extra2 and the given roles.
func mem(id, card string, roles ...member.Role) member.Member {
	m := member.Member{ID: id, FirstName: "Member", LastName: id, Email: member.Email("m" + id + "@example.si"),
		RawEmail: "m" + id + "@example.si", Roles: roles}
	m.Extra[1] = card
	return m
}

func build(t *testing.T, ms ...member.Member) Result {
	t.Helper()
	r, err := Build(ms, testSettings(), testRule(), today())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return r
}

func mustList(t *testing.T, text string) List {
	t.Helper()
	l, err := ParseList([]byte(text))
	if err != nil {
		t.Fatalf("ParseList(%q): %v", text, err)
	}
	return l
}
