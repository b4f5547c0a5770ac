package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/clock"
)

// openFirst runs the model's Init commands once, without following what
// their messages ask next, and returns the message that carries Open's
// first answer (the stored plan alone); the rest of Open waits for the
// backend's gate.
func openFirst(t *testing.T, m *Model) streamMsg {
	t.Helper()
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
		case streamMsg:
			for _, x := range msg.msgs {
				if o, ok := x.(openedMsg); ok && !o.last {
					return msg
				}
			}
		}
	}
	t.Fatal("Init did not give the stored last plan first")
	return streamMsg{}
}

// The console draws the stored last plan first, marked as such; what needs
// the members and accounts waits; then the whole stored data replaces it.
func TestLastPlanDrawnFirstThenStoredReplacesIt(t *testing.T) {
	last := fixtureData(t, 12)
	last.Stored = true
	stored := fixtureData(t, 18)
	stored.Stored = true
	be := &fakeBackend{stored: stored, lastPlan: &last, openGate: make(chan struct{})}
	m := New(Options{Backend: be, Clock: clock.NewManual(fixtureNow), NoRefresh: true})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	_, next := m.Update(openFirst(t, m))
	st := m.State()
	if !st.Loaded || !st.Partial || st.Plan.Source.Members != 15 || st.Rows == 0 {
		t.Fatalf("the stored plan is not shown: %+v", st)
	}
	if frame := ansi.Strip(m.Render()); !strings.Contains(frame, "last plan, read 5 min ago, loading…") {
		t.Errorf("the stored plan is not marked:\n%s", frame)
	}
	for _, k := range []string{"enter", "L", "e"} {
		press(t, m, k)
		if m.focusedScreen() != screenTable || !strings.Contains(m.State().Status, "loading the stored data") {
			t.Errorf("%s on the stored plan alone: screen %v, status %q", k, m.focusedScreen(), m.State().Status)
		}
	}
	press(t, m, "space", "a")
	if m.focusedScreen() != screenTable {
		t.Errorf("approve opened on the stored plan alone")
	}
	close(be.openGate)
	run(t, m, next)
	st = m.State()
	if st.Partial || st.Plan.Source.Members != 21 {
		t.Fatalf("the stored data did not replace the plan: partial %v, %d members", st.Partial, st.Plan.Source.Members)
	}
	press(t, m, "enter")
	if m.focusedScreen() != screenDetail {
		t.Errorf("enter after the stored data: screen %v", m.focusedScreen())
	}
}

// A refresh shown before the stored data arrives wins over it.
func TestRefreshShownBeforeStoredWins(t *testing.T) {
	last := fixtureData(t, 12)
	be := &fakeBackend{stored: fixtureData(t, 18), fresh: fixtureData(t, 30), lastPlan: &last, openGate: make(chan struct{})}
	m := New(Options{Backend: be, Clock: clock.NewManual(fixtureNow), NoRefresh: true})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	_, rest := m.Update(openFirst(t, m))
	run(t, m, m.startRefresh())
	if m.State().Plan.Source.Members != 33 {
		t.Fatalf("refresh not shown: %d members", m.State().Plan.Source.Members)
	}
	close(be.openGate)
	run(t, m, rest)
	if got := m.State().Plan.Source.Members; got != 33 {
		t.Fatalf("the stored data replaced the fresher refresh: %d members", got)
	}
}

// No stored plan yet (first start after an upgrade): the stored data comes
// alone.
func TestNoLastPlanFallsBackToStored(t *testing.T) {
	be := &fakeBackend{stored: fixtureData(t, 18)}
	m := New(Options{Backend: be, Clock: clock.NewManual(fixtureNow), NoRefresh: true})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	run(t, m, m.Init())
	if st := m.State(); !st.Loaded || st.Partial || st.Plan.Source.Members != 21 {
		t.Fatalf("state %+v", st)
	}
}
