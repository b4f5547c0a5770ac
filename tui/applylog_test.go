package tui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// logLines are the apply log's lines in a frame (one per item: "applied
// item-N …") and its position line.
func logLines(t *testing.T, m *Model) (items []string, pos string) {
	t.Helper()
	frame := ansi.Strip(m.Render())
	w, h := m.size()
	checkFrame(t, frame, w, h)
	for _, l := range bodyLines(frame) {
		switch {
		case strings.HasPrefix(l, "applied "):
			items = append(items, strings.Fields(l)[1])
		case strings.HasPrefix(l, "log "):
			pos = l
		}
	}
	return items, pos
}

// A running apply of 60 items at 80×24: the log shows the newest lines and
// follows them; scrolled back (↑, pgup, g) it stays put as lines come in
// and says how many are newer; G follows the newest again. Once the apply
// is over it still scrolls (issue 13: only the newest lines fitted).
func TestApplyLogScrolls(t *testing.T) {
	be := &fakeBackend{stored: fixtureData(t, 12), applyGate: make(chan struct{})}
	m := newTestModel(t, be, 80, 24)
	heldApply(t, m, be) // the backend says nothing: the test tells the progress
	req := m.requests().apply
	n := 0
	add := func(k int) {
		for range k {
			n++
			m.Update(applyProgressMsg{req: req, p: ApplyProgress{Target: "entrance", Done: n, Total: 80, ItemID: fmt.Sprintf("item-%d", n), Status: "applied"}})
		}
	}
	add(60)
	items, pos := logLines(t, m)
	if len(items) == 0 || items[len(items)-1] != "item-60" || !strings.HasPrefix(pos, fmt.Sprintf("log %d–60 of 60", 61-len(items))) {
		t.Fatalf("at the newest: %v, %q", items, pos)
	}
	page := len(items)
	add(1)
	if items, _ = logLines(t, m); items[len(items)-1] != "item-61" {
		t.Fatalf("at the newest, a new line is not shown: %v", items)
	}
	press(t, m, "up", "up")
	if items, pos = logLines(t, m); items[len(items)-1] != "item-59" || !strings.Contains(pos, "2 newer below") {
		t.Fatalf("two up: %v, %q", items, pos)
	}
	add(3) // scrolled back: the lines shown stay
	if items, pos = logLines(t, m); items[len(items)-1] != "item-59" || !strings.Contains(pos, "5 newer below") {
		t.Fatalf("scrolled back while lines came in: %v, %q", items, pos)
	}
	press(t, m, "g")
	if items, _ = logLines(t, m); items[0] != "item-1" || len(items) != page {
		t.Fatalf("g: %v", items)
	}
	press(t, m, "pgdown")
	if items, _ = logLines(t, m); items[0] != fmt.Sprintf("item-%d", 1+page) {
		t.Fatalf("pgdn from the top: %v", items)
	}
	press(t, m, "G")
	add(1)
	if items, pos = logLines(t, m); items[len(items)-1] != "item-65" || strings.Contains(pos, "newer") {
		t.Fatalf("G follows the newest again: %v, %q", items, pos)
	}
	// Over: the summary takes lines; the log still scrolls to its start.
	m.Update(applyDoneMsg{req: req, res: ApplyResult{Applied: 65, Summary: "65 applied, 0 failed, 0 stale, 0 held"}})
	press(t, m, "home")
	if items, pos = logLines(t, m); items[0] != "item-1" || !regexp.MustCompile(`^log 1–\d+ of 65`).MatchString(pos) {
		t.Fatalf("after the apply, home: %v, %q", items, pos)
	}
	if m.focusedScreen() != screenApply {
		t.Fatalf("scrolling left the apply for %v", m.focusedScreen())
	}
}
