package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/plan"
)

// The approval dialog lists every write, the revocations and shortenings
// first, then the writes --auto would hold, each group saying so, and every
// line is reached by scrolling (review of issue 13: 93 items, 13
// revocations, listed as the first 5 by e-mail and "… and 88 more").
func TestApprovalListsEveryWriteDangerousFirst(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		m := newTestModel(t, goldenBackend(t), size[0], size[1])
		press(t, m, "0", "A", "a")
		if m.focusedScreen() != screenApprove {
			t.Fatalf("the approval dialog is not shown: %v", m.focusedScreen())
		}
		// read the whole middle by scrolling, as the operator does
		mid, _, _ := m.approvalScroll()
		for range len(mid) {
			checkFrame(t, ansi.Strip(m.Render()), size[0], size[1])
			press(t, m, "down")
		}
		// a write wrapped onto several lines is one entry
		var text []string
		for _, l := range mid {
			if l := ansi.Strip(l.text); strings.HasPrefix(l, "    ") && len(text) > 0 {
				text[len(text)-1] += " " + strings.TrimSpace(l)
			} else {
				text = append(text, l)
			}
		}
		all := strings.Join(text, "\n")
		if strings.Contains(all, "more") && strings.Contains(all, "… and") {
			t.Errorf("writes are left out:\n%s", all)
		}
		// every selected write is listed, in its group's order
		d := m.shownData()
		sel := m.selectedIDs()
		pos := func(it *plan.Item) int {
			for i, l := range text {
				if strings.Contains(l, string(it.Email)) && strings.Contains(l, " on "+it.Target) && strings.Contains(l, endText(it.DesiredEnd, false)) {
					return i
				}
			}
			return -1
		}
		lastCut, firstOther := -1, len(text)
		for i := range d.Plan.Items {
			it := &d.Plan.Items[i]
			if !sel[it.ID] || !it.Kind.Writes() {
				continue
			}
			at := pos(it)
			if at < 0 {
				t.Errorf("%s on %s (%s) is not listed", it.Email, it.Target, it.Kind)
				continue
			}
			if it.Kind == plan.Revoke || it.Kind == plan.Shorten {
				lastCut = max(lastCut, at)
			} else {
				firstOther = min(firstOther, at)
			}
		}
		if lastCut < 0 || lastCut > firstOther {
			t.Errorf("revocations and shortenings are not listed first (last at %d, first other at %d):\n%s", lastCut, firstOther, all)
		}
		if !strings.Contains(all, "revocations and shortenings, listed first:") || !strings.Contains(all, "the other ") {
			t.Errorf("the groups do not say what they hold:\n%s", all)
		}
		// scrolled to the end: the last line of the middle is on screen
		press(t, m, "G")
		if out := ansi.Strip(m.Render()); !strings.Contains(out, ansi.Strip(mid[len(mid)-1].text)) {
			t.Errorf("the last write is never shown:\n%s", out)
		}
	}
}

// BenchmarkApproveScroll50k is a key press in the approval dialog over
// every write of 50,000 members' needs-action rows, each listed: the
// summary and its lines are made once per dialog, not on each key.
func BenchmarkApproveScroll50k(b *testing.B) {
	m := benchModel(b)
	press(b, m, "1", "A", "a")
	if m.focusedScreen() != screenApprove {
		b.Fatal("the approval dialog is not shown")
	}
	down, up := keyMsg("down"), keyMsg("up")
	var took []time.Duration
	for i := 0; b.Loop(); i++ {
		k := down
		if i%200 >= 100 {
			k = up
		}
		start := time.Now() // wall clock: measuring a key press
		m.Update(k)
		_ = m.Render()
		took = append(took, time.Since(start)) // wall clock: measuring
	}
	reportPercentiles(b, took)
}
