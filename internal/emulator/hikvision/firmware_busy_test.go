package hikvision

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BusyBurst: busy for For out of every Every by the terminal's clock, to
// every request (signed or not); outside the bursts it answers normally.
func TestBusyBurstFollowsTheTerminalClock(t *testing.T) {
	clk := manualClock() // 09:00:00 UTC: a multiple of 5 s, so a burst starts now
	term, c := start(t, Config{Clock: clk, Quirks: Quirks{BusyBurst: BusyBurst{Every: 5 * time.Second, For: 2 * time.Second}}})
	term.SetPersons(makePersons(3))

	isBusy := func(r reply) bool { return strings.Contains(string(r.body), "deviceBusy") }
	if r := c.raw(http.MethodGet, countURI, "", ""); !isBusy(r) {
		t.Fatalf("unsigned request in a burst: %d %s", r.status, r.body)
	}
	clk.Advance(2 * time.Second) // the burst is over: the challenge comes
	c.prime()
	for _, step := range []struct {
		at   time.Duration // since the burst began
		busy bool
	}{{2 * time.Second, false}, {4999 * time.Millisecond, false}, {5 * time.Second, true}, {6999 * time.Millisecond, true}, {7 * time.Second, false}} {
		clk.Set(manualClock().Now().Add(step.at))
		r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0))
		if isBusy(r) != step.busy {
			t.Errorf("%v into the cycle: busy %v, want %v (%d %s)", step.at, isBusy(r), step.busy, r.status, r.body)
		}
		if step.busy {
			checkEnvelope(t, r, http.StatusOK, 2, "deviceBusy", "")
		}
	}
	// The terminal's own clock decides: a skew moves the bursts.
	skewed, sc := start(t, Config{Clock: clk, ClockSkew: 3 * time.Second, Quirks: Quirks{BusyBurst: BusyBurst{Every: 5 * time.Second, For: 2 * time.Second}}})
	skewed.SetPersons(makePersons(1))
	clk.Set(manualClock().Now().Add(2 * time.Second)) // 5 s on the terminal's clock: a burst
	if r := sc.raw(http.MethodGet, countURI, "", ""); !isBusy(r) {
		t.Errorf("a terminal 3 s ahead is not busy at its 5 s mark: %d %s", r.status, r.body)
	}
}

// The firmware profile imitating a terminal fed by iVMS-4200 plays both
// quirks this file tests.
func TestProfileK1T8003MF(t *testing.T) {
	p, err := LookupProfile("k1t8003mf")
	if err != nil {
		t.Fatal(err)
	}
	if q := p.Quirks; q.BusyBurst.Every <= q.BusyBurst.For || q.BusyBurst.For <= 0 || q.TrimPage <= 0 || q.TrimPage >= 30 {
		t.Fatalf("profile quirks %+v: want a busy burst shorter than its period and pages trimmed below 30", q)
	}
}

// TrimPage: pages carry at most N persons although maxResults (30) allows
// more; numOfMatches says how many, MORE continues, positions advance by it.
func TestTrimPage(t *testing.T) {
	term, c := start(t, Config{Quirks: Quirks{TrimPage: 20}})
	term.SetPersons(makePersons(45))
	for _, step := range []struct {
		pos, max int
		status   string
		num      int
		ids      string
	}{
		{0, 30, "MORE", 20, "1,…,20"},
		{20, 30, "MORE", 20, "21,…,40"},
		{40, 30, "OK", 5, "41,…,45"},
		{0, 10, "MORE", 10, "1,…,10"}, // a smaller maxResults still wins
	} {
		s := decodeJSONReply[searchReply](t, c.do(http.MethodPost, searchURI, searchBody("trim", step.pos, step.max))).UserInfoSearch
		if s.ResponseStatusStrg != step.status || s.NumOfMatches != step.num || len(s.UserInfo) != step.num || s.TotalMatches != 45 {
			t.Errorf("position %d: %s numOfMatches %d with %d persons of %d; want %s %d of 45",
				step.pos, s.ResponseStatusStrg, s.NumOfMatches, len(s.UserInfo), s.TotalMatches, step.status, step.num)
		}
		if got := ids(searchReply{UserInfoSearch: s}); got != step.ids {
			t.Errorf("position %d: employeeNos %s, want %s", step.pos, got, step.ids)
		}
	}
	// The capability still advertises 30: the trimming is silent.
	r := c.do(http.MethodGet, "/ISAPI/AccessControl/UserInfo/capabilities?format=json", "")
	if !strings.Contains(string(r.body), `"maxResults":{"@max":30,"@min":1}`) {
		t.Errorf("capabilities no longer advertise 30: %s", r.body)
	}
	// A lookup of more persons than a trimmed page holds is paged too.
	var want []string
	for i := 1; i <= 25; i++ {
		want = append(want, strconv.Itoa(i))
	}
	s := decodeJSONReply[searchReply](t, c.do(http.MethodPost, searchURI, searchBody("trim-list", 0, 30, want...))).UserInfoSearch
	if s.NumOfMatches != 20 || s.TotalMatches != 25 || s.ResponseStatusStrg != "MORE" {
		t.Errorf("lookup of 25: %s %d of %d, want MORE 20 of 25", s.ResponseStatusStrg, s.NumOfMatches, s.TotalMatches)
	}
}
