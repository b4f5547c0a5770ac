package hikvision

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The quirks of DS-KV6124-E1 (times) and DS-K1T341AM (event search), played
// as the real devices showed them.

func TestValidOffsetIsPrintedAfterTheLocalDigits(t *testing.T) {
	term, c := start(t, Config{Quirks: Quirks{ValidOffset: "+00:00"}})
	utc := ziga()
	utc.EmployeeNo, utc.Valid.TimeType, utc.Valid.BeginTime, utc.Valid.EndTime = "7", "UTC", "2024-03-03T23:00:00Z", "2025-10-01T21:59:59Z"
	term.SetPersons([]Person{ziga(), utc})
	r := c.do(http.MethodPost, searchURI, searchBody("s", 0, 30))
	got := decodeJSONReply[struct {
		UserInfoSearch struct{ UserInfo []userInfoOut }
	}](t, r).UserInfoSearch.UserInfo
	if len(got) != 2 {
		t.Fatalf("reply %s", r.body)
	}
	if v := got[0].Valid; v.BeginTime != "2024-03-04T00:00:00+00:00" || v.EndTime != "2025-10-01T23:59:59+00:00" || v.TimeType != "local" {
		t.Errorf("local Valid printed as %+v", v)
	}
	if v := got[1].Valid; v.BeginTime != "2024-03-03T23:00:00Z" || v.TimeType != "UTC" {
		t.Errorf("UTC Valid printed as %+v: the offset belongs to local times only", v)
	}
	// The terminal stores and takes digits without an offset, as ever.
	if r := c.do(http.MethodPut, modifyURI, specModify); r.status != http.StatusOK {
		t.Fatalf("Modify: %d %s", r.status, r.body)
	}
	if p, _ := term.Person("1042"); p.Valid.BeginTime != "2024-03-04T00:00:00" || p.Valid.EndTime != "2025-11-01T23:59:59" {
		t.Errorf("stored %+v", p.Valid)
	}
}

func TestRejectBoundsRefusesTheAdvertisedExtremes(t *testing.T) {
	valid := func(begin, end string) string {
		return `{"UserInfo":{"employeeNo":"1042","userType":"normal","Valid":{"enable":true,"beginTime":"` +
			begin + `","endTime":"` + end + `","timeType":"local"}}}`
	}
	for _, tc := range []struct {
		name, body string
		refused    bool
	}{
		{"end at the maximum", valid("2024-03-04T00:00:00", timeRangeEnd), true},
		{"begin at the minimum", valid(timeRangeBegin, "2025-11-01T23:59:59"), true},
		{"both (permanent-like bounds)", valid(timeRangeBegin, timeRangeEnd), true},
		{"a day inside", valid("2000-01-02T00:00:00", "2037-12-30T23:59:59"), false},
		{"a second inside", valid("2024-03-04T00:00:00", "2037-12-31T23:59:58"), false},
		{"end only, stored begin interior", `{"UserInfo":{"employeeNo":"1042","userType":"normal","Valid":{"endTime":"2030-01-01T00:00:00"}}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			term, c := start(t, Config{Quirks: Quirks{RejectBounds: true}})
			term.SetPersons([]Person{ziga()})
			r := c.do(http.MethodPut, modifyURI, tc.body)
			if !tc.refused {
				if r.status != http.StatusOK {
					t.Fatalf("refused: %d %s", r.status, r.body)
				}
				return
			}
			checkEnvelope(t, r, 400, 6, "badJsonContent", "beginTime and endTime")
			if p, _ := term.Person("1042"); p.Valid != ziga().Valid {
				t.Errorf("a refused Modify changed Valid: %+v", p.Valid)
			}
		})
	}
	// Without the quirk the extremes are fine (TestModifyAcceptsEdgesOfTheRange).
}

func TestEventSearchWithoutTimeRangeAndMajor(t *testing.T) {
	q := Quirks{EventNoTimeRange: true, EventMajorRequired: true}
	_, c, _ := eventTerminal(t, Config{Quirks: q})
	checkEnvelope(t, c.do(http.MethodPost, acsEventURI, acsCond(`,"employeeNoString":"1042"`)), 400, 6, "MessageParametersLack", "major")
	checkEnvelope(t, c.do(http.MethodPost, acsEventURI,
		acsCond(`,"major":5,"minor":0,"startTime":"2025-11-03T00:00:00+01:00","endTime":"2025-11-04T00:00:00+01:00"`)),
		400, 6, "badJsonContent", "startTime and endTime")
	checkEnvelope(t, c.do(http.MethodPost, acsEventURI, acsCond(`,"major":5,"startTime":"2025-11-03T00:00:00+01:00"`)),
		400, 6, "badJsonContent", "startTime and endTime")
	r := c.do(http.MethodPost, acsEventURI, acsCond(`,"major":5,"minor":0,"employeeNoString":"1042","timeReverseOrder":true`))
	if got := decodeJSONReply[acsEventReply](t, r).AcsEvent; got.TotalMatches != 3 || !slices.Equal(serials(got.InfoList), []int64{1, 3, 2}) {
		t.Errorf("search without a range: %+v", got)
	}
}

func TestClockResetEventsAreLoggedIn1970(t *testing.T) {
	term, c, day := eventTerminal(t, Config{Quirks: Quirks{ClockResetEvents: 3}})
	var reset []int64
	for _, e := range term.Events() {
		if e.ClockReset {
			reset = append(reset, e.SerialNo)
		}
	}
	if !slices.Equal(reset, []int64{3, 6}) {
		t.Fatalf("events with a reset clock %v, want every third (3, 6)", reset)
	}
	r := c.do(http.MethodPost, acsEventURI, acsCond(`,"employeeNoString":"1042","timeReverseOrder":true`))
	got := decodeJSONReply[acsEventReply](t, r).AcsEvent.InfoList
	var times []string
	for _, e := range got {
		times = append(times, e.Time)
	}
	// serialNo 3 keeps its place in the log (09:00) but prints 1970.
	want := []string{"2025-11-03T10:00:00+01:00", "1970-01-01T09:00:00+01:00", "2025-11-03T08:00:00+01:00"}
	if !slices.Equal(times, want) {
		t.Errorf("times %v, want %v", times, want)
	}
	// A time range is matched against the time as logged.
	from, to := day.Format(time.RFC3339), day.AddDate(0, 0, 1).Format(time.RFC3339)
	r = c.do(http.MethodPost, acsEventURI, acsCond(`,"employeeNoString":"1042","startTime":"`+from+`","endTime":"`+to+`"`))
	if got := decodeJSONReply[acsEventReply](t, r).AcsEvent; got.TotalMatches != 2 || slices.Contains(serials(got.InfoList), 3) {
		t.Errorf("range search: %+v", got)
	}
	if strings.Contains(string(r.body), "1970") {
		t.Errorf("a 1970 event inside a 2025 range: %s", r.body)
	}
}

func TestProfilesOfTimesAndEvents(t *testing.T) {
	kv, err := LookupProfile("kv6124e1")
	if err != nil {
		t.Fatal(err)
	}
	if q := kv.Quirks; q.ValidOffset != "+00:00" || !q.RejectBounds {
		t.Errorf("kv6124e1 quirks %+v", q)
	}
	am, err := LookupProfile("k1t341am")
	if err != nil {
		t.Fatal(err)
	}
	if q := am.Quirks; !q.EventNoTimeRange || !q.EventMajorRequired || q.ClockResetEvents == 0 {
		t.Errorf("k1t341am quirks %+v", q)
	}
}
