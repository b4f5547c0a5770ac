package cardskipper

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/member"
)

// seedFixtures adds every testdata file whose name starts with prefix.
func seedFixtures(f *testing.F, prefix string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", prefix+"*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no %s fixtures: %v", prefix, err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzDecodeExport: no input may panic; a failure returns no members; a
// success returns every member in a consistent state.
func FuzzDecodeExport(f *testing.F) {
	seedFixtures(f, "export-")
	f.Add([]byte(`<Cardskipper><Members><Member><Organisations><Organisation><Roles><Role StartDate="2025-01-01T00:00:00+14:00" EndDate="9999-12-31T23:59:59-12:00"/></Roles></Organisation></Organisations></Member></Members></Cardskipper>`))
	f.Add([]byte("<Cardskipper><Members><Member Firstname=\"\u200b\" ><ContactInfo EMail=\"\u00a0A@B.SI\u00a0\"/></Member></Members></Cardskipper>"))
	for _, doc := range hostileSeeds() {
		f.Add([]byte(doc))
	}
	zone := ljubljana(f)
	f.Fuzz(func(t *testing.T, doc []byte) {
		ms, err := DecodeExport(bytes.NewReader(doc), zone)
		if err != nil {
			if ms != nil {
				t.Fatalf("error %v with %d members", err, len(ms))
			}
			if !strings.HasPrefix(err.Error(), "cardskipper: member export: ") {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		if ms == nil {
			t.Fatal("nil members without an error")
		}
		for _, m := range ms {
			checkMember(t, m)
			checkClean(t, m)
		}
	})
}

// checkMember asserts what the planner relies on for a decoded member.
func checkMember(t *testing.T, m member.Member) {
	t.Helper()
	label := m.Label()
	for _, p := range m.Problems {
		if !strings.HasPrefix(p, label+": ") {
			t.Fatalf("problem %q does not name the member %q", p, label)
		}
	}
	want, err := member.NormalizeEmail(m.RawEmail)
	if err != nil {
		if m.Email != "" || len(m.Problems) == 0 {
			t.Fatalf("bad e-mail %q gave Email %q and problems %q", m.RawEmail, m.Email, m.Problems)
		}
	} else if m.Email != want {
		t.Fatalf("e-mail %q normalised to %q, want %q", m.RawEmail, m.Email, want)
	}
	for _, r := range m.Roles {
		for _, dt := range []member.Date{r.Start, r.End} {
			if !dt.IsZero() && (dt.Year < 1900 || dt.Year > 9999) {
				t.Fatalf("role date %v out of range", dt)
			}
		}
	}
}

// FuzzDecodeOrganisationInfo: no input may panic; a failure returns nothing.
func FuzzDecodeOrganisationInfo(f *testing.F) {
	seedFixtures(f, "info-")
	f.Add([]byte(`<Cardskipper><Organisations><Organisation Id="1"><Children><CardskipperOrganisationChildren Id="1"/><Organisation Id="1"/></Children></Organisation></Organisations></Cardskipper>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		orgs, err := DecodeOrganisationInfo(bytes.NewReader(doc))
		if err != nil {
			if orgs != nil {
				t.Fatalf("error %v with %d organisations", err, len(orgs))
			}
			return
		}
		for _, o := range orgs {
			if ids := Subtree(orgs, o.ID); len(ids) == 0 || ids[0] != o.ID {
				t.Fatalf("Subtree(%d) = %v", o.ID, ids)
			}
		}
	})
}
