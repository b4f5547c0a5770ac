// Package ivms reads iVMS-4200 person exports (CSV in any encoding and
// delimiter Excel, LibreOffice or iVMS write, and XLSX) and plans which
// identity links importing one adds to a target (docs/links-import.md). It
// lives apart from package identity so the pure planner, which needs only
// links and resolution, does not pull in excelize and golang.org/x/text.
package ivms

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/textclean"
)

// Bounds of an export. A club has hundreds to a few thousand persons; the
// bounds only stop a wrong or hostile file from eating the machine.
const (
	// MaxExportBytes is the largest file ReadExport reads.
	MaxExportBytes = 64 << 20
	// MaxExportRows is the most person rows below the header.
	MaxExportRows = 100_000
	// headerWindow is how many rows from the top are searched for the
	// header: iVMS puts a few title and instruction rows above it.
	headerWindow = 20
	// maxPersonID is employeeNo's limit on Hikvision terminals.
	maxPersonID = 32
)

// limits bound one read; tests shrink them to exercise the bounds cheaply.
type limits struct {
	bytes int // file size
	rows  int // person rows below the header
}

func defaultLimits() limits { return limits{bytes: MaxExportBytes, rows: MaxExportRows} }

// ImportRow is one person of an iVMS-4200 export that can be linked.
type ImportRow struct {
	Line         int          // line (CSV) or row number (XLSX) in the file
	PersonID     string       // employeeNo on the terminal
	Email        member.Email // normalised
	RawEmail     string       // as written in the file
	Name         string
	Organisation string
}

// Skip is a row that was not used, and why.
type Skip struct {
	Line   int
	Reason string
}

func (s Skip) String() string { return fmt.Sprintf("line %d: %s", s.Line, s.Reason) }

// ImportResult is what an export holds.
type ImportResult struct {
	Rows    []ImportRow
	Skipped []Skip
	// Columns says which header of the file fed which field, keyed by the
	// Col* constants: {"person id": "Employee No.*", "e-mail": "Email"}.
	Columns map[string]string
	// Format describes the file: "CSV (UTF-8 with BOM, semicolon-delimited)"
	// or "XLSX (sheet \"Person\")".
	Format string
	// HeaderLine is the line or row number of the header row.
	HeaderLine int
}

// ReadExport reads an iVMS-4200 person export (CSV or XLSX). The format is
// sniffed from the content (an XLSX file is a ZIP archive); filename is
// used for messages and to insist that a file called .xlsx is one. Rows
// that cannot be linked are listed in Skipped with the reason; a file that
// cannot be read as a whole (not CSV/XLSX, no header, no rows, too big) is
// an error, never a partial result.
func ReadExport(r io.Reader, filename string) (ImportResult, error) {
	return readExportWith(r, filename, defaultLimits())
}

func readExportWith(r io.Reader, filename string, lim limits) (ImportResult, error) {
	name := filename
	if name == "" {
		name = "input"
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(lim.bytes)+1))
	if err != nil {
		return ImportResult{}, fmt.Errorf("%s: read: %w", name, err)
	}
	if len(data) > lim.bytes {
		return ImportResult{}, fmt.Errorf("%s: larger than %s: not a person export", name, sizeText(lim.bytes))
	}
	res, err := readExport(data, filename, lim)
	if err != nil {
		return ImportResult{}, fmt.Errorf("%s: %w", name, err)
	}
	return res, nil
}

func sizeText(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

func readExport(data []byte, filename string, lim limits) (ImportResult, error) {
	ext := strings.ToLower(filepath.Ext(filename))
	switch {
	case len(bytes.TrimFunc(data, func(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' || r == 0 })) == 0:
		return ImportResult{}, errors.New("the file is empty")
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return readXLSX(data, lim)
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return ImportResult{}, errors.New("an old Excel 97-2003 (.xls) workbook or an encrypted one: save it as .xlsx or CSV and import that")
	case ext == ".xlsx" || ext == ".xlsm":
		return ImportResult{}, fmt.Errorf("named %s but not an XLSX workbook (no ZIP signature)", ext)
	}
	return readCSV(data, lim)
}

// collect turns the rows below the header into ImportRows and Skips. It
// works the same for CSV and XLSX.
func collect(recs []record, cols columnMap, lim limits) (ImportResult, error) {
	res := ImportResult{Columns: cols.columnsUsed()}
	var rows []ImportRow
	byID := map[string][]int{} // person ID → indexes in rows
	n := 0
	for _, rec := range recs {
		if blank(rec.fields) {
			continue // Excel's trailing ";;;;" lines are not persons
		}
		if n++; n > lim.rows {
			return ImportResult{}, fmt.Errorf("line %d: more than %d person rows: split the file", rec.line, lim.rows)
		}
		row, reason := parseRow(rec, cols)
		if reason != "" {
			res.Skipped = append(res.Skipped, Skip{Line: rec.line, Reason: reason})
			continue
		}
		byID[row.PersonID] = append(byID[row.PersonID], len(rows))
		rows = append(rows, row)
	}
	// Summarise each person ID once (a file of one ID repeated must not
	// cost n² work).
	type group struct {
		lines []int
		mails []string
	}
	groups := make(map[string]*group, len(byID))
	for id, idx := range byID {
		g := &group{}
		for _, i := range idx {
			g.lines = append(g.lines, rows[i].Line)
			if !slices.Contains(g.mails, string(rows[i].Email)) && len(g.mails) < 5 {
				g.mails = append(g.mails, string(rows[i].Email))
			}
		}
		groups[id] = g
	}
	for _, row := range rows {
		g := groups[row.PersonID]
		switch {
		case len(g.mails) > 1:
			// Which e-mail is right cannot be told: none is linked.
			res.Skipped = append(res.Skipped, Skip{Line: row.Line, Reason: fmt.Sprintf(
				"person %s appears on lines %s with different e-mails (%s): fix the export or link by hand",
				row.PersonID, joinInts(g.lines), strings.Join(g.mails, ", "))})
		case row.Line != g.lines[0]:
			res.Skipped = append(res.Skipped, Skip{Line: row.Line, Reason: fmt.Sprintf(
				"%s: repeats line %d", rowLabel(row), g.lines[0])})
		default:
			res.Rows = append(res.Rows, row)
		}
	}
	sortByLine(res.Skipped)
	return res, nil
}

// sortByLine orders skips as the file does; skips of one line keep their order.
func sortByLine(s []Skip) {
	slices.SortStableFunc(s, func(a, b Skip) int { return cmp.Compare(a.Line, b.Line) })
}

// joinInts lists line numbers, at most a handful.
func joinInts(ns []int) string {
	const most = 5
	s := make([]string, 0, most+1)
	for i, n := range ns {
		if i == most {
			s = append(s, fmt.Sprintf("and %d more", len(ns)-most))
			break
		}
		s = append(s, strconv.Itoa(n))
	}
	return strings.Join(s, ", ")
}

// parseRow reads one data row; a non-empty reason means it is skipped.
func parseRow(rec record, cols columnMap) (ImportRow, string) {
	row := ImportRow{
		Line:         rec.line,
		PersonID:     cols.cell(rec.fields, ColPersonID),
		RawEmail:     cols.cell(rec.fields, ColEmail),
		Name:         cols.cell(rec.fields, ColName),
		Organisation: cols.cell(rec.fields, ColOrganisation),
	}
	row.Name = textclean.Clean(row.Name)
	if row.Name == "" {
		row.Name = textclean.Clean(strings.TrimSpace(cols.cell(rec.fields, ColFirstName) + " " + cols.cell(rec.fields, ColLastName)))
	}
	who := row.Name
	if who == "" {
		who = "unnamed person"
	}
	switch {
	case row.PersonID == "":
		return row, fmt.Sprintf("%s: no person ID", who)
	case len(row.PersonID) > maxPersonID:
		return row, fmt.Sprintf("%s: person ID %.40q is longer than %d characters", who, row.PersonID, maxPersonID)
	case strings.IndexFunc(row.PersonID, unicode.IsControl) >= 0:
		return row, fmt.Sprintf("%s: person ID %q contains control characters", who, row.PersonID)
	}
	label := "person " + row.PersonID
	if row.Name != "" {
		label += " (" + row.Name + ")"
	}
	if row.RawEmail == "" {
		return row, label + ": no e-mail"
	}
	raw := row.RawEmail
	// A cell formatted as a link may hold "mailto:…".
	if len(raw) > 7 && strings.EqualFold(raw[:7], "mailto:") {
		raw = raw[7:]
	}
	e, err := member.NormalizeEmail(raw)
	if err != nil {
		return row, fmt.Sprintf("%s: invalid %v", label, err)
	}
	row.Email = e
	return row, ""
}

func blank(fields []string) bool {
	for _, f := range fields {
		if cleanCell(f) != "" {
			return false
		}
	}
	return true
}
