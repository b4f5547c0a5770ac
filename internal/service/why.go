package service

// "Why can't this member get in?" (issue 13): per member holding an
// e-mail, per configured target, the answer first and then the evidence.
//
// What it reads, and why:
//   - Cardskipper: the stored member snapshot (the last fetch), with its
//     age — never a live export: the export is one large request (minutes
//     at 50,000 members), and the question is about the doors, whose
//     state is read live;
//   - which account, linked how: the planner (pure) over the stored
//     snapshots, the links and the accepted resolutions, exactly as a run
//     would plan them, so the answer cannot disagree with the plan;
//   - the account's period now, and a terminal's faces and cards: a live
//     read of just the member's accounts, bounded by a short timeout,
//     falling back to the snapshot and saying so; when the live read
//     differs from the snapshot the planner runs again on the live
//     accounts;
//   - held targets (rejected credentials, holds.go) are never contacted;
//   - door events: the session's event readers (events.go);
//   - pending and held items, the last write and its read-back: the
//     store's items and open journal entries.
//
// It writes nothing: no target, no run, no run lock, no snapshot.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/plan/accesslist"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/neyross"
)

// WhyTimeout bounds each live read Why makes of a target (the member's
// accounts, then their door events): an operator is waiting.
const WhyTimeout = 5 * time.Second

// whyEvents is how many door events Why shows per account; whyItems how
// many recorded items of the member it looks through.
const (
	whyEvents = 5
	whyItems  = 200
)

// WhyOptions tune Why.
type WhyOptions struct {
	// Timeout bounds each live read of a target (0: WhyTimeout).
	Timeout time.Duration
}

// Why answers "why can't this member get in?" with the default options
// (backend.Backend).
func (s *Service) Why(ctx context.Context, email member.Email) (backend.WhyReport, error) {
	return s.WhyWith(ctx, email, WhyOptions{})
}

// whyTarget is one configured target as Why sees it.
type whyTarget struct {
	info   target.Info
	reader target.Target // nil: a whole-list target (cannot be read)
	held   error
	// The stored snapshot, and what the live read found.
	stored  []target.Account
	takenAt time.Time
	snapErr error
	live    map[string]target.Account
	enrol   map[string]target.Enrolment
	liveErr error
	asked   bool // the live read was made
}

// WhyWith answers "why can't this member get in?" for email.
func (s *Service) WhyWith(ctx context.Context, email member.Email, o WhyOptions) (backend.WhyReport, error) {
	if o.Timeout <= 0 {
		o.Timeout = WhyTimeout
	}
	zone := s.cfg.Zone
	now := s.clock.Now().In(zone)
	today := member.DateOf(now, zone)
	rep := backend.WhyReport{Version: backend.WhyVersion, Email: email, At: now, Today: today, Members: []backend.WhyMember{}}
	members, membersAt, err := s.store.Members(ctx)
	if errors.Is(err, store.ErrNoSnapshot) {
		return rep, fmt.Errorf("why <%s>: no members stored yet: run doorsync plan (or --auto) once, then ask again", email)
	} else if err != nil {
		return rep, fmt.Errorf("why <%s>: %w", email, err)
	}
	rep.MembersAt = membersAt.In(zone)
	var mine []member.Member
	for _, m := range members {
		if m.Email == email {
			mine = append(mine, m)
		}
	}
	if len(mine) == 0 {
		rep.Answer = fmt.Sprintf("no Cardskipper member has the e-mail %s (members as read %s)", email, s.ago(membersAt, now))
		return rep, nil
	}

	targets, err := s.whyTargets(ctx)
	if err != nil {
		return rep, fmt.Errorf("why <%s>: %w", email, err)
	}
	snap := engine.Snapshot{Members: members, TakenAt: now, Organisations: EngineConfig(s.cfg).Rule.OrganisationIDs}
	for _, t := range targets {
		if t.reader != nil {
			snap.Targets = append(snap.Targets, plan.TargetState{Info: t.info, Accounts: t.stored, Err: t.snapErr})
		}
	}
	eng := s.session.eng
	p, err := eng.Plan(ctx, snap)
	if err != nil {
		return rep, fmt.Errorf("why <%s>: plan: %w", email, err)
	}
	ids := make([]string, len(mine))
	for i, m := range mine {
		ids[i] = m.ID
	}
	mineItems := func(p plan.Plan) []plan.Item {
		var out []plan.Item
		for _, it := range p.Items {
			if (it.MemberID != "" && slices.Contains(ids, it.MemberID)) || (it.MemberID == "" && it.Email == email) {
				out = append(out, it)
			}
		}
		return out
	}
	items := mineItems(p)
	first := items

	// The member's accounts, read live (held targets never), then the
	// planner again on what was read when it differs from the snapshot.
	s.readLive(ctx, eng, targets, items, email, o.Timeout)
	if changed := liveStates(snap.Targets, targets); changed != nil {
		snap.Targets = changed
		if p, err = eng.Plan(ctx, snap); err != nil {
			return rep, fmt.Errorf("why <%s>: plan: %w", email, err)
		}
		items = mineItems(p)
	}

	ev, evFailed := s.whyEvents(ctx, targets, items, o.Timeout)
	recs, err := s.store.ItemsForMembers(ctx, ids, email, whyItems)
	if err != nil {
		return rep, fmt.Errorf("why <%s>: %w", email, err)
	}
	open, err := s.store.OpenEntries(ctx)
	if err != nil {
		return rep, fmt.Errorf("why <%s>: %w", email, err)
	}
	links, err := s.store.Links(ctx)
	if err != nil {
		return rep, fmt.Errorf("why <%s>: %w", email, err)
	}
	w := whyContext{s: s, ctx: ctx, now: now, today: today, plan: &p, recs: recs, open: open, links: links, events: ev, eventsFailed: evFailed, membersAt: membersAt, members: members}
	rep.GetsIn = true
	for _, m := range mine {
		wm := w.member(m, targets, items, first)
		rep.GetsIn = rep.GetsIn && wm.GetsIn
		rep.Members = append(rep.Members, wm)
	}
	return rep, nil
}

// whyTargets are the configured targets in the configuration's order
// (account by account, then whole-list), each with its hold and stored
// snapshot.
func (s *Service) whyTargets(ctx context.Context) ([]*whyTarget, error) {
	ses := s.session.clients
	var out []*whyTarget
	for _, t := range ses.targets {
		out = append(out, &whyTarget{info: t.Info(), reader: t})
	}
	for _, l := range ses.lists {
		out = append(out, &whyTarget{info: l.Target.Info()})
	}
	for _, t := range out {
		hc, err := s.holds.check(ctx, t.info.Name)
		if err != nil {
			return nil, err
		}
		t.held = hc.held
		if t.reader == nil {
			continue
		}
		t.stored, t.takenAt, t.snapErr = s.store.Accounts(ctx, t.info.Name)
		if errors.Is(t.snapErr, store.ErrNoSnapshot) {
			t.snapErr = fmt.Errorf("%s has not been read yet (no snapshot): run doorsync plan", targetSubject(t.info.System, t.info.Name))
		}
	}
	return out, nil
}

// readLive reads the member's accounts on each target that is not held,
// all targets at once, each within timeout.
func (s *Service) readLive(ctx context.Context, eng *engine.Engine, targets []*whyTarget, items []plan.Item, email member.Email, timeout time.Duration) {
	var wg sync.WaitGroup
	for _, t := range targets {
		var ids []string
		for _, it := range items {
			if it.Target == t.info.Name && it.Account != "" && !slices.Contains(ids, it.Account) {
				ids = append(ids, it.Account)
			}
		}
		// The accounts the e-mail is on, which an item without an account
		// (a family sharing the address, ambiguous) does not name: their
		// faces and cards matter as much (review of issue 13).
		for _, id := range emailAccounts(t.stored, email) {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		if t.reader == nil || t.held != nil || t.snapErr != nil || len(ids) == 0 {
			continue
		}
		t.asked = true
		wg.Go(func() {
			rctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			name := t.info.Name
			err := eng.Try(rctx, name, timeout, func() error {
				var err error
				if er, ok := t.reader.(target.EnrolmentReader); ok {
					t.live, t.enrol, err = er.LookupEnrolled(rctx, ids)
				} else {
					t.live, err = t.reader.Lookup(rctx, ids)
				}
				return err
			})
			if err != nil {
				t.live, t.enrol = nil, nil
				if rctx.Err() != nil && ctx.Err() == nil {
					err = fmt.Errorf("%s: no answer within %s: %w", targetSubject(t.info.System, name), timeout, err)
				}
				t.liveErr = err
				return
			}
			// Asked for, not returned: gone from the target.
			for _, id := range ids {
				if _, ok := t.live[id]; !ok {
					if t.live == nil {
						t.live = map[string]target.Account{}
					}
					t.live[id] = target.Account{ID: id, Problems: []string{whyGone}}
				}
			}
		})
	}
	wg.Wait()
}

// whyGone marks, in a live read, an account the target no longer has.
const whyGone = "\x00gone"

func isGone(a target.Account) bool { return len(a.Problems) == 1 && a.Problems[0] == whyGone }

// liveStates are the target states with the live reads in place of the
// stored accounts (an account gone live is left out), or nil when the
// live reads changed nothing the planner sees.
func liveStates(states []plan.TargetState, targets []*whyTarget) []plan.TargetState {
	byName := map[string]*whyTarget{}
	for _, t := range targets {
		byName[t.info.Name] = t
	}
	var out []plan.TargetState
	for i, st := range states {
		t := byName[st.Info.Name]
		if t == nil || len(t.live) == 0 {
			continue
		}
		var accs []target.Account
		changed := false
		for _, a := range st.Accounts {
			l, ok := t.live[a.ID]
			switch {
			case !ok:
				accs = append(accs, a)
			case isGone(l):
				changed = true
			default:
				changed = changed || !samePeriod(a, l)
				accs = append(accs, l)
			}
		}
		if !changed {
			continue
		}
		if out == nil {
			out = slices.Clone(states)
		}
		out[i].Accounts = accs
	}
	return out
}

func samePeriod(a, b target.Account) bool {
	return a.Begin.Equal(b.Begin) && a.End.Equal(b.End) && a.Permanent == b.Permanent && len(a.Problems) == len(b.Problems)
}

// whyEvents reads the door events of the member's accounts on the targets
// whose live read answered, by target and account; failed names the
// targets asked whose events could not be read.
func (s *Service) whyEvents(ctx context.Context, targets []*whyTarget, items []plan.Item, timeout time.Duration) (events map[backend.AccountRef][]target.Event, failed map[string]bool) {
	var refs []backend.AccountRef
	for _, t := range targets {
		if !t.asked || t.liveErr != nil {
			continue
		}
		if _, ok := t.reader.(target.EventReader); !ok {
			continue
		}
		for _, it := range items {
			ref := backend.AccountRef{Target: t.info.Name, Account: it.Account}
			if it.Target == t.info.Name && it.Account != "" && !isGone(t.live[it.Account]) && !slices.Contains(refs, ref) {
				refs = append(refs, ref)
			}
		}
	}
	events, failed = map[backend.AccountRef][]target.Event{}, map[string]bool{}
	if len(refs) == 0 {
		return events, failed
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := s.Events(rctx, refs, whyEvents*len(refs))
	for _, r := range refs {
		failed[r.Target] = err != nil || !slices.Contains(res.Read, r.Target)
	}
	for _, e := range res.Entries {
		ref := backend.AccountRef{Target: e.Target, Account: e.Account}
		if len(events[ref]) < whyEvents {
			events[ref] = append(events[ref], e.Event)
		}
	}
	return events, failed
}

// ago says when t was, and how long before now.
func (s *Service) ago(t, now time.Time) string { return AgoText(t, now, s.cfg.Zone) }

// AgoText says when t was, in zone, and how long before now: "2026-05-12
// 08:30, 2 h ago" ("never" for the zero time).
func AgoText(t, now time.Time, zone *time.Location) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t).Round(time.Minute)
	var age string
	switch {
	case d < time.Minute:
		age = "just now"
	case d < time.Hour:
		age = fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		age = fmt.Sprintf("%d h ago", int(d.Hours()))
	default:
		age = fmt.Sprintf("%d days ago", int(d.Hours()/24))
	}
	return t.In(zone).Format("2006-01-02 15:04") + ", " + age
}

// whyContext is what every member's answer reads.
type whyContext struct {
	s            *Service
	ctx          context.Context
	now          time.Time
	today        member.Date
	plan         *plan.Plan
	recs         []store.ItemRecord
	open         []store.JournalEntry
	links        []identity.Link
	events       map[backend.AccountRef][]target.Event
	eventsFailed map[string]bool
	membersAt    time.Time
	members      []member.Member // every member stored: names for an account several share
}

func (w *whyContext) day(t time.Time) member.Date { return member.DateOf(t, w.s.cfg.Zone) }

func (w *whyContext) stamp(t time.Time) string {
	return t.In(w.s.cfg.Zone).Format("2006-01-02 15:04")
}

// member answers for one member on every target. items are the plan's
// (on the live reads), first the plan's on the snapshots alone: an account
// the live read found gone is the one the snapshot's plan named.
func (w *whyContext) member(m member.Member, targets []*whyTarget, items, first []plan.Item) backend.WhyMember {
	src := w.source(m)
	wm := backend.WhyMember{ID: m.ID, Name: m.Name(), Cardskipper: src, GetsIn: src.Valid}
	itemOf := func(items []plan.Item, name string) *plan.Item {
		var it *plan.Item
		for i := range items {
			x := &items[i]
			if x.Target == name && (x.MemberID == m.ID || (x.MemberID == "" && it == nil)) {
				it = x
			}
		}
		return it
	}
	for _, t := range targets {
		it := itemOf(items, t.info.Name)
		if was := itemOf(first, t.info.Name); was != nil && was.Account != "" && isGone(t.live[was.Account]) {
			// Gone since the snapshot: answered for the account it was.
			gone := *was
			if it != nil {
				gone.Kind, gone.Reason, gone.Auto = it.Kind, it.Reason, it.Auto
			}
			it = &gone
		}
		wt := w.target(m, src, t, it)
		wm.GetsIn = wm.GetsIn && (wt.Status == backend.WhyIn || wt.Status == backend.WhyNotApplicable)
		wm.Targets = append(wm.Targets, wt)
	}
	return wm
}

// source is what the member snapshot says of m today.
func (w *whyContext) source(m member.Member) backend.WhySource {
	rule := EngineConfig(w.s.cfg).Rule
	v := rule.Evaluate(m, w.today)
	src := backend.WhySource{Valid: v.ValidToday, Inactive: m.Inactive, Until: v.End, Starts: v.Starts,
		Problems: append(slices.Clone(m.Problems), v.Invalid...)}
	var latest *member.Role
	for i, r := range m.Roles {
		if !rule.Counts(r) {
			continue
		}
		if !w.today.Before(r.Start) && !w.today.After(r.End) {
			src.Roles = append(src.Roles, backend.WhyRole{OrganisationID: r.OrganisationID, RoleID: r.RoleID, Start: r.Start, End: r.End})
		}
		if latest == nil || r.End.After(latest.End) {
			latest = &m.Roles[i]
		}
	}
	if len(src.Roles) == 0 && latest != nil {
		src.Roles = []backend.WhyRole{{OrganisationID: latest.OrganisationID, RoleID: latest.RoleID, Start: latest.Start, End: latest.End}}
	}
	var roles []string
	for _, r := range src.Roles {
		roles = append(roles, fmt.Sprintf("role %d of organisation %d, %s … %s", r.RoleID, r.OrganisationID, r.Start, r.End))
	}
	switch {
	case m.Inactive:
		src.Answer = "inactive in Cardskipper"
	case v.ValidToday:
		src.Answer = fmt.Sprintf("valid today to %s", v.End)
	case !v.Starts.IsZero():
		src.Answer = fmt.Sprintf("not valid today: the membership starts %s", v.Starts)
	case v.Counting == 0:
		src.Answer = "not valid: no role that counts"
	default:
		src.Answer = fmt.Sprintf("expired %s", v.End)
	}
	if len(roles) > 0 {
		src.Answer += " (" + strings.Join(roles, "; ") + ")"
	}
	return src
}

// cardskipperShort is the member's side in an answer line.
func cardskipperShort(src backend.WhySource) string {
	switch {
	case src.Inactive:
		return "Cardskipper: inactive"
	case src.Valid:
		return "Cardskipper valid to " + src.Until.String()
	case !src.Starts.IsZero():
		return "Cardskipper: starts " + src.Starts.String()
	case src.Until.IsZero():
		return "Cardskipper: no role that counts"
	}
	return "Cardskipper expired " + src.Until.String()
}

// target answers for member m on target t, whose plan item is it (nil:
// none).
func (w *whyContext) target(m member.Member, src backend.WhySource, t *whyTarget, it *plan.Item) backend.WhyTarget {
	name := t.info.Name
	wt := backend.WhyTarget{Target: name, System: t.info.System, Evidence: []string{}}
	ev := func(format string, a ...any) { wt.Evidence = append(wt.Evidence, fmt.Sprintf(format, a...)) }
	ev("Cardskipper: %s; members as read %s", src.Answer, w.s.ago(w.membersAt, w.now))
	for _, p := range src.Problems {
		ev("Cardskipper data: %s", p)
	}

	// The target's state.
	switch {
	case t.held != nil:
		wt.State, wt.StateDetail = backend.WhyHeld, t.held.Error()
	case t.reader == nil:
		wt.State = backend.WhyNotRead
		at, err := w.s.session.eng.ListAccepted(w.ctx, name)
		switch {
		case err != nil:
			wt.StateDetail = err.Error()
		case at.IsZero():
			wt.StateDetail = "it cannot be read; it has accepted no list from doorsync yet"
		default:
			wt.StateDetail = "it cannot be read; the last list it accepted was sent " + w.s.ago(at, w.now)
		}
	case t.snapErr != nil:
		wt.State, wt.StateDetail = backend.WhyNotRead, t.snapErr.Error()
	case !t.asked:
		wt.State, wt.StateDetail = backend.WhyNotRead, "not asked: doorsync knows no account of the member there, and none carries the e-mail"
	case t.liveErr != nil:
		wt.State, wt.StateDetail = backend.WhyUnreachable, t.liveErr.Error()
		if target.ClassOf(t.liveErr) == target.Busy {
			wt.State = backend.WhyBusy
		}
	default:
		wt.State = backend.WhyReachable
	}
	if wt.StateDetail != "" {
		ev("target: %s — %s", stateWords(wt.State), wt.StateDetail)
	} else {
		ev("target: %s", stateWords(wt.State))
	}

	if it != nil {
		wt.Kind, wt.Reason, wt.Auto = it.Kind, it.Reason, w.plan.AppliedUnattended(*it)
	}
	w.records(&wt, m, it, name)

	if it != nil && it.Account == "" {
		// No account is the member's yet: say which carry the e-mail, as
		// the terminal holds them.
		for _, id := range emailAccounts(t.stored, m.Email) {
			line := "the e-mail is on account " + id
			for _, a := range t.stored {
				if a.ID == id && a.Name != "" {
					line += " (" + a.Name + ")"
				}
			}
			if en, ok := t.enrol[id]; ok {
				line += fmt.Sprintf(": %s, %s enrolled", countOf(&en.Faces, "face"), countOf(&en.Cards, "card"))
			}
			ev("%s", line)
		}
	}
	acc, gone := w.account(&wt, t, it)
	if acc != nil {
		wt.Account = acc
		ev("%s", w.linkLine(acc, m, name))
		ev("%s", w.periodLine(acc, t))
		if acc.Faces != nil || acc.Cards != nil {
			ev("enrolled: %s, %s", countOf(acc.Faces, "face"), countOf(acc.Cards, "card"))
		} else if t.info.System == hikvisionSystem {
			ev("enrolled: not known (faces and cards are read live only)")
		}
	}
	planLine := -1 // the evidence's "plan now:" line
	if it != nil {
		planLine = len(wt.Evidence)
		line := fmt.Sprintf("plan now: %s — %s", kindWords(it.Kind), it.Reason)
		switch {
		// Only a write is applied or held: "applied unattended: no" of an
		// item in sync said nothing.
		case it.Kind.Writes() && wt.Auto:
			line += "; --auto applies it"
		case it.Kind.Writes():
			line += "; --auto holds it for approval"
		}
		ev("%s", line)
	}
	if p := wt.Pending; p != nil {
		if p.Status == string(store.StatusHeld) {
			ev("pending: %s held for approval by run %d at %s", p.Kind, p.RunID, w.stamp(p.At))
		} else {
			ev("pending: a write of run %d to %s is still open in the journal (run %s)", p.RunID, w.stamp(p.Desired), w.stamp(p.At))
		}
	}
	if lw := wt.LastWrite; lw != nil {
		line := fmt.Sprintf("last write: run %d at %s, %s: %s → %s", lw.RunID, w.stamp(lw.At), lw.Status, endText(lw.Before), endText(lw.Desired))
		if !lw.ReadBack.IsZero() {
			line += ", read back " + endText(lw.ReadBack)
		}
		if lw.Error != "" {
			line += " — " + lw.Error
		}
		ev("%s", line)
	}
	if acc != nil && t.reader != nil {
		w.eventLines(&wt, t, acc.ID)
	}
	wt.Status, wt.Answer = w.verdict(src, t, it, acc, gone, &wt)
	if planLine >= 0 && wt.Status == backend.WhyUnknown {
		// The answer is the plan's reason: said once (review of issue 13).
		wt.Evidence[planLine] = "plan now: " + kindWords(it.Kind) + " (the answer says why)"
	}
	if wt.Status == backend.WhyNotApplicable {
		if why := w.listWhy(m, name); why != "" {
			// Which of the two: "no card, or no zone" left the admin to
			// find out (review of issue 13).
			wt.Answer = "not on the list and not meant to be: " + why
		}
	}
	wt.Answer = name + ": " + wt.Answer
	return wt
}

// listWhy says why member m is not on the whole-list target's list ("": not
// known), from the list built for that member alone by the configured
// rule: whether it lacks a card or a role that grants a zone does not
// depend on the other members.
func (w *whyContext) listWhy(m member.Member, name string) string {
	n := w.s.cfg.NTK
	if n == nil || n.Name != name {
		return ""
	}
	set, err := NTKListSettings(*n)
	if err != nil {
		return ""
	}
	res, err := accesslist.Build([]member.Member{m}, set, EngineConfig(w.s.cfg).Rule, w.today)
	if err != nil {
		return ""
	}
	return res.Why(m.ID)
}

// records finds the member's latest recorded items on the target: one
// that waits (held, or open in the journal) and the last write.
func (w *whyContext) records(wt *backend.WhyTarget, m member.Member, it *plan.Item, name string) {
	for _, r := range w.recs {
		if r.Target != name || (r.MemberID != "" && r.MemberID != m.ID) {
			continue
		}
		zone := w.s.cfg.Zone
		rec := &backend.WhyRecord{RunID: r.RunID, At: inZone(r.UpdatedAt, zone), Kind: r.Kind, Status: string(r.Status),
			Before: inZone(r.Before, zone), Desired: inZone(r.Desired, zone), ReadBack: inZone(r.After, zone), Error: r.Error}
		switch r.Status {
		case store.StatusHeld:
			// Only while nothing newer was written for it and the plan
			// still has something to write (in_sync is not recorded).
			if wt.Pending == nil && wt.LastWrite == nil && it != nil && it.Kind.Writes() {
				wt.Pending = rec
			}
		case store.StatusApplied, store.StatusFailed:
			if wt.LastWrite == nil {
				wt.LastWrite = rec
			}
		}
	}
	if it == nil || it.Account == "" {
		return
	}
	for _, e := range w.open {
		if e.Target == name && e.Account == it.Account {
			wt.Pending = &backend.WhyRecord{RunID: e.RunID, At: e.OpenedAt.In(w.s.cfg.Zone), Kind: it.Kind, Status: "open",
				Before: e.Before.In(w.s.cfg.Zone), Desired: e.Want.In(w.s.cfg.Zone)}
		}
	}
}

// account is the member's account on t as the answer shows it: the
// item's, read live when it could be, else from the snapshot. gone: the
// live read found it no longer there.
func (w *whyContext) account(wt *backend.WhyTarget, t *whyTarget, it *plan.Item) (*backend.WhyAccount, bool) {
	if it == nil || it.Account == "" || t.reader == nil {
		return nil, false
	}
	a := &backend.WhyAccount{ID: it.Account, Name: it.AccountName, Link: it.LinkOrigin, Read: "snapshot", ReadAt: t.takenAt.In(w.s.cfg.Zone)}
	var src target.Account
	found := false
	for _, x := range t.stored {
		if x.ID == it.Account {
			src, found = x, true
		}
	}
	if l, ok := t.live[it.Account]; ok {
		a.Read, a.ReadAt = "live", w.now
		if isGone(l) {
			a.Gone = true
			return a, true
		}
		src, found = l, true
		if en, ok := t.enrol[it.Account]; ok {
			if en.Faces >= 0 {
				a.Faces = &en.Faces
			}
			if en.Cards >= 0 {
				a.Cards = &en.Cards
			}
		}
	}
	if !found {
		return a, false
	}
	if a.Name == "" {
		a.Name = src.Name
	}
	zone := w.s.cfg.Zone
	a.Permanent, a.Begin, a.End = src.Permanent, inZone(src.Begin, zone), inZone(src.End, zone)
	if a.Link == "" && src.Email != "" {
		a.Link = string(identity.Terminal)
	}
	switch identity.Origin(a.Link) {
	case identity.Confirmed, identity.Imported:
		for _, l := range w.links {
			if l.Target == t.info.Name && l.Account == a.ID {
				a.LinkedAt, a.LinkedBy = inZone(l.CreatedAt, w.s.cfg.Zone), l.CreatedBy
			}
		}
	default:
		if at, ok, err := w.s.store.ResolutionSince(w.ctx, t.info.Name, a.ID); err == nil && ok {
			a.LinkedAt = inZone(at, w.s.cfg.Zone)
		}
	}
	return a, false
}

// linkLine says which account and how it was found.
func (w *whyContext) linkLine(a *backend.WhyAccount, m member.Member, name string) string {
	label := "account " + a.ID
	if a.Name != "" {
		label += " (" + a.Name + ")"
	}
	var how string
	switch identity.Origin(a.Link) {
	case identity.Terminal:
		how = "found by the member's e-mail on the account"
	case identity.Confirmed:
		how = "by a link an operator confirmed"
	case identity.Imported:
		how = "by a link imported from an iVMS-4200 export"
	case "accepted":
		how = "by member id " + m.ID + ", as an earlier run accepted it"
	default:
		how = "linked (" + a.Link + ")"
	}
	line := label + ", " + how
	switch {
	case !a.LinkedAt.IsZero() && a.LinkedBy != "":
		line += fmt.Sprintf(", since %s by %s", w.stamp(a.LinkedAt), a.LinkedBy)
	case !a.LinkedAt.IsZero():
		line += ", accepted since " + w.stamp(a.LinkedAt)
	}
	return line
}

// periodLine says the account's period and where it was read.
func (w *whyContext) periodLine(a *backend.WhyAccount, t *whyTarget) string {
	var period string
	switch {
	case a.Gone:
		period = "not on the target any more"
	case a.Permanent:
		period = "valid with no end (permanent)"
	case a.End.IsZero():
		period = "no period"
	default:
		period = endText(a.Begin) + " … " + endText(a.End)
	}
	if a.Read == "live" {
		return "period now: " + period + " (read live)"
	}
	why := "not read live"
	switch {
	case t.held != nil:
		why = "held: not contacted"
	case t.liveErr != nil:
		why = "the live read failed: " + t.liveErr.Error()
	}
	return fmt.Sprintf("period: %s (by the snapshot of %s; %s)", period, w.s.ago(a.ReadAt, w.now), why)
}

// eventLines adds the account's latest door events.
func (w *whyContext) eventLines(wt *backend.WhyTarget, t *whyTarget, account string) {
	if _, ok := t.reader.(target.EventReader); !ok || !t.asked || t.liveErr != nil {
		return
	}
	if w.eventsFailed[t.info.Name] {
		wt.Evidence = append(wt.Evidence, "door events: could not be read")
		return
	}
	evs := w.events[backend.AccountRef{Target: t.info.Name, Account: account}]
	if len(evs) == 0 {
		wt.Evidence = append(wt.Evidence, fmt.Sprintf("door events: none in the last %d days", EventsWindowDays))
		return
	}
	for _, e := range evs {
		we := backend.WhyEvent{Time: e.Time.In(w.s.cfg.Zone), Outcome: e.Outcome.String(), Reason: e.Reason, Door: e.Door, Code: e.Code}
		wt.Events = append(wt.Events, we)
		line := fmt.Sprintf("door event %s: %s", w.stamp(e.Time), we.Outcome)
		if e.Reason != "" {
			line += ": " + e.Reason
		}
		if e.Door != "" {
			line += " (" + e.Door + ")"
		}
		wt.Evidence = append(wt.Evidence, line)
	}
}

// verdict is the status and the answer line (without the target's name).
func (w *whyContext) verdict(src backend.WhySource, t *whyTarget, it *plan.Item, acc *backend.WhyAccount, gone bool, wt *backend.WhyTarget) (backend.WhyStatus, string) {
	st, ans := w.judge(src, t, it, acc, gone, wt)
	if t.held != nil {
		ans += " (held after rejected credentials: not contacted; by the snapshot)"
	} else if acc != nil && acc.Read == "snapshot" && t.liveErr != nil {
		ans += fmt.Sprintf(" (by the snapshot of %s: %s did not answer)", w.stamp(acc.ReadAt), targetSubject(t.info.System, t.info.Name))
	}
	return st, ans
}

func (w *whyContext) judge(src backend.WhySource, t *whyTarget, it *plan.Item, acc *backend.WhyAccount, gone bool, wt *backend.WhyTarget) (backend.WhyStatus, string) {
	cs := cardskipperShort(src)
	if t.reader == nil {
		return w.judgeList(src, it, cs)
	}
	if t.snapErr != nil && it == nil {
		return backend.WhyUnknown, "never read: run doorsync plan"
	}
	isNeyross := t.info.System == neyross.System
	switch {
	case gone && isNeyross:
		return backend.WhyOut, "person has no EIS access level, doorsync cannot change it (or it was deleted in NEYROSS)"
	case gone:
		return backend.WhyOut, fmt.Sprintf("person %s is no longer on the terminal; doorsync never creates persons — add it in iVMS-4200", acc.ID)
	case it == nil && !src.Valid:
		return backend.WhyOut, "no account, and none is needed (" + cs + ")"
	case it == nil:
		return backend.WhyUnknown, "doorsync's plan has nothing for the member here"
	case it.Kind == plan.Ambiguous:
		return backend.WhyUnknown, w.ambiguousWhy(it)
	case it.Kind == plan.Missing && isNeyross:
		return backend.WhyOut, "no person with this e-mail has an EIS access level, doorsync cannot change it (nor create persons)"
	case it.Kind == plan.Missing:
		return backend.WhyOut, it.Reason + " — add the person in iVMS-4200, then link it (doorsync links add)"
	case acc == nil:
		return backend.WhyUnknown, it.Reason
	}
	openNow := acc.Permanent || (!acc.End.IsZero() && !acc.End.Before(w.now) && (acc.Begin.IsZero() || !acc.Begin.After(w.now)))
	tail := w.tail(it, wt)
	if it.Kind == plan.Invalid {
		// The outcome first: "ok entrance: role 3126: ends … before it
		// starts …" did not say the member gets in (review of issue 13).
		bad := "Cardskipper data invalid (" + it.Reason + "; an invalid role is ignored) — doorsync does not write to it"
		if strings.HasPrefix(it.Reason, plan.AccountDataReason) {
			// The account's record on the target is what is wrong (the
			// review found NEYROSS's dates blamed on Cardskipper).
			bad = t.info.Name + "'s account data invalid (" + strings.TrimPrefix(it.Reason, plan.AccountDataReason) + ") — doorsync does not write to it"
		}
		switch {
		case openNow && src.Valid:
			return backend.WhyIn, "gets in — valid to " + periodEnd(acc) + "; " + bad
		case openNow:
			return backend.WhyOpen, "still open to " + periodEnd(acc) + " although " + cs + "; " + bad
		case !src.Valid:
			return backend.WhyOut, "does not get in — " + cs + "; " + bad
		}
		return backend.WhyOut, "does not get in — the account is not valid now; " + cs + "; " + bad
	}
	if !src.Valid {
		if openNow {
			return backend.WhyOpen, "still open to " + periodEnd(acc) + " although " + cs + tail
		}
		return backend.WhyOut, "expired " + w.day(acc.End).String() + ", as " + cs
	}
	switch {
	case !openNow && !acc.Begin.IsZero() && acc.Begin.After(w.now):
		return backend.WhyOut, "not valid before " + w.day(acc.Begin).String() + "; " + cs + tail
	case !openNow:
		return backend.WhyOut, "expired " + w.day(acc.End).String() + "; " + cs + tail
	case acc.Faces != nil && *acc.Faces == 0 && acc.Cards != nil && *acc.Cards > 0:
		// The door opens by card (the terminal's events say "card
		// verified"): the member gets in, and the line says what is
		// missing for the face.
		return backend.WhyIn, fmt.Sprintf("no face enrolled — gets in by card only (%s)", countOf(acc.Cards, "card"))
	case acc.Faces != nil && *acc.Faces == 0:
		ans := "no face enrolled"
		if acc.Cards != nil {
			ans += " and no card"
		}
		return backend.WhyOut, ans
	case tail != "":
		return backend.WhyIn, "gets in — valid to " + periodEnd(acc) + "; " + cs + tail
	}
	return backend.WhyIn, "gets in — valid to " + periodEnd(acc)
}

// ambiguousWhy says why the item is ambiguous: for an account several
// members resolved to, those members by name and id — the plan's reason
// names them by the e-mail they share, which on a family's e-mail told
// them apart by nothing but the id (review of issue 13).
func (w *whyContext) ambiguousWhy(it *plan.Item) string {
	if it.Account == "" {
		return it.Reason
	}
	var who, ids []string
	for _, x := range w.plan.Items {
		if x.Target != it.Target || x.Account != it.Account || x.Kind != plan.Ambiguous || x.MemberID == "" || slices.Contains(ids, x.MemberID) {
			continue
		}
		ids = append(ids, x.MemberID)
		who = append(who, w.memberName(x.MemberID)+" ("+x.MemberID+")")
	}
	if len(who) < 2 {
		return it.Reason
	}
	return fmt.Sprintf("account %s is found for several members: %s; link it to one (doorsync links add)", it.Account, strings.Join(who, ", "))
}

// memberName is the stored member's name, or "member" when none is stored.
func (w *whyContext) memberName(id string) string {
	for _, m := range w.members {
		if m.ID == id && m.Name() != "" {
			return m.Name()
		}
	}
	return "member"
}

// judgeList answers for a whole-list target (NTK) from its plan item.
func (w *whyContext) judgeList(src backend.WhySource, it *plan.Item, cs string) (backend.WhyStatus, string) {
	switch {
	case it == nil && src.Valid:
		return backend.WhyNotApplicable, "not on the list and not meant to be"
	case it == nil:
		return backend.WhyOut, "not on the list (" + cs + ")"
	case it.Kind == plan.InSync:
		if src.Valid {
			return backend.WhyIn, "on the access list it accepted"
		}
		return backend.WhyOut, "not on the list, as " + cs
	case it.Kind == plan.Revoke || it.Kind == plan.Shorten:
		return backend.WhyOpen, "still on the list although " + cs + " — " + it.Reason
	case it.Kind.Writes():
		return backend.WhyOut, "not on the list it accepted yet — " + it.Reason
	}
	return backend.WhyOut, it.Reason
}

// tail says what doorsync will do about an item that writes: "— extend
// waiting for approval"; "" for none.
func (w *whyContext) tail(it *plan.Item, wt *backend.WhyTarget) string {
	if p := wt.Pending; p != nil {
		if p.Status == string(store.StatusHeld) {
			return " — " + string(p.Kind) + " waiting for approval"
		}
		return " — a write to " + endText(p.Desired) + " is open in the journal (the next run reads it back)"
	}
	if it == nil || !it.Kind.Writes() {
		return ""
	}
	switch {
	case w.plan.AppliedUnattended(*it):
		return " — " + string(it.Kind) + " on the next unattended run (--auto, watch)"
	case it.Identity != "":
		return " — " + string(it.Kind) + " waiting for approval: " + it.Identity
	}
	return " — " + string(it.Kind) + " waiting for approval"
}

// inZone is t in zone; the zero time stays zero.
func inZone(t time.Time, zone *time.Location) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(zone)
}

func periodEnd(a *backend.WhyAccount) string {
	if a.Permanent {
		return "no end (permanent)"
	}
	return a.End.Format("2006-01-02")
}

// endText is an instant of a period as terminals hold it: local wall time.
func endText(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("2006-01-02 15:04:05")
}

// countOf says "1 card", "0 faces", "faces unknown".
func countOf(n *int, what string) string {
	if n == nil {
		return what + "s unknown"
	}
	if *n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", *n, what)
}

// stateWords is a target's state in the admin's words (the JSON keeps the
// value: "not_read").
func stateWords(st backend.WhyState) string {
	if st == backend.WhyNotRead {
		return "not read"
	}
	return string(st)
}

// kindWords is a plan kind in the admin's words ("in_sync" is the plan's
// value; "in sync" what a reader expects).
func kindWords(k plan.Kind) string { return strings.ReplaceAll(string(k), "_", " ") }

// emailAccounts are the ids of the stored accounts that carry email.
func emailAccounts(accs []target.Account, email member.Email) []string {
	var ids []string
	for _, a := range accs {
		if email != "" && a.Email == email && !slices.Contains(ids, a.ID) {
			ids = append(ids, a.ID)
		}
	}
	return ids
}
