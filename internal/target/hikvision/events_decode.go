package hikvision

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/lenient"
)

// AcsEvent is one entry of a terminal's access event log (AcsEvent
// InfoList). Only what the console shows is decoded.
type AcsEvent struct {
	Major, Minor int
	Time         time.Time // in the site zone
	EmployeeNo   string    // employeeNoString (employeeNo on older firmware); "" for door events
	Name         string
	CardNo       string
	DoorNo       int // 0 when not sent
	ReaderNo     int // cardReaderNo; 0 when not sent
	VerifyMode   string
	SerialNo     int64 // the log's own sequence number; 0 when not sent
	// ClockReset: the terminal logged the event with its clock reset (year
	// 1970 or before). Time is zero: when it happened is unknown, and the
	// event cannot be placed in a window or an order.
	ClockReset bool
	// BadDate: the event is dated beyond any clock's plausible year (after
	// 2100: a clock set wrong, a corrupt record). Time is zero, as above.
	BadDate bool
}

// resetYear is where a terminal's clock starts after a reset (the Unix
// epoch); an event dated then or before says nothing about when it was.
const resetYear = 1970

// clockReset reports a time text dated resetYear or before, whatever
// follows the year (even 1969 once an offset is applied).
func clockReset(s string) bool {
	y := eventYear(s)
	return y >= 0 && y <= resetYear
}

// eventYear is the year an event's time starts with (-1 if it does not
// start with one).
func eventYear(s string) int {
	v := strings.TrimSpace(s)
	if len(v) < 5 || v[4] != '-' {
		return -1
	}
	y, err := strconv.Atoi(v[:4])
	if err != nil || y < 0 {
		return -1
	}
	return y
}

// EventPage is one page of an AcsEvent search, checked in itself like a
// SearchPage: a known status, numOfMatches equal to the events returned,
// MORE with at least one event, NO MATCH with none.
type EventPage struct {
	SearchID     string
	Status       string // StatusMore, StatusOK or StatusNoMatch
	NumOfMatches int
	TotalMatches int
	Events       []AcsEvent
}

// decodeEventPage reads an AcsEvent reply:
//
//	{"AcsEvent":{"searchID":"…","responseStatusStrg":"MORE","numOfMatches":30,"totalMatches":1390,
//	  "InfoList":[{"major":5,"minor":75,"time":"2026-01-26T22:24:45+02:00","cardType":1,"name":"…",
//	    "cardReaderNo":1,"doorNo":1,"employeeNoString":"1","type":0,"serialNo":30,"userType":"normal",
//	    "currentVerifyMode":"cardOrFace","mask":"no","pictureURL":"…"}]}}
//
// (the shape recorded from real face terminals in public integrations; the
// ISAPI guide documents the same fields). Numbers may arrive as strings,
// InfoList as a lone object, employeeNo as a number on older firmware. An
// event whose time cannot be read makes the page unreadable: the page could
// not be ordered, and leaving it out would hide an event. An event dated
// 1970 (the terminal's clock had been reset, DS-K1T341AM) is read with
// ClockReset set: it is unusable, not the page.
func decodeEventPage(body []byte, zone *time.Location) (EventPage, error) {
	var w struct {
		AcsEvent *struct {
			SearchID           lenient.String  `json:"searchID"`
			ResponseStatusStrg lenient.String  `json:"responseStatusStrg"`
			NumOfMatches       *lenient.Int    `json:"numOfMatches"`
			TotalMatches       *lenient.Int    `json:"totalMatches"`
			InfoList           json.RawMessage `json:"InfoList"`
		} `json:"AcsEvent"`
	}
	if err := json.Unmarshal(trimBody(body), &w); err != nil {
		return EventPage{}, fmt.Errorf("event reply: %w", err)
	}
	a := w.AcsEvent
	if a == nil {
		return EventPage{}, errors.New("event reply has no AcsEvent object")
	}
	status, err := normalizeStatus(string(a.ResponseStatusStrg))
	if err != nil {
		return EventPage{}, err
	}
	raws, err := lenient.Objects(a.InfoList)
	if err != nil {
		return EventPage{}, fmt.Errorf("InfoList: %w", err)
	}
	p := EventPage{SearchID: clip(string(a.SearchID)), Status: status}
	for i, raw := range raws {
		e, err := decodeAcsEvent(raw, zone)
		if err != nil {
			return EventPage{}, fmt.Errorf("event #%d of the page: %w", i+1, err)
		}
		p.Events = append(p.Events, e)
	}
	if status == StatusNoMatch {
		if len(p.Events) > 0 {
			return EventPage{}, fmt.Errorf("status NO MATCH with %d events", len(p.Events))
		}
		if a.TotalMatches != nil {
			p.TotalMatches = max(int(*a.TotalMatches), 0)
		}
		return p, nil
	}
	if a.NumOfMatches == nil || a.TotalMatches == nil {
		return EventPage{}, fmt.Errorf("status %s without numOfMatches and totalMatches", status)
	}
	p.NumOfMatches, p.TotalMatches = int(*a.NumOfMatches), int(*a.TotalMatches)
	switch {
	case p.NumOfMatches < 0 || p.TotalMatches < 0:
		return EventPage{}, fmt.Errorf("negative numOfMatches %d or totalMatches %d", p.NumOfMatches, p.TotalMatches)
	case p.NumOfMatches != len(p.Events):
		return EventPage{}, fmt.Errorf("numOfMatches is %d but the page holds %d events", p.NumOfMatches, len(p.Events))
	case status == StatusMore && len(p.Events) == 0:
		return EventPage{}, errors.New("status MORE with no events")
	case p.TotalMatches < p.NumOfMatches:
		return EventPage{}, fmt.Errorf("totalMatches %d is less than the %d events in the page", p.TotalMatches, p.NumOfMatches)
	}
	return p, nil
}

func decodeAcsEvent(raw json.RawMessage, zone *time.Location) (AcsEvent, error) {
	var w struct {
		Major            *lenient.Int   `json:"major"`
		Minor            *lenient.Int   `json:"minor"`
		Time             lenient.String `json:"time"`
		EmployeeNoString lenient.String `json:"employeeNoString"`
		EmployeeNo       lenient.String `json:"employeeNo"`
		Name             lenient.String `json:"name"`
		CardNo           lenient.String `json:"cardNo"`
		DoorNo           lenient.Int    `json:"doorNo"`
		CardReaderNo     lenient.Int    `json:"cardReaderNo"`
		VerifyMode       lenient.String `json:"currentVerifyMode"`
		SerialNo         lenient.String `json:"serialNo"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return AcsEvent{}, fmt.Errorf("want an object: %w", err)
	}
	e := AcsEvent{Name: clip(string(w.Name)), CardNo: clip(string(w.CardNo)), DoorNo: int(w.DoorNo),
		ReaderNo: int(w.CardReaderNo), VerifyMode: clip(string(w.VerifyMode))}
	e.EmployeeNo = strings.TrimSpace(string(w.EmployeeNoString))
	if e.EmployeeNo == "" {
		e.EmployeeNo = strings.TrimSpace(string(w.EmployeeNo))
	}
	if s := strings.TrimSpace(string(w.SerialNo)); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return AcsEvent{}, fmt.Errorf("serialNo %.20q is not a sequence number", s)
		}
		e.SerialNo = n
	}
	name := "event"
	if e.SerialNo > 0 {
		name = fmt.Sprintf("event serialNo %d", e.SerialNo)
	}
	switch {
	case len(e.EmployeeNo) > 4*maxEmployeeNo:
		return AcsEvent{}, fmt.Errorf("%s: employeeNo %.20q… is not an employee number", name, e.EmployeeNo)
	case w.Major == nil || w.Minor == nil:
		return AcsEvent{}, fmt.Errorf("%s: no major or minor type", name)
	}
	e.Major, e.Minor = int(*w.Major), int(*w.Minor)
	if clockReset(string(w.Time)) {
		e.ClockReset = true
		return e, nil
	}
	if eventYear(string(w.Time)) > maxYear {
		e.BadDate = true
		return e, nil
	}
	t, err := parseLocalTime(string(w.Time), zone)
	if err != nil {
		return AcsEvent{}, fmt.Errorf("%s: %w", name, err)
	}
	e.Time = t
	return e, nil
}
