package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/plan"
)

// tableHeight is the number of rows the table shows: the screen less the
// title, status, tab bar, column header and footer (5), and the lines under
// the table (infoLines: the summary, and the compact layout's details).
func (m *Model) tableHeight() int { return max(1, m.height-5-1-m.layout().detailLines) }

func (m *Model) clampCursor() {
	if m.cursor >= len(m.view) {
		m.cursor = len(m.view) - 1
	}
	if m.cursor < 0 {
		m.cursor = 0
	}
	h := m.tableHeight()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	m.offset = max(0, min(m.offset, len(m.view)-h))
}

func (m *Model) onTableKey(k tea.KeyPressMsg) tea.Cmd {
	h := m.tableHeight()
	switch {
	case key.Matches(k, m.keys.Up):
		m.cursor--
	case key.Matches(k, m.keys.Down):
		m.cursor++
	case key.Matches(k, m.keys.PageUp):
		m.cursor -= h
	case key.Matches(k, m.keys.PageDown):
		m.cursor += h
	case key.Matches(k, m.keys.Top):
		m.cursor = 0
	case key.Matches(k, m.keys.Bottom):
		m.cursor = len(m.view) - 1
	case key.Matches(k, m.keys.NextTab):
		m.setTab((m.tab + 1) % len(m.tabs))
	case key.Matches(k, m.keys.PrevTab):
		m.setTab((m.tab + len(m.tabs) - 1) % len(m.tabs))
	case key.Matches(k, m.keys.TabKeys):
		// The binding's keys in order: the first nine jump to the first
		// nine tabs, the tenth to "all" (see DefaultKeyMap).
		switch n := slices.Index(m.keys.TabKeys.Keys(), k.String()); {
		case n == 9:
			m.setTab(len(m.tabs) - 1)
		case n >= 0:
			m.setTab(n)
		}
	case key.Matches(k, m.keys.Search):
		m.finding = true
		return m.search.Focus()
	case key.Matches(k, m.keys.ClearSearch) && len(m.words) > 0:
		m.search.SetValue("")
		m.words = nil
		m.refilter()
	case key.Matches(k, m.keys.Sort):
		m.sortBy = (m.sortBy + 1) % sortKeys
		m.resort()
	case key.Matches(k, m.keys.Toggle):
		if r := m.current(); r != nil {
			m.toggleRow(r)
			m.cursor++
		}
	case key.Matches(k, m.keys.SelectAll):
		m.selectVisible()
	case key.Matches(k, m.keys.Clear):
		clear(m.sel)
	case key.Matches(k, m.keys.Approve):
		if len(m.sel) == 0 {
			m.setStatus(false, "nothing selected: space selects a row, A every visible row that can be applied")
			return nil
		}
		m.screen = screenApprove
	case key.Matches(k, m.keys.Links):
		return m.links.open(m)
	case key.Matches(k, m.keys.Inspect):
		if m.current() != nil {
			m.screen = screenDetail
			return m.detail.open(m)
		}
	}
	m.clampCursor()
	return nil
}

func (m *Model) setTab(t int) {
	if t < 0 || t >= len(m.tabs) {
		return
	}
	m.tab, m.cursor, m.offset = t, 0, 0
	m.refilter()
}

func (m *Model) resort() {
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

// writable reports whether the console may approve the item.
func writable(it *plan.Item) bool { return it.Kind.Writes() }

// toggleRow selects every write item of the row, or clears them when all
// are selected already.
func (m *Model) toggleRow(r *row) {
	all := true
	n := 0
	for _, ix := range r.items {
		if it := m.item(ix); writable(it) {
			n++
			all = all && m.sel[it.ID]
		}
	}
	if n == 0 {
		m.setStatus(false, fmt.Sprintf("%s: nothing to apply (%s)", rowLabel(r), kindLabel(r.kind)))
		return
	}
	for _, ix := range r.items {
		if it := m.item(ix); writable(it) {
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
			if it := m.item(ix); writable(it) {
				m.sel[it.ID] = true
				n++
			}
		}
	}
	m.setStatus(true, fmt.Sprintf("%d items selected", len(m.sel)))
	if n == 0 {
		m.setStatus(false, "no visible row has anything to apply")
	}
}

func (m *Model) rowSelected(r *row) (any, all bool) {
	all = true
	n := 0
	for _, ix := range r.items {
		if it := m.item(ix); writable(it) {
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

func (m *Model) layout() columns {
	nt := 0
	if m.data != nil {
		nt = len(m.data.Plan.Targets)
	}
	fixed := 2 + 4 + 1 + srcW + diffW // gutter, badge, gaps, Cardskipper end, difference
	c := columns{targets: nt, perTarget: true}
	free := m.width - fixed - nt*(dateW+1) - 2
	if free < 30 {
		c.perTarget = false
		free = m.width - fixed - (dateW + 3) - 2
		c.detailLines = len(m.packDetails())
	}
	free = max(free, 10)
	c.email = free * 11 / 20
	c.name = free - c.email
	return c
}

func (m *Model) headerLine(c columns) string {
	var b strings.Builder
	b.WriteString("  " + fit("K", 4) + fit("e-mail", c.email) + " " + fit("name", c.name) + " " + fit("cardskipper", srcW))
	if c.perTarget {
		for _, t := range m.data.Plan.Targets {
			b.WriteString(" " + fit(t.Name, dateW))
		}
	} else {
		b.WriteString(" " + fit("terminals", dateW+2))
	}
	b.WriteString(fitRight("days", diffW))
	return m.styles.Header.Render(fit(b.String(), m.width))
}

func (m *Model) rowLine(r *row, cur bool, c columns) string {
	gutter := " "
	if cur {
		gutter = "›"
	}
	switch any, all := m.rowSelected(r); {
	case all:
		gutter += "●"
	case any:
		gutter += "◐"
	default:
		gutter += " "
	}
	var b strings.Builder
	b.WriteString(" ")
	b.WriteString(fit(rowLabel(r), c.email) + " " + fit(r.name, c.name) + " " + fit(dateText(r.src.String(), r.src.IsZero()), srcW))
	if c.perTarget {
		for _, ix := range r.cells {
			b.WriteString(" " + fit(m.cellText(ix), dateW))
		}
	} else {
		b.WriteString(" " + fit(m.compactCell(r), dateW+2))
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
	rest := fit(b.String(), max(0, m.width-5))
	if cur {
		rest = m.styles.Cursor.Render(rest)
	}
	if any, _ := m.rowSelected(r); any {
		gutter = m.styles.Selected.Render(gutter)
	}
	return gutter + m.styles.Badge(r.kind) + rest
}

func dateText(s string, zero bool) string {
	if zero {
		return "—"
	}
	return s
}

// cellText is one target's current end for a row.
func (m *Model) cellText(ix int32) string {
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
func (m *Model) compactCell(r *row) string {
	head := int32(-1)
	for _, ix := range r.cells {
		if ix >= 0 && (head < 0 || kindRank(m.item(ix).Kind) < kindRank(m.item(head).Kind)) {
			head = ix
		}
	}
	if head < 0 {
		return "—"
	}
	s := m.cellText(head)
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
func (m *Model) packDetails() [][]int {
	if m.data == nil {
		return nil
	}
	var lines [][]int
	used := 0
	for ti, t := range m.data.Plan.Targets {
		n, _ := width(t.Name)
		n += 1 + dateW + 2
		if len(lines) > 0 && used+len(detailSep)+n <= m.width {
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
func (m *Model) compactDetails(r *row, n int) []string {
	out := make([]string, n)
	if r == nil {
		return out
	}
	for li, tis := range m.packDetails() {
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
			parts = append(parts, m.data.Plan.Targets[ti].Name+" "+m.cellText(ix)+k)
		}
		out[li] = strings.Join(parts, detailSep)
	}
	return out
}
