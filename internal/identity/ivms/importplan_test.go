package ivms

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

func TestPlanImport(t *testing.T) {
	now := time.Date(2025, 11, 1, 10, 0, 0, 0, time.UTC)
	accounts := []target.Account{
		{ID: "1042", Name: "Ziga Ceh"},
		{ID: "1043", Name: "Ana Novak"},
		{ID: "1044", Name: "Marko Horvat", Email: "marko@example.si"}, // found on the terminal
		{ID: "1045", Name: "Old Name"},
		{ID: "1046", Name: "Eva Kos"},
		{ID: "1047", Name: "Maja Zupan"},
		{ID: "1048", Name: "Peter Kralj"},
		{ID: "1049", Name: "Someone"},
		{ID: "1052", Name: "Eva Mlakar", Email: "eva@example.si"},
		{ID: "1053", Name: "Oče Vidmar"},
		{ID: "1054", Name: "Sin Vidmar"},
	}
	existing := []identity.Link{
		{Email: "other@example.si", Target: "entrance", Account: "1046", Origin: identity.Confirmed},
		{Email: "ana.novak@example.si", Target: "entrance", Account: "1043", Origin: identity.Imported},
		{Email: "maja@example.si", Target: "entrance", Account: "1050", Origin: identity.Confirmed},
		{Email: "peter@example.si", Target: "entrance", Account: "1051", Origin: identity.Imported},
		{Email: "ziga.ceh@example.si", Target: "gym2", Account: "9", Origin: identity.Confirmed},    // another target
		{Email: "stale@example.si", Target: "entrance", Account: "1042", Origin: identity.Terminal}, // derived, not stored
	}
	r := func(line int, id, email, name string) ImportRow {
		return ImportRow{Line: line, PersonID: id, Email: member.Email(email), RawEmail: email, Name: name}
	}
	res := ImportResult{
		Rows: []ImportRow{
			r(5, "1042", "ziga.ceh@example.si", "Žiga Čeh"),
			r(6, "1043", "ana.novak@example.si", "Ana Novak"),
			r(7, "9999", "gone@example.si", "Nobody"),
			r(8, "1046", "new@example.si", "Eva Kos"),
			r(9, "1047", "maja@example.si", "Maja Zupan"),
			r(10, "1048", "peter@example.si", "Peter Kralj"),
			r(11, "1044", "someone@example.si", "Marko Horvat"),
			r(12, "1049", "marko@example.si", ""),
			r(13, "1052", "eva@example.si", "Eva Mlakar"),
			r(14, "1053", "family@example.si", "Oče Vidmar"),
			r(15, "1054", "family@example.si", "Sin Vidmar"),
			r(16, "1045", "renamed@example.si", "Novo Ime"),
		},
		Skipped: []Skip{{Line: 4, Reason: "from the file"}, {Line: 20, Reason: "also from the file"}},
	}
	plan := PlanImport(res, "entrance", accounts, existing, now, "admin")

	wantAdd := []struct{ account, email, note string }{
		{"1042", "ziga.ceh@example.si", "iVMS export line 5"},
		{"1052", "eva@example.si", "iVMS export line 13"},
		{"1053", "family@example.si", "iVMS export line 14"},
		{"1054", "family@example.si", "iVMS export line 15"},
		{"1045", "renamed@example.si", `iVMS export line 16; export name "Novo Ime", terminal name "Old Name"`},
	}
	if len(plan.Add) != len(wantAdd) {
		t.Fatalf("add %d links, want %d: %+v", len(plan.Add), len(wantAdd), plan.Add)
	}
	for i, w := range wantAdd {
		l := plan.Add[i]
		if l.Account != w.account || string(l.Email) != w.email || l.Note != w.note {
			t.Errorf("add[%d] = %s→%s %q, want %s→%s %q", i, l.Email, l.Account, l.Note, w.email, w.account, w.note)
		}
		if l.Target != "entrance" || l.Origin != identity.Imported || !l.CreatedAt.Equal(now) || l.CreatedBy != "admin" || l.MemberID != "" {
			t.Errorf("add[%d] = %+v: want an imported, unpinned link on entrance by admin at %v", i, l, now)
		}
	}
	checkSkips(t, plan.Unchanged, []string{"6: person 1043 (Ana Novak): already linked to ana.novak@example.si (imported)"})
	checkSkips(t, plan.Skipped, []string{
		"4: from the file",
		"7: person 9999 (Nobody): not on target entrance",
		"8: person 1046 (Eva Kos): account is already linked to other@example.si by a confirmed link; remove that link first",
		"9: person 1047 (Maja Zupan): maja@example.si is already linked to account 1050 on entrance by a confirmed link (confirmed links win over imports)",
		"10: person 1048 (Peter Kralj): peter@example.si is already linked to account 1051 on entrance by an imported link; remove that link first",
		"11: person 1044 (Marko Horvat): the target holds e-mail marko@example.si for this account, the export says someone@example.si",
		"12: person 1049: the target holds marko@example.si on account 1044",
		"20: also from the file",
	})
	if len(res.Skipped) != 2 || res.Skipped[1].Line != 20 {
		t.Errorf("PlanImport changed its input's skips: %v", res.Skipped)
	}
}

// TestImportIsIdempotentAndSurvivesRenames imports a fixture, stores the
// links, renames people on both sides and imports again: nothing is added,
// everything is unchanged, and the resolver still finds every account.
func TestImportIsIdempotentAndSurvivesRenames(t *testing.T) {
	res, err := ReadExport(bytes.NewReader(readFixture(t, "ivms-person-semicolon-bom.csv")), "export.csv")
	if err != nil {
		t.Fatal(err)
	}
	var accounts []target.Account
	for _, row := range res.Rows {
		accounts = append(accounts, target.Account{ID: row.PersonID, Name: member.FoldName(row.Name)})
	}
	now := time.Date(2025, 11, 1, 10, 0, 0, 0, time.UTC)
	first := PlanImport(res, "entrance", accounts, nil, now, "admin")
	if len(first.Add) != len(res.Rows) || len(first.Unchanged) != 0 {
		t.Fatalf("first import: %d added, %d unchanged, skipped %v", len(first.Add), len(first.Unchanged), first.Skipped)
	}

	// Renamed on the terminal (a typo fixed in iVMS) and in the file.
	for i := range accounts {
		accounts[i].Name = strings.ToUpper(accounts[i].Name) + " X"
	}
	for i := range res.Rows {
		res.Rows[i].Name = "Renamed " + res.Rows[i].Name
	}
	again := PlanImport(res, "entrance", accounts, first.Add, now.Add(time.Hour), "admin")
	if len(again.Add) != 0 || len(again.Unchanged) != len(res.Rows) {
		t.Fatalf("second import: added %v, %d unchanged", again.Add, len(again.Unchanged))
	}
	resolver := identity.NewResolver(first.Add, map[string][]target.Account{"entrance": accounts})
	for _, row := range res.Rows {
		m := resolver.Resolve("entrance", row.Email)
		if len(m) != 1 || m[0].Account != row.PersonID || m[0].Origin != identity.Imported {
			t.Errorf("%s resolves to %+v after renames, want account %s", row.Email, m, row.PersonID)
		}
	}
}
