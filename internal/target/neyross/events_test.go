package neyross_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	emu "github.com/doorsync/doorsync/internal/emulator/neyross"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/neyross"
)

const pointEntry = "uuid:fe53892b-2e0e-44a8-98e1-5de2795b289f:987f1ea2-93c9-449f-b38f-5e20d7e8edcd" // in level КПП 1

func ids(evs []neyross.Event) []int64 {
	var out []int64
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

func TestEventHistory(t *testing.T) {
	t0 := time.Date(2025, 11, 15, 8, 34, 19, 0, time.UTC)
	b := newBench(t, emu.Config{Clock: clock.NewManual(t0)})
	b.seed(2)
	hidden := b.person(9, t0.AddDate(1, 0, 0))
	hidden.AccessLevels = []string{levelAdmin}
	b.srv.SetPersons(append(b.srv.Persons(), hidden))
	ctx := ctxT(t)

	b.srv.AddEvent(emu.Event{Headline: emu.HeadlineGranted, Person: uuidOf(0), Tags: []string{emu.TagPACS, emu.TagAccessGranted}, AccessPoint: pointEntry})
	// An event of a pass outside the EIS subset takes an id the EIS never
	// sees: the gap is how a subscriber notices missed events, too.
	b.srv.AddEvent(emu.Event{Headline: emu.HeadlineGranted, Person: hidden.UUID, Tags: []string{emu.TagPACS, emu.TagAccessGranted}})
	b.srv.AddEvent(emu.Event{Headline: emu.HeadlineDenied, Person: uuidOf(1), Tags: []string{emu.TagPACS, emu.TagAccessDenied},
		Sent: t0.Add(59 * time.Minute), Registered: t0.Add(time.Hour), AccessPoint: pointEntry})

	evs, err := b.client.EventsByTime(ctx, t0.Add(-time.Minute), t0.Add(2*time.Hour), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(evs), []int64{1, 3}) {
		t.Fatalf("events %v, want 1 and 3", ids(evs))
	}
	e := evs[0]
	if e.Headline != "Доступ разрешен" || e.Person != uuidOf(0) || !e.Granted() || e.Denied() || e.AccessPoint != pointEntry ||
		!e.Sent.Equal(t0) || !e.Registered.Equal(t0) {
		t.Errorf("event 1: %+v", e)
	}
	if d := evs[1]; !d.Denied() || !d.Sent.Equal(t0.Add(59*time.Minute)) || !d.Registered.Equal(t0.Add(time.Hour)) {
		t.Errorf("event 3: %+v", d)
	}
	page, err := b.client.EventsByTime(ctx, t0.Add(-time.Minute), t0.Add(2*time.Hour), 1, 1)
	if err != nil || !slices.Equal(ids(page), []int64{3}) {
		t.Errorf("limit 1 offset 1: %v, %v", ids(page), err)
	}
	early, err := b.client.EventsByTime(ctx, t0.Add(-time.Hour), t0.Add(-time.Minute), 0, 0)
	if err != nil || len(early) != 0 {
		t.Errorf("before any event: %v, %v", ids(early), err)
	}

	byIDs, err := b.client.EventsByIDs(ctx, []int64{3, 1, 2, 99})
	if err != nil || !slices.Equal(ids(byIDs), []int64{1, 3}) {
		t.Errorf("by ids: %v, %v", ids(byIDs), err)
	}
	if _, ok, err := b.client.EventByID(ctx, 2); ok || err != nil {
		t.Errorf("event 2 (not an EIS event): found %v, %v", ok, err)
	}
	if e, ok, err := b.client.EventByID(ctx, 3); !ok || err != nil || e.ID != 3 || e.Person != uuidOf(1) {
		t.Errorf("event 3: %+v %v %v", e, ok, err)
	}
}

func TestEventsBetweenPages(t *testing.T) {
	t0 := time.Date(2025, 11, 15, 8, 0, 0, 0, time.UTC)
	b := newBench(t, emu.Config{Clock: clock.NewManual(t0)})
	b.seed(1)
	for i := range neyross.DefaultEventLimit + 1 {
		b.srv.AddEvent(emu.Event{Headline: emu.HeadlineGranted, Person: uuidOf(0), Tags: []string{emu.TagAccessGranted},
			Registered: t0.Add(time.Duration(i) * time.Second)})
	}
	evs, err := b.client.EventsBetween(ctxT(t), t0, t0.Add(time.Hour))
	if err != nil || len(evs) != neyross.DefaultEventLimit+1 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	if n := b.log.Count(nil); n != 2 {
		t.Errorf("%d requests, want 2 pages", n)
	}
	// A history out of eventId order is not accepted silently.
	b.srv.ScriptReply(emu.Prefix+"events/history_events_by_date_time/", 200,
		`[{"eventId":5,"headline":"h","person":"p","eventTags":[],"sent":"2025-11-15T08:00:00Z","registered":"2025-11-15T08:00:00Z"},`+
			`{"eventId":4,"headline":"h","person":"p","eventTags":[],"sent":"2025-11-15T08:00:00Z","registered":"2025-11-15T08:00:00Z"}]`)
	_, err = b.client.EventsBetween(ctxT(t), t0, t0.Add(time.Hour))
	if te := classOf(t, err); te.Class != target.Malformed || !strings.Contains(err.Error(), "eventId 4 after 5") {
		t.Errorf("error %v", err)
	}
}

// The platform pushes each EIS event to a subscriber, which decodes it with
// DecodeEvent; after Unsubscribe nothing more comes.
func TestSubscription(t *testing.T) {
	b := newBench(t, emu.Config{})
	b.seed(1)
	got := make(chan neyross.Event, 4)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e, err := neyross.DecodeEvent(body, b.zone)
		if err != nil || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("pushed event %s: %v", body, err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		got <- e
	}))
	t.Cleanup(recv.Close)
	ctx := ctxT(t)
	id, err := b.client.Subscribe(ctx, recv.URL+"/doorsync/events")
	if err != nil || id == "" {
		t.Fatalf("subscribe: %q, %v", id, err)
	}
	added := b.srv.AddEvent(emu.Event{Headline: emu.HeadlineGranted, Person: uuidOf(0), Tags: []string{emu.TagAccessGranted}, AccessPoint: pointEntry})
	select {
	case e := <-got:
		if e.ID != added.ID || e.Person != uuidOf(0) || !e.Granted() {
			t.Errorf("pushed %+v", e)
		}
	case <-ctx.Done():
		t.Fatal("no event pushed")
	}
	if err := b.client.Unsubscribe(ctx, id); err != nil {
		t.Fatal(err)
	}
	b.srv.AddEvent(emu.Event{Headline: emu.HeadlineGranted, Person: uuidOf(0), Tags: []string{emu.TagAccessGranted}})
	b.srv.Close() // waits for deliveries in flight
	if st := b.srv.Deliveries(); st.Delivered != 1 || st.Failed != 0 || len(got) != 0 {
		t.Errorf("deliveries %+v, %d more events", st, len(got))
	}
	if err := b.client.Unsubscribe(ctx, id); classOf(t, err).Class != target.NotFound {
		t.Errorf("second unsubscribe: %v", err)
	}
	if _, err := b.client.Subscribe(ctx, "not a url"); classOf(t, err).Class != target.Permanent {
		t.Errorf("subscribe to a non-URL: %v", err)
	}
}

// A remote credential presentation: granted while the pass is valid,
// denied once it has expired, each an access event.
func TestTransaction(t *testing.T) {
	now := time.Date(2025, 10, 15, 9, 0, 0, 0, time.UTC)
	b := newBench(t, emu.Config{Clock: clock.NewManual(now)})
	seeded := b.seed(20) // ends from 2025-10-01, a day apart
	ctx := ctxT(t)
	ok, err := b.client.Transaction(ctx, seeded[19].ID, pointEntry)
	if err != nil || !ok.OK || ok.Person != seeded[19].ID || !ok.Begin.Equal(now) {
		t.Errorf("valid pass: %+v, %v", ok, err)
	}
	denied, err := b.client.Transaction(ctx, seeded[0].ID, pointEntry)
	if err != nil || denied.OK || !strings.Contains(denied.Error, "истёк") {
		t.Errorf("expired pass: %+v, %v", denied, err)
	}
	unknown, err := b.client.Transaction(ctx, seeded[0].ID, "uuid:nowhere")
	if err != nil || unknown.OK || !strings.Contains(unknown.Error, "точка доступа") {
		t.Errorf("unknown point: %+v, %v", unknown, err)
	}
	evs := b.srv.Events()
	if len(evs) != 2 || !slices.Contains(evs[0].Tags, emu.TagAccessGranted) || !slices.Contains(evs[1].Tags, emu.TagAccessDenied) {
		t.Errorf("events %+v", evs)
	}
}
