package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/doorsync/doorsync/internal/member"
)

// "Why can't this member get in?" in the detail: Backend.Why answers it
// for the row's e-mail (the service reads the member's accounts live,
// which takes up to its timeout per target), in a command numbered and
// cancelled as the door events are. The detail shows, per member and
// target, the answer first in one line, then the evidence.

// whyMsg is Backend.Why's answer for request req.
type whyMsg struct {
	req int
	rep WhyReport
	err error
}

// loadWhy asks why the row's members can or cannot get in; a row without
// an e-mail asks nothing (the answer is keyed by e-mail).
func (d *detailScreen) loadWhy(r *row) tea.Cmd {
	d.whyRep, d.whyErr = WhyReport{}, nil
	if r.email == "" {
		d.why.none()
		return nil
	}
	req, ctx, cancel := d.why.start(d.c)
	be, email := d.c.opt.Backend, r.email
	return func() tea.Msg {
		defer cancel()
		rep, err := be.Why(ctx, email)
		return whyMsg{req: req, rep: rep, err: err}
	}
}

func (d *detailScreen) onWhy(msg whyMsg) {
	if d.why.done(msg.req) {
		d.whyRep, d.whyErr = msg.rep, msg.err
	}
}

// whyLines is the answer for member mb of the row (nil: for every member
// the answer names), or the state of the question while it has none.
func (d *detailScreen) whyLines(b *detailText, r *row, mb *member.Member) {
	s := d.c.styles
	rep := &d.whyRep
	switch {
	case r.email == "":
		b.add("%s", s.Dim.Render("why: not asked, the row has no e-mail (the answer is found by e-mail)"))
		return
	case d.pending(b, "why", "asking the targets…", &d.why, d.whyErr):
		return
	case rep.Answer != "":
		b.add("why: %s", printable(rep.Answer))
		return
	}
	shown := false
	for i := range rep.Members {
		if wm := &rep.Members[i]; mb == nil || wm.ID == mb.ID {
			d.whyMember(b, wm, rep.MembersAt)
			shown = true
		}
	}
	if !shown && mb != nil {
		b.add("%s", s.Dim.Render("why: the answer names no member "+mb.ID))
	}
}

// whyMember is one member's answer: whether it gets in everywhere, its
// validity in Cardskipper, then per target the answer and its evidence.
func (d *detailScreen) whyMember(b *detailText, wm *WhyMember, membersAt time.Time) {
	s := d.c.styles
	verdict := "gets in everywhere"
	if !wm.GetsIn {
		verdict = "does NOT get in everywhere"
	}
	b.add("%s", s.Bold.Render(fmt.Sprintf("why: %s, member %s: %s", printable(wm.Name), printable(wm.ID), verdict)))
	cs := "Cardskipper: " + printable(wm.Cardskipper.Answer)
	if !membersAt.IsZero() {
		// As the CLI says it: the answer rests on the members stored then.
		cs += "; members as read " + timeText(membersAt, d.c.zone) + ", " + age(d.c.opt.Clock.Now(), membersAt)
	}
	b.para("  ", "    ", cs)
	const evidence = "        "
	for _, t := range wm.Targets {
		b.para("  "+whyMarkStyle(s, t.Status).Render(pad(t.Status.Mark(), 4))+"  ", evidence, printable(t.Answer))
		for _, e := range t.Evidence {
			if strings.HasPrefix(e, "Cardskipper:") {
				continue // said once per member, above
			}
			b.para(evidence, evidence+"  ", printable(e))
		}
	}
}

// whyMarkStyle colours a target's status; the mark's word says it without
// colour.
func whyMarkStyle(s Styles, st WhyStatus) lipgloss.Style {
	switch st {
	case whyIn:
		return s.OK
	case whyOut:
		return s.Err
	case whyOpen:
		return s.Warn
	}
	return s.Dim
}
