package hikvision

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/emulator"
)

// holdInSlot makes the next authenticated request stay inside the terminal's
// request slot until release is closed; entered is closed when it gets there.
func holdInSlot(term *Terminal) (entered chan struct{}, release chan struct{}) {
	entered, release = make(chan struct{}), make(chan struct{})
	term.mu.Lock()
	term.inSlot = func(ctx context.Context) {
		term.mu.Lock()
		term.inSlot = nil // hold only the first request
		term.mu.Unlock()
		close(entered)
		select {
		case <-release:
		case <-ctx.Done():
		}
	}
	term.mu.Unlock()
	return entered, release
}

func TestConcurrentRequestGetsDeviceBusy(t *testing.T) {
	term, c := start(t, Config{})
	term.SetPersons(makePersons(3))
	c.prime()
	entered, release := holdInSlot(term)

	first := make(chan reply, 1)
	auth := c.authFor(http.MethodGet, countURI, 0)
	go func() {
		r, err := c.tryRaw(http.MethodGet, countURI, "", auth)
		if err != nil {
			r.body = []byte(err.Error())
		}
		first <- r
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("first request never reached the terminal")
	}

	// JSON call while the first is in flight: HTTP 200 with deviceBusy inside.
	r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0))
	e := checkEnvelope(t, r, http.StatusOK, 2, "deviceBusy", "")
	if e.StatusString != "Device Busy" || e.ErrorCode != 0x20000004 || e.RequestURL != countURI {
		t.Errorf("busy envelope %+v", e)
	}
	// XML call: the same envelope as <ResponseStatus>.
	r = c.raw(http.MethodGet, deviceInfoURI, "", c.authFor(http.MethodGet, deviceInfoURI, 0))
	x := decodeXMLReply[statusXML](t, r)
	if r.status != http.StatusOK || x.SubStatusCode != "deviceBusy" || x.StatusCode != 2 {
		t.Errorf("XML busy: status %d %+v", r.status, x)
	}
	// Even a request without credentials is turned away: one at a time.
	if r := c.raw(http.MethodGet, countURI, "", ""); !strings.Contains(string(r.body), "deviceBusy") {
		t.Errorf("unauthenticated request while busy: %d %s", r.status, r.body)
	}

	close(release)
	r = <-first
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"userNumber":3`) {
		t.Errorf("held request: %d %s", r.status, r.body)
	}
	// The busy answers spent nothing: the next request goes through.
	if r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0)); r.status != http.StatusOK {
		t.Errorf("after the first finished: %d %s", r.status, r.body)
	}
}

func TestProcessTimeHoldsTheSlot(t *testing.T) {
	term, c := start(t, Config{ProcessTime: 20 * time.Millisecond})
	term.SetPersons(makePersons(1))
	if r := c.do(http.MethodGet, countURI, ""); r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
}

func TestFaultInjection(t *testing.T) {
	faults := emulator.NewFaults(7)
	log := &emulator.RequestLog{}
	term, c := start(t, Config{Faults: faults, Log: log})
	term.SetPersons(makePersons(2))
	c.prime()
	search := `{"UserInfoSearchCond":{"searchID":"f","searchResultPosition":0,"maxResults":30}}`

	faults.Next(emulator.FaultBusy)
	r := c.raw(http.MethodPost, searchURI, search, c.authFor(http.MethodPost, searchURI, 0))
	checkEnvelope(t, r, http.StatusOK, 2, "deviceBusy", "deviceBusy")

	faults.Next(emulator.FaultGarbage)
	r = c.raw(http.MethodPost, searchURI, search, c.authFor(http.MethodPost, searchURI, 0))
	if r.status != http.StatusOK || !strings.HasPrefix(string(r.body), `{"UserInfoSearch"`) {
		t.Errorf("garbage: %d %s", r.status, r.body)
	}
	var v any
	if err := json.Unmarshal(r.body, &v); err == nil {
		t.Errorf("garbage body decodes as JSON: %s", r.body)
	}

	faults.Next(emulator.Fault5xx)
	r = c.raw(http.MethodPost, searchURI, search, c.authFor(http.MethodPost, searchURI, 0))
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("5xx fault: status %d", r.status)
	}

	// No fault left: a normal answer.
	r = c.raw(http.MethodPost, searchURI, search, c.authFor(http.MethodPost, searchURI, 0))
	if s := decodeJSONReply[searchReply](t, r); s.UserInfoSearch.NumOfMatches != 2 {
		t.Errorf("after the faults: %s", r.body)
	}

	var got []string
	for _, e := range log.Entries() {
		got = append(got, e.Fault)
	}
	want := []string{"", "busy", "garbage", "5xx", ""}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("logged faults %q, want %q", got, want)
	}
}
