package store

import (
	"context"
	"slices"
	"testing"

	"github.com/doorsync/doorsync/internal/identity"
)

func TestAcceptResolutions(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	runID, err := s.StartRun(ctx, Run{Mode: "auto"})
	if err != nil {
		t.Fatal(err)
	}
	maja := identity.Resolution{Account: "3004", MemberID: "201", Email: "maja@example.si", Name: "Maja Novak", AccountName: "Maja Linked"}
	accept := func(accounts []string, rs ...identity.Resolution) {
		t.Helper()
		if err := s.AcceptResolutions(ctx, runID, "entrance", accounts, rs); err != nil {
			t.Fatal(err)
		}
	}
	got := func() []identity.Resolution {
		t.Helper()
		rs, err := s.Resolutions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	accept([]string{"3004", "3005", "3006"}, maja, identity.Resolution{Account: "3005", AccountName: "Franc Friend"})
	want := []identity.Resolution{
		{Target: "entrance", Account: "3004", MemberID: "201", Email: "maja@example.si", Name: "Maja Novak", AccountName: "Maja Linked"},
		{Target: "entrance", Account: "3005", AccountName: "Franc Friend"},
	}
	if rs := got(); !slices.Equal(rs, want) {
		t.Fatalf("after the first run: %+v, want %+v", rs, want)
	}

	// A member missing from one export: the account is reported unlinked,
	// which must not clear the member an earlier run accepted.
	accept([]string{"3004", "3005"}, identity.Resolution{Account: "3004", AccountName: "Maja Linked"})
	if rs := got(); !slices.Equal(rs, want) {
		t.Fatalf("an unlinked report cleared an accepted member: %+v", rs)
	}

	// The e-mail changed under the same member: the row follows.
	maja.Email = "maja.new@example.si"
	accept(nil, maja)
	want[0].Email = "maja.new@example.si"
	if rs := got(); !slices.Equal(rs, want) {
		t.Fatalf("after an e-mail change: %+v, want %+v", rs, want)
	}

	// An account gone from a target read in full is forgotten; without
	// the account list (an approved item) nothing is deleted.
	accept([]string{"3004"})
	if rs := got(); !slices.Equal(rs, want[:1]) {
		t.Fatalf("after 3005 left the terminal: %+v, want %+v", rs, want[:1])
	}

	// A confirmed link pinned to a member makes it the account's owner;
	// removing it leaves the account seen with no member (whoever claims it
	// next is held).
	if err := s.AddLink(ctx, identity.Link{Email: "maja.new@example.si", Target: "entrance", Account: "3004", MemberID: "201", Origin: identity.Confirmed}); err != nil {
		t.Fatal(err)
	}
	if rs := got(); len(rs) != 1 || rs[0].MemberID != "201" || rs[0].Email != "maja.new@example.si" {
		t.Fatalf("after links add: %+v, want 3004 as member 201's", rs)
	}
	if n, err := s.RemoveLink(ctx, "maja.new@example.si", "entrance", "3004"); err != nil || n != 1 {
		t.Fatalf("RemoveLink = %d, %v", n, err)
	}
	if rs := got(); len(rs) != 1 || rs[0].MemberID != "" || rs[0].Account != "3004" {
		t.Fatalf("after the link was removed: %+v, want 3004 with no member", rs)
	}

	// Removing a stray link of another e-mail leaves the owner that a
	// pinned link still gives the account.
	for _, l := range []identity.Link{
		{Email: "maja.new@example.si", Target: "entrance", Account: "3004", MemberID: "201", Origin: identity.Confirmed},
		{Email: "stray@example.si", Target: "entrance", Account: "3004", Origin: identity.Imported},
	} {
		if err := s.AddLink(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.RemoveLink(ctx, "stray@example.si", "entrance", "3004"); err != nil || n != 1 {
		t.Fatalf("RemoveLink = %d, %v", n, err)
	}
	if rs := got(); len(rs) != 1 || rs[0].MemberID != "201" {
		t.Fatalf("a stray link's removal cleared the pinned owner: %+v", rs)
	}
}

func TestLinksKeepTheNamesShown(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	l := identity.Link{Email: "katja@example.si", Target: "gym", Account: "4001", MemberID: "401", Origin: identity.Confirmed,
		MemberName: "Katja Kos", AccountName: "Maja Linked"}
	if err := s.AddLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	// An import of the same link later keeps the names the admin saw.
	imp := l
	imp.Origin, imp.MemberName, imp.AccountName = identity.Imported, "", ""
	if err := s.AddLink(ctx, imp); err != nil {
		t.Fatal(err)
	}
	links, err := s.Links(ctx)
	if err != nil || len(links) != 1 {
		t.Fatalf("Links = %+v, %v", links, err)
	}
	if g := links[0]; g.MemberName != "Katja Kos" || g.AccountName != "Maja Linked" || g.Origin != identity.Confirmed {
		t.Errorf("link = %+v; want the names shown kept, confirmed", g)
	}
}

func TestResolutionSince(t *testing.T) {
	st, clk, _ := newStore(t)
	run := startRun(t, st, "auto")
	ctx := context.Background()
	if _, found, err := st.ResolutionSince(ctx, "gym", "1042"); err != nil || found {
		t.Fatalf("before any run: found %v, %v", found, err)
	}
	at := clk.Now()
	if err := st.AcceptResolutions(ctx, run, "gym", nil, []identity.Resolution{{Target: "gym", Account: "1042", MemberID: "150002", Email: "a@x.si"}}); err != nil {
		t.Fatal(err)
	}
	got, found, err := st.ResolutionSince(ctx, "gym", "1042")
	if err != nil || !found || !got.Equal(at) {
		t.Fatalf("got %v %v %v, want %v", got, found, err, at)
	}
}
