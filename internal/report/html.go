package report

import (
	"bufio"
	"html/template"
	"io"
	"strings"
)

// htmlView is what the template sees: everything already in display order.
type htmlView struct {
	Title, Generated, Timezone, Today string
	RunID                             int64
	Guard, SourceError                string
	Summary                           []count
	Total                             int
	Targets                           []TargetLine
	TargetErrors                      int
	Groups                            []group
}

func writeHTML(w io.Writer, r Report) error {
	// Parsed per call: a report is written once per command, and a parsed
	// template kept in a package variable would be a global.
	t, err := template.New("report").Funcs(template.FuncMap{
		"badge": badgeClass,
		"days":  daysText,
		"yes":   yesNo,
	}).Parse(htmlTemplate)
	if err != nil {
		return err
	}
	v := htmlView{
		Title: r.Title, Generated: r.generated(), Timezone: r.Timezone, Today: r.Today, RunID: r.RunID,
		Guard: r.Guard, SourceError: r.SourceError, Summary: r.summary(), Targets: r.Targets, Groups: r.groups(),
	}
	for _, c := range v.Summary {
		v.Total += c.Count
	}
	for _, t := range r.Targets {
		if t.Error != "" {
			v.TargetErrors++
		}
	}
	b := bufio.NewWriter(w)
	if err := t.Execute(b, v); err != nil {
		return err
	}
	return b.Flush()
}

// badgeClass is the CSS class of a kind's badge: only [a-z0-9_] survive, so a
// kind from a newer database cannot reach outside the class attribute (the
// template escapes it anyway) and still gets the neutral badge.
func badgeClass(kind string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(kind) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		}
	}
	return "k-" + b.String()
}

// htmlTemplate is one self-contained page: inline CSS, no script, no external
// resource; the Content-Security-Policy forbids both, so even a value that
// slipped past escaping could not load or run anything.
const htmlTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="doorsync">
<title>{{.Title}}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em;color:#1d1d1f;background:#fff}
h1{font-size:1.5em;margin:0 0 .2em}
h2{font-size:1.2em;margin:1.6em 0 .5em;border-bottom:1px solid #ddd}
h3{font-size:1em;margin:1.2em 0 .4em}
.meta{color:#555;margin:0 0 1em}
.notice{padding:.6em .9em;border-radius:4px;margin:.5em 0}
.notice.bad{background:#fdecea;border:1px solid #e0a8a2}
.notice.good{background:#eaf6ec;border:1px solid #a6d3ad}
table{border-collapse:collapse;margin:.3em 0 1em}
th,td{border:1px solid #d5d5d5;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.err td{background:#fdecea}
.items td{font-size:.93em}
.badge{display:inline-block;padding:.05em .5em;border-radius:.8em;font-size:.85em;font-weight:600;white-space:nowrap;background:#e4e4e4;color:#333}
.k-in_sync{background:#e4efe6;color:#2d5b35}
.k-extend{background:#cdebd3;color:#1b5e20}
.k-reactivate{background:#cfe8f3;color:#0d4f6c}
.k-shorten{background:#fde3c4;color:#7a4300}
.k-revoke{background:#f8cfcb;color:#8e1b10}
.k-missing{background:#e6dcf3;color:#4a2a7a}
.k-unlinked{background:#ececec;color:#444}
.k-ambiguous{background:#fff1b8;color:#6b5400}
.k-no_email{background:#ececec;color:#444}
.k-invalid{background:#f3c2cf;color:#7b1030}
.drift{color:#8e1b10;font-weight:600}
@media print{body{margin:0}.items td{font-size:.8em}}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="meta">{{with .Generated}}Generated {{.}}{{end}}{{with .Timezone}} · time zone {{.}}{{end}}{{with .Today}} · today {{.}}{{end}}{{if .RunID}} · run {{.RunID}}{{end}}</p>
{{if .Guard}}<p class="notice bad"><strong>Guard tripped:</strong> {{.Guard}} — <code>--auto</code> applies nothing.</p>
{{else}}<p class="notice good"><strong>Guard:</strong> not tripped.</p>
{{end}}{{with .SourceError}}<p class="notice bad"><strong>Cardskipper export failed:</strong> {{.}}</p>
{{end}}
<h2>Summary</h2>
<table class="summary">
<tr><th>kind</th><th class="num">count</th></tr>
{{range .Summary}}<tr><td><span class="badge {{badge .Kind}}">{{.Kind}}</span></td><td class="num">{{.Count}}</td></tr>
{{end}}<tr><th>total</th><th class="num">{{.Total}}</th></tr>
</table>
{{if .Targets}}
<h2>Targets{{if .TargetErrors}} ({{.TargetErrors}} could not be read){{end}}</h2>
<table class="targets">
<tr><th>target</th><th>system</th><th class="num">accounts</th><th>error</th></tr>
{{range .Targets}}<tr{{if .Error}} class="err"{{end}}><td>{{.Name}}</td><td>{{.System}}</td><td class="num">{{.Accounts}}</td><td>{{.Error}}</td></tr>
{{end}}</table>
{{end}}
<h2>Items</h2>
{{range .Groups}}<h3><span class="badge {{badge .Kind}}">{{.Kind}}</span> {{len .Rows}}</h3>
<table class="items">
<tr><th>e-mail</th><th>name</th><th>member</th><th>target</th><th>account</th><th>account name</th><th>Cardskipper end</th><th>current end</th><th>desired end</th><th class="num">days</th><th>status</th><th>auto</th><th>reason</th></tr>
{{range .Rows}}<tr><td>{{.Email}}</td><td>{{.Name}}</td><td>{{.MemberID}}</td><td>{{.Target}}</td><td>{{.Account}}</td><td>{{.AccountName}}</td><td>{{.SourceEnd}}</td><td>{{.CurrentEnd}}</td><td>{{.DesiredEnd}}</td><td class="num">{{days .}}</td><td>{{.Status}}</td><td>{{yes .Auto}}</td><td>{{if .Drift}}<span class="drift">drift</span> {{end}}{{.Reason}}</td></tr>
{{end}}</table>
{{else}}<p>No items to show.</p>
{{end}}</body>
</html>
`
