package neyross

import (
	"encoding/json"
	"testing"
)

// checkReply: every answer is JSON with a status the API uses.
func checkReply(t *testing.T, a answer) {
	t.Helper()
	if a.status != 200 && a.status != 400 {
		t.Fatalf("HTTP %d: %s", a.status, a.body)
	}
	if !json.Valid([]byte(a.body)) {
		t.Fatalf("reply is not JSON: %q", a.body)
	}
}

func FuzzUpsertMultiple(f *testing.F) {
	for _, s := range []string{
		`[{"uuid":"` + uuidN(1) + `","surname":"А","name":"Б","accessLevels":["` + kpp1 + `"],"expiration_date":1761944399}]`,
		`[{"uuid":"` + uuidN(4) + `","surname":"А","name":"Б","accessLevels":["` + kpp1 + `"]}]`,
		`[{"uuid":"` + uuidN(9) + `","surname":"А","name":"Б","accessLevels":["` + kpp1 + `"],"info":{"a":"b"},"photo":"aGk="}]`,
		`[{"uuid":"` + uuidN(1) + `","accessLevels":["` + admin + `"]}]`, `[null]`, `[]`, `{}`, `[{"uuid":1e400}]`,
		`[{"uuid":"` + uuidN(2) + `","surname":"А","name":"Б","accessLevels":["` + kpp2 + `","` + kpp2 + `"],"activation_date":-9223372036854775808}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		s := platform(t, Config{})
		outside, _ := s.Person(uuidN(4))
		before := len(s.Persons())
		a := call(s, "POST", Prefix+"persons/upsert/multiple", body)
		checkReply(t, a)
		if after, _ := s.Person(uuidN(4)); after.Surname != outside.Surname || len(after.AccessLevels) != 1 {
			t.Fatalf("the person outside the EIS subset changed: %+v", after)
		}
		ps := s.Persons()
		if len(ps) < before {
			t.Fatal("an upsert deleted a person")
		}
		s.mu.Lock()
		eis := s.eisLevelsLocked()
		s.mu.Unlock()
		for _, p := range ps {
			if p.UUID != uuidN(4) && !holdsEIS(&p, eis) {
				t.Fatalf("person %s left without an EIS level", p.UUID)
			}
		}
	})
}

func FuzzSearchQuery(f *testing.F) {
	for _, q := range []string{"limit=2&offset=1", "", "limit=0", "offset=99999999999999999999", "limit=-1", "limit=1&limit=2", "%zz"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		s := platform(t, Config{})
		a := call(s, "GET", Prefix+"persons/search/?"+urlSafe(q), "")
		checkReply(t, a)
	})
}

func FuzzEventsByTime(f *testing.F) {
	for _, b := range []string{`{"timeFrom":"2025-11-15T08:00:00+03:00","timeTo":"2025-11-15T10:00:00Z","limit":5,"offset":1}`,
		`{"timeFrom":"2025-11-15 08:00:00","timeTo":"2025-11-15T10:00:00.5"}`, `{"limit":1e99}`, `null`, `[]`} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body string) {
		s := platform(t, Config{})
		s.AddEvent(Event{Headline: HeadlineGranted, Person: uuidN(1), Tags: []string{TagAccessGranted}})
		checkReply(t, call(s, "POST", Prefix+"events/history_events_by_date_time/", body))
		checkReply(t, call(s, "POST", Prefix+"events/history_events_by_ids/", body))
	})
}

// urlSafe keeps a fuzzed query from breaking httptest.NewRequest (which
// panics on a request line it cannot parse).
func urlSafe(q string) string {
	out := make([]byte, 0, len(q))
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c <= ' ' || c >= 0x7f || c == '#' {
			out = append(out, '%', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
			continue
		}
		out = append(out, c)
	}
	return string(out)
}
