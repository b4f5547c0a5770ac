package cardskipper

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/doorsync/doorsync/internal/member"
)

// TestControlCharacterMakesOnlyThatMemberInvalid decodes an export in which
// some members carry characters XML forbids (ESC as &#27; and raw, BEL, NUL,
// U+FFFE, invalid UTF-8) in names, e-mail, phone, address, extra fields,
// role and tag attributes: the export is used; each such member has a
// problem naming it and the field; the others have none; no decoded string
// carries a forbidden character.
func TestControlCharacterMakesOnlyThatMemberInvalid(t *testing.T) {
	doc := readFixture(t, "export-control-chars.xml")
	ms, err := DecodeExport(iotest.OneByteReader(bytes.NewReader(doc)), ljubljana(t))
	if err != nil {
		t.Fatalf("the export failed: %v", err)
	}
	want := map[string][]string{
		"150030": nil,
		"150031": {"Bor\uFFFD[31m Kos member 150031 <bor.kos@example.si>: Firstname has the control character U+001B, which XML does not allow (replaced by U+FFFD)"},
		"150032": {"Cene Zupan\uFFFD]0;pwned\uFFFD member 150032 <cene.zupan@example.si>: Lastname has the control character U+001B, which XML does not allow (replaced by U+FFFD)"},
		"150033": {
			"Dana Horvat member 150033 <dana.horvat@example.si>: Extra.Extra2 has the control character U+0001, which XML does not allow (replaced by U+FFFD)",
			"Dana Horvat member 150033 <dana.horvat@example.si>: Address.Line1 has the control character U+0008, which XML does not allow (replaced by U+FFFD)",
			"Dana Horvat member 150033 <dana.horvat@example.si>: ContactInfo.CellPhone1 has the control character U+0000, which XML does not allow (replaced by U+FFFD)",
			"Dana Horvat member 150033 <dana.horvat@example.si>: Role.Type has the character U+FFFE, which XML does not allow (replaced by U+FFFD)",
			"Dana Horvat member 150033 <dana.horvat@example.si>: Tag.Label has the control character U+001F, which XML does not allow (replaced by U+FFFD)",
		},
		"150035": nil,
	}
	if len(ms) != 6 {
		t.Fatalf("%d members, want 6", len(ms))
	}
	for _, m := range ms {
		checkMember(t, m)
		checkClean(t, m)
		if m.ID == "150034" {
			// Invalid UTF-8 in the e-mail: the field is named, and the
			// address is refused too.
			if len(m.Problems) == 0 || !strings.HasPrefix(m.Problems[0], "Eva Kranjc member 150034 <eva\uFFFDkranjc@example.si>: ContactInfo.EMail has invalid UTF-8") {
				t.Errorf("member 150034: problems %q", m.Problems)
			}
			continue
		}
		if got := m.Problems; !reflect.DeepEqual(got, want[m.ID]) {
			t.Errorf("member %s: problems\n%q\nwant\n%q", m.ID, got, want[m.ID])
		}
	}
	if ms[1].FirstName != "Bor\uFFFD[31m" || ms[2].LastName != "Zupan\uFFFD]0;pwned\uFFFD" ||
		ms[3].Extra[1] != "card\uFFFD" || !reflect.DeepEqual(ms[3].Tags, []string{"vip\uFFFD"}) {
		t.Errorf("values: %q %q %q %q", ms[1].FirstName, ms[2].LastName, ms[3].Extra[1], ms[3].Tags)
	}
	// The roles are still decoded: the member is reported, not dropped.
	if len(ms[3].Roles) != 1 || ms[3].Roles[0].RoleID != 3126 {
		t.Errorf("roles of 150033: %+v", ms[3].Roles)
	}
}

// checkClean fails if any string of m carries a character XML forbids.
func checkClean(t *testing.T, m member.Member) {
	t.Helper()
	strs := []string{m.ID, string(m.Email), m.RawEmail, m.FirstName, m.LastName, m.Extra[0], m.Extra[1], m.Extra[2]}
	strs = append(append(strs, m.Tags...), m.Problems...)
	for _, s := range strs {
		if !utf8.ValidString(s) {
			t.Fatalf("member %s: %q is not UTF-8", m.ID, s)
		}
		for _, r := range s {
			if !isInCharacterRange(r) {
				t.Fatalf("member %s: %q carries %U", m.ID, s, r)
			}
		}
	}
}

// TestControlCharacterEdgeCases: where a forbidden character is not a
// member's, the document is malformed, as before.
func TestControlCharacterEdgeCases(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		wantErr  error
		errHas   string
		problems []string // of the only member, when the export decodes
	}{
		{name: "raw ESC in the first name", doc: "<Cardskipper><Members><Member OrganisationMemberId=\"7\" Firstname=\"A\x1b[31m\"/></Members></Cardskipper>",
			problems: []string{"A\uFFFD[31m member 7: Firstname has the control character U+001B, which XML does not allow (replaced by U+FFFD)"}},
		{name: "reference to ESC in the last name", doc: `<Cardskipper><Members><Member OrganisationMemberId="7" Lastname="B&#x1B;"/></Members></Cardskipper>`,
			problems: []string{"B\uFFFD member 7: Lastname has the control character U+001B, which XML does not allow (replaced by U+FFFD)"}},
		{name: "two fields, first character of each", doc: "<Cardskipper><Members><Member OrganisationMemberId=\"7\" Firstname=\"\x01\x02\" MemberCode=\"&#0;\"/></Members></Cardskipper>",
			problems: []string{
				"\uFFFD\uFFFD member 7: Firstname has the control character U+0001, which XML does not allow (replaced by U+FFFD)",
				"\uFFFD\uFFFD member 7: MemberCode has the control character U+0000, which XML does not allow (replaced by U+FFFD)",
			}},
		{name: "in an unknown element of the member", doc: "<Cardskipper><Members><Member OrganisationMemberId=\"7\"><Photo><Blob Data=\"\x07\"/></Photo></Member></Members></Cardskipper>",
			problems: []string{"member 7: Blob.Data has the control character U+0007, which XML does not allow (replaced by U+FFFD)"}},
		// Text, raw or as a reference, in a tag or an element doorsync
		// ignores: the member's problem too (issue 11 review: one member's
		// tag stopped every renewal).
		{name: "in the text of a member's tag", doc: "<Cardskipper><Members><Member OrganisationMemberId=\"7\"><Tags><Tag>a\x1bb</Tag></Tags></Member></Members></Cardskipper>",
			problems: []string{"member 7: Tag text has the control character U+001B, which XML does not allow (replaced by U+FFFD)"}},
		{name: "as a reference in an ignored element's text", doc: `<Cardskipper><Members><Member OrganisationMemberId="7"><Note>a&#27;b</Note></Member></Members></Cardskipper>`,
			problems: []string{"member 7: Note text has the control character U+001B, which XML does not allow (replaced by U+FFFD)"}},
		{name: "invalid UTF-8 in CDATA of a member", doc: "<Cardskipper><Members><Member OrganisationMemberId=\"7\"><Note><![CDATA[\xff]]></Note></Member></Members></Cardskipper>",
			problems: []string{"member 7: Note text has invalid UTF-8 (replaced by U+FFFD)"}},
		{name: "a reference to a surrogate in a name", doc: `<Cardskipper><Members><Member OrganisationMemberId="7" Firstname="A&#xD800;"/></Members></Cardskipper>`,
			problems: []string{"A\uFFFD member 7: Firstname has a character reference to a surrogate, which XML does not allow (replaced by U+FFFD)"}},
		// Characters XML allows but a terminal obeys, in the identity key.
		{name: "C1 and a bidi override in the member id", doc: "<Cardskipper><Members><Member OrganisationMemberId=\"1001\u009b31m\u202e\"/></Members></Cardskipper>",
			problems: []string{"member 1001\uFFFD31m\uFFFD: OrganisationMemberId \"1001\\u009b31m\\u202e\" has control or formatting characters"}},
		{name: "a reference beyond Unicode in a name", doc: `<Cardskipper><Members><Member OrganisationMemberId="7" Firstname="B&#x110000;"/></Members></Cardskipper>`,
			problems: []string{"B\uFFFD member 7: Firstname has a character reference beyond Unicode, which XML does not allow (replaced by U+FFFD)"}},
		{name: "a reference beyond Unicode in a tag", doc: `<Cardskipper><Members><Member OrganisationMemberId="7"><Tags><Tag>&#1114112;</Tag></Tags></Member></Members></Cardskipper>`,
			problems: []string{"member 7: Tag text has a character reference beyond Unicode, which XML does not allow (replaced by U+FFFD)"}},
		{name: "in text outside members", doc: "<Cardskipper><Info>\x1b</Info><Members><Member/></Members></Cardskipper>", wantErr: ErrMalformed, errHas: "illegal character code U+001B"},
		{name: "in the root", doc: "<Cardskipper Version=\"\x1b\"><Members/></Cardskipper>", wantErr: ErrMalformed, errHas: "illegal character code U+001B"},
		{name: "in Members", doc: "<Cardskipper><Members Count=\"&#27;\"><Member/></Members></Cardskipper>", wantErr: ErrMalformed, errHas: "after 0 members: illegal character code U+001B"},
		{name: "in an element beside Members", doc: "<Cardskipper><Info Text=\"\x1b\"/><Members><Member/></Members></Cardskipper>", wantErr: ErrMalformed, errHas: "illegal character code U+001B"},
		{name: "self-closed outside members", doc: "<Cardskipper><Members><Member/><X a=\"\x1b\"/></Members></Cardskipper>", wantErr: ErrMalformed, errHas: "after 1 members"},

		{name: "a bad character and then a broken reference", doc: "<Cardskipper><Members><Member Firstname=\"\x1b &bogus;\"/></Members></Cardskipper>", wantErr: ErrMalformed, errHas: "invalid character entity &bogus;"},
	}
	zone := ljubljana(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := DecodeExport(iotest.OneByteReader(strings.NewReader(tt.doc)), zone)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || ms != nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("%d members, error %v; want %v saying %q", len(ms), err, tt.wantErr, tt.errHas)
				}
				return
			}
			if err != nil || len(ms) != 1 {
				t.Fatalf("%d members, error %v", len(ms), err)
			}
			checkClean(t, ms[0])
			if !reflect.DeepEqual(ms[0].Problems, tt.problems) {
				t.Errorf("problems\n%q\nwant\n%q", ms[0].Problems, tt.problems)
			}
		})
	}
}
