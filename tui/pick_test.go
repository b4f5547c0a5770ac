package tui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// cursorOn moves the table's cursor to the row of the e-mail (tab all).
func cursorOn(t *testing.T, m *Model, email string) {
	t.Helper()
	press(t, m, "0")
	if !cursorTo(t, m, func(r *row) bool { return string(r.email) == email }) {
		t.Fatalf("no row of %s", email)
	}
}

// pickedMember is the member and target under the picker's cursor (step
// member) or chosen (after): zero when none.
func pickedMember(m *Model) PickMember {
	p := m.State().Pick
	if p.Chosen < 0 || p.Chosen >= len(p.Members) {
		return PickMember{}
	}
	return p.Members[p.Chosen]
}

// A family's shared e-mail finds the mother's account for the son too: the
// list opens on the son's own name, then what the e-mail finds; choosing
// the mother's account warns that the names are not the same.
func TestPickListsTheMembersOwnNameFirst(t *testing.T) {
	be := familyBackend(t)
	m := newTestModel(t, be, 80, 24)
	cursorOn(t, m, "kralj@example.si")
	press(t, m, "p")
	if m.focusedScreen() != screenPick || m.State().Pick.Step != "member" {
		t.Fatalf("p: screen %v, step %v (%q)", m.focusedScreen(), m.State().Pick.Step, m.State().Status)
	}
	for pickedMember(m).Name != "Sin Kralj" || pickedMember(m).Target != "gym" {
		if m.State().Pick.Chosen == len(m.State().Pick.Members)-1 {
			t.Fatalf("no Sin Kralj on the gym among %+v", m.State().Pick.Members)
		}
		press(t, m, "down")
	}
	press(t, m, "enter")
	if m.State().Pick.Step != "account" {
		t.Fatalf("step %v", m.State().Pick.Step)
	}
	ids := m.State().Pick.Accounts[:2]
	if ids[0] != "2042" || ids[1] != "2041" {
		t.Fatalf("the list starts with %v, want the son's own 2042, then 2041 the e-mail finds", ids)
	}
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	if !strings.Contains(out, "/("+pickSearchHint+")") || strings.Contains(out, "/a") {
		t.Errorf("the empty search does not show its hint:\n%s", out)
	}
	press(t, m, "down", "enter")
	if m.State().Pick.Confirm != "2041" {
		t.Fatalf("chose %+v", m.State().Pick.Confirm)
	}
	out = ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	f := flat(out)
	for _, w := range []string{"the names are not the same: Sin Kralj ≠ MAMA KRALJ share only a word (a family?): is this Sin Kralj's account?",
		"found through the e-mail", "the link records both names as shown here"} {
		if !strings.Contains(f, w) {
			t.Errorf("the question lacks %q:\n%s", w, out)
		}
	}
	// n, the son's own account: no warning; the status names the member
	// and the account as the CLI does.
	press(t, m, "n", "up", "enter")
	out = ansi.Strip(m.Render())
	if m.State().Pick.Confirm != "2042" || strings.Contains(out, "not the same") || strings.Contains(out, "records both names") {
		t.Fatalf("the son's own account: chosen %+v\n%s", m.State().Pick.Confirm, out)
	}
	press(t, m, "y")
	if len(be.links) != 1 || be.links[0].Account != "2042" || be.links[0].MemberID != "990011" {
		t.Fatalf("links %+v", be.links)
	}
	if want := "linked kralj@example.si (member 990011, Sin Kralj) → gym account 2042 (SIN KRALJ)"; !strings.Contains(m.State().Status, want) {
		t.Errorf("status %q, want %q", m.State().Status, want)
	}
}

// p never offers a target with no account list (NTK), and asks which
// target when several have accounts to pick from.
func TestPickAsksForTheTargetAndSkipsNTK(t *testing.T) {
	const email = "maximiliana.theodora.wolkenstein.5@example.si"
	// Missing on the gym and NTK: the gym only, straight to its accounts.
	m := newTestModel(t, withoutAccount(t, []string{"entrance", "gym", "ntk"}, "gym", "ntk"), 80, 24)
	cursorOn(t, m, email)
	press(t, m, "p")
	if m.focusedScreen() != screenPick || m.State().Pick.Step != "account" || len(m.State().Pick.Members) != 1 || m.State().Pick.Members[0].Target != "gym" {
		t.Fatalf("p: screen %v, step %v, candidates %+v", m.focusedScreen(), m.State().Pick.Step, m.State().Pick.Members)
	}
	// Missing on NTK only: nothing to pick from, said so.
	m = newTestModel(t, withoutAccount(t, []string{"entrance", "ntk"}, "ntk"), 80, 24)
	cursorOn(t, m, email)
	press(t, m, "p")
	if m.focusedScreen() != screenTable || !strings.Contains(m.State().Status, "ntk has no accounts to pick from") {
		t.Fatalf("p with NTK only: screen %v, status %q", m.focusedScreen(), m.State().Status)
	}
	// Missing on the gym and NEYROSS: which target?
	m = newTestModel(t, withoutAccount(t, []string{"entrance", "gym", "neyross", "ntk"}, "gym", "neyross", "ntk"), 80, 24)
	cursorOn(t, m, email)
	press(t, m, "p")
	if m.focusedScreen() != screenPick || m.State().Pick.Step != "member" || len(m.State().Pick.Members) != 2 {
		t.Fatalf("p on two targets: screen %v, step %v, candidates %+v", m.focusedScreen(), m.State().Pick.Step, m.State().Pick.Members)
	}
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	if !strings.Contains(out, "on which target?") || strings.Contains(out, " ntk ") {
		t.Errorf("the question:\n%s", out)
	}
	press(t, m, "down", "enter")
	if c := pickedMember(m); m.State().Pick.Step != "account" || c.Target != "neyross" {
		t.Fatalf("enter: step %v on %+v", m.State().Pick.Step, c)
	}
}

// The detail asks for the history of the row's members by id (with the
// row's e-mail for records without one); a row without an e-mail but with
// a member has a history too.
func TestDetailHistoryFollowsTheMembers(t *testing.T) {
	be := ambiguousBackend(t)
	m := newTestModel(t, be, 80, 24)
	cursorOn(t, m, "druzina@example.si")
	press(t, m, "enter")
	if n := len(be.historyAsked); n != 1 {
		t.Fatalf("%d history requests", n)
	}
	if q := be.historyAsked[0]; q.Email != "druzina@example.si" || !slices.Equal(q.Members, []string{"990002", "990003"}) {
		t.Fatalf("asked for %+v", q)
	}
	press(t, m, "esc")
	cursorTo(t, m, func(r *row) bool { return r.key == "member:990001" })
	press(t, m, "enter")
	if q := be.historyAsked[len(be.historyAsked)-1]; q.Email != "" || !slices.Equal(q.Members, []string{"990001"}) {
		t.Fatalf("the member without an e-mail: asked for %+v", q)
	}
	if out := ansi.Strip(m.Render()); strings.Contains(out, "no history") {
		t.Errorf("a member without an e-mail shows no history:\n%s", out)
	}
}
