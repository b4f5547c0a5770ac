package hikvision

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/doorsync/doorsync/internal/lenient"
	"github.com/doorsync/doorsync/internal/textclean"
)

// maxEmployeeNo is the longest employeeNo ISAPI allows.
const maxEmployeeNo = 32

// normalizeStatus maps the firmware's responseStatusStrg spellings
// (OK, MORE, NO MATCH, NOMATCH, NO_MATCHES, any case) to the constants.
func normalizeStatus(s string) (string, error) {
	k := strings.ToUpper(strings.NewReplacer(" ", "", "_", "", "-", "").Replace(strings.TrimSpace(s)))
	switch k {
	case "MORE":
		return StatusMore, nil
	case "OK":
		return StatusOK, nil
	case "NOMATCH", "NOMATCHES":
		return StatusNoMatch, nil
	}
	return "", fmt.Errorf("unknown responseStatusStrg %.30q", s)
}

// decodeSearch reads a Search reply and checks it is consistent in itself:
// a known status, numOfMatches equal to the persons returned, MORE with at
// least one person, NO MATCH with none, no person without an employeeNo or
// listed twice. A person field that cannot be read becomes one of that
// person's Problems, so one odd record does not hide the others.
func decodeSearch(body []byte) (SearchPage, error) {
	type head struct {
		SearchID           lenient.String `json:"searchID"`
		ResponseStatusStrg lenient.String `json:"responseStatusStrg"`
		NumOfMatches       *lenient.Int   `json:"numOfMatches"`
		TotalMatches       *lenient.Int   `json:"totalMatches"`
	}
	// The usual page has UserInfo as an array: split it in the same pass.
	var fast struct {
		UserInfoSearch *struct {
			head
			UserInfo []json.RawMessage `json:"UserInfo"`
		} `json:"UserInfoSearch"`
	}
	var s *head
	var raws []json.RawMessage
	b := trimBody(body)
	if err := json.Unmarshal(b, &fast); err == nil {
		if fast.UserInfoSearch != nil {
			s, raws = &fast.UserInfoSearch.head, fast.UserInfoSearch.UserInfo
		}
	} else {
		// Anything else (one person as an object, odd types): the slow way.
		var w struct {
			UserInfoSearch *struct {
				head
				UserInfo json.RawMessage `json:"UserInfo"`
			} `json:"UserInfoSearch"`
		}
		if err := json.Unmarshal(b, &w); err != nil {
			return SearchPage{}, fmt.Errorf("search reply: %w", err)
		}
		if w.UserInfoSearch != nil {
			s = &w.UserInfoSearch.head
			if raws, err = lenient.Objects(w.UserInfoSearch.UserInfo); err != nil {
				return SearchPage{}, fmt.Errorf("UserInfo: %w", err)
			}
		}
	}
	if s == nil {
		return SearchPage{}, errors.New("search reply has no UserInfoSearch object")
	}
	status, err := normalizeStatus(string(s.ResponseStatusStrg))
	if err != nil {
		return SearchPage{}, err
	}
	p := SearchPage{SearchID: clip(string(s.SearchID)), Status: status}
	seen := make(map[string]bool, len(raws))
	for i, raw := range raws {
		u, err := decodeUser(raw)
		if err != nil {
			return SearchPage{}, fmt.Errorf("person #%d of the page: %w", i+1, err)
		}
		if seen[u.EmployeeNo] {
			return SearchPage{}, fmt.Errorf("employeeNo %q listed twice in one page", u.EmployeeNo)
		}
		seen[u.EmployeeNo] = true
		p.Users = append(p.Users, u)
	}
	if status == StatusNoMatch {
		if len(p.Users) > 0 {
			return SearchPage{}, fmt.Errorf("status NO MATCH with %d persons", len(p.Users))
		}
		if s.TotalMatches != nil {
			p.TotalMatches = max(int(*s.TotalMatches), 0)
		}
		return p, nil
	}
	if s.NumOfMatches == nil || s.TotalMatches == nil {
		return SearchPage{}, fmt.Errorf("status %s without numOfMatches and totalMatches", status)
	}
	p.NumOfMatches, p.TotalMatches = int(*s.NumOfMatches), int(*s.TotalMatches)
	switch {
	case p.NumOfMatches < 0 || p.TotalMatches < 0:
		return SearchPage{}, fmt.Errorf("negative numOfMatches %d or totalMatches %d", p.NumOfMatches, p.TotalMatches)
	case p.NumOfMatches != len(p.Users):
		return SearchPage{}, fmt.Errorf("numOfMatches is %d but the page holds %d persons", p.NumOfMatches, len(p.Users))
	case status == StatusMore && len(p.Users) == 0:
		return SearchPage{}, errors.New("status MORE with no persons")
	case p.TotalMatches < p.NumOfMatches:
		return SearchPage{}, fmt.Errorf("totalMatches %d is less than the %d persons in the page", p.TotalMatches, p.NumOfMatches)
	}
	return p, nil
}

// wireUser is what the sync reads of a UserInfo; every field stays raw so
// that one odd field becomes a Problem instead of failing the page. Keys are
// matched case-insensitively by encoding/json; unknown keys are skipped.
type wireUser struct {
	EmployeeNo        json.RawMessage `json:"employeeNo"`
	Name              json.RawMessage `json:"name"`
	UserType          json.RawMessage `json:"userType"`
	Valid             json.RawMessage `json:"Valid"`
	PersonInfoExtends json.RawMessage `json:"PersonInfoExtends"`
	NumOfFace         json.RawMessage `json:"numOfFace"`
	NumOfCard         json.RawMessage `json:"numOfCard"`
}

// count reads an enrolment counter (numOfFace, numOfCard) leniently: -1
// when absent, unreadable or negative.
func count(raw json.RawMessage) int {
	if raw == nil {
		return -1
	}
	var n lenient.Int
	if json.Unmarshal(raw, &n) != nil || n < 0 {
		return -1
	}
	return int(n)
}

// scalar reads a lenient string (lenient.String).
func scalar(raw json.RawMessage) (string, error) {
	if v, ok := lenient.Plain(raw); ok {
		return v, nil
	}
	var s lenient.String
	err := json.Unmarshal(raw, &s)
	return string(s), err
}

// decodeUser reads one UserInfo object. Only a missing or unreadable
// employeeNo is an error (the person could not be named); other fields that
// cannot be read are recorded as Problems.
func decodeUser(raw json.RawMessage) (UserInfo, error) {
	var w wireUser
	if err := json.Unmarshal(raw, &w); err != nil {
		return UserInfo{}, fmt.Errorf("want an object: %w", err)
	}
	u := UserInfo{Raw: raw, NumOfFace: count(w.NumOfFace), NumOfCard: count(w.NumOfCard)}
	if w.EmployeeNo != nil {
		no, err := scalar(w.EmployeeNo)
		if err != nil {
			return UserInfo{}, fmt.Errorf("employeeNo: %w", err)
		}
		u.EmployeeNo = strings.TrimSpace(no)
	}
	switch {
	case u.EmployeeNo == "":
		return UserInfo{}, errors.New("no employeeNo")
	case len(u.EmployeeNo) > 4*maxEmployeeNo:
		return UserInfo{}, fmt.Errorf("employeeNo %.20q… is not an employee number", u.EmployeeNo)
	case textclean.Has(u.EmployeeNo):
		// Typed in iVMS with characters a terminal obeys (an escape
		// sequence, a bidi override): shown marked, never written (the
		// marked number is not the person's), and the rest of the page
		// is used.
		u.Problems = append(u.Problems, fmt.Sprintf("employeeNo %+q has control or formatting characters: not written", u.EmployeeNo))
		u.EmployeeNo = textclean.Mark(u.EmployeeNo)
	}
	str := func(key string, v json.RawMessage) string {
		if v == nil {
			return ""
		}
		s, err := scalar(v)
		if err != nil {
			u.Problems = append(u.Problems, fmt.Sprintf("%s: %v", key, err))
			return ""
		}
		return clip(s)
	}
	u.Name = str("name", w.Name)
	u.UserType = str("userType", w.UserType)
	if v := w.Valid; v != nil && string(v) != "null" {
		var wv struct {
			Enable    *lenient.Bool  `json:"enable"`
			BeginTime lenient.String `json:"beginTime"`
			EndTime   lenient.String `json:"endTime"`
			TimeType  lenient.String `json:"timeType"`
		}
		if err := json.Unmarshal(v, &wv); err != nil {
			u.Problems = append(u.Problems, fmt.Sprintf("Valid: %v", err))
		} else {
			u.Valid = &Valid{Enable: true, BeginTime: clip(string(wv.BeginTime)), EndTime: clip(string(wv.EndTime)),
				TimeType: clip(string(wv.TimeType))}
			// Without enable the period is taken as dated: "permanent"
			// must be said explicitly (enable:false).
			if wv.Enable != nil {
				u.Valid.Enable = bool(*wv.Enable)
			}
		}
	}
	if v := w.PersonInfoExtends; v != nil {
		type wireExtend struct {
			Name  lenient.String `json:"name"`
			Value lenient.String `json:"value"`
		}
		var list []wireExtend
		if err := json.Unmarshal(v, &list); err != nil {
			// Not a clean array: read what can be read, one by one.
			list = nil
			raws, err := lenient.Objects(v)
			if err != nil {
				u.Problems = append(u.Problems, fmt.Sprintf("PersonInfoExtends: %v", err))
			}
			for _, e := range raws {
				var we wireExtend
				if err := json.Unmarshal(e, &we); err != nil {
					u.Problems = append(u.Problems, fmt.Sprintf("PersonInfoExtends: %v", err))
					continue
				}
				list = append(list, we)
			}
		}
		for _, we := range list {
			u.Extends = append(u.Extends, Extend{Name: clip(string(we.Name)), Value: clip(string(we.Value))})
		}
	}
	return u, nil
}
