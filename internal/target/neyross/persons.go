package neyross

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/doorsync/doorsync/internal/target"
)

// ListProgress reports a listing: requests done of those expected (the
// count and the pages), persons so far.
type ListProgress struct {
	Done, Total, Persons int
}

// decodeFail classifies a body that could not be decoded.
func (c *Client) decodeFail(op string, err error) error {
	return c.errs.Fail(target.Malformed, op, "", "reply not understood", err)
}

// Count reads persons/count/: how many persons the EIS sees.
func (c *Client) Count(ctx context.Context) (int, error) {
	cl := call{op: "persons count", method: http.MethodGet, path: "persons/count/", read: true}
	rep, err := c.do(ctx, cl)
	if err != nil {
		return 0, err
	}
	n, err := decodeCount(rep.body)
	if err != nil {
		return 0, c.decodeFail(cl.op, err)
	}
	c.lastCount.Store(int64(n))
	return n, nil
}

// SearchPage reads one persons/search/ page.
func (c *Client) SearchPage(ctx context.Context, limit, offset int) ([]Person, error) {
	cl := call{op: fmt.Sprintf("persons page offset %d", offset), method: http.MethodGet,
		path: fmt.Sprintf("persons/search/?limit=%d&offset=%d", limit, offset), read: true}
	rep, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	ps, err := decodePersons(rep.body, c.zone)
	if err != nil {
		return nil, c.decodeFail(cl.op, err)
	}
	return ps, nil
}

// Persons lists every EIS person: the count, then pages of PageLimit until
// the count is reached. A listing that disagrees with the count (persons
// added or removed meanwhile, a page shifted so a person shows twice) is
// scanned once more; a second disagreement is an error. It never returns a
// partial list.
func (c *Client) Persons(ctx context.Context, progress func(ListProgress)) ([]Person, error) {
	return c.list(ctx, -1, progress)
}

// list is Persons, with the count already read when known >= 0.
func (c *Client) list(ctx context.Context, known int, progress func(ListProgress)) ([]Person, error) {
	var pr listProgress
	pr.report = progress
	var why string
	for scan := range 2 {
		n := known
		if scan > 0 || n < 0 {
			pr.expect(1)
			var err error
			if n, err = c.Count(ctx); err != nil {
				return nil, err
			}
			pr.step(0)
		}
		pr.expect(ceilDiv(n, c.limit))
		var ps []Person
		var err error
		ps, why, err = c.scan(ctx, n, &pr)
		if err != nil {
			return nil, err
		}
		if why == "" {
			pr.finish(len(ps))
			return ps, nil
		}
	}
	return nil, c.errs.Fail(target.Transient, "persons listing", CodeListChanged,
		why+", on two scans in a row: persons are changing right now, or the platform's count disagrees with its listing", nil)
}

// scan reads the pages of a listing of n persons. It returns why the
// listing disagrees with n ("" if it does not).
func (c *Client) scan(ctx context.Context, n int, pr *listProgress) ([]Person, string, error) {
	out := make([]Person, 0, n)
	seen := make(map[string]bool, n)
	for offset := 0; len(out) < n; {
		page, err := c.SearchPage(ctx, c.limit, offset)
		if err != nil {
			return nil, "", err
		}
		for _, p := range page {
			if seen[p.UUID] {
				// Sorted by uuid: a person added before this offset pushed
				// the others one place on.
				return nil, fmt.Sprintf("person %s was listed twice (at offset %d again)", p.UUID, offset), nil
			}
			seen[p.UUID] = true
		}
		out = append(out, page...)
		pr.step(len(out))
		if len(page) == 0 {
			break
		}
		// A short page normally completes the count. One that does not is
		// either the end of a list that shrank, or a platform capping
		// pages below limit: the next page tells.
		offset += len(page)
		if len(page) < c.limit && len(out) < n {
			pr.expect(1)
		}
	}
	if len(out) != n {
		return nil, fmt.Sprintf("persons/count/ said %d, the listing gave %d", n, len(out)), nil
	}
	return out, "", nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// listProgress keeps Done and Total monotonic across rescans.
type listProgress struct {
	report      func(ListProgress)
	done, total int
}

func (p *listProgress) expect(requests int) { p.total += requests }

func (p *listProgress) step(persons int) {
	p.done++
	p.total = max(p.total, p.done)
	if p.report != nil {
		p.report(ListProgress{Done: p.done, Total: p.total, Persons: persons})
	}
}

// finish reports the end (Done == Total) once more if the last step did
// not.
func (p *listProgress) finish(persons int) {
	if p.report != nil && p.total != p.done {
		p.total = p.done
		p.report(ListProgress{Done: p.done, Total: p.total, Persons: persons})
	}
}

// Person reads one person. The seed documents the read as a POST; a
// platform that answers 405 is asked again with GET once, and GET is used
// from then on. Until a POST read has worked, a 404 to POST is asked again
// with GET too: a platform that routes the read only for GET may say 404
// instead of 405, which would make every person look unknown. A person the
// EIS does not see gets class NotFound.
func (c *Client) Person(ctx context.Context, uuid string) (Person, error) {
	op := "person " + uuid
	if strings.TrimSpace(uuid) == "" {
		return Person{}, c.errs.Fail(target.Permanent, "person", "", "empty uuid", nil)
	}
	path := "persons/" + url.PathEscape(uuid)
	method := http.MethodPost
	if c.useGET.Load() {
		method = http.MethodGet
	}
	postSaid404 := false
	notFound := func() (Person, error) {
		return Person{}, c.errs.Fail(target.NotFound, op, "",
			"no such person in the EIS subset (unknown uuid, or the pass no longer holds an EIS access level)", nil)
	}
	for {
		rep, err := c.do(ctx, call{op: op, method: method, path: path, read: true,
			pass: []int{http.StatusNotFound, http.StatusMethodNotAllowed}})
		if err != nil {
			return Person{}, err
		}
		switch {
		case rep.status == http.StatusMethodNotAllowed && method == http.MethodPost:
			method = http.MethodGet
			continue
		case rep.status == http.StatusMethodNotAllowed && postSaid404:
			// POST is the platform's method after all: the person is unknown.
			c.postWorks.Store(true)
			return notFound()
		case rep.status == http.StatusMethodNotAllowed:
			return Person{}, c.errs.Fail(target.Permanent, op, CodeHTTP,
				fmt.Sprintf("HTTP 405 to both POST and GET of %s (allowed: %q)", pathOnly(path), rep.header.Get("Allow")), nil)
		case rep.status == http.StatusNotFound && method == http.MethodPost && !c.postWorks.Load():
			postSaid404, method = true, http.MethodGet
			continue
		case rep.status == http.StatusNotFound:
			return notFound()
		}
		if method == http.MethodGet {
			c.useGET.Store(true) // the platform answers GET: keep using it
		} else {
			c.postWorks.Store(true)
		}
		p, err := decodeOnePerson(rep.body, uuid, c.zone)
		if err != nil {
			return Person{}, c.decodeFail(op, err)
		}
		return p, nil
	}
}

// HintCount takes n as the number of persons when none was read yet (a
// saved plan's inventory): Lookup then need not read the count first.
func (c *Client) HintCount(n int) {
	if n >= 0 {
		c.lastCount.CompareAndSwap(-1, int64(n))
	}
}

// Lookup reads the given persons in as few requests as it can: one read per
// person (k requests) or the whole listing (⌈N/limit⌉ + 1 requests, N being
// the last count read), whichever is cheaper. With no count known yet and
// more than two persons asked for, the count is read first to decide. Persons
// the EIS does not see are absent from the map.
func (c *Client) Lookup(ctx context.Context, uuids []string) (map[string]Person, error) {
	ids := unique(uuids)
	out := make(map[string]Person, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	n := int(c.lastCount.Load())
	counted := false
	if n < 0 && len(ids) > 2 {
		var err error
		if n, err = c.Count(ctx); err != nil {
			return nil, err
		}
		counted = true
	}
	listCost := ceilDiv(n, c.limit)
	if !counted {
		listCost++
	}
	if n >= 0 && listCost < len(ids) {
		known := -1
		if counted {
			known = n
		}
		all, err := c.list(ctx, known, nil)
		if err != nil {
			return nil, err
		}
		// Keyed as asked (uuids compare in any case, as the single read does).
		want := make(map[string]string, len(ids))
		for _, id := range ids {
			want[strings.ToLower(id)] = id
		}
		for _, p := range all {
			if id, ok := want[strings.ToLower(p.UUID)]; ok {
				out[id] = p
			}
		}
		return out, nil
	}
	for _, id := range ids {
		p, err := c.Person(ctx, id)
		var te *target.Error
		switch {
		case errors.As(err, &te) && te.Class == target.NotFound:
			continue
		case err != nil:
			return nil, err
		}
		out[id] = p
	}
	return out, nil
}

// unique drops empty and repeated ids, keeping the order.
func unique(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}
