package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/plan"
)

// approveScreen is the dialog that asks before the selection is applied:
// counts per kind and per target of what is written, the identity changes
// approved with it — each named with its text and what approving it does,
// those accepted with nothing written counted apart — the items --auto
// would hold, then every write: revocations and shortenings first, then
// the writes --auto would hold, then the rest. Every line is wrapped to the dialog's
// width, which never exceeds the screen. When it is taller than the
// screen its middle scrolls (↓/j, pgdn, space, G; ↑/k, pgup, g), an
// identity change's header staying on top while its text is shown, and y
// applies only once every line was drawn: before, it only says what is
// left to read.
type approveScreen struct {
	c             *common
	width, height int

	data *Data           // the data shown (dataMsg)
	sel  map[string]bool // the selection the table asked approval for

	offset int // the first middle line shown
	// sig is the middle the last View drew (its lines joined); seen, per
	// line of it, whether it was drawn in full. A new middle (another
	// selection, another width) is read again.
	sig  string
	seen []bool
	// warned: y was pressed with lines unseen (the indicators say so).
	warned bool
	// drawnSel is the selection the last View drew: y applies that.
	drawnSel string

	// opened counts the dialogs opened; made is the summary and the
	// middle made for the key they were made for: every write is listed,
	// and at 50,000 of them making them again on each key press took
	// 0.3 s.
	opened int
	made   approvalMade
}

// approvalMade is an approval and its middle, for the data, the dialog
// opened, the width and the styles they were made with.
type approvalMade struct {
	data   *Data
	opened int
	width  int
	styled string // a sample of the styles (they follow the terminal's background)
	a      approval
	mid    []dline
	sig    string // mid's lines joined (approveScreen.sig)
	sel    string // selKey of a.ids
}

// dline is a line of the dialog's middle: block is the identity change
// it belongs to (an index into approval.identity, -1 none), head whether
// it is a line of that change's header.
type dline struct {
	text  string
	block int
	head  bool
}

// approval summarises the selection for the confirmation dialog.
type approval struct {
	ids      []string
	byKind   map[plan.Kind]int // the writes
	byTarget map[string]int    // the writes
	writes   int
	// identity: the selected items with an identity change, writes and
	// accepts alike, in the plan's order; accepts counts those that write
	// nothing (accepted as shown, engine.acknowledged), acceptKinds them
	// per kind.
	identity    []*plan.Item
	accepts     int
	acceptKinds map[plan.Kind]int
	held        int // items --auto would hold (policy or guard)
	autoHeld    int // items an unattended run did hold
	lastHeld    time.Time
	// The writes listed, every one, in three groups: revocations and
	// shortenings (what locks someone out sooner), the other writes --auto
	// would hold, then the rest; each in the plan's order.
	cuts, holds, rest []*plan.Item
}

// approval is the summary of the selection shown, made once per data,
// dialog, width and styles (cached).
func (d *approveScreen) approval() approval {
	d.remake()
	return d.made.a
}

// middleOf is the middle of the selection shown (cached as approval).
func (d *approveScreen) middleOf() []dline {
	d.remake()
	return d.made.mid
}

// remake makes the approval and its middle again when what they are made
// of changed.
func (d *approveScreen) remake() {
	styled := d.c.styles.Warn.Render("·") + d.c.styles.Bold.Render("·")
	m := &d.made
	if m.mid != nil && m.data == d.data && m.opened == d.opened && m.width == d.width && m.styled == styled {
		return
	}
	a := d.summarise()
	*m = approvalMade{data: d.data, opened: d.opened, width: d.width, styled: styled, a: a}
	m.mid = d.middle(&m.a)
	if m.mid == nil {
		m.mid = []dline{}
	}
	var sig strings.Builder
	for _, l := range m.mid {
		sig.WriteString(l.text + "\n")
	}
	m.sig, m.sel = sig.String(), selKey(m.a.ids)
}

func (d *approveScreen) summarise() approval {
	a := approval{byKind: map[plan.Kind]int{}, byTarget: map[string]int{}, acceptKinds: map[plan.Kind]int{}}
	if d.data == nil {
		return a
	}
	p := &d.data.Plan
	for i := range p.Items {
		it := &p.Items[i]
		if !d.sel[it.ID] || !approvable(it) {
			continue
		}
		a.ids = append(a.ids, it.ID)
		if it.Identity != "" {
			a.identity = append(a.identity, it)
		}
		if !it.Kind.Writes() {
			a.accepts++
			a.acceptKinds[it.Kind]++
			continue
		}
		a.writes++
		a.byKind[it.Kind]++
		a.byTarget[it.Target]++
		unattended := p.AppliedUnattended(*it)
		if !unattended {
			a.held++
		}
		if at, ok := d.data.AutoHeld[it.ID]; ok {
			a.autoHeld++
			if at.After(a.lastHeld) {
				a.lastHeld = at
			}
		}
		switch {
		case it.Kind == plan.Revoke || it.Kind == plan.Shorten:
			a.cuts = append(a.cuts, it)
		case !unattended:
			a.holds = append(a.holds, it)
		default:
			a.rest = append(a.rest, it)
		}
	}
	return a
}

// open shows the dialog over the selection from its top.
func (d *approveScreen) open(sel map[string]bool) {
	d.sel = sel
	d.opened++
	d.offset, d.sig, d.seen, d.warned, d.drawnSel = 0, "", nil, false, ""
	d.c.send(focusMsg{screenApprove})
}

// close returns to the table, clearing what the dialog said.
func (d *approveScreen) close() {
	d.c.status(true, "")
	d.c.send(focusMsg{screenTable})
}

func (d *approveScreen) SetSize(w, h int) { d.width, d.height = w, h }

// capturing: the dialog is answered before anything else.
func (d *approveScreen) capturing() bool { return true }

func (d *approveScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dataMsg:
		d.data = msg.data
	case approveMsg:
		d.open(msg.sel)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, d.c.keys.Cancel):
		d.close()
		return nil
	case key.Matches(k, d.c.keys.Confirm):
		a := d.approval()
		if len(a.ids) == 0 {
			d.close()
			return nil
		}
		if d.drawnSel != selKey(a.ids) {
			d.c.status(false, "the selection changed since the dialog was drawn: look at it, then press y again")
			return nil
		}
		if n, above := d.unseen(); len(a.identity) > 0 && n > 0 {
			d.warned = true
			d.c.status(false, "read every identity change first: "+unseenText(n, above))
			return nil
		}
		d.c.status(true, "")
		d.c.send(focusMsg{screenApply})
		d.c.send(applyMsg{ids: a.ids, plan: d.data.Plan})
		return nil
	}
	a := d.approval()
	mid := d.middleOf()
	h := d.middleHeight(&a)
	if len(mid) <= h {
		return nil
	}
	from, to, _ := frame(mid, h, d.offset)
	page := max(1, to-from-1)
	pos, ok := moved(d.c.keys, k, d.offset, page, len(mid))
	if key.Matches(k, d.c.keys.ReadOn) {
		pos, ok = d.offset+page, true
	}
	if ok {
		d.offset = max(0, min(snap(mid, pos, d.offset), lastOffset(mid, h)))
		if len(d.seen) == len(mid) {
			d.markSeen(mid, h) // the frame View draws next: the status says what is left
		}
	}
	return nil
}

// unseen counts the middle's lines not drawn in full yet, and whether the
// first of them is above the lines shown.
func (d *approveScreen) unseen() (n int, above bool) {
	first := -1
	for i, ok := range d.seen {
		if !ok {
			n++
			if first < 0 {
				first = i
			}
		}
	}
	return n, first >= 0 && first < d.offset
}

// unseenText says how many lines are left to read, and with which keys.
func unseenText(n int, above bool) string {
	if above {
		return plural(n, "line") + " not shown yet (↑/pgup/g)"
	}
	return plural(n, "line") + " not shown yet (↓/pgdn/space/G)"
}

// markSeen marks the lines of the frame at the offset as read — those
// drawn in full — and, once y asked for them, says in the status line
// what is left. It returns the frame.
func (d *approveScreen) markSeen(mid []dline, h int) (from, to int, pin []int) {
	w := d.innerWidth()
	see := func(i int) {
		if ansi.StringWidth(mid[i].text) <= w { // a line cut on the right is not read
			d.seen[i] = true
		}
	}
	if len(mid) <= h {
		from, to = 0, len(mid)
	} else {
		from, to, pin = frame(mid, h, d.offset)
	}
	for _, i := range pin {
		see(i)
	}
	for i := from; i < to; i++ {
		see(i)
	}
	if d.warned {
		if n, above := d.unseen(); n > 0 {
			d.c.status(false, "read every identity change first: "+unseenText(n, above))
		} else {
			d.c.status(true, "every line was shown: y approves")
		}
	}
	return from, to, pin
}

// blockOf is the first line of the identity change holding line i, and
// how many header lines it has (i itself when it holds none: 0).
func blockOf(mid []dline, i int) (start, heads int) {
	b := mid[i].block
	if b < 0 {
		return i, 0
	}
	start = i
	for start > 0 && mid[start-1].block == b {
		start--
	}
	for j := start; j < len(mid) && mid[j].block == b && mid[j].head; j++ {
		heads++
	}
	return start, heads
}

// frame lays out the middle's window from the line off: the lines
// [from, to) shown, below them a line saying how many follow when to <
// len(mid), above them a line saying how many precede when off > 0, then
// the header of the identity change whose text goes on at off (pin, its
// line indices) when off is below that header's first line.
func frame(mid []dline, h, off int) (from, to int, pin []int) {
	rows := h
	if off > 0 {
		rows--
	}
	from = off
	if start, heads := blockOf(mid, off); heads > 0 && off > start {
		for i := start; i < start+heads; i++ {
			pin = append(pin, i)
		}
		from = max(off, start+heads)
		rows -= heads
	}
	rows = max(1, rows)
	if from+rows >= len(mid) {
		return from, len(mid), pin
	}
	return from, from + max(1, rows-1), pin
}

// snap moves an offset off a line whose frame is the one above it (the
// second line of a header, or its text's first line: the header is
// pinned there) in the direction it moved from prev.
func snap(mid []dline, off, prev int) int {
	off = max(0, min(off, len(mid)-1))
	start, heads := blockOf(mid, off)
	if heads == 0 || off <= start || off > start+heads {
		return off
	}
	if off > prev && start <= prev {
		return min(len(mid)-1, start+heads+1)
	}
	return start
}

// lastOffset is the first offset whose frame reaches the middle's end.
func lastOffset(mid []dline, h int) int {
	for off := range mid {
		if _, to, _ := frame(mid, h, off); to == len(mid) {
			return off
		}
	}
	return max(0, len(mid)-1)
}

// selKey names a selection.
func selKey(ids []string) string { return strings.Join(ids, "\x00") }

// ShortHelp offers the scroll keys only when the middle scrolls, and of
// them those that move from where it is: with a write or two, or at the
// end, the others do nothing (review of issue 13).
func (d *approveScreen) ShortHelp() []key.Binding {
	k := &d.c.keys
	hs := []hint{{k.Confirm, 0}, {k.Cancel, 0}}
	if d.scrolls() {
		a := d.approval()
		mid := d.middleOf()
		atEnd := d.offset >= lastOffset(mid, d.middleHeight(&a))
		hs = append(hs, scrollHints(k, d.offset == 0, atEnd, k.ReadOn)...)
	}
	return fitHints(hs, d.width)
}

func (d *approveScreen) FullHelp() [][]key.Binding {
	k := &d.c.keys
	// The help screen lists every key of the dialog, scrolling or not.
	return [][]key.Binding{{k.Confirm, k.Cancel, k.ReadOn, k.PageDown, k.Bottom, k.Top}}
}

// scrolls says whether the dialog's middle is taller than it can show.
func (d *approveScreen) scrolls() bool {
	a := d.approval()
	return len(d.middleOf()) > d.middleHeight(&a)
}

// innerWidth is the dialog's text width (inside its border and padding):
// the box is never wider than the screen.
func (d *approveScreen) innerWidth() int { return dialogWidth(d.width) }

// titleLines is the dialog's title wrapped to its width.
func (d *approveScreen) titleLines(a *approval) []string {
	return wrapKeep(a.title(), d.innerWidth(), "", "")
}

// answer is the dialog's last line, wrapped.
func (d *approveScreen) answer(a *approval) []string {
	answer := "y: apply now   n/esc: back"
	if a.writes == 0 {
		answer = "y: accept now   n/esc: back"
	}
	return wrapKeep(answer, d.innerWidth(), "", "")
}

// wrapKeep is wrapHang, keeping text that fits on one line as it is
// (columns aligned with spaces).
func wrapKeep(text string, w int, first, rest string) []string {
	if ansi.StringWidth(first)+ansi.StringWidth(text) <= w && !strings.ContainsAny(text, "\n\t") {
		return []string{first + text}
	}
	return wrapHang(text, w, first, rest)
}

// middleHeight is how many lines of the dialog's middle fit: the body less
// the border, the title and the answer (each with a blank line).
func (d *approveScreen) middleHeight(a *approval) int {
	return max(1, d.height-2-2-len(d.titleLines(a))-len(d.answer(a)))
}

// title words the question.
func (a *approval) title() string {
	switch {
	case a.accepts == 0:
		return fmt.Sprintf("Apply %s?", plural(a.writes, "item"))
	case a.writes == 0:
		return fmt.Sprintf("Accept %s?", plural(a.accepts, "identity change"))
	}
	return fmt.Sprintf("Apply %s and accept %s?", plural(a.writes, "item"), plural(a.accepts, "identity change"))
}

// middle is the dialog between its title and its answer, every line
// wrapped to the dialog's width.
func (d *approveScreen) middle(a *approval) []dline {
	s := d.c.styles
	w := d.innerWidth()
	var out []dline
	plain := func(t ...string) string { return strings.Join(t, "") }
	// para adds text wrapped under its indents, styled without them.
	para := func(render func(...string) string, first, rest, text string, block int, head bool) {
		for i, l := range wrapKeep(text, w, first, rest) {
			indent := rest
			if i == 0 {
				indent = first
			}
			if strings.HasPrefix(l, indent) {
				l = indent + render(l[len(indent):])
			}
			out = append(out, dline{text: l, block: block, head: head})
		}
	}
	blank := func() { out = append(out, dline{block: -1}) }
	if len(a.identity) > 0 {
		para(s.Bold.Render, "", "", fmt.Sprintf("%s approved with this:", plural(len(a.identity), "identity change")), -1, false)
		if a.accepts > 0 {
			var kinds []string
			for _, k := range plan.Kinds() {
				if n := a.acceptKinds[k]; n > 0 {
					kinds = append(kinds, fmt.Sprintf("%d %s", n, kindLabel(k)))
				}
			}
			para(s.Warn.Render, "  ", "  ", fmt.Sprintf("%s accepted as shown, nothing written (%s)",
				plural(a.accepts, "identity change"), strings.Join(kinds, ", ")), -1, false)
		}
		for bi, it := range a.identity {
			what := kindLabel(it.Kind) + ", written"
			if !it.Kind.Writes() {
				what = kindLabel(it.Kind) + ", accepted with nothing written"
			}
			para(plain, " I ", "   ", fmt.Sprintf("%s account %s %s (%s)", it.Target, it.Account, rowLabelItem(it), what), bi, true)
			para(s.Warn.Render, "   ", "   ", printable(it.Identity), bi, false)
			if e := approvalEffect(d.data, it); e != "" {
				para(plain, "   ", "   ", e, bi, false)
			}
		}
	}
	if len(out) > 0 {
		blank()
	}
	for _, k := range plan.Kinds() {
		if n := a.byKind[k]; n > 0 {
			out = append(out, dline{text: clip(fmt.Sprintf("  %s %-11s %d", s.Badge(k), kindLabel(k), n), w), block: -1})
		}
	}
	names := make([]string, 0, len(a.byTarget))
	for t := range a.byTarget {
		names = append(names, t)
	}
	slices.Sort(names)
	if len(names) > 0 {
		blank()
	}
	for _, t := range names {
		para(plain, "  ", "     ", fmt.Sprintf("on %-12s %d", t, a.byTarget[t]), -1, false)
	}
	if a.held > 0 {
		blank()
		para(s.Warn.Render, "  ", "  ", fmt.Sprintf("%d of the writes --auto would hold for approval", a.held), -1, false)
	}
	if a.autoHeld > 0 {
		para(s.Warn.Render, "  ", "  ", fmt.Sprintf("%d of them held by --auto (H), the latest run at %s",
			a.autoHeld, timeText(a.lastHeld, d.data.Plan.Zone())), -1, false)
	}
	if d.data.Plan.Guard.Tripped {
		para(s.Warn.Render, "  ", "  ", "guard tripped: "+printable(d.data.Plan.Guard.Reason), -1, false)
	}
	// Every write is listed (the middle scrolls), what most needs a look
	// first, each group under a line saying what it holds.
	groups := []struct {
		head  string
		items []*plan.Item
	}{
		{fmt.Sprintf("%s, listed first:", counted(len(a.cuts), "revocation or shortening", "revocations and shortenings")), a.cuts},
		{fmt.Sprintf("%s --auto would hold:", counted(len(a.holds), "other write", "other writes")), a.holds},
		{fmt.Sprintf("the other %s:", plural(len(a.rest), "write")), a.rest},
	}
	if len(a.cuts) == 0 && len(a.holds) == 0 {
		groups[2].head = "the writes:"
	}
	for _, g := range groups {
		if len(g.items) == 0 {
			continue
		}
		blank()
		para(s.Bold.Render, "  ", "  ", g.head, -1, false)
		for _, it := range g.items {
			mark := " "
			if _, ok := d.data.AutoHeld[it.ID]; ok {
				mark = "H"
			}
			para(plain, " "+mark+kindLetter(it.Kind)+" ", "    ", fmt.Sprintf("%s %s → %s on %s", rowLabelItem(it),
				endText(it.CurrentEnd, it.Permanent), endText(it.DesiredEnd, false), it.Target), -1, false)
		}
	}
	return out
}

// counted is n with the singular or the plural.
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// approvalEffect says plainly what approving an identity change does to
// the account: a member's gets it for good (the run accepts it for them),
// an account a member's e-mail also finds has that e-mail set aside.
func approvalEffect(d *Data, it *plan.Item) string {
	switch {
	case it.Account == "":
		return ""
	case it.Kind == plan.Unlinked && it.MemberID == "":
		return "approving sets the e-mail aside on this account: it finds no member here any more"
	case it.MemberID != "":
		name := it.Name
		if name == "" {
			name = memberName(d, it.MemberID)
		}
		who := "member " + it.MemberID
		if name != "" {
			who = fmt.Sprintf("%s (member %s)", printable(name), it.MemberID)
		}
		return fmt.Sprintf("approving gives account %s to %s: later renewals and revokes of that member are written to it",
			it.Account, who)
	}
	return ""
}

// View is the dialog in the middle of the screen; a middle taller than
// the screen scrolls, with a line saying how much is above and below (and
// how much is not read yet, once y asked for it).
func (d *approveScreen) View() string {
	a := d.approval()
	s := d.c.styles
	w := d.innerWidth()
	mid := d.middleOf()
	if d.made.sig != d.sig {
		d.sig, d.seen, d.warned = d.made.sig, make([]bool, len(mid)), false
	}
	h := d.middleHeight(&a)
	var lines []string
	scrolls := len(mid) > h
	if !scrolls {
		d.offset = 0
		d.markSeen(mid, h)
		for _, l := range mid {
			lines = append(lines, l.text)
		}
	} else {
		d.offset = max(0, min(snap(mid, d.offset, d.offset), lastOffset(mid, h)))
		from, to, pin := d.markSeen(mid, h)
		n, up := d.unseen()
		style := s.Dim
		if d.warned && n > 0 {
			style = s.Warn
		}
		var above, below string
		if d.offset > 0 {
			above = "↑ " + plural(d.offset, "line") + " above"
			if d.warned && n > 0 && up {
				above += fmt.Sprintf(", %d not shown yet: ↑/pgup/g", n)
			}
		}
		if to < len(mid) {
			below = "↓ " + plural(len(mid)-to, "line") + " below: ↓/pgdn scrolls"
			if d.warned && n > 0 && !up {
				below = fmt.Sprintf("↓ %s below, %d not shown yet: ↓/pgdn/space/G", plural(len(mid)-to, "line"), n)
			}
		}
		if above != "" {
			lines = append(lines, "  "+style.Render(fit(above, w-2)))
		}
		for _, i := range pin {
			lines = append(lines, mid[i].text)
		}
		for i := from; i < to; i++ {
			lines = append(lines, mid[i].text)
		}
		if below != "" {
			lines = append(lines, "  "+style.Render(fit(below, w-2)))
		}
	}
	d.drawnSel = d.made.sel
	var b strings.Builder
	for _, l := range d.titleLines(&a) {
		if scrolls {
			l = fit(l, w) // the width stays as it scrolls
		}
		b.WriteString(s.Title.Render(l) + "\n")
	}
	b.WriteString("\n")
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	b.WriteString("\n")
	b.WriteString(s.Bold.Render(strings.Join(d.answer(&a), "\n")))
	return lipgloss.Place(d.width, d.height, lipgloss.Center, lipgloss.Center, s.Dialog.Render(b.String()))
}

func rowLabelItem(it *plan.Item) string {
	if it.Email != "" {
		return string(it.Email)
	}
	return it.Target + "/" + it.Account
}

func endText(t plan.LocalTime, permanent bool) string {
	switch {
	case permanent:
		return "permanent"
	case t.IsZero():
		return "—"
	}
	return t.Format("2006-01-02")
}
