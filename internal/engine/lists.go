package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/plan/accesslist"
	"github.com/doorsync/doorsync/internal/target"
)

// ListTarget is a whole-list target (target.ListTarget, such as NTK): a
// system that takes the whole list at once and cannot be read. It is
// planned against the last list it accepted, kept in the database, not
// against accounts read from it; applying uploads the next whole list.
type ListTarget struct {
	Target target.ListTarget
	// List says how members become its lines. Its Name and System are
	// the target's (Target.Info): the engine sets them.
	List accesslist.Settings
	// held, when set, keeps the target out of this run (Engine.Hold):
	// nothing is uploaded, the plan's summary of it carries held as its
	// error (a failed target), and its items of a saved plan are skipped
	// with it.
	held error
}

func (l *ListTarget) info() target.Info { return l.Target.Info() }

// settings are List with the target's name and system.
func (l *ListTarget) settings() accesslist.Settings {
	s, i := l.List, l.info()
	s.Name, s.System = i.Name, i.System
	return s
}

// label names the system in messages ("NTK").
func (l *ListTarget) label() string { return strings.ToUpper(l.info().System) }

// subject names the target in errors ("ntk library").
func (l *ListTarget) subject() string { i := l.info(); return i.System + " " + i.Name }

// owns reports whether the item is of this target.
func (l *ListTarget) owns(it plan.Item) bool {
	i := l.info()
	return it.Target == i.Name && it.System == i.System
}

// listKeys are a whole-list target's state keys in the database: the last
// list it accepted, when, and the name it accepted it under.
type listKeys struct{ accepted, acceptedAt, file string }

func (l *ListTarget) keys() listKeys {
	i := l.info()
	p := i.System + "." + i.Name + "."
	return listKeys{accepted: p + "accepted", acceptedAt: p + "accepted_at", file: p + "file"}
}

// listTarget is the whole-list target of that name, or nil.
func (e *Engine) listTarget(name string) *ListTarget {
	for _, l := range e.lists {
		if l.info().Name == name {
			return l
		}
	}
	return nil
}

// isListItem reports whether the item is of a whole-list target.
func (e *Engine) isListItem(it plan.Item) bool {
	l := e.listTarget(it.Target)
	return l != nil && l.owns(it)
}

// builtLists are the lists built in one run for one snapshot, by target
// name: each is built once, for the plan, and kept for the upload and for
// the plan kept after writing.
type builtLists map[string]accesslist.Result

// lastAccepted is the last list the target accepted and when (zero time:
// never).
func (e *Engine) lastAccepted(ctx context.Context, l *ListTarget) (accesslist.List, time.Time, error) {
	k := l.keys()
	raw, ok, err := e.store.State(ctx, k.accepted)
	if err != nil || !ok {
		return accesslist.List{}, time.Time{}, err
	}
	list, err := accesslist.ParseList([]byte(raw))
	if err != nil {
		return accesslist.List{}, time.Time{}, fmt.Errorf("%s: the stored last accepted list is damaged: %w", l.subject(), err)
	}
	var at time.Time
	if v, ok, err := e.store.State(ctx, k.acceptedAt); err == nil && ok {
		at, _ = time.Parse(time.RFC3339Nano, v)
	}
	return list, at, nil
}

// buildList builds the target's list of the members, or takes the one
// built already for the same snapshot (built may be nil: not kept).
func (e *Engine) buildList(l *ListTarget, members []member.Member, rule member.Rule, today member.Date, built builtLists) (accesslist.Result, error) {
	name := l.info().Name
	if res, ok := built[name]; ok {
		return res, nil
	}
	res, err := accesslist.Build(members, l.settings(), rule, today)
	if err != nil {
		return accesslist.Result{}, fmt.Errorf("%s: build the access list: %w", l.subject(), err)
	}
	if built != nil {
		built[name] = res
	}
	return res, nil
}

// planList plans one whole-list target: its list built from the members
// and diffed against the last accepted one. A held target, or one whose
// list cannot be planned, is a failed target of the plan without items;
// without members (the source failed or is empty) it has no items either.
func (e *Engine) planList(ctx context.Context, l *ListTarget, snap Snapshot, rule member.Rule, today member.Date, built builtLists) plan.ListPlan {
	i := l.info()
	lp := plan.ListPlan{Target: plan.TargetSummary{Name: i.Name, System: i.System}}
	switch {
	case l.held != nil:
		// Like a held terminal: a failed target without items, so
		// nothing is selected for it and the run says why.
		lp.Target.Error = l.held.Error()
		return lp
	case snap.SourceErr != nil || len(snap.Members) == 0:
		return lp
	}
	last, _, err := e.lastAccepted(ctx, l)
	if err != nil {
		lp.Target.Error = err.Error()
		return lp
	}
	lp.Target.Accounts = last.Len()
	res, err := e.buildList(l, snap.Members, rule, today, built)
	if err != nil {
		lp.Target.Error = err.Error()
		return lp
	}
	lp.Items = accesslist.Diff(res, last, e.policy.Auto)
	for i := range lp.Items {
		withListEnd(&lp.Items[i], today, e.zone)
	}
	return lp
}

// withListEnd gives a whole-list write item the end it stands for: a card
// on the list opens the doors until the member's end; a revoked card's
// access ended yesterday. The list itself carries no dates; plans, saved
// plans and reports need one for every write.
func withListEnd(it *plan.Item, today member.Date, zone *time.Location) {
	if !it.Kind.Writes() || !it.DesiredEnd.IsZero() {
		return
	}
	end := today.AddDays(-1)
	if it.Kind != plan.Revoke && !it.SourceEnd.IsZero() {
		end = it.SourceEnd
	}
	it.DesiredEnd = plan.LocalTime{Time: end.EndOfDay(zone)}
}

// listRefreshDue says whether an unattended run with no change to send to
// a whole-list target still lets uploadList decide on an upload: NTK
// expects the (unchanged) list once a day, and accesslist.ShouldUpload
// decides when. Never when an operator picked the items (apply FILE, the
// console), when the guard stopped the run, when the source failed or the
// target could not be planned or is held.
func (e *Engine) listRefreshDue(l *ListTarget, p plan.Plan, o Options) bool {
	if l.held != nil || o.Approved != nil || p.Guard.Tripped || p.Source.Error != "" {
		return false
	}
	i := l.info()
	for _, t := range p.Targets {
		if t.Name == i.Name && t.System == i.System {
			return t.Error == ""
		}
	}
	return false
}

// ListAccepted is when the whole-list target called name last accepted a
// list (zero: never, or no such target); it only reads the database.
func (e *Engine) ListAccepted(ctx context.Context, name string) (time.Time, error) {
	l := e.listTarget(name)
	if l == nil {
		return time.Time{}, nil
	}
	_, at, err := e.lastAccepted(ctx, l)
	return at, err
}
