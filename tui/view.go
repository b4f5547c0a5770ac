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
	bodyH := max(1, h-len(top)-1)
	var body string
	switch m.screen {
	case screenDetail:
		body = m.detail.view(m, bodyH)
	case screenApply:
		body = m.apply.view(m, bodyH)
	case screenHelp:
		body = m.helpView()
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
	rowsH := max(1, h-3)
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
	out = append(out, m.infoLine(c))
	return strings.Join(out, "\n")
}

// infoLine is under the table: the cursor row's targets when they share a
// column, else position, selection and sort.
func (m *Model) infoLine(c columns) string {
	s := m.styles
	if r := m.current(); r != nil && !c.perTarget {
		return s.Dim.Render(m.compactDetails(r))
	}
	pos := fmt.Sprintf("%d/%d", min(m.cursor+1, len(m.view)), len(m.view))
	return s.Dim.Render(fmt.Sprintf("%s · %d selected · sort: %s", pos, len(m.sel), m.sortBy))
}

func (m *Model) footer() string {
	return m.keyHelp().ShortHelpView(m.footerKeys())
}

// keyHelp is the help model in the console's styles (for the background).
func (m *Model) keyHelp() help.Model {
	h := m.help
	h.Styles = m.styles.Help
	return h
}

// footerKeys are the keys that apply on the current screen.
func (m *Model) footerKeys() []key.Binding {
	k := m.keys
	switch {
	case m.quitAsk:
		return []key.Binding{k.Confirm, k.Cancel}
	case m.finding:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep")), k.Back}
	}
	switch m.screen {
	case screenApprove:
		return []key.Binding{k.Confirm, k.Cancel}
	case screenApply:
		if m.apply.running {
			return []key.Binding{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop")), k.Quit}
		}
		return []key.Binding{k.Back}
	case screenDetail:
		return []key.Binding{k.Back, k.Up, k.Down, k.Toggle, key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next row")), k.Help}
	case screenHistory:
		return []key.Binding{k.Up, k.Down, k.Inspect, k.Back}
	case screenHelp:
		return []key.Binding{k.Back}
	case screenExport:
		return []key.Binding{k.Back}
	case screenLinks:
		if m.links.typing {
			return []key.Binding{k.Submit, k.Back}
		}
		b := []key.Binding{k.Link, k.Reject, k.NextSuggestion, k.Import}
		if len(m.links.done) > 0 {
			b = append(b, k.Undo)
		}
		return append(b, k.Back, k.Help)
	}
	b := []key.Binding{k.NextTab, k.Search, k.Toggle}
	if len(m.sel) > 0 {
		b = append(b, k.Approve)
	}
	b = append(b, k.Inspect)
	if m.data != nil && m.data.Plan.Summary[plan.Missing]+m.data.Plan.Summary[plan.Unlinked] > 0 {
		b = append(b, k.Links)
	}
	return append(b, k.Refresh, k.Help, k.Quit)
}

func (m *Model) helpView() string {
	k := m.keys
	groups := [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.NextTab, k.PrevTab, k.TabKeys, k.Search, k.Sort},
		{k.Toggle, k.SelectAll, k.Clear, k.Approve, k.Inspect},
		{k.Refresh, k.History, k.Export, k.Help, k.Quit},
	}
	legend := "kinds: = in sync  E extend  R reactivate  S shorten  X revoke  M missing  U unlinked  A ambiguous  N no e-mail  ! invalid\n" +
		"marks: › cursor  ● selected  ◐ partly selected  ~ drift"
	links := [][]key.Binding{{k.Links, k.Link, k.Reject}, {k.NextSuggestion, k.PrevSuggestion}, {k.Import, k.Undo}}
	linksLegend := "marks: ◆ the account the chosen suggestion links  ◇ other suggestions\n" +
		"x hides a suggestion until restart · u removes the last link made here"
	h := m.keyHelp()
	return m.styles.Title.Render("Keys") + "\n\n" + h.FullHelpView(groups) + "\n\n" + legend + "\n\n" +
		m.styles.Title.Render("Fix identities (L)") + "\n" + h.FullHelpView(links) + "\n" + linksLegend
}
