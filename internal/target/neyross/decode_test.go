package neyross

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func moscow(t testing.TB) *time.Location {
	t.Helper()
	z, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// seedPerson is the seed's example person, with an e-mail and dates.
const seedPerson = `{"uuid":"21e10f5d-7af7-44ba-b1a3-d0b9cf429437","surname":"Аспидов","name":"Иван","patronymic":"Сергеевич",` +
	`"email":"ivan@example.ru","accessLevels":["0dfb462d-d5c3-402d-9075-e726ea94bd49"],"passType":"REGULAR",` +
	`"activation_date":1700000000,"expiration_date":1761944399,"card":12345,"facility":17,` +
	`"info":{"inactivity":"false","Birthday":"1994-12-05"}}`

func TestDecodePersons(t *testing.T) {
	z := moscow(t)
	p2 := `{"uuid":"022abfc4-3809-4ce3-bfc4-cbdb4a07f726","surname":"Акимов","name":"Сергей","accessLevels":["0dfb462d-d5c3-402d-9075-e726ea94bd49"]}`
	cases := []struct {
		name    string
		body    string
		uuids   []string
		errHas  string
		problem string // a problem the first person must have
	}{
		{name: "seed page", body: "[" + seedPerson + "," + p2 + "]", uuids: []string{"21e10f5d-7af7-44ba-b1a3-d0b9cf429437", "022abfc4-3809-4ce3-bfc4-cbdb4a07f726"}},
		{name: "empty page", body: "[]"},
		{name: "unknown fields kept quiet", body: `[{"uuid":"a","surname":"Б","name":"В","photoUrl":"x","extra":{"k":[1]}}]`, uuids: []string{"a"}},
		{name: "nulls are absent", body: `[{"uuid":"a","surname":"Б","name":"В","patronymic":null,"expiration_date":null,"accessLevels":null,"info":null}]`, uuids: []string{"a"}},
		{name: "dates as strings and 1.7e9", body: `[{"uuid":"a","activation_date":"1700000000","expiration_date":1.7e9}]`, uuids: []string{"a"}},
		{name: "milliseconds", body: `[{"uuid":"a","expiration_date":1761944399000}]`, uuids: []string{"a"}, problem: "milliseconds?"},
		{name: "negative date", body: `[{"uuid":"a","expiration_date":-5}]`, uuids: []string{"a"}, problem: "expiration_date -5 is not a date"},
		{name: "date a word", body: `[{"uuid":"a","expiration_date":"завтра"}]`, uuids: []string{"a"}, problem: "person a: expiration_date: want an integer"},
		{name: "date a fraction", body: `[{"uuid":"a","expiration_date":1700000000.5}]`, uuids: []string{"a"}, problem: "want an integer"},
		{name: "end before start", body: `[{"uuid":"a","activation_date":1700000000,"expiration_date":1600000000}]`, uuids: []string{"a"}, problem: "is before activation_date"},
		{name: "name a number", body: `[{"uuid":"a","surname":5}]`, uuids: []string{"a"}, problem: "person a: surname: want a string, got a number"},
		{name: "levels a string", body: `[{"uuid":"a","accessLevels":"x"}]`, uuids: []string{"a"}, problem: "accessLevels: want an array of strings, got a string"},
		{name: "levels with a number", body: `[{"uuid":"a","accessLevels":["x",1]}]`, uuids: []string{"a"}, problem: "an array holding a number"},
		{name: "info an array", body: `[{"uuid":"a","info":[1]}]`, uuids: []string{"a"}, problem: "info: want an object"},
		{name: "card of the wrong type is left out", body: `[{"uuid":"a","card":"x12"}]`, uuids: []string{"a"}},
		{name: "no uuid", body: `[{"surname":"Б"}]`, errHas: "person #1 of the page: no uuid"},
		{name: "uuid a number", body: `[{"uuid":7}]`, errHas: "uuid: want a string, got a number"},
		{name: "empty uuid", body: `[{"uuid":" "}]`, errHas: "empty uuid"},
		{name: "item not an object", body: `[{"uuid":"a"},"b"]`, errHas: "person #2 of the page: want an object, got a string"},
		{name: "twice in a page", body: `[{"uuid":"a"},{"uuid":"a"}]`, errHas: "person a listed twice in one page (#1 and #2)"},
		{name: "object instead of array", body: `{"persons":[]}`, errHas: "want an array, got an object"},
		{name: "null", body: `null`, errHas: "want an array, got null"},
		{name: "truncated", body: "[" + seedPerson[:80], errHas: "truncated JSON"},
		{name: "html", body: "<html><title>502 Bad Gateway</title>", errHas: "HTML or XML page"},
		{name: "trailing garbage", body: `[] x`, errHas: "not JSON"},
		{name: "seed's trailing comma", body: "[" + seedPerson + ",]", errHas: "not JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := decodePersons([]byte(tc.body), z)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("want an error with %q, got %v", tc.errHas, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.UUID)
			}
			if !slices.Equal(got, tc.uuids) {
				t.Errorf("uuids %v, want %v", got, tc.uuids)
			}
			switch {
			case tc.problem != "" && (len(ps) == 0 || !strings.Contains(strings.Join(ps[0].Problems, "; "), tc.problem)):
				t.Errorf("want a problem with %q, got %v", tc.problem, ps[0].Problems)
			case tc.problem == "" && len(ps) > 0 && len(ps[0].Problems) > 0:
				t.Errorf("unexpected problems %v", ps[0].Problems)
			}
		})
	}
}

func TestDecodeSeedPerson(t *testing.T) {
	p, err := decodeOnePerson([]byte(seedPerson), "21E10F5D-7AF7-44BA-B1A3-D0B9CF429437", moscow(t))
	if err != nil {
		t.Fatal(err)
	}
	if p.FullName() != "Аспидов Иван Сергеевич" || p.Email != "ivan@example.ru" || p.PassType != "REGULAR" ||
		*p.Activation != 1700000000 || *p.Expiration != 1761944399 || *p.Card != 12345 || *p.Facility != 17 ||
		p.Info["Birthday"] != "1994-12-05" || !slices.Equal(p.AccessLevels, []string{"0dfb462d-d5c3-402d-9075-e726ea94bd49"}) {
		t.Errorf("person %+v", p)
	}
	if _, err := decodeOnePerson([]byte(seedPerson), "022abfc4-3809-4ce3-bfc4-cbdb4a07f726", moscow(t)); err == nil ||
		!strings.Contains(err.Error(), "answered with person 21e10f5d") {
		t.Errorf("another person's reply accepted: %v", err)
	}
}

// WithExpiration sends every writable field as read, byte for byte, with
// the new expiration, and nothing else.
func TestWithExpiration(t *testing.T) {
	z := moscow(t)
	body := `{"uuid":"a","surname":"Б","name":"В","accessLevels":["l1","l2"],"info":{"n":5, "s":"т"},` +
		`"activation_date":"1700000000","card":1,"facility":2,"photo":"aGk=","newField":true,"email":null}`
	p, err := decodeOnePerson([]byte(body), "a", z)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 1, 31, 23, 59, 59, 0, z)
	w, err := p.WithExpiration(end)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"uuid":"a","surname":"Б","name":"В","email":null,"accessLevels":["l1","l2"],"activation_date":"1700000000","expiration_date":1769893199,"info":{"n":5, "s":"т"}}`
	if string(w.body) != want {
		t.Errorf("body\n%s\nwant\n%s", w.body, want)
	}
	if w.Expiration != end.Unix() || w.UUID != "a" {
		t.Errorf("write %+v", w)
	}
	for _, bad := range []struct {
		name string
		p    Person
		end  time.Time
		has  string
	}{
		{"not read", Person{UUID: "x", AccessLevels: []string{"l"}}, end, "not read from the platform"},
		{"no levels", mustDecode(t, `{"uuid":"x","surname":"a","name":"b"}`), end, "no EIS access level"},
		{"problems", mustDecode(t, `{"uuid":"x","accessLevels":["l"],"expiration_date":"soon"}`), end, "data problems"},
		{"no end", p, time.Time{}, "no end"},
		{"year 10000", p, time.Date(10000, 1, 1, 0, 0, 0, 0, z), "outside"},
		{"before 1970", p, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), "outside"},
	} {
		if _, err := bad.p.WithExpiration(bad.end); err == nil || !strings.Contains(err.Error(), bad.has) {
			t.Errorf("%s: want an error with %q, got %v", bad.name, bad.has, err)
		}
	}
}

func mustDecode(t *testing.T, body string) Person {
	t.Helper()
	ps, err := decodePersons([]byte("["+body+"]"), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return ps[0]
}

func TestDecodeUpsertMultiple(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		success []string
		errors  map[string]string
		errHas  string
	}{
		{name: "both lists", body: `{"successList":["a","b"],"errorList":[{"uuid":"c","error":"нет УД ВИС"}]}`, success: []string{"a", "b"}, errors: map[string]string{"c": "нет УД ВИС"}},
		{name: "empty lists", body: `{"successList":[],"errorList":[]}`, errors: map[string]string{}},
		{name: "null errorList", body: `{"successList":["a"],"errorList":null}`, success: []string{"a"}, errors: map[string]string{}},
		{name: "only errors", body: `{"errorList":[{"uuid":"c"}]}`, errors: map[string]string{"c": "(the platform gave no reason)"}},
		{name: "one uuid, two errors", body: `{"errorList":[{"uuid":"c","error":"x"},{"uuid":"c","error":"y"}]}`, errors: map[string]string{"c": "x; y"}},
		{name: "neither list", body: `{"result":"error","error":"bad"}`, errHas: "neither successList nor errorList"},
		{name: "successList an object", body: `{"successList":{"a":1}}`, errHas: "successList: want an array of strings, got an object"},
		{name: "errorList a string", body: `{"errorList":"x"}`, errHas: "errorList: want an array, got a string"},
		{name: "error entry a number", body: `{"errorList":[1]}`, errHas: "errorList #1: want an object, got a number"},
		{name: "error text a number", body: `{"errorList":[{"uuid":"c","error":5}]}`, errHas: "error: want a string"},
		{name: "array", body: `[]`, errHas: "want an object, got an array"},
		{name: "truncated", body: `{"successList":["a"`, errHas: "truncated"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := decodeUpsertMultiple([]byte(tc.body))
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("want an error with %q, got %v", tc.errHas, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Success, tc.success) || len(res.Errors) != len(tc.errors) {
				t.Fatalf("result %+v", res)
			}
			for k, v := range tc.errors {
				if res.Errors[k] != v {
					t.Errorf("error of %s: %q, want %q", k, res.Errors[k], v)
				}
			}
		})
	}
	for body, want := range map[string]string{
		`{"result":"success"}`:             "",
		`{"result":"error","error":"нет"}`: "нет",
		`{"result":"error"}`:               "(the platform gave no reason)",
	} {
		if got, err := decodeUpsertOne([]byte(body)); err != nil || got != want {
			t.Errorf("%s: %q, %v", body, got, err)
		}
	}
	if _, err := decodeUpsertOne([]byte(`{"result":"maybe"}`)); err == nil || !strings.Contains(err.Error(), `unknown result "maybe"`) {
		t.Errorf("unknown result: %v", err)
	}
}

const seedEvent = `{"eventId":21,"headline":"Доступ разрешен","person":"d5c919ce-7e7e-4778-aaac-0fb101600e0e","eventTags":["PACS","AccessGranted"],` +
	`"sent":"2023-11-15T08:34:19+03:00","registered":"2023-11-15T08:34:19+03:00","accessPoint":"uuid:8d9e4802-5540-498b-b35b-39f946196251:7d3feddb-fecc-413d-86a6-1f7ecfbd941e"}`

func TestDecodeEvents(t *testing.T) {
	z := moscow(t)
	e, err := DecodeEvent([]byte(seedEvent), z)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != 21 || e.Headline != "Доступ разрешен" || !e.Granted() || !e.Sent.Equal(time.Date(2023, 11, 15, 5, 34, 19, 0, time.UTC)) {
		t.Errorf("event %+v", e)
	}
	cases := []struct {
		name   string
		body   string
		n      int
		errHas string
	}{
		{name: "seed event", body: "[" + seedEvent + "]", n: 1},
		{name: "empty", body: "[]"},
		{name: "no offset: site zone", body: `[{"eventId":1,"headline":"h","person":"p","eventTags":[],"sent":"2023-11-15T08:34:19","registered":"2023-11-15 08:34:19.250"}]`, n: 1},
		{name: "no eventId", body: `[{"headline":"h"}]`, errHas: "event #1: no eventId"},
		{name: "eventId zero", body: `[{"eventId":0}]`, errHas: "eventId 0 is not positive"},
		{name: "eventId a word", body: `[{"eventId":"x"}]`, errHas: "eventId: want an integer"},
		{name: "bad time", body: `[{"eventId":3,"headline":"h","person":"p","eventTags":[],"sent":"вчера","registered":"2023-11-15T08:34:19Z"}]`, errHas: `event 3: sent: "вчера" is not an ISO 8601`},
		{name: "tags a string", body: `[{"eventId":3,"headline":"h","person":"p","eventTags":"PACS"}]`, errHas: "event 3: eventTags: want an array of strings"},
		{name: "no person", body: `[{"eventId":3,"headline":"h","eventTags":[]}]`, errHas: "event 3: no person"},
		{name: "object", body: seedEvent, errHas: "want an array, got an object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := decodeEvents([]byte(tc.body), z)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("want an error with %q, got %v", tc.errHas, err)
				}
				return
			}
			if err != nil || len(evs) != tc.n {
				t.Fatalf("%d events, %v", len(evs), err)
			}
		})
	}
	noOffset, _ := decodeEvents([]byte(cases[2].body), z)
	if want := time.Date(2023, 11, 15, 8, 34, 19, 0, z); !noOffset[0].Sent.Equal(want) {
		t.Errorf("a time without offset: %v, want %v", noOffset[0].Sent, want)
	}
	for _, none := range []string{"", "null", "{}", "[]"} {
		if _, err := decodeEventByID([]byte(none), z); err != errNoEvent {
			t.Errorf("%q: want no event, got %v", none, err)
		}
	}
	if e, err := decodeEventByID([]byte("["+seedEvent+"]"), z); err != nil || e.ID != 21 {
		t.Errorf("one event in an array: %+v, %v", e, err)
	}
}

func TestDecodeSmallReplies(t *testing.T) {
	levels, err := decodeLevels([]byte(`[{"uuid":"820a1259-fbe0-4594-913e-4ab869e60b19","name":"[И] КПП 2","accessPoints":["uuid:a:b"]}]`))
	if err != nil || len(levels) != 1 || levels[0].Name != "[И] КПП 2" || levels[0].AccessPoints[0] != "uuid:a:b" {
		t.Errorf("levels %+v, %v", levels, err)
	}
	if _, err := decodeLevels([]byte(`[{"name":"x"}]`)); err == nil || !strings.Contains(err.Error(), "access level #1: no uuid") {
		t.Errorf("level without uuid: %v", err)
	}
	// tags: the seed says Option[String] but describes an array; take both.
	points, err := decodePoints([]byte(`[{"token":"uuid:a:b","name":"Точка доступа 0.1","tags":["AccessPointEntry"]},{"token":"uuid:a:c","name":"ТД","tags":"AccessPointExit"},{"token":"uuid:a:d","name":"ТД"}]`))
	if err != nil || len(points) != 3 || points[0].Tags[0] != "AccessPointEntry" || points[1].Tags[0] != "AccessPointExit" || points[2].Tags != nil {
		t.Errorf("points %+v, %v", points, err)
	}
	tr, err := decodeTransaction([]byte(`{"result":"success","meta":{"person":"p","accessPoint":"a","transactionBegin":"2020-07-10 15:00:00","transactionEnd":"2020-07-10 15:00:02"}}`))
	if err != nil || !tr.OK || !tr.Begin.Equal(time.Date(2020, 7, 10, 15, 0, 0, 0, time.UTC)) || tr.End.Sub(tr.Begin) != 2*time.Second {
		t.Errorf("transaction %+v, %v", tr, err)
	}
	if tr, err := decodeTransaction([]byte(`{"result":"error","error":"нет прав","meta":{}}`)); err != nil || tr.OK || tr.Error != "нет прав" {
		t.Errorf("refused transaction %+v, %v", tr, err)
	}
	if _, err := decodeTransaction([]byte(`{"result":"success"}`)); err == nil || !strings.Contains(err.Error(), "no meta") {
		t.Errorf("transaction without meta: %v", err)
	}
	if id, err := decodeSubscription([]byte(`{"subscriptionId":"s-1"}`)); err != nil || id != "s-1" {
		t.Errorf("subscription %q, %v", id, err)
	}
	if _, err := decodeSubscription([]byte(`{"subscriptionId":""}`)); err == nil {
		t.Error("empty subscription id accepted")
	}
	if n, err := decodeCount([]byte(`{"count": 7}`)); err != nil || n != 7 {
		t.Errorf("count %d, %v", n, err)
	}
}

// Fuzz targets: no decoder may panic, and what they accept is consistent.

func FuzzDecodePersons(f *testing.F) {
	for _, s := range []string{"[" + seedPerson + "]", "[]", `[{"uuid":"a","expiration_date":1e400}]`, `[{"uuid":"a","info":{"k":{"x":[]}}}]`,
		`[{"uuid":"a","activation_date":"-9223372036854775808"}]`, `[{"uuid":"a","surname":"\ud800"}]`, `[{"uuid":"a"},{"uuid":"a"}]`,
		`[null]`, `null`, `{}`, `<html>`, "[" + seedPerson[:60]} {
		f.Add(s)
	}
	z := moscow(f)
	f.Fuzz(func(t *testing.T, body string) {
		ps, err := decodePersons([]byte(body), z)
		if err != nil {
			if ps != nil {
				t.Fatalf("persons returned with an error: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, p := range ps {
			if strings.TrimSpace(p.UUID) == "" || seen[p.UUID] {
				t.Fatalf("accepted a person without a unique uuid: %q", p.UUID)
			}
			seen[p.UUID] = true
			checkWrite(t, p)
		}
	})
}

// checkWrite: a person that can be written back yields a valid JSON object
// holding exactly its writable fields as read, plus the new expiration.
func checkWrite(t *testing.T, p Person) {
	t.Helper()
	end := time.Date(2030, 1, 1, 23, 59, 59, 0, time.UTC)
	w, err := p.WithExpiration(end)
	if err != nil {
		return
	}
	var sent map[string]json.RawMessage
	if err := json.Unmarshal(w.body, &sent); err != nil {
		t.Fatalf("write body is not JSON: %v: %s", err, w.body)
	}
	for _, k := range strings.Fields(writable) {
		switch got, ok := sent[k]; {
		case k == "expiration_date":
			if string(got) != "1893542399" {
				t.Fatalf("expiration_date %s", got)
			}
		case ok != (p.raw[k] != nil):
			t.Fatalf("field %s: sent %v, read %v", k, ok, p.raw[k] != nil)
		case ok && !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(p.raw[k])):
			t.Fatalf("field %s sent as %s, read as %s", k, got, p.raw[k])
		}
	}
	for k := range sent {
		if !slices.Contains(strings.Fields(writable), k) {
			t.Fatalf("sent %s", k)
		}
	}
}

func FuzzDecodePerson(f *testing.F) {
	for _, s := range []string{seedPerson, `{"uuid":"a"}`, `{"uuid":"a","accessLevels":["x"],"expiration_date":"1"}`, `{"uuid":"A"}`, `[]`, ``} {
		f.Add(s, "a")
	}
	z := moscow(f)
	f.Fuzz(func(t *testing.T, body, uuid string) {
		p, err := decodeOnePerson([]byte(body), uuid, z)
		if err != nil {
			return
		}
		if !strings.EqualFold(p.UUID, uuid) {
			t.Fatalf("asked for %q, accepted %q", uuid, p.UUID)
		}
		checkWrite(t, p)
	})
}

func FuzzDecodeUpsertResult(f *testing.F) {
	for _, s := range []string{`{"successList":["a"],"errorList":[{"uuid":"b","error":"x"}]}`, `{"errorList":null}`, `{"successList":null}`,
		`{"errorList":[{}]}`, `{"result":"success"}`, `{"result":"error","error":"e"}`, `[]`, `{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		res, err := decodeUpsertMultiple([]byte(body))
		if err == nil && res.Errors == nil {
			t.Fatal("accepted without an error map")
		}
		if err != nil && (res.Success != nil || res.Errors != nil) {
			t.Fatalf("a result with the error %v", err)
		}
		_, _ = decodeUpsertOne([]byte(body))
	})
}

func FuzzDecodeEvents(f *testing.F) {
	for _, s := range []string{"[" + seedEvent + "]", seedEvent, `[]`, `[{"eventId":9223372036854775807}]`, `{}`, `null`, `[{"eventId":1,"headline":"h","person":"p","eventTags":[],"sent":"2023-11-15T08:34:19+25:00","registered":"x"}]`} {
		f.Add(s)
	}
	z := moscow(f)
	f.Fuzz(func(t *testing.T, body string) {
		evs, err := decodeEvents([]byte(body), z)
		for _, e := range evs {
			if err != nil || e.ID <= 0 || e.Sent.IsZero() || e.Registered.IsZero() {
				t.Fatalf("accepted event %+v with %v", e, err)
			}
		}
		if e, err := decodeEventByID([]byte(body), z); err == nil && e.ID <= 0 {
			t.Fatalf("accepted event %+v", e)
		}
	})
}

// FuzzDecodeSmall covers the remaining decoders: count, levels, points,
// transaction, subscription.
func FuzzDecodeSmall(f *testing.F) {
	for _, s := range []string{`{"count":7}`, `{"count":"7"}`, `{"count":1e20}`, `[{"uuid":"u","name":"[И] x","accessPoints":["a"]}]`,
		`[{"token":"t","tags":"AccessPointEntry"}]`, `{"result":"success","meta":{"transactionBegin":"2020-07-10 15:00:00"}}`,
		`{"subscriptionId":"s"}`, `<`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		b := []byte(body)
		if n, err := decodeCount(b); err == nil && (n < 0 || n > maxCount) {
			t.Fatalf("count %d accepted", n)
		}
		_, _ = decodeLevels(b)
		_, _ = decodePoints(b)
		_, _ = decodeTransaction(b)
		if id, err := decodeSubscription(b); err == nil && strings.TrimSpace(id) == "" {
			t.Fatal("empty subscription id accepted")
		}
	})
}
