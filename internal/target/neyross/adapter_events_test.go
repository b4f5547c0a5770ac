package neyross_test

import (
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/emulator"
	emu "github.com/doorsync/doorsync/internal/emulator/neyross"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/neyross"
)

const pathHistory = emu.Prefix + "events/history_events_by_date_time/"

// Events maps the platform's history to the console's view: the person's
// events only, newest first, granted and denied from the tags, the access
// point by its name, the platform's headline as the reason.
func TestTargetEvents(t *testing.T) {
	now := time.Date(2025, 11, 15, 18, 0, 0, 0, time.UTC)
	b := newBench(t, emu.Config{Clock: clock.NewManual(now)})
	b.seed(2)
	at := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
	b.srv.AddEvent(emu.Event{Headline: emu.HeadlineGranted, Person: uuidOf(0), Tags: []string{emu.TagPACS, emu.TagAccessGranted},
		AccessPoint: pointEntry, Registered: at(30)}) // outside the window
	b.srv.AddEvent(emu.Event{Headline: emu.HeadlineGranted, Person: uuidOf(0), Tags: []string{emu.TagPACS, emu.TagAccessGranted},
		AccessPoint: pointEntry, Registered: at(5)})
	b.srv.AddEvent(emu.Event{Headline: emu.HeadlineGranted, Person: uuidOf(1), Tags: []string{emu.TagPACS, emu.TagAccessGranted},
		Registered: at(4)}) // someone else
	b.srv.AddEvent(emu.Event{Headline: emu.HeadlineDenied, Person: uuidOf(0), Tags: []string{emu.TagPACS, emu.TagAccessDenied},
		AccessPoint: pointEntry, Sent: at(3).Add(-time.Second), Registered: at(3)})
	b.srv.AddEvent(emu.Event{Headline: "Дверь открыта", Person: uuidOf(0), Tags: []string{emu.TagPACS}, Registered: at(2)})

	evs, err := b.target.Events(ctxT(t), target.EventQuery{Account: uuidOf(0), Since: now.Add(-24 * time.Hour), Until: now, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := []target.Event{
		{Time: at(2), Account: uuidOf(0), Outcome: target.OutcomeOther, Reason: "Дверь открыта", Code: "event 5 [PACS]"},
		{Time: at(3).Add(-time.Second), Account: uuidOf(0), Outcome: target.OutcomeDenied, Reason: "Доступ запрещен",
			Door: "Точка доступа 0.1", Code: "event 4 [PACS AccessDenied]"},
		{Time: at(5), Account: uuidOf(0), Outcome: target.OutcomeGranted, Reason: "Доступ разрешен",
			Door: "Точка доступа 0.1", Code: "event 2 [PACS AccessGranted]"},
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events %+v, want %d", len(evs), evs, len(want))
	}
	for i := range want {
		if g, w := evs[i], want[i]; !g.Time.Equal(w.Time) || g.Account != w.Account || g.Outcome != w.Outcome ||
			g.Reason != w.Reason || g.Door != w.Door || g.Code != w.Code {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	// The limit keeps the newest.
	evs, err = b.target.Events(ctxT(t), target.EventQuery{Account: uuidOf(0), Since: now.Add(-24 * time.Hour), Until: now, Limit: 1})
	if err != nil || len(evs) != 1 || evs[0].Reason != "Дверь открыта" {
		t.Fatalf("limit 1: %+v, %v", evs, err)
	}
}

// A busy platform's window spans several history pages; only the person's
// events are kept.
func TestTargetEventsPages(t *testing.T) {
	now := time.Date(2025, 11, 15, 18, 0, 0, 0, time.UTC)
	b := newBench(t, emu.Config{Clock: clock.NewManual(now)})
	b.seed(3)
	n := 2*neyross.DefaultEventLimit + 10
	for i := range n {
		b.srv.AddEvent(emu.Event{Headline: emu.HeadlineGranted, Person: uuidOf(i % 3), Tags: []string{emu.TagAccessGranted},
			Registered: now.Add(-time.Duration(n-i) * time.Second)})
	}
	evs, err := b.target.Events(ctxT(t), target.EventQuery{Account: uuidOf(2), Since: now.Add(-time.Hour), Until: now, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 5 || !evs[0].Time.Equal(now.Add(-time.Second)) || !evs[4].Time.Equal(now.Add(-13*time.Second)) {
		t.Fatalf("%d events, newest %v oldest %v", len(evs), evs[0].Time, evs[len(evs)-1].Time)
	}
	if h, all := b.count(pathHistory), b.log.Count(nil); h != 3 || all != 4 {
		t.Errorf("%d history pages of %d requests, want 3 and one for the access points", h, all)
	}
}

func TestTargetEventsFailures(t *testing.T) {
	now := time.Date(2025, 11, 15, 18, 0, 0, 0, time.UTC)
	q := target.EventQuery{Account: uuidOf(0), Since: now.Add(-time.Hour), Until: now, Limit: 10}
	t.Run("bad queries send nothing", func(t *testing.T) {
		b := newBench(t, emu.Config{Clock: clock.NewManual(now)})
		for _, c := range []struct {
			q    target.EventQuery
			want string
		}{
			{target.EventQuery{Since: q.Since, Until: q.Until, Limit: 10}, "no person uuid"},
			{target.EventQuery{Account: q.Account, Since: q.Since, Until: q.Until}, "limit 0: want 1…500 events"},
			{target.EventQuery{Account: q.Account, Since: q.Until, Until: q.Since, Limit: 10}, "bad time range"},
		} {
			_, err := b.target.Events(ctxT(t), c.q)
			if target.ClassOf(err) != target.Permanent || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%+v: %v, want %q", c.q, err, c.want)
			}
		}
		if n := b.log.Count(nil); n != 0 {
			t.Errorf("%d requests", n)
		}
	})
	t.Run("history out of order", func(t *testing.T) {
		b := newBench(t, emu.Config{Clock: clock.NewManual(now)})
		b.srv.ScriptReply(pathHistory, 200,
			`[{"eventId":5,"headline":"h","person":"p","eventTags":[],"sent":"2025-11-15T17:30:00Z","registered":"2025-11-15T17:30:00Z"},`+
				`{"eventId":4,"headline":"h","person":"p","eventTags":[],"sent":"2025-11-15T17:30:00Z","registered":"2025-11-15T17:30:00Z"}]`)
		_, err := b.target.Events(ctxT(t), q)
		if target.ClassOf(err) != target.Malformed || !strings.Contains(err.Error(), "eventId 4 after 5") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("garbage", func(t *testing.T) {
		b := newBench(t, emu.Config{Clock: clock.NewManual(now)})
		b.srv.ScriptReply(pathHistory, 200, `[{"eventId":"five"}]`)
		_, err := b.target.Events(ctxT(t), q)
		if target.ClassOf(err) != target.Malformed || !strings.Contains(err.Error(), "events from") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("token rejected stops the target", func(t *testing.T) {
		b := newBench(t, emu.Config{Clock: clock.NewManual(now)})
		b.srv.SetToken("regenerated")
		for range 2 {
			if _, err := b.target.Events(ctxT(t), q); target.ClassOf(err) != target.Auth {
				t.Fatalf("want class auth, got %v", err)
			}
		}
		if n := b.log.Count(func(r emulator.Request) bool { return r.AuthScheme == "Bearer" }); n != 1 {
			t.Errorf("%d requests carried the token, want 1 (stopped after the rejection)", n)
		}
	})
}
