package hikvision

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Event is one entry of the terminal's access event log (what AcsEvent
// lists). Major 5 is "event"; its minor codes say what happened, e.g. 75
// face verified, 76 face not matched, 7 not in validity period (HCNetSDK's
// MINOR_* constants).
type Event struct {
	Time       time.Time // zero: the terminal's clock at AddEvent
	Major      int       // default 5
	Minor      int
	EmployeeNo string // "" for door events (opened, closed)
	Name       string // default: the stored person's name
	CardNo     string
	DoorNo     int    // default 1
	ReaderNo   int    // default 1
	VerifyMode string // currentVerifyMode, default "cardOrFace"
	SerialNo   int64  // set by AddEvent: 1, 2, 3…
	// ClockReset is set by AddEvent on firmware with
	// Quirks.ClockResetEvents: the terminal's clock had been reset, so the
	// event is logged (listed, searched) as 1970-01-01 at Time's time of
	// day. Time keeps its place in the log.
	ClockReset bool
}

// logged is the time the terminal wrote into the log for e.
func (t *Terminal) logged(e Event) time.Time {
	if !e.ClockReset {
		return e.Time
	}
	l := e.Time.In(t.cfg.Zone)
	return time.Date(1970, 1, 1, l.Hour(), l.Minute(), l.Second(), 0, t.cfg.Zone)
}

// Event major and minor codes the emulator's callers use.
const (
	MajorEvent          = 0x5
	MinorCardPass       = 0x01 // MINOR_LEGAL_CARD_PASS
	MinorFaceVerified   = 0x4b // MINOR_FACE_VERIFY_PASS
	MinorFaceNotMatched = 0x4c // MINOR_FACE_VERIFY_FAIL
	MinorInvalidPeriod  = 0x07 // MINOR_CARD_INVALID_PERIOD: "not in validity period"
	MinorExpired        = 0x08 // MINOR_CARD_OUT_OF_DATE
	MinorDoorOpened     = 0x19 // MINOR_DOOR_OPEN_NORMAL
)

// AddEvent logs an event and returns it as stored (with its serial number
// and defaults). The log is kept in time order whatever order events are
// added in; past MaxEvents the oldest is dropped.
func (t *Terminal) AddEvent(e Event) Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e.Time.IsZero() {
		e.Time = t.localNow()
	}
	if e.Major == 0 {
		e.Major = MajorEvent
	}
	if e.DoorNo == 0 {
		e.DoorNo = 1
	}
	if e.ReaderNo == 0 {
		e.ReaderNo = 1
	}
	if e.VerifyMode == "" {
		e.VerifyMode = "cardOrFace"
	}
	if i, ok := t.index[e.EmployeeNo]; ok && e.Name == "" && e.EmployeeNo != "" {
		e.Name = t.persons[i].Name
	}
	t.lastSerial++
	e.SerialNo = t.lastSerial
	if n := t.cfg.Quirks.ClockResetEvents; n > 0 && e.SerialNo%int64(n) == 0 {
		e.ClockReset = true
	}
	at, _ := slices.BinarySearchFunc(t.events, e, func(x, y Event) int {
		if c := x.Time.Compare(y.Time); c != 0 {
			return c
		}
		return cmp.Compare(x.SerialNo, y.SerialNo)
	})
	t.events = slices.Insert(t.events, at, e)
	if n := len(t.events) - t.cfg.MaxEvents; n > 0 {
		t.events = slices.Delete(t.events, 0, n)
	}
	return e
}

// Events returns the event log, oldest first.
func (t *Terminal) Events() []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.events)
}

// acsEventOut is one InfoList entry, field for field as face terminals
// send them (recorded replies in public integrations), including fields a
// client does not model.
type acsEventOut struct {
	Major            int    `json:"major"`
	Minor            int    `json:"minor"`
	Time             string `json:"time"`
	CardNo           string `json:"cardNo,omitempty"`
	CardType         int    `json:"cardType,omitempty"`
	Name             string `json:"name,omitempty"`
	CardReaderNo     int    `json:"cardReaderNo"`
	DoorNo           int    `json:"doorNo"`
	EmployeeNoString string `json:"employeeNoString,omitempty"`
	Type             int    `json:"type"`
	SerialNo         int64  `json:"serialNo"`
	UserType         string `json:"userType,omitempty"`
	VerifyMode       string `json:"currentVerifyMode"`
	Mask             string `json:"mask"`
	AttendanceStatus string `json:"attendanceStatus"`
	StatusValue      int    `json:"statusValue"`
}

func (t *Terminal) eventOut(e Event) acsEventOut {
	o := acsEventOut{Major: e.Major, Minor: e.Minor, Time: t.logged(e).In(t.cfg.Zone).Format("2006-01-02T15:04:05-07:00"),
		CardNo: e.CardNo, Name: e.Name, CardReaderNo: e.ReaderNo, DoorNo: e.DoorNo, EmployeeNoString: e.EmployeeNo,
		SerialNo: e.SerialNo, VerifyMode: e.VerifyMode, Mask: "no", AttendanceStatus: "undefined"}
	if e.CardNo != "" {
		o.CardType = 1
	}
	if e.EmployeeNo != "" {
		o.UserType = "normal"
	}
	return o
}

// eventCond is a decoded, validated AcsEventCond.
type eventCond struct {
	searchID     string
	position     int
	max          int
	major, minor int // 0: any
	start, end   time.Time
	employeeNo   string
	newestFirst  bool
}

// parseCondTime reads startTime/endTime: ISO 8601 with an offset (as the
// ISAPI guide writes them) or terminal local time without one.
func parseCondTime(s string, zone *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation(localLayout, s, zone); err == nil {
		return t, true
	}
	return time.Time{}, false
}

func (t *Terminal) decodeEventCond(body []byte) (eventCond, *apiError) {
	var req struct {
		Cond *struct {
			SearchID             *string `json:"searchID"`
			SearchResultPosition *int    `json:"searchResultPosition"`
			MaxResults           *int    `json:"maxResults"`
			Major                *int    `json:"major"`
			Minor                *int    `json:"minor"`
			StartTime            *string `json:"startTime"`
			EndTime              *string `json:"endTime"`
			EmployeeNoString     *string `json:"employeeNoString"`
			TimeReverseOrder     *bool   `json:"timeReverseOrder"`
		} `json:"AcsEventCond"`
	}
	if e := decodeJSON(body, &req); e != nil {
		return eventCond{}, e
	}
	c := req.Cond
	switch {
	case c == nil:
		return eventCond{}, paramsLack("AcsEventCond")
	case c.SearchID == nil || *c.SearchID == "":
		return eventCond{}, paramsLack("searchID")
	case c.SearchResultPosition == nil:
		return eventCond{}, paramsLack("searchResultPosition")
	case c.MaxResults == nil:
		return eventCond{}, paramsLack("maxResults")
	case *c.SearchResultPosition < 0:
		return eventCond{}, badJSONContent("searchResultPosition")
	case *c.MaxResults < 1:
		return eventCond{}, badJSONContent("maxResults")
	case c.Major != nil && *c.Major < 0:
		return eventCond{}, badJSONContent("major")
	case c.Minor != nil && *c.Minor < 0:
		return eventCond{}, badJSONContent("minor")
	}
	switch q := t.cfg.Quirks; {
	case q.EventMajorRequired && c.Major == nil:
		return eventCond{}, paramsLack("major")
	case q.EventNoTimeRange && (c.StartTime != nil || c.EndTime != nil):
		return eventCond{}, badJSONContent("startTime and endTime")
	}
	out := eventCond{searchID: *c.SearchID, position: *c.SearchResultPosition, max: *c.MaxResults}
	if c.Major != nil {
		out.major = *c.Major
	}
	if c.Minor != nil {
		out.minor = *c.Minor
	}
	if c.StartTime != nil {
		v, ok := parseCondTime(*c.StartTime, t.cfg.Zone)
		if !ok {
			return eventCond{}, badJSONContent("startTime")
		}
		out.start = v
	}
	if c.EndTime != nil {
		v, ok := parseCondTime(*c.EndTime, t.cfg.Zone)
		if !ok {
			return eventCond{}, badJSONContent("endTime")
		}
		out.end = v
	}
	if !out.start.IsZero() && !out.end.IsZero() && out.end.Before(out.start) {
		return eventCond{}, badJSONContent("startTime and endTime")
	}
	if c.EmployeeNoString != nil && !t.cfg.IgnoreEventEmployeeNo {
		if len(*c.EmployeeNoString) > maxEmployeeNo {
			return eventCond{}, badJSONContent("employeeNoString")
		}
		out.employeeNo = *c.EmployeeNoString
	}
	out.newestFirst = c.TimeReverseOrder != nil && *c.TimeReverseOrder && !t.cfg.EventsOldestFirst
	return out, nil
}

// matches filters by the time as logged: an event logged with a reset clock
// is outside any range that does not reach back to 1970.
func (c eventCond) matches(e Event, logged time.Time) bool {
	return (c.major == 0 || e.Major == c.major) && (c.minor == 0 || e.Minor == c.minor) &&
		(c.start.IsZero() || !logged.Before(c.start)) && (c.end.IsZero() || !logged.After(c.end)) &&
		(c.employeeNo == "" || e.EmployeeNo == c.employeeNo)
}

// handleAcsEvent searches the event log: filtered by type, time range and
// person, oldest first unless timeReverseOrder (and the firmware knows it),
// paged by position with the page cap applied silently, as UserInfo Search.
func (t *Terminal) handleAcsEvent(w http.ResponseWriter, r *http.Request) {
	body, e := readBody(r)
	var cond eventCond
	if e == nil {
		cond, e = t.decodeEventCond(body)
	}
	if e != nil {
		writeError(w, r, e)
		return
	}
	type acsEvent struct {
		SearchID           string        `json:"searchID"`
		ResponseStatusStrg string        `json:"responseStatusStrg"`
		NumOfMatches       int           `json:"numOfMatches"`
		TotalMatches       int           `json:"totalMatches"`
		InfoList           []acsEventOut `json:"InfoList"`
	}
	t.mu.Lock()
	var matches []Event
	for _, ev := range t.events {
		if cond.matches(ev, t.logged(ev)) {
			matches = append(matches, ev)
		}
	}
	if cond.newestFirst {
		slices.Reverse(matches)
	}
	res := acsEvent{SearchID: cond.searchID, TotalMatches: len(matches), ResponseStatusStrg: "NO MATCH", InfoList: []acsEventOut{}}
	if cond.position < len(matches) {
		end := min(len(matches), cond.position+min(cond.max, t.cfg.MaxResults))
		for _, ev := range matches[cond.position:end] {
			res.InfoList = append(res.InfoList, t.eventOut(ev))
		}
		res.NumOfMatches = len(res.InfoList)
		res.ResponseStatusStrg = "OK"
		if end < len(matches) {
			res.ResponseStatusStrg = "MORE"
		}
	}
	t.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		AcsEvent acsEvent `json:"AcsEvent"`
	}{res})
}
