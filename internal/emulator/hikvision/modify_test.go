package hikvision

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/emulator"
)

const modifyURI = "/ISAPI/AccessControl/UserInfo/Modify?format=json"

// specModify is the spec's Modify body: only employeeNo, userType and Valid.
const specModify = `{"UserInfo":{"employeeNo":"1042","userType":"normal",` +
	`"Valid":{"enable":true,"beginTime":"2024-03-04T00:00:00","endTime":"2025-11-01T23:59:59","timeType":"local"}}}`

func ziga() Person {
	return Person{
		EmployeeNo: "1042", Name: "Ziga Ceh", UserType: "normal", Gender: "male",
		Valid:     Valid{Enable: true, BeginTime: "2024-03-04T00:00:00", EndTime: "2025-10-01T23:59:59", TimeType: "local"},
		DoorRight: "1", RightPlan: []RightPlan{{DoorNo: 1, PlanTemplateNo: "1"}, {DoorNo: 2, PlanTemplateNo: "3"}},
		Extends: []Extend{{Value: "ziga.ceh@example.si"}}, NumOfCard: 1, NumOfFace: 1,
		Password: "4711", BelongGroup: "1", LocalUIRight: true,
	}
}

func TestModifyChangesOnlyWhatWasSent(t *testing.T) {
	log := &emulator.RequestLog{}
	term, c := start(t, Config{Log: log})
	term.SetPersons([]Person{ziga(), makePersons(1)[0]})

	r := c.do(http.MethodPut, modifyURI, specModify)
	if r.status != http.StatusOK || string(r.body) != `{"statusCode":1,"statusString":"OK","subStatusCode":"ok"}` {
		t.Fatalf("Modify: %d %s", r.status, r.body)
	}
	want := ziga()
	want.Valid.EndTime = "2025-11-01T23:59:59"
	got, ok := term.Person("1042")
	if !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("after Modify\n got %+v\nwant %+v", got, want)
	}
	if other, _ := term.Person("1"); !reflect.DeepEqual(other, makePersons(1)[0]) {
		t.Errorf("Modify touched another person: %+v", other)
	}
	// Read back through Search, as the sync does.
	rb := c.do(http.MethodPost, searchURI, searchBody("rb", 0, 30, "1042"))
	if !strings.Contains(string(rb.body), `"endTime":"2025-11-01T23:59:59"`) {
		t.Errorf("read-back lacks the new end: %s", rb.body)
	}
	// The request log shows exactly what was sent.
	var bodies []string
	for _, e := range log.Entries() {
		if e.Method == http.MethodPut && e.Path == "/ISAPI/AccessControl/UserInfo/Modify" && e.Status == http.StatusOK {
			bodies = append(bodies, string(e.Body))
			if e.Query != "format=json" || e.AuthScheme != "Digest" {
				t.Errorf("logged Modify %+v", e)
			}
		}
	}
	if len(bodies) != 1 || bodies[0] != specModify {
		t.Errorf("logged Modify bodies %q, want exactly the one sent", bodies)
	}
	if n := log.Count(func(e emulator.Request) bool { return strings.Contains(e.Path, "/Delete") }); n != 0 {
		t.Errorf("Delete was called %d times", n)
	}
}

func TestModifyArraysReplace(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		check func(p Person) bool
	}{
		{"empty RightPlan wipes the door plans", `"RightPlan":[]`,
			func(p Person) bool { return len(p.RightPlan) == 0 && len(p.Extends) == 1 }},
		{"one RightPlan replaces both", `"RightPlan":[{"doorNo":4,"planTemplateNo":"9"}]`,
			func(p Person) bool {
				return reflect.DeepEqual(p.RightPlan, []RightPlan{{DoorNo: 4, PlanTemplateNo: "9"}})
			}},
		{"PersonInfoExtends replaced, e-mail gone", `"PersonInfoExtends":[{"name":"note","value":"x"}]`,
			func(p Person) bool { return reflect.DeepEqual(p.Extends, []Extend{{Name: "note", Value: "x"}}) }},
		{"password overwritten", `"password":""`, func(p Person) bool { return p.Password == "" }},
		{"doorRight and name overwritten", `"doorRight":"2","name":"Zi"`,
			func(p Person) bool { return p.DoorRight == "2" && p.Name == "Zi" && len(p.RightPlan) == 2 }},
		{"read-only counters ignored", `"numOfCard":0,"numOfFace":0`,
			func(p Person) bool { return p.NumOfCard == 1 && p.NumOfFace == 1 }},
		{"null array is not sent", `"RightPlan":null`, func(p Person) bool { return len(p.RightPlan) == 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term, c := start(t, Config{})
			term.SetPersons([]Person{ziga()})
			body := `{"UserInfo":{"employeeNo":"1042","userType":"normal",` + tt.extra + `}}`
			if r := c.do(http.MethodPut, modifyURI, body); r.status != http.StatusOK {
				t.Fatalf("%d %s", r.status, r.body)
			}
			p, _ := term.Person("1042")
			if !tt.check(p) {
				t.Errorf("stored %+v", p)
			}
			if p.Valid != ziga().Valid {
				t.Errorf("Valid changed though not sent: %+v", p.Valid)
			}
		})
	}
}

func TestModifyErrors(t *testing.T) {
	valid := func(begin, end, tt string) string {
		return `{"UserInfo":{"employeeNo":"1042","userType":"normal","Valid":{"enable":true,"beginTime":"` +
			begin + `","endTime":"` + end + `","timeType":"` + tt + `"}}}`
	}
	tests := []struct {
		name       string
		body       string
		httpStatus int
		statusCode int
		sub        string
		msg        string
		errorCode  int
	}{
		{"unknown person: HTTP 200", strings.Replace(specModify, "1042", "9999", 1), 200, 6, "employeeNoNotExist", "", 0},
		{"end after the range", valid("2024-03-04T00:00:00", "2038-01-01T00:00:00", "local"), 400, 6, "badJsonContent", "beginTime and endTime", 1610612759},
		{"begin before the range", valid("1999-12-31T23:59:59", "2025-11-01T23:59:59", "local"), 400, 6, "badJsonContent", "beginTime and endTime", 0},
		{"end before begin", valid("2025-11-02T00:00:00", "2025-11-01T23:59:59", "local"), 400, 6, "badJsonContent", "beginTime and endTime", 0},
		{"missing userType", `{"UserInfo":{"employeeNo":"1042","Valid":{"endTime":"2025-11-01T23:59:59"}}}`, 400, 6, "MessageParametersLack", "userType", 1610612761},
		{"missing employeeNo", `{"UserInfo":{"userType":"normal"}}`, 400, 6, "MessageParametersLack", "employeeNo", 0},
		{"missing UserInfo", `{"userInfo2":{}}`, 400, 6, "MessageParametersLack", "UserInfo", 0},
		{"offset on a local time", valid("2024-03-04T00:00:00", "2025-11-01T23:59:59+01:00", "local"), 400, 6, "badJsonContent", "endTime", 0},
		{"fraction on a local time", valid("2024-03-04T00:00:00.5", "2025-11-01T23:59:59", "local"), 400, 6, "badJsonContent", "beginTime", 0},
		{"impossible date", valid("2024-03-04T00:00:00", "2025-02-30T23:59:59", "local"), 400, 6, "badJsonContent", "endTime", 0},
		{"date only", valid("2024-03-04", "2025-11-01T23:59:59", "local"), 400, 6, "badJsonContent", "beginTime", 0},
		{"unknown timeType", valid("2024-03-04T00:00:00", "2025-11-01T23:59:59", "GMT"), 400, 6, "badJsonContent", "timeType", 0},
		{"UTC without zone", valid("2024-03-04T00:00:00", "2025-11-01T23:59:59", "UTC"), 400, 6, "badJsonContent", "beginTime", 0},
		{"enable as string", `{"UserInfo":{"employeeNo":"1042","userType":"normal","Valid":{"enable":"true"}}}`, 400, 6, "badJsonContent", "enable", 0},
		{"unknown userType", `{"UserInfo":{"employeeNo":"1042","userType":"member"}}`, 400, 6, "badJsonContent", "userType", 0},
		{"employeeNo too long", `{"UserInfo":{"employeeNo":"` + strings.Repeat("9", 33) + `","userType":"normal"}}`, 400, 6, "badJsonContent", "employeeNo", 0},
		{"invalid JSON", `{"UserInfo":{"employeeNo":"1042",`, 400, 6, "badJsonContent", "", 1610612759},
		{"array instead of object", `{"UserInfo":[]}`, 400, 6, "badJsonContent", "UserInfo", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term, c := start(t, Config{})
			term.SetPersons([]Person{ziga()})
			e := checkEnvelope(t, c.do(http.MethodPut, modifyURI, tt.body), tt.httpStatus, tt.statusCode, tt.sub, tt.msg)
			if e.RequestURL != modifyURI {
				t.Errorf("requestURL %q", e.RequestURL)
			}
			if tt.errorCode != 0 && e.ErrorCode != tt.errorCode {
				t.Errorf("errorCode %d, want %d", e.ErrorCode, tt.errorCode)
			}
			if p, _ := term.Person("1042"); !reflect.DeepEqual(p, ziga()) {
				t.Errorf("a rejected Modify changed the person: %+v", p)
			}
		})
	}
}

func TestModifyAcceptsEdgesOfTheRange(t *testing.T) {
	tests := []struct{ name, valid, wantEnd string }{
		{"range extremes", `{"enable":true,"beginTime":"2000-01-01T00:00:00","endTime":"2037-12-31T23:59:59","timeType":"local"}`, "2037-12-31T23:59:59"},
		{"end only, begin kept", `{"endTime":"2026-01-31T23:59:59"}`, "2026-01-31T23:59:59"},
		{"UTC with zone", `{"enable":true,"beginTime":"2024-03-04T00:00:00Z","endTime":"2025-11-01T22:59:59Z","timeType":"UTC"}`, "2025-11-01T22:59:59Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term, c := start(t, Config{})
			term.SetPersons([]Person{ziga()})
			r := c.do(http.MethodPut, modifyURI, `{"UserInfo":{"employeeNo":"1042","userType":"normal","Valid":`+tt.valid+`}}`)
			if r.status != http.StatusOK {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if p, _ := term.Person("1042"); p.Valid.EndTime != tt.wantEnd || p.Valid.BeginTime == "" {
				t.Errorf("stored Valid %+v, want end %s", p.Valid, tt.wantEnd)
			}
		})
	}
}

func TestRecordSetUpDelete(t *testing.T) {
	const (
		recordURI = "/ISAPI/AccessControl/UserInfo/Record?format=json"
		setUpURI  = "/ISAPI/AccessControl/UserInfo/SetUp?format=json"
		deleteURI = "/ISAPI/AccessControl/UserInfo/Delete?format=json"
	)
	newPerson := func(no string) string {
		return `{"UserInfo":{"employeeNo":"` + no + `","name":"New","userType":"visitor",` +
			`"Valid":{"enable":true,"beginTime":"2025-01-01T00:00:00","endTime":"2025-12-31T23:59:59","timeType":"local"}}}`
	}
	log := &emulator.RequestLog{}
	term, c := start(t, Config{MaxRecords: 4, Log: log})
	term.SetPersons(makePersons(2))

	if r := c.do(http.MethodPost, recordURI, newPerson("3")); r.status != http.StatusOK {
		t.Fatalf("Record: %d %s", r.status, r.body)
	}
	if p, ok := term.Person("3"); !ok || p.UserType != "visitor" || p.Name != "New" || p.Valid.EndTime != "2025-12-31T23:59:59" {
		t.Errorf("recorded %+v", p)
	}
	checkEnvelope(t, c.do(http.MethodPost, recordURI, newPerson("3")), 200, 6, "employeeNoAlreadyExist", "")
	checkEnvelope(t, c.do(http.MethodPost, recordURI, `{"UserInfo":{"employeeNo":"5","userType":"normal"}}`), 400, 6, "MessageParametersLack", "Valid")

	// SetUp edits an existing person and creates a new one.
	if r := c.do(http.MethodPut, setUpURI, `{"UserInfo":{"employeeNo":"1","userType":"blackList"}}`); r.status != http.StatusOK {
		t.Fatalf("SetUp existing: %d %s", r.status, r.body)
	}
	if p, _ := term.Person("1"); p.UserType != "blackList" || p.Name != "Person 1" {
		t.Errorf("SetUp existing: %+v", p)
	}
	if r := c.do(http.MethodPut, setUpURI, newPerson("4")); r.status != http.StatusOK {
		t.Fatalf("SetUp new: %d %s", r.status, r.body)
	}
	checkEnvelope(t, c.do(http.MethodPost, recordURI, newPerson("5")), 200, 6, "deviceUserFull", "")
	if got := len(term.Persons()); got != 4 {
		t.Errorf("%d persons after a refused Record, want 4", got)
	}

	// Delete with a list deletes those; with an empty list, everyone.
	if r := c.do(http.MethodPut, deleteURI, `{"UserInfoDelCond":{"EmployeeNoList":[{"employeeNo":"2"}]}}`); r.status != http.StatusOK {
		t.Fatalf("Delete: %d %s", r.status, r.body)
	}
	var left []string
	for _, p := range term.Persons() {
		left = append(left, p.EmployeeNo)
	}
	if strings.Join(left, ",") != "1,3,4" {
		t.Errorf("after deleting 2: %v (storage order must hold)", left)
	}
	checkEnvelope(t, c.do(http.MethodPut, deleteURI, `{}`), 400, 6, "MessageParametersLack", "UserInfoDelCond")
	if r := c.do(http.MethodPut, deleteURI, `{"UserInfoDelCond":{"EmployeeNoList":[]}}`); r.status != http.StatusOK {
		t.Fatalf("Delete all: %d %s", r.status, r.body)
	}
	if n := len(term.Persons()); n != 0 {
		t.Errorf("an empty EmployeeNoList left %d persons; the real terminal deletes everyone", n)
	}
	if n := log.Count(func(e emulator.Request) bool { return e.Path == "/ISAPI/AccessControl/UserInfo/Delete" }); n != 3 {
		t.Errorf("log counts %d Delete requests, want 3", n)
	}
}
