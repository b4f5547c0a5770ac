package hikvision_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/emulator"
	emu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/hikvision"
)

const pathAcsEvent = "/ISAPI/AccessControl/AcsEvent"

// eventBench is a terminal whose clock stands at now, holding persons 1000…
// and a log of events: n face verifications of 1001 an hour apart up to
// an hour ago, the last three of them denials for "not in validity
// period", and events of 1000 in between.
func eventBench(t *testing.T, cfg emu.Config, n int) (*bench, time.Time) {
	t.Helper()
	zone, _ := time.LoadLocation("Europe/Ljubljana")
	now := time.Date(2025, 11, 3, 18, 0, 0, 0, zone)
	clk := clock.NewManual(now)
	cfg.Clock = clk
	b := newBench(t, cfg, func(c *hikvision.Config) { c.Clock = clk })
	b.seed(3)
	for i := range n {
		at := now.Add(-time.Duration(n-i) * time.Hour)
		minor := emu.MinorFaceVerified
		if i >= n-3 {
			minor = emu.MinorInvalidPeriod
		}
		b.term.AddEvent(emu.Event{Time: at, Minor: minor, EmployeeNo: "1001"})
		b.term.AddEvent(emu.Event{Time: at.Add(time.Minute), Minor: emu.MinorFaceVerified, EmployeeNo: "1000"})
	}
	return b, now
}

// acsConds are the AcsEventCond bodies the terminal answered.
func (b *bench) acsConds(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, s := range b.acsSearches(t) {
		if s.status == 200 {
			out = append(out, s.cond)
		}
	}
	return out
}

// acsSearch is one AcsEvent search past authentication: its condition
// and the HTTP status of the answer.
type acsSearch struct {
	status int
	cond   map[string]any
}

func (b *bench) acsSearches(t *testing.T) []acsSearch {
	t.Helper()
	var out []acsSearch
	for _, r := range b.log.Entries() {
		if r.Path != pathAcsEvent || r.Status == 401 || r.Status == 0 {
			continue
		}
		var body struct {
			Cond map[string]any `json:"AcsEventCond"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("AcsEvent body %s: %v", r.Body, err)
		}
		out = append(out, acsSearch{r.Status, body.Cond})
	}
	return out
}

func TestEventsAgainstTheEmulator(t *testing.T) {
	for _, oldest := range []bool{false, true} {
		name := "newest first"
		if oldest {
			name = "firmware without timeReverseOrder"
		}
		t.Run(name, func(t *testing.T) {
			b, now := eventBench(t, emu.Config{EventsOldestFirst: oldest}, 100)
			evs, err := b.target.Events(context.Background(), target.EventQuery{Account: "1001", Since: now.AddDate(0, 0, -30), Until: now, Limit: 40})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 40 {
				t.Fatalf("%d events, want 40", len(evs))
			}
			for i, e := range evs {
				at := now.Add(-time.Duration(i+1) * time.Hour)
				if !e.Time.Equal(at) || e.Account != "1001" || e.Name != "Clan 1001" || e.Door != "door 1" {
					t.Fatalf("event %d: %+v, want 1001 at %v", i, e, at)
				}
				want, reason, code := target.OutcomeGranted, "face verified", "5/75"
				if i < 3 {
					want, reason, code = target.OutcomeDenied, "not in validity period", "5/7"
				}
				if e.Outcome != want || e.Reason != reason || e.Code != code {
					t.Errorf("event %d: %s %q %s, want %s %q %s", i, e.Outcome, e.Reason, e.Code, want, reason, code)
				}
			}
			conds := b.acsConds(t)
			positions := []float64{}
			for _, c := range conds {
				positions = append(positions, c["searchResultPosition"].(float64))
				if c["employeeNoString"] != "1001" || c["major"] != float64(5) || c["timeReverseOrder"] != true ||
					c["startTime"] != "2025-10-04T18:00:00+02:00" || c["endTime"] != "2025-11-03T18:10:00+01:00" {
					t.Errorf("condition %v", c)
				}
			}
			// Newest first: two pages from the start. Oldest first: the
			// first page, then the last 40 of 100.
			want := []float64{0, 30}
			if oldest {
				want = []float64{0, 60, 90}
			}
			if !slices.Equal(positions, want) {
				t.Errorf("pages read at %v, want %v", positions, want)
			}
			if n := b.log.Count(func(r emulator.Request) bool { return r.Method != "POST" || r.Path != pathAcsEvent }); n != 0 {
				t.Errorf("%d requests besides AcsEvent searches", n)
			}
		})
	}
}

func TestEventsWindowAndFewEvents(t *testing.T) {
	b, now := eventBench(t, emu.Config{}, 30)
	ctx := context.Background()
	// The window starts 10 hours back: the events of hours 1…10 only.
	evs, err := b.target.Events(ctx, target.EventQuery{Account: "1001", Since: now.Add(-10*time.Hour - time.Second), Until: now, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 10 || !evs[9].Time.Equal(now.Add(-10*time.Hour)) {
		t.Fatalf("%d events, oldest %v", len(evs), evs[len(evs)-1].Time)
	}
	// A person without events, and one the terminal does not hold.
	for _, id := range []string{"1002", "7777"} {
		evs, err := b.target.Events(ctx, target.EventQuery{Account: id, Since: now.AddDate(0, 0, -30), Until: now, Limit: 10})
		if err != nil || len(evs) != 0 {
			t.Errorf("%s: %v, %v: want no events", id, evs, err)
		}
	}
}

func TestEventsFirmwareIgnoringEmployeeNo(t *testing.T) {
	b, now := eventBench(t, emu.Config{IgnoreEventEmployeeNo: true}, 5)
	_, err := b.target.Events(context.Background(), target.EventQuery{Account: "1001", Since: now.AddDate(0, 0, -1), Until: now, Limit: 10})
	var te *target.Error
	if !errors.As(err, &te) || te.Class != target.Malformed || te.Code != "ignoredEmployeeNoString" ||
		!strings.Contains(err.Error(), `an event of employeeNo "1000", which was not asked for`) {
		t.Fatalf("want a malformed error naming 1000, got %v", err)
	}
}

func TestEventsEnvelopesAndBadReplies(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		class  target.Class
		want   string
	}{
		{"not supported, in an HTTP 200 body", 200,
			`{"requestURL":"/ISAPI/AccessControl/AcsEvent?format=json","statusCode":4,"statusString":"Invalid Operation","subStatusCode":"notSupport","errorCode":1073741825,"errorMsg":"notSupport"}`,
			target.Permanent, "events of 1001 page 1: permanent (notSupport)"},
		{"bad content", 400,
			`{"statusCode":6,"statusString":"Invalid Content","subStatusCode":"badJsonContent","errorMsg":"startTime"}`,
			// Refused with a time range and again without one.
			target.Permanent, "page 1 (without a time range): permanent (badJsonContent): Invalid Content: startTime (asked again without a time range after: "},
		{"cut off", 200, `{"AcsEvent":{"searchID":"`, target.Malformed, "events of 1001 page 1: malformed: reply not understood"},
		{"inconsistent page", 200,
			`{"AcsEvent":{"searchID":"x","responseStatusStrg":"MORE","numOfMatches":0,"totalMatches":5,"InfoList":[]}}`,
			target.Malformed, "status MORE with no events"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, now := eventBench(t, emu.Config{}, 5)
			b.term.ScriptReply(pathAcsEvent, c.status, c.body)
			b.term.ScriptReply(pathAcsEvent, c.status, c.body)
			_, err := b.target.Events(context.Background(), target.EventQuery{Account: "1001", Since: now.AddDate(0, 0, -1), Until: now, Limit: 10})
			if target.ClassOf(err) != c.class || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v (%s), want %s containing %q", err, target.ClassOf(err), c.class, c.want)
			}
		})
	}
	// deviceBusy comes back at once as class Busy (the caller retries), and
	// the next call gets the events.
	b, now := eventBench(t, emu.Config{}, 5)
	b.term.ScriptReply(pathAcsEvent, 200, `{"statusCode":2,"statusString":"Device Busy","subStatusCode":"deviceBusy"}`)
	q := target.EventQuery{Account: "1001", Since: now.AddDate(0, 0, -1), Until: now, Limit: 10}
	if _, err := b.target.Events(context.Background(), q); target.ClassOf(err) != target.Busy {
		t.Fatalf("busy answer: want class busy, got %v", err)
	}
	evs, err := b.target.Events(context.Background(), q)
	if err != nil || len(evs) != 5 {
		t.Fatalf("after a busy answer: %d events, %v", len(evs), err)
	}
}

// Two rejected logins stop the terminal: the third call sends nothing.
func TestEventsAuthenticationStop(t *testing.T) {
	b, now := eventBench(t, emu.Config{}, 5)
	b.term.SetPassword("rotated-on-the-device")
	q := target.EventQuery{Account: "1001", Since: now.AddDate(0, 0, -1), Until: now, Limit: 10}
	ctx := context.Background()
	for i := range 2 {
		_, err := b.target.Events(ctx, q)
		if target.ClassOf(err) != target.Auth {
			t.Fatalf("call %d: %v, want class auth", i+1, err)
		}
	}
	before := b.log.Count(nil)
	_, err := b.target.Events(ctx, q)
	if !errors.Is(err, target.ErrStopped) || !strings.Contains(err.Error(), "not sent") {
		t.Fatalf("third call: %v, want the stop error", err)
	}
	if n := b.log.Count(nil) - before; n != 0 {
		t.Errorf("a stopped terminal got %d more requests", n)
	}
	if n := b.term.FailedLogins(); n > 2 {
		t.Errorf("the terminal counted %d failed logins", n)
	}
	if b.target.Stopped() == nil {
		t.Error("the target does not report the stop")
	}
}

// BenchmarkEvents reads the 10 newest of 3,000 events of one person (among
// 6,000 in the log) on a terminal taking 5 ms per request, with and
// without timeReverseOrder. One op is one Target.Events.
//
// Metrics: requests/op must be 1 newest first (the first page holds the
// ten) and 2 oldest first (the first page, then a jump to the tail): the
// person's history length must not cost requests.
func BenchmarkEvents(b *testing.B) {
	for _, oldest := range []bool{false, true} {
		name, want := "newest-first", 1.0
		if oldest {
			name, want = "oldest-first", 2.0
		}
		b.Run(name, func(b *testing.B) {
			zone, _ := time.LoadLocation("Europe/Ljubljana")
			now := time.Date(2025, 11, 3, 18, 0, 0, 0, zone)
			clk := clock.NewManual(now)
			bench := newBench(b, emu.Config{Clock: clk, EventsOldestFirst: oldest}, func(c *hikvision.Config) { c.Clock = clk })
			bench.seed(2)
			for i := range 3000 {
				at := now.Add(-time.Duration(3000-i) * 10 * time.Minute)
				bench.term.AddEvent(emu.Event{Time: at, Minor: emu.MinorFaceVerified, EmployeeNo: "1001"})
				bench.term.AddEvent(emu.Event{Time: at.Add(time.Minute), Minor: emu.MinorFaceVerified, EmployeeNo: "1000"})
			}
			bench.faults.SetLatency(5 * time.Millisecond)
			q := target.EventQuery{Account: "1001", Since: now.AddDate(0, -2, 0), Until: now, Limit: 10}
			ctx := context.Background()
			if _, err := bench.target.Events(ctx, q); err != nil { // the Digest challenge
				b.Fatal(err)
			}
			bench.log.Reset()
			for b.Loop() {
				evs, err := bench.target.Events(ctx, q)
				if err != nil || len(evs) != 10 || !evs[0].Time.Equal(now.Add(-10*time.Minute)) {
					b.Fatalf("%d events, %v", len(evs), err)
				}
			}
			perOp := float64(bench.log.Count(nil)) / float64(b.N)
			if perOp != want {
				b.Fatalf("%.2f requests per read, want %.0f", perOp, want)
			}
			b.ReportMetric(perOp, "requests/op")
		})
	}
}
