package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/plan"
)

// changesScreen is what changed since the last run (c): the items of the
// plan shown that the service found new, failed again, cancelled last
// time (a stopped apply), identity changes held and drift, then the drift
// that runs since wrote back (Data.Changes: which run is compared with,
// and why, is the service's rule). enter opens an item's row in the
// detail (a repaired one's when the plan still holds its account).
type changesScreen struct {
	c             *common
	width, height int

	data   *Data
	items  []changeItem
	cursor int
}

// changeItem is one row of the list: why, and what it shows, cleaned
// once (rows of the plan, then drift repaired, which the plan no longer
// shows).
type changeItem struct {
	why                    string
	kind                   plan.Kind
	member, target, reason string
	// id is the plan item whose row enter opens ("": none).
	id string
}

// Lines besides the list: the title and the header (the headline's lines
// are counted as wrapped: headLines).
const changesTopLines = 2

func (v *changesScreen) SetSize(w, h int) { v.width, v.height = w, h }

// Update takes new data and keys.
func (v *changesScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dataMsg:
		v.setData(msg.data)
	case tea.KeyPressMsg:
		return v.onKey(msg)
	}
	return nil
}

// setData lists the changed items of d in the order of their reasons
// (identity changes first, as everywhere), then of the plan; drift
// repaired last.
func (v *changesScreen) setData(d *Data) {
	v.data, v.items = d, nil
	index := make(map[string]int, len(d.Changes.Items))
	for i := range d.Plan.Items {
		index[d.Plan.Items[i].ID] = i
	}
	for _, why := range []plan.ChangeWhy{plan.ChangeIdentity, plan.ChangeFailed, plan.ChangeCancelled, plan.ChangeDrift, plan.ChangeNew} {
		for _, ch := range d.Changes.Items {
			if ix, ok := index[ch.ItemID]; ok && ch.Why == why {
				it := &d.Plan.Items[ix]
				v.items = append(v.items, changeItem{why: changeLabel(why), kind: it.Kind, member: printable(rowLabelItem(it)),
					target: printable(it.Target), reason: printable(changeReason(why, it)), id: it.ID})
			}
		}
	}
	for _, rd := range d.Changes.Repaired {
		v.items = append(v.items, v.repairedItem(rd))
	}
	v.cursor = clampIndex(v.cursor, len(v.items))
}

func (v *changesScreen) onKey(k tea.KeyPressMsg) tea.Cmd {
	keys := &v.c.keys
	switch {
	case key.Matches(k, keys.Back):
		v.c.send(focusMsg{screenTable})
	case key.Matches(k, keys.Inspect):
		if v.cursor < len(v.items) && v.items[v.cursor].id != "" {
			v.c.send(showItemMsg{id: v.items[v.cursor].id})
		}
	default:
		page := v.listHeight()
		if v.columns().reasonBelow {
			page = max(1, page/2) // an item and its reason
		}
		v.cursor, _ = moved(*keys, k, v.cursor, page, len(v.items)-1)
		v.cursor = clampIndex(v.cursor, len(v.items))
	}
	return nil
}

func (v *changesScreen) listHeight() int {
	return max(1, v.height-changesTopLines-len(v.headLines()))
}

// headLines is the headline wrapped to the width (none without a run).
func (v *changesScreen) headLines() []string {
	line := changesHeadline(v.data, v.c)
	if line == "" {
		return nil
	}
	return wrapHang(line, max(20, v.width), "", "  ")
}

func (v *changesScreen) ShortHelp() []key.Binding {
	k := &v.c.keys
	hs := cursorHints(k, v.cursor, len(v.items))
	if len(v.items) > 0 {
		hs = append(hs, hint{k.Inspect, 1})
	}
	return fitHints(withHelpQuit(k, append(hs, hint{k.Back, 1})...), v.width)
}

func (v *changesScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{{v.c.keys.Inspect}}
}

// repairedLabel names drift repaired in the list's why column.
const repairedLabel = "repaired"

// changeLabel names why an item changed, in words (never by colour alone).
func changeLabel(why plan.ChangeWhy) string {
	switch why {
	case plan.ChangeIdentity:
		return "identity"
	case plan.ChangeFailed:
		return "failed again"
	case plan.ChangeCancelled:
		return "cancelled"
	case plan.ChangeDrift:
		return "drift"
	}
	return "new"
}

// repairedItem is the row of drift repaired: the account, and the run
// that wrote it back.
func (v *changesScreen) repairedItem(rd RepairedDrift) changeItem {
	member := string(rd.Email)
	if member == "" {
		member = rd.Target + "/" + rd.Account
	}
	by := fmt.Sprintf("run %d", rd.RunID)
	if rd.RunMode != "" {
		by = fmt.Sprintf("the %s run %d of %s", rd.RunMode, rd.RunID, timeText(rd.RunAt, v.c.zone))
	}
	return changeItem{why: repairedLabel, kind: rd.Kind, member: printable(member), target: printable(rd.Target),
		reason: printable("account " + rd.Account + ": drift written back by " + by), id: rd.PlanItemID}
}

// changesHeadline is "since the last run 2026-12-05 06:00: 4 new, 2 failed
// again, 58 cancelled last time, 1 identity change, 3 drift, 2 drift
// repaired" ("": nothing to compare with yet).
func changesHeadline(d *Data, c *common) string { return changesLine(d, c, true) }

// changesLine is changesHeadline, naming the run's mode when withMode.
func changesLine(d *Data, c *common, withMode bool) string {
	if d == nil || d.Partial || d.Changes.RunID == 0 {
		return ""
	}
	ch := &d.Changes
	// The run compared with is named by its mode: "the last run" read as
	// the newest, which an --auto run after the apply is not (review of
	// issue 13).
	since := "since " + timeText(ch.RunAt, c.zone)
	if ch.RunMode != "" && withMode {
		since = "since the " + ch.RunMode + " run of " + timeText(ch.RunAt, c.zone)
	}
	if ch.None() {
		if ch.NewUntold {
			// What is new is not known: the view says why.
			return since + ": nothing failed again"
		}
		return since + ": nothing new"
	}
	var parts []string
	for _, p := range []struct {
		why  plan.ChangeWhy
		what string
	}{{plan.ChangeNew, "%d new"}, {plan.ChangeFailed, "%d failed again"}, {plan.ChangeCancelled, "%d cancelled last time"},
		{plan.ChangeIdentity, ""}, {plan.ChangeDrift, "%d drift"}} {
		n := ch.Count(p.why)
		switch {
		case n == 0:
		case p.what == "":
			parts = append(parts, plural(n, "identity change"))
		default:
			parts = append(parts, fmt.Sprintf(p.what, n))
		}
	}
	if n := len(ch.Repaired); n > 0 {
		parts = append(parts, fmt.Sprintf("%d drift repaired", n))
	}
	return since + ": " + strings.Join(parts, ", ")
}

// changesBrief is the headline in one count, for a status line too narrow
// for each reason: "since the last run 2026-12-05 06:00: 13 changed, 2
// drift repaired" ("": nothing to compare with, or nothing changed).
func changesBrief(d *Data, c *common) string {
	if changesLine(d, c, false) == "" || d.Changes.None() {
		return ""
	}
	ch := &d.Changes
	var parts []string
	if len(ch.Items) > 0 {
		parts = append(parts, fmt.Sprintf("%d changed", len(ch.Items)))
	}
	if len(ch.Repaired) > 0 {
		parts = append(parts, fmt.Sprintf("%d drift repaired", len(ch.Repaired)))
	}
	return "since the last run " + timeText(ch.RunAt, c.zone) + ": " + strings.Join(parts, ", ")
}

// changeColumns are the list's widths: why (as wide as the widest label
// shown), kind, member and target; the reason follows on the item's line
// when the longest fits there, else on lines of its own under each item
// (reasonBelow), wrapped: it is what the admin reads first.
type changeColumns struct {
	why, member, target int
	reasonBelow         bool
}

// changeKindW is the kind column ("reactivate").
const changeKindW = 10

// reasonIndent starts a reason on its own lines.
const reasonIndent = "    "

// reasonLinesMax bounds the lines of one item's reason below it.
const reasonLinesMax = 3

func (v *changesScreen) columns() changeColumns {
	if v.data == nil {
		return changeColumns{}
	}
	c := changeColumns{why: len("why"), member: len("member"), target: len("target")}
	reason := 0
	for _, ci := range v.items {
		c.why = max(c.why, len(ci.why))
		n, _ := width(ci.target)
		c.target = max(c.target, n)
		n, _ = width(ci.member)
		c.member = max(c.member, n)
		n, _ = width(ci.reason)
		reason = max(reason, n)
	}
	c.target = min(c.target, 12)
	fixed := 2 + c.why + 1 + changeKindW + 1 + 1 + c.target
	// The e-mail leaves the reason at least two fifths of what is left;
	// with the reason below, the e-mail has the line.
	longest := c.member
	c.member = max(8, min(longest, itemEmailMax, (v.width-fixed)*3/5))
	c.reasonBelow = v.width-fixed-c.member-2 < reason
	if c.reasonBelow {
		c.member = max(8, min(longest, itemEmailMax, v.width-fixed-1))
	}
	return c
}

// changeReason is what an item's change says: its identity change, else
// the plan's reason.
func changeReason(why plan.ChangeWhy, it *plan.Item) string {
	if why == plan.ChangeIdentity {
		return it.Identity
	}
	return it.Reason
}

// itemLines are the lines of the i-th changed item: its row, then its
// reason when it goes below.
func (v *changesScreen) itemLines(i int, c changeColumns) []string {
	s := v.c.styles
	w := v.width
	ci := &v.items[i]
	line := mark(i == v.cursor) + " " + fit(ci.why, c.why) + " " + fit(kindLabel(ci.kind), changeKindW) + " " +
		fit(ci.member, c.member) + " " + fit(dashIf(ci.target), c.target)
	reason := ci.reason
	if !c.reasonBelow {
		line = withTail(line, reason, s.Dim, w)
	}
	if i == v.cursor {
		line = s.Cursor.Render(fit(line, w))
	}
	out := []string{line}
	if c.reasonBelow && reason != "" {
		below := wrap(reason, max(20, w), reasonIndent)
		if len(below) > reasonLinesMax {
			below = below[:reasonLinesMax]
			below[reasonLinesMax-1] = fit(below[reasonLinesMax-1], w-1) + "…"
		}
		for _, l := range below {
			out = append(out, s.Dim.Render(l))
		}
	}
	return out
}

// window is the items shown in room lines around the cursor: from top,
// up to end (exclusive), about half the room above the cursor's.
func (v *changesScreen) window(room int, c changeColumns) (top, end int) {
	h := func(i int) int { return len(v.itemLines(i, c)) }
	cur := clampIndex(v.cursor, len(v.items))
	used := h(cur)
	top, end = cur, cur+1
	for top > 0 && used+h(top-1) <= (room+1)/2 {
		top--
		used += h(top)
	}
	for end < len(v.items) && used+h(end) <= room {
		used += h(end)
		end++
	}
	for top > 0 && used+h(top-1) <= room {
		top--
		used += h(top)
	}
	return top, end
}

func (v *changesScreen) View() string {
	s := v.c.styles
	w := v.width
	out := []string{s.Title.Render("What changed")}
	switch d := v.data; {
	case d == nil:
		return clipLines(append(out, "No data yet."), w)
	case d.Partial:
		return clipLines(append(out, "loading…"), w)
	case d.Changes.RunID == 0:
		return clipLines(append(out, "No run recorded yet: nothing to compare with.",
			s.Dim.Render("A run is recorded each time doorsync writes to the targets;"),
			s.Dim.Render("from the next one on, this view shows what is new since."),
			s.Dim.Render("esc goes back to the table.")), w)
	}
	for _, l := range v.headLines() {
		out = append(out, s.Dim.Render(l))
	}
	if v.data.Changes.NewUntold {
		// The runs compared with recorded only what operators approved.
		for _, l := range wrapHang("What is new is told once an unattended run (--auto, watch) has recorded the whole plan: an apply records only what was approved.", max(20, w), "", "  ") {
			out = append(out, s.Dim.Render(l))
		}
	}
	if len(v.items) == 0 {
		return clipLines(append(out, "Nothing new since that run.", s.Dim.Render("esc goes back to the table.")), w)
	}
	c := v.columns()
	hdr := "  " + fit("why", c.why) + " " + fit("kind", changeKindW) + " " + fit("member", c.member) + " " + fit("target", c.target)
	if !c.reasonBelow {
		hdr += "  reason"
	}
	out = append(out, s.Header.Render(fit(hdr, w)))
	room := v.listHeight()
	top, end := v.window(room, c)
	for i := top; i < end; i++ {
		out = append(out, v.itemLines(i, c)...)
	}
	return clipLines(out, w)
}
