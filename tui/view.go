package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/doorsync/doorsync/internal/plan"
)

// View draws the whole screen; only the root returns a tea.View.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	return v
}

// Render is the screen as text (the golden tests compare it).
func (m *Model) Render() string {
	if m.quitting {
		return ""
	}
	w, h := m.width, m.height
	top := []string{m.titleLine(), m.statusLine()}
	footer := m.footer()
	bodyH := m.bodyHeight()
	var body string
	switch m.screen {
	case screenDetail:
		body = m.detail.view(m, bodyH)
	case screenApply:
		body = m.apply.view(m, bodyH)
	case screenHelp:
		body = m.helpView(bodyH)
	case screenHistory:
		body = m.hist.view(m, bodyH)
	case screenLinks:
		body = m.links.view(m, bodyH)
	case screenApprove:
		body = lipgloss.Place(w, bodyH, lipgloss.Center, lipgloss.Center, m.approveView())
	case screenExport:
		body = lipgloss.Place(w, bodyH, lipgloss.Center, lipgloss.Center, m.export.view(m))
	default:
		body = m.tableView(bodyH)
	}
	lines := append(top, strings.Split(body, "\n")...)
	if len(lines) > h-1 {
		lines = lines[:max(0, h-1)]
	}
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	lines = append(lines, footer)
	for i, l := range lines {
		lines[i] = clip(l, w)
	}
	return strings.Join(lines, "\n")
}

// bodyHeight is the screen less the title, status and footer lines.
func (m *Model) bodyHeight() int { return max(1, m.height-3) }

func (m *Model) zone() *time.Location {
	if m.data != nil && m.data.Plan.Zone() != nil {
		return m.data.Plan.Zone()
	}
	return time.Local
}

func (m *Model) titleLine() string {
	s := m.styles
	t := s.Title.Render("doorsync")
	if m.data == nil {
		return t + "  " + s.Dim.Render("no data yet")
	}
	p := &m.data.Plan
	now := m.opt.Clock.Now()
	parts := []string{fmt.Sprintf("%d members", p.Source.Members), fmt.Sprintf("%d targets", len(p.Targets))}
	read := "read " + age(now, m.data.TakenAt)
	if m.data.Stored {
		read = "stored snapshot, " + read
	}
	parts = append(parts, read)
	if !m.data.LastSync.IsZero() {
		parts = append(parts, "last sync "+timeText(m.data.LastSync, m.zone()))
	}
	if p.Guard.Tripped {
		parts = append(parts, s.Warn.Render("guard tripped"))
	}
	return t + "  " + strings.Join(parts, " · ")
}

// statusLine shows, by priority: the search being typed, a question, the
// refresh progress of each side, the last notice, errors of sides.
func (m *Model) statusLine() string {
	s := m.styles
	switch {
	case m.quitAsk:
		return s.Warn.Render("Applying. Quit and stop after the requests in flight? y/n")
	case m.finding:
		return m.search.View()
	case m.screen == screenLinks && m.links.typing:
		return m.links.input.View()
	case m.refreshing:
		return m.progressLine()
	case m.status != "":
		if m.statusOK {
			return s.OK.Render(m.status)
		}
		return s.Err.Render(m.status)
	}
	if m.data != nil {
		var errs []string
		if e := m.data.Plan.Source.Error; e != "" {
			errs = append(errs, "cardskipper: "+e)
		}
		for _, t := range m.data.Plan.Targets {
			if t.Error != "" {
				errs = append(errs, t.Name+": "+t.Error)
			}
		}
		if len(errs) > 0 {
			return s.Err.Render(strings.Join(errs, " · "))
		}
	}
	if len(m.words) > 0 {
		return s.Dim.Render("search: " + m.search.Value() + "  (esc clears)")
	}
	return ""
}

func (m *Model) progressLine() string {
	s := m.styles
	parts := []string{"refreshing"}
	for _, name := range m.sideOrder {
		p := m.progress[name]
		switch {
		case p.Err != nil:
			parts = append(parts, s.Err.Render(name+" ✗ "+p.Err.Error()))
		case p.Over:
			parts = append(parts, s.OK.Render(fmt.Sprintf("%s ✓ %d", name, p.Done)))
		case p.Total > 0:
			parts = append(parts, fmt.Sprintf("%s %d/%d", name, p.Done, p.Total))
		default:
			parts = append(parts, fmt.Sprintf("%s %d…", name, p.Done))
		}
	}
	return strings.Join(parts, " · ")
}

// tabBar lists the tabs with their counts, scrolled so the active one shows.
func (m *Model) tabBar() string {
	s := m.styles
	items := make([]string, len(m.tabs))
	for i, t := range m.tabs {
		label := fmt.Sprintf("%s %d", t.label, m.counts[i])
		if i == m.tab {
			items[i] = s.TabActive.Render("[" + label + "]")
		} else {
			items[i] = s.Tab.Render(" " + label + " ")
		}
	}
	first := 0
	for first < m.tab && lipgloss.Width(strings.Join(items[first:m.tab+1], "")) > m.width-2 {
		first++
	}
	line := strings.Join(items[first:], "")
	if first > 0 {
		line = "‹" + line
	}
	return line
}

func (m *Model) tableView(h int) string {
	if m.data == nil {
		return m.styles.Dim.Render("reading the stored snapshot and both sides…")
	}
	c := m.layout()
	out := []string{m.tabBar(), m.headerLine(c)}
	under := m.infoLines(c)
	rowsH := max(1, h-2-len(under))
	end := min(len(m.view), m.offset+rowsH)
	for i := m.offset; i < end; i++ {
		out = append(out, m.rowLine(&m.rows[m.view[i]], i == m.cursor, c))
	}
	if len(m.view) == 0 {
		out = append(out, m.styles.Dim.Render("  nothing here"))
	}
	for len(out) < rowsH+2 {
		out = append(out, "")
	}
	out = append(out, under...)
	return strings.Join(out, "\n")
}

// infoLines are under the table: the cursor row's targets when they share
// a column (layout's detailLines of them), then, in both layouts, the
// position, the selection and the sort.
func (m *Model) infoLines(c columns) []string {
	s := m.styles
	var out []string
	if !c.perTarget {
		out = m.compactDetails(m.current(), c.detailLines)
		for i, l := range out {
			out[i] = s.Dim.Render(l)
		}
	}
	pos := fmt.Sprintf("%d/%d", min(m.cursor+1, len(m.view)), len(m.view))
	return append(out, s.Dim.Render(fmt.Sprintf("%s · %d selected · sort: %s", pos, len(m.sel), m.sortBy)))
}

func (m *Model) footer() string {
	return m.keyHelp().ShortHelpView(fitHints(m.footerHints(), m.width))
}

// keyHelp is the help model in the console's styles (for the background),
// without a width: fitHints has already chosen what fits.
func (m *Model) keyHelp() help.Model {
	h := m.help
	h.Styles = m.styles.Help
	h.SetWidth(0)
	return h
}

// footerHints are the keys that apply on the current screen, each with
// how soon it gives way when the line is short; "? help" and "q quit"
// stay wherever they work.
func (m *Model) footerHints() []hint {
	k := m.keys
	keep := func(bs ...key.Binding) []hint {
		out := make([]hint, len(bs))
		for i, b := range bs {
			out[i] = hint{b: b}
		}
		return out
	}
	helpQuit := []hint{{b: k.Help}, {b: k.Quit}}
	switch {
	case m.quitAsk:
		return keep(k.Confirm, k.Cancel)
	case m.finding:
		return keep(k.EndSearch, k.ClearSearch)
	}
	switch m.screen {
	case screenApprove:
		return keep(k.Confirm, k.Cancel)
	case screenApply:
		if m.apply.running {
			return keep(k.Stop, k.Quit)
		}
		return keep(k.Back)
	case screenDetail:
		return append([]hint{{k.Back, 1}, {k.Up, 3}, {k.Down, 3}, {k.Toggle, 2}, {k.NextRow, 2}}, helpQuit...)
	case screenHistory:
		if m.hist.inItems {
			return append([]hint{{k.Up, 3}, {k.Down, 3}, {k.PageDown, 2}, {k.Back, 1}}, helpQuit...)
		}
		var h []hint
		if len(m.hist.runs) > 0 {
			h = []hint{{k.Up, 3}, {k.Down, 3}, {k.OpenRun, 1}}
		}
		return append(append(h, hint{k.Back, 1}), helpQuit...)
	case screenHelp:
		return []hint{{k.Down, 2}, {k.PageDown, 1}, {b: k.Back}}
	case screenExport:
		return keep(k.ExportScope, k.Write, k.Back)
	case screenLinks:
		if m.links.typing {
			return keep(k.Submit, k.Back)
		}
		h := []hint{{k.Link, 1}, {k.Reject, 2}, {k.NextSuggestion, 3}, {k.Import, 4}}
		if len(m.links.done) > 0 {
			h = append(h, hint{k.Undo, 2})
		}
		return append(append(h, hint{k.Back, 1}), helpQuit...)
	}
	h := []hint{{k.NextTab, 4}, {k.Search, 3}, {k.Toggle, 1}}
	if len(m.sel) > 0 {
		h = append(h, hint{k.Approve, 1})
	}
	h = append(h, hint{k.Inspect, 3})
	if m.data != nil && m.data.Plan.Summary[plan.Missing]+m.data.Plan.Summary[plan.Unlinked] > 0 {
		h = append(h, hint{k.Links, 2})
	}
	return append(append(h, hint{k.Refresh, 5}), helpQuit...)
}
