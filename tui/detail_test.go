package tui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// collect runs a command and every command it batches, returning their
// messages without feeding them to the model: the test decides when (and
// whether) each answer arrives.
func collect(t *testing.T, c tea.Cmd) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	queue := []tea.Cmd{c}
	for len(queue) > 0 {
		c, queue = queue[0], queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			out = append(out, msg)
		}
	}
	return out
}

func screenText(m *Model) string { return ansi.Strip(m.Render()) }

func eventsBackend(t *testing.T) *fakeBackend {
	return &fakeBackend{stored: fixtureData(t, 40), events: goldenEvents()}
}

// Opening the detail asks for the row's door events in a command, never in
// Update: the screen says "loading" until the answer comes.
func TestDetailLoadsDoorEventsInTheBackground(t *testing.T) {
	be := eventsBackend(t)
	m := newTestModel(t, be, 160, 48)
	_, cmd := m.Update(keyMsg("enter"))
	if n := len(be.eventsAsked); n != 0 {
		t.Fatalf("Update itself asked the backend for events (%d calls)", n)
	}
	if s := screenText(m); !strings.Contains(s, "door events: loading…") {
		t.Fatalf("while loading:\n%s", s)
	}
	run(t, m, cmd)
	want := []AccountRef{{Target: "entrance", Account: "1001"}, {Target: "gym", Account: "1001"}}
	if len(be.eventsAsked) != 1 || !slices.Equal(be.eventsAsked[0], want) {
		t.Fatalf("asked for %v, want %v", be.eventsAsked, want)
	}
	s := screenText(m)
	for _, line := range []string{
		"door events since 2025-10-02 on entrance",
		"  2025-11-01 08:59  entrance  denied   face not matched  door 1",
		"  2025-11-01 09:00  entrance  granted  face verified     door 1",
		"  terminal gym: events of 1001 page 2: transient (timeout): no answer within 20s",
	} {
		if !strings.Contains(s, line) {
			t.Errorf("screen lacks %q:\n%s", line, s)
		}
	}
}

// Moving to the next row cancels the read of the previous one, and its
// late answer is dropped: the screen shows the row under the cursor.
func TestDetailDropsEventsOfAnotherRow(t *testing.T) {
	be := eventsBackend(t)
	m := newTestModel(t, be, 160, 48)
	_, first := m.Update(keyMsg("enter"))
	_, second := m.Update(keyMsg("tab"))
	for _, msg := range collect(t, second) {
		m.Update(msg)
	}
	shown := screenText(m)
	late := collect(t, first)
	if len(be.eventsEnded) != 2 || be.eventsEnded[1] == nil || !errors.Is(be.eventsEnded[1], context.Canceled) {
		t.Fatalf("the first row's read was not cancelled: %v", be.eventsEnded)
	}
	for _, msg := range late {
		m.Update(msg)
	}
	if s := screenText(m); s != shown {
		t.Fatalf("a late answer for the previous row changed the screen:\n%s\nwas\n%s", s, shown)
	}
	if strings.Contains(shown, "context canceled") {
		t.Fatalf("the cancelled read's error is shown:\n%s", shown)
	}
}

func TestDetailEventStates(t *testing.T) {
	cases := []struct {
		name string
		set  func(be *fakeBackend)
		want string
	}{
		{"backend error", func(be *fakeBackend) { be.eventsErr = errors.New("events: configuration has no targets") },
			"door events: events: configuration has no targets"},
		{"nothing in the window", func(be *fakeBackend) {
			be.events = EventsResult{Since: fixtureNow.AddDate(0, 0, -30), Read: []string{"entrance", "gym"}}
		},
			"door events: none since 2025-10-02 on entrance, gym"},
		{"no target keeps a log", func(be *fakeBackend) { be.events = EventsResult{} },
			"door events: none of these targets keeps an event log"},
		{"every target failed", func(be *fakeBackend) {
			be.events = EventsResult{Failed: []string{"terminal entrance: login rejected", "terminal gym: not contacted"}}
		}, "door events: none\n  terminal entrance: login rejected\n  terminal gym: not contacted"},
		{"events left out by a terminal", func(be *fakeBackend) {
			be.events = EventsResult{Since: fixtureNow.AddDate(0, 0, -30), Read: []string{"entrance"},
				Notes: []string{"entrance: 3 events of 1042 with a reset clock (1970) left out"}}
		}, "door events: none since 2025-10-02 on entrance\n  entrance: 3 events of 1042 with a reset clock (1970) left out"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			be := eventsBackend(t)
			c.set(be)
			m := newTestModel(t, be, 160, 48)
			press(t, m, "enter")
			if s := screenText(m); !strings.Contains(s, c.want) {
				t.Fatalf("screen lacks %q:\n%s", c.want, s)
			}
		})
	}
}

// A row without any account (a member missing everywhere) asks nothing.
func TestDetailWithoutAccountsAsksNothing(t *testing.T) {
	be := eventsBackend(t)
	m := newTestModel(t, be, 160, 48)
	press(t, m, "0") // every row
	found := false
	for i, ri := range m.table.view {
		if len(accountRefs(m.data, &m.table.rows[ri])) == 0 {
			m.table.cursor, found = i, true
			break
		}
	}
	if !found {
		t.Fatal("the fixture has no row without an account")
	}
	press(t, m, "enter")
	if len(be.eventsAsked) != 0 {
		t.Fatalf("asked for events of %v", be.eventsAsked)
	}
	if s := screenText(m); !strings.Contains(s, "door events: no account on a target") {
		t.Fatalf("screen:\n%s", s)
	}
}

// Leaving the detail ends a read still waiting on a terminal.
func TestDetailLeavingCancelsTheRead(t *testing.T) {
	be := eventsBackend(t)
	be.eventsGate = make(chan struct{}) // never opened: only cancellation ends the call
	m := newTestModel(t, be, 160, 48)
	_, cmd := m.Update(keyMsg("enter"))
	done := make(chan []tea.Msg)
	go func() { done <- collect(t, cmd) }()
	press(t, m, "esc")
	msgs := <-done
	if len(be.eventsEnded) != 1 || !errors.Is(be.eventsEnded[0], context.Canceled) {
		t.Fatalf("the read ended with %v, want cancelled", be.eventsEnded)
	}
	for _, msg := range msgs {
		m.Update(msg)
	}
	if m.focusedScreen() != screenTable || m.detail.evLoading || m.detail.evErr != nil {
		t.Fatalf("after esc: screen %s, loading %v, error %v", m.focusedScreen(), m.detail.evLoading, m.detail.evErr)
	}
	// Opening the detail again reads again.
	be.eventsGate = nil
	press(t, m, "enter")
	if len(be.eventsAsked) != 2 || !strings.Contains(screenText(m), "face not matched") {
		t.Fatalf("reopened: %d reads\n%s", len(be.eventsAsked), screenText(m))
	}
}

// Text a target sent (a platform's headline, an error) cannot drive the
// operator's terminal or break the screen into extra lines.
func TestDetailEventTextIsPrintable(t *testing.T) {
	be := eventsBackend(t)
	be.events.Entries[0].Reason = "Доступ\x1b[2J запрещен\nline two"
	be.events.Failed = []string{"neyross pacs: \x1b]0;owned\x07reply not understood"}
	m := newTestModel(t, be, 160, 48)
	press(t, m, "enter")
	raw := m.Render()
	for _, bad := range []string{"\x1b[2J", "\x1b]0;", "\x07"} {
		if strings.Contains(raw, bad) {
			t.Fatalf("screen carries %q from a target", bad)
		}
	}
	checkFrame(t, ansi.Strip(raw), 160, 48)
	if s := screenText(m); !strings.Contains(s, "Доступ [2J запрещен li…  door 1") || !strings.Contains(s, "neyross pacs:  ]0;owned reply not understood") {
		t.Fatalf("screen:\n%s", s)
	}
}
