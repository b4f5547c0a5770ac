package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/plan"
)

const runsShown = 50

// historyScreen is the list of past runs and the items of one of them.
// The keys move the runs' cursor until enter opens a run's items; then
// they scroll the items, and esc gives them back to the runs.
type historyScreen struct {
	c             *common
	width, height int

	req     int
	runs    []RunEntry
	cursor  int
	err     error // reading the runs
	loading bool

	itemsReq     int
	items        []HistoryEntry
	itemsOf      int64 // the run whose items show (0: none)
	itemsErr     error
	itemsLoading bool
	itemsTop     int  // the first item shown
	inItems      bool // the keys scroll the items
	// The items are narrowed to one kind and one target ("": every one);
	// the narrowing stays when another run is opened. shown are the
	// indices of the items it leaves.
	kind   plan.Kind
	target string
	shown  []int
}

// open shows the history and reads the runs again.
func (h *historyScreen) open() tea.Cmd {
	h.c.send(focusMsg{screenHistory})
	req := h.c.nextReq()
	h.req, h.loading, h.err = req, true, nil
	h.itemsOf, h.items, h.itemsErr, h.itemsLoading, h.inItems = 0, nil, nil, false, false
	be, ctx := h.c.opt.Backend, h.c.ctx
	return func() tea.Msg {
		rs, err := be.Runs(ctx, runsShown)
		return runsMsg{req: req, runs: rs, err: err}
	}
}

// loadItems asks for the items of the run under the cursor (none without
// runs) and gives them the keys.
func (h *historyScreen) loadItems() tea.Cmd {
	if h.cursor < 0 || h.cursor >= len(h.runs) {
		return nil
	}
	req, id := h.c.nextReq(), h.runs[h.cursor].ID
	h.itemsReq, h.itemsOf, h.items, h.itemsErr = req, id, nil, nil
	h.itemsLoading, h.itemsTop, h.inItems = true, 0, true
	be, ctx := h.c.opt.Backend, h.c.ctx
	return func() tea.Msg {
		es, err := be.RunItems(ctx, id)
		return runItemsMsg{req: req, run: id, entries: es, err: err}
	}
}

func (h *historyScreen) SetSize(w, ht int) { h.width, h.height = w, ht }

// Update takes the runs and a run's items as they come, and keys.
func (h *historyScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return h.onKey(msg)
	case runsMsg:
		if msg.req == h.req {
			h.loading, h.runs, h.err = false, msg.runs, msg.err
			h.cursor = clampIndex(h.cursor, len(h.runs))
		}
	case runItemsMsg:
		if msg.req == h.itemsReq {
			h.itemsLoading, h.items, h.itemsErr = false, msg.entries, msg.err
			h.narrow()
		}
	}
	return nil
}

// clampIndex keeps i a valid index of n elements, 0 when there are none
// (callers check n before indexing).
func clampIndex(i, n int) int { return max(0, min(i, n-1)) }

// historyLayout is how the view's height is shared: runs shown, and item
// lines (0 when no run's items are open).
type historyLayout struct{ runs, items int }

// Lines besides the lists: title and runs header (the note on the
// cursor's run follows, as many lines as it wraps to: runNote); items
// title and items header.
const (
	histTopLines   = 2
	histItemsLines = 2
	// histNoteMax bounds the note on the cursor's run (its error wraps).
	histNoteMax = 4
)

func (h *historyScreen) layout(height int) historyLayout {
	top := histTopLines + len(h.runNote())
	if h.itemsOf == 0 {
		return historyLayout{runs: min(len(h.runs), max(1, height-top))}
	}
	runs := min(len(h.runs), max(3, (height-top-histItemsLines)/3))
	return historyLayout{runs: runs, items: max(1, height-top-runs-histItemsLines)}
}

func (h *historyScreen) onKey(k tea.KeyPressMsg) tea.Cmd {
	keys := h.c.keys
	if key.Matches(k, keys.Back) {
		if h.inItems {
			h.inItems = false
		} else {
			h.c.send(focusMsg{screenTable})
		}
		return nil
	}
	lay := h.layout(h.height)
	if h.inItems {
		switch {
		case key.Matches(k, keys.NextTab, keys.PrevTab):
			h.kind = nextOf(itemKinds(h.items), h.kind, key.Matches(k, keys.NextTab))
			h.narrow()
		case key.Matches(k, keys.NextTarget):
			h.target = nextOf(itemTargets(h.items), h.target, true)
			h.narrow()
		default:
			top, _ := moved(keys, k, h.itemsTop, lay.items, len(h.shown))
			h.itemsTop = max(0, min(top, len(h.shown)-lay.items))
		}
		return nil
	}
	if key.Matches(k, keys.OpenRun) {
		return h.loadItems()
	}
	h.cursor, _ = moved(keys, k, h.cursor, lay.runs, len(h.runs)-1)
	h.cursor = clampIndex(h.cursor, len(h.runs))
	return nil
}

// narrow keeps the items of the kind and target chosen, from the top.
func (h *historyScreen) narrow() {
	h.shown, h.itemsTop = h.shown[:0], 0
	for i := range h.items {
		if e := &h.items[i]; (h.kind == "" || e.Kind == h.kind) && (h.target == "" || e.Target == h.target) {
			h.shown = append(h.shown, i)
		}
	}
}

// itemKinds are the kinds of the items, in the plan's order of kinds.
func itemKinds(items []HistoryEntry) []plan.Kind {
	var out []plan.Kind
	for _, k := range plan.Kinds() {
		if slices.ContainsFunc(items, func(e HistoryEntry) bool { return e.Kind == k }) {
			out = append(out, k)
		}
	}
	return out
}

// itemTargets are the targets of the items, in the order first met.
func itemTargets(items []HistoryEntry) []string {
	var out []string
	for i := range items {
		if t := items[i].Target; t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// nextOf is the choice after (forward) or before cur in "every one" ("")
// followed by choices; a choice no longer among them starts again.
func nextOf[T comparable](choices []T, cur T, forward bool) T {
	var every T
	all := append([]T{every}, choices...)
	i := slices.Index(all, cur)
	switch {
	case i < 0:
		return every
	case forward:
		return all[(i+1)%len(all)]
	}
	return all[(i+len(all)-1)%len(all)]
}

// narrowing names the items' kind and target chosen ("": every one).
func (h *historyScreen) narrowing() string {
	var parts []string
	if h.kind != "" {
		parts = append(parts, kindLabel(h.kind))
	}
	if h.target != "" {
		parts = append(parts, "on "+h.target)
	}
	return strings.Join(parts, " ")
}

// ShortHelp: the moves and enter while there are runs; the items' moves
// and narrowing once a run's items have the keys.
func (h *historyScreen) ShortHelp() []key.Binding {
	k := &h.c.keys
	if h.inItems {
		var hs []hint
		if lay := h.layout(h.height); len(h.shown) > lay.items {
			// The items' moves from where they are: at the top "↑" did
			// nothing (review of issue 13).
			top := max(0, min(h.itemsTop, len(h.shown)-lay.items))
			hs = scrollHints(k, top == 0, top >= len(h.shown)-lay.items, k.PageDown)
		}
		return fitHints(withHelpQuit(k, append(hs, hint{k.NextTab, 1}, hint{k.NextTarget, 1}, hint{k.Back, 1})...), h.width)
	}
	hs := cursorHints(k, h.cursor, len(h.runs))
	if len(h.runs) > 0 {
		hs = append(hs, hint{k.OpenRun, 1})
	}
	return fitHints(withHelpQuit(k, append(hs, hint{k.Back, 1})...), h.width)
}

func (h *historyScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{{h.c.keys.OpenRun, h.c.keys.NextTab, h.c.keys.PrevTab, h.c.keys.NextTarget}}
}

// Columns of the runs list: id, start, mode, user and outcome; the counts
// follow in words, only those not zero ("17 applied, 76 cancelled", as
// the apply's summary says them), as wide as the longest; an error follows
// as far as the screen allows (the note under the list has it in full).
// When the counts do not fit beside them, the user's and then the mode's
// columns leave the list for the note.
const (
	runIDW      = 5
	runModeW    = 7
	runOutcomeW = 9
	runUserMin  = 6
	runUserMax  = 20
	// runFixedW is the mark, id, start and outcome columns with their gaps
	// and the counts' gap.
	runFixedW = 2 + runIDW + 1 + 16 + 1 + runOutcomeW + 1
	// runTailMin is the least room an error is shown in after the counts.
	runTailMin = 16
	// itemEmailMax bounds the items' e-mail column (the error follows it).
	itemEmailMax = 60
	// itemStatusW is the items' status column: "cancelled" whole.
	itemStatusW = len("cancelled")
)

// runCountOrder are the counts of a run the list shows, in the order of
// the run's summary.
func runCountOrder() [6]string {
	return [6]string{"applied", "failed", "stale", "held", "skipped", "cancelled"}
}

// runCounts is a run's counts in words, those not zero: "27 applied, 2
// failed, 1 held" ("nothing" when all are).
func runCounts(r *RunEntry) string {
	var parts []string
	for _, c := range runCountOrder() {
		if n := r.Counts[c]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, c))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// runColumns are the runs list's columns at a width: whether the mode
// shows, the user's width (0: not shown) and the counts' width.
type runColumns struct {
	mode         bool
	user, counts int
}

// modeUser are the mode's and the user's cells, each with its gap, as far
// as they show.
func (c runColumns) modeUser(mode, user string) string {
	var out string
	if c.mode {
		out += fit(mode, runModeW) + " "
	}
	if c.user > 0 {
		out += fit(user, c.user) + " "
	}
	return out
}

// runColumnsAt lays the runs list out at w cells: the counts as wide as
// the longest, with the mode and the user beside them (the user within
// runUserMin and runUserMax) while they fit; else without the user, then
// without the mode, the counts cut only then.
func runColumnsAt(runs []RunEntry, w int) runColumns {
	user, counts := len("user"), len("items")
	for i := range runs {
		n, _ := width(runs[i].User)
		user = max(user, n)
		counts = max(counts, ansi.StringWidth(runCounts(&runs[i])))
	}
	if left := w - runFixedW - (runModeW + 1) - counts - 1; left >= runUserMin {
		return runColumns{mode: true, user: min(user, runUserMax, left), counts: counts}
	}
	if w-runFixedW-(runModeW+1) >= counts {
		return runColumns{mode: true, counts: counts}
	}
	return runColumns{counts: max(len("items"), min(counts, w-runFixedW))}
}

func (h *historyScreen) View() string {
	s := h.c.styles
	w := h.width
	title := s.Title.Render("History")
	switch {
	case h.inItems:
		title += s.Dim.Render(fmt.Sprintf("   items of run %d · esc: back to the runs", h.itemsOf))
	case len(h.runs) > 0:
		title += s.Dim.Render(fmt.Sprintf("   %s · enter: items of a run · esc: back", plural(len(h.runs), "run")))
	}
	out := []string{title}
	switch {
	case h.loading:
		out = append(out, "loading…")
	case h.err != nil:
		out = append(out, s.Err.Render("could not read the runs: "+h.err.Error()))
	case len(h.runs) == 0:
		out = append(out, "No runs recorded yet.",
			s.Dim.Render("A run is recorded each time doorsync writes to the targets:"),
			s.Dim.Render("approve with a in the table, or doorsync apply, sync --auto or watch."),
			s.Dim.Render("esc goes back to the table."))
	}
	if len(h.runs) == 0 {
		return clipLines(out, w)
	}
	lay := h.layout(h.height)
	cols := runColumnsAt(h.runs, w)
	hdr := "  " + fitRight("run", runIDW) + " " + fit("started", 16) + " " + cols.modeUser("mode", "user") +
		fit("outcome", runOutcomeW) + " items"
	out = append(out, s.Header.Render(fit(hdr, w)))
	zone := h.c.zone
	start := max(0, min(h.cursor-lay.runs/2, len(h.runs)-lay.runs))
	for i := start; i < start+lay.runs && i < len(h.runs); i++ {
		r := h.runs[i]
		line := mark(i == h.cursor) + " " + fitRight(strconv.FormatInt(r.ID, 10), runIDW) + " " + fit(timeText(r.StartedAt, zone), 16) + " " +
			cols.modeUser(dashIf(r.Mode), dashIf(r.User)) +
			fit(dashIf(r.Outcome), runOutcomeW) + " " + fit(runCounts(&r), cols.counts)
		if n, _ := width(line); w-n-2 >= runTailMin {
			line = withTail(line, r.Error, s.Err, w)
		}
		if i == h.cursor && !h.inItems {
			line = s.Cursor.Render(fit(line, w))
		}
		out = append(out, line)
	}
	out = append(out, h.runNote()...)
	if h.itemsOf != 0 {
		out = append(out, h.itemLines(lay.items)...)
	}
	return clipLines(out, w)
}

// runNote is what the list says under the runs about the one under the
// cursor, wrapped to the width (at most histNoteMax lines): its mode and
// user when the list has no room for them, when it finished, its counts
// when the list cut them, and its error in full (the list has room for
// little of it at 80 columns).
func (h *historyScreen) runNote() []string {
	if len(h.runs) == 0 || h.loading || h.err != nil {
		return nil
	}
	s := h.c.styles
	r := &h.runs[clampIndex(h.cursor, len(h.runs))]
	w := max(20, h.width)
	cols := runColumnsAt(h.runs, h.width)
	line := fmt.Sprintf("run %d", r.ID)
	switch {
	case !cols.mode:
		line += fmt.Sprintf(" (%s by %s)", dashIf(r.Mode), dashIf(r.User))
	case cols.user == 0:
		line += " by " + dashIf(r.User)
	}
	if r.FinishedAt.IsZero() {
		line += " did not finish"
	} else {
		line += fmt.Sprintf(" finished %s, after %s", timeText(r.FinishedAt, h.c.zone), r.FinishedAt.Sub(r.StartedAt).Round(time.Second))
	}
	if ansi.StringWidth(runCounts(r)) > cols.counts {
		line += ": " + runCounts(r)
	}
	var out []string
	for _, l := range wrapHang(line, w, "", "  ") {
		out = append(out, s.Dim.Render(l))
	}
	if r.Error != "" {
		for _, l := range wrapHang(printable(r.Error), w, "  ", "  ") {
			out = append(out, s.Err.Render(l))
		}
	}
	if len(out) > histNoteMax {
		out = out[:histNoteMax]
		out[histNoteMax-1] = fit(out[histNoteMax-1], w-1) + "…"
	}
	return out
}

// itemLines are the open run's items: a title with the position, a header
// and up to n items from itemsTop. Dates keep their width; e-mails and
// targets give way (with an ellipsis) at narrow widths.
func (h *historyScreen) itemLines(n int) []string {
	s := h.c.styles
	w := h.width
	head := fmt.Sprintf("Items of run %d", h.itemsOf)
	switch {
	case h.itemsLoading:
		return []string{s.Bold.Render(head), "loading…"}
	case h.itemsErr != nil:
		return []string{s.Bold.Render(head), s.Err.Render("could not read the items: " + h.itemsErr.Error())}
	case len(h.items) == 0:
		return []string{s.Bold.Render(head), fmt.Sprintf("run %d recorded no items", h.itemsOf)}
	}
	if what := h.narrowing(); what != "" {
		head += " · " + what
	}
	if len(h.shown) == 0 {
		return []string{s.Bold.Render(head), fmt.Sprintf("none of its %s: tab and t narrow otherwise", plural(len(h.items), "item"))}
	}
	top := max(0, min(h.itemsTop, len(h.shown)-n))
	end := min(len(h.shown), top+n)
	pos := fmt.Sprintf("items %d–%d of %d", top+1, end, len(h.shown))
	if len(h.shown) < len(h.items) {
		pos += fmt.Sprintf(" (%d in the run)", len(h.items))
	}
	if end-top < len(h.shown) && h.inItems {
		pos += " · ↑↓ pgup pgdn home end scroll"
	}
	// kind, status, the two dates and the gaps are fixed; the target and
	// the e-mail are as wide as their longest (of every item: the columns
	// stay put while scrolling) within what the width leaves, and the
	// error follows.
	tw, ew := len("target"), len("e-mail")
	for i := range h.items {
		n, _ := width(h.items[i].Target)
		tw = max(tw, n)
		n, _ = width(itemWho(&h.items[i]))
		ew = max(ew, n)
	}
	tw = min(tw, 12)
	const fixed = 2 + 10 + 1 + itemStatusW + 1 + 1 + 1 + dateW + 3 + dateW
	ew = max(8, min(ew, itemEmailMax, w-fixed-tw))
	out := []string{s.Bold.Render(head) + "  " + s.Dim.Render(pos),
		s.Header.Render(fit("  "+fit("kind", 10)+" "+fit("status", itemStatusW)+" "+fit("e-mail", ew)+" "+fit("target", tw)+" "+
			fit("before", dateW)+"   "+"after", w))}
	for _, i := range h.shown[top:end] {
		e := h.items[i]
		line := "  " + fit(kindLabel(e.Kind), 10) + " " + fit(e.Status, itemStatusW) + " " + fit(itemWho(&e), ew) + " " + fit(e.Target, tw) + " " +
			pad(dashIf(e.Before), dateW) + " → " + pad(dashIf(e.After), dateW)
		out = append(out, withTail(line, e.Error, s.Err, w))
	}
	return out
}

// itemWho names an item's member: its e-mail, else its account.
func itemWho(e *HistoryEntry) string {
	if e.Email != "" {
		return string(e.Email)
	}
	return "account " + e.Account
}

// withTail adds tail (an error, in st) after line as far as w cells
// allow, cut with an ellipsis: the columns before it are never cut for it.
func withTail(line, tail string, st lipgloss.Style, w int) string {
	if tail == "" {
		return line
	}
	n, _ := width(line)
	if room := w - n - 2; room >= 2 {
		return line + "  " + st.Render(clip(tail, room))
	}
	return line
}

// clipLines joins lines, each cut to w cells.
func clipLines(lines []string, w int) string {
	for i, l := range lines {
		lines[i] = clip(l, w)
	}
	return strings.Join(lines, "\n")
}

func mark(b bool) string {
	if b {
		return "›"
	}
	return " "
}
