package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

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
	scroll  int
	loading bool
	entries []HistoryEntry
	err     error

	// door events, read from the targets in the background
	evReq     int
	evRefs    []AccountRef
	evLoading bool
	evRes     EventsResult
	evErr     error
	evCancel  context.CancelFunc // ends the read in flight (row changed, detail left)

	applied map[string]string // each item's status in the last apply
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
	return tea.Batch(d.loadHistory(r), d.loadEvents(r))
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
	d.stopEvents()
	d.evRefs, d.evRes, d.evErr = accountRefs(d.data, r), EventsResult{}, nil
	if len(d.evRefs) == 0 {
		d.evLoading = false
		return nil
	}
	req := d.c.nextReq()
	d.evReq, d.evLoading = req, true
	ctx, cancel := context.WithCancel(d.c.ctx)
	d.evCancel = cancel
	be, refs := d.c.opt.Backend, d.evRefs
	return func() tea.Msg {
		defer cancel()
		res, err := be.Events(ctx, refs, eventsLimit)
		return eventsMsg{req: req, res: res, err: err}
	}
}

// stopEvents cancels the events read in flight, if any.
func (d *detailScreen) stopEvents() {
	if d.evCancel != nil {
		d.evCancel()
		d.evCancel = nil
	}
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
	if msg.req != d.evReq {
		return
	}
	d.evLoading, d.evRes, d.evErr, d.evCancel = false, msg.res, msg.err, nil
}

func (d *detailScreen) SetSize(w, h int) { d.width, d.height = w, h }

// Update takes the row's history and door events as they come, and keys.
func (d *detailScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case historyMsg:
		d.onHistory(msg)
	case eventsMsg:
		d.onEvents(msg)
	case applyEndMsg:
		d.applied = msg.status
	case dataMsg:
		d.data = msg.data
	case rowMsg:
		d.row, d.has, d.sel = msg.row, msg.has, msg.sel
		if msg.load {
			d.scroll = 0
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
		d.stopEvents()
		if d.evLoading {
			// Its answer is dropped; opening the detail again reads anew.
			d.evReq, d.evLoading = 0, false
		}
	case key.Matches(k, d.c.keys.Down):
		d.scroll++
	case key.Matches(k, d.c.keys.Up):
		d.scroll = max(0, d.scroll-1)
	case key.Matches(k, d.c.keys.Toggle):
		if d.current() != nil {
			d.c.send(toggleRowMsg{})
		}
	case key.Matches(k, d.c.keys.Pick):
		if r := d.current(); r != nil {
			d.stopEvents()
			d.c.send(pickMsg{cands: candidates(d.data, r), from: screenDetail, what: rowLabel(r)})
		}
	case key.Matches(k, d.c.keys.NextRow):
		// the next row, without leaving the detail: the table moves and
		// tells the row (rowMsg)
		d.c.send(stepRowMsg{by: 1})
	case key.Matches(k, d.c.keys.PrevRow):
		d.c.send(stepRowMsg{by: -1})
	}
	return nil
}

func (d *detailScreen) ShortHelp() []key.Binding {
	k := &d.c.keys
	h := []hint{{k.Back, 1}, {k.Up, 3}, {k.Down, 3}, {k.Toggle, 2}, {k.NextRow, 2}}
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

// View is the row's lines from scroll, as many as fit.
func (d *detailScreen) View() string {
	r := d.current()
	if r == nil || d.data == nil {
		return "nothing to inspect"
	}
	lines := d.lines(r)
	d.scroll = min(d.scroll, max(0, len(lines)-d.height))
	lines = lines[d.scroll:]
	if len(lines) > d.height {
		lines = lines[:d.height]
	}
	for i, l := range lines {
		lines[i] = clip(l, d.width)
	}
	return strings.Join(lines, "\n")
}

func (d *detailScreen) lines(r *row) []string {
	s := d.c.styles
	p := &d.data.Plan
	zone := p.Zone()
	var out []string
	add := func(f string, a ...any) { out = append(out, fmt.Sprintf(f, a...)) }
	add("%s %s  %s", s.Badge(r.kind), s.Title.Render(rowLabel(r)), r.name)
	for _, mb := range d.membersOf(r) {
		add("member %s  %s%s", mb.ID, mb.Name(), inactive(mb))
		for _, ro := range mb.Roles {
			add("  role %d in organisation %d: %s … %s", ro.RoleID, ro.OrganisationID, dateText(ro.Start.String(), ro.Start.IsZero()), dateText(ro.End.String(), ro.End.IsZero()))
		}
		for _, pr := range mb.Problems {
			add("  %s", s.Err.Render("problem: "+pr))
		}
	}
	if !r.src.IsZero() {
		add("Cardskipper end %s", r.src)
	}
	for _, ix := range r.items {
		it := d.item(ix)
		add("")
		sel := " "
		if d.sel[it.ID] {
			sel = "●"
		}
		reason := it.Reason
		if it.Identity != "" {
			// The identity change in full, under the item's line: it is
			// what the admin must read before approving (issue 10).
			reason = strings.TrimPrefix(reason, "identity: "+it.Identity+"; ")
		}
		add("%s%s %s on %s — %s", sel, s.Badge(it.Kind), s.Bold.Render(kindLabel(it.Kind)), it.Target, reason)
		if it.Identity != "" {
			for _, l := range wrap("identity: "+printable(it.Identity), max(20, d.width), "  ") {
				add("%s", s.Warn.Render(l))
			}
		}
		if it.EmailWas != "" {
			add("  e-mail was %s at the last run: same member, same account", it.EmailWas)
		}
		if it.Account != "" {
			acc, ok := d.account(it.Target, it.Account)
			add("  account %s  name on terminal %q", it.Account, it.AccountName)
			if ok {
				add("  begin %s  end %s", timeText(acc.Begin, zone), accEnd(acc, zone))
			}
		}
		if it.Kind.Writes() {
			auto := "yes"
			if !it.Auto || p.Guard.Tripped {
				auto = "no: held for approval"
			}
			if at, ok := d.data.AutoHeld[it.ID]; ok {
				auto = "held for approval by the run of " + timeText(at, zone)
			}
			add("  %s → %s  (%+d days)  --auto: %s", endText(it.CurrentEnd, it.Permanent), endText(it.DesiredEnd, false), it.DaysDiff(zone), auto)
		}
		if it.LinkOrigin != "" {
			add("  link: %s%s", it.LinkOrigin, d.linkNote(it))
		}
		if it.Clamped {
			add("  %s", s.Warn.Render("clamped to the target's latest end"))
		}
		if it.Drift {
			add("  %s", s.Warn.Render("drift: changed on the terminal after the sync set it; re-asserted"))
		}
		if st, ok := d.applied[it.ID]; ok {
			add("  last apply: %s", st)
		}
	}
	add("")
	out = append(out, d.eventLines()...)
	add("")
	switch {
	case r.email == "" && len(historyQuery(d.data, r).Members) == 0:
		add("%s", s.Dim.Render("no e-mail and no member: no history"))
	case d.loading:
		add("%s", s.Dim.Render("history: loading…"))
	case d.err != nil:
		add("%s", s.Err.Render("history: "+d.err.Error()))
	case len(d.entries) == 0:
		add("%s", s.Dim.Render("history: nothing recorded yet"))
	default:
		add("%s", s.Bold.Render("history"))
		for _, e := range d.entries {
			line := fmt.Sprintf("  run %d %s %-10s %-8s %s %s → %s", e.RunID, timeText(e.At, zone),
				e.Kind, e.Status, e.Target, dashIf(e.Before), dashIf(e.After))
			if e.Drift {
				line += " drift"
			}
			if e.Error != "" {
				line += " " + s.Err.Render(e.Error)
			}
			add("%s", line)
		}
	}
	return out
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

// eventLines shows the door events: what the terminals saw when the member
// came (granted, or denied and why), newest first.
func (d *detailScreen) eventLines() []string {
	s := d.c.styles
	zone := d.data.Plan.Zone()
	res := d.evRes
	var out []string
	add := func(f string, a ...any) { out = append(out, fmt.Sprintf(f, a...)) }
	switch {
	case len(d.evRefs) == 0:
		add("%s", s.Dim.Render("door events: no account on a target"))
		return out
	case d.evLoading:
		add("%s", s.Dim.Render("door events: loading…"))
		return out
	case d.evErr != nil:
		add("%s", s.Err.Render("door events: "+printable(d.evErr.Error())))
		return out
	case len(res.Read) == 0 && len(res.Failed) == 0:
		add("%s", s.Dim.Render("door events: none of these targets keeps an event log"))
		return out
	}
	since := ""
	if !res.Since.IsZero() {
		since = " since " + res.Since.In(zone).Format("2006-01-02")
	}
	where := ""
	if len(res.Read) > 0 {
		where = " on " + strings.Join(res.Read, ", ")
	}
	if len(res.Entries) == 0 {
		add("%s", s.Dim.Render("door events: none"+since+where))
	} else {
		add("%s%s", s.Bold.Render("door events"), s.Dim.Render(since+where))
	}
	perTarget := map[string]int{}
	for _, ref := range d.evRefs {
		perTarget[ref.Target]++
	}
	// Column widths from what is shown, bounded so one long name or reason
	// does not push the door off an 80-column screen.
	tw, rw := 0, 0
	for _, e := range res.Entries {
		tw = max(tw, min(ansi.StringWidth(e.Target), 12))
		rw = max(rw, min(ansi.StringWidth(e.Reason), 32))
	}
	for _, e := range res.Entries {
		var verdict string
		switch e.Outcome {
		case target.OutcomeGranted:
			verdict = s.OK.Render(fit("granted", 7))
		case target.OutcomeDenied:
			verdict = s.Err.Render(fit("denied", 7))
		default:
			verdict = s.Dim.Render(fit("event", 7))
		}
		reason := printable(e.Reason)
		if e.Door != "" {
			reason = fit(reason, rw)
		}
		line := fmt.Sprintf("  %s  %s  %s  %s", timeText(e.Time, zone), fit(printable(e.Target), tw), verdict, reason)
		if e.Door != "" {
			line += s.Dim.Render("  " + printable(e.Door))
		}
		if perTarget[e.Target] > 1 {
			line += s.Dim.Render("  account " + printable(e.Account))
		}
		add("%s", line)
	}
	for _, n := range res.Notes {
		add("  %s", s.Dim.Render(printable(n)))
	}
	for _, f := range res.Failed {
		add("  %s", s.Err.Render(printable(f)))
	}
	return out
}

// printable replaces control characters (an escape sequence in a headline
// a platform sent, a newline in an error) with spaces: text from a target
// must not drive the operator's terminal nor break the layout.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
