package neyross

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/emulator"
)

const (
	testToken = "ce6b228c-9f09-47bd-b5d6-933abc894905"
	kpp1      = "0dfb462d-d5c3-402d-9075-e726ea94bd49"
	kpp2      = "820a1259-fbe0-4594-913e-4ab869e60b19"
	admin     = "5a1e2f44-7c1b-4e0a-9d3e-2b8f6a9c0d11" // internal level
	entry     = "uuid:fe53892b-2e0e-44a8-98e1-5de2795b289f:987f1ea2-93c9-449f-b38f-5e20d7e8edcd"
)

func uuidN(i int) string { return fmt.Sprintf("%08x-1111-4222-8333-%012x", i, i) }

// platform is a server with three EIS persons (one also holding an internal
// level) and one outside the EIS subset.
func platform(t testing.TB, cfg Config) *Server {
	t.Helper()
	cfg.Token = testToken
	if cfg.Clock == nil {
		cfg.Clock = clocktest.Start(t)
	}
	s := New(cfg)
	t.Cleanup(s.Close)
	s.SetPersons([]Person{
		{UUID: uuidN(3), Surname: "Петров", Name: "Пётр", AccessLevels: []string{kpp1}, Expiration: Int64(1761944399)},
		{UUID: uuidN(1), Surname: "Аспидов", Name: "Иван", Patronymic: "Сергеевич", Email: "ivan@example.ru",
			AccessLevels: []string{kpp1, admin}, PassType: PassRegular, Activation: Int64(1700000000), Expiration: Int64(1761944399),
			Card: Int64(12345), Facility: Int64(17), Info: map[string]string{"inactivity": "false", "Birthday": "1994-12-05"}, Photo: "aGk="},
		{UUID: uuidN(2), Surname: "Акимов", Name: "Сергей", AccessLevels: []string{kpp2}},
		{UUID: uuidN(4), Surname: "Охранник", Name: "Олег", AccessLevels: []string{admin}},
	})
	return s
}

type answer struct {
	status int
	header http.Header
	body   string
}

func call(s *Server, method, path, body string, hdr ...string) answer {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, path, nil)
	} else {
		r = httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Bearer "+testToken)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			r.Header.Del(hdr[i])
		} else {
			r.Header.Set(hdr[i], hdr[i+1])
		}
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return answer{w.Code, w.Header(), w.Body.String()}
}

func decode[T any](t *testing.T, a answer) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(a.body), &v); err != nil {
		t.Fatalf("HTTP %d body %q: %v", a.status, a.body, err)
	}
	return v
}

func TestToken(t *testing.T) {
	s := platform(t, Config{})
	cases := []struct {
		name, header string
		status       int
	}{
		{"right token", "Bearer " + testToken, 200},
		{"scheme in lower case", "bearer " + testToken, 200},
		{"no header", "", 401},
		{"wrong token", "Bearer ce6b228c-0000-47bd-b5d6-933abc894905", 401},
		{"basic", "Basic " + testToken, 401},
		{"token alone", testToken, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := call(s, "GET", Prefix+"persons/count/", "", "Authorization", tc.header)
			if a.status != tc.status {
				t.Fatalf("HTTP %d, want %d", a.status, tc.status)
			}
			if tc.status == 401 {
				body := decode[map[string]string](t, a)
				if body["error"] == "" || strings.Contains(a.body, testToken) || !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("401 answer %q, headers %v", a.body, a.header)
				}
			}
		})
	}
	s.SetToken("new-token")
	if a := call(s, "GET", Prefix+"persons/count/", ""); a.status != 401 {
		t.Errorf("old token after SetToken: HTTP %d", a.status)
	}
}

func TestRouting(t *testing.T) {
	s := platform(t, Config{})
	cases := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/other/", 404, ""},
		{"GET", Prefix + "nothing/", 404, ""},
		{"POST", Prefix + "persons/count/", 405, "GET"},
		{"GET", Prefix + "persons/upsert/multiple", 405, "POST"},
		{"GET", Prefix + "persons/" + uuidN(1), 405, "POST"},
		{"POST", Prefix + "events/subscriptions/abc", 405, "DELETE"},
		{"POST", Prefix + "persons/upsert/multiple/", 404, ""},
	}
	for _, tc := range cases {
		a := call(s, tc.method, tc.path, "")
		if a.status != tc.status || a.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: HTTP %d Allow %q, want %d %q", tc.method, tc.path, a.status, a.header.Get("Allow"), tc.status, tc.allow)
		}
	}
	a := call(s, "POST", Prefix+"persons/upsert/", `{"uuid":"x"}`, "Content-Type", "text/plain")
	if a.status != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain upsert: HTTP %d", a.status)
	}
	s.RequireGET(true)
	if a := call(s, "POST", Prefix+"persons/"+uuidN(1), ""); a.status != 405 || a.header.Get("Allow") != "GET" {
		t.Errorf("POST read on a GET platform: HTTP %d", a.status)
	}
	if a := call(s, "GET", Prefix+"persons/"+uuidN(1), ""); a.status != 200 {
		t.Errorf("GET read on a GET platform: HTTP %d", a.status)
	}
}

func TestLevelsAndPointsSubset(t *testing.T) {
	levels := append(DefaultLevels(), AccessLevel{UUID: "aa", Name: "[И]Без пробела", AccessPoints: []string{"uuid:x:y"}},
		AccessLevel{UUID: "bb", Name: "[I] Latin I", AccessPoints: []string{"uuid:x:z"}})
	s := platform(t, Config{Levels: levels, Points: append(DefaultPoints(), AccessPoint{Token: "uuid:x:y", Name: "в не-ВИС УД"})})
	ls := decode[[]struct {
		UUID, Name   string
		AccessPoints []string
	}](t, call(s, "GET", Prefix+"access-levels/", ""))
	var names []string
	for _, l := range ls {
		names = append(names, l.Name)
	}
	if strings.Join(names, "|") != "[И] КПП 1|[И] КПП 2|[И] КПП 3" {
		t.Errorf("EIS levels %v: the prefix is Cyrillic И, brackets and a space", names)
	}
	ps := decode[[]map[string]any](t, call(s, "GET", Prefix+"access-points/", ""))
	if len(ps) != 3 {
		t.Errorf("points %v: only points of EIS levels", ps)
	}
}

func TestCountAndSearch(t *testing.T) {
	s := platform(t, Config{})
	if c := decode[map[string]int](t, call(s, "GET", Prefix+"persons/count/", "")); c["count"] != 3 {
		t.Errorf("count %v: the person with internal levels only is not an EIS person", c)
	}
	all := decode[[]map[string]json.RawMessage](t, call(s, "GET", Prefix+"persons/search/", ""))
	var ids []string
	for _, p := range all {
		var id string
		_ = json.Unmarshal(p["uuid"], &id)
		ids = append(ids, id)
	}
	if !slices.Equal(ids, []string{uuidN(1), uuidN(2), uuidN(3)}) {
		t.Errorf("search %v: want the EIS persons sorted by uuid", ids)
	}
	p := all[0]
	for _, hidden := range []string{"photo", "group", "Group", "Photo"} {
		if _, ok := p[hidden]; ok {
			t.Errorf("search shows %s", hidden)
		}
	}
	if string(p["accessLevels"]) != `["`+kpp1+`"]` {
		t.Errorf("accessLevels %s: only EIS levels are shown", p["accessLevels"])
	}
	if string(p["surname"]) != `"Аспидов"` || string(p["card"]) != "12345" || string(p["expiration_date"]) != "1761944399" {
		t.Errorf("person %v", p)
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"limit=2", []string{uuidN(1), uuidN(2)}},
		{"limit=2&offset=2", []string{uuidN(3)}},
		{"limit=2&offset=3", nil},
		{"offset=1", []string{uuidN(2), uuidN(3)}},
	} {
		page := decode[[]struct{ UUID string }](t, call(s, "GET", Prefix+"persons/search/?"+tc.query, ""))
		var got []string
		for _, p := range page {
			got = append(got, p.UUID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
		}
	}
	for _, q := range []string{"limit=0", "limit=-1", "limit=x", "offset=-2", "offset=1.5"} {
		if a := call(s, "GET", Prefix+"persons/search/?"+q, ""); a.status != 400 {
			t.Errorf("%s: HTTP %d", q, a.status)
		}
	}
	capped := platform(t, Config{PageCap: 2})
	if page := decode[[]struct{ UUID string }](t, call(capped, "GET", Prefix+"persons/search/?limit=1000", "")); len(page) != 2 {
		t.Errorf("capped platform served %d", len(page))
	}
}

func TestSinglePerson(t *testing.T) {
	s := platform(t, Config{})
	p := decode[map[string]any](t, call(s, "POST", Prefix+"persons/"+uuidN(1), ""))
	if p["name"] != "Иван" || p["email"] != "ivan@example.ru" {
		t.Errorf("person %v", p)
	}
	for _, id := range []string{uuidN(4), uuidN(9), "no-such"} {
		if a := call(s, "POST", Prefix+"persons/"+id, ""); a.status != 404 || !strings.Contains(a.body, "не найден") {
			t.Errorf("%s: HTTP %d %s", id, a.status, a.body)
		}
	}
}

func upsertOne(t *testing.T, s *Server, body string) map[string]string {
	t.Helper()
	a := call(s, "POST", Prefix+"persons/upsert/", body)
	if a.status != 200 {
		t.Fatalf("HTTP %d %s", a.status, a.body)
	}
	return decode[map[string]string](t, a)
}

func TestUpsertRules(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		errHas string
	}{
		{"empty levels", `{"uuid":"` + uuidN(1) + `","surname":"А","name":"Б","accessLevels":[]}`, "не может быть пустым"},
		{"no levels", `{"uuid":"` + uuidN(1) + `","surname":"А","name":"Б"}`, "не может быть пустым"},
		{"internal level", `{"uuid":"` + uuidN(1) + `","surname":"А","name":"Б","accessLevels":["` + kpp1 + `","` + admin + `"]}`, "не является УД ВИС"},
		{"person outside the subset", `{"uuid":"` + uuidN(4) + `","surname":"А","name":"Б","accessLevels":["` + kpp1 + `"]}`, "не содержит ни одного УД ВИС"},
		{"uuid not a UUID", `{"uuid":"doorsync-1","surname":"А","name":"Б","accessLevels":["` + kpp1 + `"]}`, "uuid"},
		{"no surname", `{"uuid":"` + uuidN(1) + `","name":"Б","accessLevels":["` + kpp1 + `"]}`, "surname"},
		{"bad pass type", `{"uuid":"` + uuidN(1) + `","surname":"А","name":"Б","accessLevels":["` + kpp1 + `"],"passType":"FOREVER"}`, "passType"},
		{"date a string", `{"uuid":"` + uuidN(1) + `","surname":"А","name":"Б","accessLevels":["` + kpp1 + `"],"expiration_date":"1761944399"}`, "expiration_date"},
		{"info not strings", `{"uuid":"` + uuidN(1) + `","surname":"А","name":"Б","accessLevels":["` + kpp1 + `"],"info":{"a":1}}`, "info"},
		{"photo not base64", `{"uuid":"` + uuidN(1) + `","surname":"А","name":"Б","accessLevels":["` + kpp1 + `"],"photo":"@@"}`, "BASE64"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := platform(t, Config{})
			before := s.Persons()
			got := upsertOne(t, s, tc.body)
			if got["result"] != "error" || !strings.Contains(got["error"], tc.errHas) {
				t.Errorf("answer %v, want an error with %q", got, tc.errHas)
			}
			if after := s.Persons(); !reflect.DeepEqual(after, before) {
				t.Error("a refused upsert changed something")
			}
		})
	}
}

// A change keeps what it does not mention: internal levels, photo, card,
// info keys not sent, optional fields not sent.
func TestUpsertKeepsWhatIsNotSent(t *testing.T) {
	s := platform(t, Config{})
	got := upsertOne(t, s, `{"uuid":"`+uuidN(1)+`","surname":"Аспидов","name":"Иван","accessLevels":["`+kpp2+`"],`+
		`"expiration_date":1800000000,"info":{"Birthday":"1994-12-06"},"card":999,"facility":1}`)
	if got["result"] != "success" {
		t.Fatalf("answer %v", got)
	}
	p, _ := s.Person(uuidN(1))
	if !slices.Equal(p.AccessLevels, []string{admin, kpp2}) {
		t.Errorf("levels %v: the old EIS level goes, the sent one comes, the internal one stays", p.AccessLevels)
	}
	if *p.Expiration != 1800000000 || *p.Activation != 1700000000 || p.Patronymic != "Сергеевич" || p.Email != "ivan@example.ru" ||
		p.Photo != "aGk=" || *p.Card != 12345 || p.Info["inactivity"] != "false" || p.Info["Birthday"] != "1994-12-06" || p.Group != "" {
		t.Errorf("person after the change %+v", p)
	}
}

func TestUpsertCreates(t *testing.T) {
	s := platform(t, Config{})
	got := upsertOne(t, s, `{"uuid":"`+uuidN(7)+`","surname":"Новиков","name":"Олег","accessLevels":["`+kpp1+`"],"photo":"aGk="}`)
	if got["result"] != "success" {
		t.Fatalf("answer %v", got)
	}
	p, ok := s.Person(uuidN(7))
	if !ok || p.Group != GroupAll || p.Photo != "aGk=" {
		t.Errorf("created %+v", p)
	}
	if n := s.Visible(); n != 4 {
		t.Errorf("visible %d", n)
	}
}

func TestUpsertMultiple(t *testing.T) {
	s := platform(t, Config{})
	a := call(s, "POST", Prefix+"persons/upsert/multiple", `[`+
		`{"uuid":"`+uuidN(1)+`","surname":"А","name":"Б","accessLevels":["`+kpp1+`"],"expiration_date":1},`+
		`{"uuid":"`+uuidN(4)+`","surname":"А","name":"Б","accessLevels":["`+kpp1+`"]},`+
		`"not a person",`+
		`{"uuid":"`+uuidN(2)+`","surname":"А","name":"Б","accessLevels":[]}]`)
	got := decode[struct {
		SuccessList []string
		ErrorList   []struct{ UUID, Error string }
	}](t, a)
	if !slices.Equal(got.SuccessList, []string{uuidN(1)}) || len(got.ErrorList) != 3 {
		t.Fatalf("answer %s", a.body)
	}
	if got.ErrorList[0].UUID != uuidN(4) || got.ErrorList[1].UUID != "" || !strings.Contains(got.ErrorList[1].Error, "элемент 2") ||
		got.ErrorList[2].UUID != uuidN(2) {
		t.Errorf("errorList %+v", got.ErrorList)
	}
	for _, body := range []string{`{}`, `null`, `[`, ``} {
		if a := call(s, "POST", Prefix+"persons/upsert/multiple", body); a.status != 400 {
			t.Errorf("%q: HTTP %d", body, a.status)
		}
	}
}

func TestScriptAndTruncate(t *testing.T) {
	s := platform(t, Config{})
	s.ScriptReply("persons/count/", 500, `{"error":"boom"}`)
	if a := call(s, "GET", Prefix+"persons/count/", ""); a.status != 500 || a.body != `{"error":"boom"}` {
		t.Errorf("scripted: %d %s", a.status, a.body)
	}
	s.TruncateNext(1)
	if a := call(s, "POST", Prefix+"persons/"+uuidN(9), ""); a.status != 404 || !json.Valid([]byte(a.body)) {
		t.Errorf("an error reply is not truncated: %d %s", a.status, a.body)
	}
	a := call(s, "GET", Prefix+"persons/count/", "")
	if a.status != 200 || json.Valid([]byte(a.body)) || !strings.HasPrefix(`{"count":3}`, a.body) {
		t.Errorf("truncated: %d %q", a.status, a.body)
	}
	if a := call(s, "GET", Prefix+"persons/count/", ""); a.body != `{"count":3}` {
		t.Errorf("after the truncated one: %q", a.body)
	}
}

func TestFaultsAndLog(t *testing.T) {
	f, log := emulator.NewFaults(1), &emulator.RequestLog{}
	s := platform(t, Config{Faults: f, Log: log})
	f.Next(emulator.FaultBusy, emulator.FaultGarbage)
	if a := call(s, "GET", Prefix+"persons/count/", ""); a.status != 503 {
		t.Errorf("busy: HTTP %d (the platform has no busy answer of its own: 503)", a.status)
	}
	if a := call(s, "GET", Prefix+"persons/count/", ""); a.status != 200 || !strings.HasPrefix(a.body, "<html>") {
		t.Errorf("garbage: %d %q", a.status, a.body)
	}
	es := log.Entries()
	if len(es) != 2 || es[0].AuthScheme != "Bearer" || es[1].Fault != "garbage" {
		t.Errorf("log %+v", es)
	}
	for _, e := range es {
		if strings.Contains(fmt.Sprint(e), testToken) {
			t.Error("the log keeps the token")
		}
	}
}

func TestEventsHistory(t *testing.T) {
	t0 := time.Date(2025, 11, 15, 5, 34, 19, 0, time.UTC)
	s := platform(t, Config{Clock: clock.NewManual(t0)})
	e1 := s.AddEvent(Event{ID: 99, Headline: HeadlineGranted, Person: uuidN(1), Tags: []string{TagPACS, TagAccessGranted}, AccessPoint: entry})
	e2 := s.AddEvent(Event{Headline: HeadlineGranted, Person: uuidN(4), Tags: []string{TagAccessGranted}})                                   // outside the subset
	e3 := s.AddEvent(Event{Headline: HeadlineGranted, Person: uuidN(1), Tags: []string{TagAccessGranted}, AccessPoint: "uuid:not:licensed"}) // not an EIS point
	e4 := s.AddEvent(Event{Headline: HeadlineDenied, Person: uuidN(2), Tags: []string{TagAccessDenied}, Registered: t0.Add(time.Hour)})
	if e1.ID != 1 || e2.ID != 2 || e3.ID != 3 || e4.ID != 4 || !e1.Registered.Equal(t0) || !e1.Sent.Equal(t0) {
		t.Fatalf("ids %d %d %d %d: strictly increasing, whatever the caller says", e1.ID, e2.ID, e3.ID, e4.ID)
	}
	// Leaving the subset later does not hide an EIS event.
	s.SetPersons(slices.DeleteFunc(s.Persons(), func(p Person) bool { return p.UUID == uuidN(2) }))

	one := decode[map[string]any](t, call(s, "GET", Prefix+"events/history_events_by_id/?id=1", ""))
	if one["eventId"] != 1.0 || one["headline"] != "Доступ разрешен" || one["sent"] != "2025-11-15T08:34:19+03:00" || one["accessPoint"] != entry {
		t.Errorf("event 1 %v", one)
	}
	for _, q := range []string{"id=2", "id=3", "id=77"} {
		if a := call(s, "GET", Prefix+"events/history_events_by_id/?"+q, ""); a.status != 404 {
			t.Errorf("%s: HTTP %d", q, a.status)
		}
	}
	if a := call(s, "GET", Prefix+"events/history_events_by_id/?id=x", ""); a.status != 400 {
		t.Errorf("id=x: HTTP %d", a.status)
	}
	byIDs := decode[[]struct{ EventID int64 }](t, call(s, "POST", Prefix+"events/history_events_by_ids/", `{"eventIds":[4,2,1,1,3]}`))
	if len(byIDs) != 2 || byIDs[0].EventID != 1 || byIDs[1].EventID != 4 {
		t.Errorf("by ids %v", byIDs)
	}
	byTime := func(body string) answer { return call(s, "POST", Prefix+"events/history_events_by_date_time/", body) }
	got := decode[[]struct{ EventID int64 }](t, byTime(`{"timeFrom":"2025-11-15T08:00:00+03:00","timeTo":"2025-11-15T10:00:00+03:00"}`))
	if len(got) != 2 {
		t.Errorf("by time %v", got)
	}
	got = decode[[]struct{ EventID int64 }](t, byTime(`{"timeFrom":"2025-11-15T08:00:00","timeTo":"2025-11-15T08:40:00","limit":5,"offset":0}`))
	if len(got) != 1 || got[0].EventID != 1 {
		t.Errorf("by time without offset (platform zone) %v", got)
	}
	got = decode[[]struct{ EventID int64 }](t, byTime(`{"timeFrom":"2025-11-15T00:00:00Z","timeTo":"2025-11-16T00:00:00Z","limit":1,"offset":1}`))
	if len(got) != 1 || got[0].EventID != 4 {
		t.Errorf("limit/offset %v", got)
	}
	for _, body := range []string{`{}`, `{"timeFrom":"вчера","timeTo":"сегодня"}`, `{"timeFrom":"2025-11-15T00:00:00Z","timeTo":"2025-11-16T00:00:00Z","limit":0}`, `[]`} {
		if a := byTime(body); a.status != 400 {
			t.Errorf("%s: HTTP %d", body, a.status)
		}
	}
}

func TestSubscriptionDelivery(t *testing.T) {
	got := make(chan map[string]any, 8)
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var e map[string]any
		if err := json.NewDecoder(r.Body).Decode(&e); err != nil {
			t.Errorf("pushed body: %v", err)
		}
		got <- e
	}))
	t.Cleanup(ok.Close)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	t.Cleanup(failing.Close)
	s := platform(t, Config{DeliveryTimeout: 2 * time.Second})
	var ids []string
	for _, u := range []string{ok.URL + "/events", failing.URL} {
		a := call(s, "POST", Prefix+"events/subscriptions", `{"consumerReference":"`+u+`"}`)
		ids = append(ids, decode[map[string]string](t, a)["subscriptionId"])
	}
	if a := call(s, "POST", Prefix+"events/subscriptions", `{"consumerReference":"/relative"}`); a.status != 400 {
		t.Errorf("relative consumer: HTTP %d", a.status)
	}
	for range 3 {
		s.AddEvent(Event{Headline: HeadlineGranted, Person: uuidN(1), Tags: []string{TagAccessGranted}})
	}
	s.AddEvent(Event{Headline: HeadlineGranted, Person: uuidN(4), Tags: []string{TagAccessGranted}}) // not pushed: not EIS
	for want := 1.0; want <= 3; want++ {
		select {
		case e := <-got:
			if e["eventId"] != want {
				t.Errorf("pushed %v, want eventId %v (in order)", e["eventId"], want)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no push")
		}
	}
	if a := call(s, "DELETE", Prefix+"events/subscriptions/"+ids[0], ""); a.status != 200 {
		t.Errorf("unsubscribe: HTTP %d", a.status)
	}
	if a := call(s, "DELETE", Prefix+"events/subscriptions/"+ids[0], ""); a.status != 404 {
		t.Errorf("second unsubscribe: HTTP %d", a.status)
	}
	// The failing subscriber gets every push too (and no retry).
	for deadline := time.Now().Add(20 * time.Second); s.Deliveries().Failed < 3 && time.Now().Before(deadline); { // wall clock: a polling deadline
		time.Sleep(5 * time.Millisecond)
	}
	s.Close()
	if st := s.Deliveries(); st.Delivered != 3 || st.Failed != 3 || st.Dropped != 0 {
		t.Errorf("deliveries %+v", st)
	}
}

func TestTransaction(t *testing.T) {
	now := time.Unix(1750000000, 0)
	s := platform(t, Config{Clock: clock.NewManual(now)})
	tr := func(person, point string) map[string]any {
		return decode[map[string]any](t, call(s, "POST", Prefix+"pacs-transaction/", `{"person":"`+person+`","accessPoint":"`+point+`"}`))
	}
	if r := tr(uuidN(1), entry); r["result"] != "success" || r["meta"].(map[string]any)["transactionBegin"] != now.UTC().Format("2006-01-02 15:04:05") {
		t.Errorf("valid pass: %v", r)
	}
	if r := tr(uuidN(2), entry); r["result"] != "error" || !strings.Contains(r["error"].(string), "нет прав") {
		t.Errorf("level without the point: %v", r)
	}
	s.SetPersons(append(s.Persons(), Person{UUID: uuidN(8), Surname: "А", Name: "Б", AccessLevels: []string{kpp1}, Expiration: Int64(1700000000)}))
	if r := tr(uuidN(8), entry); r["result"] != "error" || !strings.Contains(r["error"].(string), "истёк") {
		t.Errorf("expired pass: %v", r)
	}
	if r := tr(uuidN(4), entry); r["result"] != "error" || !strings.Contains(r["error"].(string), "не найден") {
		t.Errorf("person outside the subset: %v", r)
	}
	evs := s.Events()
	if len(evs) != 2 || !slices.Contains(evs[0].Tags, TagAccessGranted) || !slices.Contains(evs[1].Tags, TagAccessDenied) {
		t.Errorf("events %+v: one per decision the controller made", evs)
	}
}
