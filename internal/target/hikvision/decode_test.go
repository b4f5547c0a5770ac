package hikvision

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/textclean"
)

func searchReply(status string, num, total int, persons ...string) string {
	list := ""
	if persons != nil {
		list = `,"UserInfo":[` + strings.Join(persons, ",") + `]`
	}
	return fmt.Sprintf(`{"UserInfoSearch":{"searchID":"s1","responseStatusStrg":%q,"numOfMatches":%d,"totalMatches":%d%s}}`, status, num, total, list)
}

func TestDecodeSearch(t *testing.T) {
	p1, p2 := person("1042", "Ziga Ceh", "2025-10-01T23:59:59"), person("1043", "Ana Novak", "2025-12-31T23:59:59")
	cases := []struct {
		name    string
		body    string
		status  string
		users   []string
		errHas  string
		problem string // a Problem the first user must have
	}{
		{name: "MORE", body: searchReply("MORE", 2, 5, p1, p2), status: StatusMore, users: []string{"1042", "1043"}},
		{name: "OK", body: searchReply("OK", 1, 1, p1), status: StatusOK, users: []string{"1042"}},
		{name: "NO MATCH without UserInfo", body: `{"UserInfoSearch":{"searchID":"s","responseStatusStrg":"NO MATCH","numOfMatches":0,"totalMatches":0}}`, status: StatusNoMatch},
		{name: "NOMATCH", body: `{"UserInfoSearch":{"responseStatusStrg":"NOMATCH"}}`, status: StatusNoMatch},
		{name: "NO_MATCHES", body: `{"UserInfoSearch":{"responseStatusStrg":"NO_MATCHES","UserInfo":null}}`, status: StatusNoMatch},
		{name: "lower-case more", body: searchReply("more", 1, 3, p1), status: StatusMore, users: []string{"1042"}},
		{name: "numbers as strings", body: `{"UserInfoSearch":{"responseStatusStrg":"OK","numOfMatches":"1","totalMatches":"1","UserInfo":[` + p1 + `]}}`, status: StatusOK, users: []string{"1042"}},
		{name: "one person as an object", body: `{"UserInfoSearch":{"responseStatusStrg":"OK","numOfMatches":1,"totalMatches":1,"UserInfo":` + p1 + `}}`, status: StatusOK, users: []string{"1042"}},
		{name: "keys in another case, employeeNo a number", body: `{"userInfoSearch":{"ResponseStatusStrg":"OK","NumOfMatches":1,"TotalMatches":1,"userInfo":[{"EmployeeNo":1042,"valid":{"enable":"true","endTime":"2025-10-01T23:59:59"}}]}}`, status: StatusOK, users: []string{"1042"}},
		{name: "unknown fields", body: `{"UserInfoSearch":{"responseStatusStrg":"OK","numOfMatches":1,"totalMatches":1,"newThing":{"x":[1]},"UserInfo":[{"employeeNo":"7","faceURL":"http://x","Valid":{"enable":true,"foo":1}}]}}`, status: StatusOK, users: []string{"7"}},
		{name: "odd name becomes a problem", body: searchReply("OK", 1, 1, `{"employeeNo":"9","name":{"first":"A"},"Valid":{"enable":true}}`), status: StatusOK, users: []string{"9"}, problem: "name: want a string, got an object"},
		{name: "odd Valid becomes a problem", body: searchReply("OK", 1, 1, `{"employeeNo":"9","Valid":{"enable":"maybe"}}`), status: StatusOK, users: []string{"9"}, problem: "Valid: want a boolean"},
		{name: "MORE with no items", body: searchReply("MORE", 0, 40), errHas: "MORE with no persons"},
		{name: "numOfMatches disagrees", body: searchReply("MORE", 3, 40, p1, p2), errHas: "numOfMatches is 3 but the page holds 2"},
		{name: "NO MATCH with persons", body: `{"UserInfoSearch":{"responseStatusStrg":"NO MATCH","UserInfo":[` + p1 + `]}}`, errHas: "NO MATCH with 1 persons"},
		{name: "unknown status", body: searchReply("FINE", 1, 1, p1), errHas: "unknown responseStatusStrg"},
		{name: "no counts", body: `{"UserInfoSearch":{"responseStatusStrg":"OK","UserInfo":[` + p1 + `]}}`, errHas: "without numOfMatches"},
		{name: "total below page", body: searchReply("OK", 2, 1, p1, p2), errHas: "totalMatches 1 is less"},
		{name: "negative", body: searchReply("OK", -1, 1), errHas: "negative"},
		{name: "person without employeeNo", body: searchReply("OK", 1, 1, `{"name":"x"}`), errHas: "person #1 of the page: no employeeNo"},
		{name: "employeeNo an object", body: searchReply("OK", 1, 1, `{"employeeNo":{"a":1}}`), errHas: "employeeNo: want a string"},
		{name: "duplicate in page", body: searchReply("OK", 2, 2, p1, p1), errHas: `employeeNo "1042" listed twice`},
		{name: "UserInfo a string", body: `{"UserInfoSearch":{"responseStatusStrg":"OK","numOfMatches":1,"totalMatches":1,"UserInfo":"x"}}`, errHas: "UserInfo: want an array"},
		{name: "truncated", body: searchReply("OK", 1, 1, p1)[:120], errHas: "search reply"},
		{name: "an envelope", body: okEnvelope, errHas: "no UserInfoSearch"},
		{name: "count too big", body: `{"UserInfoSearch":{"responseStatusStrg":"OK","numOfMatches":1,"totalMatches":99999999999}}`, errHas: "out of range"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := decodeSearch([]byte(tc.body))
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("want error with %q, got %v", tc.errHas, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != tc.status {
				t.Errorf("status %q, want %q", p.Status, tc.status)
			}
			var got []string
			for _, u := range p.Users {
				got = append(got, u.EmployeeNo)
			}
			if strings.Join(got, ",") != strings.Join(tc.users, ",") {
				t.Errorf("users %v, want %v", got, tc.users)
			}
			if tc.problem != "" && (len(p.Users) == 0 || !strings.Contains(strings.Join(p.Users[0].Problems, "; "), tc.problem)) {
				t.Errorf("want a problem %q, got %v", tc.problem, p.Users[0].Problems)
			}
			if tc.problem == "" {
				for _, u := range p.Users {
					if len(u.Problems) > 0 {
						t.Errorf("%s: unexpected problems %v", u.EmployeeNo, u.Problems)
					}
				}
			}
		})
	}
}

func TestDecodeUserFields(t *testing.T) {
	p, err := decodeSearch([]byte(searchReply("OK", 1, 1, person("1042", "Ziga Ceh", "2025-10-01T23:59:59"))))
	if err != nil {
		t.Fatal(err)
	}
	u := p.Users[0]
	want := Valid{Enable: true, BeginTime: "2024-03-04T00:00:00", EndTime: "2025-10-01T23:59:59", TimeType: "local"}
	if u.Name != "Ziga Ceh" || u.UserType != "normal" || u.Valid == nil || *u.Valid != want {
		t.Errorf("decoded %+v valid %+v", u, u.Valid)
	}
	if len(u.Extends) != 1 || u.Extends[0].Value != "1042@example.si" {
		t.Errorf("extends %+v", u.Extends)
	}
	var raw map[string]any
	if err := json.Unmarshal(u.Raw, &raw); err != nil || raw["doorRight"] != "1" {
		t.Errorf("raw copy lost: %v %v", err, raw["doorRight"])
	}
}

func FuzzDecodeSearch(f *testing.F) {
	p1 := person("1042", "Ziga Ceh", "2025-10-01T23:59:59")
	for _, s := range []string{
		searchReply("MORE", 1, 3, p1),
		searchReply("OK", 1, 1, p1),
		searchReply("MORE", 0, 3),
		`{"UserInfoSearch":{"responseStatusStrg":"NO MATCH"}}`,
		`{"UserInfoSearch":{"responseStatusStrg":"OK","numOfMatches":"1","totalMatches":"1","UserInfo":{"employeeNo":5}}}`,
		`{"UserInfoSearch":{"responseStatusStrg":"OK","numOfMatches":1,"totalMatches":1,"UserInfo":[{"employeeNo":"1","Valid":"x","PersonInfoExtends":{"value":3}}]}}`,
		`{"UserInfoSearch":null}`, `{"UserInfoSearch":{"searchID":"`, `[]`, ``,
		// Names typed into iVMS by someone who wants the admin's terminal:
		// OSC 8, OSC 52, a C1 CSI, a bidi override, zero-width characters.
		searchReply("OK", 1, 1, person("66", "\u001b]8;;https://evil/\u001b\\Ana\u009b31m\u202eKos\u200b\u0007", "2025-10-01T23:59:59")),
		searchReply("OK", 1, 1, person("67", "\u001b]52;c;ZWNobyBoaQ==\u0007Bor", "2025-10-01T23:59:59")),
		searchReply("OK", 1, 1, person("68", strings.Repeat("Dolgo", 4000), "2025-10-01T23:59:59")),
		// Enrolment counters as firmware sends them: numbers, strings,
		// null, negative, fractions, far too large.
		searchReply("OK", 1, 1, `{"employeeNo":"70","numOfFace":0,"numOfCard":"1","Valid":{"enable":true,"endTime":"2025-10-01T23:59:59"}}`),
		searchReply("OK", 1, 1, `{"employeeNo":"71","numOfFace":null,"numOfCard":-3}`),
		searchReply("OK", 1, 1, `{"employeeNo":"72","numOfFace":1.5,"numOfCard":99999999999}`),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodeSearch(b)
		if err != nil {
			return
		}
		// What decodeSearch accepts is consistent in itself.
		if p.Status == StatusNoMatch && len(p.Users) > 0 {
			t.Fatal("NO MATCH with persons")
		}
		if p.Status != StatusNoMatch && p.NumOfMatches != len(p.Users) {
			t.Fatalf("numOfMatches %d, persons %d", p.NumOfMatches, len(p.Users))
		}
		if p.Status == StatusMore && len(p.Users) == 0 {
			t.Fatal("MORE with no persons accepted")
		}
		seen := map[string]bool{}
		for _, u := range p.Users {
			if u.NumOfFace < -1 || u.NumOfCard < -1 {
				t.Fatalf("enrolment counters %d faces, %d cards: want -1 (unknown) or a count", u.NumOfFace, u.NumOfCard)
			}
			if u.EmployeeNo == "" || seen[u.EmployeeNo] {
				t.Fatalf("employeeNo %q empty or repeated", u.EmployeeNo)
			}
			seen[u.EmployeeNo] = true
			// No control character or bidi override from the terminal
			// reaches anyone (issue 11 §6).
			for _, v := range []string{u.Name, u.UserType} {
				if textclean.Has(v) {
					t.Fatalf("decoded text %q keeps a control or format character", v)
				}
			}
			for _, x := range u.Extends {
				if textclean.Has(x.Name) || textclean.Has(x.Value) {
					t.Fatalf("decoded extension %q=%q keeps a control or format character", x.Name, x.Value)
				}
			}
		}
	})
}

// BenchmarkDecodePage measures the client's work on one full Search page
// (30 persons as a terminal lists them): envelope check and decode.
func BenchmarkDecodePage(b *testing.B) {
	var ps []string
	for i := range 30 {
		ps = append(ps, person(fmt.Sprint(1000+i), "Clan Kluba", "2025-10-01T23:59:59"))
	}
	body := []byte(searchReply("MORE", 30, 3000, ps...))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := parseEnvelope(body); err != errNotEnvelope {
			b.Fatal(err)
		}
		if p, err := decodeSearch(body); err != nil || len(p.Users) != 30 {
			b.Fatal(err)
		}
	}
}

// An employee number typed in iVMS with an escape sequence or a C1 byte
// (issue 11 review): the page is read, the person is shown marked and has
// a problem (never written), and the other persons are used.
func TestHostileEmployeeNo(t *testing.T) {
	hostile := strings.Replace(person("HOSTILE", "Ana", "2025-10-01T23:59:59"), `"employeeNo":"HOSTILE"`, `"employeeNo":"8\u001b]8;;http://e.vil/\u0007X"`, 1)
	body := searchReply("OK", 2, 2, hostile, person("1042", "Ziga Ceh", "2025-10-01T23:59:59"))
	p, err := decodeSearch([]byte(body))
	if err != nil || len(p.Users) != 2 {
		t.Fatalf("decodeSearch = %d users, %v; want both", len(p.Users), err)
	}
	u := p.Users[0]
	if u.EmployeeNo != "8\uFFFD]8;;http://e.vil/\uFFFDX" || len(u.Problems) != 1 || !strings.Contains(u.Problems[0], "not written") {
		t.Errorf("hostile person read as %q with problems %q", u.EmployeeNo, u.Problems)
	}
	if p.Users[1].EmployeeNo != "1042" || len(p.Users[1].Problems) != 0 {
		t.Errorf("the other person: %q %q", p.Users[1].EmployeeNo, p.Users[1].Problems)
	}
}

// numOfFace and numOfCard: read leniently, -1 when the terminal sent none
// or nothing readable; an odd counter is no Problem (the period still is
// right).
func TestDecodeEnrolmentCounters(t *testing.T) {
	cases := []struct {
		name        string
		fields      string
		face, cards int
	}{
		{"numbers", `"numOfFace":1,"numOfCard":2`, 1, 2},
		{"no face, card only", `"numOfFace":0,"numOfCard":1`, 0, 1},
		{"strings", `"numOfFace":"0","numOfCard":"1"`, 0, 1},
		{"absent", ``, -1, -1},
		{"null and negative", `"numOfFace":null,"numOfCard":-1`, -1, -1},
		{"not numbers", `"numOfFace":"many","numOfCard":{"n":1}`, -1, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fields := c.fields
			if fields != "" {
				fields += ","
			}
			body := searchReply("OK", 1, 1, `{"employeeNo":"5",`+fields+`"Valid":{"enable":true,"beginTime":"2025-01-01T00:00:00","endTime":"2025-10-01T23:59:59"}}`)
			p, err := decodeSearch([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			u := p.Users[0]
			if u.NumOfFace != c.face || u.NumOfCard != c.cards || len(u.Problems) != 0 {
				t.Errorf("got %d faces, %d cards, problems %q; want %d, %d, none", u.NumOfFace, u.NumOfCard, u.Problems, c.face, c.cards)
			}
		})
	}
}
