package tui

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

func missingKeys(m *Model) []string {
	var out []string
	for _, r := range m.linkMembers() {
		out = append(out, string(r.email)+"@"+r.target)
	}
	return out
}

func unlinkedIDs(m *Model) []string {
	var out []string
	for _, u := range m.linkAccounts() {
		out = append(out, u.target+"/"+u.account)
	}
	return out
}

func planItem(t *testing.T, m *Model, email member.Email, targetName string) plan.Item {
	t.Helper()
	for _, it := range m.State().Plan.Items {
		if it.Email == email && it.Target == targetName {
			return it
		}
	}
	t.Fatalf("the plan has no item for %s on %s", email, targetName)
	return plan.Item{}
}

func chosen(t *testing.T, m *Model) identity.Suggestion {
	t.Helper()
	c := m.State().Links.Chosen
	if c == nil {
		t.Fatalf("no suggestion chosen for %v", m.linkCursor())
	}
	return *c
}

func openLinks(t *testing.T, be *fakeBackend) *Model {
	t.Helper()
	m := newTestModelWith(t, be, 80, 24, func(o *Options) { o.User = "mojca" })
	press(t, m, "L")
	if m.focusedScreen() != screenLinks {
		t.Fatalf("L opened %v", m.focusedScreen())
	}
	return m
}

func TestLinksViewListsBothSidesWithRankedSuggestions(t *testing.T) {
	m := openLinks(t, newLinksBackend(t))
	// Members with the best matches first, then the rest by e-mail.
	want := []string{"nika.23@example.si@gym", "spela.11@example.si@gym", "spela.35@example.si@gym", "ana.17@example.si@gym",
		"maximiliana.theodora.wolkenstein.29@example.si@gym", "maximiliana.theodora.wolkenstein.5@example.si@gym"}
	if got := missingKeys(m); !slices.Equal(got, want) {
		t.Fatalf("members without an account:\n got %v\nwant %v", got, want)
	}
	if got, want := unlinkedIDs(m), []string{"entrance/9001", "gym/2024", "gym/2023", "gym/2017", "gym/2099", "gym/2011"}; !slices.Equal(got, want) {
		t.Fatalf("accounts without a member: got %v, want %v", got, want)
	}
	sugs := m.linkMembers()[0].sugs
	if len(sugs) != 2 || sugs[0].Account != "2023" || sugs[0].Score != identity.ScoreExact || sugs[1].Account != "2024" || sugs[1].Score != identity.ScoreTypo {
		t.Fatalf("Nika Krajnc's suggestions: %+v", sugs)
	}
	out := ansi.Strip(m.Render())
	for _, w := range []string{"6 without an account · 6 without a member · 4 with suggestions",
		`› 1. 1.00  gym 2023 "NIKA KRAJNC" — same name`, `2. 0.75  gym 2024 "NIKA KRAJN" — one letter differs`,
		"◆ gym      2023", "◇ gym      2024"} {
		if !strings.Contains(out, w) {
			t.Errorf("view lacks %q:\n%s", w, out)
		}
	}
	// Two members called Špela Kovačič match one account equally: both
	// are offered it and told so.
	press(t, m, "down")
	if c := chosen(t, m); c.Account != "2011" || !strings.Contains(c.Why, "2 members match this account equally") {
		t.Fatalf("Špela's suggestion: %+v", c)
	}
	press(t, m, "down", "down")
	if c := chosen(t, m); c.Account != "2017" || c.Score != identity.ScoreReordered {
		t.Fatalf("Ana Novak ~ NOVAK ANA: %+v", c)
	}
	press(t, m, "down")
	if m.State().Links.Chosen != nil || !strings.Contains(ansi.Strip(m.Render()), "no account on gym has a matching name") {
		t.Fatalf("a member without a match shows a suggestion:\n%s", ansi.Strip(m.Render()))
	}
	press(t, m, "esc")
	if m.focusedScreen() != screenTable || m.State().Links.Open {
		t.Fatalf("esc left the view on %v (active %v)", m.focusedScreen(), m.State().Links.Open)
	}
}

func TestLinksOpensOnTheTablesMember(t *testing.T) {
	m := newTestModel(t, newLinksBackend(t), 80, 24)
	press(t, m, "6", "/") // the missing tab, search Ana
	typeText(t, m, "ana")
	press(t, m, "enter", "L")
	if r := m.linkCursor(); r == nil || r.email != "ana.17@example.si" {
		t.Fatalf("the view opened on %+v, want Ana Novak's row", r)
	}
}

func TestLinksConfirmStoresTheLinkAndReplans(t *testing.T) {
	be := newLinksBackend(t)
	m := openLinks(t, be)
	if it := planItem(t, m, "nika.23@example.si", "gym"); it.Kind != plan.Missing {
		t.Fatalf("before: %s on gym is %s", it.Email, it.Kind)
	}
	press(t, m, "tab", "shift+tab") // tab chooses among the member's suggestions
	if c := chosen(t, m); c.Account != "2023" {
		t.Fatalf("chosen %+v", c)
	}
	press(t, m, "y")
	if len(be.links) != 1 {
		t.Fatalf("backend got %d links, want 1: %+v", len(be.links), be.links)
	}
	l := be.links[0]
	if l.Email != "nika.23@example.si" || l.Target != "gym" || l.Account != "2023" || l.Origin != identity.Confirmed ||
		l.CreatedBy != "mojca" || !l.CreatedAt.Equal(fixtureNow) || !strings.Contains(l.Note, "same name") {
		t.Fatalf("stored link %+v", l)
	}
	// The plan follows at once, from the data already loaded.
	if be.refresh != 0 || be.replans != 1 {
		t.Fatalf("%d refreshes, %d re-plans: want none and one", be.refresh, be.replans)
	}
	it := planItem(t, m, "nika.23@example.si", "gym")
	if it.Kind != plan.InSync || it.Account != "2023" || it.LinkOrigin != string(identity.Confirmed) {
		t.Fatalf("after: %s on gym is %s with account %q (%s)", it.Email, it.Kind, it.Account, it.LinkOrigin)
	}
	if slices.Contains(missingKeys(m), "nika.23@example.si@gym") || slices.Contains(unlinkedIDs(m), "gym/2023") {
		t.Fatalf("the pair is still listed: %v | %v", missingKeys(m), unlinkedIDs(m))
	}
	// The Nika row left; the typo account is no longer anyone's suggestion
	// (Nika was its only match) and the cursor is on the next member.
	if r := m.linkCursor(); r == nil || r.email != "spela.11@example.si" {
		t.Fatalf("cursor on %+v after confirming", r)
	}
	if !strings.Contains(m.State().Status, "linked nika.23@example.si (member 150023, Nika Krajnc) → gym account 2023 (NIKA KRAJNC)") {
		t.Fatalf("status %q", m.State().Status)
	}
	// The main table shows the new plan too.
	press(t, m, "esc", "6")
	for _, k := range visibleKeys(m) {
		if k == "nika.23@example.si" {
			t.Fatal("the missing tab still lists Nika Krajnc")
		}
	}
	// Undo removes the link and the member is back with its suggestions.
	press(t, m, "L", "u")
	if len(be.links) != 0 || !slices.Contains(missingKeys(m), "nika.23@example.si@gym") {
		t.Fatalf("undo: links %v, missing %v", be.links, missingKeys(m))
	}
	if it := planItem(t, m, "nika.23@example.si", "gym"); it.Kind != plan.Missing {
		t.Fatalf("after undo %s on gym is %s", it.Email, it.Kind)
	}
	press(t, m, "u")
	if !strings.Contains(m.State().Status, "no link confirmed here to undo") {
		t.Fatalf("second undo: %q", m.State().Status)
	}
}

func TestLinksRejectHidesThePairForTheSession(t *testing.T) {
	be := newLinksBackend(t)
	m := openLinks(t, be)
	press(t, m, "x")
	if len(be.links) != 0 {
		t.Fatalf("reject stored %v", be.links)
	}
	r := m.linkCursor()
	if r == nil || r.email != "nika.23@example.si" {
		t.Fatalf("after reject the cursor left the member: %+v", r)
	}
	if c := chosen(t, m); c.Account != "2024" {
		t.Fatalf("after rejecting 2023 the chosen suggestion is %+v, want 2024", c)
	}
	if !strings.Contains(m.State().Status, "rejected nika.23@example.si ↔ gym account 2023") {
		t.Fatalf("status %q", m.State().Status)
	}
	// The account stays without a member: rejecting links nothing.
	if !slices.Contains(unlinkedIDs(m), "gym/2023") {
		t.Fatal("a rejected account left the list")
	}
	press(t, m, "x", "y")
	if len(be.links) != 0 || !strings.Contains(m.State().Status, "no suggestion to confirm") {
		t.Fatalf("confirm with every suggestion rejected: links %v, status %q", be.links, m.State().Status)
	}
	// Hidden while the console runs, across a re-plan and re-opening.
	press(t, m, "esc", "L")
	run(t, m, m.replan())
	for _, r := range m.linkMembers() {
		if r.email == "nika.23@example.si" && len(r.sugs) != 0 {
			t.Fatalf("rejected suggestions came back: %+v", r.sugs)
		}
	}
	// A new console asks again.
	m2 := openLinks(t, be)
	if c := chosen(t, m2); c.Account != "2023" {
		t.Fatalf("a new console shows %+v first", c)
	}
}

func TestLinksImportShowsCountsAndSkips(t *testing.T) {
	be := newLinksBackend(t)
	be.importSum = ImportSummary{Format: "CSV (UTF-8, comma-delimited)", Rows: 5, Targets: []ImportTarget{
		{Target: "entrance", Unchanged: 1, Skipped: 4, Skips: []string{"line 3: no e-mail", "line 4: person 2017 (Ana Novak): not on target entrance",
			"line 5: person 2023 (Nika Krajnc): not on target entrance", "line 6: person 7777: not on target entrance"}},
		{Target: "gym", Linked: 1, Unchanged: 1, Skipped: 3, Skips: []string{"line 3: no e-mail", "line 5: person 2023 (Nika Krajnc): account is already linked",
			"line 6: person 7777: not on target gym"}},
	}}
	be.importAdds = []identity.Link{{Email: "ana.17@example.si", Target: "gym", Account: "2017", Origin: identity.Imported}}
	m := openLinks(t, be)
	press(t, m, "i")
	if !m.State().Links.Typing || !strings.Contains(ansi.Strip(m.Render()), "iVMS export:") {
		t.Fatal("i did not ask for the export's path")
	}
	press(t, m, "q") // typed, not quitting
	if m.quitDone() {
		t.Fatal("q quit while typing a path")
	}
	press(t, m, "backspace")
	typeText(t, m, "/srv/exports/persons.csv")
	press(t, m, "enter")
	if !slices.Equal(be.imports, []string{"/srv/exports/persons.csv"}) {
		t.Fatalf("backend imported %v", be.imports)
	}
	out := ansi.Strip(m.Render())
	for _, w := range []string{"Import of persons.csv — CSV (UTF-8, comma-delimited), 5 rows",
		"entrance  0 linked · 1 unchanged · 4 skipped", "gym       1 linked · 1 unchanged · 3 skipped",
		"  line 3: no e-mail", "entrance: line 4: person 2017 (Ana Novak): not on target entrance",
		"imported persons.csv: 1 link stored"} {
		if !strings.Contains(out, w) {
			t.Errorf("view lacks %q:\n%s", w, out)
		}
	}
	if it := planItem(t, m, "ana.17@example.si", "gym"); it.Account != "2017" || it.LinkOrigin != string(identity.Imported) {
		t.Fatalf("after the import Ana Novak on gym is %s, account %q (%s)", it.Kind, it.Account, it.LinkOrigin)
	}
	if slices.Contains(missingKeys(m), "ana.17@example.si@gym") {
		t.Fatal("the imported member is still without an account")
	}
	if be.refresh != 0 {
		t.Fatal("the import read the sides again")
	}
}

func TestLinksErrorsAreShownAndChangeNothing(t *testing.T) {
	t.Run("store refuses the link", func(t *testing.T) {
		be := newLinksBackend(t)
		be.addErr = errors.New("store: add link <nika.23@example.si> → gym account 2023: database is read-only")
		m := openLinks(t, be)
		press(t, m, "y")
		if !strings.Contains(m.State().Status, "database is read-only") || m.State().StatusOK {
			t.Fatalf("status %q", m.State().Status)
		}
		if !slices.Contains(missingKeys(m), "nika.23@example.si@gym") || m.State().Links.Storing {
			t.Fatalf("the member did not come back: %v", missingKeys(m))
		}
		if c := chosen(t, m); c.Account != "2023" || be.replans != 0 {
			t.Fatalf("after a failed link: chosen %+v, %d re-plans", c, be.replans)
		}
	})
	t.Run("unreadable export", func(t *testing.T) {
		be := newLinksBackend(t)
		be.importErr = errors.New("open /srv/none.csv: no such file or directory")
		m := openLinks(t, be)
		press(t, m, "i")
		typeText(t, m, "/srv/none.csv")
		press(t, m, "enter")
		out := ansi.Strip(m.Render())
		if !strings.Contains(m.State().Status, "import of /srv/none.csv: open /srv/none.csv: no such file") || !strings.Contains(out, "no such file or directory") {
			t.Fatalf("status %q\n%s", m.State().Status, out)
		}
		if be.replans != 0 || m.State().Links.Missing != 6 {
			t.Fatalf("a failed import changed the plan: %d re-plans, %d missing", be.replans, m.State().Links.Missing)
		}
	})
	t.Run("re-plan fails", func(t *testing.T) {
		be := newLinksBackend(t)
		be.replanErr = errors.New("read links: database is locked")
		m := openLinks(t, be)
		press(t, m, "y")
		if len(be.links) != 1 || !strings.Contains(m.State().Status, "could not be made again") || !strings.Contains(m.State().Status, "r refreshes") {
			t.Fatalf("links %v, status %q", be.links, m.State().Status)
		}
	})
}

// A link stored while the data was replaced (a refresh finished) is planned
// against the new data, not the old.
func TestLinksChangeDuringDataChangeReplansTheNewData(t *testing.T) {
	be := newLinksBackend(t)
	m := openLinks(t, be)
	_, c := m.Update(keyMsg("y")) // the link's command, not yet run
	be.fresh.TakenAt = fixtureNow
	run(t, m, m.startRefresh())
	if !m.State().TakenAt.Equal(fixtureNow) {
		t.Fatal("the refresh was not shown")
	}
	run(t, m, c)
	if be.replans != 2 {
		t.Fatalf("%d re-plans, want the link's and one of the new data", be.replans)
	}
	if !m.State().TakenAt.Equal(fixtureNow) {
		t.Fatal("the link's re-plan of the old data replaced the new data")
	}
	if it := planItem(t, m, "nika.23@example.si", "gym"); it.Account != "2023" {
		t.Fatalf("the new data lacks the link: %s", it.Kind)
	}
}

// Suggestions of data no longer shown are dropped.
func TestLinksStaleSuggestionsDropped(t *testing.T) {
	m := openLinks(t, newLinksBackend(t))
	old := m.requests().suggest
	run(t, m, m.replan()) // the data planned again: asked again since
	m.Update(suggestMsg{req: old, gen: m.requests().gen, sugs: nil})
	if c := chosen(t, m); c.Account != "2023" {
		t.Fatalf("a stale ranking replaced the suggestions: %+v", c)
	}
}

func TestLinksViewKeepsFrameAtAnySize(t *testing.T) {
	be := newLinksBackend(t)
	be.importSum = ImportSummary{Format: "CSV", Rows: 3, Targets: []ImportTarget{{Target: "gym", Skipped: 3,
		Skips: []string{"line 2: no e-mail", "line 3: no e-mail", "line 4: no e-mail"}}}}
	m := openLinks(t, be)
	press(t, m, "i")
	setPrompt(t, m, "/x/p.csv")
	press(t, m, "enter")
	if imp := m.State().Links.Import; imp == nil || imp.Path != "/x/p.csv" {
		t.Fatalf("the import's summary is not shown: %+v", imp)
	}
	for _, sz := range [][2]int{{40, 10}, {200, 60}, {80, 24}, {20, 5}, {120, 12}} {
		m.Update(tea_WindowSize(sz[0], sz[1]))
		press(t, m, "down")
		checkFrame(t, ansi.Strip(m.Render()), sz[0], sz[1])
	}
}

// Confirmations made faster than the store answers run one after the
// other, each re-plan seeing the links before it.
func TestLinksConfirmationsQueue(t *testing.T) {
	be := newLinksBackend(t)
	m := openLinks(t, be)
	_, first := m.Update(keyMsg("y")) // Nika → 2023
	m.Render()                        // the program draws after every message
	// Špela Kovačič: two members match 2011 equally, so y asks first.
	if _, c := m.Update(keyMsg("y")); c != nil || m.State().Links.Asking == nil {
		t.Fatalf("y on a suggestion with rivals did not ask (ask %v)", m.State().Links.Asking)
	}
	m.Render()
	_, second := m.Update(keyMsg("y"))
	m.Render()
	if second != nil {
		t.Fatal("a second change started while the first was running")
	}
	if l := m.State().Links; l.Queued != 1 || !l.Storing || !strings.Contains(ansi.Strip(m.Render()), "saving…") {
		t.Fatalf("queue %d, busy %v", l.Queued, l.Storing)
	}
	if slices.Contains(missingKeys(m), "nika.23@example.si@gym") || slices.Contains(missingKeys(m), "spela.11@example.si@gym") {
		t.Fatalf("confirmed members still listed while saving: %v", missingKeys(m))
	}
	run(t, m, first)
	if len(be.links) != 2 || be.links[1].Email != "spela.11@example.si" || be.links[1].Account != "2011" || be.replans != 2 {
		t.Fatalf("links %+v, %d re-plans", be.links, be.replans)
	}
	for _, e := range []member.Email{"nika.23@example.si", "spela.11@example.si"} {
		if it := planItem(t, m, e, "gym"); it.Kind == plan.Missing {
			t.Errorf("%s is still missing on the gym", e)
		}
	}
	// The other Špela lost her only suggestion to her namesake.
	for _, r := range m.linkMembers() {
		if r.email == "spela.35@example.si" && len(r.sugs) != 0 {
			t.Errorf("spela.35 is still offered %+v", r.sugs)
		}
	}
	if l := m.State().Links; l.Busy || l.Queued != 0 {
		t.Fatal("the queue did not drain")
	}
}

// The identity view offers on a row only what applies to its target
// (issue 13 §14): on an NTK row (no accounts) neither linking nor the
// iVMS import, each refused with the reason, and the accounts of the
// terminals are not shown beside it; on a NEYROSS row linking but no iVMS
// import; on a terminal's row both. The import runs against the terminals
// only.
func TestIdentityViewOffersWhatTheRowsTargetTakes(t *testing.T) {
	be := identityFourBackend(t)
	m := newTestModel(t, be, 160, 48) // wide enough for every hint
	press(t, m, "L", "down", "down")  // Ana Novak on ntk
	if r := m.linkCursor(); r == nil || r.target != "ntk" {
		t.Fatalf("the cursor is not on the NTK row: %+v", r)
	}
	k := m.keyMap()
	offered := func() map[string]bool {
		out := map[string]bool{}
		for _, b := range m.footerKeys() {
			out[b.Help().Key] = true
		}
		return out
	}
	if h := offered(); h[k.Import.Help().Key] || h[k.Link.Help().Key] || h[k.Pick.Help().Key] || h[k.Reject.Help().Key] {
		t.Errorf("an NTK row offers %v", h)
	}
	out := ansi.Strip(m.Render())
	if strings.Contains(out, "Trener Marko") || !strings.Contains(out, "ntk: no accounts to link") {
		t.Errorf("beside the NTK row the terminals' accounts are shown:\n%s", out)
	}
	for _, key := range []string{"i", "y", "p", "x"} {
		press(t, m, key)
		if m.capturing() {
			t.Fatalf("%s on the NTK row opened a prompt", key)
		}
		if st := statusText(m); !strings.Contains(st, "ntk: NTK keeps no accounts") && !strings.Contains(st, "ntk: no iVMS import") {
			t.Errorf("%s on the NTK row says %q, not why", key, st)
		}
	}
	if len(be.links) != 0 || len(be.imports) != 0 {
		t.Errorf("the NTK row stored links %v, imports %v", be.links, be.imports)
	}

	press(t, m, "down") // Maximiliana-Theodora on neyross
	if h := offered(); h[k.Import.Help().Key] || !h[k.Pick.Help().Key] || !h[k.Link.Help().Key] {
		t.Errorf("a NEYROSS row offers %v", h)
	}
	press(t, m, "i")
	if st := statusText(m); m.capturing() || !strings.Contains(st, "neyross: no iVMS import: an iVMS-4200 export lists only the persons of Hikvision terminals") {
		t.Errorf("i on the NEYROSS row: prompt %v, status %q", m.capturing(), st)
	}
	if out := ansi.Strip(m.Render()); !strings.Contains(out, "p links one by hand") || strings.Contains(out, "import an iVMS export") {
		t.Errorf("the NEYROSS row's suggestions point at the iVMS import:\n%s", out)
	}

	press(t, m, "down") // a row on the gym, a terminal
	if h := offered(); !h[k.Import.Help().Key] {
		t.Errorf("a terminal's row offers no import: %v", h)
	}
	press(t, m, "i")
	if !m.capturing() {
		t.Fatal("i on a terminal's row opened no prompt")
	}
	typeText(t, m, "/srv/exports/persons.csv")
	press(t, m, "enter")
	if len(be.importRead) != 1 || !slices.Equal(be.importRead[0], []string{"entrance", "gym"}) {
		t.Errorf("the import ran against %v, want the terminals entrance and gym", be.importRead)
	}
}

// statusText is the status line as drawn, its wrapped lines joined.
func statusText(m *Model) string {
	lines := strings.Split(ansi.Strip(m.Render()), "\n")
	return strings.Join(strings.Fields(strings.Join(lines[1:1+len(m.statusLines())], " ")), " ")
}
