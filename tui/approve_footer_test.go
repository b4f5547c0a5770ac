package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// footerOf is the frame's last line: the key hints.
func footerOf(m *Model) string {
	lines := strings.Split(strings.TrimRight(ansi.Strip(m.Render()), "\n"), "\n")
	return lines[len(lines)-1]
}

// With one write the approval dialog's middle does not scroll: its footer
// offers y and n/esc only, not ↓/j, space or G, which would do nothing
// (review of issue 13). With every write selected at 80×24 it scrolls,
// and the scroll keys are offered.
func TestApproveFooterOffersScrollKeysOnlyWhenItScrolls(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		m := newTestModel(t, goldenBackend(t), size[0], size[1])
		press(t, m, "space", "a")
		if m.focusedScreen() != screenApprove {
			t.Fatalf("%v: a opened %v", size, m.focusedScreen())
		}
		foot := footerOf(m)
		if !strings.Contains(foot, "y") || !strings.Contains(foot, "esc") {
			t.Errorf("%v: the footer does not offer y and esc: %q", size, foot)
		}
		for _, word := range []string{"down", "read on", "bottom"} {
			if strings.Contains(foot, word) {
				t.Errorf("%v: one write, nothing scrolls, yet the footer offers %q: %q", size, word, foot)
			}
		}
	}
	m := newTestModel(t, goldenBackend(t), 80, 24)
	press(t, m, "A", "a")
	if foot := footerOf(m); !strings.Contains(foot, "down") {
		t.Errorf("every write at 80x24 scrolls, yet the footer does not offer ↓: %q", foot)
	}
}
