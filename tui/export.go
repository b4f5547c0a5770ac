package tui

import (
	"fmt"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/doorsync/doorsync/internal/homepath"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/report"
)

// exportScreen is the "write a report" prompt, over the screen it was
// opened from.
type exportScreen struct {
	c             *common
	width, height int
	input         textinput.Model
	all           bool // every item (with in_sync) instead of the rows shown
	data          *Data
}

func newExportScreen(c *common) exportScreen {
	return exportScreen{c: c, input: newInput("file: ")}
}

func (e *exportScreen) open() tea.Cmd {
	if e.data == nil {
		e.c.status(false, "nothing to export yet")
		return nil
	}
	name := fmt.Sprintf("doorsync-report-%s.csv", e.c.opt.Clock.Now().In(e.c.zone).Format("20060102-1504"))
	e.input.SetValue(filepath.Join(e.c.opt.ExportDir, name))
	e.input.CursorEnd()
	e.c.send(overlayMsg{screenExport})
	return e.input.Focus()
}

// SetSize sizes the prompt to the dialog's text width: a long path
// scrolls inside it.
func (e *exportScreen) SetSize(w, h int) {
	e.width, e.height = w, h
	sizeInput(&e.input, dialogWidth(w))
}

// capturing: the path is being typed.
func (e *exportScreen) capturing() bool { return true }

// Update takes keys and says where the report went (or why not).
func (e *exportScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dataMsg:
		e.data = msg.data
	case writeReportMsg:
		return e.writeReport(msg.path, msg.plan, msg.rows)
	case exportDoneMsg:
		e.onExported(msg)
	case tea.KeyPressMsg:
		return e.onKey(msg)
	case tea.PasteMsg:
		// A path pasted over SSH goes into the prompt.
		var c tea.Cmd
		e.input, c = e.input.Update(msg)
		return c
	}
	return nil
}

func (e *exportScreen) onKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, e.c.keys.Back):
		e.c.send(backMsg{})
		return nil
	case key.Matches(k, e.c.keys.ExportScope):
		e.all = !e.all
		return nil
	case key.Matches(k, e.c.keys.Write):
		e.c.send(backMsg{})
		return e.ask(strings.TrimSpace(e.input.Value()), e.all)
	}
	var c tea.Cmd
	e.input, c = e.input.Update(k)
	return c
}

func (e *exportScreen) ShortHelp() []key.Binding {
	k := &e.c.keys
	return fitHints(always(k.ExportScope, k.Write, k.Back), e.width)
}

func (e *exportScreen) FullHelp() [][]key.Binding {
	k := &e.c.keys
	return [][]key.Binding{{k.ExportScope, k.Write}}
}

// View is the prompt in the middle of the screen.
func (e *exportScreen) View() string {
	scope := "the rows shown"
	if e.all {
		scope = "every item, in sync included"
	}
	var b strings.Builder
	b.WriteString(e.c.styles.Title.Render("Export the report") + "\n\n")
	b.WriteString(e.input.View() + "\n\n")
	k := e.c.keys
	fmt.Fprintf(&b, "of: %s  (%s switches)\n", scope, strings.ReplaceAll(keysLabel(k.ExportScope), "/", " or "))
	b.WriteString("format from the extension: .csv .json .md .html\n\n")
	b.WriteString(e.c.styles.Bold.Render(fmt.Sprintf("%s: %s   %s: %s", k.Write.Help().Key, k.Write.Help().Desc, k.Back.Help().Key, k.Back.Help().Desc)))
	return lipgloss.Place(e.width, e.height, lipgloss.Center, lipgloss.Center, e.c.styles.Dialog.Render(b.String()))
}

// ask checks the path and asks the table for the rows to write (it answers
// with writeReportMsg).
func (e *exportScreen) ask(path string, all bool) tea.Cmd {
	if path == "" {
		e.c.status(false, "export: no file name")
		return nil
	}
	if _, ok := report.FormatFromPath(path); !ok {
		e.c.status(false, fmt.Sprintf("export: %s: unknown extension (use .csv, .json, .md or .html)", path))
		return nil
	}
	e.c.send(exportRowsMsg{path: path, all: all})
	return nil
}

// writeReport writes the report of p, the items of rows rows, in a
// command (file I/O never runs in Update) and says where it went.
func (e *exportScreen) writeReport(path string, p plan.Plan, rows int) tea.Cmd {
	format, _ := report.FormatFromPath(path)
	home := e.c.home()
	return func() tea.Msg {
		path, err := homepath.Expand(path, home) // ~/report.csv: in the home directory
		if err != nil {
			return exportDoneMsg{path: path, err: err}
		}
		r := report.FromPlan(p, true) // p holds exactly the items to list
		abs, err := filepath.Abs(path)
		if err != nil {
			abs = path
		}
		if err := report.WriteFile(abs, r, format); err != nil {
			return exportDoneMsg{path: abs, err: err}
		}
		return exportDoneMsg{path: abs, rows: rows, items: len(r.Rows)}
	}
}

func (e *exportScreen) onExported(msg exportDoneMsg) {
	if msg.err != nil {
		e.c.logErr("export", msg.err)
		e.c.status(false, fmt.Sprintf("export to %s failed: %v", msg.path, msg.err))
		return
	}
	// Rows are the unit of the tabs and counts; the report lists items.
	e.c.status(true, fmt.Sprintf("report written to %s (%s, %s)", msg.path, plural(msg.rows, "row"), plural(msg.items, "item")))
}
