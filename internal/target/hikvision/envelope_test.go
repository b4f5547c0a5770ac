package hikvision

import (
	"errors"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/target"
)

func TestParseEnvelope(t *testing.T) {
	cases := []struct {
		name      string
		body      string
		http      int
		notEnv    bool // a payload, not a status
		wantErr   string
		ok        bool
		class     target.Class
		code      string
		msg       string
		retry     int
		lock      int
		errorCode int64
	}{
		{name: "success", body: okEnvelope, http: 200, ok: true},
		{name: "success as strings", body: `{"statusCode":"1","statusString":"OK","subStatusCode":"ok"}`, http: 200, ok: true},
		{name: "busy in a 200", http: 200, body: `{"requestURL":"/ISAPI/AccessControl/UserInfo/Search?format=json","statusCode":2,"statusString":"Device Busy","subStatusCode":"deviceBusy","errorCode":1073741826,"errorMsg":"device busy"}`,
			class: target.Busy, code: "deviceBusy", msg: "device busy", errorCode: 1073741826, retry: -1, lock: -1},
		{name: "badJsonContent in a 400", http: 400, body: `{"requestURL":"/ISAPI/AccessControl/UserInfo/Modify?format=json","statusCode":6,"statusString":"Invalid Content","subStatusCode":"badJsonContent","errorCode":1610612759,"errorMsg":"beginTime and endTime"}`,
			class: target.Permanent, code: "badJsonContent", msg: "Invalid Content: beginTime and endTime", errorCode: 1610612759, retry: -1, lock: -1},
		{name: "MessageParametersLack", http: 400, body: `{"statusCode":6,"statusString":"Invalid Content","subStatusCode":"MessageParametersLack","errorMsg":"userType"}`,
			class: target.Permanent, code: "MessageParametersLack", msg: "Invalid Content: userType", retry: -1, lock: -1},
		{name: "employeeNoNotExist in a 200", http: 200, body: `{"statusCode":6,"statusString":"Invalid Content","subStatusCode":"employeeNoNotExist","errorMsg":"employeeNo"}`,
			class: target.NotFound, code: "employeeNoNotExist", msg: "Invalid Content: employeeNo", retry: -1, lock: -1},
		{name: "deviceUserNotExist", http: 200, body: `{"statusCode":6,"subStatusCode":"deviceUserNotExist"}`, class: target.NotFound, code: "deviceUserNotExist", retry: -1, lock: -1},
		{name: "lowPrivilege", http: 403, body: `{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"lowPrivilege"}`,
			class: target.Auth, code: "lowPrivilege", msg: "Invalid Operation", retry: -1, lock: -1},
		{name: "notSupport XML", http: 404, body: `<?xml version="1.0" encoding="UTF-8"?>
<ResponseStatus version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<requestURL>/ISAPI/Foo</requestURL><statusCode>4</statusCode><statusString>Invalid Operation</statusString><subStatusCode>notSupport</subStatusCode>
</ResponseStatus>`, class: target.Permanent, code: "notSupport", msg: "Invalid Operation", retry: -1, lock: -1},
		{name: "methodNotAllowed", http: 405, body: `{"statusCode":4,"subStatusCode":"methodNotAllowed"}`, class: target.Permanent, code: "methodNotAllowed", retry: -1, lock: -1},
		{name: "rebootRequired", http: 200, body: `{"statusCode":7,"statusString":"Reboot Required","subStatusCode":"rebootRequired"}`, class: target.Permanent, code: "rebootRequired", msg: "Reboot Required", retry: -1, lock: -1},
		{name: "unknown code falls back to statusCode 2", http: 200, body: `{"statusCode":2,"subStatusCode":"somethingNew"}`, class: target.Busy, code: "somethingNew", retry: -1, lock: -1},
		{name: "device error with 500", http: 500, body: `{"statusCode":3,"statusString":"Device Error"}`, class: target.Transient, code: "statusCode 3", msg: "Device Error", retry: -1, lock: -1},
		{name: "wrapped in ResponseStatus", http: 200, body: `{"ResponseStatus":{"statusCode":6,"subStatusCode":"badParameters","errorMsg":"maxResults"}}`, class: target.Permanent, code: "badParameters", msg: "maxResults", retry: -1, lock: -1},
		{name: "auth failure JSON", http: 401, body: `{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"badAuthorization","lockStatus":"unlock","retryTimes":3,"resLockTime":0}`,
			class: target.Auth, code: "badAuthorization", msg: "Invalid Operation", retry: 3, lock: 0},
		{name: "auth failure other firmware", http: 401, body: `{"statusCode":4,"subStatusCode":"badAuthorization","lockStatus":"lock","retryLoginTime":"0","unlockTime":"1800"}`,
			class: target.Auth, code: "badAuthorization", retry: 0, lock: 1800},
		{name: "userCheck XML", http: 401, body: xmlFailure, class: target.Permanent, code: "statusCode 401", msg: "Unauthorized", retry: 3, lock: 0},
		{name: "per-person failure", http: 200, body: `{"UserInfoOutList":{"UserInfoOut":[{"employeeNo":"1042","statusCode":1,"subStatusCode":"ok"},{"employeeNo":"1043","statusCode":6,"statusString":"Invalid Content","subStatusCode":"employeeNoNotExist","errorCode":1610637344,"errorMsg":"employeeNo"}]}}`,
			class: target.NotFound, code: "employeeNoNotExist", msg: "Invalid Content: employeeNo 1043: employeeNo", retry: -1, lock: -1},
		{name: "per-person success, one object", http: 200, body: `{"UserInfoOutList":{"UserInfoOut":{"employeeNo":"1042","statusCode":"1","subStatusCode":"ok"}}}`, ok: true},
		{name: "search payload", http: 200, body: `{"UserInfoSearch":{"responseStatusStrg":"OK"}}`, notEnv: true},
		{name: "device info XML payload", http: 200, body: `<DeviceInfo><model>x</model></DeviceInfo>`, notEnv: true},
		{name: "truncated JSON", body: `{"statusCode":1,"statusStr`, wantErr: "invalid JSON"},
		{name: "truncated XML payload", body: `<DeviceInfo><model>x</mod`, wantErr: "invalid XML"},
		{name: "HTML", body: `<html><head><title>500 Internal Ser`, wantErr: "invalid XML"},
		{name: "plain text", body: `Service Unavailable`, wantErr: "neither JSON nor XML"},
		{name: "empty", body: "  \n", wantErr: "empty reply"},
		{name: "statusCode as object", body: `{"statusCode":{"a":1}}`, wantErr: "statusCode"},
		{name: "empty out list", body: `{"UserInfoOutList":{"UserInfoOut":[]}}`, wantErr: "without any result"},
		{name: "BOM", http: 200, body: "\xef\xbb\xbf" + okEnvelope, ok: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env, err := parseEnvelope([]byte(tc.body))
			switch {
			case tc.wantErr != "":
				if err == nil || errors.Is(err, errNotEnvelope) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error %q, got %v", tc.wantErr, err)
				}
				return
			case tc.notEnv:
				if !errors.Is(err, errNotEnvelope) {
					t.Fatalf("want errNotEnvelope, got %v %+v", err, env)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if env.OK() != tc.ok {
				t.Fatalf("OK() = %v, want %v", env.OK(), tc.ok)
			}
			if tc.ok {
				return
			}
			te := env.Error("entrance", "modify 1043", tc.http)
			if te.Class != tc.class || te.Code != tc.code || te.RetryTimes != tc.retry || te.LockSeconds != tc.lock {
				t.Errorf("got class %v code %q retry %d lock %d; want %v %q %d %d", te.Class, te.Code, te.RetryTimes, te.LockSeconds, tc.class, tc.code, tc.retry, tc.lock)
			}
			if tc.msg != "" && te.Message != tc.msg {
				t.Errorf("message %q, want %q", te.Message, tc.msg)
			}
			if tc.errorCode != 0 && env.ErrorCode != tc.errorCode {
				t.Errorf("errorCode %d, want %d", env.ErrorCode, tc.errorCode)
			}
		})
	}
}

func TestClassifyByHTTPStatusWhenUnknown(t *testing.T) {
	cases := []struct {
		code int
		sub  string
		http int
		want target.Class
	}{
		{-1, "", 503, target.Transient},
		{-1, "", 400, target.Permanent},
		{-1, "DEVICEBUSY", 200, target.Busy}, // case does not matter
		{6, "whatever", 200, target.Permanent},
		{3, "", 200, target.Transient},
	}
	for _, tc := range cases {
		if got := classify(tc.code, tc.sub, tc.http); got != tc.want {
			t.Errorf("classify(%d, %q, %d) = %v, want %v", tc.code, tc.sub, tc.http, got, tc.want)
		}
	}
}

func FuzzParseEnvelope(f *testing.F) {
	for _, s := range []string{
		okEnvelope,
		`{"statusCode":2,"subStatusCode":"deviceBusy"}`,
		`{"UserInfoOutList":{"UserInfoOut":[{"employeeNo":"1","statusCode":6,"subStatusCode":"employeeNoNotExist"}]}}`,
		`{"ResponseStatus":{"statusCode":"6"}}`,
		xmlFailure,
		`<ResponseStatus><statusCode>4</statusCode><subStatusCode>notSupport</subStatusCode></ResponseStatus>`,
		`<ResponseStatus><statusCode><x>4</x></statusCode>`,
		`{"statusCode":99999999999999999999}`,
		`<html>`, `{`, ``, `null`, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := parseEnvelope(b)
		if err != nil {
			if env != nil {
				t.Fatal("error with an envelope")
			}
			return
		}
		// Whatever it says, turning it into an error must work and keep
		// the fields bounded.
		te := env.Error("t", "op", 200)
		if len(te.Message) > 3*maxEnvelopeText+16 {
			t.Fatalf("message of %d bytes", len(te.Message))
		}
		_ = te.Error()
	})
}

// The engine tells a terminal that did not answer from one that did by
// target.CodeTimeout (target.Unanswered): the client must use that code.
func TestTimeoutCodeIsTheSharedOne(t *testing.T) {
	if CodeTimeout != target.CodeTimeout {
		t.Fatalf("CodeTimeout %q differs from target.CodeTimeout %q", CodeTimeout, target.CodeTimeout)
	}
}
