package report

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// bom makes Excel on Windows read the file as UTF-8 (see the package doc).
const bom = "\uFEFF"

// csvHeader names the columns; the order is part of the format.
func csvHeader() []string {
	return []string{
		"kind", "status", "email", "name", "member_id", "target", "system", "account", "account_name",
		"source_end", "current_end", "desired_end", "days_diff", "auto", "drift", "reason",
	}
}

func writeCSV(w io.Writer, r Report) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(bom); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true // RFC 4180; Excel is happy with both
	if err := cw.Write(csvHeader()); err != nil {
		return err
	}
	for _, row := range r.Rows {
		rec := []string{
			cell(row.Kind), cell(row.Status), cell(row.Email), cell(row.Name), cell(row.MemberID),
			cell(row.Target), cell(row.System), cell(row.Account), cell(row.AccountName),
			cell(row.SourceEnd), cell(row.CurrentEnd), cell(row.DesiredEnd),
			// Numbers and booleans are ours, never a formula: written bare
			// so a spreadsheet sorts -30 as a number.
			strconv.Itoa(row.DaysDiff), strconv.FormatBool(row.Auto), strconv.FormatBool(row.Drift),
			cell(row.Reason),
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// cell neutralises text a spreadsheet would evaluate: OWASP's list (= + - @,
// tab, carriage return) plus line feed and the full-width forms of = + - @,
// which some spreadsheet locales also treat as formula starters. The
// apostrophe makes Excel and LibreOffice show the text as typed.
func cell(s string) string {
	// Leading blanks do not stop every spreadsheet from reading a formula.
	t := strings.TrimLeft(s, " \t\r\n")
	if t == "" {
		if s != "" && s[0] != ' ' {
			return "'" + s
		}
		return s
	}
	if t != s && s[0] != ' ' {
		return "'" + s // a tab or line break first
	}
	switch t[0] {
	case '=', '+', '-', '@':
		return "'" + s
	}
	for _, p := range []string{"＝", "＋", "－", "＠"} {
		if strings.HasPrefix(t, p) {
			return "'" + s
		}
	}
	return s
}
