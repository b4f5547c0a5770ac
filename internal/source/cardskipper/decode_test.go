package cardskipper

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/doorsync/doorsync/internal/member"
)

func d(y int, m time.Month, day int) member.Date { return member.Date{Year: y, Month: m, Day: day} }

func role(org, id int, start, end member.Date) member.Role {
	return member.Role{OrganisationID: org, RoleID: id, Start: start, End: end}
}

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestDecodeExportFixtures decodes every export fixture: documents that
// decode with the members they must give, and documents that must fail the
// whole export with a message that says why.
func TestDecodeExportFixtures(t *testing.T) {
	tests := []struct {
		file    string
		want    []member.Member
		check   func(t *testing.T, ms []member.Member) // instead of want, for problems
		wantErr error
		errHas  []string
	}{
		{file: "export-spec-example.xml", want: []member.Member{{
			ID: "150002", Email: "ziga.ceh@example.si", RawEmail: "Ziga.Ceh@Example.si", FirstName: "Žiga", LastName: "Čeh",
			Roles: []member.Role{role(1, 3126, d(2025, 10, 1), d(2025, 11, 1)), role(1, 3127, d(2024, 1, 1), d(2024, 12, 31))},
			Tags:  []string{"student"},
		}}},
		{file: "export-club.xml", want: []member.Member{
			{
				ID: "150010", Email: "spela.sustarsic@example.si", RawEmail: "  Spela.Sustarsic@Example.SI ", FirstName: "Špela", LastName: "Šuštaršič",
				// Z values are converted to the club's zone before the date
				// is taken: 2025-10-31T23:00Z is 1 November in Ljubljana.
				Roles: []member.Role{role(1, 3126, d(2025, 10, 1), d(2025, 11, 1)), role(2, 4100, d(2025, 1, 1), d(2025, 12, 31))},
				Tags:  []string{"student", "jutranji termin"},
				Extra: [3]string{"0004123456", "", "plačano & potrjeno"},
			},
			{
				ID: "150011", Email: "djordje.ciric@example.si", RawEmail: "djordje.ciric@example.si", FirstName: "Đorđe", LastName: "Ćirić", Inactive: true,
				Roles: []member.Role{role(1, 3127, d(2025, 1, 1), d(2025, 12, 31))},
			},
			{
				ID: "150012", FirstName: "Črt", LastName: "Žagar",
				Roles: []member.Role{role(1, 3126, d(2025, 10, 15), d(2025, 11, 14))},
			},
			{
				ID: "150013", FirstName: "Nataša", LastName: "Žagar",
				Roles: []member.Role{role(1, 3126, d(2025, 10, 15), d(2025, 11, 14))},
			},
			{
				ID: "150014", Email: "family.kovac@example.si", RawEmail: "Family.Kovac@Example.si", FirstName: "Maša", LastName: "Kovač", Inactive: true,
				Roles: []member.Role{role(1, 3127, d(2024, 1, 1), d(2024, 12, 31))},
			},
			{
				ID: "150015", Email: "family.kovac@example.si", RawEmail: "family.kovac@example.si", FirstName: "Luka", LastName: "Kovač",
				Roles: []member.Role{role(1, 3126, d(2025, 9, 1), d(2025, 9, 30)), role(1, 3126, d(2025, 10, 1), d(2025, 12, 1)), role(9, 9001, d(2025, 6, 1), d(2026, 5, 31))},
				Tags:  []string{"gost"},
			},
			{
				ID: "150016", Email: "ana.novak@example.si", RawEmail: "ana.novak@example.si", FirstName: "Ana", LastName: "Novak",
				Roles: []member.Role{role(1, 3126, d(2025, 11, 1), d(2025, 11, 30))},
				Extra: [3]string{"Až", "<none>", `"x"`},
			},
		}},
		{file: "export-bad-data.xml", check: checkBadData},
		{file: "export-empty-members.xml", want: []member.Member{}},
		{file: "export-no-members.xml", want: []member.Member{}},
		{file: "export-utf16-declared.xml", want: []member.Member{{
			ID: "1", Email: "zan@example.si", RawEmail: "zan@example.si", FirstName: "Žan", LastName: "Kranjc",
			Roles: []member.Role{role(1, 3126, d(2025, 1, 1), d(2025, 12, 31))},
		}}},
		{file: "export-latin1.xml", want: []member.Member{{
			ID: "2", Email: "jorg@example.de", RawEmail: "jorg@example.de", FirstName: "Jörg", LastName: "Müller",
			Roles: []member.Role{role(1, 3126, d(2025, 1, 1), d(2025, 12, 31))},
		}}},
		{file: "export-truncated.xml", wantErr: ErrTruncated,
			errHas: []string{"export truncated after 2 members", "the last one member 150011"}},
		{file: "export-malformed.xml", wantErr: ErrMalformed,
			errHas: []string{"line 90", "after 6 members", "the last one member 150015", "element <Organisation> closed by </Organisations>"}},
		{file: "export-aspnet-error.html", wantErr: ErrHTML,
			errHas: []string{`title "Object reference not set to an instance of an object."`}},
		{file: "export-wrong-root.xml", wantErr: ErrMalformed, errHas: []string{"root element is <ArrayOfMember>, want <Cardskipper>"}},
		{file: "export-garbage.txt", wantErr: ErrNotXML, errHas: []string{`starts with "Service temporarily unavailable.`}},
		{file: "export-json.txt", wantErr: ErrNotXML, errHas: []string{`starts with "{\"Message\"`}},
	}
	zone := ljubljana(t)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			doc := readFixture(t, tt.file)
			// One byte per read: the decoder must not depend on how the
			// network splits the stream.
			ms, err := DecodeExport(iotest.OneByteReader(bytes.NewReader(doc)), zone)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("decoded %d members, want error %v", len(ms), tt.wantErr)
				}
				if ms != nil {
					t.Errorf("members returned with the error: %d", len(ms))
				}
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("error %q is not %v", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "cardskipper: member export: ") {
					t.Errorf("error %q lacks the context prefix", err)
				}
				for _, s := range tt.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not say %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, ms)
				return
			}
			if ms == nil {
				t.Fatal("nil member list: want an empty, non-nil one")
			}
			if !reflect.DeepEqual(ms, tt.want) {
				t.Errorf("members differ\n got: %+v\nwant: %+v", ms, tt.want)
			}
		})
	}
}

// checkBadData: every member of export-bad-data.xml is returned; the bad
// values are problems that name the member.
func checkBadData(t *testing.T, ms []member.Member) {
	t.Helper()
	if len(ms) != 4 {
		t.Fatalf("got %d members, want all 4 (none dropped)", len(ms))
	}
	want := map[string][]string{
		"150020": {
			`Tjaša Potočnik member 150020 <tjasa.potocnik@example.si>: organisation 1 role 3126: EndDate: date "2025-13-01T00:00:00"`,
			`Tjaša Potočnik member 150020 <tjasa.potocnik@example.si>: organisation 1 role 3127: StartDate: date "2025-02-30T00:00:00"`,
		},
		"150021": {`Urška Golob member 150021 <urska.golob(at)example.si>: e-mail "urska.golob(at)example.si"`},
		"150022": {
			`Matej Kos member 150022 <matej.kos@example.si>: Inactive "maybe" is not true or false`,
			`member 150022 <matej.kos@example.si>: organisation Id "one" is not a number`,
			`member 150022 <matej.kos@example.si>: organisation one: role Id "x3126" is not a number`,
			`member 150022 <matej.kos@example.si>: organisation one role x3126: StartDate: date "yesterday"`,
		},
		// An end before its start is the validity rule's finding, not a
		// decoding problem.
		"150023": nil,
	}
	for _, m := range ms {
		w, ok := want[m.ID]
		if !ok {
			t.Errorf("unexpected member %q", m.ID)
			continue
		}
		if len(m.Problems) != len(w) {
			t.Errorf("member %s: problems %q, want %d", m.ID, m.Problems, len(w))
			continue
		}
		for i, p := range w {
			if !strings.Contains(m.Problems[i], p) {
				t.Errorf("member %s: problem %q does not contain %q", m.ID, m.Problems[i], p)
			}
		}
	}
	if ms[1].Email != "" || ms[1].RawEmail != "urska.golob(at)example.si" {
		t.Errorf("bad e-mail: Email %q RawEmail %q; want none and the raw text kept", ms[1].Email, ms[1].RawEmail)
	}
	if got := ms[0].Roles; len(got) != 2 || !got[0].End.IsZero() || got[0].Start != d(2025, 10, 1) || !got[1].Start.IsZero() {
		t.Errorf("roles with bad dates: %+v; want the roles kept with the bad date zero", got)
	}
	if got := ms[3].Roles; len(got) != 1 || got[0].Start != d(2025, 12, 1) || got[0].End != d(2025, 11, 1) {
		t.Errorf("end before start: %+v; want the dates as exported", got)
	}
}

// TestDecodeExportEdgeCases covers small documents inline.
func TestDecodeExportEdgeCases(t *testing.T) {
	const m1 = `<Member OrganisationMemberId="1" Firstname="A" Lastname="B"><ContactInfo EMail="a@b.si"/>` +
		`<Organisations><Organisation Id="1"><Roles><Role Id="5" StartDate="2025-01-01" EndDate="2025-02-01"/></Roles></Organisation></Organisations></Member>`
	tests := []struct {
		name    string
		doc     string
		n       int
		wantErr error
		errHas  string
	}{
		{name: "empty body", doc: "", wantErr: ErrNotXML, errHas: "empty"},
		{name: "white space only", doc: " \r\n\t ", wantErr: ErrNotXML, errHas: "empty"},
		{name: "prolog only", doc: `<?xml version="1.0"?>`, wantErr: ErrNotXML, errHas: "no root element"},
		{name: "self-closing root", doc: `<Cardskipper/>`, n: 0},
		{name: "lower-case names", doc: `<cardskipper><members>` + strings.ToLower(m1) + `</members></cardskipper>`, n: 1},
		{name: "name-spaced", doc: `<cs:Cardskipper xmlns:cs="urn:cs"><cs:Members>` + m1 + `</cs:Members></cs:Cardskipper>`, n: 1},
		{name: "two Members elements", doc: `<Cardskipper><Members>` + m1 + `</Members><Members>` + m1 + `</Members></Cardskipper>`, n: 2},
		{name: "nested unknown elements", doc: `<Cardskipper><X><Members><Member/></Members></X><Members>` + m1 + `</Members></Cardskipper>`, n: 1},
		{name: "trailing garbage after root ignored", doc: `<Cardskipper><Members>` + m1 + `</Members></Cardskipper>trailing`, n: 1},
		{name: "text before root", doc: `hello <Cardskipper/>`, wantErr: ErrNotXML, errHas: "starts with"},
		{name: "html root", doc: `<?xml version="1.0"?><html><head><title>Login</title></head></html>`, wantErr: ErrHTML, errHas: `title "Login"`},
		{name: "cut in a tag", doc: `<Cardskipper><Members>` + m1 + `<Member Firstn`, wantErr: ErrTruncated, errHas: "export truncated after 1 members, the last one member 1"},
		{name: "cut between tags", doc: `<Cardskipper><Members>` + m1, wantErr: ErrTruncated, errHas: "after 1 members"},
		{name: "stray end tag", doc: `<Cardskipper></Members></Cardskipper>`, wantErr: ErrMalformed, errHas: "element <Cardskipper> closed by </Members>"},
		{name: "bad entity", doc: `<Cardskipper><Members><Member Firstname="A &bogus; B"/></Members></Cardskipper>`, wantErr: ErrMalformed, errHas: "line 1"},
		// In an attribute value it is the member's problem (controlchars_test.go).
		{name: "invalid UTF-8 in text outside members", doc: "<Cardskipper><Info>\xff</Info><Members><Member/></Members></Cardskipper>", wantErr: ErrMalformed, errHas: "UTF-8"},
		{name: "unsupported encoding", doc: `<?xml version="1.0" encoding="windows-1250"?><Cardskipper/>`, wantErr: ErrNotXML, errHas: `unsupported character encoding "windows-1250"`},
		{name: "UTF-16 body", doc: "\xff\xfe<\x00C\x00", wantErr: ErrNotXML, errHas: "UTF-16"},
		{name: "tag text instead of Label", doc: `<Cardskipper><Members><Member><Tags><Tag> vip </Tag><Tag Label="vip"/></Tags></Member></Members></Cardskipper>`, n: 1},
	}
	zone := ljubljana(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := DecodeExport(strings.NewReader(tt.doc), zone)
			if tt.wantErr != nil {
				if err == nil || !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("error %v; want %v saying %q", err, tt.wantErr, tt.errHas)
				}
				if ms != nil {
					t.Errorf("members returned with the error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != tt.n {
				t.Fatalf("got %d members, want %d", len(ms), tt.n)
			}
		})
	}
}

func TestDecodeExportTagText(t *testing.T) {
	ms, err := DecodeExport(strings.NewReader(`<Cardskipper><Members><Member><Tags><Tag> vip </Tag><Tag Label="vip"/><Tag Label=" "/></Tags></Member></Members></Cardskipper>`), ljubljana(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := ms[0].Tags; !reflect.DeepEqual(got, []string{"vip"}) {
		t.Errorf("tags %q, want [vip] once", got)
	}
}

func TestDecodeExportNoZone(t *testing.T) {
	if _, err := DecodeExport(strings.NewReader("<Cardskipper/>"), nil); err == nil {
		t.Fatal("no error without a zone")
	}
}

// TestFastDateAgreesWithParseDate: the allocation-free path must give what
// member.ParseDate gives, or defer to it.
func TestFastDateAgreesWithParseDate(t *testing.T) {
	for _, v := range []string{
		"2025-10-01", "2025-10-01T00:00:00", "2025-10-01T23:59:59", "2024-02-29T00:00:00", "2025-02-29T00:00:00",
		"2025-02-30", "2025-13-01", "2025-00-10", "1899-12-31", "9999-12-31T00:00:00", "2025-10-01T24:00:00",
		"2025-10-01T12:60:00", "2025-1-01", "2025-10-01X00:00:00", "2025-10-01T00:00:00Z", "+025-10-01", "2025-04-31",
	} {
		fast, ok := fastDate(v)
		slow, err := member.ParseDate(v, time.UTC)
		if ok && (err != nil || fast != slow) {
			t.Errorf("%q: fast path gave %v, ParseDate gave %v, %v", v, fast, slow, err)
		}
	}
}

// TestDecodeExportMatchesOracleLarge decodes a generated export of a few
// thousand members (several chunks, values across many buffer refills)
// with the scanner and with the encoding/xml oracle: the members must be
// identical.
func TestDecodeExportMatchesOracleLarge(t *testing.T) {
	zone := ljubljana(t)
	doc := exportDocument(t, genMembers(3000, time.Date(2025, 10, 1, 0, 0, 0, 0, zone)))
	got, err := DecodeExport(bytes.NewReader(doc), zone)
	if err != nil {
		t.Fatal(err)
	}
	want, err := oracleDecodeExport(bytes.NewReader(doc), zone)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3000 {
		t.Fatalf("%d members, want 3000", len(got))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("member %d differs\n got: %+v\nwant: %+v", i, got[i], want[i])
		}
	}
}
