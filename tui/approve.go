package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/plan"
)

// approval summarises the selection for the confirmation dialog.
type approval struct {
	ids      []string
	byKind   map[plan.Kind]int
	byTarget map[string]int
	held     int // items --auto would hold (policy or guard)
	first    []*plan.Item
}

func (m *Model) approval() approval {
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
		if len(a.first) < 5 {
			a.first = append(a.first, it)
		}
	}
	return a
}

func (m *Model) onApproveKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Cancel):
		m.screen = screenTable
	case key.Matches(k, m.keys.Confirm):
		a := m.approval()
		if len(a.ids) == 0 {
			m.screen = screenTable
			return nil
		}
		m.screen = screenApply
		return m.apply.start(m, a.ids)
	}
	return nil
}

func (m *Model) approveView() string {
	a := m.approval()
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
	if m.data.Plan.Guard.Tripped {
		fmt.Fprintf(&b, "  %s\n", s.Warn.Render("guard tripped: "+m.data.Plan.Guard.Reason))
	}
	b.WriteString("\n")
	w := max(20, min(m.width-8, 70))
	for _, it := range a.first {
		line := fmt.Sprintf("  %s %s %s → %s on %s", kindLetter(it.Kind), rowLabelItem(it),
			endText(it.CurrentEnd, it.Permanent), endText(it.DesiredEnd, false), it.Target)
		b.WriteString(clip(line, w) + "\n")
	}
	if rest := len(a.ids) - len(a.first); rest > 0 {
		fmt.Fprintf(&b, "  … and %d more\n", rest)
	}
	fmt.Fprintf(&b, "\n%s", s.Bold.Render("y: apply now   n/esc: back"))
	return s.Dialog.Render(b.String())
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
