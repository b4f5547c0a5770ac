package ivms

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/member"
)

// row is the part of an ImportRow a fixture table states.
type row struct {
	line               int
	id, email, name, o string
}

func TestReadExportFixtures(t *testing.T) {
	tests := []struct {
		file    string
		format  string
		header  int
		columns map[string]string
		rows    []row
		skipped []string // "line: substring of the reason"
	}{
		{
			file: "ivms-person-semicolon-bom.csv", format: "CSV (UTF-8 with BOM, semicolon-delimited)", header: 4,
			columns: map[string]string{ColPersonID: "Person ID", ColEmail: "Email", ColName: "Person Name", ColOrganisation: "Organization"},
			rows: []row{
				{5, "1042", "ziga.ceh@example.si", "Žiga Čeh", "Fitnes Ljubljana/Člani"},
				{6, "1043", "ana.novak@example.si", "Ana Novak", "Fitnes Ljubljana/Člani"},
				{10, "1046", "trener@example.si", "Trener Marko", "Fitnes Ljubljana/Osebje"},
				{11, "1047", "maja.zupan@example.si", `Maja "Mia" Zupan`, "Fitnes Ljubljana/Člani"},
			},
			skipped: []string{
				"7: person 1044 (Đurđa Kovačič): no e-mail",
				`8: person 1045 (Marko Horvat): invalid e-mail "marko.horvat(at)example.si"`,
				"9: Brez Številke: no person ID",
				"12: person 1043 (Ana Novak): repeats line 6",
			},
		},
		{
			file: "ivms-employee-comma.csv", format: "CSV (UTF-8, comma-delimited)", header: 1,
			columns: map[string]string{ColPersonID: "Employee No.", ColEmail: "Email Address", ColFirstName: "First Name",
				ColLastName: "Last Name", ColOrganisation: "Department"},
			rows: []row{
				{2, "2001", "jozef.kranjc@example.si", "Jožef Kranjc", "Člani, jutranji"},
				{3, "2002", "tjasa.potocnik@example.si", "Tjaša Potočnik", "Člani"},
				{7, "2005", "petra.kos@example.si", `Petra Kos "Petka"`, "Člani"},
			},
			skipped: []string{
				`4: person 2003 (Luka Mlakar): invalid e-mail "luka@mlakar@example.si": more than one @`,
				"5: person 2004 appears on lines 5, 6 with different e-mails (nina.vidmar@example.si, nina.v@example.si)",
				"6: person 2004 appears on lines 5, 6 with different e-mails",
			},
		},
		{
			file: "ivms-slovenian-cp1250.csv", format: "CSV (Windows-1250, semicolon-delimited)", header: 3,
			columns: map[string]string{ColPersonID: "ID osebe", ColEmail: "E-pošta", ColFirstName: "Ime", ColLastName: "Priimek", ColOrganisation: "Oddelek"},
			rows: []row{
				{4, "3001", "spela.zagar@example.si", "Špela Žagar", "Člani"},
				{5, "3002", "dorde.petrovic@example.si", "Đorđe Petrović", "Člani"},
				{6, "3003", "cedomir.sturm@example.si", "Čedomir Šturm", "Člani"},
			},
		},
		{
			file: "ivms-slovenian-title-rows.csv", format: "CSV (UTF-8, semicolon-delimited)", header: 3,
			columns: map[string]string{ColPersonID: "ID osebe", ColEmail: "E-pošta", ColFirstName: "Ime", ColLastName: "Priimek", ColOrganisation: "Oddelek"},
			rows: []row{
				{4, "3001", "spela.zagar@example.si", "Špela Žagar", "Člani"},
				{5, "3002", "dorde.petrovic@example.si", "Đorđe Petrović", "Člani"},
				{6, "3003", "cedomir.sturm@example.si", "Čedomir Šturm", "Člani"},
			},
		},
		{
			file: "ivms-unicode-text-utf16.csv", format: "CSV (UTF-16LE, tab-delimited)", header: 1,
			columns: map[string]string{ColPersonID: "Person ID", ColEmail: "E-mail", ColName: "Person Name", ColOrganisation: "Organization"},
			rows: []row{
				{2, "4001", "zhiga@example.rs", "Жига Чех", "Чланови"},
				{3, "4002", "jovana.ilic@example.si", "Jovana Ilić", "Člani"},
			},
			skipped: []string{"4: person 4003 (No Mail): no e-mail"},
		},
		{
			// First sheet has no header: the person sheet is found; the
			// number cell 1042 reads as "1042"; row 8 is a gap, so the
			// last person is on row 9 as Excel shows it.
			file: "ivms-person.xlsx", format: `XLSX (sheet "Person")`, header: 4,
			columns: map[string]string{ColPersonID: "Employee No.*", ColEmail: "Email", ColName: "Name*", ColOrganisation: "Department*"},
			rows: []row{
				{5, "1042", "ziga.ceh@example.si", "Žiga Čeh", "Člani"},
				{6, "1043", "ana.novak@example.si", "ANA NOVAK", "Člani"},
				{9, "1045", "jovan.petrovic@example.rs", "Јован Петровић", "Člani"},
			},
			skipped: []string{"7: person 1044 (Marko Horvat): no e-mail"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := ReadExport(bytes.NewReader(readFixture(t, tt.file)), tt.file)
			if err != nil {
				t.Fatalf("ReadExport: %v", err)
			}
			if res.Format != tt.format || res.HeaderLine != tt.header {
				t.Errorf("format %q header line %d, want %q, %d", res.Format, res.HeaderLine, tt.format, tt.header)
			}
			if fmt.Sprint(res.Columns) != fmt.Sprint(tt.columns) {
				t.Errorf("columns = %v\nwant      %v", res.Columns, tt.columns)
			}
			var got []row
			for _, r := range res.Rows {
				got = append(got, row{r.Line, r.PersonID, string(r.Email), r.Name, r.Organisation})
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.rows) {
				t.Errorf("rows:\n got %v\nwant %v", got, tt.rows)
			}
			checkSkips(t, res.Skipped, tt.skipped)
		})
	}
}

// checkSkips compares skips with "line: reason substring" expectations,
// in order.
func checkSkips(t *testing.T, got []Skip, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d skipped, want %d: %v", len(got), len(want), got)
		return
	}
	for i, w := range want {
		line, reason, _ := strings.Cut(w, ": ")
		if fmt.Sprint(got[i].Line) != line || !strings.Contains(got[i].Reason, reason) {
			t.Errorf("skip %d = %q, want line %s with %q", i, got[i], line, reason)
		}
		if !strings.HasPrefix(got[i].String(), "line "+line+": ") {
			t.Errorf("skip %d prints as %q: the line must lead", i, got[i])
		}
	}
}

// TestReadExportEncodingsAndDelimiters reads one table written every way
// Excel, LibreOffice and iVMS write text and expects the same rows.
func TestReadExportEncodingsAndDelimiters(t *testing.T) {
	table := func(sep, eol string) string {
		lines := []string{
			strings.Join([]string{"Št. osebe", "Ime in priimek", "E-poštni naslov"}, sep),
			strings.Join([]string{"7", "Žiga Čeh", "ziga@example.si"}, sep),
			strings.Join([]string{"8", "Đurđa Ćirić", "DJURDJA@example.si"}, sep),
		}
		return strings.Join(lines, eol) + eol
	}
	utf16be := func(s string) []byte {
		le := encodeUTF16LE(s)[2:]
		b := []byte{0xFE, 0xFF}
		for i := 0; i+1 < len(le); i += 2 {
			b = append(b, le[i+1], le[i])
		}
		return b
	}
	tests := []struct {
		name   string
		data   []byte
		format string
	}{
		{"utf8 semicolon crlf", []byte(table(";", "\r\n")), "CSV (UTF-8, semicolon-delimited)"},
		{"utf8 comma lf", []byte(table(",", "\n")), "CSV (UTF-8, comma-delimited)"},
		{"utf8 tab", []byte(table("\t", "\n")), "CSV (UTF-8, tab-delimited)"},
		{"mac cr line ends", []byte(table(";", "\r")), "CSV (UTF-8, semicolon-delimited)"},
		{"bom", append([]byte{0xEF, 0xBB, 0xBF}, table(";", "\r\n")...), "CSV (UTF-8 with BOM, semicolon-delimited)"},
		{"utf16le bom", encodeUTF16LE(table("\t", "\r\n")), "CSV (UTF-16LE, tab-delimited)"},
		{"utf16le no bom", encodeUTF16LE(table(";", "\r\n"))[2:], "CSV (UTF-16LE without BOM, semicolon-delimited)"},
		{"utf16be bom", utf16be(table(",", "\n")), "CSV (UTF-16BE, comma-delimited)"},
		{"windows-1250", encodeCP1250(t, table(";", "\r\n")), "CSV (Windows-1250, semicolon-delimited)"},
		{"sep line", []byte("sep=,\r\n" + table(",", "\r\n")), "CSV (UTF-8, comma-delimited)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ReadExport(bytes.NewReader(tt.data), "persons.csv")
			if err != nil {
				t.Fatalf("ReadExport: %v", err)
			}
			if res.Format != tt.format {
				t.Errorf("format = %q, want %q", res.Format, tt.format)
			}
			want := []row{{0, "7", "ziga@example.si", "Žiga Čeh", ""}, {0, "8", "djurdja@example.si", "Đurđa Ćirić", ""}}
			var got []row
			for _, r := range res.Rows {
				got = append(got, row{0, r.PersonID, string(r.Email), r.Name, r.Organisation})
			}
			if fmt.Sprint(got) != fmt.Sprint(want) || len(res.Skipped) != 0 {
				t.Errorf("rows %v skipped %v, want %v", got, res.Skipped, want)
			}
			line := 2
			if tt.name == "sep line" {
				line = 3 // the sep= line is line 1
			}
			if len(res.Rows) > 0 && res.Rows[0].Line != line {
				t.Errorf("first person on line %d, want %d", res.Rows[0].Line, line)
			}
		})
	}
}

func TestReadExportQuotingAndLines(t *testing.T) {
	data := "Person ID;Name;Email\n" +
		"1;\"Novak; Ana\";ana@example.si\n" +
		"2;\"Two\nLines\";two@example.si\n" + // a quoted newline: the next row is on line 5
		"3;Marko \"Mare\" Kos;mare@example.si\n" +
		"4;\"Quoted\" tail;tail@example.si\n" +
		"\n" +
		";;\n" +
		"5;  Spaced\u00a0 ;\u00a0spaced@example.si\u200b\n" +
		"6;Short row\n" +
		"7;Extra;extra@example.si;x;y;z"
	res, err := ReadExport(strings.NewReader(data), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{2, "1", "ana@example.si", "Novak; Ana", ""},
		{3, "2", "two@example.si", "Two Lines", ""},
		{5, "3", "mare@example.si", `Marko "Mare" Kos`, ""},
		{6, "4", "tail@example.si", "Quoted tail", ""},
		{9, "5", "spaced@example.si", "Spaced", ""},
		{11, "7", "extra@example.si", "Extra", ""},
	}
	var got []row
	for _, r := range res.Rows {
		got = append(got, row{r.Line, r.PersonID, string(r.Email), r.Name, r.Organisation})
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows:\n got %v\nwant %v", got, want)
	}
	checkSkips(t, res.Skipped, []string{"10: person 6 (Short row): no e-mail"})
}

func TestReadExportErrors(t *testing.T) {
	tests := []struct {
		name, file string
		data       []byte
		want       []string // substrings of the error, in any order
	}{
		{"empty", "e.csv", nil, []string{"e.csv: the file is empty"}},
		{"only white space and bom", "e.csv", []byte("\ufeff \r\n\t\n"), []string{"the file is empty"}},
		{"utf-16 bom only", "e.csv", encodeUTF16LE(" \r\n"), []string{"e.csv: the file is empty"}},
		{"no header", "p.csv", []byte("Name;Phone\nAna;041\n"), []string{
			"p.csv: no header row with a person ID and an e-mail column in the first 20 rows",
			`person id: "Person ID", "Employee No."`, `e-mail: "Email", "E-mail"`, "docs/links-import.md"}},
		{"id but no e-mail column", "p.csv", []byte("Title\nPerson ID;Name;Phone\n1;Ana;041\n"), []string{
			`line 2 has a person ID column ("Person ID") but no e-mail column`}},
		{"header below the window", "p.csv", []byte(strings.Repeat("title\n", 20) + "Person ID;Email\n1;a@example.si\n"), []string{
			"no header row"}},
		{"header without rows", "p.csv", []byte("Person ID;Email\n;\n\n"), []string{"no person rows below the header on line 1"}},
		{"unclosed quote", "p.csv", []byte("Person ID;Email\n1;a@example.si\n2;\"b@example.si\n3;c@example.si\n"), []string{
			"line 3: a quoted field opened here is never closed"}},
		{"legacy xls", "p.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0}, []string{"Excel 97-2003", "save it as .xlsx or CSV"}},
		{"xlsx name without zip", "p.xlsx", []byte("Person ID;Email\n1;a@example.si\n"), []string{"p.xlsx: named .xlsx but not an XLSX workbook"}},
		{"broken zip", "p.xlsx", []byte("PK\x03\x04garbage"), []string{"p.xlsx: not a readable XLSX workbook"}},
		{"binary", "p.pdf", []byte("%PDF-1.4\x00\x01\x02\x03 binary"), []string{"binary content: not a CSV or XLSX"}},
		{"utf-8 bom with bad bytes", "p.csv", append([]byte("\xef\xbb\xbfPerson ID;Email\n1;"), 0xff, '\n'), []string{"line 2: not valid UTF-8"}},
		{"odd utf-16", "p.csv", append(encodeUTF16LE("Person ID\tEmail\n"), 'x'), []string{"odd number of bytes"}},
		{"too many columns", "p.csv", []byte("Person ID;Email\n" + strings.Repeat(";", maxColumns+5)), []string{"line 2: more than 1024 columns"}},
		{"unnamed input", "", nil, []string{"input: the file is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ReadExport(bytes.NewReader(tt.data), tt.file)
			if err == nil {
				t.Fatalf("no error; got %d rows", len(res.Rows))
			}
			if len(res.Rows) != 0 || len(res.Skipped) != 0 {
				t.Errorf("error with a partial result: %d rows, %d skipped", len(res.Rows), len(res.Skipped))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

// TestReadExportBounds runs the size and row bounds with small limits (the
// real ones, 64 MiB and 100,000 rows, would only make the test slow).
func TestReadExportBounds(t *testing.T) {
	lim := limits{bytes: 4096, rows: 10}
	r := &countingReader{r: endless{}}
	_, err := readExportWith(r, "big.csv", lim)
	if err == nil || !strings.Contains(err.Error(), "big.csv: larger than 4096 bytes: not a person export") {
		t.Fatalf("error = %v", err)
	}
	if r.n > 2*lim.bytes {
		t.Errorf("read %d bytes for a %d-byte bound", r.n, lim.bytes)
	}
	if got := sizeText(MaxExportBytes); got != "64 MiB" {
		t.Errorf("the real bound reads %q", got)
	}

	rows := func(n int) string {
		var b strings.Builder
		b.WriteString("Person ID,Email\n")
		for i := range n {
			fmt.Fprintf(&b, "%d,p%d@example.si\n", i, i)
		}
		return b.String()
	}
	if res, err := readExportWith(strings.NewReader(rows(10)), "ok.csv", lim); err != nil || len(res.Rows) != 10 {
		t.Fatalf("10 rows at a 10-row bound: %d rows, %v", len(res.Rows), err)
	}
	_, err = readExportWith(strings.NewReader(rows(11)), "p.csv", lim)
	if err == nil || !strings.Contains(err.Error(), "p.csv: line 12: more than 10 person rows: split the file") {
		t.Fatalf("CSV row bound: %v", err)
	}
	_, err = readExportWith(bytes.NewReader(readFixture(t, "ivms-person.xlsx")), "p.xlsx", limits{bytes: 1 << 20, rows: 2})
	if err == nil || !strings.Contains(err.Error(), `sheet "Person": line 7: more than 2 person rows`) {
		t.Fatalf("XLSX row bound: %v", err)
	}

	_, err = ReadExport(iotestErr{}, "x.csv")
	if err == nil || !strings.Contains(err.Error(), "x.csv: read: disk on fire") {
		t.Fatalf("read error = %v", err)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	const chunk = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	n := 0
	for n < len(p) {
		n += copy(p[n:], chunk)
	}
	return n, nil
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestHeaderRecognition(t *testing.T) {
	tests := []struct {
		header []string
		want   map[string]int // column → index
	}{
		{[]string{"Person ID", "Email"}, map[string]int{ColPersonID: 0, ColEmail: 1}},
		{[]string{" PERSON  ID ", "E-MAIL"}, map[string]int{ColPersonID: 0, ColEmail: 1}},
		{[]string{"Employee No.*", "Name*", "Email Address"}, map[string]int{ColPersonID: 0, ColName: 1, ColEmail: 2}},
		{[]string{"employee id", "e pošta", "given name", "family name"}, map[string]int{ColPersonID: 0, ColEmail: 1, ColFirstName: 2, ColLastName: 3}},
		{[]string{"ŠT. OSEBE", "E-POŠTA", "IME", "PRIIMEK", "ODDELEK"}, map[string]int{ColPersonID: 0, ColEmail: 1, ColFirstName: 2, ColLastName: 3, ColOrganisation: 4}},
		// "Person ID" beats "ID" wherever it stands.
		{[]string{"ID", "Name", "Person ID", "Email", "Organization"}, map[string]int{ColPersonID: 2, ColName: 1, ColEmail: 3, ColOrganisation: 4}},
		{[]string{"No.", "ID", "Email"}, map[string]int{ColPersonID: 1, ColEmail: 2}},
		{[]string{"Person ID", "Phone"}, nil},
		{[]string{"Email"}, nil},
		{nil, nil},
	}
	for _, tt := range tests {
		c, ok := matchHeader(tt.header)
		if ok != (tt.want != nil) {
			t.Errorf("matchHeader(%q) ok = %v", tt.header, ok)
			continue
		}
		if ok && fmt.Sprint(c.index) != fmt.Sprint(tt.want) {
			t.Errorf("matchHeader(%q) = %v, want %v", tt.header, c.index, tt.want)
		}
	}
}

func TestReadExportNormalisesEmail(t *testing.T) {
	res, err := ReadExport(strings.NewReader("ID,Email\n1,\" Ziga.Ceh@Example.SI \"\n"), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || res.Rows[0].Email != member.Email("ziga.ceh@example.si") || res.Rows[0].RawEmail != "Ziga.Ceh@Example.SI" {
		t.Fatalf("rows = %+v", res.Rows)
	}
}

// TestDocsListHeaders keeps docs/links-import.md in step with the headers
// the code accepts.
func TestDocsListHeaders(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "links-import.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headerAliases() {
		for _, a := range h.aliases {
			if !bytes.Contains(doc, []byte("`"+a+"`")) {
				t.Errorf("docs/links-import.md does not list the %s header `%s`", h.col, a)
			}
		}
	}
}
