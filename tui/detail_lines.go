package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
)

// detailText gathers the detail's lines wrapped to its width: nothing is
// cut, a line too wide goes on under itself (issue 13 §3).
type detailText struct {
	w   int
	out []string
}

// add adds a line; its continuations are indented two more than it.
func (b *detailText) add(f string, a ...any) { b.hang("", fmt.Sprintf(f, a...)) }

// hang adds a line whose continuations are indented by hang ("": two more
// than the line).
func (b *detailText) hang(hang, line string) {
	b.out = append(b.out, wrapLine(line, b.w, hang)...)
}

// para adds text after first, wrapped, its continuations indented by
// hang: first is kept as it is (its spaces align columns).
func (b *detailText) para(first, hang, text string) {
	b.out = append(b.out, wrapHang(text, b.w, first, b.hangOf(hang))...)
}

// paraIn is para with the text, not the indents, drawn in st on every
// line it takes.
func (b *detailText) paraIn(st lipgloss.Style, first, hang, text string) {
	hang = b.hangOf(hang)
	for i, l := range wrapHang(text, b.w, first, hang) {
		lead := hang
		if i == 0 {
			lead = first
		}
		b.out = append(b.out, lead+st.Render(strings.TrimPrefix(l, lead)))
	}
}

// hangOf is hang, or two spaces when hang would take half the width.
func (b *detailText) hangOf(hang string) string {
	if ansi.StringWidth(hang) > b.w/2 {
		return "  "
	}
	return hang
}

// wrapLine is line as it fits in w cells: itself, or its words wrapped
// under its own indent, the continuations indented by hang (or, when hang
// is "" or would take half the width, two more than the line).
func wrapLine(line string, w int, hang string) []string {
	if ansi.StringWidth(line) <= w {
		return []string{line}
	}
	body := strings.TrimLeft(line, " ")
	lead := line[:len(line)-len(body)]
	if hang == "" || ansi.StringWidth(hang) > w/2 {
		hang = lead + "  "
	}
	return wrapHang(body, w, lead, hang)
}

// itemHang indents the continuations of an item's first line under its
// kind.
const itemHang = "     "

// lines is the whole detail of the row, wrapped to the width. A row of
// one member (or none) lists the member, then its items; a row that several
// members share (an ambiguous e-mail) lists each member with its own items
// and its own answer to "why", each item naming whose it is (§12).
func (d *detailScreen) lines(r *row) []string {
	s := d.c.styles
	b := &detailText{w: max(20, d.width)}
	members := d.membersOf(r)
	title := r.name
	if len(members) > 1 {
		names := make([]string, len(members))
		for i, mb := range members {
			names[i] = mb.Name()
		}
		title = strings.Join(names, ", ")
	}
	b.add("%s %s  %s", s.Badge(r.kind), s.Title.Render(rowLabel(r)), title)
	if len(members) <= 1 {
		for _, mb := range members {
			d.memberLines(b, mb, nil)
		}
		if !r.src.IsZero() {
			b.add("Cardskipper end %s", r.src)
		}
		for _, ix := range r.items {
			d.itemLines(b, d.item(ix), "")
		}
		b.add("")
		d.whyLines(b, r, nil)
		b.add("")
	} else {
		b.add("%s", s.Dim.Render(fmt.Sprintf("%d members share this e-mail: each is shown with its own items", len(members))))
		if !r.src.IsZero() {
			b.add("Cardskipper end %s", r.src)
		}
		ids := map[string]bool{}
		for _, mb := range members {
			ids[mb.ID] = true
			b.add("")
			d.memberLines(b, mb, s.Bold.Render)
			for _, ix := range r.items {
				if it := d.item(ix); it.MemberID == mb.ID {
					d.itemLines(b, it, mb.Name())
				}
			}
			b.add("")
			d.whyLines(b, r, &mb)
		}
		// A member the answer names that the row does not hold (the
		// member snapshot changed since these data were read).
		if !d.why.loading && d.whyErr == nil {
			for i := range d.whyRep.Members {
				if wm := &d.whyRep.Members[i]; !ids[wm.ID] {
					b.add("")
					d.whyMember(b, wm, d.whyRep.MembersAt)
				}
			}
		}
		var rest []*plan.Item
		for _, ix := range r.items {
			if it := d.item(ix); !ids[it.MemberID] {
				rest = append(rest, it)
			}
		}
		if len(rest) > 0 {
			b.add("")
			b.add("%s", s.Bold.Render("── accounts of no member ──"))
			for _, it := range rest {
				d.itemLines(b, it, "")
			}
		}
		b.add("")
	}
	d.eventLines(b)
	b.add("")
	d.historyLines(b, r)
	return b.out
}

// memberLines is the member, its roles and its data problems; heading,
// when set, draws the member's line as the heading of its group.
func (d *detailScreen) memberLines(b *detailText, mb member.Member, heading func(...string) string) {
	line := fmt.Sprintf("member %s  %s%s", mb.ID, mb.Name(), inactive(mb))
	if heading != nil {
		line = heading("── " + line + " ──")
	}
	b.add("%s", line)
	for _, ro := range mb.Roles {
		b.add("  role %d in organisation %d: %s … %s", ro.RoleID, ro.OrganisationID, dateText(ro.Start.String(), ro.Start.IsZero()), dateText(ro.End.String(), ro.End.IsZero()))
	}
	for _, pr := range mb.Problems {
		b.add("  %s", d.c.styles.Err.Render("problem: "+pr))
	}
}

// itemLines is one item: what the plan does on its target and why, its
// account, its dates, how it was linked. whose names its member when the
// row holds several.
func (d *detailScreen) itemLines(b *detailText, it *plan.Item, whose string) {
	s := d.c.styles
	p := &d.data.Plan
	zone := p.Zone()
	b.add("")
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
	on := it.Target
	if whose != "" {
		on += " for " + whose
	}
	b.para(fmt.Sprintf("%s%s %s on %s — ", sel, s.Badge(it.Kind), s.Bold.Render(kindLabel(it.Kind)), on), itemHang, reason)
	if it.Identity != "" {
		for _, l := range wrap("identity: "+printable(it.Identity), b.w, "  ") {
			b.add("%s", s.Warn.Render(l))
		}
	}
	if it.EmailWas != "" {
		b.add("  e-mail was %s at the last run: same member, same account", it.EmailWas)
	}
	if it.Account != "" {
		acc, ok := d.account(it.Target, it.Account)
		b.add("  account %s  name on terminal \"%s\"", it.Account, it.AccountName) // as written there: %q doubled its backslashes
		if ok {
			b.add("  begin %s  end %s", timeText(acc.Begin, zone), accEnd(acc, zone))
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
		b.para(fmt.Sprintf("  %s → %s  (%+d days)  --auto: ", endText(it.CurrentEnd, it.Permanent), endText(it.DesiredEnd, false), it.DaysDiff(zone)), "    ", auto)
	}
	if it.LinkOrigin != "" {
		b.add("  link: %s%s", it.LinkOrigin, d.linkNote(it))
	}
	if it.Clamped {
		b.add("  %s", s.Warn.Render("clamped to the target's latest end"))
	}
	if it.Drift {
		b.add("  %s", s.Warn.Render("drift: changed on the terminal after the sync set it; re-asserted"))
	}
	if st, ok := d.applied[it.ID]; ok {
		b.add("  last apply: %s", st)
	}
}

// historyLines is what the runs recorded of the row.
func (d *detailScreen) historyLines(b *detailText, r *row) {
	s := d.c.styles
	zone := d.data.Plan.Zone()
	switch {
	case r.email == "" && len(historyQuery(d.data, r).Members) == 0:
		b.add("%s", s.Dim.Render("no e-mail and no member: no history"))
	case d.loading:
		b.add("%s", s.Dim.Render("history: loading…"))
	case d.err != nil:
		b.add("%s", s.Err.Render("history: "+printable(d.err.Error())))
	case len(d.entries) == 0:
		b.add("%s", s.Dim.Render("history: nothing recorded yet"))
	default:
		b.add("%s", s.Bold.Render("history"))
		for _, e := range d.entries {
			line := fmt.Sprintf("  run %d %s %-10s %-8s %s %s → %s", e.RunID, timeText(e.At, zone),
				e.Kind, e.Status, e.Target, dashIf(e.Before), dashIf(e.After))
			if e.Drift {
				line += " drift"
			}
			if e.Error == "" {
				b.add("%s", line)
				continue
			}
			// the error wraps under the columns, which keep their spaces
			b.paraIn(s.Err, line+" ", "    ", printable(e.Error))
		}
	}
}

// pending adds the state of a read of the targets whose answer is not
// shown: under way (saying asking), left before it came, or failed; false
// when there is an answer to show.
func (d *detailScreen) pending(b *detailText, what, asking string, l *liveRead, err error) bool {
	s := d.c.styles
	switch {
	case l.loading:
		b.add("%s", s.Dim.Render(what+": "+asking))
	case l.stopped:
		b.add("%s", s.Dim.Render(what+": not read (the detail was left before the answer came)"))
	case err != nil:
		b.add("%s", s.Err.Render(what+": "+printable(err.Error())))
	default:
		return false
	}
	return true
}

// eventLines shows the door events: what the terminals saw when the member
// came (granted, or denied and why), newest first.
func (d *detailScreen) eventLines(b *detailText) {
	s := d.c.styles
	zone := d.data.Plan.Zone()
	res := d.evRes
	switch {
	case len(d.evRefs) == 0:
		b.add("%s", s.Dim.Render("door events: no account on a target"))
		return
	case d.pending(b, "door events", "loading…", &d.ev, d.evErr):
		return
	case len(res.Read) == 0 && len(res.Failed) == 0:
		b.add("%s", s.Dim.Render("door events: none of these targets keeps an event log"))
		return
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
		b.add("%s", s.Dim.Render("door events: none"+since+where))
	} else {
		b.add("%s%s", s.Bold.Render("door events"), s.Dim.Render(since+where))
	}
	perTarget := map[string]int{}
	for _, ref := range d.evRefs {
		perTarget[ref.Target]++
	}
	// Column widths from what is shown, as printed. The reason's column is
	// bounded so that one long reason does not push the door of every
	// line away; a longer reason is not cut: its line wraps under it.
	tw, rw, dw := 0, 0, 0
	for _, e := range res.Entries {
		tw = max(tw, min(ansi.StringWidth(printable(e.Target)), 12))
		rw = max(rw, ansi.StringWidth(printable(e.Reason)))
		dw = max(dw, ansi.StringWidth(printable(e.Door)))
	}
	lead := 2 + 16 + 2 + tw + 2 + 7 + 2 // up to the reason
	rw = min(rw, max(16, b.w-lead-2-dw))
	hang := strings.Repeat(" ", lead)
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
			reason = pad(reason, rw)
		}
		first := fmt.Sprintf("  %s  %s  %s  ", timeText(e.Time, zone), fit(printable(e.Target), tw), verdict)
		text := reason
		if e.Door != "" {
			text += s.Dim.Render("  " + printable(e.Door))
		}
		if perTarget[e.Target] > 1 {
			text += s.Dim.Render("  account " + printable(e.Account))
		}
		if ansi.StringWidth(first+text) <= b.w {
			b.out = append(b.out, first+text) // the columns' spaces kept
		} else {
			b.para(first, hang, text)
		}
	}
	for _, n := range res.Notes {
		b.add("  %s", s.Dim.Render(printable(n)))
	}
	for _, f := range res.Failed {
		b.add("  %s", s.Err.Render(printable(f)))
	}
}
