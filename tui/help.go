package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/plan"
)

// The help screen lists every binding of the keymap with all its keys,
// grouped by where it applies, then what each kind's letter and each mark
// means. It is laid out in as many columns as the width allows and
// scrolls when the screen is short (80×24 holds about half of it).

// helpScreen is the help: the console's keys and every screen's
// FullHelp, each group under a title, then the kinds and the marks.
type helpScreen struct {
	c             *common
	width, height int
	top           int // the first line shown (it scrolls when the screen is short)
	// sections are the console's keys and every screen's, as the root
	// gathered them when the help opened.
	sections []helpSection
}

// helpSection is a titled group of bindings, with an optional note.
type helpSection struct {
	title string
	keys  []key.Binding
	note  string
}

// open shows the sections from the top (the root opens the help over the
// screen that has the focus).
func (h *helpScreen) open(sections []helpSection) tea.Cmd {
	h.top, h.sections = 0, sections
	return nil
}

func (h *helpScreen) SetSize(w, ht int) { h.width, h.height = w, ht }

// capturing: the help's keys scroll it or close it.
func (h *helpScreen) capturing() bool { return true }

func (h *helpScreen) ShortHelp() []key.Binding {
	k := &h.c.keys
	room := max(1, h.height-1)
	n := len(h.lines())
	top := max(0, min(h.top, n-room))
	hs := []hint{{b: k.Back}}
	if n > room {
		// Only the moves that move from where it is (at the end, ↓ and
		// pgdn did nothing; review of issue 13).
		hs = append(scrollHints(k, top == 0, top >= n-room, k.PageDown), hs...)
	}
	return fitHints(hs, h.width)
}

// FullHelp: none of its own (it moves as the lists do, and closes with
// back, help or quit).
func (h *helpScreen) FullHelp() [][]key.Binding { return nil }

// sections are the console's keys, then each screen's FullHelp groups
// under their titles (a group without one is titled by its screen).
func (m *Model) helpSections() []helpSection {
	k := &m.c.keys
	out := []helpSection{{title: "Anywhere", keys: []key.Binding{k.Back, k.Help, k.Quit, k.ForceQuit, k.Refresh, k.History, k.Changes, k.Export}}}
	titled := func(s screen, titles ...helpSection) {
		for i, g := range m.screens[s].FullHelp() {
			sec := helpSection{title: s.String()}
			if i < len(titles) {
				sec = titles[i]
			}
			sec.keys = g
			out = append(out, sec)
		}
	}
	titled(screenTable, helpSection{title: "Move (table, lists, detail, help)"}, helpSection{title: "Table"},
		helpSection{title: "Search", note: "any case and accents; every word must match; letters such as j and k are typed"})
	titled(screenDetail, helpSection{title: "Detail (enter on a row)"})
	titled(screenApprove, helpSection{title: "Approve (a) and quit while applying"})
	titled(screenApply, helpSection{title: "Applying"})
	titled(screenHistory, helpSection{title: "History (H)"})
	titled(screenChanges, helpSection{title: "What changed (c)", note: "since the operator's last apply (else the last run): new mismatches, items that failed again, identity changes held, drift; enter opens the row"})
	titled(screenExport, helpSection{title: "Export (e)"})
	titled(screenLinks, helpSection{title: "Fix identities (L)", note: "x hides a suggestion until restart · u removes the last link made here · / searches both lists · p links the member by hand"})
	titled(screenPick, helpSection{title: "Link by hand (p on an ambiguous or missing row)", note: "typing searches the accounts (↑ ↓ move); the member's own name comes first, then what the e-mail finds (a family shares it), then names sharing a word; NTK has no list"})
	return out
}

// keysLabel names every key of a binding: arrows as arrows, a run of
// digits as "1…9".
func keysLabel(b key.Binding) string {
	ks := b.Keys()
	var parts []string
	for i := 0; i < len(ks); i++ {
		k := ks[i]
		if isDigitKey(k) {
			j := i
			for j+1 < len(ks) && isDigitKey(ks[j+1]) && ks[j+1][0] == ks[j][0]+1 {
				j++
			}
			if j-i >= 2 {
				parts = append(parts, ks[i]+"…"+ks[j])
				i = j
				continue
			}
		}
		switch k {
		case "alt+esc":
			// Two Esc presses read as one (over SSH they arrive
			// together): bound so that they still act, not a key to learn.
			continue
		case "up":
			k = "↑"
		case "down":
			k = "↓"
		case "left":
			k = "←"
		case "right":
			k = "→"
		}
		parts = append(parts, k)
	}
	return strings.Join(parts, "/")
}

func isDigitKey(k string) bool { return len(k) == 1 && k[0] >= '0' && k[0] <= '9' }

// helpCell is one entry of a grid: a (styled) key or mark and what it
// means.
type helpCell struct{ key, desc string }

// grid lays cells out in rows of as many columns as fit w, each column as
// wide as its widest cell, indented by two spaces.
func grid(cells []helpCell, w int) []string {
	const indent, gap = 2, 3
	cellW := func(c helpCell) (int, int) {
		kw, _ := width(c.key)
		dw, _ := width(c.desc)
		return kw, dw
	}
	cols := len(cells)
	var keyW, descW []int
	for ; cols > 1; cols-- {
		keyW, descW = make([]int, cols), make([]int, cols)
		for i, c := range cells {
			kw, dw := cellW(c)
			keyW[i%cols], descW[i%cols] = max(keyW[i%cols], kw), max(descW[i%cols], dw)
		}
		total := indent + gap*(cols-1)
		for i := range cols {
			total += keyW[i] + 1 + descW[i]
		}
		if total <= w {
			break
		}
	}
	if cols <= 1 {
		cols = 1
		keyW, descW = []int{0}, []int{0}
		for _, c := range cells {
			kw, dw := cellW(c)
			keyW[0], descW[0] = max(keyW[0], kw), max(descW[0], dw)
		}
	}
	var out []string
	for r := 0; r*cols < len(cells); r++ {
		var b strings.Builder
		b.WriteString(strings.Repeat(" ", indent))
		for c := range cols {
			i := r*cols + c
			if i >= len(cells) {
				break
			}
			if c > 0 {
				b.WriteString(strings.Repeat(" ", gap))
			}
			b.WriteString(pad(cells[i].key, keyW[c]) + " " + pad(cells[i].desc, descW[c]))
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	return out
}

// wrap breaks text into lines of at most w cells at spaces, indented.
func wrap(text string, w int, indent string) []string { return wrapHang(text, w, indent, indent) }

// wrapHang is wrap with the first line indented by first and the others
// by rest. Widths are display cells; a word wider than a line is cut
// into pieces, so that no line is wider than w (when the indents fit).
func wrapHang(text string, w int, first, rest string) []string {
	var out []string
	line := first
	lw := ansi.StringWidth(line)
	empty := true
	for _, word := range strings.Fields(text) {
		ww := ansi.StringWidth(word)
		if !empty && lw+1+ww > w {
			out = append(out, line)
			line, lw, empty = rest, ansi.StringWidth(rest), true
		}
		for empty && lw+ww > w && w > lw {
			head := ansi.Truncate(word, w-lw, "")
			if head == "" {
				break // a wide letter that does not fit
			}
			out = append(out, line+head)
			word = ansi.TruncateLeft(word, ansi.StringWidth(head), "")
			ww = ansi.StringWidth(word)
			line, lw = rest, ansi.StringWidth(rest)
		}
		if !empty {
			line += " "
			lw++
		}
		line += word
		lw += ww
		empty = false
	}
	return append(out, line)
}

// lines is the whole help at the screen's width.
func (h *helpScreen) lines() []string {
	s := h.c.styles
	w := h.width
	keyCell := func(b key.Binding) helpCell {
		return helpCell{key: s.Help.FullKey.Render(keysLabel(b)), desc: s.Help.FullDesc.Render(b.Help().Desc)}
	}
	var out []string
	for _, sec := range h.sections {
		cells := make([]helpCell, len(sec.keys))
		for i, b := range sec.keys {
			cells[i] = keyCell(b)
		}
		out = append(out, s.Title.Render(sec.title))
		out = append(out, grid(cells, w)...)
		if sec.note != "" {
			for _, l := range wrap(sec.note, w, "  ") {
				out = append(out, s.Dim.Render(l))
			}
		}
	}
	var kinds []helpCell
	for _, k := range plan.Kinds() {
		kinds = append(kinds, helpCell{key: s.Badge(k), desc: kindLabel(k)})
	}
	out = append(out, s.Title.Render("Kinds (the table's K column)"))
	out = append(out, grid(kinds, w)...)
	out = append(out, s.Title.Render("Marks"))
	out = append(out, grid([]helpCell{{"›", "cursor"}, {"●", "selected"}, {"◐", "partly selected"}, {"H", "held for approval by --auto"},
		{"I", "identity changed (first)"},
		{"~", "drift: changed on the terminal"}, {"nK", "n targets of kind K (shared column)"},
		{"◆", "the chosen suggestion's account"}, {"◇", "other suggestions"}}, w)...)
	return out
}

// View shows the help from top, with a line saying where it is.
func (h *helpScreen) View() string {
	lines := h.lines()
	room := max(1, h.height-1)
	top := max(0, min(h.top, len(lines)-room))
	end := min(len(lines), top+room)
	shown := append([]string(nil), lines[top:end]...)
	for len(shown) < room {
		shown = append(shown, "")
	}
	var where string
	switch {
	case top == 0 && end == len(lines):
		where = "esc, ? or q closes the help"
	case end < len(lines):
		where = fmt.Sprintf("lines %d–%d of %d · more below: ↓ pgdn end", top+1, end, len(lines))
	default:
		where = fmt.Sprintf("lines %d–%d of %d · end of help · ↑ pgup home", top+1, end, len(lines))
	}
	shown = append(shown, h.c.styles.Dim.Render(where))
	return clipLines(shown, h.width)
}

// Update scrolls the help, or closes it.
func (h *helpScreen) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	keys := h.c.keys
	if key.Matches(k, keys.Back, keys.Help, keys.Quit) {
		h.c.send(backMsg{})
		return nil
	}
	room := max(1, h.height-1)
	n := len(h.lines())
	top := max(0, min(h.top, n-room))
	top, _ = moved(keys, k, top, room, n)
	h.top = max(0, min(top, n-room))
	return nil
}

// moved is where a position goes for a movement key: a step, a page, the
// first or the last; ok is false for any other key. The caller clamps.
func moved(keys KeyMap, k tea.KeyPressMsg, pos, page, last int) (int, bool) {
	switch {
	case key.Matches(k, keys.Up):
		return pos - 1, true
	case key.Matches(k, keys.Down):
		return pos + 1, true
	case key.Matches(k, keys.PageUp):
		return pos - max(1, page), true
	case key.Matches(k, keys.PageDown):
		return pos + max(1, page), true
	case key.Matches(k, keys.Top):
		return 0, true
	case key.Matches(k, keys.Bottom):
		return last, true
	}
	return pos, false
}

// hint is a key shown in the footer; when the line is too narrow the
// hints with the highest drop go first (the later one among equals), and
// those with drop 0 always stay.
type hint struct {
	b    key.Binding
	drop int
}

// always makes hints of bindings that never give way.
func always(bs ...key.Binding) []hint {
	out := make([]hint, len(bs))
	for i, b := range bs {
		out[i] = hint{b: b}
	}
	return out
}

// withHelpQuit ends hints with "? help" and "q quit", which stay wherever
// they work.
func withHelpQuit(k *KeyMap, hs ...hint) []hint {
	return append(hs, hint{b: k.Help}, hint{b: k.Quit})
}

// scrollHints are the footer's moves through a list or text that scrolls,
// only those that move from where it is (atTop, atEnd): at the end "↓" and
// "G" did nothing. forward is the screen's key for the next page (space to
// read on, or pgdn).
func scrollHints(k *KeyMap, atTop, atEnd bool, forward key.Binding) []hint {
	var hs []hint
	if !atEnd {
		hs = append(hs, hint{k.Down, 1}, hint{forward, 2}, hint{k.Bottom, 3})
	}
	if !atTop {
		hs = append(hs, hint{k.Up, 1}, hint{k.Top, 3})
	}
	return hs
}

// cursorHints are the footer's moves of a cursor at cursor in a list of
// n rows: only those that move it (with one row, neither).
func cursorHints(k *KeyMap, cursor, n int) []hint {
	var hs []hint
	if cursor > 0 {
		hs = append(hs, hint{k.Up, 3})
	}
	if cursor < n-1 {
		hs = append(hs, hint{k.Down, 3})
	}
	return hs
}

// hintSep is the width of the footer's separator (" • ").
const hintSep = 3

// width is the hint's cells in the footer ("? help").
func (h hint) width() int {
	kw, _ := width(h.b.Help().Key)
	dw, _ := width(h.b.Help().Desc)
	return kw + 1 + dw
}

// hintsWidth is the width of the hints in one line, none left out.
func hintsWidth(hs []hint) int {
	total := -hintSep
	for _, h := range hs {
		total += h.width() + hintSep
	}
	return total
}

// fitHints keeps the hints that fit w cells, in their order.
func fitHints(hs []hint, w int) []key.Binding {
	const sep = hintSep
	widths := make([]int, len(hs))
	total := -sep
	for i, h := range hs {
		widths[i] = h.width()
		total += widths[i] + sep
	}
	shown := make([]bool, len(hs))
	for i := range shown {
		shown[i] = true
	}
	for total > w {
		worst := -1
		for i, h := range hs {
			if shown[i] && h.drop > 0 && (worst < 0 || h.drop >= hs[worst].drop) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		shown[worst] = false
		total -= widths[worst] + sep
	}
	out := make([]key.Binding, 0, len(hs))
	for i, h := range hs {
		if shown[i] {
			out = append(out, h.b)
		}
	}
	return out
}
