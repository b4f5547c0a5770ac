package hikvision

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

const searchURI = "/ISAPI/AccessControl/UserInfo/Search?format=json"

// makePersons returns n persons with employeeNo "1"…"n".
func makePersons(n int) []Person {
	ps := make([]Person, n)
	for i := range ps {
		no := strconv.Itoa(i + 1)
		ps[i] = Person{
			EmployeeNo: no, Name: "Person " + no, UserType: "normal", Gender: "male",
			Valid:     Valid{Enable: true, BeginTime: "2024-03-04T00:00:00", EndTime: "2025-10-01T23:59:59", TimeType: "local"},
			DoorRight: "1", RightPlan: []RightPlan{{DoorNo: 1, PlanTemplateNo: "1"}},
			NumOfCard: 1, NumOfFace: 1,
		}
	}
	return ps
}

type searchReply struct {
	UserInfoSearch struct {
		SearchID           string `json:"searchID"`
		ResponseStatusStrg string `json:"responseStatusStrg"`
		NumOfMatches       int    `json:"numOfMatches"`
		TotalMatches       int    `json:"totalMatches"`
		UserInfo           []struct {
			EmployeeNo string `json:"employeeNo"`
		} `json:"UserInfo"`
	} `json:"UserInfoSearch"`
}

func searchBody(id string, pos, max int, ids ...string) string {
	list := ""
	if ids != nil {
		var parts []string
		for _, id := range ids {
			parts = append(parts, fmt.Sprintf(`{"employeeNo":%q}`, id))
		}
		list = `,"EmployeeNoList":[` + strings.Join(parts, ",") + `]`
	}
	return fmt.Sprintf(`{"UserInfoSearchCond":{"searchID":%q,"searchResultPosition":%d,"maxResults":%d%s}}`, id, pos, max, list)
}

func ids(s searchReply) string {
	var out []string
	for _, u := range s.UserInfoSearch.UserInfo {
		out = append(out, u.EmployeeNo)
	}
	if len(out) > 3 {
		out = []string{out[0], "…", out[len(out)-1]}
	}
	return strings.Join(out, ",")
}

func TestSearchPaging(t *testing.T) {
	tests := []struct {
		name     string
		persons  int
		pos, max int
		status   string
		num      int
		total    int
		ids      string
	}{
		{"page cap applied silently", 75, 0, 100, "MORE", 30, 75, "1,…,30"},
		{"middle page", 75, 30, 30, "MORE", 30, 75, "31,…,60"},
		{"last page", 75, 60, 30, "OK", 15, 75, "61,…,75"},
		{"small page", 75, 70, 10, "OK", 5, 75, "71,…,75"},
		{"exactly one full page", 30, 0, 30, "OK", 30, 30, "1,…,30"},
		{"past the end", 75, 75, 30, "NO MATCH", 0, 75, ""},
		{"empty terminal", 0, 0, 30, "NO MATCH", 0, 0, ""},
	}
	term, c := start(t, Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term.SetPersons(makePersons(tt.persons))
			r := c.do(http.MethodPost, searchURI, searchBody("scan-7f3c2a", tt.pos, tt.max))
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			s := decodeJSONReply[searchReply](t, r).UserInfoSearch
			if s.SearchID != "scan-7f3c2a" || s.ResponseStatusStrg != tt.status || s.NumOfMatches != tt.num ||
				s.TotalMatches != tt.total || len(s.UserInfo) != tt.num {
				t.Errorf("got %s/%d/%d with %d records, want %s/%d/%d", s.ResponseStatusStrg, s.NumOfMatches,
					s.TotalMatches, len(s.UserInfo), tt.status, tt.num, tt.total)
			}
			if got := ids(searchReply{UserInfoSearch: s}); got != tt.ids {
				t.Errorf("employeeNos %q, want %q", got, tt.ids)
			}
			if tt.num == 0 && strings.Contains(string(r.body), `"UserInfo"`) {
				t.Errorf("NO MATCH must not carry a UserInfo array: %s", r.body)
			}
		})
	}
}

func TestSearchMaxResultsConfig(t *testing.T) {
	term, c := start(t, Config{MaxResults: 10})
	term.SetPersons(makePersons(25))
	s := decodeJSONReply[searchReply](t, c.do(http.MethodPost, searchURI, searchBody("x", 0, 30))).UserInfoSearch
	if s.NumOfMatches != 10 || s.ResponseStatusStrg != "MORE" {
		t.Errorf("MaxResults 10: got %d %s", s.NumOfMatches, s.ResponseStatusStrg)
	}
}

func TestSearchPersonShape(t *testing.T) {
	full := Person{
		EmployeeNo: "1042", Name: "Ziga Ceh", UserType: "normal", Gender: "male",
		Valid:     Valid{Enable: true, BeginTime: "2024-03-04T00:00:00", EndTime: "2025-10-01T23:59:59", TimeType: "local"},
		DoorRight: "1", RightPlan: []RightPlan{{DoorNo: 1, PlanTemplateNo: "1"}},
		Extends: []Extend{{Value: "ziga.ceh@example.si"}}, NumOfCard: 1, NumOfFace: 1, Password: "4711",
	}
	bare := Person{EmployeeNo: "7"}
	want := `{"employeeNo":"1042","name":"Ziga Ceh","userType":"normal","closeDelayEnabled":false,` +
		`"Valid":{"enable":true,"beginTime":"2024-03-04T00:00:00","endTime":"2025-10-01T23:59:59","timeType":"local"},` +
		`"belongGroup":"","password":"","doorRight":"1","RightPlan":[{"doorNo":1,"planTemplateNo":"1"}],` +
		`"maxOpenDoorTime":0,"openDoorTime":0,"roomNumber":0,"floorNumber":0,"localUIRight":false,"gender":"male",` +
		`"numOfCard":1,"numOfFP":0,"numOfFace":1,"userVerifyMode":"","PersonInfoExtends":[{"value":"ziga.ceh@example.si"}]}`
	wantBare := `{"employeeNo":"7","name":"","userType":"normal","closeDelayEnabled":"false",` +
		`"Valid":{"enable":"false","beginTime":"","endTime":"","timeType":"local"},` +
		`"belongGroup":"","password":"","doorRight":"","RightPlan":[],` +
		`"maxOpenDoorTime":0,"openDoorTime":0,"roomNumber":0,"floorNumber":0,"localUIRight":"false","gender":"unknown",` +
		`"numOfCard":0,"numOfFP":0,"numOfFace":0,"userVerifyMode":""}`
	tests := []struct {
		name           string
		stringBooleans bool
		p              Person
		want           string
	}{
		{"full person, spec shape, password hidden", false, full, want},
		{"bare person, booleans as strings, no extends", true, bare, wantBare},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term, c := start(t, Config{StringBooleans: tt.stringBooleans})
			term.SetPersons([]Person{tt.p})
			r := c.do(http.MethodPost, searchURI, searchBody("s", 0, 30))
			var doc struct {
				UserInfoSearch struct {
					UserInfo []json.RawMessage `json:"UserInfo"`
				} `json:"UserInfoSearch"`
			}
			if err := json.Unmarshal(r.body, &doc); err != nil || len(doc.UserInfoSearch.UserInfo) != 1 {
				t.Fatalf("reply %s (%v)", r.body, err)
			}
			if got := string(doc.UserInfoSearch.UserInfo[0]); got != tt.want {
				t.Errorf("person\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestSearchEmployeeNoList(t *testing.T) {
	tests := []struct {
		name   string
		ignore bool
		ask    []string
		status string
		total  int
		ids    string
	}{
		{"honoured, storage order, unknown skipped", false, []string{"3", "999", "1"}, "OK", 2, "1,3"},
		{"honoured, nothing known", false, []string{"999"}, "NO MATCH", 0, ""},
		{"empty list means everyone", false, []string{}, "MORE", 75, "1,…,30"},
		{"ignored by buggy firmware", true, []string{"3"}, "MORE", 75, "1,…,30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term, c := start(t, Config{})
			term.SetPersons(makePersons(75))
			term.SetIgnoreEmployeeNoList(tt.ignore)
			s := decodeJSONReply[searchReply](t, c.do(http.MethodPost, searchURI, searchBody("l", 0, 30, tt.ask...)))
			if s.UserInfoSearch.ResponseStatusStrg != tt.status || s.UserInfoSearch.TotalMatches != tt.total || ids(s) != tt.ids {
				t.Errorf("got %s total %d ids %q, want %s %d %q", s.UserInfoSearch.ResponseStatusStrg,
					s.UserInfoSearch.TotalMatches, ids(s), tt.status, tt.total, tt.ids)
			}
		})
	}
	// The firmware bug can also be configured from the start.
	term, c := start(t, Config{IgnoreEmployeeNoList: true})
	term.SetPersons(makePersons(5))
	if s := decodeJSONReply[searchReply](t, c.do(http.MethodPost, searchURI, searchBody("l", 0, 30, "2"))); s.UserInfoSearch.TotalMatches != 5 {
		t.Errorf("Config.IgnoreEmployeeNoList: total %d, want 5", s.UserInfoSearch.TotalMatches)
	}
}

func TestSearchTotalFollowsChanges(t *testing.T) {
	term, c := start(t, Config{})
	term.SetPersons(makePersons(40))
	first := decodeJSONReply[searchReply](t, c.do(http.MethodPost, searchURI, searchBody("s", 0, 30)))
	term.SetPersons(makePersons(41)) // a person added mid-scan
	second := decodeJSONReply[searchReply](t, c.do(http.MethodPost, searchURI, searchBody("s", 30, 30)))
	if first.UserInfoSearch.TotalMatches != 40 || second.UserInfoSearch.TotalMatches != 41 {
		t.Errorf("totals %d then %d, want 40 then 41", first.UserInfoSearch.TotalMatches, second.UserInfoSearch.TotalMatches)
	}
}

func TestSearchBadRequests(t *testing.T) {
	long := make([]string, 31)
	for i := range long {
		long[i] = strconv.Itoa(i)
	}
	tests := []struct {
		name       string
		method     string
		uri        string
		body       string
		httpStatus int
		statusCode int
		sub        string
		msg        string
	}{
		{"invalid JSON", "POST", searchURI, `{"UserInfoSearchCond":`, 400, 6, "badJsonContent", ""},
		{"empty body", "POST", searchURI, ``, 400, 6, "badJsonContent", "empty body"},
		{"no condition", "POST", searchURI, `{}`, 400, 6, "MessageParametersLack", "UserInfoSearchCond"},
		{"no searchID", "POST", searchURI, `{"UserInfoSearchCond":{"searchResultPosition":0,"maxResults":30}}`, 400, 6, "MessageParametersLack", "searchID"},
		{"no maxResults", "POST", searchURI, `{"UserInfoSearchCond":{"searchID":"a","searchResultPosition":0}}`, 400, 6, "MessageParametersLack", "maxResults"},
		{"maxResults as string", "POST", searchURI, `{"UserInfoSearchCond":{"searchID":"a","searchResultPosition":0,"maxResults":"30"}}`, 400, 6, "badJsonContent", "maxResults"},
		{"maxResults 0", "POST", searchURI, searchBody("a", 0, 0), 400, 6, "badJsonContent", "maxResults"},
		{"negative position", "POST", searchURI, searchBody("a", -1, 30), 400, 6, "badJsonContent", "searchResultPosition"},
		{"list too long", "POST", searchURI, searchBody("a", 0, 30, long...), 400, 6, "badJsonContent", "EmployeeNoList"},
		{"wrong method", "GET", searchURI, ``, 405, 4, "methodNotAllowed", "methodNotAllowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := start(t, Config{})
			r := c.do(tt.method, tt.uri, tt.body)
			e := checkEnvelope(t, r, tt.httpStatus, tt.statusCode, tt.sub, tt.msg)
			if e.RequestURL != tt.uri {
				t.Errorf("requestURL %q, want %q", e.RequestURL, tt.uri)
			}
			if tt.sub == "badJsonContent" && e.ErrorCode != 1610612759 {
				t.Errorf("badJsonContent errorCode %d, want 1610612759", e.ErrorCode)
			}
		})
	}
}

func TestJSONCallWithoutFormatJSON(t *testing.T) {
	_, c := start(t, Config{})
	r := c.do(http.MethodPost, "/ISAPI/AccessControl/UserInfo/Search", searchBody("a", 0, 30))
	x := decodeXMLReply[statusXML](t, r)
	if r.status != http.StatusBadRequest || x.SubStatusCode != "badXmlFormat" || x.StatusCode != 5 {
		t.Errorf("Search without ?format=json: %d %+v", r.status, x)
	}
}
