package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/textclean"
)

// View draws the whole screen; only the root returns a tea.View.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	return v
}

// Render is the screen as text (the golden tests compare it): the title
// and status lines, the focused screen's View and the footer.
func (m *Model) Render() string {
	if m.quitting {
		return ""
	}
	w, h := m.width, m.height
	top := append([]string{m.titleLine()}, m.statusLines()...)
	footer := m.footer()
	lines := append(top, strings.Split(m.focused().View(), "\n")...)
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
	// Nothing from outside steers the terminal, whatever reached a screen
	// (a name an older version stored raw included): only the console's
	// own colours stay.
	return textclean.Frame(strings.Join(lines, "\n"))
}

// bodyHeight is the screen less the title, status and footer lines (a
// wrapped notice takes several).
func (m *Model) bodyHeight() int { return max(1, m.height-2-len(m.statusLines())) }

func (m *Model) titleLine() string {
	s := m.c.styles
	t := s.Title.Render("doorsync")
	if m.data == nil {
		return t + "  " + s.Dim.Render("no data yet")
	}
	p := &m.data.Plan
	now := m.c.opt.Clock.Now()
	parts := []string{fmt.Sprintf("%d members", p.Source.Members), fmt.Sprintf("%d targets", len(p.Targets))}
	read := "read " + age(now, m.data.TakenAt)
	switch {
	case m.data.Partial:
		read = "last plan, " + read + ", loading…"
	case m.data.Stored:
		read = "stored snapshot, " + read
	}
	parts = append(parts, read)
	// A run that did not succeed is said before the age of the data and
	// stays when the line is too narrow (its time gives way first, then
	// what follows it); the guard likewise.
	var kept []string
	if p.Guard.Tripped {
		kept = append(kept, s.Warn.Render("guard tripped"))
	}
	lastRun := lastRunText(m.data.LastOutcome)
	at := timeText(m.data.LastSync, m.c.zone)
	switch {
	case lastRun != "" && !m.data.LastSync.IsZero():
		kept = append(kept, s.Warn.Render(lastRun+" "+at))
	case lastRun != "":
		kept = append(kept, s.Warn.Render(lastRun))
	case !m.data.LastSync.IsZero():
		parts = append(parts, "last sync "+at)
	}
	parts = append(parts[:2], append(kept, parts[2:]...)...)
	line := t + "  " + strings.Join(parts, " · ")
	for m.width > 0 && ansi.StringWidth(line) > m.width {
		switch last := 1 + len(kept); {
		case lastRun != "" && parts[last] != s.Warn.Render(lastRun):
			parts[last] = s.Warn.Render(lastRun) // its time gives way first
		case len(parts) > last+1:
			parts = parts[:len(parts)-1]
		default:
			return line
		}
		line = t + "  " + strings.Join(parts, " · ")
	}
	return line
}

// lastRunText says a last run that did not succeed ("": it did, or none).
func lastRunText(outcome string) string {
	switch outcome {
	case "", "ok", "running":
		return ""
	case "failed":
		return "last run failed"
	case "partial":
		return "last run partly failed"
	case "held":
		return "" // items wait for approval: marked H in the table
	case "guard":
		return "last run held by the guard"
	}
	return "last run " + outcome
}

// statusLines is the status line: by priority, the search being typed, a
// question, the refresh progress of each side, the last notice, errors of
// sides. A notice or an error wider than the screen wraps onto the lines it
// needs, up to a third of the screen (the body shrinks by as many: Update
// sizes the screens again, fitBody), so a server's reply or a path is read
// whole; a prompt stays on one line (its input scrolls).
func (m *Model) statusLines() []string {
	s := m.c.styles
	switch {
	case m.quitAsk:
		return []string{s.Warn.Render("Applying. Quit and stop after the requests in flight? y/n")}
	}
	if p, ok := m.focused().(prompter); ok {
		if line := p.prompt(); line != "" {
			return []string{line}
		}
	}
	switch {
	case m.refreshing:
		return m.wrapStatus(m.progressLine(false), func() string { return m.progressLine(true) })
	case m.status != "":
		st := s.Err
		if m.statusOK {
			st = s.OK
		}
		return m.wrapStatus(st.Render(m.status), func() string { return styledWords(st, m.status) })
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
			text := strings.Join(errs, " · ")
			return m.wrapStatus(s.Err.Render(text), func() string { return styledWords(s.Err, text) })
		}
	}
	if note := m.table.searchNote(); note != "" {
		return []string{note}
	}
	if line := changesHeadline(m.data, m.c); line != "" && m.screen != screenChanges {
		// The key that opens the view stays when the line is narrow (an
		// admin who comes once a week starts there): its words give way
		// first, then the run's mode.
		short := changesLine(m.data, m.c, false)
		brief := changesBrief(m.data, m.c) // each reason's count gives way last
		tries := []string{line + " · c shows them", line + " · c", short + " · c", brief + " · c shows them", brief + " · c"}
		if m.data.Changes.None() {
			tries = nil // "nothing new · c shows them" showed nothing
		}
		for _, try := range tries {
			if m.width <= 0 || ansi.StringWidth(try) <= m.width {
				line = try
				break
			}
		}
		return []string{s.Dim.Render(line)}
	}
	return []string{""}
}

// wrapStatus is line when it fits the screen's width; else the same text
// styled word by word (words) wrapped, continuation lines indented, in at
// most a third of the screen's height; what is left then is cut with "…"
// (it is in the --debug log).
func (m *Model) wrapStatus(line string, words func() string) []string {
	if m.width <= 0 || ansi.StringWidth(line) <= m.width {
		return []string{line}
	}
	lines := wrapHang(words(), m.width, "", "  ")
	if most := max(1, m.height/3); len(lines) > most {
		lines = lines[:most]
		last := lines[most-1]
		lines[most-1] = ansi.Truncate(last, m.width-1, "") + "…"
	}
	return lines
}

// styledWords renders each word of text in st: a line wrapped between two
// words carries no colour into the next.
func styledWords(st lipgloss.Style, text string) string {
	words := strings.Fields(text)
	for i, w := range words {
		words[i] = st.Render(w)
	}
	return strings.Join(words, " ")
}

// fitBody sizes the screens again when the status line took or gave back
// lines since they were sized: the frame keeps the screen's height.
func (m *Model) fitBody() {
	if m.bodyHeight() != m.bodySized {
		m.setSize(m.width, m.height)
	}
}

// progressLine says how far each side's refresh has come; byWord styles
// an error word by word, to be wrapped (styledWords).
func (m *Model) progressLine(byWord bool) string {
	s := m.c.styles
	parts := []string{"refreshing"}
	for _, name := range m.sideOrder {
		p := m.progress[name]
		switch {
		case p.Err != nil:
			text := name + " ✗ " + p.Err.Error()
			if byWord {
				parts = append(parts, styledWords(s.Err, text))
			} else {
				parts = append(parts, s.Err.Render(text))
			}
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

// footer is the focused screen's ShortHelp, or the answers to the
// question asked in the status line.
func (m *Model) footer() string {
	if m.quitAsk {
		return m.keyHelp().ShortHelpView(fitHints(always(m.c.keys.Confirm, m.c.keys.Cancel), m.width))
	}
	return m.keyHelp().ShortHelpView(m.focused().ShortHelp())
}

// keyHelp is the help model in the console's styles (for the background),
// without a width: fitHints has already chosen what fits.
func (m *Model) keyHelp() help.Model {
	h := m.helpModel
	h.Styles = m.c.styles.Help
	h.SetWidth(0)
	return h
}
