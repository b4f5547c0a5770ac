package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// A search that finds nothing in the current tab says where it finds, and
// while it narrows the rows every tab counts the rows it matches (review
// of issue 13: "nothing here" on the extend tab, 8 matches in all, the tab
// counts ignoring the search).
func TestSearchCountsEveryTabAndSaysWhereItFinds(t *testing.T) {
	m := newTestModel(t, goldenBackend(t), 80, 24)
	press(t, m, "2") // extend
	// an in-sync row's e-mail: not on the extend tab
	var email string
	for _, r := range m.allRows() {
		if r.kinds == kindBit("in_sync") && r.email != "" {
			email = string(r.email)
			break
		}
	}
	if email == "" {
		t.Fatal("no in-sync row in the fixture")
	}
	press(t, m, "/")
	typeText(t, m, email)
	press(t, m, "enter")
	s := m.State()
	if s.Rows != 0 {
		t.Fatalf("the extend tab shows %d rows for %s", s.Rows, email)
	}
	last := len(s.Table.Counts) - 1
	if s.Table.Counts[1] != 0 || s.Table.Counts[last] != 1 || s.Table.Counts[0] != 0 {
		t.Errorf("tab counts during the search %q: %v (want extend 0, needs action 0, all 1)", email, s.Table.Counts)
	}
	out := ansi.Strip(m.Render())
	checkFrame(t, out, 80, 24)
	if !strings.Contains(out, "nothing here · 1 match in all (0)") {
		t.Errorf("the empty tab does not say where the search finds:\n%s", out)
	}
	// esc drops the search: the counts are every row's again
	press(t, m, "esc")
	if s := m.State(); s.Table.Search != "" || s.Table.Counts[last] != s.AllRows {
		t.Errorf("after esc: search %q, counts %v of %d rows", s.Table.Search, s.Table.Counts, s.AllRows)
	}
}

// A tab bar too narrow for its labels never starts with a label cut by the
// screen's edge: the first tab shown is whole, and a tab left out is
// marked ‹ (review of issue 13: " action 82" at the left edge).
func TestTabBarNeverStartsMidLabel(t *testing.T) {
	for _, w := range []int{40, 50, 60, 70, 80} {
		m := newTestModel(t, mixedBackend(t), w, 24)
		for range tabs() {
			bar := strings.Split(ansi.Strip(m.Render()), "\n")[2]
			first := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(bar, "‹"), "["), " ")
			whole := false
			for _, tb := range tabs() {
				whole = whole || strings.HasPrefix(first, tb.label+" ") || strings.HasPrefix(first, tb.short+" ")
			}
			if !whole || (strings.HasPrefix(first, "action") && !strings.HasPrefix(bar, "‹")) {
				t.Errorf("at %d columns on %q the tab bar starts mid-label: %q", w, m.State().Table.Tab, bar)
			}
			press(t, m, "tab")
		}
	}
}
