package tui

import (
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// fourTargets is the demo's shape: two Hikvision terminals, NEYROSS and
// NTK.
func fourTargets(t testing.TB, n int) *fakeBackend {
	t.Helper()
	d := dataOf(fixtureInputOn(t, n, "entrance", "gym", "neyross", "ntk"))
	return &fakeBackend{stored: d, fresh: d}
}

// With four targets at 80 columns the table shares one column among them
// and lists the cursor row's targets under it; the line under that still
// gives the position, the selection and the sort. The cursor stays on
// screen at the bottom of the table (the extra line is not drawn over it).
func TestCompactLayoutKeepsSelectionAndSort(t *testing.T) {
	m := newTestModel(t, fourTargets(t, 40), 80, 24)
	if c := m.table.layout(); c.perTarget {
		t.Fatal("four targets at 80 columns are not in the compact layout")
	}
	press(t, m, "space", "space", "s")
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	lines := strings.Split(out, "\n")
	under := strings.Join(lines[len(lines)-4:len(lines)-1], "\n")
	for _, want := range []string{"entrance ", "gym ", "neyross ", "ntk ", "/28 ·", "sort: name"} {
		if !strings.Contains(under, want) {
			t.Errorf("under the compact table %q is missing:\n%s", want, under)
		}
	}
	if n := len(m.selectedIDs()); n == 0 || !strings.Contains(under, " "+strconv.Itoa(n)+" selected") {
		t.Errorf("the selection count (%d) is not under the table:\n%s", n, under)
	}
	for _, k := range []string{"end", "pgup", "up", "pgdown", "home", "pgdown", "pgdown"} {
		press(t, m, k)
		out := ansi.Strip(m.Render())
		if !strings.Contains(out, "\n›") {
			t.Fatalf("after %s the cursor row (%d) is off screen:\n%s", k, m.cursorAt(), out)
		}
	}
	// the same data at 160 columns: a column per target, one line under.
	m.Update(tea_WindowSize(160, 48))
	if c := m.table.layout(); !c.perTarget {
		t.Fatal("four targets at 160 columns are compact")
	}
	out = ansi.Strip(m.Render())
	checkFrame(t, out, 160, 48)
	if !strings.Contains(out, " neyross ") || !strings.Contains(out, " ntk ") {
		t.Fatalf("no column per target at 160:\n%s", out)
	}
}

// Lists with nothing in them: every move, enter and selection key on an
// empty table (a search that matches nothing), its detail, and an identity
// view without members to link does nothing harmful and keeps the frame.
func TestEmptyListsKeysAreHarmless(t *testing.T) {
	keys := []string{"down", "up", "end", "home", "pgdown", "pgup", "space", "A", "enter", "tab", "shift+tab", "esc"}
	for _, sz := range [][2]int{{80, 24}, {40, 10}} {
		// the table and the detail
		m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 12)}, sz[0], sz[1])
		press(t, m, "0", "/")
		typeText(t, m, "nobody by this name")
		press(t, m, "enter")
		if m.State().Rows != 0 {
			t.Fatalf("the search matched %d rows", m.State().Rows)
		}
		for _, k := range keys[:len(keys)-1] {
			press(t, m, k)
			if m.cursorAt() != 0 || m.focusedScreen() != screenTable || len(m.selectedIDs()) != 0 {
				t.Fatalf("%s on an empty table: cursor %d, screen %v, %d selected", k, m.cursorAt(), m.focusedScreen(), len(m.selectedIDs()))
			}
			checkFrame(t, ansi.Strip(m.Render()), sz[0], sz[1])
		}
		// the identity view of five members, each with both accounts
		m = newTestModel(t, &fakeBackend{stored: fixtureData(t, 5)}, sz[0], sz[1])
		press(t, m, "L")
		if m.focusedScreen() != screenLinks || len(m.links.missing) != 0 {
			t.Fatalf("identity view: screen %v, %d members without an account", m.focusedScreen(), len(m.links.missing))
		}
		for _, k := range append([]string{"y", "x", "u", "l"}, keys[:len(keys)-1]...) {
			press(t, m, k)
			if m.links.cursor != 0 || m.links.chosen() != nil {
				t.Fatalf("%s in an empty identity view: cursor %d", k, m.links.cursor)
			}
			checkFrame(t, ansi.Strip(m.Render()), sz[0], sz[1])
		}
	}
}
