package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/identity"
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

// waitingMsg (a screen → root): a key was refused while only the stored
// plan is shown; the root says why.
type waitingMsg struct{}

// dataMsg (root → screens) announces new data and its generation: work
// started on one generation (suggestions, a re-plan, a pick) is not
// applied to another.
type dataMsg struct {
	data *Data
	gen  int
}

// rowMsg (table → detail) is the row under the table's cursor (has: there
// is one) and which of its items are selected; load: its history and door
// events are read anew (it was opened, or moved to).
type rowMsg struct {
	row  row
	has  bool
	sel  map[string]bool
	load bool
}

// loadRowMsg (root → detail): read the row's history and events again
// (both sides were read again).
type loadRowMsg struct{}

// stepRowMsg (detail → table) moves the cursor by rows.
type stepRowMsg struct{ by int }

// toggleRowMsg (detail → table) selects or clears the cursor's row.
type toggleRowMsg struct{}

// approveMsg (table → approval) opens the dialog over the selected ids.
type approveMsg struct{ sel map[string]bool }

// showItemMsg (changes → table) opens the detail of the row holding the
// item.
type showItemMsg struct{ id string }

// openLinksMsg (table → identity view) opens it; follow: on that member
// row ("": from the top).
type openLinksMsg struct{ follow string }

// pickMsg (table, detail, identity view → picker) links one of cands by
// hand; from: the screen to go back to; what: the row, for messages.
type pickMsg struct {
	cands []pickCand
	from  screen
	what  string
}

// addLinkMsg (picker → identity view) stores a link made by hand; rowKey:
// the member row hidden meanwhile.
type addLinkMsg struct {
	link   identity.Link
	rowKey string
}

// linkStoredMsg (identity view → root): a link change was stored; a
// refresh under way may have planned without it.
type linkStoredMsg struct{}

// replannedMsg (identity view → root) is the plan made again after a link
// change, from the data of generation gen, by request req.
type replannedMsg struct {
	req  int
	gen  int
	data Data
}

// nextLinkOpMsg (identity view → itself, through the root): start the next
// queued link change, once the re-plan sent before it is shown.
type nextLinkOpMsg struct{}

// leaveMsg (root → identity view): the view was left for another (not
// covered, as by help or export): it stops following data changes.
type leaveMsg struct{}

// overlayMsg (a screen → root) opens a screen over the focused one;
// backMsg returns to it.
type (
	overlayMsg struct{ to screen }
	backMsg    struct{}
)

// exportRowsMsg (export → table) asks for the plan of the rows shown (all:
// every item); writeReportMsg (table → export) hands it over to write,
// with the number of rows it holds (the console's unit).
type (
	exportRowsMsg struct {
		path string
		all  bool
	}
	writeReportMsg struct {
		path string
		all  bool
		plan plan.Plan
		rows int
	}
)
