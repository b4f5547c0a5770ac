package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/plan"
)

// End-to-end tests of issue 10 §5: `apply FILE` re-checks, before writing,
// that each item's account still belongs to the item's member.

// recheckSite is a site after one --auto run (which accepted who every
// account belongs to) and a saved plan of what --auto held.
func recheckSite(t *testing.T) (*e2eSite, string) {
	t.Helper()
	s := startE2ESite(t, 100, 5)
	s.raiseGuard(t)
	p := s.plan(t)
	if r := s.run(t, "--auto"); r.code != e2eExpectedCode(p) {
		t.Fatalf("--auto: exit %d, want %d\n%s\n%s", r.code, e2eExpectedCode(p), r.stdout, r.stderr)
	}
	file := filepath.Join(t.TempDir(), "plan.json")
	if r := s.run(t, "plan", "--out", file); r.code != ExitOK {
		t.Fatalf("plan --out: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	return s, file
}

// readPlanFile decodes a saved plan as apply FILE does.
func readPlanFile(t *testing.T, file string) plan.Plan {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := plan.Decode(f, time.LoadLocation)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// editPlanFile rewrites the items of a saved plan as an admin with a text
// editor would: as JSON, field by field. keep says which items stay (nil:
// all); edit changes the kept ones.
func editPlanFile(t *testing.T, from, to string, keep func(item map[string]any) bool, edit func(item map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var items []any
	for _, x := range doc["items"].([]any) {
		it := x.(map[string]any)
		if keep != nil && !keep(it) {
			continue
		}
		edit(it)
		items = append(items, it)
	}
	doc["items"] = items
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A saved plan, unedited, still applies after the accepted resolutions
// exist: every write item is its member's.
func TestApplySavedPlanRecheckPassesUnedited(t *testing.T) {
	s, file := recheckSite(t)
	p := readPlanFile(t, file)
	writes := map[string]map[string]plan.Item{}
	n := 0
	for _, it := range p.Items {
		if it.Kind.Writes() {
			if writes[it.Target] == nil {
				writes[it.Target] = map[string]plan.Item{}
			}
			writes[it.Target][it.Account] = it
			n++
		}
	}
	if n == 0 {
		t.Fatalf("the saved plan has no write items: %v", p.Summary)
	}
	before := s.snapshot()
	r := s.run(t, "apply", file)
	if r.code != ExitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, fmt.Sprintf("%d applied, 0 failed, 0 stale", n)) {
		t.Errorf("apply does not count %d applied and none stale:\n%s", n, r.stdout)
	}
	e2eAssertConverged(t, before, s.snapshot(), writes)
}

// A saved plan edited by hand to point a member's item at another member's
// account: apply skips it as stale, naming the account, the member and
// whose the account is; that account is not written; the rest applies.
// Edited so that nothing else is left, the run is held (exit 4: everything
// stale, the operator must look again).
func TestApplyEditedPlanCannotWriteAnotherMembersAccount(t *testing.T) {
	s, file := recheckSite(t)
	p := readPlanFile(t, file)
	all := s.plan(t) // with in_sync items: whose each account is

	// The victim: a write item of member A. The account: member B's on
	// the same target, B another member with an item there.
	var victim, other plan.Item
	for _, it := range p.Items {
		if it.Kind.Writes() && it.MemberID != "" && it.Target == "gym" {
			victim = it
			break
		}
	}
	for _, it := range all.Items {
		if it.Target == victim.Target && it.MemberID != "" && it.MemberID != victim.MemberID && it.Account != "" &&
			it.Account != victim.Account && it.Email != victim.Email && it.Kind == plan.InSync {
			other = it
			break
		}
	}
	if victim.ID == "" || other.ID == "" {
		t.Fatalf("the data set needs a write item on gym and another member's account there: %v", p.Summary)
	}
	_, gym := s.terminal(t, "gym")
	otherWas, ok := gym.Person(other.Account)
	if !ok {
		t.Fatalf("account %s is not on gym", other.Account)
	}

	edited := filepath.Join(t.TempDir(), "edited.json")
	editPlanFile(t, file, edited, nil, func(it map[string]any) {
		if it["id"] == victim.ID {
			pointAt(it, other) // A's dates, B's account
		}
	})
	writes := map[string]map[string]plan.Item{}
	n := 0
	for _, it := range p.Items {
		if it.Kind.Writes() && it.ID != victim.ID {
			if writes[it.Target] == nil {
				writes[it.Target] = map[string]plan.Item{}
			}
			writes[it.Target][it.Account] = it
			n++
		}
	}
	before := s.snapshot()
	for _, ep := range s.Terminals {
		ep.Log.Reset()
	}
	r := s.run(t, "apply", edited)
	t.Logf("member %s's %s item on gym pointed at member %s's account %s; %d other write items\n%s", victim.MemberID, victim.Kind, other.MemberID, other.Account, n, r.stdout)
	// Stale is not a failure: what could be applied was (product.md exit
	// codes; engine.finish holds only when everything selected is stale).
	want := ExitOK
	if n == 0 {
		want = ExitHeld
	}
	if r.code != want {
		t.Fatalf("apply of the edited plan: exit %d, want %d\n%s\n%s", r.code, want, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, fmt.Sprintf("%d applied, 0 failed, 1 stale", n)) {
		t.Errorf("apply does not count %d applied and 1 stale:\n%s", n, r.stdout)
	}
	// The victim account keeps what it held: B's dates, not A's.
	if got, _ := gym.Person(other.Account); !e2eSamePerson(got, otherWas) {
		t.Errorf("member %s's account %s was written with member %s's item:\nbefore %+v\nafter  %+v", other.MemberID, other.Account, victim.MemberID, otherWas, got)
	}
	after := s.snapshot()
	e2eAssertConverged(t, before, after, writes)
	for _, ep := range s.Terminals {
		e2eAssertModifies(t, ep, writes[ep.Name])
	}
	reason := fmt.Sprintf("account %s on gym no longer belongs to member %s <%s>: an earlier run accepted it as member %s's",
		other.Account, victim.MemberID, victim.Email, other.MemberID)
	assertStaleInHistory(t, s, victim.ID, reason)

	// Only the edited item left in the file: nothing can be applied,
	// everything selected is stale, the run is held.
	single := filepath.Join(t.TempDir(), "single.json")
	editPlanFile(t, file, single, func(it map[string]any) bool { return it["id"] == victim.ID }, func(it map[string]any) {
		pointAt(it, other)
		it["email"] = string(other.Email) // B's e-mail too: the member id still says A
	})
	r = s.run(t, "apply", single)
	if r.code != ExitHeld {
		t.Fatalf("apply of a plan whose only item is someone else's account: exit %d, want %d\n%s\n%s", r.code, ExitHeld, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "0 applied, 0 failed, 1 stale") {
		t.Errorf("apply does not count 1 stale:\n%s", r.stdout)
	}
	if got, _ := gym.Person(other.Account); !e2eSamePerson(got, otherWas) {
		t.Errorf("account %s was written: %+v", other.Account, got)
	}
	// The member id edited too (B's), the e-mail left A's: the account is
	// B's by member id, but the item is nobody's (the reviewer's attack).
	mixed := filepath.Join(t.TempDir(), "mixed.json")
	editPlanFile(t, file, mixed, func(it map[string]any) bool { return it["id"] == victim.ID }, func(it map[string]any) {
		pointAt(it, other)
		it["member_id"] = other.MemberID
	})
	r = s.run(t, "apply", mixed)
	if r.code != ExitHeld || !strings.Contains(r.stdout, "0 applied, 0 failed, 1 stale") {
		t.Fatalf("apply of an item with B's member id and A's e-mail: exit %d, want %d and 1 stale\n%s\n%s", r.code, ExitHeld, r.stdout, r.stderr)
	}
	assertStaleInHistory(t, s, victim.ID, "the item's member id and e-mail disagree")
	if got, _ := gym.Person(other.Account); !e2eSamePerson(got, otherWas) {
		t.Errorf("account %s was written: %+v", other.Account, got)
	}
	if n := s.modifies(); n != len(writes["gym"])+len(writes["entrance"]) {
		t.Errorf("%d Modify requests in all, want only the %d of the first apply", n, len(writes["gym"])+len(writes["entrance"]))
	}
}

// pointAt edits a plan item to write to other's account, with the end
// that account holds now as the item's current end: the check of a changed
// end (stale since planning) does not catch it, only the member's does.
func pointAt(it map[string]any, other plan.Item) {
	it["account"] = other.Account
	it["account_name"] = other.AccountName
	it["current_end"] = other.CurrentEnd.Format(e2eTerminalLayout)
	delete(it, "permanent")
	if other.Permanent {
		it["permanent"] = true
	}
}

// assertStaleInHistory checks that the last run recorded the item as stale
// with a reason saying reason.
func assertStaleInHistory(t *testing.T, s *e2eSite, itemID, reason string) {
	t.Helper()
	db := s.readDB(t, true)
	last := db.runs[0]
	for _, r := range db.runs {
		if r.ID > last.ID {
			last = r
		}
	}
	hr := s.run(t, "history", "--run", fmt.Sprint(last.ID), "--log-format", "json")
	if hr.code != ExitOK {
		t.Fatalf("history --run %d: exit %d\n%s", last.ID, hr.code, hr.stderr)
	}
	var hist struct {
		Items []struct {
			ItemID string `json:"ItemID"`
			Status string `json:"Status"`
			Error  string `json:"Error"`
		}
	}
	if err := json.Unmarshal([]byte(hr.stdout), &hist); err != nil {
		t.Fatalf("history --run %d: %v\n%s", last.ID, err, hr.stdout)
	}
	for _, it := range hist.Items {
		if it.ItemID != itemID {
			continue
		}
		t.Logf("run %d: item %s %s: %s", last.ID, itemID, it.Status, it.Error)
		if it.Status != "stale" || !strings.Contains(it.Error, reason) {
			t.Errorf("history of run %d: item %s is %s %q, want stale saying %q", last.ID, itemID, it.Status, it.Error, reason)
		}
		return
	}
	t.Errorf("history of run %d does not list item %s", last.ID, itemID)
}
