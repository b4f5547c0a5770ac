package neyross

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/lenient"
)

// errNoEvent is what EventByID's decoder returns for a reply that holds no
// event (the platform's way of saying none may be an empty body or null).
var errNoEvent = errors.New("no event")

// decodeObjects reads a top-level array of objects, each decoded by item; the
// n-th object is named "<what> #n" in errors until item names it better.
func decodeObjects[T any](b []byte, what string, item func(o *object) (T, error)) ([]T, error) {
	raw, err := parseTop(b, "an array")
	if err != nil {
		return nil, err
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, notJSON(b, err)
	}
	out := make([]T, 0, len(items))
	for i, it := range items {
		o, err := parseObject(it, fmt.Sprintf("%s #%d", what, i+1))
		if err != nil {
			return nil, err
		}
		v, err := item(&o)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// decodeLevels reads access-levels/.
func decodeLevels(b []byte) ([]AccessLevel, error) {
	return decodeObjects(b, "access level", func(o *object) (AccessLevel, error) {
		var l AccessLevel
		var err error
		if l.UUID, err = o.str("uuid", true); err != nil {
			return l, err
		}
		o.what = "access level " + l.UUID
		if l.Name, err = o.str("name", true); err != nil {
			return l, err
		}
		l.AccessPoints, err = o.strs("accessPoints", false)
		return l, err
	})
}

// decodePoints reads access-points/. tags is documented as Option[String]
// but described as an array of marks: both are accepted.
func decodePoints(b []byte) ([]AccessPoint, error) {
	return decodeObjects(b, "access point", func(o *object) (AccessPoint, error) {
		var p AccessPoint
		var err error
		if p.Token, err = o.str("token", true); err != nil {
			return p, err
		}
		o.what = "access point " + p.Token
		if p.Name, err = o.str("name", false); err != nil {
			return p, err
		}
		if lenient.Kind(o.m["tags"]) == "a string" {
			tag, _ := o.str("tags", false)
			p.Tags = strings.FieldsFunc(tag, func(r rune) bool { return r == ',' || r == ' ' })
			return p, nil
		}
		p.Tags, err = o.strs("tags", false)
		return p, err
	})
}

// parseTime reads an ISO 8601 date-time; one without an offset is in loc.
func parseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 date and time", s)
}

// decodeEvents reads an array of events (the history calls).
func decodeEvents(b []byte, zone *time.Location) ([]Event, error) {
	items, err := decodeArray(b, "event #%d")
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(items))
	for i, it := range items {
		e, err := decodeEventObject(object{m: it, what: fmt.Sprintf("event #%d", i+1)}, zone)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// DecodeEvent reads one event as the platform pushes it to a subscriber
// (and as history_events_by_id/ returns it). Times without an offset are
// read in zone.
func DecodeEvent(b []byte, zone *time.Location) (Event, error) {
	raw, err := parseTop(b, "an object")
	if err != nil {
		return Event{}, err
	}
	o, err := parseObject(raw, "event")
	if err != nil {
		return Event{}, err
	}
	return decodeEventObject(o, zone)
}

// decodeEventByID reads history_events_by_id/: an event, or nothing.
func decodeEventByID(b []byte, zone *time.Location) (Event, error) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 || lenient.IsNull(t) || bytes.Equal(t, []byte("{}")) || bytes.Equal(t, []byte("[]")) {
		return Event{}, errNoEvent
	}
	if lenient.Kind(t) == "an array" {
		// Some platform builds answer with the by_ids shape.
		evs, err := decodeEvents(t, zone)
		switch {
		case err != nil:
			return Event{}, err
		case len(evs) != 1:
			return Event{}, fmt.Errorf("want one event, got %d", len(evs))
		}
		return evs[0], nil
	}
	return DecodeEvent(t, zone)
}

func decodeEventObject(o object, zone *time.Location) (Event, error) {
	what := o.what
	var e Event
	id, ok, err := o.long("eventId")
	switch {
	case err != nil:
		return Event{}, err
	case !ok:
		return Event{}, fmt.Errorf("%s: no eventId", what)
	case id <= 0:
		return Event{}, fmt.Errorf("%s: eventId %d is not positive", what, id)
	}
	e.ID = id
	o.what = fmt.Sprintf("event %d", id)
	if e.Headline, err = o.str("headline", true); err != nil {
		return Event{}, err
	}
	if e.Person, err = o.str("person", true); err != nil {
		return Event{}, err
	}
	if e.Tags, err = o.strs("eventTags", true); err != nil {
		return Event{}, err
	}
	if e.AccessPoint, err = o.str("accessPoint", false); err != nil {
		return Event{}, err
	}
	for _, f := range []struct {
		key string
		dst *time.Time
	}{{"sent", &e.Sent}, {"registered", &e.Registered}} {
		s, err := o.str(f.key, true)
		if err != nil {
			return Event{}, err
		}
		if *f.dst, err = parseTime(s, zone); err != nil {
			return Event{}, fmt.Errorf("%s: %s: %w", o.what, f.key, err)
		}
	}
	return e, nil
}

// decodeTransaction reads the pacs-transaction/ reply. Its times are UTC
// ("2020-07-10 15:00:00") unless they carry an offset.
func decodeTransaction(b []byte) (Transaction, error) {
	raw, err := parseTop(b, "an object")
	if err != nil {
		return Transaction{}, err
	}
	o, err := parseObject(raw, "transaction reply")
	if err != nil {
		return Transaction{}, err
	}
	msg, err := resultOf(o)
	if err != nil {
		return Transaction{}, err
	}
	tr := Transaction{OK: msg == "", Error: msg}
	if !o.has("meta") {
		return Transaction{}, errors.New("transaction reply: no meta")
	}
	m, err := parseObject(o.m["meta"], "transaction reply: meta")
	if err != nil {
		return Transaction{}, err
	}
	if tr.Person, err = m.str("person", false); err != nil {
		return Transaction{}, err
	}
	if tr.AccessPoint, err = m.str("accessPoint", false); err != nil {
		return Transaction{}, err
	}
	for _, f := range []struct {
		key string
		dst *time.Time
	}{{"transactionBegin", &tr.Begin}, {"transactionEnd", &tr.End}} {
		s, err := m.str(f.key, false)
		if err != nil {
			return Transaction{}, err
		}
		if s == "" {
			continue
		}
		if *f.dst, err = parseTime(s, time.UTC); err != nil {
			return Transaction{}, fmt.Errorf("transaction reply: meta: %s: %w", f.key, err)
		}
	}
	return tr, nil
}

// decodeSubscription reads {"subscriptionId": String}.
func decodeSubscription(b []byte) (string, error) {
	raw, err := parseTop(b, "an object")
	if err != nil {
		return "", err
	}
	o, err := parseObject(raw, "subscription reply")
	if err != nil {
		return "", err
	}
	id, err := o.str("subscriptionId", true)
	if err == nil && strings.TrimSpace(id) == "" {
		err = errors.New("subscription reply: empty subscriptionId")
	}
	return id, err
}
