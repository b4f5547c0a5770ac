package hikvision

import (
	"net/http"
	"strconv"
)

func (t *Terminal) handleCapabilities(w http.ResponseWriter, r *http.Request) {
	rng := func(lo, hi int) map[string]int { return map[string]int{"@min": lo, "@max": hi} }
	opt := func(s string) map[string]string { return map[string]string{"@opt": s} }
	writeJSON(w, http.StatusOK, map[string]any{"UserInfo": map[string]any{
		"supportFunction": opt("post,delete,put,get,setUp"),
		"maxRecordNum":    t.cfg.MaxRecords,
		"UserInfoSearchCond": map[string]any{
			"searchID":             rng(1, 36),
			"searchResultPosition": rng(0, t.cfg.MaxRecords),
			"maxResults":           rng(1, t.cfg.MaxResults),
			"EmployeeNoList": map[string]any{
				"maxSize":    t.cfg.MaxResults,
				"employeeNo": rng(1, maxEmployeeNo),
			},
			"fuzzySearch": rng(1, 32),
		},
		"UserInfoDelCond": map[string]any{
			"EmployeeNoList": map[string]any{"maxSize": 1000, "employeeNo": rng(1, maxEmployeeNo)},
		},
		"employeeNo":        rng(1, maxEmployeeNo),
		"name":              rng(1, maxNameLen),
		"userType":          opt("normal,visitor,blackList"),
		"closeDelayEnabled": "true,false",
		"Valid": map[string]any{
			"enable":         "true,false",
			"beginTime":      rng(1, 32),
			"endTime":        rng(1, 32),
			"timeRangeBegin": timeRangeBegin,
			"timeRangeEnd":   timeRangeEnd,
			"timeType":       opt("local,UTC"),
		},
		"belongGroup":     rng(1, 32),
		"password":        rng(1, 8),
		"doorRight":       rng(1, 4),
		"RightPlan":       map[string]any{"maxSize": 4, "doorNo": rng(1, 4), "planTemplateNo": rng(1, 16)},
		"maxOpenDoorTime": rng(0, 0),
		"openDoorTime":    rng(0, 0),
		"localUIRight":    "true,false",
		"gender":          opt("male,female,unknown"),
		"PersonInfoExtends": map[string]any{
			"maxSize": 1,
			"value":   rng(0, maxExtendValue),
		},
	}})
}

func (t *Terminal) handleCount(w http.ResponseWriter, r *http.Request) {
	t.mu.Lock()
	n, faces, cards := len(t.persons), 0, 0
	for _, p := range t.persons {
		if p.NumOfFace > 0 {
			faces++
		}
		if p.NumOfCard > 0 {
			cards++
		}
	}
	t.mu.Unlock()
	type count struct {
		UserNumber         int `json:"userNumber"`
		BindFaceUserNumber int `json:"bindFaceUserNumber"`
		BindCardUserNumber int `json:"bindCardUserNumber"`
	}
	writeJSON(w, http.StatusOK, struct {
		UserInfoCount count `json:"UserInfoCount"`
	}{count{n, faces, cards}})
}

// userInfoOut is a person as Search returns it, field for field in the
// terminal's order, including fields a client does not model (roomNumber,
// floorNumber, userVerifyMode) so that clients must ignore unknown fields.
type userInfoOut struct {
	EmployeeNo        string          `json:"employeeNo"`
	Name              string          `json:"name"`
	UserType          string          `json:"userType"`
	CloseDelayEnabled any             `json:"closeDelayEnabled"`
	Valid             validOut        `json:"Valid"`
	BelongGroup       string          `json:"belongGroup"`
	Password          string          `json:"password"`
	DoorRight         string          `json:"doorRight"`
	RightPlan         []rightPlanWire `json:"RightPlan"`
	MaxOpenDoorTime   int             `json:"maxOpenDoorTime"`
	OpenDoorTime      int             `json:"openDoorTime"`
	RoomNumber        int             `json:"roomNumber"`
	FloorNumber       int             `json:"floorNumber"`
	LocalUIRight      any             `json:"localUIRight"`
	Gender            string          `json:"gender"`
	NumOfCard         int             `json:"numOfCard"`
	NumOfFP           int             `json:"numOfFP"`
	NumOfFace         int             `json:"numOfFace"`
	UserVerifyMode    string          `json:"userVerifyMode"`
	PersonInfoExtends []extendWire    `json:"PersonInfoExtends,omitempty"`
}

type validOut struct {
	Enable    any    `json:"enable"`
	BeginTime string `json:"beginTime"`
	EndTime   string `json:"endTime"`
	TimeType  string `json:"timeType"`
}

func (t *Terminal) personOut(p Person) userInfoOut {
	b := func(v bool) any {
		if t.cfg.StringBooleans {
			return strconv.FormatBool(v)
		}
		return v
	}
	o := userInfoOut{
		EmployeeNo:        p.EmployeeNo,
		Name:              p.Name,
		UserType:          orDefault(p.UserType, "normal"),
		CloseDelayEnabled: b(p.CloseDelayEnabled),
		Valid: validOut{Enable: b(p.Valid.Enable), BeginTime: p.Valid.BeginTime, EndTime: p.Valid.EndTime,
			TimeType: orDefault(p.Valid.TimeType, "local")},
		BelongGroup:     p.BelongGroup,
		Password:        "", // never revealed
		DoorRight:       p.DoorRight,
		RightPlan:       []rightPlanWire{},
		MaxOpenDoorTime: p.MaxOpenDoorTime,
		OpenDoorTime:    p.OpenDoorTime,
		LocalUIRight:    b(p.LocalUIRight),
		Gender:          orDefault(p.Gender, "unknown"),
		NumOfCard:       p.NumOfCard,
		NumOfFP:         p.NumOfFP,
		NumOfFace:       p.NumOfFace,
	}
	if off := t.cfg.Quirks.ValidOffset; off != "" && o.Valid.TimeType == "local" {
		// The firmware prints an offset after the wall-clock digits that
		// is not the terminal's (DS-KV6124-E1: "+00:00" in UTC+1/DST).
		o.Valid.BeginTime += off
		o.Valid.EndTime += off
	}
	for _, rp := range p.RightPlan {
		o.RightPlan = append(o.RightPlan, rightPlanWire(rp))
	}
	for _, x := range p.Extends {
		o.PersonInfoExtends = append(o.PersonInfoExtends, extendWire(x))
	}
	return o
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (t *Terminal) handleSearch(w http.ResponseWriter, r *http.Request) {
	body, e := readBody(r)
	var cond searchCond
	if e == nil {
		cond, e = decodeSearch(body, t.cfg.MaxResults)
	}
	if e != nil {
		writeError(w, r, e)
		return
	}
	type search struct {
		SearchID           string        `json:"searchID"`
		ResponseStatusStrg string        `json:"responseStatusStrg"`
		NumOfMatches       int           `json:"numOfMatches"`
		TotalMatches       int           `json:"totalMatches"`
		UserInfo           []userInfoOut `json:"UserInfo,omitempty"`
	}
	t.mu.Lock()
	matches := t.persons
	if cond.ids != nil && !t.ignoreList {
		want := map[string]bool{}
		for _, id := range cond.ids {
			want[id] = true
		}
		matches = nil
		for _, p := range t.persons {
			if want[p.EmployeeNo] {
				matches = append(matches, p)
			}
		}
	}
	res := search{SearchID: cond.searchID, TotalMatches: len(matches), ResponseStatusStrg: "NO MATCH"}
	if cond.position < len(matches) {
		// The page cap is applied silently: no error, just fewer records
		// (fewer still on firmware that trims pages; numOfMatches says so).
		end := min(len(matches), cond.position+min(cond.max, t.pageCap()))
		for _, p := range matches[cond.position:end] {
			res.UserInfo = append(res.UserInfo, t.personOut(p))
		}
		res.NumOfMatches = len(res.UserInfo)
		res.ResponseStatusStrg = "OK"
		if end < len(matches) {
			res.ResponseStatusStrg = "MORE"
		}
	}
	t.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		UserInfoSearch search `json:"UserInfoSearch"`
	}{res})
}

// handleModify changes one existing person: only the fields sent, arrays
// sent replace the stored ones, and a missing person is reported in an HTTP
// 200 body.
func (t *Terminal) handleModify(w http.ResponseWriter, r *http.Request) {
	if e := t.write(r, writeModify); e != nil {
		writeError(w, r, e)
		return
	}
	writeOK(w, r)
}

func (t *Terminal) handleRecord(w http.ResponseWriter, r *http.Request) {
	if e := t.write(r, writeRecord); e != nil {
		writeError(w, r, e)
		return
	}
	writeOK(w, r)
}

func (t *Terminal) handleSetUp(w http.ResponseWriter, r *http.Request) {
	if e := t.write(r, writeSetUp); e != nil {
		writeError(w, r, e)
		return
	}
	writeOK(w, r)
}

type writeMode int

const (
	writeModify writeMode = iota // existing person only
	writeRecord                  // new person only
	writeSetUp                   // either
)

func (t *Terminal) write(r *http.Request, mode writeMode) *apiError {
	body, e := readBody(r)
	if e != nil {
		return e
	}
	u, e := decodeUserInfo(body)
	if e != nil {
		return e
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	i, exists := t.index[*u.EmployeeNo]
	var p Person
	switch {
	case exists && mode == writeRecord:
		return employeeNoAlreadyExist()
	case !exists && mode == writeModify:
		return employeeNoNotExist()
	case exists:
		p = clonePerson(t.persons[i])
	default:
		if len(t.persons) >= t.cfg.MaxRecords {
			return deviceUserFull()
		}
		if u.Valid == nil {
			return paramsLack("Valid")
		}
		p = Person{EmployeeNo: *u.EmployeeNo, Gender: "unknown", Valid: Valid{Enable: true}}
	}
	if u.Valid != nil {
		v, e := mergeValid(p.Valid, u.Valid, t.cfg.Zone)
		if e != nil {
			return e
		}
		if t.cfg.Quirks.RejectBounds && atBounds(v, t.cfg.Zone) {
			return badJSONContent("beginTime and endTime")
		}
		p.Valid = v
	}
	applyUserInfo(&p, u)
	t.putLocked(p)
	return nil
}

// handleDelete deletes the listed persons — and, faithfully to the real
// terminal, everyone when the list is empty or absent. The sync must never
// call it; tests check the request log for that.
func (t *Terminal) handleDelete(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Cond *struct {
			EmployeeNoList []struct {
				EmployeeNo string `json:"employeeNo"`
			} `json:"EmployeeNoList"`
		} `json:"UserInfoDelCond"`
	}
	body, e := readBody(r)
	if e == nil {
		e = decodeJSON(body, &req)
	}
	if e == nil && req.Cond == nil {
		e = paramsLack("UserInfoDelCond")
	}
	if e != nil {
		writeError(w, r, e)
		return
	}
	var ids []string
	for _, x := range req.Cond.EmployeeNoList {
		ids = append(ids, x.EmployeeNo)
	}
	t.mu.Lock()
	t.deleteLocked(ids)
	t.mu.Unlock()
	writeOK(w, r)
}
