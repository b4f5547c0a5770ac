package neyross_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/emulator"
	emu "github.com/doorsync/doorsync/internal/emulator/neyross"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/neyross"
)

func ctxT(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// classOf fails the test unless err is a classified target error.
func classOf(t *testing.T, err error) *target.Error {
	t.Helper()
	var te *target.Error
	if !errors.As(err, &te) {
		t.Fatalf("want a *target.Error, got %v", err)
	}
	return te
}

func TestNewClientRejectsBadConfig(t *testing.T) {
	z := zone(t)
	cases := []struct {
		name string
		cfg  neyross.Config
		want string
	}{
		{"no name", neyross.Config{BaseURL: "https://n.local", Token: token, Zone: z}, "name is empty"},
		{"no url", neyross.Config{Name: "p", Token: token, Zone: z}, "want http:// or https://"},
		{"ftp", neyross.Config{Name: "p", BaseURL: "ftp://n.local", Token: token, Zone: z}, "want http:// or https://"},
		{"credentials in url", neyross.Config{Name: "p", BaseURL: "https://u:secret-pw@n.local", Token: token, Zone: z}, "must not contain credentials"},
		{"query", neyross.Config{Name: "p", BaseURL: "https://n.local/?a=1", Token: token, Zone: z}, "query"},
		{"no token", neyross.Config{Name: "p", BaseURL: "https://n.local", Zone: z}, "token is empty"},
		{"token with a blank", neyross.Config{Name: "p", BaseURL: "https://n.local", Token: "abc def-secret", Zone: z}, "white space"},
		{"no zone", neyross.Config{Name: "p", BaseURL: "https://n.local", Token: token}, "time zone"},
		{"batch too big", neyross.Config{Name: "p", BaseURL: "https://n.local", Token: token, Zone: z, Batch: 5000}, "batch 5000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := neyross.NewClient(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error with %q, got %v", tc.want, err)
			}
			for _, secret := range []string{token, "secret-pw", "def-secret"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error reveals a secret: %v", err)
				}
			}
		})
	}
	if s := (neyross.Config{Name: "p", BaseURL: "https://n.local", Token: token}).String(); strings.Contains(s, token) {
		t.Errorf("Config.String reveals the token: %s", s)
	}
}

// An operator may paste the plugin's own URL: the path is not doubled.
func TestBaseURLWithPluginPath(t *testing.T) {
	b := newBench(t, emu.Config{})
	b.seed(2)
	c, err := neyross.NewClient(neyross.Config{Name: "p", BaseURL: b.url + "/plugin/eis-pacs-integration/", Token: token, Zone: b.zone})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := c.Count(ctxT(t)); err != nil || n != 2 {
		t.Fatalf("count %d, %v", n, err)
	}
}

func TestLevelsAndPoints(t *testing.T) {
	b := newBench(t, emu.Config{})
	ctx := ctxT(t)
	levels, err := b.client.AccessLevels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range levels {
		names = append(names, l.Name)
		if len(l.AccessPoints) == 0 {
			t.Errorf("level %s without access points", l.Name)
		}
	}
	// Only the "[И] " levels: the internal ones stay hidden.
	if got := strings.Join(names, "|"); got != "[И] КПП 1|[И] КПП 2|[И] КПП 3" {
		t.Errorf("levels %q", got)
	}
	points, err := b.client.AccessPoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 3 || points[0].Name != "Точка доступа 0.1" || strings.Join(points[0].Tags, ",") != "AccessPointEntry" {
		t.Errorf("points %+v", points)
	}
}

// searches counts search pages by their offset, in order.
func (b *bench) searchOffsets() []string {
	var out []string
	for _, r := range b.log.Entries() {
		if r.Path == pathSearch {
			out = append(out, r.Query)
		}
	}
	return out
}

func TestListingPaging(t *testing.T) {
	cases := []struct {
		name     string
		persons  int
		limit    int
		cap      int
		requests int    // count + pages
		queries  string // the search queries, in order
	}{
		{name: "empty: the count alone", persons: 0, limit: 4, requests: 1},
		{name: "one short page", persons: 3, limit: 4, requests: 2, queries: "limit=4&offset=0"},
		{name: "exact multiple: no empty page read", persons: 8, limit: 4, requests: 3, queries: "limit=4&offset=0 limit=4&offset=4"},
		{name: "partial last page", persons: 9, limit: 4, requests: 4, queries: "limit=4&offset=0 limit=4&offset=4 limit=4&offset=8"},
		{name: "silently capped pages", persons: 7, limit: 4, cap: 3, requests: 4, queries: "limit=4&offset=0 limit=4&offset=3 limit=4&offset=6"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t, emu.Config{PageCap: tc.cap}, func(c *neyross.Config) { c.PageLimit = tc.limit })
			seeded := b.seed(tc.persons)
			var prog []neyross.ListProgress
			ps, err := b.client.Persons(ctxT(t), func(p neyross.ListProgress) { prog = append(prog, p) })
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != tc.persons {
				t.Fatalf("%d persons, want %d", len(ps), tc.persons)
			}
			for i, p := range ps {
				if p.UUID != seeded[i].ID {
					t.Errorf("person %d is %s, want %s (sorted by uuid)", i, p.UUID, seeded[i].ID)
				}
			}
			if n := b.log.Count(nil); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
			if got := strings.Join(b.searchOffsets(), " "); got != tc.queries {
				t.Errorf("queries %q, want %q", got, tc.queries)
			}
			last := prog[len(prog)-1]
			if last.Done != last.Total || last.Done != tc.requests || last.Persons != tc.persons {
				t.Errorf("last progress %+v", last)
			}
		})
	}
}

// A listing that disagrees with the count is scanned again; a second
// disagreement is an error (never a partial list).
func TestListingDisagreesWithCount(t *testing.T) {
	t.Run("count changes once: rescan succeeds", func(t *testing.T) {
		b := newBench(t, emu.Config{}, func(c *neyross.Config) { c.PageLimit = 4 })
		b.seed(6)
		b.srv.ScriptReply(pathCount, 200, `{"count": 7}`)
		ps, err := b.client.Persons(ctxT(t), nil)
		if err != nil || len(ps) != 6 {
			t.Fatalf("%d persons, %v", len(ps), err)
		}
		if n := b.count(pathCount); n != 2 {
			t.Errorf("%d counts, want 2 (one rescan)", n)
		}
	})
	t.Run("count keeps disagreeing", func(t *testing.T) {
		b := newBench(t, emu.Config{}, func(c *neyross.Config) { c.PageLimit = 4 })
		b.seed(6)
		b.srv.ScriptReply(pathCount, 200, `{"count": 5}`)
		b.srv.ScriptReply(pathCount, 200, `{"count": 9}`)
		ps, err := b.client.Persons(ctxT(t), nil)
		if ps != nil {
			t.Errorf("a failed listing returned %d persons", len(ps))
		}
		te := classOf(t, err)
		if te.Code != neyross.CodeListChanged || !strings.Contains(err.Error(), "said 9, the listing gave 6") || !strings.Contains(err.Error(), "two scans") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("a page shifted: person listed twice", func(t *testing.T) {
		b := newBench(t, emu.Config{}, func(c *neyross.Config) { c.PageLimit = 2 })
		b.seed(4)
		// Page two repeats the last person of page one, as when a person is
		// added before the offset between the two requests.
		b.srv.ScriptReply(pathSearch, 200, `[{"uuid":"`+uuidOf(0)+`","surname":"А","name":"Б","accessLevels":["`+levelKPP1+`"]},{"uuid":"`+uuidOf(1)+`","surname":"А","name":"Б","accessLevels":["`+levelKPP1+`"]}]`)
		b.srv.ScriptReply(pathSearch, 200, `[{"uuid":"`+uuidOf(1)+`","surname":"А","name":"Б","accessLevels":["`+levelKPP1+`"]},{"uuid":"`+uuidOf(2)+`","surname":"А","name":"Б","accessLevels":["`+levelKPP1+`"]}]`)
		ps, err := b.client.Persons(ctxT(t), nil)
		if err != nil || len(ps) != 4 {
			t.Fatalf("%d persons, %v", len(ps), err)
		}
		if n := b.count(pathCount); n != 2 {
			t.Errorf("%d counts, want 2 (one rescan after the duplicate)", n)
		}
	})
}

// The seed's POST read; a platform that wants GET answers 405 once, and
// GET is remembered.
func TestSinglePersonReadFallsBackToGET(t *testing.T) {
	for _, wantsGET := range []bool{false, true} {
		name := "POST platform"
		if wantsGET {
			name = "GET platform"
		}
		t.Run(name, func(t *testing.T) {
			b := newBench(t, emu.Config{})
			b.seed(3)
			b.srv.RequireGET(wantsGET)
			for i := range 3 {
				p, err := b.client.Person(ctxT(t), uuidOf(i))
				if err != nil || p.UUID != uuidOf(i) {
					t.Fatalf("read %d: %+v, %v", i, p, err)
				}
			}
			want := "POST POST POST"
			if wantsGET {
				want = "POST GET GET GET"
			}
			if got := methodsOf(b); got != want {
				t.Errorf("methods %q, want %q", got, want)
			}
		})
	}
	t.Run("GET platform answering 404 to POST", func(t *testing.T) {
		b := newBench(t, emu.Config{})
		b.seed(3)
		b.srv.RequireGET(true)
		b.srv.ScriptReply(emu.Prefix+"persons/"+uuidOf(0), 404, `{"error":"Not Found"}`)
		for i := range 3 {
			if p, err := b.client.Person(ctxT(t), uuidOf(i)); err != nil || p.UUID != uuidOf(i) {
				t.Fatalf("read %d: %+v, %v", i, p, err)
			}
		}
		if got := methodsOf(b); got != "POST GET GET GET" {
			t.Errorf("methods %q, want POST GET GET GET", got)
		}
	})
	t.Run("unknown persons on a POST platform", func(t *testing.T) {
		b := newBench(t, emu.Config{})
		b.seed(2)
		for _, id := range []string{"0b1c0000-0000-4000-8000-00000000dead", "0b1c0000-0000-4000-8000-00000000beef"} {
			if _, err := b.client.Person(ctxT(t), id); classOf(t, err).Class != target.NotFound {
				t.Fatalf("unknown %s: %v", id, err)
			}
		}
		// The first unknown person costs a GET to learn that POST is the
		// method (405); the second a single POST.
		if got := methodsOf(b); got != "POST GET POST" {
			t.Errorf("methods %q, want POST GET POST", got)
		}
		if p, err := b.client.Person(ctxT(t), uuidOf(1)); err != nil || p.UUID != uuidOf(1) {
			t.Fatalf("known person after the unknown ones: %+v, %v", p, err)
		}
	})
	t.Run("neither method", func(t *testing.T) {
		b := newBench(t, emu.Config{})
		b.seed(1)
		b.srv.ScriptReply(emu.Prefix+"persons/"+uuidOf(0), 405, `{"error":"Method Not Allowed"}`)
		b.srv.ScriptReply(emu.Prefix+"persons/"+uuidOf(0), 405, `{"error":"Method Not Allowed"}`)
		_, err := b.client.Person(ctxT(t), uuidOf(0))
		if te := classOf(t, err); te.Class != target.Permanent || !strings.Contains(err.Error(), "both POST and GET") {
			t.Errorf("error %v", err)
		}
	})
}

func TestPersonNotFound(t *testing.T) {
	b := newBench(t, emu.Config{})
	b.seed(1)
	hidden := b.person(5, b.clock.Now())
	hidden.AccessLevels = []string{levelAdmin} // internal levels only: not an EIS person
	b.srv.SetPersons(append(b.srv.Persons(), hidden))
	for _, id := range []string{uuidOf(9), hidden.UUID} {
		_, err := b.client.Person(ctxT(t), id)
		if te := classOf(t, err); te.Class != target.NotFound || !strings.Contains(err.Error(), id) {
			t.Errorf("%s: %v", id, err)
		}
	}
	if n, _ := b.client.Count(ctxT(t)); n != 1 {
		t.Errorf("count %d: the hidden person was counted", n)
	}
}

// The first rejected token stops the client: one request, then nothing.
func TestTokenRejectedStopsAtOnce(t *testing.T) {
	for _, status := range []int{401, 403} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			b := newBench(t, emu.Config{})
			seeded := b.seed(3)
			if status == 401 {
				b.srv.SetToken("regenerated")
			} else {
				b.srv.ScriptReply(pathCount, 403, `{"error":"plugin not licensed"}`)
			}
			ctx := ctxT(t)
			var st target.Target = b.target
			stopper, ok := st.(target.Stopper)
			if !ok {
				t.Fatal("the NEYROSS target is no target.Stopper: callers would have to know its type")
			}
			if err := stopper.Stopped(); err != nil {
				t.Fatalf("stopped before any request: %v", err)
			}
			_, err := b.target.Inventory(ctx, nil)
			if serr := stopper.Stopped(); target.ClassOf(serr) != target.Auth || !errors.Is(serr, target.ErrStopped) ||
				strings.Contains(serr.Error(), token) {
				t.Errorf("after the rejected token Stopped() = %v, want the stop (class auth, no token)", serr)
			}
			te := classOf(t, err)
			if te.Class != target.Auth || !errors.Is(err, target.ErrStopped) || te.Code != neyross.CodeTokenRejected {
				t.Fatalf("want a stopping auth error, got %v", err)
			}
			if !strings.Contains(err.Error(), "rejected the API token") || !strings.Contains(err.Error(), "EIS plugin settings") {
				t.Errorf("message does not tell what to do: %v", err)
			}
			if status == 403 && !strings.Contains(err.Error(), "plugin not licensed") {
				t.Errorf("message lacks the platform's words: %v", err)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("error reveals the token: %v", err)
			}
			// Every further call fails at once, without a request.
			_, err1 := b.target.Lookup(ctx, []string{seeded[0].ID})
			errs := b.target.Write(ctx, []target.Update{{Account: target.Account{ID: seeded[0].ID}, End: seeded[0].End}})
			err3 := b.target.Probe(ctx)
			_, err4 := b.client.EventsByIDs(ctx, []int64{1})
			_, err5 := b.client.Transaction(ctx, seeded[0].ID, "uuid:x")
			for i, e := range []error{err1, errs[0], err3, err4, err5} {
				if !errors.Is(e, target.ErrStopped) || !strings.Contains(e.Error(), "not sent") {
					t.Errorf("call %d after the stop: %v", i, e)
				}
			}
			if n := b.log.Count(nil); n != 1 {
				t.Errorf("%d requests reached the platform, want 1", n)
			}
		})
	}
}

// A reply that echoes the Authorization header does not leak the token
// into the error.
func TestTokenEchoMasked(t *testing.T) {
	b := newBench(t, emu.Config{})
	b.srv.ScriptReply(pathCount, 401, `{"error":"bad header: Bearer `+token+`"}`)
	_, err := b.client.Count(ctxT(t))
	if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "Bearer [redacted]") {
		t.Errorf("error %v", err)
	}
	b2 := newBench(t, emu.Config{})
	b2.srv.ScriptReply(pathCount, 200, `<html><pre>Authorization: Bearer `+token+strings.Repeat(" ", 150)+`</pre>`)
	_, err = b2.client.Count(ctxT(t))
	if err == nil || strings.Contains(err.Error(), token[:8]) {
		t.Errorf("error %v", err)
	}
}

// Status and body problems are classified, and errors say where.
func TestErrorClassification(t *testing.T) {
	cases := []struct {
		name    string
		replies []string // status|body, one per request the client makes
		class   target.Class
		has     string
	}{
		// The client never retries (the engine does): one request each.
		{"5xx transient", []string{"503|{\"error\":\"database down\"}"}, target.Transient, `HTTP 503 ("database down")`},
		{"429 busy", []string{"429|slow down"}, target.Busy, "HTTP 429"},
		{"404 endpoint", []string{"404|"}, target.Permanent, "does not offer /plugin/eis-pacs-integration/persons/count/"},
		{"400 with the platform's text", []string{"400|{\"error\":\"плохой запрос\"}"}, target.Permanent, "плохой запрос"},
		{"HTML page", []string{"200|<html><body>Login</body></html>"}, target.Malformed, "HTML or XML page"},
		{"truncated", []string{"200|{\"count\": 1"}, target.Malformed, "truncated JSON"},
		{"empty", []string{"200|"}, target.Malformed, "empty body"},
		{"array instead of object", []string{"200|[1,2]"}, target.Malformed, "want an object, got an array"},
		{"count a string of words", []string{"200|{\"count\":\"many\"}"}, target.Malformed, "want an integer"},
		{"no count", []string{"200|{\"total\":3}"}, target.Malformed, "no count"},
		{"negative count", []string{"200|{\"count\":-1}"}, target.Malformed, "out of range"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t, emu.Config{})
			for _, r := range tc.replies {
				status, body, _ := strings.Cut(r, "|")
				code := 0
				for _, c := range status {
					code = code*10 + int(c-'0')
				}
				b.srv.ScriptReply(pathCount, code, body)
			}
			_, err := b.client.Count(ctxT(t))
			te := classOf(t, err)
			if te.Class != tc.class || !strings.Contains(err.Error(), tc.has) {
				t.Errorf("want class %v with %q, got %v", tc.class, tc.has, err)
			}
			if !strings.HasPrefix(err.Error(), "neyross pacs: persons count: ") {
				t.Errorf("error does not say where: %v", err)
			}
			if n := b.log.Count(nil); n != len(tc.replies) {
				t.Errorf("%d requests, want %d", n, len(tc.replies))
			}
		})
	}
}

func TestErrorNamesThePage(t *testing.T) {
	b := newBench(t, emu.Config{}, func(c *neyross.Config) { c.PageLimit = 4 })
	b.seed(10)
	b.faults.Next(emulator.FaultNone, emulator.FaultNone, emulator.FaultGarbage)
	_, err := b.target.Inventory(ctxT(t), nil)
	if te := classOf(t, err); te.Class != target.Malformed || !strings.HasPrefix(err.Error(), "neyross pacs: persons page offset 4: malformed") {
		t.Errorf("error %v", err)
	}
}

func TestNetworkFailures(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		c, err := neyross.NewClient(neyross.Config{Name: "pacs", BaseURL: "http://" + addr, Token: token, Zone: zone(t)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Count(ctxT(t))
		if te := classOf(t, err); te.Class != target.Transient {
			t.Errorf("error %v", err)
		}
	})
	t.Run("timeout is not retried in a loop", func(t *testing.T) {
		b := newBench(t, emu.Config{}, func(c *neyross.Config) { c.Timeout = 100 * time.Millisecond })
		b.faults.SetHang(5 * time.Second)
		b.faults.Next(emulator.FaultTimeout)
		_, err := b.client.Count(ctxT(t))
		if te := classOf(t, err); te.Class != target.Transient || te.Code != neyross.CodeTimeout {
			t.Errorf("error %v", err)
		}
		if n := b.log.Count(nil); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
	t.Run("redirect is reported, not followed", func(t *testing.T) {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://login.example/", http.StatusFound)
		}))
		t.Cleanup(hs.Close)
		c, err := neyross.NewClient(neyross.Config{Name: "pacs", BaseURL: hs.URL, Token: token, Zone: zone(t)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Count(ctxT(t))
		if te := classOf(t, err); te.Class != target.Permanent || te.Code != neyross.CodeRedirect || !strings.Contains(err.Error(), "login.example") {
			t.Errorf("error %v", err)
		}
	})
}

// methodsOf lists the methods of the requests the emulator received.
func methodsOf(b *bench) string {
	var methods []string
	for _, r := range b.log.Entries() {
		methods = append(methods, r.Method)
	}
	return strings.Join(methods, " ")
}
