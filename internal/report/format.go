package report

import (
	"cmp"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/textclean"
)

// Format is an output format of the report.
type Format string

const (
	CSV      Format = "csv"
	JSON     Format = "json"
	Markdown Format = "md"
	HTML     Format = "html"
)

// Formats lists every format, in the order the CLI documents them.
func Formats() []Format { return []Format{CSV, JSON, Markdown, HTML} }

// ParseFormat reads a --format value (case-insensitive; "markdown" and
// "htm" are accepted too).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "csv":
		return CSV, nil
	case "json":
		return JSON, nil
	case "md", "markdown":
		return Markdown, nil
	case "html", "htm":
		return HTML, nil
	}
	return "", fmt.Errorf("unknown report format %q: use csv, json, md or html", s)
}

// FormatFromPath guesses the format from a file name's extension (.csv,
// .json, .md, .markdown, .html, .htm), so `--out report.html` needs no
// --format.
func FormatFromPath(path string) (Format, bool) {
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if ext == "" {
		return "", false
	}
	f, err := ParseFormat(ext)
	return f, err == nil
}

// Write writes the report in the format.
func Write(w io.Writer, r Report, format Format) error {
	r = clean(r)
	var err error
	switch format {
	case CSV:
		err = writeCSV(w, r)
	case JSON:
		err = writeJSON(w, r)
	case Markdown:
		err = writeMarkdown(w, r)
	case HTML:
		err = writeHTML(w, r)
	default:
		return fmt.Errorf("report: unknown format %q: use csv, json, md or html", string(format))
	}
	if err != nil {
		return fmt.Errorf("report: write %s: %w", format, err)
	}
	return nil
}

// clean keeps every text valid UTF-8 and free of control characters (but
// line breaks and tabs, which each format escapes), bidi formatting and
// zero-width characters (textclean.Text: a terminal's name
// field can hold anything, and a report is opened in terminals, editors and
// spreadsheets). The caller's slices are not modified.
func clean(r Report) Report {
	s := textclean.Text
	r.Title, r.Timezone, r.Today, r.Guard, r.SourceError = s(r.Title), s(r.Timezone), s(r.Today), s(r.Guard), s(r.SourceError)
	sum := make(map[string]int, len(r.Summary))
	for k, n := range r.Summary {
		sum[s(k)] += n
	}
	r.Summary = sum
	targets := make([]TargetLine, len(r.Targets))
	for i, t := range r.Targets {
		targets[i] = TargetLine{Name: s(t.Name), System: s(t.System), Accounts: t.Accounts, Error: s(t.Error)}
	}
	r.Targets = targets
	rows := make([]Row, len(r.Rows))
	for i, x := range r.Rows {
		x.Kind, x.Email, x.Name, x.MemberID = s(x.Kind), s(x.Email), s(x.Name), s(x.MemberID)
		x.Target, x.System, x.Account, x.AccountName = s(x.Target), s(x.System), s(x.Account), s(x.AccountName)
		x.SourceEnd, x.CurrentEnd, x.DesiredEnd = s(x.SourceEnd), s(x.CurrentEnd), s(x.DesiredEnd)
		x.Status, x.Reason = s(x.Status), s(x.Reason)
		rows[i] = x
	}
	r.Rows = rows
	return r
}

// zoneOf is the report's zone for display; GeneratedAt's own location when
// the name is unknown on this machine.
func (r Report) zoneOf() *time.Location {
	if r.Timezone != "" {
		if loc, err := time.LoadLocation(r.Timezone); err == nil {
			return loc
		}
	}
	return r.GeneratedAt.Location()
}

// generated is GeneratedAt for people: local time with the offset.
func (r Report) generated() string {
	if r.GeneratedAt.IsZero() {
		return ""
	}
	return r.GeneratedAt.In(r.zoneOf()).Format("2006-01-02 15:04:05 -07:00")
}

// count is one line of the summary.
type count struct {
	Kind  string
	Count int
}

// summary lists the counts in kind order; kinds the plan does not know (a
// newer database) follow alphabetically.
func (r Report) summary() []count {
	out := make([]count, 0, len(r.Summary))
	for k, n := range r.Summary {
		out = append(out, count{k, n})
	}
	slices.SortFunc(out, func(a, b count) int {
		return cmp.Or(cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}

// group is the rows of one kind.
type group struct {
	Kind string
	Rows []Row
}

// groups splits the rows by kind in kind order, keeping their order within a
// kind, so Markdown and HTML group even rows a caller did not sort.
func (r Report) groups() []group {
	var out []group
	idx := map[string]int{}
	for _, row := range r.Rows {
		i, ok := idx[row.Kind]
		if !ok {
			i = len(out)
			idx[row.Kind] = i
			out = append(out, group{Kind: row.Kind})
		}
		out[i].Rows = append(out[i].Rows, row)
	}
	slices.SortStableFunc(out, func(a, b group) int {
		return cmp.Or(cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}

// daysText shows the difference with its sign, blank when there is none to show.
func daysText(row Row) string {
	if row.DaysDiff == 0 && (row.CurrentEnd == "" || row.DesiredEnd == "" || row.CurrentEnd == PermanentEnd) {
		return ""
	}
	if row.DaysDiff > 0 {
		return fmt.Sprintf("+%d", row.DaysDiff)
	}
	return fmt.Sprintf("%d", row.DaysDiff)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return ""
}
