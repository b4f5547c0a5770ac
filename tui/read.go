package tui

// Small read methods over the console, beside State: what tests (and
// tooling that holds the model) ask of it without reading its fields.

// focusedScreen is the screen that has the keys.
func (m *Model) focusedScreen() screen { return m.screen }

// quitAsked reports whether the quit question is shown; quitDone whether
// the console has quit.
func (m *Model) quitAsked() bool { return m.quitAsk }
func (m *Model) quitDone() bool  { return m.quitting }

// shownRows are the table's rows in the current tab and search, in order.
func (m *Model) shownRows() []*row {
	t := &m.table
	out := make([]*row, len(t.view))
	for i, ri := range t.view {
		out[i] = &t.rows[ri]
	}
	return out
}

// cursorRow is the table's row under the cursor (nil: none); cursorAt
// its position among the rows shown.
func (m *Model) cursorRow() *row { return m.table.current() }
func (m *Model) cursorAt() int   { return m.table.cursor }

// selectedIDs is the set of items selected for approval (a copy).
func (m *Model) selectedIDs() map[string]bool { return m.table.selected() }
