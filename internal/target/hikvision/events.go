package hikvision

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/target"
)

const (
	pathAcsEvent = "/ISAPI/AccessControl/AcsEvent?format=json"
	// MaxEventLimit bounds LatestEvents: the console shows ten; a few
	// hundred is an investigation, more is a log export (iVMS-4200's job).
	MaxEventLimit = 500
	// eventPageSize is what one AcsEvent page asks for; terminals cap it
	// silently (30 on the models the spec names), and paging follows what
	// came back.
	eventPageSize = 30
	// eventClockSlack widens the end of an event query: a terminal whose
	// clock runs ahead logs "now" as a little later, and those events are
	// exactly the ones the operator asks about.
	eventClockSlack = 10 * time.Minute
	// eventTimeLayout is the ISAPI guide's form of AcsEventCond startTime
	// and endTime: local time with its offset.
	eventTimeLayout = "2006-01-02T15:04:05-07:00"
)

// EventSearch is one AcsEvent search request (one page) for one person's
// door events (major 5, every minor).
type EventSearch struct {
	SearchID   string // one per read; NewSearchID makes one
	Position   int    // searchResultPosition
	MaxResults int    // the terminal may silently return fewer
	EmployeeNo string // employeeNoString: only this person's events
	Start, End time.Time
	// NewestFirst asks for timeReverseOrder; firmware without it answers
	// oldest first, which LatestEvents copes with.
	NewestFirst bool
}

type eventCond struct {
	SearchID         string `json:"searchID"`
	Position         int    `json:"searchResultPosition"`
	MaxResults       int    `json:"maxResults"`
	Major            int    `json:"major"`
	Minor            int    `json:"minor"` // 0: every minor type of the major
	StartTime        string `json:"startTime"`
	EndTime          string `json:"endTime"`
	EmployeeNoString string `json:"employeeNoString"`
	TimeReverseOrder bool   `json:"timeReverseOrder,omitempty"`
}

// SearchEvents reads one page of a person's door events. Every event
// returned must be the person's: firmware that ignores employeeNoString
// lists everyone's, and that is an error, never silently accepted.
func (c *Client) SearchEvents(ctx context.Context, q EventSearch) (EventPage, error) {
	return c.searchEvents(ctx, q, "events of "+q.EmployeeNo)
}

func (c *Client) searchEvents(ctx context.Context, q EventSearch, op string) (EventPage, error) {
	no := strings.TrimSpace(q.EmployeeNo)
	switch {
	case no == "":
		return EventPage{}, c.fail(target.Permanent, op, "", "no employeeNo to search events of", nil)
	case len(no) > maxEmployeeNo:
		return EventPage{}, c.fail(target.Permanent, op, "", fmt.Sprintf("employeeNo %.40q is longer than %d characters", no, maxEmployeeNo), nil)
	case q.Position < 0:
		return EventPage{}, c.fail(target.Permanent, op, "", fmt.Sprintf("negative search position %d", q.Position), nil)
	case q.Start.IsZero() || q.End.IsZero() || !q.Start.Before(q.End):
		return EventPage{}, c.fail(target.Permanent, op, "", fmt.Sprintf("bad time range %s … %s: want a start before the end",
			q.Start.In(c.zone).Format(time.DateTime), q.End.In(c.zone).Format(time.DateTime)), nil)
	}
	if q.SearchID == "" {
		q.SearchID = NewSearchID()
	}
	if q.MaxResults <= 0 {
		q.MaxResults = eventPageSize
	}
	b, err := json.Marshal(struct {
		Cond eventCond `json:"AcsEventCond"`
	}{eventCond{SearchID: q.SearchID, Position: q.Position, MaxResults: q.MaxResults, Major: MajorEvent,
		StartTime: q.Start.In(c.zone).Format(eventTimeLayout), EndTime: q.End.In(c.zone).Format(eventTimeLayout),
		EmployeeNoString: no, TimeReverseOrder: q.NewestFirst}})
	if err != nil {
		return EventPage{}, c.fail(target.Permanent, op, "", "cannot encode the event search", err)
	}
	cl := call{op: op, method: http.MethodPost, path: pathAcsEvent, body: b, read: true}
	rep, err := c.do(ctx, cl)
	if err != nil {
		return EventPage{}, err
	}
	payload, err := c.payload(cl, rep)
	if err != nil {
		return EventPage{}, err
	}
	p, err := decodeEventPage(payload, c.zone)
	if err != nil {
		return EventPage{}, c.fail(target.Malformed, op, "", "event reply not understood", err)
	}
	for _, e := range p.Events {
		if e.EmployeeNo != no {
			return EventPage{}, c.fail(target.Malformed, op, "ignoredEmployeeNoString",
				fmt.Sprintf("the terminal returned an event of employeeNo %q, which was not asked for (firmware that ignores employeeNoString?)", e.EmployeeNo), nil)
		}
	}
	return p, nil
}

// Order of a page of events, as far as one page tells.
const (
	orderUnknown = iota
	orderNewestFirst
	orderOldestFirst
)

func eventOrder(evs []AcsEvent) int {
	if len(evs) < 2 {
		return orderUnknown
	}
	first, last := evs[0].Time, evs[len(evs)-1].Time
	switch {
	case first.After(last):
		return orderNewestFirst
	case first.Before(last):
		return orderOldestFirst
	}
	return orderUnknown
}

// LatestEvents returns the newest door events of one person logged between
// start and end, newest first, at most limit (1…MaxEventLimit).
//
// It asks for timeReverseOrder, which older firmware ignores, and reads the
// first page. If the terminal answered newest first it reads on until limit
// events; if oldest first it jumps to totalMatches-limit and reads the
// tail; if one page cannot tell, it reads both. So a person with thousands
// of events costs about ⌈limit/30⌉+1 requests either way. Like SearchAll
// it reads again from the start when the log changes underneath (at most
// maxScans times) and never returns a partial list: any failure returns no
// events.
func (c *Client) LatestEvents(ctx context.Context, employeeNo string, start, end time.Time, limit int) ([]AcsEvent, error) {
	no := strings.TrimSpace(employeeNo)
	op := "events of " + no
	if limit < 1 || limit > MaxEventLimit {
		return nil, c.fail(target.Permanent, op, "", fmt.Sprintf("limit %d: want 1…%d events", limit, MaxEventLimit), nil)
	}
	var last *listChanged
	for range maxScans {
		evs, err := c.eventScan(ctx, EventSearch{EmployeeNo: no, Start: start, End: end, NewestFirst: true,
			MaxResults: eventPageSize, SearchID: NewSearchID()}, limit, op)
		if errors.As(err, &last) {
			continue
		}
		return evs, err
	}
	return nil, c.fail(target.Transient, op, CodeListChanged,
		fmt.Sprintf("the event log changed during each of %d reads (last: %s); try again", maxScans, last), nil)
}

func (c *Client) eventScan(ctx context.Context, q EventSearch, limit int, op string) ([]AcsEvent, error) {
	var got []AcsEvent
	page := 0
	total := -1
	// read fetches the page at pos and checks it against the first one.
	// Every page that does not end the read advances pos by at least one
	// event (MORE without events and an early OK or NO MATCH are refused),
	// so the loops below end after at most 2·limit pages.
	read := func(pos int) (EventPage, error) {
		page++
		q.Position = pos
		p, err := c.searchEvents(ctx, q, fmt.Sprintf("%s page %d", op, page))
		if err != nil {
			return p, err
		}
		if total < 0 {
			total = p.TotalMatches
			if p.Status == StatusNoMatch {
				total = 0
			}
		}
		switch {
		case p.Status == StatusNoMatch && pos < total:
			return p, &listChanged{page, fmt.Sprintf("NO MATCH at position %d of %d", pos, total)}
		case p.Status != StatusNoMatch && p.TotalMatches != total:
			return p, &listChanged{page, fmt.Sprintf("totalMatches went from %d to %d", total, p.TotalMatches)}
		case pos+p.NumOfMatches > total:
			return p, &listChanged{page, fmt.Sprintf("%d events read but totalMatches is %d", pos+p.NumOfMatches, total)}
		case p.Status == StatusOK && pos+p.NumOfMatches < total:
			return p, &listChanged{page, fmt.Sprintf("status OK after %d of %d events", pos+p.NumOfMatches, total)}
		}
		got = append(got, p.Events...)
		return p, nil
	}
	first, err := read(0)
	if err != nil {
		return nil, err
	}
	pos := first.NumOfMatches
	order := eventOrder(first.Events)
	headEnd, tailStart := 0, total
	if order != orderOldestFirst {
		headEnd = min(limit, total)
	}
	if order != orderNewestFirst {
		tailStart = max(0, total-limit)
	}
	for pos < headEnd {
		p, err := read(pos)
		if err != nil {
			return nil, err
		}
		pos += p.NumOfMatches
	}
	for pos = max(pos, tailStart); pos < total; {
		p, err := read(pos)
		if err != nil {
			return nil, err
		}
		pos += p.NumOfMatches
	}
	// Firmware that ignores startTime lists older events too: they are
	// outside what was asked for, not an error.
	got = slices.DeleteFunc(got, func(e AcsEvent) bool { return e.Time.Before(q.Start) })
	slices.SortStableFunc(got, func(a, b AcsEvent) int {
		if d := b.Time.Compare(a.Time); d != 0 {
			return d
		}
		return cmp.Compare(b.SerialNo, a.SerialNo)
	})
	return got[:min(len(got), limit)], nil
}

// Events reads the account's newest door events (target.EventReader).
func (t *Target) Events(ctx context.Context, q target.EventQuery) ([]target.Event, error) {
	evs, err := t.c.LatestEvents(ctx, q.Account, q.Since, q.Until.Add(eventClockSlack), q.Limit)
	if err != nil {
		return nil, err
	}
	out := make([]target.Event, 0, len(evs))
	for _, e := range evs {
		o, reason := DescribeEvent(e.Major, e.Minor)
		ev := target.Event{Time: e.Time, Account: e.EmployeeNo, Name: e.Name, Outcome: o, Reason: reason,
			Code: fmt.Sprintf("%d/%d", e.Major, e.Minor)}
		if e.DoorNo > 0 {
			ev.Door = fmt.Sprintf("door %d", e.DoorNo)
		}
		out = append(out, ev)
	}
	return out, nil
}

var _ target.EventReader = (*Target)(nil)
