package tui

import (
	"maps"

	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/plan"
)

// What the table is told and tells: new data, the detail's moves and
// toggles, the rows an export writes, the selection an apply leaves.

// onMsg takes the messages meant for the table that are not keys.
func (t *tableScreen) onMsg(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dataMsg:
		t.setData(msg.data)
	case stepRowMsg:
		t.cursor += msg.by
		t.clampCursor()
		t.tellRow(true)
	case toggleRowMsg:
		if r := t.current(); r != nil {
			t.toggleRow(r)
		}
		t.tellRow(false)
	case applyEndMsg:
		// Failed, skipped and cancelled items stay selected to approve
		// again; applied ones leave the selection.
		clear(t.sel)
		for _, id := range msg.keep {
			t.sel[id] = true
		}
		t.recountSelected()
	case exportRowsMsg:
		t.c.send(writeReportMsg{path: msg.path, all: msg.all, plan: t.shownPlan(msg.all), rows: pick(msg.all, len(t.rows), len(t.view))})
	case showItemMsg:
		t.showItem(msg.id)
	}
	return nil
}

// showItem puts the cursor on the row holding item id and opens its
// detail; a row the tab or the search hides is shown under "all", the
// search cleared.
func (t *tableScreen) showItem(id string) {
	at := func() int {
		for i, ri := range t.view {
			for _, ix := range t.rows[ri].items {
				if t.item(ix).ID == id {
					return i
				}
			}
		}
		return -1
	}
	i := at()
	if i < 0 {
		t.search.SetValue("")
		t.words = nil
		t.setTab(len(t.tabs) - 1)
		i = at()
	}
	if i < 0 {
		t.c.status(false, "that item is no longer in the plan shown")
		return
	}
	t.cursor = i
	t.clampCursor()
	t.c.send(focusMsg{screenDetail})
	t.tellRow(true)
}

// setData shows new data, keeping the cursor on the same row and only the
// selected items that still exist and can still be approved (approvable).
func (t *tableScreen) setData(d *Data) {
	var curKey string
	if r := t.current(); r != nil {
		curKey = r.key
	}
	t.data = d
	t.rows = buildRows(&d.Plan)
	markAutoHeld(t.rows, &d.Plan, d.AutoHeld)
	sortRows(t.rows, t.sortBy)
	t.tabRows = tabCounts(t.rows, t.tabs)
	t.identityRows = 0
	for i := range t.rows {
		if t.rows[i].identity {
			t.identityRows++
		}
	}
	keep := map[string]bool{}
	for _, it := range d.Plan.Items {
		if t.sel[it.ID] && approvable(&it) {
			keep[it.ID] = true
		}
	}
	t.sel = keep
	t.recountSelected()
	t.refilter()
	if curKey != "" {
		for i, ri := range t.view {
			if t.rows[ri].key == curKey {
				t.cursor = i
				break
			}
		}
	}
	t.clampCursor()
	t.tellRow(false)
}

// tellRow tells the detail the row under the cursor and which of its
// items are selected; load: it reads the row's history and events anew.
func (t *tableScreen) tellRow(load bool) {
	msg := rowMsg{load: load, sel: map[string]bool{}}
	if r := t.current(); r != nil {
		msg.row, msg.has = *r, true
		for _, ix := range r.items {
			if id := t.item(ix).ID; t.sel[id] {
				msg.sel[id] = true
			}
		}
	}
	t.c.send(msg)
}

// refilter recomputes the visible rows after a tab, search or data
// change, and the tab bar's counts: while a search narrows the rows, each
// tab counts its rows that match it (a search finding nothing in one tab
// shows where it does find).
func (t *tableScreen) refilter() {
	if len(t.words) == 0 {
		t.view = filterRows(t.rows, t.tabs[t.tab], nil, t.view)
		t.counts = append(t.counts[:0], t.tabRows...)
	} else {
		t.view, t.counts = filterCountRows(t.rows, t.tabs, t.tab, t.words, t.view, t.counts)
	}
	t.clampCursor()
}

func (t *tableScreen) current() *row {
	if t.cursor < 0 || t.cursor >= len(t.view) {
		return nil
	}
	return &t.rows[t.view[t.cursor]]
}

func (t *tableScreen) item(ix int32) *plan.Item { return &t.data.Plan.Items[ix] }

// missingKey is the identity view's row for the cursor's member when it
// has no account somewhere ("": none): the view opens on it.
func (t *tableScreen) missingKey() string {
	if r := t.current(); r != nil {
		for _, ix := range r.items {
			if it := t.item(ix); it.Kind == plan.Missing {
				return missingKey(it.Email, it.MemberID, it.Target)
			}
		}
	}
	return ""
}

// shownPlan is the plan with the items of the rows shown (all: every item).
func (t *tableScreen) shownPlan(all bool) plan.Plan {
	p := t.data.Plan
	if !all {
		keep := make([]plan.Item, 0, len(t.view))
		for _, ri := range t.view {
			for _, ix := range t.rows[ri].items {
				keep = append(keep, p.Items[ix])
			}
		}
		p.Items = keep
	}
	return p
}

// Read by the root (the frame, State) and the tests.

// shown is the number of rows in the current tab and search.
func (t *tableScreen) shown() int { return len(t.view) }

// selectedCount is the number of items selected for approval.
func (t *tableScreen) selectedCount() int { return len(t.sel) }

// selected is a copy of the selection.
func (t *tableScreen) selected() map[string]bool { return maps.Clone(t.sel) }

// isSelected reports whether the item is selected for approval.
func (t *tableScreen) isSelected(id string) bool { return t.sel[id] }

// prompt is the search being typed, for the status line ("": none).
func (t *tableScreen) prompt() string {
	if t.finding {
		return t.search.View()
	}
	return ""
}

// searchNote says a search narrows the rows ("": none).
func (t *tableScreen) searchNote() string {
	if len(t.words) > 0 {
		return t.c.styles.Dim.Render("search: " + t.search.Value() + "  (esc clears)")
	}
	return ""
}
