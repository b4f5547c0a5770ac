package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/doorsync/doorsync/internal/plan"
)

// tableScreen is the home screen: the rows of the plan under a tab bar,
// with the search typed in the status line. The rows, their filter and
// the cursor are the root's, which the other screens share (the detail
// moves the cursor, the export writes the rows shown); the table keeps how
// far it is scrolled and its size.
type tableScreen struct {
	m             *Model
	c             *common
	width, height int
	offset        int // the first row shown
}

// SetSize keeps the cursor's row in sight at the new size.
func (t *tableScreen) SetSize(w, h int) {
	t.width, t.height = w, h
	t.m.clampCursor()
}

// capturing: while a search is typed, every key is part of it.
func (t *tableScreen) capturing() bool { return t.m.finding }

// rowsHeight is the number of rows the table shows: its height less the
// tab bar and the column header, and the lines under the table
// (infoLines: the summary, and the compact layout's details).
func (t *tableScreen) rowsHeight() int { return max(1, t.height-2-1-t.layout().detailLines) }

// clampCursor keeps the cursor on a row shown (0 without rows) and the
// table scrolled to it.
func (m *Model) clampCursor() {
	if m.cursor >= len(m.view) {
		m.cursor = len(m.view) - 1
	}
	if m.cursor < 0 {
		m.cursor = 0
	}
	m.table.follow()
}

// follow scrolls the table as little as keeps the cursor's row in sight.
func (t *tableScreen) follow() {
	h := t.rowsHeight()
	cur := t.m.cursor
	if cur < t.offset {
		t.offset = cur
	}
	if cur >= t.offset+h {
		t.offset = cur - h + 1
	}
	t.offset = max(0, min(t.offset, len(t.m.view)-h))
}

// Update takes keys (the search's while one is typed) and, while typing,
// the search input's other messages.
func (t *tableScreen) Update(msg tea.Msg) tea.Cmd {
	m := t.m
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case !ok && m.finding:
		var c tea.Cmd
		m.search, c = m.search.Update(msg)
		return c
	case !ok:
		return nil
	case m.finding:
		return t.onSearchKey(k)
	}
	h := t.rowsHeight()
	switch {
	case key.Matches(k, m.c.keys.Up):
		m.cursor--
	case key.Matches(k, m.c.keys.Down):
		m.cursor++
	case key.Matches(k, m.c.keys.PageUp):
		m.cursor -= h
	case key.Matches(k, m.c.keys.PageDown):
		m.cursor += h
	case key.Matches(k, m.c.keys.Top):
		m.cursor = 0
	case key.Matches(k, m.c.keys.Bottom):
		m.cursor = len(m.view) - 1
	case key.Matches(k, m.c.keys.NextTab):
		t.setTab((m.tab + 1) % len(m.tabs))
	case key.Matches(k, m.c.keys.PrevTab):
		t.setTab((m.tab + len(m.tabs) - 1) % len(m.tabs))
	case key.Matches(k, m.c.keys.TabKeys):
		// The binding's keys in order: the first nine jump to the first
		// nine tabs, the tenth to "all" (see DefaultKeyMap).
		switch n := slices.Index(m.c.keys.TabKeys.Keys(), k.String()); {
		case n == 9:
			t.setTab(len(m.tabs) - 1)
		case n >= 0:
			t.setTab(n)
		}
	case key.Matches(k, m.c.keys.Search):
		m.finding = true
		return m.search.Focus()
	case key.Matches(k, m.c.keys.ClearSearch) && len(m.words) > 0:
		m.search.SetValue("")
		m.words = nil
		m.refilter()
	case key.Matches(k, m.c.keys.Sort):
		m.sortBy = (m.sortBy + 1) % sortKeys
		t.resort()
	case key.Matches(k, m.c.keys.Toggle):
		if r := m.current(); r != nil {
			m.toggleRow(r)
			m.cursor++
		}
	case key.Matches(k, m.c.keys.SelectAll):
		m.selectVisible()
	case key.Matches(k, m.c.keys.Clear):
		clear(m.sel)
	case key.Matches(k, m.c.keys.Approve, m.c.keys.Links, m.c.keys.Inspect, m.c.keys.Pick) && m.waitsForData():
		return nil
	case key.Matches(k, m.c.keys.Approve):
		if len(m.sel) == 0 {
			m.setStatus(false, "nothing selected: space selects a row, A every visible row that can be applied or accepted")
			return nil
		}
		m.approve.open()
	case key.Matches(k, m.c.keys.Links):
		return m.links.open()
	case key.Matches(k, m.c.keys.Pick):
		if r := m.current(); r != nil {
			return m.pick.open(m.candidates(r), screenTable, rowLabel(r))
		}
	case key.Matches(k, m.c.keys.Inspect):
		if m.current() != nil {
			m.focus(screenDetail)
			return m.detail.open()
		}
	}
	m.clampCursor()
	return nil
}

func (t *tableScreen) onSearchKey(k tea.KeyPressMsg) tea.Cmd {
	m := t.m
	switch {
	case key.Matches(k, m.c.keys.ClearSearch):
		m.finding = false
		m.search.Blur()
		m.search.SetValue("")
		m.words = nil
		m.refilter()
		return nil
	case key.Matches(k, m.c.keys.EndSearch):
		// enter (or an arrow) keeps the filter and gives the keys back to
		// the table; letters (j, k) are typed (see EndSearch).
		m.finding = false
		m.search.Blur()
		return nil
	}
	var c tea.Cmd
	m.search, c = m.search.Update(k)
	m.words = queryWords(m.search.Value())
	m.cursor, t.offset = 0, 0
	m.refilter()
	return c
}

func (t *tableScreen) setTab(n int) {
	m := t.m
	if n < 0 || n >= len(m.tabs) {
		return
	}
	m.tab, m.cursor, t.offset = n, 0, 0
	m.refilter()
}

func (t *tableScreen) resort() {
	m := t.m
	var curKey string
	if r := m.current(); r != nil {
		curKey = r.key
	}
	sortRows(m.rows, m.sortBy)
	m.refilter()
	for i, ri := range m.view {
		if m.rows[ri].key == curKey {
			m.cursor = i
		}
	}
}

// ShortHelp: the search's keys while one is typed; else the table's, with
// approve once something is selected and the identity view's key when
// there is something to link.
func (t *tableScreen) ShortHelp() []key.Binding {
	m, k := t.m, &t.c.keys
	if m.finding {
		return fitHints(always(k.EndSearch, k.ClearSearch), t.width)
	}
	h := []hint{{k.NextTab, 4}, {k.Search, 3}, {k.Toggle, 1}}
	if len(m.sel) > 0 {
		h = append(h, hint{k.Approve, 1})
	}
	h = append(h, hint{k.Inspect, 3})
	if r := m.current(); r != nil && r.kinds&(kindBit(plan.Ambiguous)|kindBit(plan.Missing)) != 0 {
		h = append(h, hint{k.Pick, 2})
	}
	if m.data != nil && m.data.Plan.Summary[plan.Missing]+m.data.Plan.Summary[plan.Unlinked] > 0 {
		h = append(h, hint{k.Links, 2})
	}
	return fitHints(withHelpQuit(k, append(h, hint{k.Refresh, 5})...), t.width)
}

// FullHelp: the moves (the lists, the detail and the help share them), the
// table's own keys, and the search's.
func (t *tableScreen) FullHelp() [][]key.Binding {
	k := &t.c.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.NextTab, k.PrevTab, k.TabKeys, k.Sort, k.Toggle, k.SelectAll, k.Clear, k.Approve, k.Inspect, k.Links, k.Pick},
		{k.Search, k.EndSearch, k.ClearSearch},
	}
}

// View is the tab bar, the column header, the rows from offset and the
// lines under them.
func (t *tableScreen) View() string {
	m := t.m
	if m.data == nil {
		return m.c.styles.Dim.Render("reading the stored snapshot and both sides…")
	}
	c := t.layout()
	out := []string{t.tabBar(), t.headerLine(c)}
	under := t.infoLines(c)
	rowsH := max(1, t.height-2-len(under))
	end := min(len(m.view), t.offset+rowsH)
	for i := t.offset; i < end; i++ {
		out = append(out, t.rowLine(&m.rows[m.view[i]], i == m.cursor, c))
	}
	if len(m.view) == 0 {
		out = append(out, m.c.styles.Dim.Render("  nothing here"))
	}
	for len(out) < rowsH+2 {
		out = append(out, "")
	}
	out = append(out, under...)
	return strings.Join(out, "\n")
}

// tabBar lists the tabs with their counts, scrolled so the active one shows.
func (t *tableScreen) tabBar() string {
	m := t.m
	s := m.c.styles
	items := make([]string, len(m.tabs))
	for i, tb := range m.tabs {
		label := fmt.Sprintf("%s %d", tb.label, m.counts[i])
		if i == m.tab {
			items[i] = s.TabActive.Render("[" + label + "]")
		} else {
			items[i] = s.Tab.Render(" " + label + " ")
		}
	}
	first := 0
	for first < m.tab && lipgloss.Width(strings.Join(items[first:m.tab+1], "")) > t.width-2 {
		first++
	}
	line := strings.Join(items[first:], "")
	if first > 0 {
		line = "‹" + line
	}
	return line
}

// infoLines are under the table: the cursor row's targets when they share
// a column (layout's detailLines of them), then, in both layouts, the
// position, the selection and the sort.
func (t *tableScreen) infoLines(c columns) []string {
	m := t.m
	s := m.c.styles
	var out []string
	if !c.perTarget {
		out = t.compactDetails(m.current(), c.detailLines)
		for i, l := range out {
			out[i] = s.Dim.Render(l)
		}
	}
	pos := fmt.Sprintf("%d/%d", min(m.cursor+1, len(m.view)), len(m.view))
	line := s.Dim.Render(fmt.Sprintf("%s · %d selected · sort: %s", pos, len(m.sel), m.sortBy))
	if m.identityRows > 0 {
		line += s.Dim.Render(" · ") + s.Warn.Render(fmt.Sprintf("I %s first", plural(m.identityRows, "identity change")))
	}
	return append(out, line)
}

// approvable reports whether the console may approve the item: a write,
// or an identity change on an account whatever its kind — approving one
// that writes nothing (in sync, unlinked, invalid, ambiguous) accepts it
// as shown (engine.acknowledged), which is how it is settled.
func approvable(it *plan.Item) bool {
	return it.Kind.Writes() || (it.Identity != "" && it.Account != "")
}

// toggleRow selects every approvable item of the row, or clears them when
// all are selected already.
func (m *Model) toggleRow(r *row) {
	all := true
	n := 0
	for _, ix := range r.items {
		if it := m.item(ix); approvable(it) {
			n++
			all = all && m.sel[it.ID]
		}
	}
	if n == 0 {
		m.setStatus(false, fmt.Sprintf("%s: nothing to apply or accept (%s)", rowLabel(r), kindLabel(r.kind)))
		return
	}
	for _, ix := range r.items {
		if it := m.item(ix); approvable(it) {
			if all {
				delete(m.sel, it.ID)
			} else {
				m.sel[it.ID] = true
			}
		}
	}
}

func (m *Model) selectVisible() {
	n := 0
	for _, ri := range m.view {
		for _, ix := range m.rows[ri].items {
			if it := m.item(ix); approvable(it) {
				m.sel[it.ID] = true
				n++
			}
		}
	}
	m.setStatus(true, plural(len(m.sel), "item")+" selected")
	if n == 0 {
		m.setStatus(false, "no visible row has anything to apply or accept")
	}
}

func (m *Model) rowSelected(r *row) (any, all bool) {
	all = true
	n := 0
	for _, ix := range r.items {
		if it := m.item(ix); approvable(it) {
			n++
			if m.sel[it.ID] {
				any = true
			} else {
				all = false
			}
		}
	}
	return any, all && n > 0
}

func rowLabel(r *row) string {
	if r.email != "" {
		return string(r.email)
	}
	if r.name != "" {
		return r.name
	}
	return r.key
}

// columns is the table's layout for a width.
type columns struct {
	email, name int
	perTarget   bool
	targets     int
	// detailLines is how many lines under the table list the cursor row's
	// targets in the compact layout (0 with a column per target).
	detailLines int
}

const (
	srcW  = 11
	dateW = 10
	diffW = 6
)

func (t *tableScreen) layout() columns {
	m := t.m
	nt := 0
	if m.data != nil {
		nt = len(m.data.Plan.Targets)
	}
	fixed := 2 + 4 + 1 + srcW + diffW // gutter, badge, gaps, Cardskipper end, difference
	c := columns{targets: nt, perTarget: true}
	free := t.width - fixed - nt*(dateW+1) - 2
	if free < 30 {
		c.perTarget = false
		free = t.width - fixed - (dateW + 3) - 2
		c.detailLines = len(t.packDetails())
	}
	free = max(free, 10)
	c.email = free * 11 / 20
	c.name = free - c.email
	return c
}

func (t *tableScreen) headerLine(c columns) string {
	m := t.m
	var b strings.Builder
	b.WriteString("  " + fit("K", 4) + fit("e-mail", c.email) + " " + fit("name", c.name) + " " + fit("cardskipper", srcW))
	if c.perTarget {
		for _, ts := range m.data.Plan.Targets {
			b.WriteString(" " + fit(ts.Name, dateW))
		}
	} else {
		b.WriteString(" " + fit("terminals", dateW+2))
	}
	b.WriteString(fitRight("days", diffW))
	return m.c.styles.Header.Render(fit(b.String(), t.width))
}

func (t *tableScreen) rowLine(r *row, cur bool, c columns) string {
	m := t.m
	gutter := " "
	if cur {
		gutter = "›"
	}
	switch any, all := m.rowSelected(r); {
	case all:
		gutter += "●"
	case any:
		gutter += "◐"
	case r.identity:
		gutter += m.c.styles.Warn.Render("I")
	case r.autoHeld:
		gutter += "H"
	default:
		gutter += " "
	}
	var b strings.Builder
	b.WriteString(" ")
	b.WriteString(fit(rowLabel(r), c.email) + " " + fit(r.name, c.name) + " " + fit(dateText(r.src.String(), r.src.IsZero()), srcW))
	if c.perTarget {
		for _, ix := range r.cells {
			b.WriteString(" " + fit(t.cellText(ix), dateW))
		}
	} else {
		b.WriteString(" " + fit(t.compactCell(r), dateW+2))
	}
	d := ""
	if r.diff != 0 {
		d = fmt.Sprintf("%+d", r.diff)
	}
	if r.drift {
		d = "~" + d
	}
	b.WriteString(fitRight(d, diffW))
	// The badge keeps its colour; the cursor's reverse video covers the rest.
	rest := fit(b.String(), max(0, t.width-5))
	if cur {
		rest = m.c.styles.Cursor.Render(rest)
	}
	if any, _ := m.rowSelected(r); any {
		gutter = m.c.styles.Selected.Render(gutter)
	}
	return gutter + m.c.styles.Badge(r.kind) + rest
}

func dateText(s string, zero bool) string {
	if zero {
		return "—"
	}
	return s
}

// cellText is one target's current end for a row.
func (t *tableScreen) cellText(ix int32) string {
	m := t.m
	if ix < 0 {
		return "—"
	}
	it := m.item(ix)
	switch {
	case it.Permanent:
		return "permanent"
	case it.Kind == plan.Missing:
		return "missing"
	case it.CurrentEnd.IsZero():
		return "—"
	}
	return it.CurrentEnd.Format("2006-01-02")
}

// compactCell summarises every target in one column: the end of the
// headline item's target and how many targets differ.
func (t *tableScreen) compactCell(r *row) string {
	m := t.m
	head := int32(-1)
	for _, ix := range r.cells {
		if ix >= 0 && (head < 0 || kindRank(m.item(ix).Kind) < kindRank(m.item(head).Kind)) {
			head = ix
		}
	}
	if head < 0 {
		return "—"
	}
	s := t.cellText(head)
	n := 0
	for _, ix := range r.cells {
		if ix >= 0 && m.item(ix).Kind != plan.InSync {
			n++
		}
	}
	if n > 1 {
		s += fmt.Sprintf("×%d", n)
	}
	return s
}

// detailSep separates targets under the compact table: two spaces, so
// that four targets (the demo's) fit 80 columns on one line.
const detailSep = "  "

// packDetails groups the targets (indices) into the lines under the
// compact table that fit the width. Each target is counted at its widest
// ("name 2025-11-04 E"), so the grouping, and the table's height, does not
// change as the cursor moves.
func (t *tableScreen) packDetails() [][]int {
	m := t.m
	if m.data == nil {
		return nil
	}
	var lines [][]int
	used := 0
	for ti, ts := range m.data.Plan.Targets {
		n, _ := width(ts.Name)
		n += 1 + dateW + 2
		if len(lines) > 0 && used+len(detailSep)+n <= t.width {
			lines[len(lines)-1] = append(lines[len(lines)-1], ti)
			used += len(detailSep) + n
			continue
		}
		lines = append(lines, []int{ti})
		used = n
	}
	return lines
}

// compactDetails lists every target's end and kind for the cursor row (r
// may be nil: blank lines), in n lines grouped by packDetails.
func (t *tableScreen) compactDetails(r *row, n int) []string {
	m := t.m
	out := make([]string, n)
	if r == nil {
		return out
	}
	for li, tis := range t.packDetails() {
		if li >= n {
			break
		}
		parts := make([]string, 0, len(tis))
		for _, ti := range tis {
			ix := r.cells[ti]
			k := ""
			if ix >= 0 {
				k = " " + kindLetter(m.item(ix).Kind)
			}
			parts = append(parts, m.data.Plan.Targets[ti].Name+" "+t.cellText(ix)+k)
		}
		out[li] = strings.Join(parts, detailSep)
	}
	return out
}
