package engine_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	emu "github.com/doorsync/doorsync/internal/emulator/ntk"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/plan/accesslist"
	"github.com/doorsync/doorsync/internal/target/ntk"
)

// The round trip's members: today is 2025-11-01; roles 10..12 map to
// zones, 20 is the student role; the card is in extra2.
const rtOrg = 1

func rtRole(id int) member.Role {
	return member.Role{OrganisationID: rtOrg, RoleID: id, Start: member.NewDate(2025, 1, 1), End: member.NewDate(2025, 12, 31)}
}

func rtEnded(id int) member.Role {
	return member.Role{OrganisationID: rtOrg, RoleID: id, Start: member.NewDate(2025, 1, 1), End: member.NewDate(2025, 10, 31)}
}

func rtMember(id, card string, roles ...member.Role) member.Member {
	m := member.Member{ID: id, FirstName: "Member", LastName: id, Email: member.Email("m" + id + "@example.si"),
		RawEmail: "m" + id + "@example.si", Roles: roles}
	m.Extra[1] = card
	return m
}

// TestListRoundTrip plays the engine's whole-list steps for two days
// against the NTK emulator: build, plan, apply what policy allows, decide,
// upload through the client, and keep the accepted list.
func TestListRoundTrip(t *testing.T) {
	clk := clock.NewManual(time.Date(2025, 11, 1, 9, 0, 0, 0, time.UTC))
	const user, pass = "knihovna", "Pa55-very-secret"
	server := emu.New(emu.Config{Username: user, Password: pass, Zones: []int{7, 55, 56}, Clock: clk})
	ts := httptest.NewUnstartedServer(server)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	c, err := ntk.NewClient(ntk.Config{Name: "library", URL: ts.URL + server.Path(), Username: user, Password: pass,
		Transport: ts.Client().Transport, Clock: clk, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	settings := accesslist.Settings{Name: "library", System: ntk.System, CardField: "extra2",
		Zones: map[int][]int{10: {55}, 11: {55, 56}, 12: {7}, 20: {55}}, StudentRoles: []int{20}, StudentTags: []string{" Student "}}
	rule, today := member.Rule{OrganisationIDs: []int{rtOrg}}, member.NewDate(2025, time.November, 1)

	auto := []plan.Kind{plan.Extend, plan.Reactivate}
	var last accesslist.List
	var lastAt time.Time
	day := func(ms ...member.Member) (accesslist.List, []plan.Item, bool) {
		t.Helper()
		res, err := accesslist.Build(ms, settings, rule, today)
		if err != nil {
			t.Fatal(err)
		}
		items := accesslist.Diff(res, last, auto)
		var apply []plan.Item
		for _, it := range items {
			if it.Auto {
				apply = append(apply, it)
			}
		}
		next, skipped := accesslist.NextList(res, last, apply)
		if len(skipped) != 0 {
			t.Fatalf("skipped %v", skipped)
		}
		ok, reason := accesslist.ShouldUpload(next, last, lastAt, clk.Now(), time.Hour)
		if !ok {
			return next, items, false
		}
		if _, err := c.Upload(context.Background(), next.Bytes()); err != nil {
			t.Fatalf("upload (%s): %v", reason, err)
		}
		last, lastAt = next, clk.Now()
		// What the caller keeps survives the database.
		stored, err := accesslist.ParseList(last.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		last = stored
		return next, items, true
	}
	a, b := rtMember("1", "44491AD2", rtRole(10)), rtMember("2", "04a1b2c3d4e5f6", rtRole(11), rtRole(20))
	if _, _, sent := day(a, b); !sent {
		t.Fatal("first day not sent")
	}
	if got := fmt.Sprint(server.Access()); got != "map[04A1B2C3D4E5F6:[0 55 56] 44491AD2:[55]]" {
		t.Fatalf("NTK grants %s", got)
	}
	// Same members an hour later: nothing to send.
	clk.Advance(time.Hour)
	if _, _, sent := day(a, b); sent {
		t.Fatal("an unchanged list was sent again within the day")
	}
	// Member 1 expires and member 2 renews with another role: the revoke
	// and the shorten are held, so NTK keeps both cards and member 2's
	// zones; only the new member's card goes out.
	a.Roles = []member.Role{rtEnded(10)}
	b.Roles = []member.Role{rtRole(10)}
	next, items, sent := day(a, b, rtMember("3", "AABBCCDD", rtRole(12)))
	if !sent {
		t.Fatal("a changed list was not sent")
	}
	kinds := map[string]plan.Kind{}
	for _, it := range items {
		kinds[it.Account] = it.Kind
	}
	if fmt.Sprint(kinds) != "map[04A1B2C3D4E5F6:shorten 44491AD2:revoke AABBCCDD:reactivate]" {
		t.Fatalf("kinds %v", kinds)
	}
	if got := fmt.Sprint(server.Access()); got != "map[04A1B2C3D4E5F6:[0 55 56] 44491AD2:[55] AABBCCDD:[7]]" || next.Len() != 5 {
		t.Fatalf("NTK grants %s", got)
	}
	if n := len(server.Accepted()); n != 2 {
		t.Fatalf("%d uploads", n)
	}
}
