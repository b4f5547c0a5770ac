package neyross

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// subscriptionQueue bounds the events waiting for one subscriber; beyond it
// events are dropped (the subscriber sees a gap in eventId and reads the
// history, as the seed intends).
const subscriptionQueue = 256

// storedEvent is an event and whether it is an EIS event: decided once, when
// it is registered, and never again (seed: an EIS event stays one even if the
// pass leaves the EIS subset, and vice versa).
type storedEvent struct {
	Event
	eis bool
}

// eventView is an event as the API sends it.
type eventView struct {
	EventID     int64    `json:"eventId"`
	Headline    string   `json:"headline"`
	Person      string   `json:"person"`
	EventTags   []string `json:"eventTags"`
	Sent        string   `json:"sent"`
	Registered  string   `json:"registered"`
	AccessPoint string   `json:"accessPoint,omitempty"`
}

type subscription struct {
	id    string
	url   string
	queue chan []byte
}

// DeliveryStats counts event pushes to subscribers.
type DeliveryStats struct {
	Delivered int // answered with a 2xx
	Failed    int // no answer within the timeout, or a non-2xx answer
	Dropped   int // the subscriber's queue was full
}

func (s *Server) view(e Event) eventView {
	tags := slices.Clone(e.Tags)
	if tags == nil {
		tags = []string{}
	}
	return eventView{EventID: e.ID, Headline: e.Headline, Person: e.Person, EventTags: tags,
		Sent: e.Sent.In(s.cfg.Zone).Format(time.RFC3339), Registered: e.Registered.In(s.cfg.Zone).Format(time.RFC3339),
		AccessPoint: e.AccessPoint}
}

// AddEvent registers an access event: it gets the next eventId (whatever
// e.ID says), Registered defaults to now and Sent to Registered. An event of
// an EIS person at an EIS access point (or without one) is an EIS event:
// pushed to every subscriber and served by the history calls.
func (s *Server) AddEvent(e Event) Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addEventLocked(e)
}

func (s *Server) addEventLocked(e Event) Event {
	s.lastEvent++
	e.ID = s.lastEvent
	if e.Registered.IsZero() {
		e.Registered = s.cfg.Clock.Now()
	}
	if e.Sent.IsZero() {
		e.Sent = e.Registered
	}
	e.Tags = slices.Clone(e.Tags)
	p, ok := s.persons[e.Person]
	eis := ok && holdsEIS(p, s.eisLevelsLocked()) && (e.AccessPoint == "" || s.eisPointsLocked()[e.AccessPoint])
	s.events = append(s.events, storedEvent{e, eis})
	if eis && len(s.subs) > 0 {
		body, err := json.Marshal(s.view(e))
		if err == nil {
			for _, sub := range s.subs {
				select {
				case sub.queue <- body:
				default:
					s.stats.Dropped++
				}
			}
		}
	}
	return e
}

// Events returns the EIS events registered so far, by eventId.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Event
	for _, e := range s.events {
		if e.eis {
			e.Tags = slices.Clone(e.Tags)
			out = append(out, e.Event)
		}
	}
	return out
}

// Deliveries reports how event pushes to subscribers went.
func (s *Server) Deliveries() DeliveryStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// eventLocked returns the EIS event with the given id.
func (s *Server) eventLocked(id int64) (Event, bool) {
	if id < 1 || id > int64(len(s.events)) {
		return Event{}, false
	}
	e := s.events[id-1] // ids are 1, 2, 3… in registration order
	return e.Event, e.eis
}

func (s *Server) handleEventByID(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "id: ожидается eventId (целое число)")
		return
	}
	s.mu.Lock()
	e, ok := s.eventLocked(id)
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("событие %d не найдено", id))
		return
	}
	writeJSON(w, http.StatusOK, s.view(e))
}

func (s *Server) handleEventsByIDs(w http.ResponseWriter, r *http.Request) {
	b, ok := readRequest(w, r)
	if !ok {
		return
	}
	var req struct {
		EventIDs []int64 `json:"eventIds"`
	}
	if err := json.Unmarshal(b, &req); err != nil || req.EventIDs == nil {
		writeError(w, http.StatusBadRequest, "eventIds: обязательное поле, массив eventId")
		return
	}
	ids := slices.Clone(req.EventIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := []eventView{}
	s.mu.Lock()
	for _, id := range ids {
		if e, ok := s.eventLocked(id); ok {
			out = append(out, s.view(e))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// parseISO reads an ISO 8601 date-time; one without an offset is in zone.
func parseISO(v string, zone *time.Location) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, zone); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (s *Server) handleEventsByTime(w http.ResponseWriter, r *http.Request) {
	b, ok := readRequest(w, r)
	if !ok {
		return
	}
	var req struct {
		TimeFrom *string `json:"timeFrom"`
		TimeTo   *string `json:"timeTo"`
		Limit    *int64  `json:"limit"`
		Offset   *int64  `json:"offset"`
	}
	if err := json.Unmarshal(b, &req); err != nil {
		writeError(w, http.StatusBadRequest, "тело запроса: ожидается JSON-объект {timeFrom, timeTo, limit, offset}")
		return
	}
	if req.TimeFrom == nil || req.TimeTo == nil {
		writeError(w, http.StatusBadRequest, "timeFrom и timeTo: обязательные поля")
		return
	}
	from, ok1 := parseISO(*req.TimeFrom, s.cfg.Zone)
	to, ok2 := parseISO(*req.TimeTo, s.cfg.Zone)
	if !ok1 || !ok2 {
		writeError(w, http.StatusBadRequest, "timeFrom, timeTo: ожидается дата и время в формате ISO 8601")
		return
	}
	limit, offset := int64(defaultLimit), int64(0)
	if req.Limit != nil {
		limit = *req.Limit
	}
	if req.Offset != nil {
		offset = *req.Offset
	}
	if limit <= 0 || offset < 0 {
		writeError(w, http.StatusBadRequest, "limit > 0, offset >= 0")
		return
	}
	out := []eventView{}
	s.mu.Lock()
	var skipped int64
	for _, e := range s.events {
		if !e.eis || e.Registered.Before(from) || e.Registered.After(to) {
			continue
		}
		if skipped < offset {
			skipped++
			continue
		}
		if int64(len(out)) >= limit {
			break
		}
		out = append(out, s.view(e.Event))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleSubscribe(w http.ResponseWriter, r *http.Request) {
	b, ok := readRequest(w, r)
	if !ok {
		return
	}
	var req struct {
		ConsumerReference string `json:"consumerReference"`
	}
	if err := json.Unmarshal(b, &req); err != nil {
		writeError(w, http.StatusBadRequest, "тело запроса: ожидается {\"consumerReference\": URL}")
		return
	}
	u, err := url.Parse(req.ConsumerReference)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		writeError(w, http.StatusBadRequest, "consumerReference: ожидается полный URL-адрес получателя событий")
		return
	}
	sub := &subscription{id: newUUID(), url: u.String(), queue: make(chan []byte, subscriptionQueue)}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, "платформа останавливается")
		return
	}
	s.subs[sub.id] = sub
	s.wg.Add(1)
	s.mu.Unlock()
	go s.deliver(sub)
	writeJSON(w, http.StatusOK, map[string]string{"subscriptionId": sub.id})
}

func (s *Server) handleUnsubscribe(w http.ResponseWriter, id string) {
	s.mu.Lock()
	sub, ok := s.subs[id]
	if ok {
		delete(s.subs, id)
		close(sub.queue)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "подписка не найдена: "+id)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// Subscriptions returns the consumer URLs by subscription id.
func (s *Server) Subscriptions() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for id, sub := range s.subs {
		out[id] = sub.url
	}
	return out
}

// deliver pushes a subscriber's events in order, one at a time, each within
// DeliveryTimeout; it ends when the subscription is deleted or the server
// is closed (a push in flight then completes; queued ones are dropped). The
// platform does not retry a failed push.
func (s *Server) deliver(sub *subscription) {
	defer s.wg.Done()
	client := &http.Client{Timeout: s.cfg.DeliveryTimeout}
	for body := range sub.queue {
		if s.ctx.Err() != nil {
			// Closing: what is still queued is not sent.
			s.mu.Lock()
			s.stats.Dropped++
			s.mu.Unlock()
			continue
		}
		ok := s.push(client, sub.url, body)
		s.mu.Lock()
		if ok {
			s.stats.Delivered++
		} else {
			s.stats.Failed++
		}
		s.mu.Unlock()
	}
}

func (s *Server) push(client *http.Client, target string, body []byte) bool {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode >= 200 && resp.StatusCode < 300
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
