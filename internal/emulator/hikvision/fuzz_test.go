package hikvision

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
)

// fuzzRequest runs one request straight through the router (after auth) and
// checks that the answer is a well-formed ISAPI reply.
func fuzzRequest(t *testing.T, method, uri, body string) (int, map[string]json.RawMessage) {
	term := New(Config{MaxResults: 5, Clock: clocktest.Start(t)})
	ps := makePersons(12)
	ps[0].Extends = []Extend{{Value: "a@example.si"}}
	term.SetPersons(ps)
	req := httptest.NewRequest(method, uri, strings.NewReader(body))
	rec := httptest.NewRecorder()
	term.routes[req.URL.Path].handle(rec, req)
	if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d for body %q", rec.Code, body)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("reply is not JSON (%v): %s", err, rec.Body.Bytes())
	}
	// Every answer is either a result document or a complete envelope.
	if _, ok := doc["statusCode"]; !ok {
		if _, ok := doc["UserInfoSearch"]; !ok {
			t.Fatalf("reply is neither a result nor an envelope: %s", rec.Body.Bytes())
		}
	} else if rec.Code == http.StatusBadRequest {
		for _, k := range []string{"requestURL", "subStatusCode", "errorCode", "errorMsg"} {
			if _, ok := doc[k]; !ok {
				t.Fatalf("error envelope lacks %s: %s", k, rec.Body.Bytes())
			}
		}
	}
	return rec.Code, doc
}

func FuzzSearchBody(f *testing.F) {
	for _, s := range []string{
		searchBody("scan-7f3c2a", 0, 30),
		searchBody("a", 10, 3, "1", "12", "99"),
		searchBody("a", 1<<30, 1<<30),
		`{"UserInfoSearchCond":{"searchID":"x","searchResultPosition":0,"maxResults":30,"EmployeeNoList":[{}]}}`,
		`{"UserInfoSearchCond":{"searchID":"x","searchResultPosition":-9223372036854775808,"maxResults":1}}`,
		`{"UserInfoSearchCond":{"searchID":"x","searchResultPosition":1e400,"maxResults":1}}`,
		`{"UserInfoSearchCond":null}`, `[]`, `null`, ``, `{"UserInfoSearchCond":{"EmployeeNoList":"1"}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		code, doc := fuzzRequest(t, http.MethodPost, searchURI, body)
		if code != http.StatusOK {
			return
		}
		var s searchReply
		raw, _ := json.Marshal(doc)
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("search reply: %v", err)
		}
		u := s.UserInfoSearch
		if u.NumOfMatches != len(u.UserInfo) || u.NumOfMatches > 5 || u.TotalMatches > 12 {
			t.Fatalf("inconsistent page %+v for %q", u, body)
		}
	})
}

func FuzzModifyBody(f *testing.F) {
	for _, s := range []string{
		specModify,
		strings.Replace(specModify, "1042", "3", 1),
		`{"UserInfo":{"employeeNo":"3","userType":"normal","RightPlan":[],"PersonInfoExtends":[{"value":"x"}]}}`,
		`{"UserInfo":{"employeeNo":"3","userType":"normal","Valid":{"beginTime":"2025-02-29T00:00:00","endTime":"9999-99-99T99:99:99","timeType":"UTC"}}}`,
		`{"UserInfo":{"employeeNo":"3","userType":"normal","Valid":{"endTime":"2025-11-01T23:59:59Z","timeType":"UTC"}}}`,
		`{"UserInfo":{"employeeNo":"3","userType":"normal","RightPlan":[{"doorNo":"1"}]}}`,
		`{"UserInfo":null}`, `{"UserInfo":{"employeeNo":3}}`, `[`, `{"UserInfo":{"Valid":[]}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		code, doc := fuzzRequest(t, http.MethodPut, modifyURI, body)
		var sc int
		if err := json.Unmarshal(doc["statusCode"], &sc); err != nil {
			t.Fatalf("Modify reply without statusCode: %v", doc)
		}
		if code == http.StatusOK && sc != 1 && sc != 6 {
			t.Fatalf("HTTP 200 with statusCode %d", sc)
		}
	})
}

func FuzzDecodeValid(f *testing.F) {
	f.Add("2025-11-01T23:59:59", "local")
	f.Add("2025-11-01T23:59:59+01:00", "UTC")
	f.Add("2025-11-01T23:59:59.999", "local")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, s, timeType string) {
		in := &validIn{BeginTime: &s, EndTime: &s, TimeType: &timeType}
		v, e := mergeValid(Valid{}, in, time.UTC)
		if e == nil && (v.EndTime != s || v.BeginTime != s) {
			t.Fatalf("accepted %q but stored %+v", s, v)
		}
	})
}
