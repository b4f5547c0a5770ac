package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/clock"
)

// initMsgs runs the model's Init commands once, without following what
// their messages ask next, and returns the messages.
func initMsgs(t *testing.T, m *Model) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	queue := []tea.Cmd{m.Init()}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case nil:
		default:
			out = append(out, msg)
		}
	}
	return out
}

func previewOf[T any](msgs []tea.Msg) (T, bool) {
	for _, msg := range msgs {
		if v, ok := msg.(T); ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}

// The console draws the stored last plan first, marked as such; what needs
// the members and accounts waits; then the stored snapshots planned again
// replace it.
func TestLastPlanDrawnFirstThenStoredReplacesIt(t *testing.T) {
	last := fixtureData(t, 12)
	last.Stored = true
	stored := fixtureData(t, 18)
	stored.Stored = true
	be := &fakeBackend{stored: stored, preview: &last}
	m := New(Options{Backend: be, Clock: clock.NewManual(fixtureNow), NoRefresh: true})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	msgs := initMsgs(t, m)
	if _, ok := previewOf[storedMsg](msgs); ok {
		t.Fatal("Init planned the stored snapshots at once: the first frame would share the cores with it")
	}
	pm, ok := previewOf[previewMsg](msgs)
	if !ok {
		t.Fatal("Init did not ask for the stored last plan")
	}
	_, next := m.Update(pm)
	st := m.State()
	if !st.Loaded || !st.Preview || st.Plan.Source.Members != 15 || st.Rows == 0 {
		t.Fatalf("preview not shown: %+v", st)
	}
	if frame := ansi.Strip(m.Render()); !strings.Contains(frame, "last plan, read 5 min ago, loading…") {
		t.Errorf("the preview is not marked:\n%s", frame)
	}
	for _, k := range []string{"enter", "L", "e"} {
		press(t, m, k)
		if m.screen != screenTable || !strings.Contains(m.status, "loading the stored data") {
			t.Errorf("%s in the preview: screen %v, status %q", k, m.screen, m.status)
		}
	}
	press(t, m, "space", "a")
	if m.screen != screenTable {
		t.Errorf("approve opened on the preview")
	}
	run(t, m, next)
	st = m.State()
	if st.Preview || st.Plan.Source.Members != 21 {
		t.Fatalf("the stored snapshots did not replace the preview: preview %v, %d members", st.Preview, st.Plan.Source.Members)
	}
	press(t, m, "enter")
	if m.screen != screenDetail {
		t.Errorf("enter after the stored data: screen %v", m.screen)
	}
}

// A refresh shown before the stored snapshots are planned wins over them.
func TestRefreshShownBeforeStoredWins(t *testing.T) {
	last := fixtureData(t, 12)
	be := &fakeBackend{stored: fixtureData(t, 18), fresh: fixtureData(t, 30), preview: &last}
	m := New(Options{Backend: be, Clock: clock.NewManual(fixtureNow), NoRefresh: true})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	pm, _ := previewOf[previewMsg](initMsgs(t, m))
	_, loadStored := m.Update(pm)
	run(t, m, m.startRefresh())
	if m.State().Plan.Source.Members != 33 {
		t.Fatalf("refresh not shown: %d members", m.State().Plan.Source.Members)
	}
	run(t, m, loadStored)
	if got := m.State().Plan.Source.Members; got != 33 {
		t.Fatalf("the stored snapshots replaced the fresher refresh: %d members", got)
	}
}

// No stored plan yet (first start after an upgrade): the stored snapshots
// are planned as before.
func TestNoLastPlanFallsBackToStored(t *testing.T) {
	be := &fakeBackend{stored: fixtureData(t, 18)}
	m := New(Options{Backend: be, Clock: clock.NewManual(fixtureNow), NoRefresh: true})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	run(t, m, m.Init())
	if st := m.State(); !st.Loaded || st.Preview || st.Plan.Source.Members != 21 {
		t.Fatalf("state %+v", st)
	}
}
