package hikvision

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxBody bounds a request body; terminals refuse anything larger.
const maxBody = 1 << 20

// Time formats and the range the terminal advertises (capabilities
// Valid.timeRangeBegin / timeRangeEnd).
const (
	localLayout    = "2006-01-02T15:04:05"
	timeRangeBegin = "2000-01-01T00:00:00"
	timeRangeEnd   = "2037-12-31T23:59:59"
	maxEmployeeNo  = 32
	maxNameLen     = 128
	maxExtendValue = 64
)

// LatestEnd is the latest Valid.endTime a terminal holds (its timeRangeEnd):
// whatever pushes persons to it caps their ends there.
const LatestEnd = timeRangeEnd

func readBody(r *http.Request) ([]byte, *apiError) {
	if r.Body == nil {
		return nil, badJSONContent("empty body")
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, badJSONContent("body could not be read")
	}
	if len(b) > maxBody {
		return nil, badJSONContent("body too large")
	}
	return b, nil
}

// decodeJSON decodes a request body; errors name the offending field where
// the decoder knows it, as terminals do in errorMsg.
func decodeJSON(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return badJSONContent("empty body")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			f := te.Field
			if i := strings.LastIndexByte(f, '.'); i >= 0 {
				f = f[i+1:]
			}
			return badJSONContent(f)
		}
		return badJSONContent("invalid JSON: " + err.Error())
	}
	return nil
}

// searchCond is a decoded, validated UserInfoSearchCond.
type searchCond struct {
	searchID string
	position int
	max      int      // as asked; the handler applies the page cap
	ids      []string // nil: no EmployeeNoList
}

// decodeSearch parses a Search body. maxList is EmployeeNoList.maxSize.
func decodeSearch(body []byte, maxList int) (searchCond, *apiError) {
	var req struct {
		Cond *struct {
			SearchID       *string `json:"searchID"`
			Position       *int    `json:"searchResultPosition"`
			MaxResults     *int    `json:"maxResults"`
			EmployeeNoList []struct {
				EmployeeNo *string `json:"employeeNo"`
			} `json:"EmployeeNoList"`
		} `json:"UserInfoSearchCond"`
	}
	if e := decodeJSON(body, &req); e != nil {
		return searchCond{}, e
	}
	c := req.Cond
	switch {
	case c == nil:
		return searchCond{}, paramsLack("UserInfoSearchCond")
	case c.SearchID == nil || *c.SearchID == "":
		return searchCond{}, paramsLack("searchID")
	case c.Position == nil:
		return searchCond{}, paramsLack("searchResultPosition")
	case c.MaxResults == nil:
		return searchCond{}, paramsLack("maxResults")
	case len(*c.SearchID) > 36:
		return searchCond{}, badJSONContent("searchID")
	case *c.Position < 0:
		return searchCond{}, badJSONContent("searchResultPosition")
	case *c.MaxResults < 1:
		return searchCond{}, badJSONContent("maxResults")
	case len(c.EmployeeNoList) > maxList:
		return searchCond{}, badJSONContent("EmployeeNoList")
	}
	out := searchCond{searchID: *c.SearchID, position: *c.Position, max: *c.MaxResults}
	for _, e := range c.EmployeeNoList {
		if e.EmployeeNo == nil || *e.EmployeeNo == "" {
			return searchCond{}, paramsLack("employeeNo")
		}
		out.ids = append(out.ids, *e.EmployeeNo)
	}
	return out, nil
}

// userInfoIn is a UserInfo object as clients send it to Modify, Record and
// SetUp. Pointers tell "not sent" (the stored value stays) from "sent".
type userInfoIn struct {
	EmployeeNo        *string          `json:"employeeNo"`
	Name              *string          `json:"name"`
	UserType          *string          `json:"userType"`
	CloseDelayEnabled *bool            `json:"closeDelayEnabled"`
	Valid             *validIn         `json:"Valid"`
	BelongGroup       *string          `json:"belongGroup"`
	Password          *string          `json:"password"`
	DoorRight         *string          `json:"doorRight"`
	RightPlan         *[]rightPlanWire `json:"RightPlan"`
	MaxOpenDoorTime   *int             `json:"maxOpenDoorTime"`
	OpenDoorTime      *int             `json:"openDoorTime"`
	LocalUIRight      *bool            `json:"localUIRight"`
	Gender            *string          `json:"gender"`
	PersonInfoExtends *[]extendWire    `json:"PersonInfoExtends"`
	// Read-only counters are accepted and ignored, as terminals do.
}

type validIn struct {
	Enable    *bool   `json:"enable"`
	BeginTime *string `json:"beginTime"`
	EndTime   *string `json:"endTime"`
	TimeType  *string `json:"timeType"`
}

type rightPlanWire struct {
	DoorNo         int    `json:"doorNo"`
	PlanTemplateNo string `json:"planTemplateNo"`
}

type extendWire struct {
	Name  string `json:"name,omitempty"`
	Value string `json:"value"`
}

// decodeUserInfo parses {"UserInfo":{…}} and checks what every write needs:
// employeeNo and userType present, and every sent field well-formed.
func decodeUserInfo(body []byte) (*userInfoIn, *apiError) {
	var req struct {
		UserInfo *userInfoIn `json:"UserInfo"`
	}
	if e := decodeJSON(body, &req); e != nil {
		return nil, e
	}
	u := req.UserInfo
	switch {
	case u == nil:
		return nil, paramsLack("UserInfo")
	case u.EmployeeNo == nil || *u.EmployeeNo == "":
		return nil, paramsLack("employeeNo")
	case u.UserType == nil:
		return nil, paramsLack("userType")
	}
	if len(*u.EmployeeNo) > maxEmployeeNo {
		return nil, badJSONContent("employeeNo")
	}
	switch *u.UserType {
	case "normal", "visitor", "blackList":
	default:
		return nil, badJSONContent("userType")
	}
	if u.Name != nil && len(*u.Name) > maxNameLen {
		return nil, badJSONContent("name")
	}
	if u.Gender != nil {
		switch *u.Gender {
		case "male", "female", "unknown":
		default:
			return nil, badJSONContent("gender")
		}
	}
	if u.RightPlan != nil {
		for _, rp := range *u.RightPlan {
			if rp.DoorNo < 1 || rp.PlanTemplateNo == "" {
				return nil, badJSONContent("RightPlan")
			}
		}
	}
	if u.PersonInfoExtends != nil {
		for _, x := range *u.PersonInfoExtends {
			if len(x.Value) > maxExtendValue {
				return nil, badJSONContent("PersonInfoExtends")
			}
		}
	}
	if v := u.Valid; v != nil {
		if v.TimeType != nil && *v.TimeType != "local" && *v.TimeType != "UTC" {
			return nil, badJSONContent("timeType")
		}
	}
	return u, nil
}

// mergeValid applies the sent Valid fields to the stored ones and checks the
// result: the time format for its timeType, the advertised range, and an end
// not before the begin.
func mergeValid(stored Valid, in *validIn, zone *time.Location) (Valid, *apiError) {
	v := stored
	if v.TimeType == "" {
		v.TimeType = "local"
	}
	if in.Enable != nil {
		v.Enable = *in.Enable
	}
	if in.BeginTime != nil {
		v.BeginTime = *in.BeginTime
	}
	if in.EndTime != nil {
		v.EndTime = *in.EndTime
	}
	if in.TimeType != nil {
		v.TimeType = *in.TimeType
	}
	if v.BeginTime == "" {
		return Valid{}, paramsLack("beginTime")
	}
	if v.EndTime == "" {
		return Valid{}, paramsLack("endTime")
	}
	begin, ok := wallTime(v.BeginTime, v.TimeType, zone)
	if !ok {
		return Valid{}, badJSONContent("beginTime")
	}
	end, ok := wallTime(v.EndTime, v.TimeType, zone)
	if !ok {
		return Valid{}, badJSONContent("endTime")
	}
	lo, _ := time.Parse(localLayout, timeRangeBegin)
	hi, _ := time.Parse(localLayout, timeRangeEnd)
	if begin.Before(lo) || end.After(hi) || end.Before(begin) {
		return Valid{}, badJSONContent("beginTime and endTime")
	}
	return v, nil
}

// atBounds reports a (merged, valid) period whose begin or end is one of
// the advertised extremes, which Quirks.RejectBounds firmware refuses.
func atBounds(v Valid, zone *time.Location) bool {
	lo, _ := time.Parse(localLayout, timeRangeBegin)
	hi, _ := time.Parse(localLayout, timeRangeEnd)
	for _, s := range []string{v.BeginTime, v.EndTime} {
		if w, ok := wallTime(s, v.TimeType, zone); ok && (w.Equal(lo) || w.Equal(hi)) {
			return true
		}
	}
	return false
}

// wallTime reads s as the terminal's local wall-clock time (returned as a UTC
// time.Time for comparison). timeType "local" takes exactly
// 2006-01-02T15:04:05 — no offset, no fraction; "UTC" takes RFC 3339 with a
// zone designator, converted to the terminal's zone.
func wallTime(s, timeType string, zone *time.Location) (time.Time, bool) {
	if timeType == "UTC" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil || strings.Contains(s, ".") {
			return time.Time{}, false
		}
		y, mo, d := t.In(zone).Date()
		h, mi, sec := t.In(zone).Clock()
		return time.Date(y, mo, d, h, mi, sec, 0, time.UTC), true
	}
	// time.Parse quietly accepts a fraction after the seconds; the terminal
	// does not, hence the length check.
	if len(s) != len(localLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(localLayout, s)
	return t, err == nil
}

// applyUserInfo writes the sent fields onto p. Arrays sent replace the stored
// ones wholesale — which is why the sync must never send them.
func applyUserInfo(p *Person, u *userInfoIn) {
	p.UserType = *u.UserType
	set(&p.Name, u.Name)
	set(&p.CloseDelayEnabled, u.CloseDelayEnabled)
	set(&p.BelongGroup, u.BelongGroup)
	set(&p.Password, u.Password)
	set(&p.DoorRight, u.DoorRight)
	set(&p.MaxOpenDoorTime, u.MaxOpenDoorTime)
	set(&p.OpenDoorTime, u.OpenDoorTime)
	set(&p.LocalUIRight, u.LocalUIRight)
	set(&p.Gender, u.Gender)
	if u.RightPlan != nil {
		p.RightPlan = []RightPlan{}
		for _, rp := range *u.RightPlan {
			p.RightPlan = append(p.RightPlan, RightPlan{DoorNo: rp.DoorNo, PlanTemplateNo: rp.PlanTemplateNo})
		}
	}
	if u.PersonInfoExtends != nil {
		p.Extends = []Extend{}
		for _, x := range *u.PersonInfoExtends {
			p.Extends = append(p.Extends, Extend{Name: x.Name, Value: x.Value})
		}
	}
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}
