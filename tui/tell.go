package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/plan"
)

// Screens never reach into each other or into the root: each tells what
// changed with a message (common.send), and the root routes it before the
// Update that caused it returns, in the order sent. A frame is therefore
// never drawn with one screen told and another not yet (as a tea.Cmd's
// message would be: it runs on another goroutine and comes back later).

// send hands a message to the root (see deliver).
func (m *Model) send(msg tea.Msg) { m.inbox = append(m.inbox, msg) }

// deliver routes what the screens sent while handling a message, and what
// those sent in turn, and batches every command they returned.
func (m *Model) deliver(first tea.Cmd) tea.Cmd {
	if len(m.inbox) == 0 {
		return first
	}
	cmds := []tea.Cmd{first}
	for len(m.inbox) > 0 {
		msg := m.inbox[0]
		m.inbox = m.inbox[1:]
		cmds = append(cmds, m.route(msg))
	}
	return tea.Batch(cmds...)
}

// statusMsg is a screen's notice for the status line ("" clears it).
type statusMsg struct {
	ok   bool
	text string
}

// focusMsg gives the keys to a screen.
type focusMsg struct{ to screen }

// applyMsg (approval → apply) applies the selected items ids of the plan
// shown.
type applyMsg struct {
	ids  []string
	plan plan.Plan
}

// stopApplyMsg (root → apply) stops the apply after the requests in
// flight; quit: the console quits once it has stopped.
type stopApplyMsg struct{ quit bool }

// applyEndMsg (apply → root, table, detail) is the end of an apply:
// the items that stay selected (failed, cancelled), each item's last
// status, and whether the console quits now (asked while it ran).
type applyEndMsg struct {
	keep   []string
	status map[string]string
	quit   bool
}

// askQuitMsg (apply → root): q while applying asks before quitting.
type askQuitMsg struct{}
