package hikvision

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/target"
)

// modifier answers Modify with scripted replies (then success), and Search
// with a pager holding person 1042 as a visitor.
type modifier struct {
	mu      sync.Mutex
	replies [][2]string // status, body
	bodies  []string
	methods []string
	pager   *pager
}

func (m *modifier) handler(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/Modify") {
		m.pager.handler(w, r)
		return
	}
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	m.mu.Lock()
	m.bodies = append(m.bodies, b.String())
	m.methods = append(m.methods, r.Method+" "+r.URL.RequestURI())
	var rep [2]string
	if len(m.replies) > 0 {
		rep, m.replies = m.replies[0], m.replies[1:]
	} else {
		rep = [2]string{"200", okEnvelope}
	}
	m.mu.Unlock()
	status := 200
	if rep[0] != "200" {
		status = map[string]int{"400": 400, "503": 503, "500": 500}[rep[0]]
	}
	jsonReply(w, status, rep[1])
}

func (m *modifier) sent() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.bodies)
}

func newModifier(t *testing.T, replies ...[2]string) (*modifier, *Client, *clock.Manual) {
	p := newPager(0)
	p.nos = []string{"1042"}
	m := &modifier{replies: replies, pager: p}
	_, srv := newFake(t, m.handler)
	clk := clock.NewManual(time.Date(2025, 10, 15, 9, 30, 0, 0, testZone(t)))
	c := newTestClient(t, srv.URL, func(c *Config) { c.Clock = clk })
	return m, c, clk
}

// keysOf decodes a Modify body into its UserInfo and Valid key sets.
func keysOf(t *testing.T, body string) (map[string]any, map[string]any) {
	t.Helper()
	var top map[string]map[string]any
	if err := json.Unmarshal([]byte(body), &top); err != nil || len(top) != 1 || top["UserInfo"] == nil {
		t.Fatalf("body %s: %v", body, err)
	}
	ui := top["UserInfo"]
	v, _ := ui["Valid"].(map[string]any)
	return ui, v
}

func TestModifySendsOnlyValidity(t *testing.T) {
	zone := testZone(t)
	end := time.Date(2025, 11, 1, 23, 59, 59, 0, zone)
	cases := []struct {
		name      string
		req       ModifyRequest
		wantKeys  []string
		wantBegin string
		wantEnd   string
	}{
		{name: "as read", req: ModifyRequest{EmployeeNo: "1042", UserType: "normal", Begin: time.Date(2024, 3, 4, 0, 0, 0, 0, zone), End: end},
			wantKeys: []string{"Valid", "employeeNo", "userType"}, wantBegin: "2024-03-04T00:00:00", wantEnd: "2025-11-01T23:59:59"},
		{name: "no userType read: not sent", req: ModifyRequest{EmployeeNo: "1042", Begin: time.Date(2024, 3, 4, 0, 0, 0, 0, zone), End: end},
			wantKeys: []string{"Valid", "employeeNo"}, wantBegin: "2024-03-04T00:00:00", wantEnd: "2025-11-01T23:59:59"},
		{name: "no begin read: start of today", req: ModifyRequest{EmployeeNo: "1042", UserType: "visitor", End: end},
			wantKeys: []string{"Valid", "employeeNo", "userType"}, wantBegin: "2025-10-15T00:00:00", wantEnd: "2025-11-01T23:59:59"},
		{name: "no begin read, end in the past: start of the end's day", req: ModifyRequest{EmployeeNo: "1042", UserType: "normal", End: time.Date(2025, 9, 30, 23, 59, 59, 0, zone)},
			wantKeys: []string{"Valid", "employeeNo", "userType"}, wantBegin: "2025-09-30T00:00:00", wantEnd: "2025-09-30T23:59:59"},
		{name: "end given in UTC is written as local wall time", req: ModifyRequest{EmployeeNo: "1042", UserType: "normal", Begin: time.Date(2024, 3, 4, 0, 0, 0, 0, zone), End: end.UTC()},
			wantKeys: []string{"Valid", "employeeNo", "userType"}, wantBegin: "2024-03-04T00:00:00", wantEnd: "2025-11-01T23:59:59"},
		{name: "summer end", req: ModifyRequest{EmployeeNo: "1042", UserType: "normal", Begin: time.Date(2024, 3, 4, 0, 0, 0, 0, zone), End: time.Date(2026, 7, 1, 23, 59, 59, 0, zone)},
			wantKeys: []string{"Valid", "employeeNo", "userType"}, wantBegin: "2024-03-04T00:00:00", wantEnd: "2026-07-01T23:59:59"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, c, _ := newModifier(t)
			if err := c.Modify(context.Background(), tc.req); err != nil {
				t.Fatal(err)
			}
			sent := m.sent()
			if len(sent) != 1 || m.methods[0] != "PUT /ISAPI/AccessControl/UserInfo/Modify?format=json" {
				t.Fatalf("sent %v %v", m.methods, sent)
			}
			ui, v := keysOf(t, sent[0])
			var keys []string
			for k := range ui {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, tc.wantKeys) {
				t.Errorf("UserInfo keys %v, want %v", keys, tc.wantKeys)
			}
			if len(v) != 4 || v["enable"] != true || v["timeType"] != "local" || v["beginTime"] != tc.wantBegin || v["endTime"] != tc.wantEnd {
				t.Errorf("Valid %v, want enable:true, local, %s…%s", v, tc.wantBegin, tc.wantEnd)
			}
			if ui["employeeNo"] != "1042" || (tc.req.UserType != "" && ui["userType"] != tc.req.UserType) {
				t.Errorf("UserInfo %v", ui)
			}
		})
	}
}

func TestModifyRefusesBadRequests(t *testing.T) {
	zone := testZone(t)
	end := time.Date(2025, 11, 1, 23, 59, 59, 0, zone)
	for name, req := range map[string]ModifyRequest{
		"no employeeNo": {End: end},
		"no end":        {EmployeeNo: "1042"},
	} {
		m, c, _ := newModifier(t)
		err := c.Modify(context.Background(), req)
		if target.ClassOf(err) != target.Permanent {
			t.Errorf("%s: want permanent, got %v", name, err)
		}
		if len(m.sent()) != 0 {
			t.Errorf("%s: a request was sent", name)
		}
	}
}

// A revoke of a member whose period starts later: the terminal refuses
// end < begin, so the period shrinks to the end's (past) day.
func TestModifyEndBeforeBeginMovesBegin(t *testing.T) {
	zone := testZone(t)
	end := time.Date(2025, 11, 1, 23, 59, 59, 0, zone)
	m, c, _ := newModifier(t)
	if err := c.Modify(context.Background(), ModifyRequest{EmployeeNo: "1042", UserType: "normal", Begin: end.AddDate(0, 0, 10), End: end}); err != nil {
		t.Fatal(err)
	}
	sent := m.sent()
	if len(sent) != 1 {
		t.Fatalf("%d requests", len(sent))
	}
	_, v := keysOf(t, sent[0])
	if v["beginTime"] != "2025-11-01T00:00:00" || v["endTime"] != "2025-11-01T23:59:59" {
		t.Fatalf("Valid %v: want the end's day as the period", v)
	}
}

func TestModifyReplies(t *testing.T) {
	zone := testZone(t)
	req := ModifyRequest{EmployeeNo: "1042", UserType: "normal", Begin: time.Date(2024, 3, 4, 0, 0, 0, 0, zone), End: time.Date(2025, 11, 1, 23, 59, 59, 0, zone)}
	cases := []struct {
		name   string
		reply  [2]string
		class  target.Class
		errHas string
		ok     bool
	}{
		{name: "ok", reply: [2]string{"200", okEnvelope}, ok: true},
		{name: "per-person ok", reply: [2]string{"200", `{"UserInfoOutList":{"UserInfoOut":[{"employeeNo":"1042","statusCode":1,"subStatusCode":"ok"}]}}`}, ok: true},
		{name: "person gone, HTTP 200", reply: [2]string{"200", `{"statusCode":6,"statusString":"Invalid Content","subStatusCode":"employeeNoNotExist","errorMsg":"employeeNo"}`},
			class: target.NotFound, errHas: "terminal entrance: modify 1042: not found (employeeNoNotExist)"},
		{name: "per-person failure", reply: [2]string{"200", `{"UserInfoOutList":{"UserInfoOut":[{"employeeNo":"1042","statusCode":6,"subStatusCode":"deviceUserNotExist"}]}}`},
			class: target.NotFound, errHas: "employeeNo 1042"},
		{name: "range rejected", reply: [2]string{"400", `{"statusCode":6,"statusString":"Invalid Content","subStatusCode":"badJsonContent","errorCode":1610612759,"errorMsg":"beginTime and endTime"}`},
			class: target.Permanent, errHas: "permanent (badJsonContent): Invalid Content: beginTime and endTime"},
		{name: "busy: not retried here", reply: [2]string{"200", `{"statusCode":2,"statusString":"Device Busy","subStatusCode":"deviceBusy"}`},
			class: target.Busy, errHas: "busy (deviceBusy)"},
		{name: "503: not retried here", reply: [2]string{"503", `Service Unavailable`}, class: target.Transient, errHas: "HTTP 503"},
		{name: "empty 200", reply: [2]string{"200", ``}, class: target.Malformed, errHas: "may or may not have been made"},
		{name: "truncated", reply: [2]string{"200", `{"statusCode":1,"stat`}, class: target.Malformed, errHas: "may or may not have been made: invalid JSON"},
		{name: "a payload instead of a status", reply: [2]string{"200", `{"UserInfo":{}}`}, class: target.Malformed, errHas: "no status envelope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, c, _ := newModifier(t, tc.reply)
			err := c.Modify(context.Background(), req)
			if n := len(m.sent()); n != 1 {
				t.Errorf("%d Modify requests, want exactly 1", n)
			}
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var te *target.Error
			if !errors.As(err, &te) || te.Class != tc.class || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("want %v with %q, got %v", tc.class, tc.errHas, err)
			}
		})
	}
}

func TestModifyMessageParametersLack(t *testing.T) {
	zone := testZone(t)
	lack := func(field string) [2]string {
		return [2]string{"400", `{"statusCode":6,"statusString":"Invalid Content","subStatusCode":"MessageParametersLack","errorMsg":"` + field + `"}`}
	}
	readCopy, err := decodeSearch([]byte(searchReply("OK", 1, 1, strings.Replace(person("1042", "Ziga Ceh", "2025-10-01T23:59:59"), `"userType":"normal"`, `"userType":"visitor"`, 1))))
	if err != nil {
		t.Fatal(err)
	}
	base := ModifyRequest{EmployeeNo: "1042", Begin: time.Date(2024, 3, 4, 0, 0, 0, 0, zone), End: time.Date(2025, 11, 1, 23, 59, 59, 0, zone)}
	cases := []struct {
		name      string
		read      *UserInfo
		replies   [][2]string
		wantMods  int
		wantAdded map[string]any // keys expected in the retry, with values
		errHas    string
	}{
		{name: "userType from the read copy", read: &readCopy.Users[0], replies: [][2]string{lack("userType")}, wantMods: 2, wantAdded: map[string]any{"userType": "visitor"}},
		{name: "name from the read copy", read: &readCopy.Users[0], replies: [][2]string{lack("UserInfo.name")}, wantMods: 2, wantAdded: map[string]any{"name": "Ziga Ceh"}},
		{name: "no read copy: read again", replies: [][2]string{lack("userType")}, wantMods: 2, wantAdded: map[string]any{"userType": "normal"}},
		{name: "only once", read: &readCopy.Users[0], replies: [][2]string{lack("userType"), lack("gender")}, wantMods: 2, errHas: "MessageParametersLack"},
		{name: "never the password", read: &readCopy.Users[0], replies: [][2]string{lack("password")}, wantMods: 1, errHas: `"password" is not sent by doorsync`},
		{name: "never rights", read: &readCopy.Users[0], replies: [][2]string{lack("RightPlan")}, wantMods: 1, errHas: `"RightPlan" is not sent`},
		{name: "not in the read copy", read: &readCopy.Users[0], replies: [][2]string{lack("faceURL")}, wantMods: 1, errHas: `the read copy has no "faceURL"`},
		{name: "nameless", read: &readCopy.Users[0], replies: [][2]string{lack("")}, wantMods: 1, errHas: "did not name the missing field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, c, _ := newModifier(t, tc.replies...)
			req := base
			req.Read = tc.read
			err := c.Modify(context.Background(), req)
			sent := m.sent()
			if len(sent) != tc.wantMods {
				t.Fatalf("%d Modify requests, want %d", len(sent), tc.wantMods)
			}
			if tc.errHas != "" {
				if target.ClassOf(err) != target.Permanent || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("want permanent with %q, got %v", tc.errHas, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ui, _ := keysOf(t, sent[1])
			if len(ui) != 2+len(tc.wantAdded) { // employeeNo, Valid and the added field
				t.Errorf("retry sent %v", ui)
			}
			for k, v := range tc.wantAdded {
				if ui[k] != v {
					t.Errorf("retry %s = %v, want %v", k, ui[k], v)
				}
			}
		})
	}
}

// A Modify sent again (here with the field a MessageParametersLack named)
// asks the run's send gate again: a run that lost its lock in between sends
// nothing more (issue 11 re-review).
func TestModifyAgainAsksTheSendGate(t *testing.T) {
	zone := testZone(t)
	m, c, _ := newModifier(t, [2]string{"400", `{"statusCode":6,"statusString":"Invalid Content","subStatusCode":"MessageParametersLack","errorMsg":"userType"}`})
	asked := 0
	ctx := target.WithSendGate(context.Background(), func(context.Context) error {
		if asked++; asked > 1 {
			return errors.New("the run lock was taken over")
		}
		return nil
	})
	err := c.Modify(ctx, ModifyRequest{EmployeeNo: "1042", Begin: time.Date(2024, 3, 4, 0, 0, 0, 0, zone), End: time.Date(2025, 11, 1, 23, 59, 59, 0, zone)})
	if !errors.Is(err, target.ErrNotSent) || !strings.Contains(err.Error(), "taken over") {
		t.Fatalf("Modify = %v, want not sent once the gate closed", err)
	}
	if n := len(m.sent()); n != 1 {
		t.Errorf("%d Modify requests, want the first only", n)
	}
}
