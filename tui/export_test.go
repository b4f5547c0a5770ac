package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// An export of a tab showing one row says what it wrote in the console's
// unit, rows, and the items they hold ("1 row, 3 items"), not "(3 rows)"
// (review of issue 13 §9: rows are the unit of tabs and counts).
func TestExportSaysRowsAndItems(t *testing.T) {
	be := ambiguousBackend(t)
	m := newTestModel(t, be, 80, 24)
	press(t, m, "0")
	var most row
	for _, r := range m.allRows() {
		if len(r.items) > len(most.items) {
			most = r
		}
	}
	if len(most.items) < 3 {
		t.Fatalf("no row of 3 items or more: the test proves nothing (%d)", len(most.items))
	}
	press(t, m, "/")
	typeText(t, m, string(most.email))
	press(t, m, "enter")
	if n := m.State().Rows; n != 1 {
		t.Fatalf("the search for %s shows %d rows", most.email, n)
	}
	press(t, m, "e")
	path := filepath.Join(t.TempDir(), "one.csv")
	setPrompt(t, m, path)
	press(t, m, "enter")
	want := fmt.Sprintf("report written to %s (1 row, %d items)", path, len(most.items))
	if got := m.State().Status; !strings.Contains(got, want) {
		t.Fatalf("status %q, want %q", got, want)
	}
}
