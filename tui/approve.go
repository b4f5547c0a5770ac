package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/doorsync/doorsync/internal/plan"
)

// approveScreen is the dialog that asks before the selection is applied:
// counts per kind and per target of what is written, the identity changes
// approved with it — each named with its text, those accepted with
// nothing written counted apart — the items --auto would hold, the first
// items. When it is taller than the screen its middle scrolls, and y
// applies only once every identity change was drawn.
type approveScreen struct {
	m             *Model
	width, height int

	offset int // the first middle line shown
	// shownAll: every middle line was drawn since the dialog opened (y
	// refuses otherwise when it approves an identity change).
	shownAll bool
	// drawnSel is the selection the last View drew: y applies that.
	drawnSel string
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
	first       []*plan.Item
}

func (d *approveScreen) approval() approval {
	m := d.m
	a := approval{byKind: map[plan.Kind]int{}, byTarget: map[string]int{}, acceptKinds: map[plan.Kind]int{}}
	if m.data == nil {
		return a
	}
	p := &m.data.Plan
	for i := range p.Items {
		it := &p.Items[i]
		if !m.sel[it.ID] || !approvable(it) {
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
		if !it.Auto || p.Guard.Tripped {
			a.held++
		}
		if at, ok := m.data.AutoHeld[it.ID]; ok {
			a.autoHeld++
			if at.After(a.lastHeld) {
				a.lastHeld = at
			}
		}
		if len(a.first) < 5 {
			a.first = append(a.first, it)
		}
	}
	return a
}

// open shows the dialog from its top.
func (d *approveScreen) open() {
	d.offset, d.shownAll, d.drawnSel = 0, false, ""
	d.m.focus(screenApprove)
}

func (d *approveScreen) SetSize(w, h int) { d.width, d.height = w, h }

// capturing: the dialog is answered before anything else.
func (d *approveScreen) capturing() bool { return true }

func (d *approveScreen) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	m := d.m
	page := max(1, d.middleHeight()-1)
	switch {
	case key.Matches(k, m.keys.Cancel):
		m.focus(screenTable)
	case key.Matches(k, m.keys.Down):
		d.offset++
	case key.Matches(k, m.keys.Up):
		d.offset--
	case key.Matches(k, m.keys.PageDown):
		d.offset += page
	case key.Matches(k, m.keys.PageUp):
		d.offset -= page
	case key.Matches(k, m.keys.Confirm):
		a := d.approval()
		if len(a.ids) == 0 {
			m.focus(screenTable)
			return nil
		}
		if d.drawnSel != selKey(a.ids) {
			m.setStatus(false, "the selection changed since the dialog was drawn: look at it, then press y again")
			return nil
		}
		if len(a.identity) > 0 && !d.shownAll {
			d.offset += page
			m.setStatus(false, "read every identity change first: ↓/pgdn scrolls the dialog")
			return nil
		}
		m.setStatus(true, "")
		m.focus(screenApply)
		return m.startApply(a.ids)
	}
	return nil
}

// selKey names a selection.
func selKey(ids []string) string { return strings.Join(ids, "\x00") }

func (d *approveScreen) ShortHelp() []key.Binding {
	k := &d.m.keys
	return fitHints([]hint{{k.Confirm, 0}, {k.Cancel, 0}, {k.Down, 1}}, d.width)
}

func (d *approveScreen) FullHelp() [][]key.Binding {
	k := &d.m.keys
	return [][]key.Binding{{k.Confirm, k.Cancel, k.PageDown}}
}

// innerWidth is the dialog's text width (inside its border and padding).
func (d *approveScreen) innerWidth() int { return max(20, min(d.width-4, 76)) }

// middleHeight is how many lines of the dialog's middle fit: the body less
// the border, the title and the answer (each with a blank line).
func (d *approveScreen) middleHeight() int { return max(1, d.height-2-4) }

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

// middle is the dialog between its title and its answer.
func (d *approveScreen) middle(a *approval) []string {
	m := d.m
	s := m.styles
	w := d.innerWidth()
	var out []string
	add := func(f string, args ...any) { out = append(out, fmt.Sprintf(f, args...)) }
	if len(a.identity) > 0 {
		add("%s", s.Bold.Render(fmt.Sprintf("%s approved with this:", plural(len(a.identity), "identity change"))))
		if a.accepts > 0 {
			var kinds []string
			for _, k := range plan.Kinds() {
				if n := a.acceptKinds[k]; n > 0 {
					kinds = append(kinds, fmt.Sprintf("%d %s", n, kindLabel(k)))
				}
			}
			add("  %s", s.Warn.Render(fmt.Sprintf("%s accepted as shown, nothing written (%s)",
				plural(a.accepts, "identity change"), strings.Join(kinds, ", "))))
		}
		for _, it := range a.identity {
			what := kindLabel(it.Kind) + ", written"
			if !it.Kind.Writes() {
				what = kindLabel(it.Kind) + ", accepted with nothing written"
			}
			for i, l := range wrap(fmt.Sprintf("%s account %s %s (%s)", it.Target, it.Account, rowLabelItem(it), what), w, "   ") {
				if i == 0 {
					l = " I " + strings.TrimPrefix(l, "   ")
				}
				out = append(out, clip(l, w))
			}
			for _, l := range wrap(printable(it.Identity), w, "   ") {
				out = append(out, s.Warn.Render(clip(l, w)))
			}
		}
	}
	if len(out) > 0 {
		add("")
	}
	for _, k := range plan.Kinds() {
		if n := a.byKind[k]; n > 0 {
			add("  %s %-11s %d", s.Badge(k), kindLabel(k), n)
		}
	}
	names := make([]string, 0, len(a.byTarget))
	for t := range a.byTarget {
		names = append(names, t)
	}
	slices.Sort(names)
	if len(names) > 0 {
		add("")
	}
	for _, t := range names {
		add("  on %-12s %d", t, a.byTarget[t])
	}
	if a.held > 0 {
		add("")
		add("  %s", s.Warn.Render(fmt.Sprintf("%d of the writes --auto would hold for approval", a.held)))
	}
	if a.autoHeld > 0 {
		add("  %s", s.Warn.Render(fmt.Sprintf("%d of them held by --auto (H), the latest run at %s", a.autoHeld, timeText(a.lastHeld, m.data.Plan.Zone()))))
	}
	if m.data.Plan.Guard.Tripped {
		add("  %s", s.Warn.Render("guard tripped: "+m.data.Plan.Guard.Reason))
	}
	if len(a.first) > 0 {
		add("")
	}
	for _, it := range a.first {
		mark := " "
		if _, ok := m.data.AutoHeld[it.ID]; ok {
			mark = "H"
		}
		line := fmt.Sprintf(" %s%s %s %s → %s on %s", mark, kindLetter(it.Kind), rowLabelItem(it),
			endText(it.CurrentEnd, it.Permanent), endText(it.DesiredEnd, false), it.Target)
		out = append(out, clip(line, w))
	}
	if rest := a.writes - len(a.first); rest > 0 {
		add("  … and %d more", rest)
	}
	return out
}

// View is the dialog in the middle of the screen; a middle taller than
// the screen scrolls, with a line saying how much is above and below.
func (d *approveScreen) View() string {
	m := d.m
	a := d.approval()
	s := m.styles
	mid := d.middle(&a)
	h := d.middleHeight()
	scrolls := len(mid) > h
	if !scrolls {
		d.offset = 0
		d.shownAll = true
	} else {
		// A line above and below says what is out of sight.
		d.offset = max(0, min(d.offset, len(mid)-(h-1)))
		rows := h
		var above, below []string
		if d.offset > 0 {
			rows--
			above = []string{s.Dim.Render(fmt.Sprintf("  ↑ %d lines above", d.offset))}
		}
		if d.offset+rows < len(mid) {
			rows--
			below = []string{s.Dim.Render(fmt.Sprintf("  ↓ %d lines below: ↓/pgdn scrolls", len(mid)-d.offset-rows))}
		} else {
			d.shownAll = true
		}
		mid = slices.Concat(above, mid[d.offset:d.offset+rows], below)
	}
	d.drawnSel = selKey(a.ids)
	var b strings.Builder
	title := a.title()
	if scrolls {
		title = fit(title, d.innerWidth()) // the width stays as it scrolls
	}
	fmt.Fprintf(&b, "%s\n\n", s.Title.Render(title))
	for _, l := range mid {
		b.WriteString(l + "\n")
	}
	answer := "y: apply now   n/esc: back"
	if a.writes == 0 {
		answer = "y: accept now   n/esc: back"
	}
	fmt.Fprintf(&b, "\n%s", s.Bold.Render(answer))
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
