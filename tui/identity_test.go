package tui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/plan"
)

// identityChangeData is fixtureData(12) planned after a run that accepted
// account 1002 on the entrance for Franc Friend, who has left Cardskipper:
// Dmitrij's claim on it (through the e-mail on the terminal) is an
// identity change.
func identityChangeData(t *testing.T) Data {
	t.Helper()
	in := fixtureInput(t, 12)
	in.Previous = []identity.Resolution{{Target: "entrance", Account: "1002", MemberID: "150999",
		Email: "franc.friend@example.si", Name: "Franc Friend", AccountName: "FRANC FRIEND"}}
	return dataOf(in)
}

func identityItem(t *testing.T, d *Data) plan.Item {
	t.Helper()
	for _, it := range d.Plan.Items {
		if it.Identity != "" {
			return it
		}
	}
	t.Fatalf("the plan has no identity change:\n%+v", d.Plan.Items)
	return plan.Item{}
}

// Rows whose identity changed come first in the default view, marked I,
// counted under the table; the detail shows the change in full.
func TestIdentityChangesComeFirst(t *testing.T) {
	d := identityChangeData(t)
	it := identityItem(t, &d)
	t.Logf("identity: %s", it.Identity)
	m := newTestModel(t, &fakeBackend{stored: d, fresh: d}, 80, 24)
	if m.tab != 0 || len(m.view) == 0 || m.rows[m.view[0]].email != it.Email {
		t.Fatalf("the first row is %v, want %s", visibleKeys(m), it.Email)
	}
	out := ansi.Strip(m.Render())
	line := lineWith(t, out, string(it.Email[:10]))
	if !strings.HasPrefix(line, "›I") {
		t.Errorf("the identity row is not marked I: %q", line)
	}
	if !strings.Contains(out, "I 1 identity change first") {
		t.Errorf("no count of identity changes under the table:\n%s", out)
	}
	// Every sort keeps it first.
	for range sortKeys {
		press(t, m, "s")
		if m.rows[m.view[0]].email != it.Email {
			t.Fatalf("sorted by %s, the first row is %s", m.sortBy, m.rows[m.view[0]].email)
		}
	}
	press(t, m, "g", "enter")
	out = ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	flat := strings.Join(strings.Fields(out), " ")
	if !strings.Contains(flat, "identity: "+strings.Join(strings.Fields(it.Identity), " ")) {
		t.Errorf("the detail does not show the identity change in full (%q):\n%s", it.Identity, out)
	}
}

// The identity view's / searches both lists, folding case and accents as
// the table's search does; esc drops the search, then leaves.
func TestLinksSearchBothSides(t *testing.T) {
	m := openLinks(t, newLinksBackend(t))
	press(t, m, "/")
	if !m.links.finding || !m.capturing() {
		t.Fatal("/ did not start a search")
	}
	typeText(t, m, "ŠPELA kovacic")
	if got, want := missingKeys(m), []string{"spela.11@example.si@gym", "spela.35@example.si@gym"}; !slices.Equal(got, want) {
		t.Fatalf("members found: %v, want %v", got, want)
	}
	if got := unlinkedIDs(m); !slices.Equal(got, []string{"gym/2011"}) {
		t.Fatalf("accounts found: %v", got)
	}
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	if !strings.Contains(out, "/ŠPELA kovacic") || !strings.Contains(out, "(2 found)") {
		t.Errorf("the search is not shown:\n%s", out)
	}
	press(t, m, "enter") // keeps the filter; keys act on the list again
	if m.links.finding || len(m.links.words) != 2 {
		t.Fatalf("enter: finding %v, words %v", m.links.finding, m.links.words)
	}
	// An account id and an e-mail are searched too.
	press(t, m, "/")
	for range len("ŠPELA kovacic") {
		press(t, m, "backspace")
	}
	typeText(t, m, "2099")
	if got := unlinkedIDs(m); !slices.Equal(got, []string{"gym/2099"}) || len(m.links.missing) != 0 {
		t.Fatalf("2099: accounts %v, members %v", got, missingKeys(m))
	}
	if !strings.Contains(ansi.Strip(m.Render()), "no member matches the search") {
		t.Errorf("an empty list does not say why:\n%s", ansi.Strip(m.Render()))
	}
	press(t, m, "esc") // drops the search while typing
	if m.links.finding || len(m.links.words) != 0 || len(m.links.missing) != 6 {
		t.Fatalf("esc: finding %v, words %v, %d members", m.links.finding, m.links.words, len(m.links.missing))
	}
	press(t, m, "/")
	typeText(t, m, "nika.23@")
	press(t, m, "enter", "esc")
	if m.screen != screenLinks || len(m.links.words) != 0 {
		t.Fatalf("esc with a kept search: screen %v, words %v", m.screen, m.links.words)
	}
	press(t, m, "esc")
	if m.screen != screenTable {
		t.Fatalf("esc without a search left the view on %v", m.screen)
	}
}

// A link key acts only on what the admin saw: refused while the
// suggestions are being ranked (the list reorders when they come), and on
// a row the view has not drawn under the cursor yet.
func TestLinkKeysActOnlyOnTheRowDrawn(t *testing.T) {
	be := newLinksBackend(t)
	m := openLinks(t, be)
	// The data shown again (a re-plan): its suggestions are ranked anew.
	rank := m.setData(*m.data)
	if rank == nil || !m.links.ranking {
		t.Fatal("new data did not start a ranking")
	}
	m.Render()
	press(t, m, "y")
	if len(be.links) != 0 || !strings.Contains(m.status, "suggestions are still being ranked") || m.statusOK {
		t.Fatalf("y during the ranking: links %v, status %q", be.links, m.status)
	}
	if out := ansi.Strip(m.Render()); !strings.Contains(out, "suggestions are still being ranked") || !strings.Contains(out, "ranking…") {
		t.Errorf("the refusal is not in the status line:\n%s", out)
	}
	run(t, m, rank)
	// A key read before the frame that shows its row (two keys in one
	// read): the cursor moved, nothing drawn yet.
	m.Update(keyMsg("down"))
	m.Update(keyMsg("down"))
	m.Update(keyMsg("y"))
	if len(be.links) != 0 || m.links.ask != nil || !strings.Contains(m.status, "changed since it was drawn") {
		t.Fatalf("y on a row not drawn: links %v, status %q", be.links, m.status)
	}
	m.Render()
	press(t, m, "y") // now seen: Špela (spela.35) asks first, she has a rival
	if m.links.ask == nil || m.links.ask.sug.Email != "spela.35@example.si" {
		t.Fatalf("after drawing, y did not act on the drawn row: ask %+v, status %q", m.links.ask, m.status)
	}
}

// A suggestion other members match equally asks first, naming how many
// and who; n links nothing, y links the member the admin chose, with its
// id and the names shown.
func TestRivalsAskBeforeLinking(t *testing.T) {
	be := newLinksBackend(t)
	m := openLinks(t, be)
	press(t, m, "down") // Špela Kovačič (spela.11): 2011 matches her namesake too
	press(t, m, "y")
	if len(be.links) != 0 || m.links.ask == nil {
		t.Fatalf("y linked without asking: %v", be.links)
	}
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	for _, w := range []string{`Link Špela Kovačič <spela.11@example.si> → gym account 2011 "SPELA KOVACIC"?`,
		"2 members match this account equally", "› Špela Kovačič <spela.11@example.si> member 150011",
		"Špela Kovačič <spela.35@example.si> member 150035", "y confirm", "n/esc cancel"} {
		if !strings.Contains(out, w) {
			t.Errorf("the question lacks %q:\n%s", w, out)
		}
	}
	press(t, m, "q") // the question takes every key: q does not quit
	if m.quitting || m.links.ask == nil {
		t.Fatal("q left the question")
	}
	press(t, m, "n")
	if len(be.links) != 0 || m.links.ask != nil || !strings.Contains(m.status, "not linked") {
		t.Fatalf("n: links %v, status %q", be.links, m.status)
	}
	// y twice in one read: the second does not answer a question not drawn.
	m.Update(keyMsg("y"))
	m.Update(keyMsg("y"))
	if len(be.links) != 0 || m.links.ask == nil {
		t.Fatalf("a question never drawn was answered: %v", be.links)
	}
	m.Render()
	press(t, m, "y")
	if len(be.links) != 1 {
		t.Fatalf("y after the question: %d links", len(be.links))
	}
	l := be.links[0]
	if l.Email != "spela.11@example.si" || l.Target != "gym" || l.Account != "2011" || l.MemberID != "150011" ||
		l.MemberName != "Špela Kovačič" || l.AccountName != "SPELA KOVACIC" || l.Origin != identity.Confirmed || l.CreatedBy != "mojca" {
		t.Fatalf("stored link %+v", l)
	}
}

// Every link confirmed from a suggestion carries the member id and the
// names shown.
func TestConfirmedSuggestionCarriesMemberAndNames(t *testing.T) {
	be := newLinksBackend(t)
	m := openLinks(t, be)
	press(t, m, "y") // Nika Krajnc → 2023
	if len(be.links) != 1 {
		t.Fatalf("%d links", len(be.links))
	}
	l := be.links[0]
	if l.MemberID != "150023" || l.MemberName != "Nika Krajnc" || l.AccountName != "NIKA KRAJNC" || !l.CreatedAt.Equal(fixtureNow) {
		t.Fatalf("stored link %+v", l)
	}
}
