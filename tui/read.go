package tui

import (
	"slices"

	"charm.land/bubbles/v2/key"
)

// Small read methods over the console, beside State: what tests (and
// tooling that holds the model) ask of it without reading its fields.
// What they return is a copy, never the console's own.

// focusedScreen is the screen that has the keys.
func (m *Model) focusedScreen() screen { return m.screen }

// quitAsked reports whether the quit question is shown; quitDone whether
// the console has quit.
func (m *Model) quitAsked() bool { return m.quitAsk }
func (m *Model) quitDone() bool  { return m.quitting }

// shownRows are the table's rows in the current tab and search, in order.
func (m *Model) shownRows() []row {
	t := &m.table
	out := make([]row, len(t.view))
	for i, ri := range t.view {
		out[i] = t.rows[ri]
	}
	return out
}

// allRows are the table's rows of every tab, in the table's order.
func (m *Model) allRows() []row { return slices.Clone(m.table.rows) }

// cursorRow is the table's row under the cursor (nil: none); cursorAt
// its position among the rows shown.
func (m *Model) cursorRow() *row { return copyOf(m.table.current()) }
func (m *Model) cursorAt() int   { return m.table.cursor }

// selectedIDs is the set of items selected for approval (a copy).
func (m *Model) selectedIDs() map[string]bool { return m.table.selected() }

// shownData is the data shown (zero: none yet).
func (m *Model) shownData() Data {
	if m.data == nil {
		return Data{}
	}
	return *m.data
}

// size is the screen's size as the terminal last told it.
func (m *Model) size() (width, height int) { return m.width, m.height }

// footerKeys are the keys the focused screen offers in the footer.
func (m *Model) footerKeys() []key.Binding { return m.focused().ShortHelp() }

// keyMap is the keys the console answers: rebinding one here changes what
// every screen answers to and shows (the keys are declared once).
func (m *Model) keyMap() *KeyMap { return &m.c.keys }

// linkMembers are the identity view's members without an account, and
// linkAccounts its accounts without a member, as listed; linkCursor the
// member row under the cursor (nil: none).
func (m *Model) linkMembers() []missingRow   { return slices.Clone(m.links.missing) }
func (m *Model) linkAccounts() []unlinkedRow { return slices.Clone(m.links.unlinked) }
func (m *Model) linkCursor() *missingRow     { return copyOf(m.links.current()) }

// copyOf is a copy of *p (nil: nil), so that a reader cannot change the
// console's own.
func copyOf[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// detailScroll is the number of lines of the detail's row and how many of
// them a page shows.
func (m *Model) detailScroll() (lines, page int) {
	d := &m.detail
	n := len(d.lines(d.current()))
	return n, d.page(n)
}

// approvalScroll is the approval dialog's scrolled part: its lines, the
// room it has, and the first line shown.
func (m *Model) approvalScroll() (mid []dline, room, offset int) {
	d := &m.approve
	a := d.approval()
	return slices.Clone(d.middleOf()), d.middleHeight(&a), d.offset
}

// requestIDs are the newest background requests of each kind, and the
// generation of the data shown: a result carrying an older id is stale
// (tests hand stale results in by them).
type requestIDs struct {
	refresh, replan, suggest, apply, runItems, gen int
}

func (m *Model) requests() requestIDs {
	return requestIDs{refresh: m.refreshReq, replan: m.replanReq, suggest: m.links.sugReq, apply: m.applying.a.req,
		runItems: m.hist.itemsReq, gen: m.gen}
}
