package hikvision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/target"
)

// pager is a terminal's Search for paging tests: persons by employeeNo, a
// page cap the capabilities may or may not admit, and a hook per request
// that can answer instead (to produce one anomaly).
type pager struct {
	mu       sync.Mutex
	nos      []string
	pageCap  int // what the terminal really returns per page
	advCap   int // what capabilities advertise
	listMax  int
	ignore   bool // ignore EmployeeNoList
	reqs     []searchCond
	override func(n int, c searchCond) (status int, body string, ok bool)
}

func newPager(n int) *pager {
	p := &pager{pageCap: 30, advCap: 30, listMax: 30}
	for i := range n {
		p.nos = append(p.nos, fmt.Sprint(1000+i))
	}
	return p
}

func (p *pager) handler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == pathDeviceInfo {
		_, _ = w.Write([]byte(deviceInfoXML))
		return
	}
	if strings.HasSuffix(r.URL.Path, "/capabilities") {
		p.mu.Lock()
		adv, lm := p.advCap, p.listMax
		p.mu.Unlock()
		jsonReply(w, 200, fmt.Sprintf(`{"UserInfo":{"supportFunction":{"@opt":"post,delete,put,get,setUp"},"maxRecordNum":3000,`+
			`"UserInfoSearchCond":{"searchID":{"@min":1,"@max":36},"maxResults":{"@min":1,"@max":%d},"EmployeeNoList":{"maxSize":%d}},`+
			`"Valid":{"timeRangeBegin":"2000-01-01T00:00:00","timeRangeEnd":"2037-12-31T23:59:59","timeType":{"@opt":"local,UTC"}}}}`, adv, lm))
		return
	}
	var body searchBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		jsonReply(w, 400, `{"statusCode":6,"subStatusCode":"badJsonContent"}`)
		return
	}
	p.mu.Lock()
	p.reqs = append(p.reqs, body.Cond)
	n := len(p.reqs)
	hook := p.override
	p.mu.Unlock()
	if hook != nil {
		if status, b, ok := hook(n, body.Cond); ok {
			jsonReply(w, status, b)
			return
		}
	}
	status, b := p.page(body.Cond)
	jsonReply(w, status, b)
}

// page answers a search the way a terminal does.
func (p *pager) page(c searchCond) (int, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.nos
	if len(c.EmployeeNoList) > 0 && !p.ignore {
		list = nil
		for _, e := range c.EmployeeNoList {
			if slices.Contains(p.nos, e.EmployeeNo) {
				list = append(list, e.EmployeeNo)
			}
		}
	}
	n := min(c.MaxResults, p.pageCap)
	if c.Position >= len(list) {
		return 200, fmt.Sprintf(`{"UserInfoSearch":{"searchID":%q,"responseStatusStrg":"NO MATCH","numOfMatches":0,"totalMatches":%d}}`, c.SearchID, len(list))
	}
	end := min(c.Position+n, len(list))
	var ps []string
	for _, no := range list[c.Position:end] {
		ps = append(ps, person(no, "Person "+no, "2025-10-01T23:59:59"))
	}
	st := "MORE"
	if end == len(list) {
		st = "OK"
	}
	return 200, fmt.Sprintf(`{"UserInfoSearch":{"searchID":%q,"responseStatusStrg":%q,"numOfMatches":%d,"totalMatches":%d,"UserInfo":[%s]}}`,
		c.SearchID, st, end-c.Position, len(list), strings.Join(ps, ","))
}

func (p *pager) requests() []searchCond {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.reqs)
}

func newPagerClient(t *testing.T, p *pager) *Client {
	_, srv := newFake(t, p.handler)
	return newTestClient(t, srv.URL)
}

func employeeNos(us []UserInfo) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.EmployeeNo)
	}
	return out
}

func TestSearchAllPaging(t *testing.T) {
	cases := []struct {
		name          string
		persons       int
		pageCap       int // what the terminal really returns
		wantPositions []int
	}{
		{"three pages", 75, 30, []int{0, 30, 60}},
		{"exactly one page", 30, 30, []int{0}},
		{"terminal returns fewer than asked", 45, 10, []int{0, 10, 20, 30, 40}},
		{"empty terminal", 0, 30, []int{0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newPager(tc.persons)
			p.pageCap = tc.pageCap
			c := newPagerClient(t, p)
			var prog [][2]int
			users, err := c.SearchAll(context.Background(), func(done, total int) { prog = append(prog, [2]int{done, total}) })
			if err != nil {
				t.Fatal(err)
			}
			if got, want := employeeNos(users), p.nos; !slices.Equal(got, want) {
				t.Fatalf("got %d persons, want %d", len(got), len(want))
			}
			reqs := p.requests()
			var pos []int
			for _, r := range reqs {
				pos = append(pos, r.Position)
				if r.SearchID != reqs[0].SearchID || r.MaxResults != 30 || len(r.EmployeeNoList) != 0 {
					t.Errorf("request %+v: want one searchID, maxResults 30, no list", r)
				}
			}
			if !slices.Equal(pos, tc.wantPositions) {
				t.Errorf("positions %v, want %v", pos, tc.wantPositions)
			}
			if last := prog[len(prog)-1]; len(prog) != len(tc.wantPositions) || last[0] != last[1] {
				t.Errorf("progress %v", prog)
			}
		})
	}
}

func TestSearchAllAnomalies(t *testing.T) {
	more0 := func(n int, c searchCond) (int, string, bool) {
		return 200, `{"UserInfoSearch":{"searchID":"x","responseStatusStrg":"MORE","numOfMatches":0,"totalMatches":75}}`, true
	}
	cases := []struct {
		name     string
		hook     func(p *pager) func(n int, c searchCond) (int, string, bool)
		wantReqs int
		class    target.Class
		errHas   string
		ok       bool // succeeds after a rescan
	}{
		{name: "MORE with no items", wantReqs: 2, class: target.Malformed, errHas: "search page 2: malformed: search reply not understood: status MORE with no persons",
			hook: func(p *pager) func(int, searchCond) (int, string, bool) {
				return func(n int, c searchCond) (int, string, bool) {
					if n == 2 {
						return more0(n, c)
					}
					return 0, "", false
				}
			}},
		{name: "numOfMatches disagrees with the list", wantReqs: 1, class: target.Malformed, errHas: "numOfMatches is 30 but the page holds 1",
			hook: func(p *pager) func(int, searchCond) (int, string, bool) {
				return func(n int, c searchCond) (int, string, bool) {
					return 200, searchReply("MORE", 30, 75, person("1", "a", "")), true
				}
			}},
		{name: "totalMatches changes once: rescan succeeds", wantReqs: 2 + 3, ok: true,
			hook: func(p *pager) func(int, searchCond) (int, string, bool) {
				return func(n int, c searchCond) (int, string, bool) {
					if n == 2 {
						_, b := p.page(c)
						return 200, strings.Replace(b, `"totalMatches":75`, `"totalMatches":76`, 1), true
					}
					return 0, "", false
				}
			}},
		{name: "totalMatches keeps changing: gives up after 3 scans", wantReqs: 6, class: target.Transient, errHas: "changed during each of 3 scans (last: page 2: totalMatches went from 75 to 80)",
			hook: func(p *pager) func(int, searchCond) (int, string, bool) {
				return func(n int, c searchCond) (int, string, bool) {
					if c.Position > 0 {
						_, b := p.page(c)
						return 200, strings.Replace(b, `"totalMatches":75`, `"totalMatches":80`, 1), true
					}
					return 0, "", false
				}
			}},
		{name: "same person on two pages", wantReqs: 6, class: target.Transient, errHas: `employeeNo "1000" listed twice`,
			hook: func(p *pager) func(int, searchCond) (int, string, bool) {
				return func(n int, c searchCond) (int, string, bool) {
					if c.Position == 30 {
						c.Position = 0 // firmware that ignores the position
						_, b := p.page(c)
						return 200, b, true
					}
					return 0, "", false
				}
			}},
		{name: "OK before the end", wantReqs: 6, class: target.Transient, errHas: "status OK after 60 of 75",
			hook: func(p *pager) func(int, searchCond) (int, string, bool) {
				return func(n int, c searchCond) (int, string, bool) {
					if c.Position == 30 {
						_, b := p.page(c)
						return 200, strings.Replace(b, `"MORE"`, `"OK"`, 1), true
					}
					return 0, "", false
				}
			}},
		{name: "NO MATCH in the middle", wantReqs: 6, class: target.Transient, errHas: "NO MATCH at position 30 of 75",
			hook: func(p *pager) func(int, searchCond) (int, string, bool) {
				return func(n int, c searchCond) (int, string, bool) {
					if c.Position == 30 {
						return 200, `{"UserInfoSearch":{"responseStatusStrg":"NO MATCH"}}`, true
					}
					return 0, "", false
				}
			}},
		{name: "runaway MORE", wantReqs: 5, class: target.Malformed, errHas: "search page 6: malformed: more than 5 pages for 75 persons",
			hook: func(p *pager) func(int, searchCond) (int, string, bool) {
				return func(n int, c searchCond) (int, string, bool) {
					if c.Position >= 30 { // one new person per page, forever MORE
						no := fmt.Sprint(5000 + n)
						return 200, searchReply("MORE", 1, 75, person(no, "x", "")), true
					}
					return 0, "", false
				}
			}},
		{name: "garbage page", wantReqs: 2, class: target.Malformed, errHas: "search page 2: malformed: reply not understood: invalid JSON",
			hook: func(p *pager) func(int, searchCond) (int, string, bool) {
				return func(n int, c searchCond) (int, string, bool) {
					if n == 2 {
						return 200, `{"UserInfoSearch":{"searchID":"`, true
					}
					return 0, "", false
				}
			}},
		{name: "HTML page", wantReqs: 1, class: target.Malformed, errHas: "reply not understood",
			hook: func(p *pager) func(int, searchCond) (int, string, bool) {
				return func(n int, c searchCond) (int, string, bool) { return 200, `<html><body>Login</body></html>`, true }
			}},
		{name: "bad request envelope", wantReqs: 1, class: target.Permanent, errHas: "permanent (badParameters): Invalid Content: maxResults",
			hook: func(p *pager) func(int, searchCond) (int, string, bool) {
				return func(n int, c searchCond) (int, string, bool) {
					return 400, `{"statusCode":6,"statusString":"Invalid Content","subStatusCode":"badParameters","errorMsg":"maxResults"}`, true
				}
			}},
		// The client never retries: the engine does (apply.Retry), and the
		// scan resumes there (TestInventoryResumesAfterAFailedPage).
		{name: "busy once: returned at once", wantReqs: 2, class: target.Busy, errHas: "search page 2: busy (deviceBusy)",
			hook: func(p *pager) func(int, searchCond) (int, string, bool) {
				return func(n int, c searchCond) (int, string, bool) {
					if n == 2 {
						return 200, `{"statusCode":2,"statusString":"Device Busy","subStatusCode":"deviceBusy"}`, true
					}
					return 0, "", false
				}
			}},
		{name: "503 once: returned at once", wantReqs: 3, class: target.Transient, errHas: "search page 3: transient (http): HTTP 503",
			hook: func(p *pager) func(int, searchCond) (int, string, bool) {
				return func(n int, c searchCond) (int, string, bool) {
					if n == 3 {
						return 503, `Service Unavailable`, true
					}
					return 0, "", false
				}
			}},
		{name: "busy for good", wantReqs: 1, class: target.Busy, errHas: "search page 1: busy (deviceBusy)",
			hook: func(p *pager) func(int, searchCond) (int, string, bool) {
				return func(n int, c searchCond) (int, string, bool) {
					return 200, `{"statusCode":2,"statusString":"Device Busy","subStatusCode":"deviceBusy"}`, true
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newPager(75)
			p.override = tc.hook(p)
			c := newPagerClient(t, p)
			users, err := c.SearchAll(context.Background(), nil)
			if got := len(p.requests()); got != tc.wantReqs {
				t.Errorf("search requests = %d, want %d", got, tc.wantReqs)
			}
			if tc.ok {
				if err != nil || len(users) != 75 {
					t.Fatalf("want 75 persons, got %d, %v", len(users), err)
				}
				return
			}
			if users != nil {
				t.Errorf("a failed scan returned %d persons", len(users))
			}
			var te *target.Error
			if !errors.As(err, &te) || te.Class != tc.class || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("want %v error with %q, got %v", tc.class, tc.errHas, err)
			}
			if !strings.HasPrefix(err.Error(), "terminal entrance: search") {
				t.Errorf("error lacks context: %v", err)
			}
		})
	}
}

func TestRescanUsesNewSearchID(t *testing.T) {
	p := newPager(75)
	p.override = func(n int, c searchCond) (int, string, bool) {
		if n == 2 {
			_, b := p.page(c)
			return 200, strings.Replace(b, `"totalMatches":75`, `"totalMatches":74`, 1), true
		}
		return 0, "", false
	}
	c := newPagerClient(t, p)
	if _, err := c.SearchAll(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	r := p.requests()
	if r[2].Position != 0 || r[2].SearchID == r[0].SearchID || r[3].SearchID != r[2].SearchID {
		t.Errorf("rescan requests %+v", r)
	}
}

// A scan interrupted by a failed page continues from that page when called
// again with its state, keeping the searchID, as long as the list is
// unchanged and the last page is recent; otherwise it starts over.
func TestInventoryResumesAfterAFailedPage(t *testing.T) {
	busyAt := func(fail map[int]bool) func(n int, c searchCond) (int, string, bool) {
		return func(n int, c searchCond) (int, string, bool) {
			if fail[n] {
				return 200, `{"statusCode":2,"statusString":"Device Busy","subStatusCode":"deviceBusy"}`, true
			}
			return 0, "", false
		}
	}
	t.Run("unchanged list: continues", func(t *testing.T) {
		p := newPager(75)
		p.override = busyAt(map[int]bool{3: true}) // page 3 busy once
		c := newPagerClient(t, p)
		var st scanState
		if _, err := c.searchAll(context.Background(), nil, &st); target.ClassOf(err) != target.Busy {
			t.Fatalf("first call: want busy, got %v", err)
		}
		var prog [][2]int
		users, err := c.searchAll(context.Background(), func(done, total, _ int) { prog = append(prog, [2]int{done, total}) }, &st)
		if err != nil || len(users) != 75 {
			t.Fatalf("resumed scan: %d persons, %v", len(users), err)
		}
		r := p.requests()
		// Page 3 again, from one person earlier: that person must be the
		// last one kept (the list did not shift).
		if len(r) != 4 || r[3].Position != 59 || r[3].SearchID != r[0].SearchID {
			t.Errorf("requests %+v: want pages 1, 2, busy 3, then 3 again from position 59 with the same searchID", r)
		}
		if len(prog) == 0 || prog[0][0] != 3 {
			t.Errorf("progress %v: want it to go on from page 3", prog)
		}
		// A finished scan is not resumed: the next one reads everything.
		if _, err := c.searchAll(context.Background(), nil, &st); err != nil || len(p.requests()) != 7 {
			t.Errorf("scan after a finished one: %d requests in all, %v; want 3 more", len(p.requests()), err)
		}
	})
	t.Run("list changed meanwhile: rescans", func(t *testing.T) {
		p := newPager(75)
		p.override = busyAt(map[int]bool{2: true})
		c := newPagerClient(t, p)
		var st scanState
		if _, err := c.searchAll(context.Background(), nil, &st); err == nil {
			t.Fatal("first call: want busy")
		}
		p.mu.Lock()
		p.nos = append(p.nos, "2000") // someone added a person
		p.mu.Unlock()
		users, err := c.searchAll(context.Background(), nil, &st)
		if err != nil || len(users) != 76 {
			t.Fatalf("after a change: %d persons, %v; want all 76", len(users), err)
		}
		r := p.requests()
		// page 1, busy page 2, page 2 again (totalMatches 76: changed),
		// then a new scan of three pages.
		if len(r) != 6 || r[3].Position != 0 || r[3].SearchID == r[0].SearchID {
			t.Errorf("requests %+v: want a rescan from position 0 with a new searchID", r)
		}
	})
	t.Run("list shifted with the same total: rescans", func(t *testing.T) {
		p := newPager(75)
		p.override = busyAt(map[int]bool{3: true})
		c := newPagerClient(t, p)
		var st scanState
		if _, err := c.searchAll(context.Background(), nil, &st); err == nil {
			t.Fatal("first call: want busy")
		}
		// Meanwhile one person of the first pages is deleted and another
		// added at the end: totalMatches is 75 again, but everyone after
		// the deleted one moved up a place. Resuming at position 60 would
		// skip person 1060 silently.
		p.mu.Lock()
		p.nos = append(slices.Delete(p.nos, 5, 6), "2000")
		p.mu.Unlock()
		users, err := c.searchAll(context.Background(), nil, &st)
		if err != nil || len(users) != 75 {
			t.Fatalf("after the shift: %d persons, %v", len(users), err)
		}
		got := employeeNos(users)
		if !slices.Contains(got, "1060") || !slices.Contains(got, "2000") || slices.Contains(got, "1005") {
			t.Errorf("inventory %v: want everyone on the terminal now, 1060 and 2000 included", got)
		}
	})
	t.Run("too long ago: starts over", func(t *testing.T) {
		p := newPager(75)
		p.override = busyAt(map[int]bool{2: true})
		_, srv := newFake(t, p.handler)
		clk := clock.NewManual(time.Date(2026, 2, 28, 23, 59, 0, 0, time.UTC))
		c := newTestClient(t, srv.URL, func(c *Config) { c.Clock = clk })
		var st scanState
		if _, err := c.searchAll(context.Background(), nil, &st); err == nil {
			t.Fatal("first call: want busy")
		}
		clk.Advance(resumeWithin + time.Second)
		if users, err := c.searchAll(context.Background(), nil, &st); err != nil || len(users) != 75 {
			t.Fatalf("later scan: %d persons, %v", len(users), err)
		}
		if r := p.requests(); len(r) != 5 || r[2].Position != 0 {
			t.Errorf("requests %+v: want a new scan from position 0", r)
		}
	})
}

func TestSearchEmployees(t *testing.T) {
	t.Run("batched by EmployeeNoList.maxSize", func(t *testing.T) {
		p := newPager(100)
		c := newPagerClient(t, p)
		var ask []string
		for i := range 62 {
			ask = append(ask, fmt.Sprint(1000+i))
		}
		ask = append(ask, "1000", "9999", "9998", "9997") // a repeat and three that do not exist
		users, err := c.SearchEmployees(context.Background(), ask)
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != 62 {
			t.Errorf("got %d persons, want 62", len(users))
		}
		reqs := p.requests()
		if len(reqs) != 3 { // ⌈65/30⌉ distinct ids
			t.Fatalf("requests = %d, want 3", len(reqs))
		}
		for i, r := range reqs {
			if len(r.EmployeeNoList) > 30 || r.Position != 0 {
				t.Errorf("request %d: %d employeeNos at %d", i, len(r.EmployeeNoList), r.Position)
			}
		}
	})
	t.Run("pages trimmed below maxResults", func(t *testing.T) {
		p := newPager(100)
		p.pageCap = 20 // answers 20 although 30 are advertised and asked for
		c := newPagerClient(t, p)
		var ask []string
		for i := range 70 {
			ask = append(ask, fmt.Sprint(1000+i))
		}
		users, err := c.SearchEmployees(context.Background(), ask)
		if err != nil || len(users) != 70 {
			t.Fatalf("got %d persons, %v", len(users), err)
		}
		// 30 ids: a trimmed page of 20 and one of 10; then batches of 20
		// (20, 20): one request each.
		reqs := p.requests()
		if len(reqs) != 4 || len(reqs[2].EmployeeNoList) != 20 || reqs[2].MaxResults != 20 {
			t.Errorf("requests %+v: want 2 for the first batch of 30, then 2 batches of 20", reqs)
		}
	})
	t.Run("smaller list limit", func(t *testing.T) {
		p := newPager(40)
		p.listMax = 10
		c := newPagerClient(t, p)
		var ask []string
		for i := range 35 {
			ask = append(ask, fmt.Sprint(1000+i))
		}
		if _, err := c.SearchEmployees(context.Background(), ask); err != nil {
			t.Fatal(err)
		}
		if n := len(p.requests()); n != 4 {
			t.Errorf("requests = %d, want ⌈35/10⌉ = 4", n)
		}
	})
	t.Run("firmware ignoring the list", func(t *testing.T) {
		p := newPager(40)
		p.ignore = true
		c := newPagerClient(t, p)
		users, err := c.SearchEmployees(context.Background(), []string{"1035"})
		var te *target.Error
		if !errors.As(err, &te) || te.Class != target.Malformed || !strings.Contains(err.Error(), `employeeNo "1000", which was not asked for`) {
			t.Fatalf("want a malformed error naming 1000, got %v", err)
		}
		if users != nil {
			t.Error("persons returned with the error")
		}
	})
	t.Run("bad ids", func(t *testing.T) {
		c := newPagerClient(t, newPager(1))
		for _, ids := range [][]string{{"1", " "}, {strings.Repeat("9", 33)}} {
			if _, err := c.SearchEmployees(context.Background(), ids); target.ClassOf(err) != target.Permanent {
				t.Errorf("%q: want a permanent error, got %v", ids, err)
			}
		}
	})
}

func TestCapabilitiesFallback(t *testing.T) {
	// A terminal without the capabilities call: defaults (30) are used.
	p := newPager(45)
	_, srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/capabilities") {
			jsonReply(w, 404, `{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"notSupport"}`)
			return
		}
		p.handler(w, r)
	})
	c := newTestClient(t, srv.URL)
	users, err := c.SearchAll(context.Background(), nil)
	if err != nil || len(users) != 45 {
		t.Fatalf("got %d, %v", len(users), err)
	}
	caps, _ := c.limits(context.Background())
	if caps.MaxResults != 30 || len(caps.Notes) == 0 {
		t.Errorf("caps %+v", caps)
	}
}

// A terminal claiming more persons than it can hold (totalMatches 10
// million, maxRecordNum 3000) is refused on the first page: the page bound
// comes from totalMatches, and believing it would keep a run paging for
// hours through pages of new persons.
func TestScanRefusesAnImpossibleTotal(t *testing.T) {
	p := newPager(75)
	p.override = func(n int, c searchCond) (int, string, bool) {
		_, b := p.page(c)
		return 200, strings.Replace(b, `"totalMatches":75`, `"totalMatches":10000000`, 1), true
	}
	c := newPagerClient(t, p)
	_, err := c.SearchAll(context.Background(), nil)
	var te *target.Error
	if !errors.As(err, &te) || te.Class != target.Malformed || !strings.Contains(err.Error(), "totalMatches 10000000 is more persons than the terminal can hold (at most 3400)") {
		t.Fatalf("want a malformed reply naming the bound, got %v", err)
	}
	if n := len(p.requests()); n != 1 {
		t.Errorf("%d search requests, want 1", n)
	}
}
