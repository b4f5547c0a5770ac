package tui

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
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
	if !m.State().Table.Compact {
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
	if n := len(m.selectedIDs()); n == 0 || !strings.Contains(under, "2 rows selected ("+strconv.Itoa(n)+" items)") {
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
	if m.State().Table.Compact {
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
		if m.focusedScreen() != screenLinks || m.State().Links.Missing != 0 {
			t.Fatalf("identity view: screen %v, %d members without an account", m.focusedScreen(), m.State().Links.Missing)
		}
		for _, k := range append([]string{"y", "x", "u", "l"}, keys[:len(keys)-1]...) {
			press(t, m, k)
			if l := m.State().Links; l.Cursor != 0 || l.Chosen != nil {
				t.Fatalf("%s in an empty identity view: cursor %d", k, l.Cursor)
			}
			checkFrame(t, ansi.Strip(m.Render()), sz[0], sz[1])
		}
	}
}

// mixedBackend is the demo's four targets with what issue 13 found hard
// to read: an inactive member whose role still runs (revoked on the
// entrance with the same end on both sides, expired on the gym), a
// membership that starts next week, a member with an account on the
// entrance only, the same trainer's unlinked accounts on two terminals,
// and a last run that failed.
func mixedBackend(t testing.TB) *fakeBackend {
	t.Helper()
	in := fixtureInputOn(t, 8, "entrance", "gym", "neyross", "ntk")
	zone := in.Zone
	today := in.Today
	role := func(start, end member.Date) []member.Role {
		return []member.Role{{OrganisationID: 1, RoleID: 7, Start: start, End: end}}
	}
	add := func(tn string, a target.Account) {
		for i := range in.Targets {
			if in.Targets[i].Info.Name == tn {
				in.Targets[i].Accounts = append(in.Targets[i].Accounts, a)
			}
		}
	}
	in.Members = append(in.Members,
		member.Member{ID: "880001", Email: "ina@example.si", FirstName: "Ina", LastName: "Zaprta", Inactive: true, Roles: role(today.AddDays(-10), today.AddDays(30))},
		member.Member{ID: "880002", Email: "later@example.si", FirstName: "Lara", LastName: "Kasneje", Roles: role(today.AddDays(5), today.AddDays(60))},
		member.Member{ID: "880003", Email: "mostly@example.si", FirstName: "Miha", LastName: "Manjka", Roles: role(today.AddDays(-10), today.AddDays(30))},
	)
	add("entrance", target.Account{ID: "8001", Name: "INA ZAPRTA", Email: "ina@example.si", End: today.AddDays(30).EndOfDay(zone)})
	add("gym", target.Account{ID: "8001", Name: "INA ZAPRTA", Email: "ina@example.si", End: today.AddDays(-3).EndOfDay(zone)})
	add("entrance", target.Account{ID: "8002", Name: "LARA KASNEJE", Email: "later@example.si", End: today.AddDays(-20).EndOfDay(zone)})
	add("entrance", target.Account{ID: "8003", Name: "MIHA MANJKA", Email: "mostly@example.si", End: today.AddDays(3).EndOfDay(zone)})
	add("gym", target.Account{ID: "9002", Name: "Trener Marko", End: today.AddDays(100).EndOfDay(zone)})
	d := dataOf(in)
	// as the service says it (service.notValid)
	d.NotValid = map[string]string{"880001": "inactive", "880002": "not started"}
	d.LastOutcome = "failed"
	return &fakeBackend{stored: d, fresh: d}
}

// An inactive member's role end reads as valid beside "in sync" or a
// revoke with equal dates: the Cardskipper column says why the member is
// not valid today instead (issue 13 §10).
func TestTableSaysWhyAMemberIsNotValidToday(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		m := newTestModel(t, mixedBackend(t), size[0], size[1])
		press(t, m, "0")
		out := ansi.Strip(m.Render())
		checkFrame(t, out, size[0], size[1])
		for email, why := range map[string]string{" ina@example.si": "inactive", "later@example.si": "not started"} {
			l := lineWith(t, out, email)
			if !strings.Contains(l, " "+why+" ") {
				t.Errorf("%dx%d: %s's row does not say %q: %q", size[0], size[1], email, why, l)
			}
		}
		// a valid member still shows the end
		if l := lineWith(t, out, "mostly@example.si"); !strings.Contains(l, "Miha Manjka  ") || !strings.Contains(l, " 2025-12-01 ") {
			t.Errorf("%dx%d: a valid member's row lost its end: %q", size[0], size[1], l)
		}
	}
}

// The compact column never shows one target's date for targets that
// differ: it counts the targets of each kind (issue 13 §11).
func TestCompactColumnCountsTargetsThatDiffer(t *testing.T) {
	m := newTestModel(t, mixedBackend(t), 80, 24)
	press(t, m, "0")
	out := ansi.Strip(m.Render())
	if l := lineWith(t, out, "mostly@example.si"); !strings.Contains(l, " 1E 3M ") {
		t.Errorf("one extend and three missing read as %q", l)
	}
	// every target the same: that end, once
	if l := lineWith(t, out, "ana.1@example.si"); !strings.Contains(l, " 2025-11-04 ") || strings.Contains(l, "×") {
		t.Errorf("four targets with one end read as %q", l)
	}
	// the cursor row's targets are still listed one by one under the table
	press(t, m, "/")
	typeText(t, m, "mostly")
	press(t, m, "enter")
	out = ansi.Strip(m.Render())
	if l := lineWith(t, out, "entrance 2025-11-04 E"); !strings.Contains(l, "gym missing M") {
		t.Errorf("the targets under the table: %q", l)
	}
}

// The same trainer's unlinked accounts on two terminals are two rows, each
// naming its target and account (issue 13 §6).
func TestUnlinkedAccountsNameTheirTarget(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		m := newTestModel(t, mixedBackend(t), size[0], size[1])
		press(t, m, "7") // unlinked
		out := ansi.Strip(m.Render())
		for _, want := range []string{"entrance #9001", "gym #9002"} {
			if l := lineWith(t, out, want); !strings.Contains(l, "Trener Marko") {
				t.Errorf("%dx%d: %q", size[0], size[1], l)
			}
		}
	}
}

// Every tab holds rows that carry its letter, counted as rows; the in-sync
// tab only rows whose every item is in sync; the selection is counted in
// rows (the marks) and items (issue 13 §9).
func TestTabsMarksAndCountsUseRows(t *testing.T) {
	m := newTestModel(t, mixedBackend(t), 160, 48)
	items := m.State().Plan.Items
	for i, tab := range tabs() {
		if i > 0 {
			press(t, m, "tab")
		}
		if got := m.State().Table.Tab; got != tab.label {
			t.Fatalf("tab %d is %q, want %q", i, got, tab.label)
		}
		out := ansi.Strip(m.Render())
		shown, n := m.shownRows(), m.State().Table.Counts[i]
		if want := fmt.Sprintf("row %d/%d ·", min(1, n), n); !strings.Contains(out, want) {
			t.Errorf("tab %s (%d rows): no %q", tab.label, n, want)
		}
		for _, r := range shown {
			if tab.kind != "" && r.kinds&kindBit(tab.kind) == 0 {
				t.Errorf("tab %s holds %s with no %s item", tab.label, rowLabel(&r), tab.kind)
			}
			for _, ix := range r.items {
				if tab.kind == plan.InSync && items[ix].Kind != plan.InSync {
					t.Errorf("the in-sync tab holds %s with a %s item", rowLabel(&r), items[ix].Kind)
				}
			}
		}
		if tab.kind == "" {
			continue
		}
		for _, l := range strings.Split(out, "\n")[4 : 4+min(len(shown), 40)] {
			if got := []rune(l)[3]; string(got) != kindLetter(tab.kind) {
				t.Errorf("tab %s shows a row marked %c: %q", tab.label, got, l)
			}
		}
	}
	press(t, m, "1") // needs action
	// rows of one item and of four
	press(t, m, "space", "space", "down", "space") // the third row has nothing to select
	out := ansi.Strip(m.Render())
	marks := strings.Count(out, "●") + strings.Count(out, "◐")
	want := fmt.Sprintf("%d rows selected (%d items)", marks, m.State().Selected)
	if marks != 3 || !strings.Contains(out, want) {
		t.Errorf("%d marks; want %q under the table:\n%s", marks, want, out)
	}
	press(t, m, "up", "space")
	if out := ansi.Strip(m.Render()); !strings.Contains(out, "2 rows selected") {
		t.Errorf("a row cleared is not counted off:\n%s", out)
	}
}

// At 80×24 the table's keys and the console's are all on screen (two lines
// when one cannot hold them), the tab bar shows every tab, and the rows
// fill the rest (issue 13 §5).
func TestEveryKeyAndTabShowsAt80(t *testing.T) {
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 40)}, 80, 24)
	press(t, m, "space")
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	lines := strings.Split(out, "\n")
	keys := strings.Join(lines[len(lines)-2:], "\n")
	for _, want := range []string{"tab next kind", "/ search", "space select", "a approve", "enter inspect",
		"L fix links", "e export", "H history", "r refresh", "? help", "q quit"} {
		if !strings.Contains(keys, want) {
			t.Errorf("the keys at 80 columns lack %q:\n%s", want, keys)
		}
	}
	bar := lines[2]
	for _, want := range []string{"[needs action 28]", "E 7", "R 7", "S 7", "X 6", "M 6", "U 1", "A 1", "N 1", "! 0", "= 7", "all 43"} {
		if !strings.Contains(bar, want) {
			t.Errorf("the tab bar lacks %q: %q", want, bar)
		}
	}
	// the rows reach the line above the position: nothing is drawn over
	if !strings.HasPrefix(lines[len(lines)-3], "row ") || strings.TrimSpace(lines[len(lines)-4]) == "" {
		t.Errorf("the body is not filled to the keys:\n%s", out)
	}
	press(t, m, "end")
	if out := ansi.Strip(m.Render()); !strings.Contains(out, "\n›") {
		t.Errorf("the last row is off screen:\n%s", out)
	}
	// a tab bar too narrow even for letters scrolls to the active tab
	m.Update(tea_WindowSize(40, 24))
	press(t, m, "0")
	if bar := strings.Split(ansi.Strip(m.Render()), "\n")[2]; !strings.Contains(bar, "[all 43]") || !strings.HasPrefix(bar, "‹") {
		t.Errorf("at 40 columns: %q", bar)
	}
}

// After a failed run the header says so, not only when it ended; at 80
// columns its time gives way before it does (issue 13 §15).
func TestHeaderSaysTheLastRunFailed(t *testing.T) {
	for _, c := range []struct {
		w    int
		want string
	}{{160, "last run failed 2025-11-01 09:00"}, {80, "last run failed"}} {
		m := newTestModel(t, mixedBackend(t), c.w, 24)
		title := strings.Split(ansi.Strip(m.Render()), "\n")[0]
		if !strings.Contains(title, c.want) || strings.Contains(title, "last sync") {
			t.Errorf("%d columns: %q", c.w, title)
		}
	}
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 40)}, 80, 24)
	if title := strings.Split(ansi.Strip(m.Render()), "\n")[0]; !strings.Contains(title, "last sync 2025-11-01 09:00") {
		t.Errorf("a good run: %q", title)
	}
}
