package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/emulator/dataset"
)

// TestLinksImportListRemove: an iVMS-4200 export links members whose
// accounts carry no e-mail; the plan then pairs them; a removed link is gone.
func TestLinksImportListRemove(t *testing.T) {
	s, cfg := startSite(t, 80)
	// Rebuild the generator's Person IDs: members get them in order,
	// except those it left off the terminals (Missing).
	type pick struct{ empNo, email, name string }
	var picks []pick
	n := 0
	shared := map[string]int{}
	for _, m := range s.Data.Members {
		shared[strings.ToLower(m.Email)]++
	}
	for _, m := range s.Data.Members {
		if s.Data.Truth[m.OrganisationMemberID] == dataset.Missing {
			continue
		}
		n++
		emp := fmt.Sprint(1000 + n)
		p, ok := s.TerminalServers["entrance"].Person(emp)
		if !ok || len(p.Extends) > 0 || m.Email == "" || shared[strings.ToLower(m.Email)] > 1 || s.Data.Truth[m.OrganisationMemberID] != dataset.Current {
			continue
		}
		picks = append(picks, pick{emp, m.Email, p.Name})
	}
	if len(picks) < 3 {
		t.Fatalf("only %d members without an e-mail on the terminal", len(picks))
	}
	var csv strings.Builder
	csv.WriteString("\ufeffPerson Information\r\nPerson ID;Person Name;Email;Organization\r\n")
	for _, p := range picks {
		fmt.Fprintf(&csv, "%s;%s;%s;Fitnes\r\n", p.empNo, p.name, p.email)
	}
	csv.WriteString("99999;Ghost Person;ghost@example.si;Fitnes\r\n")
	csv.WriteString("1001;No Mail;;Fitnes\r\n")
	file := filepath.Join(t.TempDir(), "persons.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	r := runApp(t, s.Clock, nil, "links", "import", file, "--config", cfg, "--target", "entrance")
	if r.code != ExitOK {
		t.Fatalf("import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, p := range picks {
		if !strings.Contains(r.stdout, "linked "+strings.ToLower(p.email)+" → account "+p.empNo) {
			t.Errorf("import output does not say %s was linked:\n%s", p.email, r.stdout)
		}
	}
	ghostLine := fmt.Sprintf("skipped line %d: person 99999", 3+len(picks))
	if !strings.Contains(r.stdout, ghostLine) || strings.Count(r.stdout, "(No Mail): no e-mail") != 1 {
		t.Errorf("skipped rows must be named with their line and reason:\n%s", r.stdout)
	}

	r = runApp(t, s.Clock, nil, "links", "list", "--config", cfg, "--log-format", "json")
	var links []struct{ Email, Target, Account, Origin string }
	if err := json.Unmarshal([]byte(r.stdout), &links); err != nil || len(links) != len(picks) {
		t.Fatalf("links list: %v, %d links, want %d\n%s", err, len(links), len(picks), r.stdout)
	}

	// The plan now pairs the first picked member with its account.
	r = runApp(t, s.Clock, nil, "plan", "--config", cfg, "--json", "--all")
	var p struct {
		Items []struct{ Kind, Email, Target, Account, Link string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("plan json: %v\n%s", err, r.stdout)
	}
	found := false
	for _, it := range p.Items {
		if it.Email == strings.ToLower(picks[0].email) && it.Target == "entrance" {
			found = it.Account == picks[0].empNo && it.Link == "import"
		}
	}
	if !found {
		t.Fatalf("plan does not pair %s with account %s through the imported link", picks[0].email, picks[0].empNo)
	}

	r = runApp(t, s.Clock, nil, "links", "remove", picks[0].email, "entrance", picks[0].empNo, "--config", cfg)
	if r.code != ExitOK || !strings.Contains(r.stdout, "removed 1") {
		t.Fatalf("remove: %d %s%s", r.code, r.stdout, r.stderr)
	}
	r = runApp(t, s.Clock, nil, "links", "remove", picks[0].email, "entrance", picks[0].empNo, "--config", cfg)
	if r.code != ExitFailed {
		t.Fatalf("removing a link twice must fail clearly: %d %s", r.code, r.stderr)
	}
	r = runApp(t, s.Clock, nil, "links", "add", "not-an-email", "entrance", "1001", "--config", cfg)
	if r.code != ExitUsage {
		t.Fatalf("bad e-mail: exit %d", r.code)
	}
	r = runApp(t, s.Clock, nil, "links", "add", "a@example.si", "nowhere", "1001", "--config", cfg)
	if r.code != ExitUsage || !strings.Contains(r.stderr, `no target named "nowhere"`) {
		t.Fatalf("unknown target: exit %d %s", r.code, r.stderr)
	}
}
