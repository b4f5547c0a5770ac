package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/store"
)

// plan --json is the documented, versioned shape; it lists in_sync items
// only with --all and reads the terminals without writing to them.
func TestPlanJSONShape(t *testing.T) {
	s := startE2ESite(t, 100, 5)
	r := s.run(t, "plan", "--json")
	if r.code != ExitOK {
		t.Fatalf("plan --json: exit %d\n%s", r.code, r.stderr)
	}
	var doc struct {
		Version   int            `json:"version"`
		CreatedAt string         `json:"created_at"`
		Today     string         `json:"today"`
		Timezone  string         `json:"timezone"`
		Source    map[string]any `json:"source"`
		Summary   map[string]int `json:"summary"`
		Items     []map[string]any
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("plan --json is not JSON: %v\n%s", err, r.stdout)
	}
	if doc.Version != 1 || doc.Timezone != "Europe/Ljubljana" {
		t.Errorf("version %d, timezone %q", doc.Version, doc.Timezone)
	}
	if _, err := time.Parse(time.RFC3339, doc.CreatedAt); err != nil {
		t.Errorf("created_at %q is not RFC 3339: %v", doc.CreatedAt, err)
	}
	if _, err := time.Parse(time.DateOnly, doc.Today); err != nil {
		t.Errorf("today %q is not a date: %v", doc.Today, err)
	}
	if doc.Source["system"] != "cardskipper" || doc.Source["members"] != float64(100) {
		t.Errorf("source = %v", doc.Source)
	}
	listed := 0
	for _, k := range plan.Kinds() {
		n, ok := doc.Summary[string(k)]
		if !ok {
			t.Errorf("summary lacks %s: %v", k, doc.Summary)
		}
		if k != plan.InSync {
			listed += n
		}
	}
	if doc.Summary["in_sync"] == 0 || doc.Summary["extend"] == 0 {
		t.Fatalf("the data set should have in_sync and extend items: %v", doc.Summary)
	}
	if len(doc.Items) != listed {
		t.Errorf("%d items listed, the summary counts %d that are not in_sync", len(doc.Items), listed)
	}
	wall := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`) // local, no offset
	ids := map[any]bool{}
	for i, it := range doc.Items {
		kind := plan.Kind(fmt.Sprint(it["kind"]))
		if kind == plan.InSync {
			t.Errorf("item %d is in_sync without --all", i)
		}
		if ids[it["id"]] || it["id"] == "" {
			t.Errorf("item %d: missing or repeated id %v", i, it["id"])
		}
		ids[it["id"]] = true
		if _, ok := it["auto"].(bool); !ok {
			t.Errorf("item %d has no auto flag: %v", i, it)
		}
		if _, ok := it["reason"].(string); !ok {
			t.Errorf("item %d has no reason: %v", i, it)
		}
		if !kind.Writes() || it["system"] == "ntk" {
			// NTK items are about cards on a list (no e-mail needed, no
			// current end): see TestPlanJSONNTKItems.
			continue
		}
		for _, f := range []string{"email", "target", "system", "account", "source_end"} {
			if s, _ := it[f].(string); s == "" {
				t.Errorf("%s item %d lacks %s: %v", kind, i, f, it)
			}
		}
		for _, f := range []string{"current_end", "desired_end"} {
			if s, _ := it[f].(string); !wall.MatchString(s) {
				t.Errorf("%s item %d: %s = %q, want local wall time", kind, i, f, it[f])
			}
		}
		if kind == plan.Extend && !(it["current_end"].(string) < it["desired_end"].(string)) {
			t.Errorf("extend item %d does not extend: %v", i, it)
		}
		if want := kind == plan.Extend || kind == plan.Reactivate; it["auto"] != want {
			t.Errorf("%s item %d: auto = %v under the default policy", kind, i, it["auto"])
		}
	}

	all := s.run(t, "plan", "--json", "--all")
	var full struct{ Items []struct{ Kind string } }
	if err := json.Unmarshal([]byte(all.stdout), &full); err != nil {
		t.Fatal(err)
	}
	if want := listed + doc.Summary["in_sync"]; len(full.Items) != want {
		t.Errorf("--all lists %d items, want %d", len(full.Items), want)
	}
	if s.modifies() != 0 {
		t.Errorf("plan sent %d Modify requests", s.modifies())
	}
}

// apply FILE writes exactly the write items of a saved plan: an account
// changed on the terminal since planning is skipped as stale and left as
// the terminal holds it; the history says so.
func TestApplySavedPlan(t *testing.T) {
	s := startE2ESite(t, 100, 5)
	file := filepath.Join(t.TempDir(), "plan.json")
	r := s.run(t, "plan", "--out", file)
	if r.code != ExitOK || !strings.Contains(r.stderr, "plan saved to "+file) {
		t.Fatalf("plan --out: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("plan file: %v, mode %v", err, st.Mode().Perm())
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Decode(f, time.LoadLocation)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Every write item of the file, held kinds too: the operator approved
	// the file as a whole.
	writes := map[string]map[string]plan.Item{}
	var stale plan.Item
	for _, it := range p.Items {
		if !it.Kind.Writes() {
			continue
		}
		if writes[it.Target] == nil {
			writes[it.Target] = map[string]plan.Item{}
		}
		writes[it.Target][it.Account] = it
		if stale.ID == "" && it.Target == "gym" && it.Kind == plan.Extend {
			stale = it
		}
	}
	if stale.ID == "" || p.Summary[plan.Revoke] == 0 {
		t.Fatalf("the data set needs an extend item on gym and a revoke item: %v", p.Summary)
	}

	// Someone renews the member on the terminal by hand meanwhile.
	_, gym := s.terminal(t, "gym")
	ps := gym.Persons()
	handEnd := stale.CurrentEnd.AddDate(0, 0, 3).Format(e2eTerminalLayout)
	for i := range ps {
		if ps[i].EmployeeNo == stale.Account {
			ps[i].Valid.EndTime = handEnd
		}
	}
	gym.SetPersons(ps)
	before := s.snapshot()
	delete(writes["gym"], stale.Account)

	r = s.run(t, "apply", file)
	if r.code != ExitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, fmt.Sprintf("%d applied, 0 failed, 1 stale, 0 held", e2eCount(writes))) {
		t.Errorf("apply output does not count %d applied and 1 stale:\n%s", e2eCount(writes), r.stdout)
	}
	e2eAssertConverged(t, before, s.snapshot(), writes)
	if got, _ := gym.Person(stale.Account); got.Valid.EndTime != handEnd {
		t.Errorf("the stale account was overwritten: ends %s, the hand-set end was %s", got.Valid.EndTime, handEnd)
	}
	for _, ep := range s.Terminals {
		if n := e2eAssertModifies(t, ep, writes[ep.Name]); n != len(writes[ep.Name]) {
			t.Errorf("terminal %s received %d Modify requests for %d items", ep.Name, n, len(writes[ep.Name]))
		}
	}

	// history --run 1 shows what apply did, item by item.
	h := s.run(t, "history", "--run", "1", "--log-format", "json")
	if h.code != ExitOK {
		t.Fatalf("history --run 1: exit %d\n%s", h.code, h.stderr)
	}
	var hist struct {
		Run   store.Run
		Items []store.ItemRecord
	}
	if err := json.Unmarshal([]byte(h.stdout), &hist); err != nil {
		t.Fatalf("history --run --log-format json: %v\n%s", err, h.stdout)
	}
	if hist.Run.ID != 1 || hist.Run.Mode != "apply" || hist.Run.Outcome != "ok" || hist.Run.ExitCode != ExitOK {
		t.Errorf("history run: %+v", hist.Run)
	}
	if len(hist.Items) != e2eCount(writes)+1 {
		t.Errorf("history lists %d items, the plan file has %d write items", len(hist.Items), e2eCount(writes)+1)
	}
	for _, it := range hist.Items {
		want := store.StatusApplied
		if it.ItemID == stale.ID {
			want = store.StatusStale
		}
		if it.Status != want || it.ApprovedBy == "" {
			t.Errorf("history item %s (%s account %s): status %s approved by %q, want %s by the operator", it.ItemID, it.Target, it.Account, it.Status, it.ApprovedBy, want)
		}
	}
	text := s.run(t, "history", "--run", "1")
	if !strings.Contains(text.stdout, "stale") || !strings.Contains(text.stdout, string(stale.Email)) {
		t.Errorf("history --run 1 does not show the stale item <%s>:\n%s", stale.Email, text.stdout)
	}
}

// report --format csv --out F writes the current plan's mismatches; with
// --run ID what that run did; history lists the run.
func TestReportCSVAndHistory(t *testing.T) {
	s := startE2ESite(t, 100, 5)
	p := s.plan(t)
	if r := s.run(t, "--auto"); r.code != e2eExpectedCode(p) {
		t.Fatalf("--auto: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	now := s.plan(t) // after the run: the auto items are in sync
	dir := t.TempDir()

	current := filepath.Join(dir, "mismatch.csv")
	r := s.run(t, "report", "--format", "csv", "--out", current)
	if r.code != ExitOK {
		t.Fatalf("report: exit %d\n%s", r.code, r.stderr)
	}
	rows := e2eReadCSV(t, current)
	notInSync := 0
	for _, it := range now.Items {
		if it.Kind != plan.InSync {
			notInSync++
		}
	}
	if len(rows) != notInSync {
		t.Errorf("the report has %d rows, the plan %d items that are not in_sync", len(rows), notInSync)
	}
	if !strings.Contains(r.stderr, fmt.Sprintf("(%d rows)", len(rows))) {
		t.Errorf("report does not say how many rows it wrote: %s", r.stderr)
	}
	for _, row := range rows {
		if row["kind"] == "in_sync" || row["kind"] == string(plan.Extend) || row["kind"] == string(plan.Reactivate) {
			t.Errorf("after --auto the report still lists %s <%s> on %s", row["kind"], row["email"], row["target"])
		}
	}
	if st, err := os.Stat(current); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("report file mode: %v %v", err, st.Mode().Perm())
	}

	past := filepath.Join(dir, "run1.csv")
	if r := s.run(t, "report", "--run", "1", "--format", "csv", "--out", past); r.code != ExitOK {
		t.Fatalf("report --run 1: exit %d\n%s", r.code, r.stderr)
	}
	writes := e2eAutoWrites(p)
	applied := 0
	for _, row := range e2eReadCSV(t, past) {
		if _, ok := writes[row["target"]][row["account"]]; ok && (row["kind"] == "extend" || row["kind"] == "reactivate") {
			if row["status"] != "applied" {
				t.Errorf("run 1 report: %s <%s> on %s is %q", row["kind"], row["email"], row["target"], row["status"])
			}
			applied++
		}
		if row["kind"] == "revoke" && row["status"] != "held" {
			t.Errorf("run 1 report: revoke <%s> is %q, want held", row["email"], row["status"])
		}
	}
	if applied != e2eCount(writes) {
		t.Errorf("run 1 report lists %d applied writes, the plan had %d", applied, e2eCount(writes))
	}

	h := s.run(t, "history")
	if h.code != ExitOK {
		t.Fatalf("history: exit %d\n%s", h.code, h.stderr)
	}
	lines := strings.Split(strings.TrimSpace(h.stdout), "\n")
	if len(lines) != 2 || !regexp.MustCompile(`^1\s+\S+ \S+\s+auto\s+\S*@\S+\s+held\s+4\s+100\s`).MatchString(lines[1]) {
		t.Errorf("history does not list run 1 as a held auto run of 100 members:\n%s", h.stdout)
	}
	hr := s.run(t, "history", "--run", "1")
	for _, m := range writes {
		for _, it := range m {
			if !strings.Contains(hr.stdout, string(it.Email)) {
				t.Errorf("history --run 1 does not show <%s>", it.Email)
			}
		}
	}
	if n := len(regexp.MustCompile(`(?m)^1\s+\S+\s+applied\s`).FindAllString(hr.stdout, -1)); n != e2eCount(writes) {
		t.Errorf("history --run 1 shows %d applied items, want %d:\n%s", n, e2eCount(writes), hr.stdout)
	}
}

// e2eReadCSV reads a report: UTF-8 BOM, the documented header, one map per row.
func e2eReadCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\uFEFF")) {
		t.Errorf("%s has no UTF-8 byte order mark", path)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	header := []string{"kind", "status", "email", "name", "member_id", "target", "system", "account", "account_name",
		"source_end", "current_end", "desired_end", "days_diff", "auto", "drift", "reason"}
	if len(recs) == 0 || !slices.Equal(recs[0], header) {
		t.Fatalf("%s: header %v, want %v", path, recs[0], header)
	}
	var rows []map[string]string
	for i, rec := range recs[1:] {
		row := map[string]string{}
		for j, h := range header {
			row[h] = rec[j]
		}
		if _, err := strconv.Atoi(row["days_diff"]); err != nil {
			t.Errorf("%s row %d: days_diff %q", path, i+2, row["days_diff"])
		}
		rows = append(rows, row)
	}
	return rows
}

// TestPlanJSONNTKItems: NTK items are about cards: the account is the card
// number, every write carries the end it stands for, and --auto uploads the
// list to the emulated NTK, which then holds exactly the planned cards.
func TestPlanJSONNTKItems(t *testing.T) {
	s := startE2ESiteAll(t, 150, 6)
	s.raiseGuard(t)
	p := s.plan(t)
	var adds []plan.Item
	for _, it := range p.Items {
		if it.System != "ntk" {
			continue
		}
		if it.Target != "ntk" || it.Reason == "" {
			t.Errorf("ntk item without target or reason: %+v", it)
		}
		if it.Kind.Writes() && (it.Account == "" || it.DesiredEnd.IsZero()) {
			t.Errorf("ntk write without a card or an end: %+v", it)
		}
		if it.Kind == plan.Reactivate {
			adds = append(adds, it)
		}
	}
	if len(adds) == 0 {
		t.Fatal("the data set gave no card to add to the NTK list")
	}
	r := s.run(t, "--auto")
	if r.code != ExitOK && r.code != ExitHeld {
		t.Fatalf("--auto: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	up := s.NTKServer.Accepted()
	if len(up) != 1 {
		t.Fatalf("%d uploads reached NTK, want 1", len(up))
	}
	body := string(up[0].Body)
	for _, it := range adds {
		if !strings.Contains(body, it.Account+";") {
			t.Errorf("card %s of member %s is not on the uploaded list", it.Account, it.MemberID)
		}
	}
	// Unchanged list, within the minimum interval: nothing is sent again.
	if r := s.run(t, "--auto"); r.code != ExitOK && r.code != ExitHeld {
		t.Fatalf("second --auto: exit %d\n%s", r.code, r.stdout)
	}
	if n := len(s.NTKServer.Accepted()); n != 1 {
		t.Fatalf("%d uploads after an unchanged second run, want 1", n)
	}
}
