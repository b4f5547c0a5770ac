package neyross

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/textclean"
)

const (
	// MaxEventLimit bounds Target.Events: the console shows ten.
	MaxEventLimit = 500
	// eventClockSlack widens the end of an event query: the platform
	// registers events by its own clock, which may run a little ahead.
	eventClockSlack = 10 * time.Minute
)

// Events reads one person's newest access events (target.EventReader).
//
// The history API filters by time only, so every EIS event of the window is
// read, page by page (⌈events/1000⌉ requests, plus one for the access
// points' names), and the person's are kept; memory stays at q.Limit
// events. eventIds must increase across the pages, as EventsBetween checks:
// a history that changes order while it is read is not trusted.
func (t *Target) Events(ctx context.Context, q target.EventQuery) ([]target.Event, error) {
	c := t.c
	person := strings.TrimSpace(q.Account)
	op := "events of " + person
	switch {
	case person == "":
		return nil, c.errs.Fail(target.Permanent, "events", "", "no person uuid to read events of", nil)
	case q.Limit < 1 || q.Limit > MaxEventLimit:
		return nil, c.errs.Fail(target.Permanent, op, "", fmt.Sprintf("limit %d: want 1…%d events", q.Limit, MaxEventLimit), nil)
	case q.Since.IsZero() || q.Until.IsZero() || !q.Since.Before(q.Until):
		return nil, c.errs.Fail(target.Permanent, op, "", "bad time range: want a start before the end", nil)
	}
	points, err := c.AccessPoints(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(points))
	for _, p := range points {
		names[p.Token] = p.Name
	}
	until := q.Until.Add(eventClockSlack)
	var kept []Event
	var lastID int64
	for page := range maxEventPages {
		evs, err := c.EventsByTime(ctx, q.Since, until, DefaultEventLimit, page*DefaultEventLimit)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if lastID > 0 && e.ID <= lastID {
				return nil, c.errs.Fail(target.Malformed, op, "",
					fmt.Sprintf("eventId %d after %d: the history is not in eventId order, or changed while it was read", e.ID, lastID), nil)
			}
			lastID = e.ID
			if e.Person != person {
				continue
			}
			kept = append(kept, e)
			if len(kept) > q.Limit {
				kept = slices.Delete(kept, 0, len(kept)-q.Limit)
			}
		}
		if len(evs) < DefaultEventLimit {
			return t.eventsOut(kept, names), nil
		}
	}
	return nil, c.errs.Fail(target.Permanent, op, "",
		fmt.Sprintf("more than %d events since %s: ask for a shorter period", maxEventPages*DefaultEventLimit, q.Since.In(c.zone).Format(time.DateTime)), nil)
}

// eventsOut maps the kept events, newest first.
func (t *Target) eventsOut(evs []Event, names map[string]string) []target.Event {
	out := make([]target.Event, 0, len(evs))
	// Newest registered first; the sort below keeps that order for equal
	// times.
	for _, e := range slices.Backward(evs) {
		// The platform's texts reach the console's detail: cleaned here.
		ev := target.Event{Time: e.Sent, Account: e.Person, Reason: textclean.Clean(e.Headline), Door: textclean.Clean(e.AccessPoint),
			Code: textclean.Clean(fmt.Sprintf("event %d [%s]", e.ID, strings.Join(e.Tags, " ")))}
		if ev.Time.IsZero() {
			ev.Time = e.Registered
		}
		switch {
		case e.Granted():
			ev.Outcome = target.OutcomeGranted
		case e.Denied():
			ev.Outcome = target.OutcomeDenied
		}
		if n := names[e.AccessPoint]; n != "" {
			ev.Door = textclean.Clean(n)
		}
		out = append(out, ev)
	}
	slices.SortStableFunc(out, func(a, b target.Event) int { return cmp.Compare(b.Time.UnixNano(), a.Time.UnixNano()) })
	return out
}

var _ target.EventReader = (*Target)(nil)
