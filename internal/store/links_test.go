package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

func TestLinksAddUpsertRemove(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newStore(t)
	add := func(l identity.Link) {
		t.Helper()
		if err := s.AddLink(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	add(identity.Link{Email: "ziga.ceh@example.si", Target: "entrance", Account: "1042", Origin: identity.Confirmed, CreatedBy: "admin", Note: "front desk"})
	add(identity.Link{Email: "ziga.ceh@example.si", Target: "exit", Account: "2042", Origin: identity.Imported})
	// A family sharing an address: one link per member id.
	add(identity.Link{Email: "druzina.kos@example.si", Target: "entrance", Account: "1077", MemberID: "150007", Origin: identity.Imported})
	add(identity.Link{Email: "druzina.kos@example.si", Target: "entrance", Account: "1078", MemberID: "150008", Origin: identity.Imported})

	// Upsert: an import of the same link later neither downgrades the
	// operator's confirmation nor forgets who made it or when.
	clk.Advance(24 * time.Hour)
	add(identity.Link{Email: "ziga.ceh@example.si", Target: "entrance", Account: "1042", Origin: identity.Imported})
	// A confirmation of an imported link upgrades it.
	add(identity.Link{Email: "ziga.ceh@example.si", Target: "exit", Account: "2042", Origin: identity.Confirmed, CreatedBy: "admin", Note: "checked"})

	links, err := s.Links(ctx)
	if err != nil || len(links) != 4 {
		t.Fatalf("Links = %+v, %v; want 4", links, err)
	}
	z := links[2]
	if z.Email != "ziga.ceh@example.si" || z.Account != "1042" || z.Origin != identity.Confirmed || z.CreatedBy != "admin" ||
		z.Note != "front desk" || !z.CreatedAt.Equal(t0()) {
		t.Errorf("upserted confirmed link = %+v", z)
	}
	if x := links[3]; x.Origin != identity.Confirmed || x.Note != "checked" || x.CreatedBy != "admin" || !x.CreatedAt.Equal(t0()) {
		t.Errorf("upgraded link = %+v", x)
	}
	if links[0].MemberID != "150007" || links[1].MemberID != "150008" {
		t.Errorf("family links = %+v, %+v", links[0], links[1])
	}

	for _, tc := range []struct {
		email           member.Email
		target, account string
		removed, left   int
	}{
		{"ziga.ceh@example.si", "entrance", "9999", 0, 4},
		{"ziga.ceh@example.si", "entrance", "1042", 1, 3},
		{"druzina.kos@example.si", "entrance", "", 2, 1}, // the whole target
		{"ziga.ceh@example.si", "", "", 1, 0},            // everything of the address
	} {
		n, err := s.RemoveLink(ctx, tc.email, tc.target, tc.account)
		if err != nil || n != tc.removed {
			t.Errorf("RemoveLink(%s, %q, %q) = %d, %v; want %d", tc.email, tc.target, tc.account, n, err, tc.removed)
		}
		if links, _ := s.Links(ctx); len(links) != tc.left {
			t.Errorf("after RemoveLink(%s, %q, %q): %d links, want %d", tc.email, tc.target, tc.account, len(links), tc.left)
		}
	}
}

func TestLinkErrors(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	for _, tc := range []struct {
		name string
		l    identity.Link
		want string
	}{
		{"no account", identity.Link{Email: "a@b.si", Target: "entrance", Origin: identity.Confirmed}, "required"},
		{"not normalised", identity.Link{Email: "Ziga.Ceh@Example.si", Target: "entrance", Account: "1", Origin: identity.Confirmed}, `want "ziga.ceh@example.si"`},
		{"not an address", identity.Link{Email: "ziga", Target: "entrance", Account: "1", Origin: identity.Confirmed}, `e-mail "ziga"`},
		{"terminal origin", identity.Link{Email: "a@b.si", Target: "entrance", Account: "1", Origin: identity.Terminal}, "derived on every run"},
		{"unknown origin", identity.Link{Email: "a@b.si", Target: "entrance", Account: "1", Origin: "guess"}, `unknown origin "guess"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.AddLink(ctx, tc.l)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "add link") {
				t.Errorf("AddLink = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if links, _ := s.Links(ctx); len(links) != 0 {
		t.Errorf("refused links were stored: %+v", links)
	}
	if _, err := s.RemoveLink(ctx, "", "entrance", "1"); err == nil {
		t.Error("RemoveLink without e-mail removed something")
	}
	if _, err := s.RemoveLink(ctx, "a@b.si", "", "1"); err == nil {
		t.Error("RemoveLink of an account without its target accepted")
	}
}

func TestLinksSurviveRenames(t *testing.T) {
	// iVMS mangles names and people change them: a link is keyed by e-mail,
	// target and account id, so renaming the person on the terminal (a new
	// snapshot with another name) or in Cardskipper changes nothing.
	ctx := context.Background()
	s, clk, _ := newStore(t)
	link := identity.Link{Email: "ziga.ceh@example.si", Target: "entrance", Account: "1042", Origin: identity.Confirmed}
	if err := s.AddLink(ctx, link); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Ziga Ceh", "Z?iga C?eh", "Žiga Čeh-Novak"} {
		clk.Advance(time.Hour)
		if err := s.SaveAccounts(ctx, "entrance", []target.Account{{ID: "1042", Name: name}}, clk.Now()); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveMembers(ctx, []member.Member{{ID: "150002", Email: "ziga.ceh@example.si", FirstName: name}}, clk.Now()); err != nil {
			t.Fatal(err)
		}
		links, err := s.Links(ctx)
		if err != nil || len(links) != 1 || links[0].Account != "1042" || links[0].Email != "ziga.ceh@example.si" {
			t.Errorf("after renaming to %q: links = %+v, %v", name, links, err)
		}
	}
}

// A link stored before e-mail keys were brought to NFC (a decomposed
// "žiga") is read with the NFC key its member now has.
func TestLinksReadWithNFCKeys(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	if _, err := s.db.ExecContext(ctx, `INSERT INTO links (email, target, account, member_id, origin, created_at, created_by, note)
		VALUES (?, 'entrance', '3006', '', 'confirmed', '2026-01-01T00:00:00.000000000Z', 'admin', '')`, "z\u030ciga@primer.si"); err != nil {
		t.Fatal(err)
	}
	links, err := s.Links(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 1 || links[0].Email != "\u017eiga@primer.si" {
		t.Errorf("links %+v: want the NFC key", links)
	}
}
