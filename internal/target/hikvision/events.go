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
	// eventPageSlack is how many pages beyond the limit's own a read may
	// take to find the window (≈ 500 events): a terminal that cannot
	// search by time and whose clock was reset logs events no window
	// holds, and reading a log of 100,000 of them page by page would hold
	// the terminal's one request slot for minutes.
	eventPageSlack = 17
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
	Major            int    `json:"major"` // always sent: DS-K1T341AM answers MessageParametersLack without it
	Minor            int    `json:"minor"` // 0: every minor type of the major
	StartTime        string `json:"startTime,omitempty"`
	EndTime          string `json:"endTime,omitempty"`
	EmployeeNoString string `json:"employeeNoString"`
	TimeReverseOrder bool   `json:"timeReverseOrder,omitempty"`
}

// SearchEvents reads one page of a person's door events. Every event
// returned must be the person's: firmware that ignores employeeNoString
// lists everyone's, and that is an error, never silently accepted.
//
// Firmware that refuses startTime/endTime (badJsonContent, DS-K1T341AM) is
// asked again without them, and from then on this client asks that
// terminal without them at once; the page then holds the person's events
// of any time, and the caller filters (LatestEvents does).
func (c *Client) SearchEvents(ctx context.Context, q EventSearch) (EventPage, error) {
	return c.searchEvents(ctx, q, "events of "+q.EmployeeNo)
}

func (c *Client) searchEvents(ctx context.Context, q EventSearch, op string) (EventPage, error) {
	no := strings.TrimSpace(q.EmployeeNo)
	switch {
	case no == "":
		return EventPage{}, c.errs.Fail(target.Permanent, op, "", "no employeeNo to search events of", nil)
	case len(no) > maxEmployeeNo:
		return EventPage{}, c.errs.Fail(target.Permanent, op, "", fmt.Sprintf("employeeNo %.40q is longer than %d characters", no, maxEmployeeNo), nil)
	case q.Position < 0:
		return EventPage{}, c.errs.Fail(target.Permanent, op, "", fmt.Sprintf("negative search position %d", q.Position), nil)
	case q.Start.IsZero() || q.End.IsZero() || !q.Start.Before(q.End):
		return EventPage{}, c.errs.Fail(target.Permanent, op, "", fmt.Sprintf("bad time range %s … %s: want a start before the end",
			q.Start.In(c.zone).Format(time.DateTime), q.End.In(c.zone).Format(time.DateTime)), nil)
	}
	if q.SearchID == "" {
		q.SearchID = NewSearchID()
	}
	if q.MaxResults <= 0 {
		q.MaxResults = eventPageSize
	}
	cond := eventCond{SearchID: q.SearchID, Position: q.Position, MaxResults: q.MaxResults, Major: MajorEvent,
		EmployeeNoString: no, TimeReverseOrder: q.NewestFirst}
	if c.learned.eventsNoRange.Load() {
		return c.eventPage(ctx, cond, op)
	}
	ranged := cond
	ranged.StartTime, ranged.EndTime = q.Start.In(c.zone).Format(eventTimeLayout), q.End.In(c.zone).Format(eventTimeLayout)
	p, err := c.eventPage(ctx, ranged, op)
	var te *target.Error
	if !errors.As(err, &te) || !strings.EqualFold(te.Code, "badJsonContent") {
		return p, err
	}
	p, err2 := c.eventPage(ctx, cond, op+" (without a time range)")
	if err2 != nil {
		return EventPage{}, fmt.Errorf("%w (asked again without a time range after: %v)", err2, err)
	}
	c.learned.eventsNoRange.Store(true)
	return p, nil
}

// eventPage sends one AcsEvent search and checks the page.
func (c *Client) eventPage(ctx context.Context, cond eventCond, op string) (EventPage, error) {
	b, err := json.Marshal(struct {
		Cond eventCond `json:"AcsEventCond"`
	}{cond})
	if err != nil {
		return EventPage{}, c.errs.Fail(target.Permanent, op, "", "cannot encode the event search", err)
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
		return EventPage{}, c.errs.Fail(target.Malformed, op, "", "event reply not understood", err)
	}
	for _, e := range p.Events {
		if e.EmployeeNo != cond.EmployeeNoString {
			return EventPage{}, c.errs.Fail(target.Malformed, op, "ignoredEmployeeNoString",
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

// eventOrder looks at the events with a usable time only.
func eventOrder(evs []AcsEvent) int {
	var dated []AcsEvent
	for _, e := range evs {
		if !e.ClockReset {
			dated = append(dated, e)
		}
	}
	if len(dated) < 2 {
		return orderUnknown
	}
	first, last := dated[0].Time, dated[len(dated)-1].Time
	switch {
	case first.After(last):
		return orderNewestFirst
	case first.Before(last):
		return orderOldestFirst
	}
	return orderUnknown
}

// EventRead is what LatestEvents found.
type EventRead struct {
	Events []AcsEvent // newest first, at most the limit
	// ClockReset counts the events read that were dated 1970 (the
	// terminal's clock had been reset) and left out.
	ClockReset int
	// BadDate counts the events read that were dated after 2100 and left
	// out; Future those dated after the window's end (a terminal clock
	// running ahead), left out too.
	BadDate, Future int
	// Capped is set when the read stopped at its page cap (⌈limit/30⌉ +
	// eventPageSlack pages) before
	// it found limit events in the window or one older than it (a log
	// whose newest events carry no usable date); Read says how many
	// events it read, Total how many the search matched.
	Capped      bool
	Read, Total int
}

// LatestEvents returns the newest door events of one person logged between
// start and end, newest first, at most limit (1…MaxEventLimit).
//
// It asks for timeReverseOrder, which older firmware ignores, and reads the
// first page. If the terminal answered newest first it reads on until limit
// events in the window (or one older than start); if oldest first it reads
// back from the tail, limit events at a time; if one page cannot tell, it
// reads both ends. So a person with thousands of events costs about
// ⌈limit/30⌉+1 requests either way — a little more on firmware that cannot
// search by time (SearchEvents), whose events outside the window are
// filtered here. Events with a reset clock or a date after 2100 are left
// out and counted; a read that finds no window within eventPageSlack pages
// beyond the limit's stops there and says so (EventRead.Capped). Like
// SearchAll it reads again from the start when the log changes underneath
// (at most maxScans times) and never returns a partial list: any failure
// returns no events.
func (c *Client) LatestEvents(ctx context.Context, employeeNo string, start, end time.Time, limit int) (EventRead, error) {
	no := strings.TrimSpace(employeeNo)
	op := "events of " + no
	if limit < 1 || limit > MaxEventLimit {
		return EventRead{}, c.errs.Fail(target.Permanent, op, "", fmt.Sprintf("limit %d: want 1…%d events", limit, MaxEventLimit), nil)
	}
	var last *listChanged
	for range maxScans {
		r, err := c.eventScan(ctx, EventSearch{EmployeeNo: no, Start: start, End: end, NewestFirst: true,
			MaxResults: eventPageSize, SearchID: NewSearchID()}, limit, op)
		if errors.As(err, &last) {
			continue
		}
		return r, err
	}
	return EventRead{}, c.errs.Fail(target.Transient, op, CodeListChanged,
		fmt.Sprintf("the event log changed during each of %d reads (last: %s); try again", maxScans, last), nil)
}

// errEventPageCap ends a read that reached its page cap (not an error of
// the read: what it found is returned, Capped set).
var errEventPageCap = errors.New("event read: page cap reached")

// eventWindow sorts the events read into those in [start, end], those
// with a reset clock, and notes one older than start.
type eventWindow struct {
	start, end time.Time
	kept       []AcsEvent
	reset, bad int
	future     int // dated after the window: the terminal's clock runs ahead
	read       int // events looked at
}

// take keeps evs' events in the window; it returns how many it kept and
// whether one was older than the window.
func (w *eventWindow) take(evs []AcsEvent) (kept int, older bool) {
	w.read += len(evs)
	for _, e := range evs {
		switch {
		case e.ClockReset:
			w.reset++
		case e.BadDate:
			w.bad++
		case e.Time.Before(w.start):
			older = true
		case !e.Time.After(w.end):
			w.kept = append(w.kept, e)
			kept++
		default:
			w.future++
		}
	}
	return kept, older
}

func (c *Client) eventScan(ctx context.Context, q EventSearch, limit int, op string) (EventRead, error) {
	win := eventWindow{start: q.Start, end: q.End}
	page := 0
	total := -1
	// read fetches the page at pos and checks it against the first one.
	// Every page that does not end the read advances pos by at least one
	// event (MORE without events and an early OK or NO MATCH are refused),
	// so every loop below ends within total events.
	maxPages := (limit+eventPageSize-1)/eventPageSize + eventPageSlack
	read := func(pos int) (EventPage, error) {
		if page >= maxPages {
			return EventPage{}, errEventPageCap
		}
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
		return p, nil
	}
	// span reads the events at positions [from, to) and takes them.
	span := func(from, to int) (kept int, older bool, err error) {
		for pos := from; pos < to; {
			p, err := read(pos)
			if err != nil {
				return kept, older, err
			}
			k, o := win.take(p.Events[:min(p.NumOfMatches, to-pos)])
			kept, older = kept+k, older || o
			pos += p.NumOfMatches
		}
		return kept, older, nil
	}
	capped := false
	first, err := read(0)
	if err != nil {
		return EventRead{}, err
	}
	kept, older := win.take(first.Events)
	pos := first.NumOfMatches
	switch eventOrder(first.Events) {
	case orderNewestFirst:
		// Everything after an event older than the window is older still.
		for pos < total && kept < limit && !older {
			p, err := read(pos)
			if errors.Is(err, errEventPageCap) {
				capped = true
				break
			}
			if err != nil {
				return EventRead{}, err
			}
			k, o := win.take(p.Events)
			kept, older = kept+k, older || o
			pos += p.NumOfMatches
		}
	case orderOldestFirst:
		// The newest are at the end: read back from it, limit at a time,
		// until limit events in the window or one older than it.
		kept, older = 0, false
		for hi := total; hi > pos && kept < limit && !older; {
			lo := max(pos, hi-limit)
			k, o, err := span(lo, hi)
			if errors.Is(err, errEventPageCap) {
				capped = true
				break
			}
			if err != nil {
				return EventRead{}, err
			}
			kept, older, hi = kept+k, o, lo
		}
	default:
		for _, r := range [][2]int{{pos, min(limit, total)}, {max(pos, limit, total-limit), total}} {
			if _, _, err := span(r[0], r[1]); errors.Is(err, errEventPageCap) {
				capped = true
			} else if err != nil {
				return EventRead{}, err
			}
		}
	}
	got := win.kept
	slices.SortStableFunc(got, func(a, b AcsEvent) int {
		if d := b.Time.Compare(a.Time); d != 0 {
			return d
		}
		return cmp.Compare(b.SerialNo, a.SerialNo)
	})
	return EventRead{Events: got[:min(len(got), limit)], ClockReset: win.reset, BadDate: win.bad, Future: win.future,
		Capped: capped, Read: win.read, Total: total}, nil
}

// Events reads the account's newest door events (target.EventReader).
func (t *Target) Events(ctx context.Context, q target.EventQuery) ([]target.Event, error) {
	evs, _, err := t.EventsNoted(ctx, q)
	return evs, err
}

// EventsNoted is Events saying how many events it left out because the
// terminal logged them with a reset clock (target.EventNoter).
func (t *Target) EventsNoted(ctx context.Context, q target.EventQuery) ([]target.Event, []string, error) {
	r, err := t.c.LatestEvents(ctx, q.Account, q.Since, q.Until.Add(eventClockSlack), q.Limit)
	if err != nil {
		return nil, nil, err
	}
	out := make([]target.Event, 0, len(r.Events))
	for _, e := range r.Events {
		o, reason := DescribeEvent(e.Major, e.Minor)
		ev := target.Event{Time: e.Time, Account: e.EmployeeNo, Name: e.Name, Outcome: o, Reason: reason,
			Code: fmt.Sprintf("%d/%d", e.Major, e.Minor)}
		if e.DoorNo > 0 {
			ev.Door = fmt.Sprintf("door %d", e.DoorNo)
		}
		out = append(out, ev)
	}
	var notes []string
	switch n := r.ClockReset; {
	case n == 1:
		notes = append(notes, fmt.Sprintf("1 event of %s with a reset clock (1970) left out", q.Account))
	case n > 1:
		notes = append(notes, fmt.Sprintf("%d events of %s with a reset clock (1970) left out", n, q.Account))
	}
	switch n := r.BadDate; {
	case n == 1:
		notes = append(notes, fmt.Sprintf("1 event of %s dated after %d left out", q.Account, maxYear))
	case n > 1:
		notes = append(notes, fmt.Sprintf("%d events of %s dated after %d left out", n, q.Account, maxYear))
	}
	switch n := r.Future; {
	case n == 1:
		notes = append(notes, fmt.Sprintf("1 event of %s dated in the future left out (is the terminal's clock ahead?)", q.Account))
	case n > 1:
		notes = append(notes, fmt.Sprintf("%d events of %s dated in the future left out (is the terminal's clock ahead?)", n, q.Account))
	}
	if r.Capped {
		notes = append(notes, fmt.Sprintf("stopped after reading %d of the %d events of %s the terminal matched: older ones not read",
			r.Read, r.Total, q.Account))
	}
	return out, notes, nil
}

var (
	_ target.EventReader = (*Target)(nil)
	_ target.EventNoter  = (*Target)(nil)
)
