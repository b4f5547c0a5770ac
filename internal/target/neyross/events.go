package neyross

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/doorsync/doorsync/internal/target"
)

// DefaultEventLimit is the platform's default page of history events.
const DefaultEventLimit = 1000

// maxEventPages bounds EventsBetween: a million events is not a "why can't
// this member get in?" question.
const maxEventPages = 1000

// AccessLevels reads the EIS access levels.
func (c *Client) AccessLevels(ctx context.Context) ([]AccessLevel, error) {
	cl := call{op: "access levels", method: http.MethodGet, path: "access-levels/", read: true}
	rep, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	ls, err := decodeLevels(rep.body)
	if err != nil {
		return nil, c.decodeFail(cl.op, err)
	}
	return ls, nil
}

// AccessPoints reads the licensed EIS access points.
func (c *Client) AccessPoints(ctx context.Context) ([]AccessPoint, error) {
	cl := call{op: "access points", method: http.MethodGet, path: "access-points/", read: true}
	rep, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	ps, err := decodePoints(rep.body)
	if err != nil {
		return nil, c.decodeFail(cl.op, err)
	}
	return ps, nil
}

// EventByID reads one historical event; ok is false when the platform has
// no such EIS event.
func (c *Client) EventByID(ctx context.Context, id int64) (ev Event, ok bool, err error) {
	cl := call{op: fmt.Sprintf("event %d", id), method: http.MethodGet,
		path: "events/history_events_by_id/?id=" + strconv.FormatInt(id, 10), read: true, pass: []int{http.StatusNotFound}}
	rep, err := c.do(ctx, cl)
	if err != nil {
		return Event{}, false, err
	}
	if rep.status == http.StatusNotFound {
		return Event{}, false, nil
	}
	ev, err = decodeEventByID(rep.body, c.zone)
	switch {
	case errors.Is(err, errNoEvent):
		return Event{}, false, nil
	case err != nil:
		return Event{}, false, c.decodeFail(cl.op, err)
	case ev.ID != id:
		return Event{}, false, c.errs.Fail(target.Malformed, cl.op, "", fmt.Sprintf("asked for event %d, the platform answered with event %d", id, ev.ID), nil)
	}
	return ev, true, nil
}

// EventsByIDs reads the given historical events (those the platform has).
func (c *Client) EventsByIDs(ctx context.Context, ids []int64) ([]Event, error) {
	if ids == nil {
		ids = []int64{}
	}
	body, err := json.Marshal(map[string][]int64{"eventIds": ids})
	if err != nil {
		return nil, c.errs.Fail(target.Permanent, "events by ids", "", "cannot encode the request", err)
	}
	cl := call{op: fmt.Sprintf("events by ids (%d)", len(ids)), method: http.MethodPost,
		path: "events/history_events_by_ids/", body: body, read: true}
	return c.events(ctx, cl)
}

// EventsByTime reads one page of the events registered between from and to.
// limit 0 means the platform's default (1000).
func (c *Client) EventsByTime(ctx context.Context, from, to time.Time, limit, offset int) ([]Event, error) {
	req := map[string]any{"timeFrom": from.In(c.zone).Format(time.RFC3339), "timeTo": to.In(c.zone).Format(time.RFC3339)}
	if limit > 0 {
		req["limit"] = limit
	}
	if offset > 0 {
		req["offset"] = offset
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, c.errs.Fail(target.Permanent, "events by time", "", "cannot encode the request", err)
	}
	cl := call{op: fmt.Sprintf("events from %s to %s offset %d", from.In(c.zone).Format(time.DateTime), to.In(c.zone).Format(time.DateTime), offset),
		method: http.MethodPost, path: "events/history_events_by_date_time/", body: body, read: true}
	return c.events(ctx, cl)
}

// EventsBetween reads every event registered between from and to, page by
// page until a short page, checking that eventIds increase.
func (c *Client) EventsBetween(ctx context.Context, from, to time.Time) ([]Event, error) {
	var out []Event
	for page := range maxEventPages {
		evs, err := c.EventsByTime(ctx, from, to, DefaultEventLimit, page*DefaultEventLimit)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if n := len(out); n > 0 && e.ID <= out[n-1].ID {
				return nil, c.errs.Fail(target.Malformed, "events between", "",
					fmt.Sprintf("eventId %d after %d: the history is not in eventId order, or changed while it was read", e.ID, out[n-1].ID), nil)
			}
			out = append(out, e)
		}
		if len(evs) < DefaultEventLimit {
			return out, nil
		}
	}
	return nil, c.errs.Fail(target.Permanent, "events between", "", fmt.Sprintf("more than %d events: ask for a shorter period", maxEventPages*DefaultEventLimit), nil)
}

func (c *Client) events(ctx context.Context, cl call) ([]Event, error) {
	rep, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	evs, err := decodeEvents(rep.body, c.zone)
	if err != nil {
		return nil, c.decodeFail(cl.op, err)
	}
	return evs, nil
}

// Subscribe asks the platform to push every EIS access event to consumer
// (a full URL); it returns the subscription id.
func (c *Client) Subscribe(ctx context.Context, consumer string) (string, error) {
	u, err := url.Parse(consumer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", c.errs.Fail(target.Permanent, "subscribe", "", fmt.Sprintf("consumer %q is not a full http(s) URL", consumer), nil)
	}
	body, err := json.Marshal(map[string]string{"consumerReference": u.String()})
	if err != nil {
		return "", c.errs.Fail(target.Permanent, "subscribe", "", "cannot encode the request", err)
	}
	cl := call{op: "subscribe", method: http.MethodPost, path: "events/subscriptions", body: body}
	rep, err := c.do(ctx, cl)
	if err != nil {
		return "", err
	}
	id, err := decodeSubscription(rep.body)
	if err != nil {
		return "", c.decodeFail(cl.op, err)
	}
	return id, nil
}

// Unsubscribe deletes a subscription; an unknown id is class NotFound.
func (c *Client) Unsubscribe(ctx context.Context, id string) error {
	op := "unsubscribe " + id
	rep, err := c.do(ctx, call{op: op, method: http.MethodDelete, path: "events/subscriptions/" + url.PathEscape(id),
		pass: []int{http.StatusNotFound}})
	if err != nil {
		return err
	}
	if rep.status == http.StatusNotFound {
		return c.errs.Fail(target.NotFound, op, "", "no such subscription", nil)
	}
	return nil
}

// Transaction presents person's credential remotely at an access point: on
// success a door opens. Nothing in the sync calls it; it is here for an
// operator's explicit test of a pass.
func (c *Client) Transaction(ctx context.Context, person, accessPoint string) (Transaction, error) {
	body, err := json.Marshal(map[string]string{"person": person, "accessPoint": accessPoint})
	if err != nil {
		return Transaction{}, c.errs.Fail(target.Permanent, "transaction", "", "cannot encode the request", err)
	}
	cl := call{op: "transaction for " + person, method: http.MethodPost, path: "pacs-transaction/", body: body}
	rep, err := c.do(ctx, cl)
	if err != nil {
		return Transaction{}, err
	}
	tr, err := decodeTransaction(rep.body)
	if err != nil {
		return Transaction{}, c.decodeFail(cl.op, err)
	}
	return tr, nil
}
