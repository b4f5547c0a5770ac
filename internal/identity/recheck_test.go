package identity

import (
	"errors"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/member"
)

func TestRecheck(t *testing.T) {
	const (
		a    member.Email = "a@x.si"
		b    member.Email = "b@x.si"
		gone member.Email = "franc.friend@x.si"
	)
	claim := func(id string, email member.Email) Claim {
		return Claim{Target: "entrance", Account: "3005", MemberID: id, Email: email, Name: "Ana A"}
	}
	link := func(email member.Email, account, id string) Link {
		return Link{Email: email, Target: "entrance", Account: account, MemberID: id, Origin: Confirmed}
	}
	res := func(account, id string, email member.Email) Resolution {
		return Resolution{Target: "entrance", Account: account, MemberID: id, Email: email, Name: "Bo B"}
	}
	cases := []struct {
		name     string
		claim    Claim
		links    []Link
		accepted []Resolution
		field    member.Email            // the account's e-mail field as read before writing
		members  map[string]member.Email // the members in Cardskipper (nil: unknown)
		present  map[string]bool         // the accounts on entrance (nil: unknown)
		want     string                  // "" = ok; else a part of the reason
	}{
		// A link pinned to a member decides.
		{name: "pinned to this member", claim: claim("101", a), links: []Link{link(a, "3005", "101")}},
		{name: "pinned to this member under an old e-mail", claim: claim("101", a), links: []Link{link("old@x.si", "3005", "101")}},
		{name: "pinned to another member", claim: claim("101", a), links: []Link{link(b, "3005", "102")}, field: a,
			want: "account 3005 on entrance no longer belongs to member 101 <a@x.si>: a link pins it to member 102 <b@x.si>"},
		{name: "pinned to another member, same e-mail (the e-mail moved)", claim: claim("101", a),
			links: []Link{link(a, "3005", "102")}, want: "a link pins it to member 102 <a@x.si>"},
		{name: "pinned to another member, identity change approved", claim: Claim{Target: "entrance", Account: "3005", MemberID: "101", Email: a, IdentityChange: true},
			links: []Link{link(b, "3005", "102")}, field: a, want: "pins it to member 102"},
		{name: "another target's pin does not count", claim: claim("101", a),
			links: []Link{{Email: b, Target: "garage", Account: "3005", MemberID: "102"}}, field: a},

		// Accepted resolutions.
		{name: "accepted to this member", claim: claim("101", a), accepted: []Resolution{res("3005", "101", a)}},
		{name: "accepted to this member, the e-mail changed (the plan says from what)",
			claim: Claim{Target: "entrance", Account: "3005", MemberID: "101", Email: "new@x.si", EmailWas: a}, accepted: []Resolution{res("3005", "101", a)}, field: a},
		{name: "accepted to this member, another member's e-mail (a hand edit)", claim: claim("101", b), accepted: []Resolution{res("3005", "101", a)}, field: a,
			want: "member 101's e-mail here is a@x.si, not b@x.si: the item's member id and e-mail disagree"},
		{name: "pinned and accepted to this member, another member's e-mail", claim: claim("101", b),
			links: []Link{link(a, "3005", "101")}, accepted: []Resolution{res("3005", "101", a)},
			want: "the item's member id and e-mail disagree"},
		{name: "accepted to another member", claim: claim("101", a), accepted: []Resolution{res("3005", "102", b)}, field: a,
			want: "account 3005 on entrance no longer belongs to member 101 <a@x.si>: an earlier run accepted it as member 102's (Bo B <b@x.si>)"},
		{name: "accepted to another, identity change approved, e-mail field ties",
			claim:    Claim{Target: "entrance", Account: "3005", MemberID: "101", Email: gone, IdentityChange: true, WasMember: "102"},
			accepted: []Resolution{res("3005", "102", gone)}, field: gone},
		{name: "identity change approved, the owner changed since the plan was made",
			claim:    Claim{Target: "entrance", Account: "3005", MemberID: "101", Email: gone, IdentityChange: true},
			accepted: []Resolution{res("3005", "102", gone)}, field: gone, want: "it was no member's when the plan was made and is member 102's now"},
		{name: "identity change approved, the owner is still in Cardskipper",
			claim:    Claim{Target: "entrance", Account: "3005", MemberID: "101", Email: gone, IdentityChange: true, WasMember: "102"},
			accepted: []Resolution{res("3005", "102", gone)}, field: gone, members: map[string]member.Email{"101": gone, "102": b}, want: "accepted it as member 102's"},
		{name: "a member not in Cardskipper", claim: claim("9999", a), accepted: []Resolution{res("3005", "", "")}, field: a,
			members: map[string]member.Email{"101": a}, want: "there is no member 9999 in Cardskipper"},
		{name: "an e-mail that is not the member's in Cardskipper (a forged email_was)",
			claim:    Claim{Target: "entrance", Account: "3005", MemberID: "101", Email: b, EmailWas: a},
			accepted: []Resolution{res("3005", "101", a)}, field: a, members: map[string]member.Email{"101": a, "102": b},
			want: "member 101's e-mail in Cardskipper is a@x.si, not b@x.si"},
		{name: "the member's e-mail changed in Cardskipper since the last run", claim: claim("101", "new@x.si"),
			accepted: []Resolution{res("3005", "101", a)}, field: a, members: map[string]member.Email{"101": "new@x.si"}},
		{name: "an import takes the account from a member, the plan did not show it", claim: claim("101", a),
			links: []Link{link(a, "3005", "101")}, accepted: []Resolution{res("3005", "102", b)},
			want: "a link gives it to member 101, but the runs have it as member 102's"},
		{name: "an import takes the account from a member, the plan showed it",
			claim: Claim{Target: "entrance", Account: "3005", MemberID: "101", Email: a, IdentityChange: true, WasMember: "102"},
			links: []Link{link(a, "3005", "101")}, accepted: []Resolution{res("3005", "102", b)}},
		{name: "an import takes the account, the owner changed since the plan",
			claim: Claim{Target: "entrance", Account: "3005", MemberID: "101", Email: a, IdentityChange: true, WasMember: "103"},
			links: []Link{link(a, "3005", "101")}, accepted: []Resolution{res("3005", "102", b)},
			want: "a link gives it to member 101, but the runs have it as member 102's"},
		{name: "the member's anchored account is gone from the target",
			claim:    claim("101", a),
			accepted: []Resolution{res("3001", "101", a), res("3005", "", "")}, field: a, present: map[string]bool{"3005": true}},
		{name: "a member with an account here claims another by e-mail", claim: claim("101", a),
			accepted: []Resolution{res("3001", "101", a), res("3005", "", "")}, field: a, want: "member 101's account here is 3001"},
		{name: "an e-mail the admin set aside ties nothing", claim: claim("101", a),
			accepted: []Resolution{{Target: "entrance", Account: "3005", IgnoredEmail: a}}, field: a, want: "the admin set the e-mail a@x.si aside on it"},
		{name: "accepted to another, identity change approved, unpinned link ties",
			claim:    Claim{Target: "entrance", Account: "3005", MemberID: "101", Email: a, IdentityChange: true, WasMember: "102"},
			links:    []Link{link(a, "3005", "")},
			accepted: []Resolution{res("3005", "102", b)}},
		{name: "accepted to another, identity change approved, nothing ties",
			claim:    Claim{Target: "entrance", Account: "3005", MemberID: "101", Email: a, IdentityChange: true, WasMember: "102"},
			accepted: []Resolution{res("3005", "102", b)}, field: b, want: "accepted it as member 102's"},
		{name: "accepted to another, e-mail ties but no identity change approved", claim: claim("101", a),
			links: []Link{link(a, "3005", "")}, accepted: []Resolution{res("3005", "102", b)}, field: a, want: "accepted it as member 102's"},
		{name: "accepted to no member, e-mail field ties", claim: claim("101", a), accepted: []Resolution{res("3005", "", "")}, field: a},
		{name: "accepted to no member, nothing ties", claim: claim("101", a), accepted: []Resolution{res("3005", "", "")}, field: b,
			want: "no link ties it to a@x.si and its e-mail field holds b@x.si"},

		// By e-mail.
		{name: "unpinned link of the e-mail", claim: claim("101", a), links: []Link{link(a, "3005", "")}},
		{name: "e-mail field", claim: claim("101", a), field: a},
		{name: "e-mail field of someone else", claim: claim("101", a), field: b,
			want: "account 3005 on entrance no longer belongs to member 101 <a@x.si>: no link ties it to a@x.si and its e-mail field holds b@x.si"},
		{name: "no e-mail field", claim: claim("101", a),
			want: "no link and no e-mail field on the target ties it to a@x.si"},
		{name: "unpinned link of another e-mail beats the field", claim: claim("101", a), links: []Link{link(b, "3005", "")}, field: a,
			want: "it is linked to b@x.si"},
		{name: "the e-mail is linked to another account: the field does not count", claim: claim("101", a),
			links: []Link{link(a, "3004", "")}, field: a, want: "a stored link ties that e-mail to another account"},
		{name: "item without e-mail", claim: claim("101", ""), field: a, want: "the item (it has no e-mail)"},

		// Plans made before member ids: by e-mail alone.
		{name: "no member id, e-mail field", claim: claim("", a), accepted: []Resolution{res("3005", "", "")}, field: a},
		{name: "no member id, the account accepted for a member of another e-mail", claim: claim("", a), accepted: []Resolution{res("3005", "102", b)}, field: a,
			want: "an earlier run accepted it as member 102's"},
		{name: "no member id, the account accepted for the member of this e-mail", claim: claim("", b), accepted: []Resolution{res("3005", "102", b)}, field: b},
		{name: "no member id, link (pinned) of the e-mail", claim: claim("", a), links: []Link{link(a, "3005", "102")}},
		{name: "no member id, nothing ties", claim: claim("", a), field: b,
			want: "account 3005 on entrance no longer belongs to <a@x.si>: no link ties it to a@x.si and its e-mail field holds b@x.si"},
		{name: "no member id, linked to another e-mail", claim: claim("", a), links: []Link{link(b, "3005", "102")}, field: a,
			want: "it is linked to b@x.si"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := NewOwners(tc.links, tc.accepted)
			if tc.members != nil {
				o.WithMembers(tc.members)
			}
			if tc.present != nil {
				o.WithAccounts(map[string]map[string]bool{"entrance": tc.present})
			}
			err := o.Recheck(tc.claim, tc.field)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Recheck = %v, want ok", err)
				}
				return
			}
			var ne *NotOwnedError
			if !errors.As(err, &ne) {
				t.Fatalf("Recheck = %v, want a *NotOwnedError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Recheck = %q, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestOtherAnchor(t *testing.T) {
	cases := []struct {
		id, pin, accepted string
		owner             string
		pinned            bool
	}{
		{"101", "", "", "", false},
		{"101", "101", "102", "", true},
		{"101", "102", "101", "102", true},
		{"101", "", "101", "", false},
		{"101", "", "102", "102", false},
	}
	for _, tc := range cases {
		owner, pinned := OtherAnchor(tc.id, tc.pin, tc.accepted)
		if owner != tc.owner || pinned != tc.pinned {
			t.Errorf("OtherAnchor(%q, %q, %q) = %q, %v; want %q, %v", tc.id, tc.pin, tc.accepted, owner, pinned, tc.owner, tc.pinned)
		}
	}
}
