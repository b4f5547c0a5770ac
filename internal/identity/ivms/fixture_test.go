package ivms

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

var update = flag.Bool("update", false, "rewrite the generated fixtures in testdata/ (encoded CSVs and the XLSX)")

// slovenianExport is an export as iVMS-4200 on a Slovenian Windows desktop
// writes it: title rows, Slovenian headers, ';', CRLF. The fixture holds it
// in Windows-1250.
const slovenianExport = "Izvoz oseb;;;;\r\n" +
	"iVMS-4200 V3.9.1.4;;;;\r\n" +
	"ID osebe;Ime;Priimek;Oddelek;E-pošta\r\n" +
	"3001;Špela;Žagar;Člani;spela.zagar@example.si\r\n" +
	"3002;Đorđe;Petrović;Člani;dorde.petrovic@example.si\r\n" +
	"3003;Čedomir;Šturm;Člani;cedomir.sturm@example.si\r\n"

// unicodeTextExport is Excel's "Unicode Text" (UTF-16LE with BOM, tabs).
const unicodeTextExport = "Person ID\tPerson Name\tOrganization\tE-mail\r\n" +
	"4001\tЖига Чех\tЧланови\tzhiga@example.rs\r\n" +
	"4002\tJovana Ilić\tČlani\tjovana.ilic@example.si\r\n" +
	"4003\tNo Mail\tČlani\t\r\n"

func encodeUTF16LE(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := []byte{0xFF, 0xFE}
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	return b
}

func encodeCP1250(t testing.TB, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1250.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode Windows-1250: %v", err)
	}
	return b
}

// writeIVMSWorkbook builds the XLSX fixture the way an iVMS-4200 person
// export looks: an info sheet first, then the person sheet with a title and
// a rule row above the header, required columns marked "*", the person ID as
// a number cell, a gap row, and a mailto: cell.
func writeIVMSWorkbook(t testing.TB) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "Info"))
	must(f.SetCellValue("Info", "A1", "Exported by iVMS-4200"))
	must(f.SetCellValue("Info", "A2", "Persons are on the next sheet"))
	if _, err := f.NewSheet("Person"); err != nil {
		t.Fatal(err)
	}
	must(f.SetCellValue("Person", "A1", "Person Information"))
	must(f.MergeCell("Person", "A1", "G1"))
	must(f.SetCellValue("Person", "A2", "Rule: the items with * are required. Employee No. 1-32 characters."))
	header := []any{"Employee No.*", "Name*", "Gender", "Department*", "Email", "Start Time of Effective Period", "End Time of Effective Period"}
	must(f.SetSheetRow("Person", "A4", &header))
	rows := [][]any{
		{1042, "Žiga Čeh", "Male", "Člani", "ziga.ceh@example.si", "2024-03-04T00:00:00", "2025-10-01T23:59:59"},
		{"1043", "ANA NOVAK", "Female", "Člani", "mailto:Ana.Novak@example.si", "2024-01-01T00:00:00", "2025-12-31T23:59:59"},
		{"1044", "Marko Horvat", "Male", "Člani", "", "2024-01-01T00:00:00", "2025-12-31T23:59:59"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, 5+i)
		must(f.SetSheetRow("Person", cell, &r))
	}
	// Row 8 left empty on purpose; row 9 follows the gap.
	last := []any{"1045", "Јован Петровић", "Male", "Člani", "jovan.petrovic@example.rs", "2024-01-01T00:00:00", "2025-12-31T23:59:59"}
	must(f.SetSheetRow("Person", "A9", &last))
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// generated lists the fixtures written by code, not by hand.
func generated(t testing.TB) map[string][]byte {
	return map[string][]byte{
		"ivms-slovenian-cp1250.csv":   encodeCP1250(t, slovenianExport),
		"ivms-unicode-text-utf16.csv": encodeUTF16LE(unicodeTextExport),
		"ivms-person.xlsx":            writeIVMSWorkbook(t),
	}
}

// TestGeneratedFixtures keeps the committed encoded fixtures equal to their
// source above; `go test -run TestGeneratedFixtures -update` rewrites them.
// The XLSX is compared by content (excelize stamps times into the file).
func TestGeneratedFixtures(t *testing.T) {
	for name, want := range generated(t) {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestGeneratedFixtures -update)", err)
		}
		if strings.HasSuffix(name, ".xlsx") {
			a, errA := ReadExport(bytes.NewReader(got), name)
			b, errB := ReadExport(bytes.NewReader(want), name)
			if errA != nil || errB != nil {
				t.Fatalf("%s: read committed: %v; read generated: %v", name, errA, errB)
			}
			if !equalRows(a.Rows, b.Rows) || len(a.Skipped) != len(b.Skipped) {
				t.Errorf("%s is stale: rerun with -update", name)
			}
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: rerun with -update", name)
		}
	}
}

func equalRows(a, b []ImportRow) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
