package report

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/plan"
)

func rowsByEmail(r Report) map[string]Row {
	m := map[string]Row{}
	for _, x := range r.Rows {
		m[x.Kind+"/"+x.Email+"/"+x.Account] = x
	}
	return m
}

func TestFromPlanRows(t *testing.T) {
	r := FromPlan(plan.Build(fixtureInput(t, 25)), false)
	rows := rowsByEmail(r)
	tests := []struct {
		key                                       string
		status, current, desired, source, account string
		days                                      int
		auto, drift                               bool
	}{
		{key: "extend/ziga.ceh@example.si/1042", status: StatusAuto, current: "2025-11-15T23:59:59", desired: "2025-12-01T23:59:59", source: "2025-12-01", account: "1042", days: 16, auto: true},
		{key: "reactivate/luka.horvat@example.si/1046", status: StatusAuto, current: "2025-10-15T23:59:59", desired: "2026-01-31T23:59:59", source: "2026-01-31", account: "1046", days: 108, auto: true},
		{key: "shorten/marko.kos@example.si/1044", status: StatusHeld, current: PermanentEnd, desired: "2025-11-15T23:59:59", source: "2025-11-15", account: "1044"},
		{key: "revoke/petra.zupan@example.si/1045", status: StatusHeld, current: "2025-12-31T23:59:59", desired: "2025-10-20T23:59:59", source: "2025-10-20", account: "1045", days: -72, drift: true},
		{key: "missing/" + hostileEmail + "/", status: StatusReport, desired: "2025-12-31T23:59:59", source: "2025-12-31"},
		{key: "unlinked//1099", status: StatusReport, current: "2026-12-31T23:59:59", account: "1099"},
		{key: "no_email//", status: StatusReport},
		{key: "invalid/mojca.sustar@example.si/", status: StatusReport},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			x, ok := rows[tt.key]
			if !ok {
				t.Fatalf("no row %s in %v", tt.key, keys(rows))
			}
			if x.Status != tt.status || x.CurrentEnd != tt.current || x.DesiredEnd != tt.desired || x.SourceEnd != tt.source ||
				x.Account != tt.account || x.DaysDiff != tt.days || x.Auto != tt.auto || x.Drift != tt.drift {
				t.Errorf("row = %+v\nwant status %q current %q desired %q source %q account %q days %d auto %v drift %v",
					x, tt.status, tt.current, tt.desired, tt.source, tt.account, tt.days, tt.auto, tt.drift)
			}
			if x.Reason == "" {
				t.Error("row has no reason")
			}
		})
	}
	if _, ok := rows["in_sync/ana.novak@example.si/1043"]; ok {
		t.Error("in_sync row listed without includeInSync")
	}
	if r.Summary["in_sync"] != 1 {
		t.Errorf("summary in_sync = %d, want 1 (counted even when not listed)", r.Summary["in_sync"])
	}
	if len(r.Summary) != len(plan.Kinds()) {
		t.Errorf("summary has %d kinds, want all %d", len(r.Summary), len(plan.Kinds()))
	}
	if r.Guard != "" {
		t.Errorf("guard = %q, want not tripped", r.Guard)
	}
	want := []TargetLine{{Name: "entrance", System: "hikvision", Accounts: 6}, {Name: "back-door", System: "hikvision", Error: "dial tcp 10.0.0.21:80: connect: connection refused"}}
	if got, _ := json.Marshal(r.Targets); string(got) != mustJSON(t, want) {
		t.Errorf("targets = %s, want %s", got, mustJSON(t, want))
	}
	if r.Timezone != "Europe/Ljubljana" || r.Today != "2025-11-01" || !r.GeneratedAt.Equal(time.Date(2025, 11, 1, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("header = %q %q %v", r.Timezone, r.Today, r.GeneratedAt)
	}
}

func TestFromPlanOrdersRowsByKind(t *testing.T) {
	r := FromPlan(plan.Build(fixtureInput(t, 25)), true)
	var got []string
	for _, x := range r.Rows {
		if len(got) == 0 || got[len(got)-1] != x.Kind {
			got = append(got, x.Kind)
		}
	}
	want := "in_sync extend reactivate shorten revoke missing unlinked no_email invalid"
	if strings.Join(got, " ") != want {
		t.Errorf("kind order = %v, want %s (each kind once, in plan.Kinds order)", got, want)
	}
}

func TestFromPlanGuardHoldsEveryWrite(t *testing.T) {
	p := plan.Build(fixtureInput(t, 0)) // any shorten/revoke trips the guard
	if !p.Guard.Tripped {
		t.Fatal("fixture guard did not trip")
	}
	r := FromPlan(p, false)
	if r.Guard != p.Guard.Reason || r.Guard == "" {
		t.Errorf("guard = %q, want %q", r.Guard, p.Guard.Reason)
	}
	for _, x := range r.Rows {
		writes := plan.Kind(x.Kind).Writes()
		if writes && x.Status != StatusGuard {
			t.Errorf("%s %s: status %q, want %q while the guard is tripped", x.Kind, x.Email, x.Status, StatusGuard)
		}
		if !writes && x.Status == StatusGuard {
			t.Errorf("%s %s: a row that never writes is marked %q", x.Kind, x.Email, x.Status)
		}
	}
}

// A plan read back from JSON has no zone; its wall-clock times still give
// the right day difference.
func TestFromPlanDecodedFromJSON(t *testing.T) {
	built := plan.Build(fixtureInput(t, 25))
	raw, err := json.Marshal(built)
	if err != nil {
		t.Fatal(err)
	}
	var decoded plan.Plan
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	a, b := FromPlan(built, true), FromPlan(decoded, true)
	a.GeneratedAt, b.GeneratedAt = time.Time{}, time.Time{}
	if mustJSON(t, a) != mustJSON(t, b) {
		t.Errorf("report of the decoded plan differs:\n%s\n%s", mustJSON(t, a), mustJSON(t, b))
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
		err  string
	}{
		{"csv", CSV, ""}, {"CSV", CSV, ""}, {" json ", JSON, ""}, {"md", Markdown, ""}, {"markdown", Markdown, ""},
		{"html", HTML, ""}, {"HTM", HTML, ""},
		{"xlsx", "", `unknown report format "xlsx": use csv, json, md or html`},
		{"", "", `unknown report format "": use csv, json, md or html`},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if got != tt.want || errString(err) != tt.err {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestFormatFromPath(t *testing.T) {
	tests := []struct {
		path string
		want Format
		ok   bool
	}{
		{"report.csv", CSV, true}, {"/var/tmp/Report.JSON", JSON, true}, {"r.md", Markdown, true},
		{"r.markdown", Markdown, true}, {"out/r.html", HTML, true}, {"r.htm", HTML, true},
		{"report", "", false}, {"report.txt", "", false}, {"dir.csv/report", "", false}, {"", "", false},
	}
	for _, tt := range tests {
		got, ok := FormatFromPath(tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("FormatFromPath(%q) = %q, %v; want %q, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	var b strings.Builder
	err := Write(&b, fixtureReport(t), Format("xlsx"))
	if err == nil || !strings.Contains(err.Error(), `unknown format "xlsx"`) {
		t.Errorf("err = %v, want unknown format", err)
	}
	if b.Len() != 0 {
		t.Errorf("wrote %d bytes for an unknown format", b.Len())
	}
}

// failWriter fails after n bytes, like a full disk.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, diskFull{}
	}
	w.n -= len(p)
	return len(p), nil
}

type diskFull struct{}

func (diskFull) Error() string { return "no space left on device" }

func TestWriteReportsWriterErrors(t *testing.T) {
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			err := Write(&failWriter{n: 100}, fixtureReport(t), f)
			if err == nil || !strings.Contains(err.Error(), "no space left on device") || !strings.Contains(err.Error(), string(f)) {
				t.Errorf("err = %v, want the writer's error naming the format", err)
			}
		})
	}
}

func keys(m map[string]Row) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
