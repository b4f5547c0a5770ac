package tui

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
)

// component is the contract of every screen (soft-serve's): it takes the
// messages meant for it, draws into the size it was given, and says which
// keys it takes. Only the root (Model) returns a tea.View. A screen owns
// its state, reads what all share from common (never the root or another
// screen), and tells what changed with messages (tell.go).
type component interface {
	Update(msg tea.Msg) tea.Cmd
	View() string
	// SetSize is the body's size: the screen less the title, status and
	// footer lines. Every screen gets it on each tea.WindowSizeMsg.
	SetSize(width, height int)
	// ShortHelp is the footer: the keys that apply now, those that matter
	// least left out when the width is short. FullHelp is this screen's
	// part of the help screen: the keys it adds, each listed once (the
	// moves shared by the lists are the table's).
	help.KeyMap
}

// capturer is a screen that, at times, takes every key — a dialog, a
// prompt, text being typed — so that q, ?, r, e and H are its to answer
// rather than the console's.
type capturer interface{ capturing() bool }

// prompter is a screen that, at times, asks or takes text in the status
// line (a search, a path, a question): prompt is that line ("": none).
type prompter interface{ prompt() string }

// screen names the component that has the focus.
type screen int

const (
	screenTable screen = iota
	screenDetail
	screenApprove
	screenApply
	screenHelp
	screenHistory
	screenExport
	screenLinks
	screenPick
	screenChanges
	screenCount
)

func (m *Model) focused() component { return m.screens[m.screen] }

// focus gives the keys to a screen.
func (m *Model) focus(s screen) { m.screen = s }

// overlay opens s over the screen that has the focus (help, export);
// back returns to it.
func (m *Model) overlay(s screen) { m.prev, m.screen = m.screen, s }

func (m *Model) back() { m.screen = m.prev }

// capturing reports whether the focused screen takes every key now.
func (m *Model) capturing() bool {
	c, ok := m.focused().(capturer)
	return ok && c.capturing()
}
