package hikvision

// Real replies of real terminals (testdata/realworld/hikvision, provenance
// in testdata/realworld/README.md), each served from a Digest-protected
// httptest server on 127.0.0.1 to the client's real method, with what
// doorsync makes of it: the values it accepts, a clear error, or a note.
// A summary-shaped file (an observation, not a reply) has its raw reply
// taken out and served.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/target"
)

// replayed is a terminal that answers each path with the replies queued
// for it (the last one again once the queue is down to it) and 404
// otherwise, and keeps the request bodies.
type replayed struct {
	mu      sync.Mutex
	replies map[string][]replayReply
	bodies  map[string][]string
}

type replayReply struct {
	status int
	body   string
}

func (r *replayed) on(path string, status int, body string) *replayed {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replies[path] = append(r.replies[path], replayReply{status, body})
	return r
}

func (r *replayed) sent(path string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.bodies[path])
}

func (r *replayed) handler(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.bodies[req.URL.Path] = append(r.bodies[req.URL.Path], string(b))
	q := r.replies[req.URL.Path]
	if len(q) == 0 {
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><ResponseStatus version="2.0"><statusCode>4</statusCode><statusString>Invalid Operation</statusString><subStatusCode>notSupport</subStatusCode></ResponseStatus>`)
		return
	}
	rep := q[0]
	if len(q) > 1 {
		r.replies[req.URL.Path] = q[1:]
	}
	r.mu.Unlock()
	if strings.HasPrefix(strings.TrimSpace(rep.body), "<") {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
		return
	}
	jsonReply(w, rep.status, rep.body)
}

// replayTerminal serves a replayed terminal behind Digest; deviceInfo is a
// real access terminal's (DS-K1T341CMFW), which the adapter reads first.
func replayTerminal(t *testing.T, zone *time.Location) (*replayed, *Target) {
	t.Helper()
	r := &replayed{replies: map[string][]replayReply{}, bodies: map[string][]string{}}
	r.on("/ISAPI/System/deviceInfo", 200, string(realworld(t, "k1t341cmfw_deviceinfo.xml")))
	_, srv := newFake(t, r.handler)
	cfg := testConfig(t, srv.URL)
	cfg.Zone = zone
	cfg.Clock = clock.NewManual(time.Date(2026, 9, 9, 8, 0, 0, 0, time.UTC))
	tg, err := NewTarget(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tg.Close)
	return r, tg
}

func zoneNamed(t *testing.T, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// withCounts rewrites a trimmed page's counts to the list it holds (its
// author cut the list, not the counts), so the rest of it can be read.
func withCounts(t *testing.T, body, root, list string) string {
	t.Helper()
	var doc map[string]map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	n := len(doc[root][list].([]any))
	doc[root]["numOfMatches"], doc[root]["totalMatches"], doc[root]["responseStatusStrg"] = n, n, "OK"
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const (
	rwSearch   = "/ISAPI/AccessControl/UserInfo/Search"
	rwModify   = "/ISAPI/AccessControl/UserInfo/Modify"
	rwCaps     = "/ISAPI/AccessControl/UserInfo/capabilities"
	rwAcsEvent = "/ISAPI/AccessControl/AcsEvent"
	rwTime     = "/ISAPI/System/time"
)

// DS-KV6124-E1 station A with nobody enrolled: NO MATCH with zero counts is
// an empty terminal, not an error. Its capabilities advertise no time range:
// the spec's 2037-12-31T23:59:59 is assumed.
func TestRealworldKV6124EmptySearch(t *testing.T) {
	zone := testZone(t)
	r, tg := replayTerminal(t, zone)
	r.on(rwCaps, 200, recordedPayload(t, "kv6124_a_user_capabilities.json"))
	r.on(rwSearch, 200, recordedPayload(t, "kv6124_a_user_search_00.json"))
	accs, err := tg.Inventory(context.Background(), nil)
	if err != nil || len(accs) != 0 {
		t.Fatalf("inventory: %d accounts, %v; want an empty terminal", len(accs), err)
	}
	if got := formatLocalTime(tg.Info().MaxEnd, zone); got != "2037-12-31T23:59:59" {
		t.Errorf("MaxEnd %s", got)
	}
}

// Station B's search as its publisher redacted it: permanent access
// (enable:false) and times that are not times. The account is listed with
// its problems named, so the planner reports it instead of writing to it.
func TestRealworldKV6124RedactedSearch(t *testing.T) {
	r, tg := replayTerminal(t, testZone(t))
	r.on(rwSearch, 200, recordedPayload(t, "kv6124_b_user_search_00.json"))
	accs, err := tg.Inventory(context.Background(), nil)
	if err != nil || len(accs) != 1 {
		t.Fatalf("inventory: %d accounts, %v", len(accs), err)
	}
	a := accs[0]
	probs := strings.Join(a.Problems, "; ")
	if a.ID != "REDACTED" || !a.Permanent || a.Attrs["userType"] != "normal" ||
		!strings.Contains(probs, `employeeNo REDACTED: Valid.beginTime: time "REDACTED": not a terminal time`) ||
		!strings.Contains(probs, "Valid.endTime") {
		t.Errorf("account %+v", a)
	}
}

// The write verification of station B (a summary): the real refusal of a
// Valid at the bounds, and real read-backs with "+00:00" after the digits
// and timeType local, from a terminal in a UTC+1/DST zone.
func TestRealworldKV6124SyncWriteVerification(t *testing.T) {
	var v struct {
		Cases []struct {
			Variant  string          `json:"variant"`
			Response json.RawMessage `json:"response"`
			Readback json.RawMessage `json:"validity_readback"`
		} `json:"validity_cases"`
	}
	if err := json.Unmarshal(realworld(t, "kv6124_b_sync_write_verification.json"), &v); err != nil {
		t.Fatal(err)
	}
	raw := map[string]struct{ response, readback string }{}
	for _, c := range v.Cases {
		raw[c.Variant] = struct{ response, readback string }{string(c.Response), string(c.Readback)}
	}
	zone := testZone(t)
	ctx := context.Background()
	person := func(no, valid string) string {
		return `{"UserInfoSearch":{"searchID":"x","responseStatusStrg":"OK","numOfMatches":1,"totalMatches":1,` +
			`"UserInfo":[{"employeeNo":"` + no + `","name":"Test","userType":"normal","Valid":` + valid + `}]}}`
	}

	t.Run("limited_utc read-back: the digits, not the offset", func(t *testing.T) {
		r, tg := replayTerminal(t, zone)
		r.on(rwSearch, 200, person("7", raw["limited_utc"].readback))
		r.on(rwModify, 200, raw["limited_utc"].response)
		accs, err := tg.Lookup(ctx, []string{"7"})
		if err != nil {
			t.Fatal(err)
		}
		a := accs["7"]
		if !a.Begin.Equal(time.Date(2026, 9, 9, 9, 0, 0, 0, zone)) || !a.End.Equal(time.Date(2026, 9, 10, 9, 0, 0, 0, zone)) ||
			a.Permanent || len(a.Problems) > 0 {
			t.Fatalf("account %+v: want 09:00 on the terminal's wall clock both days", a)
		}
		end := time.Date(2027, 9, 10, 23, 59, 59, 0, zone)
		if errs := tg.Write(ctx, []target.Update{{Account: a, End: end}}); errs[0] != nil {
			t.Fatal(errs[0])
		}
		want := `{"UserInfo":{"Valid":{"enable":true,"beginTime":"2026-09-09T09:00:00","endTime":"2027-09-10T23:59:59","timeType":"local"},"employeeNo":"7","userType":"normal"}}`
		if got := r.sent(rwModify); !slices.Equal(got, []string{want}) {
			t.Errorf("Modify sent %q\nwant %q", got, want)
		}
	})

	t.Run("permanent_utc_interior read-back: permanent access", func(t *testing.T) {
		r, tg := replayTerminal(t, zone)
		r.on(rwSearch, 200, person("8", raw["permanent_utc_interior"].readback))
		accs, err := tg.Lookup(ctx, []string{"8"})
		if err != nil {
			t.Fatal(err)
		}
		if a := accs["8"]; !a.Permanent || !a.Begin.Equal(time.Date(2000, 1, 1, 0, 0, 0, 0, zone)) ||
			!a.End.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, zone)) {
			t.Errorf("account %+v", a)
		}
	})

	t.Run("permanent_local_bounds refusal: written a day inside", func(t *testing.T) {
		r, tg := replayTerminal(t, zone)
		r.on(rwSearch, 200, person("9", `{"enable":true,"beginTime":"1970-01-01T00:00:00+00:00","endTime":"2026-10-01T23:59:59+00:00","timeType":"local"}`))
		r.on(rwModify, 400, raw["permanent_local_bounds"].response)
		r.on(rwModify, 200, string(realworld(t, "kv6124_b_modify_ok_fragment.json")))
		accs, err := tg.Lookup(ctx, []string{"9"})
		if err != nil {
			t.Fatal(err)
		}
		if errs := tg.Write(ctx, []target.Update{{Account: accs["9"], End: tg.Info().MaxEnd}}); errs[0] != nil {
			t.Fatal(errs[0])
		}
		var got []string
		for _, b := range r.sent(rwModify) {
			var m struct{ UserInfo struct{ Valid modifyValid } }
			if err := json.Unmarshal([]byte(b), &m); err != nil {
				t.Fatal(err)
			}
			got = append(got, m.UserInfo.Valid.BeginTime+"…"+m.UserInfo.Valid.EndTime)
		}
		want := []string{"1970-01-01T00:00:00…2037-12-31T23:59:59", "1970-01-02T00:00:00…2037-12-30T23:59:59"}
		if !slices.Equal(got, want) {
			t.Errorf("Modify sent %v, want %v", got, want)
		}
	})

	t.Run("the refusal for another period stands", func(t *testing.T) {
		r, tg := replayTerminal(t, zone)
		r.on(rwSearch, 200, person("9", raw["limited_utc"].readback))
		r.on(rwModify, 400, raw["permanent_local_bounds"].response)
		accs, err := tg.Lookup(ctx, []string{"9"})
		if err != nil {
			t.Fatal(err)
		}
		errs := tg.Write(ctx, []target.Update{{Account: accs["9"], End: time.Date(2027, 1, 31, 23, 59, 59, 0, zone)}})
		var te *target.Error
		if !errors.As(errs[0], &te) || te.Class != target.Permanent || te.Code != "badJsonContent" ||
			!strings.Contains(errs[0].Error(), "terminal entrance: modify 9: permanent (badJsonContent)") ||
			!strings.Contains(errs[0].Error(), "beginTime and endTime") {
			t.Errorf("error %v", errs[0])
		}
		if n := len(r.sent(rwModify)); n != 1 {
			t.Errorf("%d Modify requests, want 1", n)
		}
	})
}

// The real success answer to a Modify (cut verbatim out of a PUT).
func TestRealworldKV6124ModifyOK(t *testing.T) {
	zone := testZone(t)
	r, tg := replayTerminal(t, zone)
	r.on(rwModify, 200, string(realworld(t, "kv6124_b_modify_ok_fragment.json")))
	err := tg.Client().Modify(context.Background(), ModifyRequest{EmployeeNo: "1042", UserType: "normal",
		Begin: time.Date(2024, 3, 4, 0, 0, 0, 0, zone), End: time.Date(2026, 10, 1, 23, 59, 59, 0, zone)})
	if err != nil {
		t.Fatal(err)
	}
}

// The terminal's clock as JSON: localTime with an offset that is the
// device's own (CST-2 with DST: +03:00 in September) — unlike Valid times,
// an instant, converted into the site zone. The site here is the device's
// zone (EET/EEST).
func TestRealworldKV6124DeviceClock(t *testing.T) {
	zone := zoneNamed(t, "Europe/Helsinki")
	r, tg := replayTerminal(t, zone)
	r.on(rwTime, 200, string(realworld(t, "kv6124_device_clock_readonly.json")))
	dt, err := tg.Client().Time(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := dt.Local.Format(time.RFC3339); got != "2026-09-09T00:08:10+03:00" || dt.Mode != "NTP" ||
		dt.TimeZone != "CST-2:00:00DST01:00:00,M4.1.0/02:00:00,M10.5.0/02:00:00" {
		t.Errorf("clock %s %+v", got, dt)
	}
	// Our (fixed) clock reads 2026-09-09T08:00:00Z, the terminal 2026-09-08T21:08:10Z.
	if want := -(10*time.Hour + 51*time.Minute + 50*time.Second); dt.Skew != want {
		t.Errorf("skew %v, want %v", dt.Skew, want)
	}
}

// The event-history time contract of DS-KV6124-E1 (a summary of queries):
// a query with offsets is honoured as an instant (08:34:54+00:00 found the
// records logged 11:34:59 device time), and records come back as
// "YYYY-MM-DD HH:mm:ss" without an offset, the device's wall clock. The
// summary lists the records' codes and their distinct times, not which
// goes with which: the page built from it pairs them in order, the later
// records with the later time.
func TestRealworldKV6124HistoryTimeContract(t *testing.T) {
	var c struct {
		Queries []struct {
			Start   string   `json:"start"`
			End     string   `json:"end"`
			Records int      `json:"records"`
			Times   []string `json:"times"`
			Codes   []string `json:"codes"`
		} `json:"queries"`
	}
	if err := json.Unmarshal(realworld(t, "kv6124_history_local_time_contract.json"), &c); err != nil {
		t.Fatal(err)
	}
	q := c.Queries[1] // the query written in the device's own offset
	var events []string
	for i, code := range q.Codes {
		major, minor, _ := strings.Cut(code, ":")
		at := q.Times[min(i, len(q.Times)-1)]
		events = append(events, `{"major":`+major+`,"minor":`+minor+`,"time":"`+at+`","employeeNoString":"1","serialNo":`+strconv.Itoa(i+1)+`}`)
	}
	page := `{"AcsEvent":{"searchID":"x","responseStatusStrg":"OK","numOfMatches":5,"totalMatches":5,"InfoList":[` + strings.Join(events, ",") + `]}}`
	zone := zoneNamed(t, "Europe/Helsinki") // the device's zone: +03:00 in September
	r, tg := replayTerminal(t, zone)
	r.on(rwAcsEvent, 200, page)
	start, err := time.Parse(time.RFC3339, q.Start)
	if err != nil {
		t.Fatal(err)
	}
	end, _ := time.Parse(time.RFC3339, q.End)
	got, err := tg.Client().LatestEvents(context.Background(), "1", start, end, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Events) != q.Records || got.ClockReset != 0 {
		t.Fatalf("%d events (%d reset), want the %d records: a time without offset is the device's wall clock", len(got.Events), got.ClockReset, q.Records)
	}
	if newest := got.Events[0].Time.Format(time.RFC3339); newest != "2026-09-09T11:35:01+03:00" {
		t.Errorf("newest event at %s", newest)
	}
	var cond struct{ AcsEventCond eventCond }
	if err := json.Unmarshal([]byte(r.sent(rwAcsEvent)[0]), &cond); err != nil {
		t.Fatal(err)
	}
	if cond.AcsEventCond.StartTime != q.Start || cond.AcsEventCond.EndTime != q.End || cond.AcsEventCond.Major != 5 {
		t.Errorf("sent %+v, want the contract's query %s … %s", cond.AcsEventCond, q.Start, q.End)
	}
}

// DS-K1T341AM V3.2.30: the event search refuses startTime/endTime, so it
// is made without them; the page as published (InfoList trimmed by its
// author to 1 of 30) is refused clearly; with its counts made to match the
// list, its event is read.
func TestRealworldK1T341AMEventPage(t *testing.T) {
	zone := testZone(t)
	refusal := `{"requestURL":"/ISAPI/AccessControl/AcsEvent?format=json","statusCode":6,"statusString":"Invalid Content","subStatusCode":"badJsonContent","errorCode":1610612759,"errorMsg":"badJsonContent"}`
	page := string(realworld(t, "k1t341am_acsevent_page.json"))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, zone)
	end := time.Date(2026, 2, 1, 0, 0, 0, 0, zone)

	r, tg := replayTerminal(t, zone)
	r.on(rwAcsEvent, 400, refusal).on(rwAcsEvent, 200, page)
	_, err := tg.Client().LatestEvents(context.Background(), "1", start, end, 10)
	var te *target.Error
	if !errors.As(err, &te) || te.Class != target.Malformed || !strings.Contains(err.Error(), "numOfMatches is 30 but the page holds 1 events") ||
		!strings.Contains(err.Error(), "(without a time range)") {
		t.Errorf("as published: %v", err)
	}
	sent := r.sent(rwAcsEvent)
	if len(sent) != 2 || !strings.Contains(sent[0], `"startTime"`) || strings.Contains(sent[1], `"startTime"`) ||
		strings.Contains(sent[1], `"endTime"`) || !strings.Contains(sent[1], `"major":5`) {
		t.Errorf("searches sent %q: want one with a time range, then one without, both with major", sent)
	}

	r, tg = replayTerminal(t, zone)
	r.on(rwAcsEvent, 400, refusal).on(rwAcsEvent, 200, withCounts(t, page, "AcsEvent", "InfoList"))
	evs, notes, err := tg.EventsNoted(context.Background(), target.EventQuery{Account: "1", Since: start, Until: end, Limit: 10})
	if err != nil || len(evs) != 1 || len(notes) != 0 {
		t.Fatalf("counts matched: %v, notes %q, %v", evs, notes, err)
	}
	e := evs[0]
	if e.Time.Format(time.RFC3339) != "2026-01-26T21:24:45+01:00" || e.Name != "azam" || e.Outcome != target.OutcomeGranted ||
		e.Code != "5/75" || e.Door != "door 1" {
		t.Errorf("event %+v", e)
	}
}

// DS-K1T8003MF: a page trimmed by its author to 2 of 10 events, of two
// persons. As published it is refused clearly; with its counts matched it
// is still refused for a person's search: it lists someone else's event
// (firmware ignoring employeeNoString), never silently accepted.
func TestRealworldK1T8003MFEventPage(t *testing.T) {
	zone := testZone(t)
	page := string(realworld(t, "k1t8003mf_acsevent_trimmed.json"))
	start := time.Date(2022, 5, 1, 0, 0, 0, 0, zone)
	end := time.Date(2022, 6, 1, 0, 0, 0, 0, zone)
	for _, c := range []struct{ name, body, want string }{
		{"as published", page, "numOfMatches is 10 but the page holds 2 events"},
		{"counts matched", withCounts(t, page, "AcsEvent", "InfoList"), `an event of employeeNo "93", which was not asked for`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, tg := replayTerminal(t, zone)
			r.on(rwAcsEvent, 200, c.body)
			_, err := tg.Client().LatestEvents(context.Background(), "2", start, end, 10)
			if target.ClassOf(err) != target.Malformed || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want malformed with %q", err, c.want)
			}
		})
	}
	// The events themselves read as the instants their offsets say.
	p, err := decodeEventPage([]byte(withCounts(t, page, "AcsEvent", "InfoList")), zone)
	if err != nil || len(p.Events) != 2 || p.Events[0].Time.Format(time.RFC3339) != "2022-05-11T07:00:49+02:00" {
		t.Errorf("page %+v, %v", p, err)
	}
}

// An "observed response" from a vendor-style document: the admin with an
// end at the terminal's maximum and a begin with seconds. The begin goes
// back exactly as read.
func TestRealworldObservedUserSearch(t *testing.T) {
	zone := testZone(t)
	r, tg := replayTerminal(t, zone)
	r.on(rwSearch, 200, string(realworld(t, "observeddoc_user_search.json")))
	r.on(rwModify, 200, okEnvelope)
	accs, err := tg.Inventory(context.Background(), nil)
	if err != nil || len(accs) != 1 {
		t.Fatalf("inventory: %v, %v", accs, err)
	}
	a := accs[0]
	if a.ID != "1" || a.Name != "admin" || !a.Begin.Equal(time.Date(2026, 7, 6, 0, 38, 29, 0, zone)) ||
		!a.End.Equal(tg.Info().MaxEnd) || a.Permanent || len(a.Problems) > 0 {
		t.Fatalf("account %+v", a)
	}
	if errs := tg.Write(context.Background(), []target.Update{{Account: a, End: time.Date(2030, 6, 30, 23, 59, 59, 0, zone)}}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	if got := r.sent(rwModify); len(got) != 1 || !strings.Contains(got[0], `"beginTime":"2026-07-06T00:38:29","endTime":"2030-06-30T23:59:59"`) {
		t.Errorf("Modify sent %q", got)
	}
}

// A "real device" reply quoted in a Russian document without its
// UserInfoSearch wrapper (probably trimmed by the author): not a Search
// reply, said so.
func TestRealworldUnwrappedUserInfo(t *testing.T) {
	r, tg := replayTerminal(t, testZone(t))
	r.on(rwSearch, 200, string(realworld(t, "rudoc_real_device_userinfo_unwrapped.json")))
	_, err := tg.Inventory(context.Background(), nil)
	if target.ClassOf(err) != target.Malformed || !strings.Contains(err.Error(), "search reply has no UserInfoSearch object") {
		t.Errorf("error %v", err)
	}
}

// A DS-K1T341AMF search from an integration spec: Valid without timeType
// (read as local), UserInfo trimmed by its author to 1 of 6. As published
// the page is refused clearly; with its counts matched the person is read.
func TestRealworldSearchWithoutTimeType(t *testing.T) {
	zone := testZone(t)
	page := string(realworld(t, "specdoc_k1t341amf_search_no_timetype.json"))
	r, tg := replayTerminal(t, zone)
	r.on(rwSearch, 200, page)
	if _, err := tg.Inventory(context.Background(), nil); target.ClassOf(err) != target.Malformed ||
		!strings.Contains(err.Error(), "numOfMatches is 6 but the page holds 1 persons") {
		t.Errorf("as published: %v", err)
	}
	r, tg = replayTerminal(t, zone)
	r.on(rwSearch, 200, withCounts(t, page, "UserInfoSearch", "UserInfo"))
	accs, err := tg.Inventory(context.Background(), nil)
	if err != nil || len(accs) != 1 {
		t.Fatalf("counts matched: %v, %v", accs, err)
	}
	a := accs[0]
	if a.ID != "2370007317" || !a.Begin.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, zone)) ||
		formatLocalTime(a.End, zone) != "2037-12-31T23:59:59" || len(a.Problems) > 0 || len(a.Attrs) != 1 {
		t.Errorf("account %+v", a)
	}
}
