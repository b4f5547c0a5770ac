package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

func writeMarkdown(w io.Writer, r Report) error {
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }

	p("# %s\n\n", mdText(r.Title))
	meta := []string{}
	if g := r.generated(); g != "" {
		meta = append(meta, "Generated "+g)
	}
	if r.Timezone != "" {
		meta = append(meta, "time zone "+mdText(r.Timezone))
	}
	if r.Today != "" {
		meta = append(meta, "today "+mdText(r.Today))
	}
	if r.RunID != 0 {
		meta = append(meta, "run "+strconv.FormatInt(r.RunID, 10))
	}
	if len(meta) > 0 {
		p("%s\n\n", strings.Join(meta, " · "))
	}
	if r.Guard != "" {
		p("**Guard tripped:** %s — `--auto` applies nothing.\n\n", mdText(r.Guard))
	} else {
		p("**Guard:** not tripped.\n\n")
	}
	if r.SourceError != "" {
		p("**Cardskipper export failed:** %s\n\n", mdText(r.SourceError))
	}

	p("## Summary\n\n| kind | count |\n|---|---:|\n")
	for _, c := range r.summary() {
		p("| %s | %d |\n", mdCell(c.Kind), c.Count)
	}
	p("\n")

	if len(r.Targets) > 0 {
		p("## Targets\n\n| target | system | accounts | error |\n|---|---|---:|---|\n")
		for _, t := range r.Targets {
			p("| %s | %s | %d | %s |\n", mdCell(t.Name), mdCell(t.System), t.Accounts, mdCell(t.Error))
		}
		p("\n")
	}

	p("## Items\n\n")
	groups := r.groups()
	if len(groups) == 0 {
		p("No items to show.\n")
	}
	for i, g := range groups {
		if i > 0 {
			p("\n")
		}
		p("### %s (%d)\n\n", mdText(g.Kind), len(g.Rows))
		p("| e-mail | name | member | target | account | account name | Cardskipper end | current end | desired end | days | status | auto | drift | reason |\n")
		p("|---|---|---|---|---|---|---|---|---|---:|---|---|---|---|\n")
		for _, x := range g.Rows {
			cells := []string{
				x.Email, x.Name, x.MemberID, x.Target, x.Account, x.AccountName,
				x.SourceEnd, x.CurrentEnd, x.DesiredEnd, daysText(x), x.Status, yesNo(x.Auto), yesNo(x.Drift), x.Reason,
			}
			for j := range cells {
				cells[j] = mdCell(cells[j])
			}
			p("| %s |\n", strings.Join(cells, " | "))
		}
	}
	return b.Flush()
}

// mdText escapes Markdown punctuation with backslashes (CommonMark allows
// escaping any ASCII punctuation): a name cannot start emphasis, a link, code
// or raw HTML ("\<script\>" renders as text), and "|" cannot split a table
// cell. Line breaks become spaces so a value stays on its table row.
func mdText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '#', '~', '!', '&':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\r', '\n', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCell is mdText for a table cell; an empty cell stays empty.
func mdCell(s string) string { return mdText(strings.TrimSpace(s)) }
