package hikvision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/target"
)

// acsEventJSON renders one InfoList entry as a face terminal sends it.
func acsEventJSON(no string, minor int, at time.Time, serial int) string {
	return fmt.Sprintf(`{"major":5,"minor":%d,"time":%q,"cardType":1,"name":"Ziga Ceh","cardReaderNo":1,"doorNo":1,`+
		`"employeeNoString":%q,"type":0,"serialNo":%d,"userType":"normal","currentVerifyMode":"cardOrFace","mask":"no"}`,
		minor, at.Format("2006-01-02T15:04:05-07:00"), no, serial)
}

func acsReply(status string, num, total int, events ...string) string {
	return fmt.Sprintf(`{"AcsEvent":{"searchID":"s","responseStatusStrg":%q,"numOfMatches":%d,"totalMatches":%d,"InfoList":[%s]}}`,
		status, num, total, strings.Join(events, ","))
}

func TestDecodeEventPage(t *testing.T) {
	zone := testZone(t)
	at := time.Date(2025, 11, 1, 8, 15, 3, 0, zone)
	e1 := acsEventJSON("1042", 75, at, 30)
	cases := []struct {
		name, body string
		want       string // "" = no error; else part of the error
		events     int
	}{
		{"page", acsReply("MORE", 1, 3, e1), "", 1},
		{"last page", acsReply("OK", 1, 1, e1), "", 1},
		{"no match", `{"AcsEvent":{"searchID":"s","responseStatusStrg":"NO MATCH","numOfMatches":0,"totalMatches":0}}`, "", 0},
		{"one event as an object, numbers as strings, old employeeNo",
			`{"AcsEvent":{"responseStatusStrg":"OK","numOfMatches":"1","totalMatches":"1","InfoList":{"major":"5","minor":"7","time":"2025-11-01T08:15:03","employeeNo":1042}}}`, "", 1},
		{"MORE without events", acsReply("MORE", 0, 3), "status MORE with no events", 0},
		{"count mismatch", acsReply("OK", 2, 2, e1), "numOfMatches is 2 but the page holds 1 events", 0},
		{"NO MATCH with events", acsReply("NO MATCH", 1, 1, e1), "status NO MATCH with 1 events", 0},
		{"no time", acsReply("OK", 1, 1, `{"major":5,"minor":75,"employeeNoString":"1042","serialNo":9}`), "event #1 of the page: event serialNo 9: empty time", 0},
		{"garbage time", acsReply("OK", 1, 1, `{"major":5,"minor":75,"time":"yesterday","employeeNoString":"1042"}`), "not a terminal time", 0},
		{"no minor", acsReply("OK", 1, 1, `{"major":5,"time":"2025-11-01T08:15:03","employeeNoString":"1042"}`), "no major or minor type", 0},
		{"bad serial", acsReply("OK", 1, 1, `{"major":5,"minor":1,"time":"2025-11-01T08:15:03","serialNo":"x"}`), "serialNo", 0},
		{"unknown status", strings.Replace(acsReply("OK", 1, 1, e1), `"OK"`, `"DONE"`, 1), "unknown responseStatusStrg", 0},
		{"no AcsEvent", `{"UserInfoSearch":{}}`, "no AcsEvent object", 0},
		{"cut off", `{"AcsEvent":{"searchID":"`, "event reply", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := decodeEventPage([]byte(c.body), zone)
			if c.want != "" {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("error %v, want %q", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Events) != c.events {
				t.Fatalf("%d events, want %d", len(p.Events), c.events)
			}
			for _, e := range p.Events {
				if e.EmployeeNo != "1042" || !e.Time.Equal(at) || e.Major != 5 {
					t.Errorf("event %+v", e)
				}
			}
		})
	}
}

func FuzzDecodeEventPage(f *testing.F) {
	zone := testZone(f)
	at := time.Date(2025, 11, 1, 8, 15, 3, 0, zone)
	for _, s := range []string{
		acsReply("MORE", 1, 3, acsEventJSON("1042", 75, at, 1)),
		acsReply("OK", 2, 2, acsEventJSON("1042", 75, at, 1), acsEventJSON("1042", 7, at.Add(time.Hour), 2)),
		`{"AcsEvent":{"responseStatusStrg":"NO MATCH","numOfMatches":0,"totalMatches":0,"InfoList":[]}}`,
		`{"AcsEvent":{"responseStatusStrg":"OK","numOfMatches":"1","totalMatches":"1","InfoList":{"major":"5","minor":"7","time":"2025-11-01T08:15:03","employeeNo":1042}}}`,
		`{"AcsEvent":{"responseStatusStrg":"MORE","numOfMatches":1,"totalMatches":99999999999,"InfoList":[{"major":5,"minor":1,"time":"9999-01-01T00:00:00"}]}}`,
		`{"AcsEvent":null}`, `{"AcsEvent":{"InfoList":"x"}}`, `[]`, ``, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodeEventPage(b, zone)
		if err != nil {
			return
		}
		// What the decoder accepts is consistent in itself.
		if p.Status == StatusNoMatch && len(p.Events) > 0 {
			t.Fatal("NO MATCH with events")
		}
		if p.Status != StatusNoMatch && p.NumOfMatches != len(p.Events) {
			t.Fatalf("numOfMatches %d, events %d", p.NumOfMatches, len(p.Events))
		}
		if p.Status == StatusMore && len(p.Events) == 0 {
			t.Fatal("MORE without events")
		}
		for _, e := range p.Events {
			if (e.Time.IsZero() || e.Time.Location() != zone) != (e.ClockReset || e.BadDate) || e.SerialNo < 0 {
				t.Fatalf("event %+v", e)
			}
		}
	})
}

// eventLog is a terminal's AcsEvent search for the read logic: one person's
// events oldest first, a page cap, timeReverseOrder honoured or not, and a
// hook that may change the log between requests.
type eventLog struct {
	mu      sync.Mutex
	no      string
	times   []time.Time
	pageCap int
	reverse bool
	conds   []eventCond
	before  func(n int, l *eventLog) // runs before request n (1-based) is answered
}

func newEventLog(t testing.TB, n int) *eventLog {
	zone := testZone(t)
	l := &eventLog{no: "1042", pageCap: 30, reverse: true}
	for i := range n {
		l.times = append(l.times, time.Date(2025, 10, 1, 7, 0, 0, 0, zone).Add(time.Duration(i)*time.Hour))
	}
	return l
}

func (l *eventLog) handler(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Cond eventCond `json:"AcsEventCond"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || r.URL.Path != "/ISAPI/AccessControl/AcsEvent" {
		jsonReply(w, 400, `{"statusCode":6,"subStatusCode":"badJsonContent"}`)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.conds = append(l.conds, body.Cond)
	if l.before != nil {
		l.before(len(l.conds), l)
	}
	c := body.Cond
	var evs []string
	for i, at := range l.times {
		evs = append(evs, acsEventJSON(l.no, 75, at, i+1))
	}
	if c.TimeReverseOrder && l.reverse {
		slices.Reverse(evs)
	}
	if c.Position >= len(evs) {
		jsonReply(w, 200, acsReply("NO MATCH", 0, len(evs)))
		return
	}
	end := min(len(evs), c.Position+min(c.MaxResults, l.pageCap))
	status := "OK"
	if end < len(evs) {
		status = "MORE"
	}
	jsonReply(w, 200, acsReply(status, end-c.Position, len(evs), evs[c.Position:end]...))
}

func (l *eventLog) positions() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []int
	for _, c := range l.conds {
		out = append(out, c.Position)
	}
	return out
}

func TestLatestEventsReadsAsLittleAsTheOrderAllows(t *testing.T) {
	cases := []struct {
		name      string
		events    int
		pageCap   int
		reverse   bool
		limit     int
		positions []int
	}{
		{"newest first: the head only", 100, 30, true, 40, []int{0, 30}},
		{"oldest first: jump to the tail", 100, 30, false, 40, []int{0, 60, 90}},
		{"oldest first, tail inside the first page", 20, 30, false, 10, []int{0}},
		{"all in one page", 5, 30, true, 10, []int{0}},
		{"one event per page: order unknown, head and tail", 6, 1, false, 2, []int{0, 1, 4, 5}},
		{"nothing", 0, 30, true, 10, []int{0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newEventLog(t, c.events)
			l.pageCap, l.reverse = c.pageCap, c.reverse
			cl := newTestClient(t, newRawServer(t, l.handler).URL)
			start := time.Date(2025, 9, 1, 0, 0, 0, 0, cl.zone)
			r, err := cl.LatestEvents(context.Background(), "1042", start, start.AddDate(1, 0, 0), c.limit)
			if err != nil {
				t.Fatal(err)
			}
			got := r.Events
			want := min(c.limit, c.events)
			if len(got) != want {
				t.Fatalf("%d events, want %d", len(got), want)
			}
			for i, e := range got {
				if exp := l.times[c.events-1-i]; !e.Time.Equal(exp) {
					t.Fatalf("event %d at %v, want %v (newest first)", i, e.Time, exp)
				}
			}
			if p := l.positions(); !slices.Equal(p, c.positions) {
				t.Errorf("positions asked %v, want %v", p, c.positions)
			}
			for _, cond := range l.conds {
				if cond.EmployeeNoString != "1042" || cond.Major != 5 || cond.Minor != 0 || !cond.TimeReverseOrder ||
					cond.StartTime != "2025-09-01T00:00:00+02:00" || !strings.HasSuffix(cond.EndTime, "+02:00") {
					t.Errorf("condition sent %+v", cond)
				}
			}
		})
	}
}

func TestLatestEventsRereadsWhenTheLogChanges(t *testing.T) {
	l := newEventLog(t, 50)
	l.before = func(n int, l *eventLog) {
		if n == 2 { // a member walks in while the first read is under way
			l.times = append(l.times, l.times[len(l.times)-1].Add(time.Minute))
		}
	}
	cl := newTestClient(t, newRawServer(t, l.handler).URL)
	start := time.Date(2025, 9, 1, 0, 0, 0, 0, cl.zone)
	r, err := cl.LatestEvents(context.Background(), "1042", start, start.AddDate(1, 0, 0), 40)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Events
	if len(got) != 40 || !got[0].Time.Equal(l.times[50]) {
		t.Fatalf("%d events, newest %v: want 40 with the new one first", len(got), got[0].Time)
	}
	if p := l.positions(); !slices.Equal(p, []int{0, 30, 0, 30}) {
		t.Errorf("positions %v, want a second read from the start", p)
	}

	// A log that never holds still is reported, not read forever.
	l.before = func(_ int, l *eventLog) { l.times = append(l.times, l.times[len(l.times)-1].Add(time.Minute)) }
	_, err = cl.LatestEvents(context.Background(), "1042", start, start.AddDate(1, 0, 0), 40)
	var te *target.Error
	if !errors.As(err, &te) || te.Class != target.Transient || te.Code != CodeListChanged ||
		!strings.Contains(err.Error(), "the event log changed during each of 3 reads") {
		t.Fatalf("want a transient listChanged error, got %v", err)
	}
}

func TestLatestEventsRefusesBadQueries(t *testing.T) {
	l := newEventLog(t, 3)
	cl := newTestClient(t, newRawServer(t, l.handler).URL)
	start := time.Date(2025, 9, 1, 0, 0, 0, 0, cl.zone)
	ctx := context.Background()
	for _, c := range []struct {
		no         string
		start, end time.Time
		limit      int
		want       string
	}{
		{"1042", start, start.AddDate(0, 1, 0), 0, "limit 0: want 1…500 events"},
		{"1042", start, start.AddDate(0, 1, 0), MaxEventLimit + 1, "limit 501"},
		{"", start, start.AddDate(0, 1, 0), 10, "no employeeNo"},
		{strings.Repeat("9", 33), start, start.AddDate(0, 1, 0), 10, "longer than 32 characters"},
		{"1042", start, start, 10, "bad time range 2025-09-01 00:00:00 … 2025-09-01 00:00:00"},
		{"1042", time.Time{}, start, 10, "bad time range"},
	} {
		_, err := cl.LatestEvents(ctx, c.no, c.start, c.end, c.limit)
		if target.ClassOf(err) != target.Permanent || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q limit %d: %v, want %q", c.no, c.limit, err, c.want)
		}
	}
	if n := len(l.positions()); n != 0 {
		t.Errorf("%d requests for bad queries", n)
	}
}

func TestDescribeEvent(t *testing.T) {
	for _, c := range []struct {
		major, minor int
		outcome      target.Outcome
		reason       string
	}{
		{5, 75, target.OutcomeGranted, "face verified"},
		{5, 76, target.OutcomeDenied, "face not matched"},
		{5, 7, target.OutcomeDenied, "not in validity period"},
		{5, 8, target.OutcomeDenied, "expired"},
		{5, 1, target.OutcomeGranted, "card verified"},
		{5, 0x98, target.OutcomeDenied, "person ID not on the terminal"},
		{5, 0x19, target.OutcomeOther, "door opened"},
		{5, 999, target.OutcomeOther, "event 5/999"},
		{2, 75, target.OutcomeOther, "event 2/75"}, // another major: not a face verification
	} {
		o, r := DescribeEvent(c.major, c.minor)
		if o != c.outcome || r != c.reason {
			t.Errorf("%d/%d: %s %q, want %s %q", c.major, c.minor, o, r, c.outcome, c.reason)
		}
	}
}

// An event dated 1970 (the terminal's clock had been reset) is unusable,
// not the page: it is marked, whatever its offset makes of the year.
func TestDecodeClockResetEvents(t *testing.T) {
	zone := testZone(t)
	at := time.Date(2025, 11, 1, 8, 15, 3, 0, zone)
	body := acsReply("OK", 6, 6, acsEventJSON("1042", 75, at, 1),
		`{"major":5,"minor":75,"time":"1970-01-01T00:12:09+08:00","employeeNoString":"1042","serialNo":2}`,
		`{"major":5,"minor":75,"time":"1970-01-01 02:00:00","employeeNoString":"1042","serialNo":3}`,
		`{"major":5,"minor":75,"time":"0000-00-00T00:00:00","employeeNoString":"1042","serialNo":4}`,
		// Beyond any plausible clock: left out and counted too, never the page.
		`{"major":5,"minor":75,"time":"2101-01-01T08:00:00","employeeNoString":"1042","serialNo":5}`,
		`{"major":5,"minor":75,"time":"9999-12-31T23:59:59+08:00","employeeNoString":"1042","serialNo":6}`)
	p, err := decodeEventPage([]byte(body), zone)
	if err != nil {
		t.Fatal(err)
	}
	var reset, bad []int64
	for _, e := range p.Events {
		if (e.ClockReset || e.BadDate) && !e.Time.IsZero() {
			t.Errorf("event %d: unusable clock with a time %v", e.SerialNo, e.Time)
		}
		if e.ClockReset {
			reset = append(reset, e.SerialNo)
		}
		if e.BadDate {
			bad = append(bad, e.SerialNo)
		}
	}
	if !slices.Equal(reset, []int64{2, 3, 4}) || !slices.Equal(bad, []int64{5, 6}) || p.Events[0].ClockReset || !p.Events[0].Time.Equal(at) {
		t.Errorf("events %+v", p.Events)
	}
}
