package hikvision

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
)

func TestDeviceInfoJSON(t *testing.T) {
	term, c := start(t, Config{Model: "DS-K1T341AM", Serial: "DS-K1T341AM20230101CCWRJ00000042", Firmware: "V3.14.0 build 240101"})
	r := c.do(http.MethodGet, deviceInfoURI+"?format=json", "")
	doc := decodeJSONReply[struct {
		DeviceInfo deviceInfo `json:"DeviceInfo"`
	}](t, r)
	di := doc.DeviceInfo
	if di.Model != "DS-K1T341AM" || di.SerialNumber != term.Serial() || term.Serial() != "DS-K1T341AM20230101CCWRJ00000042" ||
		di.FirmwareVersion != "V3.14.0" || di.FirmwareReleasedDate != "build 240101" || di.DeviceType != "ACS" {
		t.Errorf("deviceInfo %+v", di)
	}
	// The realm follows the model unless configured.
	if ch := c.chal; ch.Realm != "DS-K1T341AM" {
		t.Errorf("realm %q", ch.Realm)
	}
}

func TestDefaultSerialIsStablePerUser(t *testing.T) {
	clk := clocktest.Start(t)
	a, b, other := New(Config{Username: "admin", Clock: clk}), New(Config{Username: "admin", Clock: clk}), New(Config{Username: "door2", Clock: clk})
	if a.Serial() != b.Serial() || a.Serial() == other.Serial() || !strings.HasPrefix(a.Serial(), "DS-K1T671MF") {
		t.Errorf("serials %q %q %q", a.Serial(), b.Serial(), other.Serial())
	}
}

func TestTime(t *testing.T) {
	tests := []struct {
		name      string
		skew      time.Duration
		wantLocal string
		wantMode  string
	}{
		{"in sync", 0, "2025-11-01T10:00:00+01:00", "NTP"},
		{"ahead", 90 * time.Second, "2025-11-01T10:01:30+01:00", "manual"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := start(t, Config{Clock: manualClock(), ClockSkew: tt.skew})
			r := c.do(http.MethodGet, "/ISAPI/System/time", "")
			doc := decodeXMLReply[timeDoc](t, r)
			want := timeDoc{XMLName: doc.XMLName, Version: "2.0", XMLNS: doc.XMLNS, TimeMode: tt.wantMode, LocalTime: tt.wantLocal,
				TimeZone: "CST-1:00:00DST01:00:00,M3.5.0/02:00:00,M10.5.0/03:00:00"}
			if doc != want || doc.XMLName.Local != "Time" || doc.XMLName.Space != xmlNS {
				t.Errorf("time\n got %+v\nwant %+v", doc, want)
			}
		})
	}
}

func TestHikTimeZone(t *testing.T) {
	tests := []struct {
		zone string
		want string
	}{
		{"Europe/Ljubljana", "CST-1:00:00DST01:00:00,M3.5.0/02:00:00,M10.5.0/03:00:00"},
		{"UTC", "CST0:00:00"},
		{"Asia/Tokyo", "CST-9:00:00"},
		{"Asia/Kolkata", "CST-5:30:00"},
		{"America/New_York", "CST5:00:00DST01:00:00,M3.2.0/02:00:00,M11.1.0/02:00:00"},
		{"Australia/Sydney", "CST-10:00:00DST01:00:00,M10.1.0/02:00:00,M4.1.0/03:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			if got := hikTimeZone(loc, 2025); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCapabilitiesAndCount(t *testing.T) {
	term, c := start(t, Config{MaxRecords: 3000})
	ps := makePersons(4)
	ps[3].NumOfFace, ps[2].NumOfCard = 0, 0
	term.SetPersons(ps)

	caps := decodeJSONReply[struct {
		UserInfo struct {
			SupportFunction struct {
				Opt string `json:"@opt"`
			} `json:"supportFunction"`
			MaxRecordNum       int `json:"maxRecordNum"`
			UserInfoSearchCond struct {
				EmployeeNoList struct {
					MaxSize int `json:"maxSize"`
				} `json:"EmployeeNoList"`
			} `json:"UserInfoSearchCond"`
			Valid struct {
				TimeRangeBegin string `json:"timeRangeBegin"`
				TimeRangeEnd   string `json:"timeRangeEnd"`
				TimeType       struct {
					Opt string `json:"@opt"`
				} `json:"timeType"`
			} `json:"Valid"`
		} `json:"UserInfo"`
	}](t, c.do(http.MethodGet, "/ISAPI/AccessControl/UserInfo/capabilities?format=json", "")).UserInfo
	if caps.SupportFunction.Opt != "post,delete,put,get,setUp" || caps.MaxRecordNum != 3000 ||
		caps.UserInfoSearchCond.EmployeeNoList.MaxSize != 30 || caps.Valid.TimeRangeBegin != "2000-01-01T00:00:00" ||
		caps.Valid.TimeRangeEnd != "2037-12-31T23:59:59" || caps.Valid.TimeType.Opt != "local,UTC" {
		t.Errorf("capabilities %+v", caps)
	}
	r := c.do(http.MethodGet, "/ISAPI/AccessControl/UserInfo/capabilities?format=json", "")
	if !strings.Contains(string(r.body), `"maxResults":{"@max":30,"@min":1}`) {
		t.Errorf("maxResults capability: %s", r.body)
	}

	r = c.do(http.MethodGet, countURI, "")
	if string(r.body) != `{"UserInfoCount":{"userNumber":4,"bindFaceUserNumber":3,"bindCardUserNumber":3}}` {
		t.Errorf("Count: %s", r.body)
	}
}

func TestAcsEvent(t *testing.T) {
	const uri = "/ISAPI/AccessControl/AcsEvent?format=json"
	_, c := start(t, Config{})
	r := c.do(http.MethodPost, uri, `{"AcsEventCond":{"searchID":"ev1","searchResultPosition":0,"maxResults":30,"major":5,"minor":0}}`)
	if r.status != http.StatusOK || string(r.body) != `{"AcsEvent":{"searchID":"ev1","responseStatusStrg":"NO MATCH","numOfMatches":0,"totalMatches":0,"InfoList":[]}}` {
		t.Errorf("AcsEvent: %d %s", r.status, r.body)
	}
	checkEnvelope(t, c.do(http.MethodPost, uri, `{"AcsEventCond":{"searchID":"ev1"}}`), 400, 6, "MessageParametersLack", "searchResultPosition")
}

func TestUnknownPathAndWrongMethod(t *testing.T) {
	_, c := start(t, Config{})
	r := c.do(http.MethodGet, "/ISAPI/AccessControl/UserInfoDetail/Delete?format=json", "")
	x := decodeXMLReply[statusXML](t, r)
	if r.status != http.StatusNotFound || x.StatusCode != 4 || x.SubStatusCode != "notSupport" ||
		x.RequestURL != "/ISAPI/AccessControl/UserInfoDetail/Delete?format=json" || x.ErrorCode != 0x40000001 {
		t.Errorf("unknown path: %d %+v", r.status, x)
	}
	r = c.do(http.MethodPost, deviceInfoURI, "<x/>")
	x = decodeXMLReply[statusXML](t, r)
	if r.status != http.StatusMethodNotAllowed || x.SubStatusCode != "methodNotAllowed" || r.header.Get("Allow") != "GET" {
		t.Errorf("wrong method: %d %+v", r.status, x)
	}
}

func TestScriptReply(t *testing.T) {
	term, c := start(t, Config{})
	term.SetPersons([]Person{ziga()})
	term.ScriptReply("/ISAPI/AccessControl/UserInfo/Modify", 200, `{"UserInfoOutList":{"UserInfoOut":[{"employeeNo":"1042","statusCode":6}]}}`)
	term.ScriptReply("/ISAPI/AccessControl/UserInfo/Modify", 500, `oops`)
	c.prime()
	// An unauthenticated request does not consume a script.
	if r := c.raw(http.MethodPut, modifyURI, specModify, ""); r.status != http.StatusUnauthorized {
		t.Fatalf("no credentials: %d", r.status)
	}
	want := []struct {
		status int
		body   string
	}{
		{200, `{"UserInfoOutList":{"UserInfoOut":[{"employeeNo":"1042","statusCode":6}]}}`},
		{500, "oops"},
		{200, `{"statusCode":1,"statusString":"OK","subStatusCode":"ok"}`},
	}
	for i, w := range want {
		r := c.do(http.MethodPut, modifyURI, specModify)
		if r.status != w.status || string(r.body) != w.body {
			t.Errorf("reply %d: %d %s, want %d %s", i+1, r.status, r.body, w.status, w.body)
		}
	}
	if p, _ := term.Person("1042"); p.Valid.EndTime != "2025-11-01T23:59:59" {
		t.Errorf("only the unscripted Modify must apply; stored %+v", p.Valid)
	}
}
