package tui

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/doorsync/doorsync/internal/plan"
)

// tableScreen is the home screen: the rows of the plan under a tab bar,
// with the search typed in the status line. It owns the rows, their
// filter (tab, search words, sort), the cursor and the selection; other
// screens ask it by message (table_state.go): the detail moves the cursor
// and toggles its row, the export asks for the rows shown, an apply's end
// says which items stay selected.
type tableScreen struct {
	c             *common
	width, height int
	offset        int // the first row shown

	data *Data // the data shown (nil: none yet)
	rows []row
	view []int32 // indices into rows: the current tab and search
	tabs []tab
	tab  int
	// counts are the rows per tab, for the tab bar: those matching the
	// search while one narrows the rows, else tabRows.
	counts  []int
	tabRows []int // the rows per tab, whatever the search
	sortBy  sortKey
	words   []string
	search  textinput.Model
	finding bool
	cursor  int
	sel     map[string]bool // approved item ids
	// selRows counts the rows with a selected item (marked ● or ◐): the
	// selection is told in rows, as the tabs and the position are.
	selRows int
	// identityRows counts the rows with an identity change (shown first).
	identityRows int
}

func newTableScreen(c *common) tableScreen {
	t := tableScreen{c: c, tabs: tabs(), sel: map[string]bool{}, search: newInput("/")}
	t.search.Placeholder = "e-mail or name"
	t.counts = make([]int, len(t.tabs))
	t.tabRows = make([]int, len(t.tabs))
	return t
}

// SetSize keeps the cursor's row in sight at the new size.
func (t *tableScreen) SetSize(w, h int) {
	t.width, t.height = w, h
	sizeInput(&t.search, w)
	t.clampCursor()
}

// capturing: while a search is typed, every key is part of it.
func (t *tableScreen) capturing() bool { return t.finding }

// rowsHeight is the number of rows the table shows: its height less the
// tab bar and the column header, and the lines under the table
// (infoLines: the summary, and the compact layout's details).
func (t *tableScreen) rowsHeight() int {
	return max(1, t.height-2-1-t.layout().detailLines-len(t.keysLines()))
}

// clampCursor keeps the cursor on a row shown (0 without rows) and the
// table scrolled to it.
func (t *tableScreen) clampCursor() {
	if t.cursor >= len(t.view) {
		t.cursor = len(t.view) - 1
	}
	if t.cursor < 0 {
		t.cursor = 0
	}
	t.follow()
}

// follow scrolls the table as little as keeps the cursor's row in sight.
func (t *tableScreen) follow() {
	h := t.rowsHeight()
	cur := t.cursor
	if cur < t.offset {
		t.offset = cur
	}
	if cur >= t.offset+h {
		t.offset = cur - h + 1
	}
	t.offset = max(0, min(t.offset, len(t.view)-h))
}

// Update takes keys (the search's while one is typed) and, while typing,
// the search input's other messages.
func (t *tableScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg.(type) {
	case dataMsg, stepRowMsg, toggleRowMsg, applyEndMsg, exportRowsMsg, showItemMsg:
		return t.onMsg(msg)
	}
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case !ok && t.finding:
		var c tea.Cmd
		t.search, c = t.search.Update(msg)
		return c
	case !ok:
		return nil
	case t.finding:
		return t.onSearchKey(k)
	}
	h := t.rowsHeight()
	switch {
	case key.Matches(k, t.c.keys.Up):
		t.cursor--
	case key.Matches(k, t.c.keys.Down):
		t.cursor++
	case key.Matches(k, t.c.keys.PageUp):
		t.cursor -= h
	case key.Matches(k, t.c.keys.PageDown):
		t.cursor += h
	case key.Matches(k, t.c.keys.Top):
		t.cursor = 0
	case key.Matches(k, t.c.keys.Bottom):
		t.cursor = len(t.view) - 1
	case key.Matches(k, t.c.keys.NextTab):
		t.setTab((t.tab + 1) % len(t.tabs))
	case key.Matches(k, t.c.keys.PrevTab):
		t.setTab((t.tab + len(t.tabs) - 1) % len(t.tabs))
	case key.Matches(k, t.c.keys.TabKeys):
		// The binding's keys in order: the first nine jump to the first
		// nine tabs, the tenth to "all" (see DefaultKeyMap).
		switch n := slices.Index(t.c.keys.TabKeys.Keys(), k.String()); {
		case n == 9:
			t.setTab(len(t.tabs) - 1)
		case n >= 0:
			t.setTab(n)
		}
	case key.Matches(k, t.c.keys.Search):
		t.finding = true
		return t.search.Focus()
	case key.Matches(k, t.c.keys.ClearSearch) && len(t.words) > 0:
		t.search.SetValue("")
		t.words = nil
		t.refilter()
	case key.Matches(k, t.c.keys.Sort):
		t.sortBy = (t.sortBy + 1) % sortKeys
		t.resort()
	case key.Matches(k, t.c.keys.Toggle):
		if r := t.current(); r != nil {
			t.toggleRow(r)
			t.cursor++
		}
	case key.Matches(k, t.c.keys.SelectAll):
		t.selectVisible()
	case key.Matches(k, t.c.keys.Clear):
		clear(t.sel)
		t.selRows = 0
	case key.Matches(k, t.c.keys.Approve, t.c.keys.Links, t.c.keys.Inspect, t.c.keys.Pick) && t.c.waits(t.data):
		return nil
	case key.Matches(k, t.c.keys.Approve):
		if len(t.sel) == 0 {
			t.c.status(false, "nothing selected: space selects a row, A every visible row that can be applied or accepted")
			return nil
		}
		t.c.send(approveMsg{sel: maps.Clone(t.sel)})
	case key.Matches(k, t.c.keys.Links):
		t.c.send(openLinksMsg{follow: t.missingKey()})
	case key.Matches(k, t.c.keys.Pick):
		if r := t.current(); r != nil {
			t.c.send(pickMsg{cands: candidates(t.data, r), from: screenTable, what: rowLabel(r)})
		}
	case key.Matches(k, t.c.keys.Inspect):
		if t.current() != nil {
			t.c.send(focusMsg{screenDetail})
			t.tellRow(true)
		}
	}
	t.clampCursor()
	return nil
}

func (t *tableScreen) onSearchKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, t.c.keys.ClearSearch):
		t.finding = false
		t.search.Blur()
		t.search.SetValue("")
		t.words = nil
		t.refilter()
		return nil
	case key.Matches(k, t.c.keys.EndSearch):
		// enter (or an arrow) keeps the filter and gives the keys back to
		// the table; letters (j, k) are typed (see EndSearch).
		t.finding = false
		t.search.Blur()
		return nil
	}
	var c tea.Cmd
	t.search, c = t.search.Update(k)
	t.words = queryWords(t.search.Value())
	t.cursor, t.offset = 0, 0
	t.refilter()
	return c
}

func (t *tableScreen) setTab(n int) {
	if n < 0 || n >= len(t.tabs) {
		return
	}
	t.tab, t.cursor, t.offset = n, 0, 0
	t.refilter()
}

func (t *tableScreen) resort() {
	var curKey string
	if r := t.current(); r != nil {
		curKey = r.key
	}
	sortRows(t.rows, t.sortBy)
	t.refilter()
	for i, ri := range t.view {
		if t.rows[ri].key == curKey {
			t.cursor = i
		}
	}
}

// ShortHelp: the search's keys while one is typed; else the table's keys
// and the console's (links when there is something to link, export,
// history, refresh, help, quit) in one line when they fit, else the
// console's alone: the table's go in a line of its own above (keysLines),
// so that none is left out at 80 columns.
func (t *tableScreen) ShortHelp() []key.Binding {
	k := &t.c.keys
	if t.finding {
		return fitHints(always(k.EndSearch, k.ClearSearch), t.width)
	}
	own, console := t.hints()
	if hintsWidth(own)+hintSep+hintsWidth(console) > t.width {
		return fitHints(console, t.width)
	}
	return fitHints(append(own, console...), t.width)
}

// hints are the table's keys (approve once something is selected, link
// by hand on an ambiguous or missing row) and the console's.
func (t *tableScreen) hints() (own, console []hint) {
	k := &t.c.keys
	own = []hint{{k.NextTab, 1}, {k.Search, 1}, {k.Toggle, 1}}
	if len(t.sel) > 0 {
		own = append(own, hint{b: k.Approve})
	}
	own = append(own, hint{k.Inspect, 2})
	if r := t.current(); r != nil && r.kinds&(kindBit(plan.Ambiguous)|kindBit(plan.Missing)) != 0 {
		own = append(own, hint{k.Pick, 3})
	}
	if t.data != nil && t.data.Plan.Summary[plan.Missing]+t.data.Plan.Summary[plan.Unlinked] > 0 {
		console = append(console, hint{k.Links, 2})
	}
	return own, withHelpQuit(k, append(console, hint{k.Export, 1}, hint{k.History, 1}, hint{k.Refresh, 1})...)
}

// keysLines is the line of the table's own keys above the footer when
// the footer cannot hold them beside the console's (none while a search
// is typed: its keys are the footer's).
func (t *tableScreen) keysLines() []string {
	if t.finding {
		return nil
	}
	own, console := t.hints()
	if hintsWidth(own)+hintSep+hintsWidth(console) <= t.width {
		return nil
	}
	h := help.New()
	h.Styles = t.c.styles.Help
	return []string{h.ShortHelpView(fitHints(own, t.width))}
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
	if t.data == nil {
		return t.c.styles.Dim.Render("reading the stored snapshot and both sides…")
	}
	c := t.layout()
	out := []string{t.tabBar(), t.headerLine(c)}
	under := append(t.infoLines(c), t.keysLines()...)
	rowsH := max(1, t.height-2-len(under))
	end := min(len(t.view), t.offset+rowsH)
	for i := t.offset; i < end; i++ {
		out = append(out, t.rowLine(&t.rows[t.view[i]], i == t.cursor, c))
	}
	if len(t.view) == 0 {
		out = append(out, t.c.styles.Dim.Render(fit("  nothing here"+t.elsewhere(), t.width)))
	}
	for len(out) < rowsH+2 {
		out = append(out, "")
	}
	out = append(out, under...)
	return strings.Join(out, "\n")
}

// elsewhere says where a search that matches nothing in the current tab
// has matches (" · 8 matches in all (0)"; "": no search, or none).
func (t *tableScreen) elsewhere() string {
	last := len(t.tabs) - 1
	if len(t.words) == 0 || t.tab == last || t.counts[last] == 0 {
		return ""
	}
	keys := t.c.keys.TabKeys.Keys()
	matches := "1 match"
	if n := t.counts[last]; n != 1 {
		matches = fmt.Sprintf("%d matches", n)
	}
	text := fmt.Sprintf(" · %s in %s", matches, t.tabs[last].label)
	if len(keys) >= 10 {
		text += " (" + keys[9] + ")"
	}
	return text
}

// tabBar lists the tabs with their counts of rows; when the labels do not
// all fit, the active tab keeps its label and the others show their
// kind's letter (as in the K column), and what still does not fit scrolls
// so that the active tab shows, marked ‹ and › where tabs are cut.
func (t *tableScreen) tabBar() string {
	s := t.c.styles
	items := make([]string, len(t.tabs))
	draw := func(short bool) int {
		n := 0
		for i, tb := range t.tabs {
			label := tb.label
			if short && i != t.tab {
				label = tb.short
			}
			label = fmt.Sprintf("%s %d", label, t.counts[i])
			if i == t.tab {
				items[i] = s.TabActive.Render("[" + label + "]")
			} else {
				items[i] = s.Tab.Render(" " + label + " ")
			}
			n += lipgloss.Width(items[i])
		}
		return n
	}
	if draw(false) > t.width {
		draw(true)
	}
	first := 0
	for first < t.tab && lipgloss.Width(strings.Join(items[first:t.tab+1], "")) > t.width-2 {
		first++
	}
	last := len(items)
	for last > t.tab+1 && lipgloss.Width(strings.Join(items[first:last], "")) > t.width-2 {
		last--
	}
	line := strings.Join(items[first:last], "")
	if first > 0 {
		line = "‹" + line
	}
	if last < len(items) {
		line += "›"
	}
	return line
}

// infoLines are under the table: the cursor row's targets when they share
// a column (layout's detailLines of them), then, in both layouts, the
// position, the selection and the sort.
func (t *tableScreen) infoLines(c columns) []string {
	s := t.c.styles
	var out []string
	if !c.perTarget {
		out = t.compactDetails(t.current(), c.detailLines)
		for i, l := range out {
			out[i] = s.Dim.Render(l)
		}
	}
	line := s.Dim.Render(fmt.Sprintf("row %d/%d · %s · sort: %s", min(t.cursor+1, len(t.view)), len(t.view), t.selectionText(), t.sortBy))
	if t.identityRows > 0 {
		line += s.Dim.Render(" · ") + s.Warn.Render(fmt.Sprintf("I %s first", plural(t.identityRows, "identity change")))
	}
	return append(out, line)
}

// selectionText says what is selected in rows (the marks) and items (what
// is approved): "3 rows selected (4 items)".
func (t *tableScreen) selectionText() string {
	if len(t.sel) == 0 {
		return "0 rows selected"
	}
	return fmt.Sprintf("%s selected (%s)", plural(t.selRows, "row"), plural(len(t.sel), "item"))
}

// recountSelected counts the rows with a selected item again, after the
// selection changed in bulk (every row is read: not on each key).
func (t *tableScreen) recountSelected() {
	t.selRows = 0
	if len(t.sel) == 0 {
		return
	}
	for i := range t.rows {
		if any, _ := t.rowSelected(&t.rows[i]); any {
			t.selRows++
		}
	}
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
func (t *tableScreen) toggleRow(r *row) {
	all := true
	n := 0
	for _, ix := range r.items {
		if it := t.item(ix); approvable(it) {
			n++
			all = all && t.sel[it.ID]
		}
	}
	if n == 0 {
		t.c.status(false, fmt.Sprintf("%s: nothing to apply or accept (%s)", rowLabel(r), kindLabel(r.kind)))
		return
	}
	was, _ := t.rowSelected(r)
	for _, ix := range r.items {
		if it := t.item(ix); approvable(it) {
			if all {
				delete(t.sel, it.ID)
			} else {
				t.sel[it.ID] = true
			}
		}
	}
	switch now, _ := t.rowSelected(r); {
	case now && !was:
		t.selRows++
	case was && !now:
		t.selRows--
	}
}

func (t *tableScreen) selectVisible() {
	n := 0
	for _, ri := range t.view {
		for _, ix := range t.rows[ri].items {
			if it := t.item(ix); approvable(it) {
				t.sel[it.ID] = true
				n++
			}
		}
	}
	t.recountSelected()
	t.c.status(true, plural(len(t.sel), "item")+" selected")
	if n == 0 {
		t.c.status(false, "no visible row has anything to apply or accept")
	}
}

func (t *tableScreen) rowSelected(r *row) (any, all bool) {
	all = true
	n := 0
	for _, ix := range r.items {
		if it := t.item(ix); approvable(it) {
			n++
			if t.sel[it.ID] {
				any = true
			} else {
				all = false
			}
		}
	}
	return any, all && n > 0
}

// rowLabel is what the e-mail column and messages call the row: its
// e-mail, else an account's target and id, else its name.
func rowLabel(r *row) string {
	switch {
	case r.email != "":
		return string(r.email)
	case r.account != "":
		return r.account
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
	nt := 0
	if t.data != nil {
		nt = len(t.data.Plan.Targets)
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
	var b strings.Builder
	b.WriteString("  " + fit("K", 4) + fit("e-mail", c.email) + " " + fit("name", c.name) + " " + fit("cardskipper", srcW))
	if c.perTarget {
		for _, ts := range t.data.Plan.Targets {
			b.WriteString(" " + fit(ts.Name, dateW))
		}
	} else {
		b.WriteString(" " + fit("terminals", dateW+2))
	}
	b.WriteString(fitRight("days", diffW))
	return t.c.styles.Header.Render(fit(b.String(), t.width))
}

func (t *tableScreen) rowLine(r *row, cur bool, c columns) string {
	gutter := " "
	if cur {
		gutter = "›"
	}
	switch any, all := t.rowSelected(r); {
	case all:
		gutter += "●"
	case any:
		gutter += "◐"
	case r.identity:
		gutter += t.c.styles.Warn.Render("I")
	case r.autoHeld:
		gutter += "H"
	default:
		gutter += " "
	}
	var b strings.Builder
	b.WriteString(" ")
	b.WriteString(fit(rowLabel(r), c.email) + " " + fit(r.name, c.name) + " " + fit(t.sourceText(r), srcW))
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
		rest = t.c.styles.Cursor.Render(rest)
	}
	if any, _ := t.rowSelected(r); any {
		gutter = t.c.styles.Selected.Render(gutter)
	}
	return gutter + t.c.styles.Badge(t.badgeKind(r)) + rest
}

// sourceText is the Cardskipper column: the member's end, or why a member
// whose role still runs is not valid today (Data.NotValid: "inactive"),
// as that end would read as valid.
func (t *tableScreen) sourceText(r *row) string {
	if why := t.data.NotValid[r.member]; r.member != "" && why != "" {
		return why
	}
	return dateText(r.src.String(), r.src.IsZero())
}

// badgeKind is the row's letter: in a kind's tab that kind (the row is
// there for it), elsewhere its most consequential kind.
func (t *tableScreen) badgeKind(r *row) plan.Kind {
	if k := t.tabs[t.tab].kind; k != "" {
		return k
	}
	return r.kind
}

func dateText(s string, zero bool) string {
	if zero {
		return "—"
	}
	return s
}

// cellText is one target's current end for a row.
func (t *tableScreen) cellText(ix int32) string {
	if ix < 0 {
		return "—"
	}
	it := t.item(ix)
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

// compactCell summarises every target in one column: their end when all
// show the same of the same kind, else how many targets are of each kind,
// the most consequential first ("3M 1=": three missing, one in sync; "—":
// no item), so that one target's date never stands for targets that
// differ.
func (t *tableScreen) compactCell(r *row) string {
	kindAt := func(ix int32) plan.Kind {
		if ix < 0 {
			return ""
		}
		return t.item(ix).Kind
	}
	first, firstKind := t.cellText(r.cells[0]), kindAt(r.cells[0])
	same := first != "—" || firstKind == ""
	for _, ix := range r.cells[1:] {
		if !same {
			break
		}
		same = kindAt(ix) == firstKind && t.cellText(ix) == first
	}
	if same {
		return first
	}
	var count [11]int // by kindRank
	var kinds [11]plan.Kind
	none := 0
	for _, ix := range r.cells {
		if ix < 0 {
			none++
			continue
		}
		k := t.item(ix).Kind
		count[kindRank(k)]++
		kinds[kindRank(k)] = k
	}
	var parts []string
	for i, n := range count {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d%s", n, kindLetter(kinds[i])))
		}
	}
	if none > 0 {
		parts = append(parts, fmt.Sprintf("%d—", none))
	}
	return strings.Join(parts, " ")
}

// detailSep separates targets under the compact table: two spaces, so
// that four targets (the demo's) fit 80 columns on one line.
const detailSep = "  "

// packDetails groups the targets (indices) into the lines under the
// compact table that fit the width. Each target is counted at its widest
// ("name 2025-11-04 E"), so the grouping, and the table's height, does not
// change as the cursor moves.
func (t *tableScreen) packDetails() [][]int {
	if t.data == nil {
		return nil
	}
	var lines [][]int
	used := 0
	for ti, ts := range t.data.Plan.Targets {
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
				k = " " + kindLetter(t.item(ix).Kind)
			}
			parts = append(parts, t.data.Plan.Targets[ti].Name+" "+t.cellText(ix)+k)
		}
		out[li] = strings.Join(parts, detailSep)
	}
	return out
}
