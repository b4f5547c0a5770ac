package hikvision

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/target"
)

const (
	// maxScans bounds full rescans when the list changes under a scan
	// (iVMS-4200 pushing persons, someone editing on the terminal).
	maxScans = 3
	// pageSlack is how many pages beyond totalMatches/pageSize a scan may
	// take before it is called a runaway.
	pageSlack = 2
	// minLearnedPage is the smallest trimmed page that lowers the page
	// size for the client's life: one odd page of a person or two must not
	// make every later lookup cost thirty requests. Paging works whatever
	// a page holds; this only sizes lookup batches.
	minLearnedPage = 10
)

// NewSearchID returns a fresh searchID; use one per scan.
func NewSearchID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return "doorsync-" + hex.EncodeToString(b[:])
}

type searchBody struct {
	Cond searchCond `json:"UserInfoSearchCond"`
}

type searchCond struct {
	SearchID       string           `json:"searchID"`
	Position       int              `json:"searchResultPosition"`
	MaxResults     int              `json:"maxResults"`
	EmployeeNoList []employeeNoItem `json:"EmployeeNoList,omitempty"`
}

type employeeNoItem struct {
	EmployeeNo string `json:"employeeNo"`
}

// Search reads one page. The page is checked in itself (see SearchPage);
// with EmployeeNos, every person returned must be one that was asked for
// (some firmware ignores EmployeeNoList and lists everyone).
func (c *Client) Search(ctx context.Context, q SearchQuery) (SearchPage, error) {
	return c.search(ctx, q, "search")
}

func (c *Client) search(ctx context.Context, q SearchQuery, op string) (SearchPage, error) {
	if q.SearchID == "" {
		q.SearchID = NewSearchID()
	}
	if q.MaxResults <= 0 {
		q.MaxResults = defaultMaxResults
	}
	if q.Position < 0 {
		return SearchPage{}, c.errs.Fail(target.Permanent, op, "", fmt.Sprintf("negative search position %d", q.Position), nil)
	}
	body := searchBody{Cond: searchCond{SearchID: q.SearchID, Position: q.Position, MaxResults: q.MaxResults}}
	asked := make(map[string]bool, len(q.EmployeeNos))
	for _, no := range q.EmployeeNos {
		body.Cond.EmployeeNoList = append(body.Cond.EmployeeNoList, employeeNoItem{no})
		asked[no] = true
	}
	b, err := json.Marshal(body)
	if err != nil {
		return SearchPage{}, c.errs.Fail(target.Permanent, op, "", "cannot encode the search", err)
	}
	cl := call{op: op, method: http.MethodPost, path: pathSearch, body: b, read: true}
	rep, err := c.do(ctx, cl)
	if err != nil {
		return SearchPage{}, err
	}
	payload, err := c.payload(cl, rep)
	if err != nil {
		return SearchPage{}, err
	}
	p, err := decodeSearch(payload)
	if err != nil {
		return SearchPage{}, c.errs.Fail(target.Malformed, op, "", "search reply not understood", err)
	}
	if p.Status == StatusMore && p.NumOfMatches < q.MaxResults && p.NumOfMatches >= minLearnedPage {
		c.learnPageCap(p.NumOfMatches)
	}
	if len(asked) > 0 {
		for _, u := range p.Users {
			if !asked[u.EmployeeNo] {
				return SearchPage{}, c.errs.Fail(target.Malformed, op, "ignoredEmployeeNoList",
					fmt.Sprintf("the terminal returned employeeNo %q, which was not asked for (firmware that ignores EmployeeNoList?)", u.EmployeeNo), nil)
			}
		}
	}
	return p, nil
}

// listChanged says a scan saw the list change under it; SearchAll rescans.
type listChanged struct {
	page   int
	reason string
}

func (e *listChanged) Error() string { return fmt.Sprintf("page %d: %s", e.page, e.reason) }

// SearchAll lists every person with one searchID per scan, advancing by
// what each page returned (terminals cap pages silently). When the list
// changes under a scan (totalMatches moves, a person is listed twice, the
// end comes early) it rescans from the start, at most maxScans times.
// progress, if set, gets pages read and pages expected. It never returns a
// partial list: any failure returns no persons.
func (c *Client) SearchAll(ctx context.Context, progress func(done, total int)) ([]UserInfo, error) {
	var p func(done, total, items int)
	if progress != nil {
		p = func(done, total, _ int) { progress(done, total) }
	}
	return c.searchAll(ctx, p, &scanState{})
}

// resumeWithin is how recent the last page of an interrupted scan must be
// for the scan to continue: the engine retries within seconds, and pages
// older than this are not trusted to go with new ones.
const resumeWithin = 2 * time.Minute

// scanState is a listing in progress. A failed page (a busy terminal) ends
// the call but not the scan: called again with the same state, searchAll
// continues from that page when the list is unchanged (totalMatches equal),
// so the engine's retry of a 50-page inventory costs the failed page, not
// the 30 before it. The client itself never retries (see do).
type scanState struct {
	searchID string
	users    []UserInfo
	seen     map[string]bool
	page     int // the next page to read (1 = the scan has not begun)
	pos      int // searchResultPosition of that page
	total    int // totalMatches of the first page; -1 before it
	perPage  int
	maxPages int
	at       time.Time // when the last page was read
	// resume: the next page continues an interrupted scan. It is read
	// from one position earlier, and the person there must be the last
	// one kept: totalMatches alone misses a person deleted and another
	// added meanwhile, which shifts the positions by one and would skip
	// someone silently.
	resume bool
}

// start begins a new scan with a fresh searchID.
func (s *scanState) start() {
	*s = scanState{searchID: NewSearchID(), users: []UserInfo{}, seen: map[string]bool{}, page: 1, total: -1}
}

// searchAll is SearchAll with persons read so far in the progress, resuming
// the scan in st when it was interrupted a short while ago.
func (c *Client) searchAll(ctx context.Context, progress func(done, total, items int), st *scanState) ([]UserInfo, error) {
	caps, err := c.limits(ctx)
	if err != nil {
		return nil, err
	}
	if st.page <= 1 || c.clock.Now().Sub(st.at) > resumeWithin {
		st.start()
	} else {
		st.resume = true
	}
	var last *listChanged
	for range maxScans {
		users, err := c.scan(ctx, caps.MaxResults, maxPersons(caps), progress, st)
		if errors.As(err, &last) {
			st.start()
			continue
		}
		if err == nil {
			st.start()
		}
		return users, err
	}
	return nil, c.errs.Fail(target.Transient, "search", CodeListChanged,
		fmt.Sprintf("the person list changed during each of %d scans (last: %s): someone is editing persons, or the terminal pages inconsistently; the next run reads it again", maxScans, last), nil)
}

// hardMaxPersons bounds a listing whatever a terminal advertises: the
// largest face terminals hold 100,000 persons.
const hardMaxPersons = 200_000

// maxPersons is the most persons a listing of this terminal may claim: its
// maxRecordNum with a tenth to spare (firmware counts loosely), else the
// hard bound.
func maxPersons(caps Capabilities) int {
	if n := caps.MaxRecordNum; n > 0 && n < hardMaxPersons {
		return n + n/10 + 100
	}
	return hardMaxPersons
}

// scan reads pages from st's position on; st keeps every page that was
// read and checked, and nothing of a page that failed.
func (c *Client) scan(ctx context.Context, pageSize, limit int, progress func(done, total, items int), st *scanState) ([]UserInfo, error) {
	for ; ; st.page++ {
		page := st.page
		op := fmt.Sprintf("search page %d", page)
		if st.maxPages > 0 && page > st.maxPages {
			return nil, c.errs.Fail(target.Malformed, op, "",
				fmt.Sprintf("more than %d pages for %d persons: the terminal keeps saying MORE", st.maxPages, st.total), nil)
		}
		pos := st.pos
		overlap := st.resume && st.pos > 0 && len(st.users) > 0
		if overlap {
			pos--
		}
		p, err := c.search(ctx, SearchQuery{SearchID: st.searchID, Position: pos, MaxResults: pageSize}, op)
		if err != nil {
			return nil, err
		}
		if overlap {
			lastKept := st.users[len(st.users)-1].EmployeeNo
			if len(p.Users) == 0 || p.Users[0].EmployeeNo != lastKept {
				return nil, &listChanged{page, fmt.Sprintf("resuming at position %d: the person before it is no longer employeeNo %q", st.pos, lastKept)}
			}
			st.resume = false
			p.Users, p.NumOfMatches = p.Users[1:], p.NumOfMatches-1
		}
		if p.Status == StatusNoMatch {
			if st.total <= 0 || st.pos == st.total {
				report(progress, page, page, len(st.users))
				return st.users, nil
			}
			return nil, &listChanged{page, fmt.Sprintf("NO MATCH at position %d of %d", st.pos, st.total)}
		}
		if st.total < 0 {
			if p.TotalMatches > limit {
				// The page bound below comes from totalMatches: a terminal
				// claiming millions would keep a run paging for hours.
				return nil, c.errs.Fail(target.Malformed, op, "",
					fmt.Sprintf("totalMatches %d is more persons than the terminal can hold (at most %d)", p.TotalMatches, limit), nil)
			}
			st.total, st.perPage = p.TotalMatches, max(p.NumOfMatches, 1)
			st.maxPages = ceilDiv(st.total, st.perPage) + pageSlack
		} else if p.TotalMatches != st.total {
			return nil, &listChanged{page, fmt.Sprintf("totalMatches went from %d to %d", st.total, p.TotalMatches)}
		}
		for _, u := range p.Users {
			if st.seen[u.EmployeeNo] {
				return nil, &listChanged{page, fmt.Sprintf("employeeNo %q listed twice", u.EmployeeNo)}
			}
		}
		for _, u := range p.Users {
			st.seen[u.EmployeeNo] = true
			st.users = append(st.users, u)
		}
		st.pos += p.NumOfMatches
		st.at = c.clock.Now()
		if st.pos > st.total {
			return nil, &listChanged{page, fmt.Sprintf("%d persons read but totalMatches is %d", st.pos, st.total)}
		}
		if p.Status == StatusOK {
			if st.pos != st.total {
				return nil, &listChanged{page, fmt.Sprintf("status OK after %d of %d persons", st.pos, st.total)}
			}
			report(progress, page, page, len(st.users))
			return st.users, nil
		}
		report(progress, page, max(page+1, ceilDiv(st.total, st.perPage)), len(st.users))
	}
}

func report(progress func(done, total, items int), done, total, items int) {
	if progress != nil {
		progress(done, total, items)
	}
}

func ceilDiv(a, b int) int {
	if b <= 0 {
		return a
	}
	return (a + b - 1) / b
}

// SearchEmployees reads the given persons, EmployeeNoList.maxSize at a
// time (⌈k/maxSize⌉ requests when pages are at least that big; batches
// shrink to the page size once the terminal trimmed a page). Persons
// that do not exist are absent from the result. A terminal that returns a
// person not asked for is an error, never silently accepted.
func (c *Client) SearchEmployees(ctx context.Context, nos []string) ([]UserInfo, error) {
	var want []string
	dup := map[string]bool{}
	for i, no := range nos {
		no = strings.TrimSpace(no)
		switch {
		case no == "":
			return nil, c.errs.Fail(target.Permanent, "lookup", "", fmt.Sprintf("employeeNo #%d is empty", i+1), nil)
		case len(no) > maxEmployeeNo:
			return nil, c.errs.Fail(target.Permanent, "lookup", "", fmt.Sprintf("employeeNo %.40q is longer than %d characters", no, maxEmployeeNo), nil)
		case dup[no]:
			continue
		}
		dup[no] = true
		want = append(want, no)
	}
	if len(want) == 0 {
		return []UserInfo{}, nil
	}
	out := make([]UserInfo, 0, len(want))
	for b, start := 1, 0; start < len(want); b++ {
		// Asked again for every batch: a trimmed page met on the way
		// lowers the page size (learnPageCap), and a batch no larger than
		// a page is read in one request.
		caps, err := c.limits(ctx)
		if err != nil {
			return nil, err
		}
		size := min(caps.EmployeeNoListMax, caps.MaxResults)
		part := want[start:min(start+size, len(want))]
		op := fmt.Sprintf("lookup batch %d of %d", b, b+ceilDiv(len(want)-start-len(part), size))
		users, err := c.lookupBatch(ctx, part, min(len(part), caps.MaxResults), op)
		if err != nil {
			return nil, err
		}
		out = append(out, users...)
		start += len(part)
	}
	return out, nil
}

func (c *Client) lookupBatch(ctx context.Context, part []string, pageSize int, op string) ([]UserInfo, error) {
	searchID := NewSearchID()
	var users []UserInfo
	seen := map[string]bool{}
	pos, total := 0, -1
	// Every page but the last holds at least one person asked for, and
	// none twice, so len(part)+1 pages is a hard bound.
	for page := 1; page <= len(part)+1; page++ {
		pop := op
		if page > 1 {
			pop = fmt.Sprintf("%s page %d", op, page)
		}
		p, err := c.search(ctx, SearchQuery{SearchID: searchID, Position: pos, MaxResults: pageSize, EmployeeNos: part}, pop)
		if err != nil {
			return nil, err
		}
		if p.Status == StatusNoMatch {
			return users, nil
		}
		if total >= 0 && p.TotalMatches != total {
			return nil, c.errs.Fail(target.Transient, pop, CodeListChanged,
				fmt.Sprintf("totalMatches went from %d to %d while reading", total, p.TotalMatches), nil)
		}
		total = p.TotalMatches
		for _, u := range p.Users {
			if seen[u.EmployeeNo] {
				return nil, c.errs.Fail(target.Malformed, pop, "", fmt.Sprintf("employeeNo %q returned twice", u.EmployeeNo), nil)
			}
			seen[u.EmployeeNo] = true
			users = append(users, u)
		}
		pos += p.NumOfMatches
		if p.Status == StatusOK || pos >= total {
			return users, nil
		}
	}
	return nil, c.errs.Fail(target.Malformed, op, "", fmt.Sprintf("more pages than the %d persons asked for: the terminal keeps saying MORE", len(part)), nil)
}
