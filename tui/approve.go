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
// counts per kind and per target, the items --auto would hold, the first
// items.
type approveScreen struct {
	m             *Model
	width, height int
}

// approval summarises the selection for the confirmation dialog.
type approval struct {
	ids      []string
	byKind   map[plan.Kind]int
	byTarget map[string]int
	held     int // items --auto would hold (policy or guard)
	autoHeld int // items an unattended run did hold
	lastHeld time.Time
	first    []*plan.Item
}

func (d *approveScreen) approval() approval {
	m := d.m
	a := approval{byKind: map[plan.Kind]int{}, byTarget: map[string]int{}}
	if m.data == nil {
		return a
	}
	p := &m.data.Plan
	for i := range p.Items {
		it := &p.Items[i]
		if !m.sel[it.ID] {
			continue
		}
		a.ids = append(a.ids, it.ID)
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

func (d *approveScreen) SetSize(w, h int) { d.width, d.height = w, h }

// capturing: the dialog is answered before anything else.
func (d *approveScreen) capturing() bool { return true }

func (d *approveScreen) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	m := d.m
	switch {
	case key.Matches(k, m.keys.Cancel):
		m.focus(screenTable)
	case key.Matches(k, m.keys.Confirm):
		a := d.approval()
		if len(a.ids) == 0 {
			m.focus(screenTable)
			return nil
		}
		m.focus(screenApply)
		return m.startApply(a.ids)
	}
	return nil
}

func (d *approveScreen) ShortHelp() []key.Binding {
	k := &d.m.keys
	return fitHints(always(k.Confirm, k.Cancel), d.width)
}

func (d *approveScreen) FullHelp() [][]key.Binding {
	k := &d.m.keys
	return [][]key.Binding{{k.Confirm, k.Cancel}}
}

// View is the dialog in the middle of the screen.
func (d *approveScreen) View() string {
	m := d.m
	a := d.approval()
	s := m.styles
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", s.Title.Render(fmt.Sprintf("Apply %d items?", len(a.ids))))
	for _, k := range plan.Kinds() {
		if n := a.byKind[k]; n > 0 {
			fmt.Fprintf(&b, "  %s %-11s %d\n", s.Badge(k), kindLabel(k), n)
		}
	}
	b.WriteString("\n")
	names := make([]string, 0, len(a.byTarget))
	for t := range a.byTarget {
		names = append(names, t)
	}
	slices.Sort(names)
	for _, t := range names {
		fmt.Fprintf(&b, "  on %-12s %d\n", t, a.byTarget[t])
	}
	if a.held > 0 {
		fmt.Fprintf(&b, "\n  %s\n", s.Warn.Render(fmt.Sprintf("%d of them --auto would hold for approval", a.held)))
	}
	if a.autoHeld > 0 {
		fmt.Fprintf(&b, "  %s\n", s.Warn.Render(fmt.Sprintf("%d of them held by --auto (H), the latest run at %s", a.autoHeld, timeText(a.lastHeld, m.data.Plan.Zone()))))
	}
	if m.data.Plan.Guard.Tripped {
		fmt.Fprintf(&b, "  %s\n", s.Warn.Render("guard tripped: "+m.data.Plan.Guard.Reason))
	}
	b.WriteString("\n")
	w := max(20, min(d.width-8, 70))
	for _, it := range a.first {
		mark := " "
		if _, ok := m.data.AutoHeld[it.ID]; ok {
			mark = "H"
		}
		line := fmt.Sprintf(" %s%s %s %s → %s on %s", mark, kindLetter(it.Kind), rowLabelItem(it),
			endText(it.CurrentEnd, it.Permanent), endText(it.DesiredEnd, false), it.Target)
		b.WriteString(clip(line, w) + "\n")
	}
	if rest := len(a.ids) - len(a.first); rest > 0 {
		fmt.Fprintf(&b, "  … and %d more\n", rest)
	}
	fmt.Fprintf(&b, "\n%s", s.Bold.Render("y: apply now   n/esc: back"))
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
