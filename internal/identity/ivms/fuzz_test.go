package ivms

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// seedFixtures adds every committed fixture with the given extension.
func seedFixtures(f *testing.F, ext string) {
	f.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*"+ext))
	if err != nil || len(names) == 0 {
		f.Fatalf("no %s fixtures in testdata: %v", ext, err)
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// checkResult holds for any successful read: every row is complete and
// below the header, person IDs are unique, every line is accounted for at
// most once per reason, and e-mails are normalised.
func checkResult(t *testing.T, res ImportResult) {
	t.Helper()
	if len(res.Rows)+len(res.Skipped) == 0 {
		t.Fatal("success without rows or skips")
	}
	if res.Columns[ColPersonID] == "" || res.Columns[ColEmail] == "" || res.Format == "" || res.HeaderLine < 1 {
		t.Fatalf("incomplete description: %+v", res)
	}
	ids := map[string]bool{}
	last := 0
	for _, r := range res.Rows {
		if r.PersonID == "" || r.Email == "" || r.Line <= res.HeaderLine || r.Line < last {
			t.Fatalf("bad row %+v (header line %d, previous line %d)", r, res.HeaderLine, last)
		}
		last = r.Line
		if ids[r.PersonID] {
			t.Fatalf("person ID %q listed twice", r.PersonID)
		}
		ids[r.PersonID] = true
		if string(r.Email) != strings.ToLower(string(r.Email)) || !utf8.ValidString(string(r.Email)) {
			t.Fatalf("e-mail %q not normalised", r.Email)
		}
	}
	for i, s := range res.Skipped {
		if s.Line <= res.HeaderLine || s.Reason == "" || (i > 0 && s.Line < res.Skipped[i-1].Line) {
			t.Fatalf("bad skip %+v (header line %d)", s, res.HeaderLine)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	seedFixtures(f, ".csv")
	for _, s := range []string{
		"", "\ufeff", "Person ID;Email\n", "Person ID;Email\n1;\"a@b.si\n", "sep=;\nID;Email\n1;a@b.si",
		"ID,Email\r1,a@b.si\r2,\"x\"\"y\"@b.si", "ID\tE-mail\n\"1\"x\ta@b.si\n1\tb@b.si\n1\ta@b.si",
		"Person ID;Email\n" + strings.Repeat(";", 2000), "\xff\xfeP\x00e\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ReadExport(bytes.NewReader(data), "fuzz.csv")
		if err != nil {
			if len(res.Rows) != 0 || len(res.Skipped) != 0 {
				t.Fatalf("error %v with a partial result", err)
			}
			if !strings.HasPrefix(err.Error(), "fuzz.csv: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		checkResult(t, res)
	})
}

func FuzzReadXLSX(f *testing.F) {
	seedFixtures(f, ".xlsx")
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ReadExport(bytes.NewReader(data), "fuzz.xlsx")
		if err != nil {
			if len(res.Rows) != 0 || len(res.Skipped) != 0 {
				t.Fatalf("error %v with a partial result", err)
			}
			return
		}
		checkResult(t, res)
	})
}
