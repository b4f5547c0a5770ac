package tui

import (
	"context"
	"fmt"
	"github.com/doorsync/doorsync/internal/textclean"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
)

// historyLimit is how many recorded items of an e-mail the detail shows;
// eventsLimit how many door events (across the row's targets).
const (
	historyLimit = 10
	eventsLimit  = 10
)

// detailScreen is the inspection of the row under the table's cursor.
type detailScreen struct {
	c             *common
	width, height int

	// the data shown, the table's row under its cursor (the table tells:
	// rowMsg) and which of its items are selected
	data *Data
	row  row
	has  bool
	sel  map[string]bool

	key     string
	req     int
	scroll  int  // the first line shown
	atEnd   bool // G was pressed: the end stays shown as lines arrive
	loading bool
	entries []HistoryEntry
	err     error

	// door events, read from the targets in the background
	ev     liveRead
	evRefs []AccountRef
	evRes  EventsResult
	evErr  error

	// why can't the row's members get in: read from the targets in the
	// background (why.go)
	why    liveRead
	whyRep WhyReport
	whyErr error

	applied map[string]string // each item's status in the last apply
}

// liveRead is a background read that talks to the targets (door events,
// why): numbered, so that an answer for a row no longer shown is dropped,
// and cancellable, so that moving on or leaving the detail ends it.
type liveRead struct {
	req     int
	loading bool
	cancel  context.CancelFunc
	// stopped: the detail was left before the answer came.
	stopped bool
}

// start ends the read in flight and begins another: its request id, and
// its context and cancel (the command calls cancel when it returns).
func (l *liveRead) start(c *common) (int, context.Context, context.CancelFunc) {
	l.stop()
	ctx, cancel := context.WithCancel(c.ctx)
	l.req, l.loading, l.cancel, l.stopped = c.nextReq(), true, cancel, false
	return l.req, ctx, cancel
}

// none is a row with nothing to read.
func (l *liveRead) none() {
	l.stop()
	l.stopped = false
}

// stop cancels the read in flight; its answer, if one comes, is dropped.
func (l *liveRead) stop() {
	if l.cancel != nil {
		l.cancel()
		l.cancel = nil
	}
	if l.loading {
		l.req, l.loading, l.stopped = 0, false, true
	}
}

// done takes the answer of request req: false when it is another's.
func (l *liveRead) done(req int) bool {
	if req != l.req || !l.loading {
		return false
	}
	l.loading, l.cancel = false, nil
	return true
}

func (d *detailScreen) current() *row {
	if !d.has {
		return nil
	}
	return &d.row
}

func (d *detailScreen) item(ix int32) *plan.Item { return &d.data.Plan.Items[ix] }

// load asks for the row's history and door events; a result for another
// row (the cursor moved, the data refreshed) is dropped by its request id,
// and the events read it replaces is cancelled: it talks to terminals.
func (d *detailScreen) load() tea.Cmd {
	r := d.current()
	if r == nil {
		return nil
	}
	d.key, d.entries, d.err = r.key, nil, nil
	return tea.Batch(d.loadHistory(r), d.loadEvents(r), d.loadWhy(r))
}

// historyQuery is whose history the row shows: its members' (by id, so
// that an e-mail another member held before brings none of theirs) and
// its e-mail's records without a member id.
func historyQuery(d *Data, r *row) HistoryQuery {
	q := HistoryQuery{Email: r.email}
	for _, ix := range r.items {
		if id := d.Plan.Items[ix].MemberID; id != "" && !slices.Contains(q.Members, id) {
			q.Members = append(q.Members, id)
		}
	}
	return q
}

func (d *detailScreen) loadHistory(r *row) tea.Cmd {
	q := historyQuery(d.data, r)
	if q.Email == "" && len(q.Members) == 0 {
		d.loading = false
		return nil
	}
	req := d.c.nextReq()
	d.req, d.loading = req, true
	be, ctx := d.c.opt.Backend, d.c.ctx
	return func() tea.Msg {
		es, err := be.History(ctx, q, historyLimit)
		return historyMsg{req: req, entries: es, err: err}
	}
}

func (d *detailScreen) loadEvents(r *row) tea.Cmd {
	d.evRefs, d.evRes, d.evErr = accountRefs(d.data, r), EventsResult{}, nil
	if len(d.evRefs) == 0 {
		d.ev.none()
		return nil
	}
	req, ctx, cancel := d.ev.start(d.c)
	be, refs := d.c.opt.Backend, d.evRefs
	return func() tea.Msg {
		defer cancel()
		res, err := be.Events(ctx, refs, eventsLimit)
		return eventsMsg{req: req, res: res, err: err}
	}
}

// stopReads cancels the reads of the targets in flight (door events, why).
func (d *detailScreen) stopReads() {
	d.ev.stop()
	d.why.stop()
}

// accountRefs are the accounts of a row's items, each once, in item order.
func accountRefs(d *Data, r *row) []AccountRef {
	var out []AccountRef
	seen := map[AccountRef]bool{}
	for _, ix := range r.items {
		it := &d.Plan.Items[ix]
		ref := AccountRef{Target: it.Target, Account: it.Account}
		if it.Account == "" || seen[ref] {
			continue
		}
		seen[ref] = true
		out = append(out, ref)
	}
	return out
}

func (d *detailScreen) onHistory(msg historyMsg) {
	if msg.req != d.req {
		return
	}
	d.loading, d.entries, d.err = false, msg.entries, msg.err
}

func (d *detailScreen) onEvents(msg eventsMsg) {
	if d.ev.done(msg.req) {
		d.evRes, d.evErr = msg.res, msg.err
	}
}

func (d *detailScreen) SetSize(w, h int) { d.width, d.height = w, h }

// Update takes the row's history and door events as they come, and keys.
func (d *detailScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case historyMsg:
		d.onHistory(msg)
	case eventsMsg:
		d.onEvents(msg)
	case whyMsg:
		d.onWhy(msg)
	case applyEndMsg:
		d.applied = msg.status
	case dataMsg:
		d.data = msg.data
	case rowMsg:
		d.row, d.has, d.sel = msg.row, msg.has, msg.sel
		if msg.load {
			d.scroll, d.atEnd = 0, false
			return d.load()
		}
	case loadRowMsg:
		return d.load()
	case tea.KeyPressMsg:
		return d.onKey(msg)
	}
	return nil
}

func (d *detailScreen) onKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, d.c.keys.Back, d.c.keys.Inspect, d.c.keys.Quit):
		d.c.send(focusMsg{screenTable})
		// Their answers are dropped; opening the detail again reads anew.
		d.stopReads()
	case key.Matches(k, d.c.keys.Toggle):
		if d.current() != nil {
			d.c.send(toggleRowMsg{})
		}
	case key.Matches(k, d.c.keys.Pick):
		if r := d.current(); r != nil {
			d.stopReads()
			d.c.send(pickMsg{cands: candidates(d.data, r), from: screenDetail, what: rowLabel(r)})
		}
	case key.Matches(k, d.c.keys.NextRow):
		// the next row, without leaving the detail: the table moves and
		// tells the row (rowMsg)
		d.c.send(stepRowMsg{by: 1})
	case key.Matches(k, d.c.keys.PrevRow):
		d.c.send(stepRowMsg{by: -1})
	default:
		// Every move the help lists scrolls: a line, a page, the top, the end.
		if r := d.current(); r != nil && d.data != nil {
			n := len(d.lines(r))
			page := d.page(n)
			if top, ok := moved(d.c.keys, k, d.scroll, page, n); ok {
				d.scroll = max(0, min(top, n-page))
				// G keeps to the end while more arrives (the why answer,
				// the door events): it stopped short of them.
				d.atEnd = key.Matches(k, d.c.keys.Bottom)
			}
		}
	}
	return nil
}

func (d *detailScreen) ShortHelp() []key.Binding {
	k := &d.c.keys
	h := []hint{{k.Back, 1}, {k.Up, 3}, {k.Down, 3}, {k.PageDown, 4}, {k.Bottom, 4}, {k.Toggle, 2}, {k.NextRow, 2}}
	if r := d.current(); r != nil && r.kinds&(kindBit(plan.Ambiguous)|kindBit(plan.Missing)) != 0 {
		h = append(h, hint{k.Pick, 2})
	}
	return fitHints(withHelpQuit(k, h...), d.width)
}

// FullHelp: the moves between rows (scrolling and selecting are the
// table's keys).
func (d *detailScreen) FullHelp() [][]key.Binding {
	k := &d.c.keys
	return [][]key.Binding{{k.NextRow, k.PrevRow}}
}

// page is how many of n lines fit: the body, less the line saying where
// the screen is when they do not all fit.
func (d *detailScreen) page(n int) int {
	if n <= d.height {
		return max(1, d.height)
	}
	return max(1, d.height-1)
}

// View is the row's lines from scroll, as many as fit, and, when they do
// not all fit, a line saying which are shown and how to see the rest.
func (d *detailScreen) View() string {
	r := d.current()
	if r == nil || d.data == nil {
		return "nothing to inspect"
	}
	lines := d.lines(r)
	n, page := len(lines), d.page(len(lines))
	if d.atEnd {
		d.scroll = n - page
	}
	d.scroll = max(0, min(d.scroll, n-page))
	end := min(n, d.scroll+page)
	shown := slices.Clone(lines[d.scroll:end])
	if n > page {
		for len(shown) < page {
			shown = append(shown, "")
		}
		where := fmt.Sprintf("lines %d–%d of %d · more below: ↓ pgdn G", d.scroll+1, end, n)
		if end == n {
			where = fmt.Sprintf("lines %d–%d of %d · the end · ↑ pgup g", d.scroll+1, end, n)
		}
		shown = append(shown, d.c.styles.Dim.Render(where))
	}
	return clipLines(shown, d.width)
}

func dashIf(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func inactive(m member.Member) string {
	if m.Inactive {
		return "  (inactive)"
	}
	return ""
}

func (d *detailScreen) membersOf(r *row) []member.Member {
	var out []member.Member
	ids := map[string]bool{}
	for _, ix := range r.items {
		if id := d.item(ix).MemberID; id != "" {
			ids[id] = true
		}
	}
	for _, mb := range d.data.Members {
		if (r.email != "" && mb.Email == r.email) || ids[mb.ID] {
			out = append(out, mb)
		}
	}
	return out
}

func (d *detailScreen) account(targetName, id string) (target.Account, bool) {
	for _, a := range d.data.Accounts[targetName] {
		if a.ID == id {
			return a, true
		}
	}
	return target.Account{}, false
}

func (d *detailScreen) linkNote(it *plan.Item) string {
	for _, l := range d.data.Links {
		if l.Email == it.Email && l.Target == it.Target && l.Account == it.Account {
			n := ""
			if l.CreatedBy != "" {
				n += " by " + l.CreatedBy
			}
			if !l.CreatedAt.IsZero() {
				n += " on " + l.CreatedAt.Format("2006-01-02")
			}
			if l.Note != "" {
				n += " (" + l.Note + ")"
			}
			return n
		}
	}
	return ""
}

// printable is text from outside (a headline a platform sent, an error)
// made safe to draw: a whole escape sequence goes (textclean), other
// control characters (a newline in an error) become spaces, so it neither
// drives the operator's terminal nor breaks the layout.
func printable(s string) string { return textclean.Clean(s) }
