package tui

import (
	"strings"
	"testing"
)

// A notice about a screen goes when the operator goes back to the table
// or to another tab without anything new to say (review of issue 13 §8:
// the detail's "nothing to apply" stayed in the table, under a kept
// search); opening a dialog from the table keeps what the table said.
func TestStatusGoesWithTheScreenItWasAbout(t *testing.T) {
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 12)}, 80, 24)
	press(t, m, "8", "enter", "space")
	if st := m.State(); st.Screen != "detail" || !strings.Contains(st.Status, "nothing to apply") {
		t.Fatalf("space on an ambiguous row's detail: screen %s, status %q", st.Screen, st.Status)
	}
	press(t, m, "esc")
	if st := m.State(); st.Screen != "table" || st.Status != "" {
		t.Errorf("back in the table the detail's notice stays: %q", st.Status)
	}

	press(t, m, "2", "A")
	said := m.State().Status
	if !strings.Contains(said, "selected") {
		t.Fatalf("select all said %q", said)
	}
	press(t, m, "a")
	if st := m.State(); st.Screen != "approve" || st.Status != said {
		t.Errorf("the approval dialog: screen %s, status %q, want %q kept", st.Screen, st.Status, said)
	}
	press(t, m, "esc", "tab")
	if st := m.State(); st.Status != "" {
		t.Errorf("on another tab the notice stays: %q", st.Status)
	}
}

// An export's error goes when the operator moves on to another screen
// (review of issue 13: it stayed, eight lines, over the identity view).
func TestExportErrorGoesWithTheNextScreen(t *testing.T) {
	m := newTestModel(t, &fakeBackend{stored: fixtureData(t, 12)}, 80, 24)
	press(t, m, "e")
	setPrompt(t, m, "report.pdf")
	press(t, m, "enter")
	if !strings.Contains(m.State().Status, "unknown extension") {
		t.Fatalf("export to .pdf said %q", m.State().Status)
	}
	if m.State().Screen != "table" {
		press(t, m, "esc")
	}
	press(t, m, "L")
	if st := m.State(); st.Screen != "links" || st.Status != "" {
		t.Errorf("in the identity view (screen %s) the export's error stays: %q", st.Screen, st.Status)
	}
}
