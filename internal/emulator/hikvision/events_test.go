package hikvision

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
)

const acsEventURI = "/ISAPI/AccessControl/AcsEvent?format=json"

type acsEventReply struct {
	AcsEvent struct {
		SearchID           string        `json:"searchID"`
		ResponseStatusStrg string        `json:"responseStatusStrg"`
		NumOfMatches       int           `json:"numOfMatches"`
		TotalMatches       int           `json:"totalMatches"`
		InfoList           []acsEventOut `json:"InfoList"`
	} `json:"AcsEvent"`
}

func acsCond(fields string) string {
	return `{"AcsEventCond":{"searchID":"ev","searchResultPosition":0,"maxResults":30` + fields + `}}`
}

func serials(evs []acsEventOut) []int64 {
	var out []int64
	for _, e := range evs {
		out = append(out, e.SerialNo)
	}
	return out
}

// eventTerminal holds two persons and a log of 6 events, added out of
// order: 1042 at 08:00, 09:00 (denied), 10:00; 7 at 08:30 and 09:30; a
// door event at 10:05.
func eventTerminal(t *testing.T, cfg Config) (*Terminal, *testClient, time.Time) {
	t.Helper()
	term, c := start(t, cfg)
	p := makePersons(7)
	p = append(p, ziga())
	term.SetPersons(p)
	day := time.Date(2025, 11, 3, 0, 0, 0, 0, term.cfg.Zone)
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	term.AddEvent(Event{Time: at(10, 0), Minor: MinorFaceVerified, EmployeeNo: "1042"})
	term.AddEvent(Event{Time: at(8, 0), Minor: MinorFaceVerified, EmployeeNo: "1042"})
	term.AddEvent(Event{Time: at(9, 0), Minor: MinorInvalidPeriod, EmployeeNo: "1042", CardNo: "3445921"})
	term.AddEvent(Event{Time: at(8, 30), Minor: MinorFaceVerified, EmployeeNo: "7"})
	term.AddEvent(Event{Time: at(9, 30), Minor: MinorFaceVerified, EmployeeNo: "7"})
	term.AddEvent(Event{Time: at(10, 5), Minor: MinorDoorOpened})
	return term, c, day
}

func TestEventLog(t *testing.T) {
	term, _, day := eventTerminal(t, Config{})
	evs := term.Events()
	var times []string
	for _, e := range evs {
		times = append(times, e.Time.Format("15:04"))
	}
	if !slices.Equal(times, []string{"08:00", "08:30", "09:00", "09:30", "10:00", "10:05"}) {
		t.Fatalf("log order %v, want by time", times)
	}
	first := evs[0]
	if first.SerialNo != 2 || first.Major != MajorEvent || first.DoorNo != 1 || first.ReaderNo != 1 ||
		first.Name != "Ziga Ceh" || first.VerifyMode != "cardOrFace" {
		t.Errorf("defaults: %+v", first)
	}
	if evs[5].Name != "" || evs[5].EmployeeNo != "" {
		t.Errorf("door event: %+v", evs[5])
	}
	// Without a time the terminal logs its own clock (with its skew).
	clk := manualClock()
	t2, _ := start(t, Config{Clock: clk, ClockSkew: time.Minute, MaxEvents: 3})
	e := t2.AddEvent(Event{Minor: MinorFaceVerified, EmployeeNo: "1"})
	if !e.Time.Equal(clk.Now().Add(time.Minute)) {
		t.Errorf("logged at %v, want the terminal's clock", e.Time)
	}
	// A full log drops the oldest.
	for i := range 4 {
		t2.AddEvent(Event{Time: day.Add(time.Duration(i) * time.Hour), Minor: MinorFaceVerified, EmployeeNo: "1"})
	}
	if got := t2.Events(); len(got) != 3 || !got[0].Time.Equal(day.Add(time.Hour)) {
		t.Errorf("log of 3 holds %d events from %v", len(got), got[0].Time)
	}
}

func TestAcsEventSearch(t *testing.T) {
	cases := []struct {
		name    string
		cfg     Config
		cond    string
		status  string
		total   int
		serials []int64
	}{
		{"everything, oldest first", Config{}, `,"major":0,"minor":0`, "OK", 6, []int64{2, 4, 3, 5, 1, 6}},
		{"one person", Config{}, `,"major":5,"minor":0,"employeeNoString":"1042"`, "OK", 3, []int64{2, 3, 1}},
		{"one person, newest first", Config{}, `,"employeeNoString":"1042","timeReverseOrder":true`, "OK", 3, []int64{1, 3, 2}},
		{"firmware without timeReverseOrder", Config{EventsOldestFirst: true}, `,"employeeNoString":"1042","timeReverseOrder":true`, "OK", 3, []int64{2, 3, 1}},
		{"firmware without employeeNoString", Config{IgnoreEventEmployeeNo: true}, `,"employeeNoString":"1042"`, "OK", 6, []int64{2, 4, 3, 5, 1, 6}},
		{"time range with offsets", Config{}, `,"startTime":"2025-11-03T08:30:00+01:00","endTime":"2025-11-03T09:30:00+01:00"`, "OK", 3, []int64{4, 3, 5}},
		{"time range in local time", Config{}, `,"startTime":"2025-11-03T09:00:00","endTime":"2025-11-03T23:59:59","employeeNoString":"7"`, "OK", 1, []int64{5}},
		{"one minor type", Config{}, `,"major":5,"minor":7`, "OK", 1, []int64{3}},
		{"another major", Config{}, `,"major":1`, "NO MATCH", 0, nil},
		{"page cap applied silently", Config{MaxResults: 2}, ``, "MORE", 6, []int64{2, 4}},
		{"nobody's", Config{}, `,"employeeNoString":"555"`, "NO MATCH", 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, cl, _ := eventTerminal(t, c.cfg)
			r := cl.do(http.MethodPost, acsEventURI, acsCond(c.cond))
			if r.status != http.StatusOK {
				t.Fatalf("HTTP %d: %s", r.status, r.body)
			}
			got := decodeJSONReply[acsEventReply](t, r).AcsEvent
			if got.SearchID != "ev" || got.ResponseStatusStrg != c.status || got.TotalMatches != c.total ||
				got.NumOfMatches != len(got.InfoList) || !slices.Equal(serials(got.InfoList), c.serials) {
				t.Errorf("got %s %d/%d %v, want %s total %d %v", got.ResponseStatusStrg, got.NumOfMatches, got.TotalMatches,
					serials(got.InfoList), c.status, c.total, c.serials)
			}
		})
	}
}

func TestAcsEventReplyShape(t *testing.T) {
	_, c, _ := eventTerminal(t, Config{})
	r := c.do(http.MethodPost, acsEventURI, acsCond(`,"major":5,"minor":7,"employeeNoString":"1042"`))
	want := `{"AcsEvent":{"searchID":"ev","responseStatusStrg":"OK","numOfMatches":1,"totalMatches":1,"InfoList":[` +
		`{"major":5,"minor":7,"time":"2025-11-03T09:00:00+01:00","cardNo":"3445921","cardType":1,"name":"Ziga Ceh",` +
		`"cardReaderNo":1,"doorNo":1,"employeeNoString":"1042","type":0,"serialNo":3,"userType":"normal",` +
		`"currentVerifyMode":"cardOrFace","mask":"no","attendanceStatus":"undefined","statusValue":0}]}}`
	if string(r.body) != want {
		t.Errorf("reply\n%s\nwant\n%s", r.body, want)
	}
	// Paging goes on from searchResultPosition; past the end is NO MATCH.
	r = c.do(http.MethodPost, acsEventURI, `{"AcsEventCond":{"searchID":"ev","searchResultPosition":5,"maxResults":30}}`)
	if got := decodeJSONReply[acsEventReply](t, r).AcsEvent; got.ResponseStatusStrg != "OK" || !slices.Equal(serials(got.InfoList), []int64{6}) {
		t.Errorf("position 5: %+v", got)
	}
	r = c.do(http.MethodPost, acsEventURI, `{"AcsEventCond":{"searchID":"ev","searchResultPosition":6,"maxResults":30}}`)
	if got := decodeJSONReply[acsEventReply](t, r).AcsEvent; got.ResponseStatusStrg != "NO MATCH" || got.TotalMatches != 6 || len(got.InfoList) != 0 {
		t.Errorf("position 6: %+v", got)
	}
}

func TestAcsEventBadConditions(t *testing.T) {
	_, c, _ := eventTerminal(t, Config{})
	for _, x := range []struct{ body, sub, msg string }{
		{acsCond(`,"startTime":"yesterday"`), "badJsonContent", "startTime"},
		{acsCond(`,"endTime":"2025-13-01T00:00:00"`), "badJsonContent", "endTime"},
		{acsCond(`,"startTime":"2025-11-03T10:00:00","endTime":"2025-11-03T09:00:00"`), "badJsonContent", "startTime and endTime"},
		{acsCond(`,"employeeNoString":"` + strings.Repeat("1", 33) + `"`), "badJsonContent", "employeeNoString"},
		{acsCond(`,"timeReverseOrder":"yes"`), "badJsonContent", "timeReverseOrder"},
		{`{"AcsEventCond":{"searchID":"ev","searchResultPosition":0,"maxResults":30,"major":-1}}`, "badJsonContent", "major"},
		{`{"AcsEventCond":{"searchID":"","searchResultPosition":0,"maxResults":30}}`, "MessageParametersLack", "searchID"},
		{`{"AcsEventCond":{"searchID":"ev","searchResultPosition":0}}`, "MessageParametersLack", "maxResults"},
		{`{}`, "MessageParametersLack", "AcsEventCond"},
	} {
		checkEnvelope(t, c.do(http.MethodPost, acsEventURI, x.body), 400, 6, x.sub, x.msg)
	}
}

func FuzzAcsEventBody(f *testing.F) {
	for _, s := range []string{
		acsCond(``), acsCond(`,"employeeNoString":"1042","timeReverseOrder":true`),
		acsCond(`,"startTime":"2025-11-03T08:30:00+01:00","endTime":"2025-11-03T09:30:00+01:00"`),
		`{"AcsEventCond":{"searchID":"x","searchResultPosition":1e400,"maxResults":1}}`,
		`{"AcsEventCond":{"searchID":"x","searchResultPosition":9223372036854775807,"maxResults":9223372036854775807}}`,
		`{"AcsEventCond":null}`, `[]`, `null`, ``, `{"AcsEventCond":{"startTime":5}}`,
	} {
		f.Add(s)
	}
	term := New(Config{MaxResults: 5, Clock: clocktest.Start(f)})
	term.SetPersons(makePersons(3))
	day := time.Date(2025, 11, 3, 8, 0, 0, 0, term.cfg.Zone)
	for i := range 12 {
		term.AddEvent(Event{Time: day.Add(time.Duration(i) * time.Minute), Minor: MinorFaceVerified, EmployeeNo: fmt.Sprint(i%3 + 1)})
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, acsEventURI, strings.NewReader(body))
		rec := httptest.NewRecorder()
		term.routes[req.URL.Path].handle(rec, req)
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatalf("reply is not JSON (%v): %s", err, rec.Body.Bytes())
		}
		switch rec.Code {
		case http.StatusOK:
			var r acsEventReply
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || r.AcsEvent.NumOfMatches != len(r.AcsEvent.InfoList) ||
				len(r.AcsEvent.InfoList) > 5 || r.AcsEvent.TotalMatches > 12 {
				t.Fatalf("inconsistent page (%v): %s", err, rec.Body.Bytes())
			}
		case http.StatusBadRequest:
			if _, ok := doc["subStatusCode"]; !ok {
				t.Fatalf("error without an envelope: %s", rec.Body.Bytes())
			}
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
	})
}
