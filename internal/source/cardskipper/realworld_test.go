package cardskipper

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan/accesslist"
)

// Cardskipper member XML as third parties copied it from Cardskipper's own
// documentation (testdata/realworld/cardskipper; provenance in
// testdata/realworld/README.md). The export reply has the import schema, so
// each file is served as the Member/Export reply to the client's real
// Export and the members are checked as doorsync reads them.
func TestRealworldMemberXML(t *testing.T) {
	zone := ljubljana(t)
	date := func(s string) member.Date {
		d, err := member.ParseDate(s, zone)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	today := date("2026-06-01")
	cases := []struct {
		file   string
		want   member.Member
		rule   member.Rule
		verify func(t *testing.T, v member.Validity)
	}{
		// The documentation's "minimal working example": CRLF line ends, an
		// XML comment, date-only role dates, no e-mail, and a role that ends
		// before it starts — read as written; the validity rule reports the
		// role as invalid instead of counting it.
		{file: "docs_minimal_example_member_xml_via_thirdparty.xml",
			want: member.Member{ID: "150002", FirstName: "Wilmer", LastName: "Schelin",
				Roles: []member.Role{{OrganisationID: 1, RoleID: 3126, Start: date("2019-05-16"), End: date("2015-05-15")}}},
			rule: member.Rule{OrganisationIDs: []int{1}},
			verify: func(t *testing.T, v member.Validity) {
				if v.ValidToday || v.Counting != 0 || !slices.Equal(v.Invalid, []string{"role 3126: ends 2015-05-15 before it starts 2019-05-16"}) {
					t.Errorf("validity %+v", v)
				}
			}},
		// A filled import template: two spaces between attributes,
		// whitespace-only Extra1/Extra3 kept as exported (the NTK list
		// reads a blank card field as no card: see below), a child
		// organisation's role.
		{file: "thirdparty_import_template_filled.xml",
			want: member.Member{ID: "482913", Email: "anna.svensson@example.se", RawEmail: "anna.svensson@example.se",
				FirstName: "Anna", LastName: "Svensson", Extra: [3]string{" ", "NO CODE", "  "},
				Roles: []member.Role{{OrganisationID: 2, RoleID: 3126, Start: date("2025-10-01"), End: date("2026-09-30")}}},
			rule: member.Rule{OrganisationIDs: []int{1, 2}},
			verify: func(t *testing.T, v member.Validity) {
				if !v.ValidToday || v.End != date("2026-09-30") || len(v.Invalid) != 0 {
					t.Errorf("validity %+v", v)
				}
				if card, err := accesslist.NormalizeCard(" "); card != "" || err != nil {
					t.Errorf("a blank Extra1 is card %q, %v; want none", card, err)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("../../../testdata/realworld/cardskipper", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/xml; charset=utf-8")
				_, _ = w.Write(body)
			})
			c, err := New(Config{BaseURL: url, Username: "api-admin", Password: "cs-pass", Zone: zone})
			if err != nil {
				t.Fatal(err)
			}
			ms, err := c.Export(context.Background(), ExportQuery{OrganisationID: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 1 {
				t.Fatalf("%d members, want 1", len(ms))
			}
			m := ms[0]
			w := tc.want
			if m.ID != w.ID || m.Email != w.Email || m.RawEmail != w.RawEmail || m.FirstName != w.FirstName ||
				m.LastName != w.LastName || m.Inactive || m.Extra != w.Extra || !slices.Equal(m.Roles, w.Roles) || len(m.Problems) != 0 {
				t.Errorf("read %+v\nwant %+v", m, w)
			}
			tc.verify(t, tc.rule.Evaluate(m, today))
		})
	}
}
