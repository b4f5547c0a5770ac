package tui

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// A path pasted over SSH lands in the prompt that asks for one: the
// report's path and the iVMS-4200 export's path.
func TestPastedPathsReachThePrompts(t *testing.T) {
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 12)}, 80, 24)
	press(t, m, "e")
	setPrompt(t, m, "")
	dir := t.TempDir()
	path := filepath.Join(dir, "pasted.csv")
	run(t, m, func() tea.Msg { return tea.PasteMsg{Content: path} })
	if got := m.State().Export.Path; got != path {
		t.Fatalf("export prompt holds %q after the paste, want %q", got, path)
	}
	press(t, m, "enter")
	if !strings.Contains(m.State().Status, "report written to "+path) {
		t.Fatalf("status %q", m.State().Status)
	}

	be := newLinksBackend(t)
	lm := openLinks(t, be)
	press(t, lm, "i")
	setPrompt(t, lm, "")
	run(t, lm, func() tea.Msg { return tea.PasteMsg{Content: "/srv/exports/persons.csv"} })
	press(t, lm, "enter")
	if !slices.Equal(be.imports, []string{"/srv/exports/persons.csv"}) {
		t.Fatalf("backend imported %v after a pasted path", be.imports)
	}
}
