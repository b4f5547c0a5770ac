package hikvision

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/doorsync/doorsync/internal/httpx"
	"github.com/doorsync/doorsync/internal/lenient"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/textclean"
)

// envelope is a terminal's status reply: the ResponseStatus object (JSON or
// XML), the per-person UserInfoOutList form, or an authentication failure
// body (which adds lockStatus / retryTimes / resLockTime, or the userCheck
// form's retryLoginTime / unlockTime).
type envelope struct {
	Root          string // "ResponseStatus", "userCheck", "json", "UserInfoOutList"
	RequestURL    string
	StatusCode    int // -1 when absent
	StatusString  string
	SubStatusCode string
	ErrorCode     int64
	ErrorMsg      string
	LockStatus    string
	RetryTimes    int // attempts left before lockout; -1 when absent
	LockSeconds   int // seconds the account stays locked; -1 when absent
	Persons       []personStatus
}

// personStatus is one entry of UserInfoOutList.UserInfoOut.
type personStatus struct {
	EmployeeNo    string
	StatusCode    int
	StatusString  string
	SubStatusCode string
	ErrorCode     int64
	ErrorMsg      string
}

func newEnvelope(root string) *envelope {
	return &envelope{Root: root, StatusCode: -1, RetryTimes: -1, LockSeconds: -1}
}

// statusOK reports success by subStatusCode text first (numbers differ
// between firmware), then by statusCode.
func statusOK(code int, sub string) bool {
	if sub != "" {
		return strings.EqualFold(sub, "ok")
	}
	return code == 1
}

// OK reports whether the envelope says the request succeeded, including
// every per-person result.
func (e *envelope) OK() bool {
	if e.Root == "userCheck" {
		return false // only ever sent with a login failure
	}
	hasTop := e.StatusCode >= 0 || e.SubStatusCode != ""
	if hasTop && !statusOK(e.StatusCode, e.SubStatusCode) {
		return false
	}
	for _, p := range e.Persons {
		if !statusOK(p.StatusCode, p.SubStatusCode) {
			return false
		}
	}
	return hasTop || len(e.Persons) > 0
}

// classify maps a status to how the engine must react, by subStatusCode
// text (hikvision-isapi.md → Errors), falling back to statusCode and then to
// the HTTP status when the text is unknown.
func classify(statusCode int, sub string, httpStatus int) target.Class {
	switch strings.ToLower(strings.TrimSpace(sub)) {
	case "devicebusy":
		return target.Busy
	case "lowprivilege", "badauthorization":
		return target.Auth
	case "notsupport", "methodnotallowed", "badparameters", "badjsoncontent", "badxmlcontent",
		"messageparameterslack", "invalidcontent", "rebootrequired",
		"employeenoalreadyexist", "deviceuseralreadyexist":
		return target.Permanent
	case "deviceusernotexist", "employeenonotexist":
		return target.NotFound
	}
	switch statusCode {
	case 2:
		return target.Busy
	case 3: // "Device Error": a fault inside the terminal, may pass
		return target.Transient
	case 4, 5, 6, 7:
		return target.Permanent
	}
	if httpStatus >= 500 {
		return target.Transient
	}
	return target.Permanent
}

// Error turns a failed envelope into a classified error for op. The first
// failing per-person result, if any, is the one reported (naming it).
func (e *envelope) Error(name, op string, httpStatus int) *target.Error {
	te := &target.Error{Target: name, Op: op, RetryTimes: e.RetryTimes, LockSeconds: e.LockSeconds}
	code, sub, str, msg := e.StatusCode, e.SubStatusCode, e.StatusString, e.ErrorMsg
	for _, p := range e.Persons {
		if !statusOK(p.StatusCode, p.SubStatusCode) {
			code, sub, str = p.StatusCode, p.SubStatusCode, p.StatusString
			msg = "employeeNo " + p.EmployeeNo
			if p.ErrorMsg != "" {
				msg += ": " + p.ErrorMsg
			}
			break
		}
	}
	te.Class = classify(code, sub, httpStatus)
	te.Code = sub
	if te.Code == "" && code >= 0 {
		te.Code = "statusCode " + strconv.Itoa(code)
	}
	switch {
	case msg != "" && str != "" && !strings.EqualFold(msg, str):
		te.Message = str + ": " + msg
	case msg != "":
		te.Message = msg
	default:
		te.Message = str
	}
	return te
}

// errNotEnvelope is what parseEnvelope returns for a well-formed document
// that is a payload rather than a status.
var errNotEnvelope = errors.New("not a status envelope")

// maxEnvelopeText bounds the text kept of any one envelope field, so a
// gigantic errorMsg cannot flood a log line.
const maxEnvelopeText = 512

// parseEnvelope reads body as a status envelope. It returns errNotEnvelope
// for a well-formed JSON or XML document of another kind (a payload), and
// another error when the body is neither JSON nor XML.
func parseEnvelope(body []byte) (*envelope, error) {
	b := trimBody(body)
	if len(b) == 0 {
		return nil, errors.New("empty reply")
	}
	switch b[0] {
	case '{':
		return parseJSONEnvelope(b)
	case '<':
		return parseXMLEnvelope(b)
	}
	return nil, fmt.Errorf("reply is neither JSON nor XML (starts %s)", snippet(b))
}

// trimBody drops white space and a UTF-8 byte-order mark.
func trimBody(b []byte) []byte {
	b = bytes.TrimSpace(b)
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	return bytes.TrimSpace(b)
}

// quoteLen is how much of a body an error message quotes: enough to
// recognise a login page or a proxy's error.
const quoteLen = 40

// snippet quotes the start of a (scrubbed) body for an error message.
func snippet(b []byte) string { return httpx.Quote(b, quoteLen) }

func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxEnvelopeText {
		s = s[:maxEnvelopeText] + "…" // a rune cut in two is dropped by Clean
	}
	// Names typed in iVMS and a device's messages reach the console and
	// the reports: no escape sequence or bidi override from outside.
	return textclean.Clean(s)
}

func parseJSONEnvelope(b []byte) (*envelope, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	// Some firmware wraps the status in a named object.
	for _, wrap := range []string{"ResponseStatus", "userCheck"} {
		if inner, ok := lenient.Field(top, wrap); ok && len(top) == 1 {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(inner, &m); err != nil {
				return nil, fmt.Errorf("%s: %w", wrap, err)
			}
			top = m
		}
	}
	if out, ok := lenient.Field(top, "UserInfoOutList"); ok {
		return parseOutList(top, out)
	}
	isStatus := false
	for _, k := range []string{"statusCode", "subStatusCode", "statusString", "statusValue", "lockStatus", "retryTimes", "retryLoginTime"} {
		if _, ok := lenient.Field(top, k); ok {
			isStatus = true
			break
		}
	}
	if !isStatus {
		return nil, errNotEnvelope
	}
	return fillEnvelopeFromMap(newEnvelope("json"), top)
}

func parseOutList(top map[string]json.RawMessage, out json.RawMessage) (*envelope, error) {
	e := newEnvelope("UserInfoOutList")
	var list map[string]json.RawMessage
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, fmt.Errorf("UserInfoOutList: %w", err)
	}
	items, _ := lenient.Field(list, "UserInfoOut")
	objs, err := lenient.Objects(items)
	if err != nil {
		return nil, fmt.Errorf("UserInfoOutList.UserInfoOut: %w", err)
	}
	for i, raw := range objs {
		var w struct {
			EmployeeNo    lenient.String `json:"employeeNo"`
			StatusCode    *lenient.Int   `json:"statusCode"`
			StatusString  lenient.String `json:"statusString"`
			SubStatusCode lenient.String `json:"subStatusCode"`
			ErrorCode     lenient.String `json:"errorCode"`
			ErrorMsg      lenient.String `json:"errorMsg"`
		}
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, fmt.Errorf("UserInfoOut[%d]: %w", i, err)
		}
		p := personStatus{EmployeeNo: clip(string(w.EmployeeNo)), StatusCode: -1, StatusString: clip(string(w.StatusString)),
			SubStatusCode: clip(string(w.SubStatusCode)), ErrorMsg: clip(string(w.ErrorMsg))}
		if w.StatusCode != nil {
			p.StatusCode = int(*w.StatusCode)
		}
		p.ErrorCode, _ = strconv.ParseInt(strings.TrimSpace(string(w.ErrorCode)), 10, 64)
		e.Persons = append(e.Persons, p)
	}
	// A top-level status may accompany the list.
	if _, err := fillEnvelopeFromMap(e, top); err != nil {
		return nil, err
	}
	if len(e.Persons) == 0 && e.StatusCode < 0 && e.SubStatusCode == "" {
		return nil, errors.New("UserInfoOutList without any result")
	}
	return e, nil
}

func fillEnvelopeFromMap(e *envelope, top map[string]json.RawMessage) (*envelope, error) {
	err := fillEnvelope(e, func(key string) (string, bool, error) {
		raw, ok := lenient.Field(top, key)
		if !ok {
			return "", false, nil
		}
		var s lenient.String
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", true, fmt.Errorf("%s: %w", key, err)
		}
		return string(s), true, nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// fillEnvelope reads the envelope's fields through get (JSON or XML).
func fillEnvelope(e *envelope, get func(key string) (string, bool, error)) error {
	str := func(key string) (string, error) {
		v, _, err := get(key)
		return clip(v), err
	}
	num := func(keys ...string) (int, error) {
		for _, k := range keys {
			v, ok, err := get(k)
			if err != nil {
				return -1, err
			}
			if !ok || strings.TrimSpace(v) == "" {
				continue
			}
			n, err := lenient.ParseInt(v)
			if err != nil {
				return -1, fmt.Errorf("%s: %w", k, err)
			}
			return n, nil
		}
		return -1, nil
	}
	var err error
	if e.RequestURL, err = str("requestURL"); err != nil {
		return err
	}
	if e.StatusCode, err = num("statusCode"); err != nil {
		return err
	}
	if e.StatusString, err = str("statusString"); err != nil {
		return err
	}
	if e.SubStatusCode, err = str("subStatusCode"); err != nil {
		return err
	}
	if e.ErrorMsg, err = str("errorMsg"); err != nil {
		return err
	}
	if e.LockStatus, err = str("lockStatus"); err != nil {
		return err
	}
	if e.RetryTimes, err = num("retryTimes", "retryLoginTime"); err != nil {
		return err
	}
	if e.LockSeconds, err = num("resLockTime", "unlockTime"); err != nil {
		return err
	}
	code, err := str("errorCode")
	if err != nil {
		return err
	}
	e.ErrorCode, _ = strconv.ParseInt(strings.TrimSpace(code), 10, 64)
	if e.Root == "userCheck" && e.StatusCode < 0 {
		// userCheck carries an HTTP-like statusValue instead.
		if v, err := num("statusValue"); err == nil && v >= 0 {
			e.StatusCode = v
		}
	}
	return nil
}
