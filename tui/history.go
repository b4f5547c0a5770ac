package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

const runsShown = 50

// historyState is the list of past runs and the items of the one under the
// cursor.
type historyState struct {
	req, itemsReq int
	runs          []RunEntry
	cursor        int
	items         []HistoryEntry
	itemsOf       int64
	err           error
	loading       bool
}

func (h *historyState) load(m *Model) tea.Cmd {
	req := m.nextReq()
	h.req, h.loading, h.err = req, true, nil
	be, ctx := m.opt.Backend, m.ctx
	return func() tea.Msg {
		rs, err := be.Runs(ctx, runsShown)
		return runsMsg{req: req, runs: rs, err: err}
	}
}

func (h *historyState) loadItems(m *Model) tea.Cmd {
	if h.cursor >= len(h.runs) {
		return nil
	}
	req, id := m.nextReq(), h.runs[h.cursor].ID
	h.itemsReq, h.items, h.itemsOf = req, nil, id
	be, ctx := m.opt.Backend, m.ctx
	return func() tea.Msg {
		es, err := be.RunItems(ctx, id)
		return runItemsMsg{req: req, run: id, entries: es, err: err}
	}
}

func (h *historyState) update(msg tea.Msg) {
	switch msg := msg.(type) {
	case runsMsg:
		if msg.req == h.req {
			h.loading, h.runs, h.err = false, msg.runs, msg.err
			h.cursor = min(h.cursor, max(0, len(h.runs)-1))
		}
	case runItemsMsg:
		if msg.req == h.itemsReq {
			h.items, h.err = msg.entries, msg.err
		}
	}
}

func (h *historyState) onKey(m *Model, k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Back, m.keys.Quit):
		m.screen = screenTable
	case key.Matches(k, m.keys.Up):
		h.cursor = max(0, h.cursor-1)
	case key.Matches(k, m.keys.Down):
		h.cursor = min(len(h.runs)-1, h.cursor+1)
	case key.Matches(k, m.keys.Inspect):
		return h.loadItems(m)
	}
	return nil
}

func (h *historyState) view(m *Model, height int) string {
	s := m.styles
	var zone = m.zone()
	var out []string
	out = append(out, s.Title.Render("History")+s.Dim.Render("   enter: items of the run   esc: back"))
	switch {
	case h.loading:
		out = append(out, "loading…")
	case h.err != nil:
		out = append(out, s.Err.Render(h.err.Error()))
	case len(h.runs) == 0:
		out = append(out, "no runs recorded yet")
	}
	listH := min(len(h.runs), max(3, height/2-1))
	start := max(0, min(h.cursor-listH/2, len(h.runs)-listH))
	for i := start; i < start+listH && i < len(h.runs); i++ {
		r := h.runs[i]
		c := r.Counts
		line := fmt.Sprintf("%s run %-4d %s %-7s %-8s %-8s applied %d failed %d held %d", mark(i == h.cursor), r.ID,
			timeText(r.StartedAt, zone), r.Mode, r.User, r.Outcome, c["applied"], c["failed"], c["held"])
		if r.Error != "" {
			line += "  " + r.Error
		}
		if i == h.cursor {
			line = s.Cursor.Render(fit(line, m.width))
		}
		out = append(out, clip(line, m.width))
	}
	if h.itemsOf != 0 {
		out = append(out, "", s.Bold.Render(fmt.Sprintf("items of run %d", h.itemsOf)))
		room := max(0, height-len(out))
		for i, e := range h.items {
			if i >= room {
				break
			}
			line := fmt.Sprintf("  %-10s %-8s %-28s %-10s %s → %s", e.Kind, e.Status, e.Email, e.Target, dashIf(e.Before), dashIf(e.After))
			if e.Error != "" {
				line += " " + e.Error
			}
			out = append(out, clip(line, m.width))
		}
	}
	return strings.Join(out, "\n")
}

func mark(b bool) string {
	if b {
		return "›"
	}
	return " "
}
