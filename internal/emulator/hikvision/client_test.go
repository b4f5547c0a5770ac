package hikvision

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock/clocktest"

	"github.com/icholy/digest"

	"github.com/doorsync/doorsync/internal/clock"
)

const (
	testUser = "admin"
	testPass = "Sup3r-Secret!"
)

// reply is one HTTP answer as the tests look at it.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// testClient is a minimal Digest client built from the digest package's
// primitives, so that tests control every header: it keeps the last
// challenge and counts nc itself.
type testClient struct {
	t    testing.TB
	base string
	user string
	pass string
	chal *digest.Challenge
	nc   int
}

// start serves a terminal on a loopback port and returns it with a client.
func start(t testing.TB, cfg Config) (*Terminal, *testClient) {
	t.Helper()
	if cfg.Password == "" {
		cfg.Password = testPass
	}
	if cfg.Username == "" {
		cfg.Username = testUser
	}
	if cfg.Clock == nil {
		cfg.Clock = clocktest.Start(t)
	}
	term := New(cfg)
	srv := httptest.NewServer(term)
	t.Cleanup(srv.Close)
	return term, &testClient{t: t, base: srv.URL, user: testUser, pass: testPass}
}

func manualClock() *clock.Manual {
	return clock.NewManual(time.Date(2025, 11, 1, 9, 0, 0, 0, time.UTC))
}

// raw sends one request with the given Authorization header ("" for none).
func (c *testClient) raw(method, uri, body, auth string) reply {
	c.t.Helper()
	r, err := c.tryRaw(method, uri, body, auth)
	if err != nil {
		c.t.Fatal(err)
	}
	return r
}

// tryRaw is raw for goroutines other than the test's: it returns the error.
func (c *testClient) tryRaw(method, uri, body, auth string) (reply, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+uri, rd)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: %w", method, uri, err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: %w", method, uri, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: read body: %w", method, uri, err)
	}
	return reply{res.StatusCode, res.Header, b}, nil
}

// authFor computes the Authorization header for the current challenge with
// the next nc (or nc as given when > 0).
func (c *testClient) authFor(method, uri string, nc int) string {
	c.t.Helper()
	if c.chal == nil {
		c.t.Fatal("no challenge yet")
	}
	if nc <= 0 {
		c.nc++
		nc = c.nc
	}
	cred, err := digest.Digest(c.chal, digest.Options{Method: method, URI: uri, Count: nc,
		Username: c.user, Password: c.pass})
	if err != nil {
		c.t.Fatalf("digest: %v", err)
	}
	return cred.String()
}

// learn takes the challenge from a 401 answer.
func (c *testClient) learn(r reply) *digest.Challenge {
	c.t.Helper()
	ch, err := digest.FindChallenge(r.header)
	if err != nil {
		c.t.Fatalf("401 without a usable challenge: %v (headers %v)", err, r.header)
	}
	c.chal, c.nc = ch, 0
	return ch
}

// do sends an authenticated request: with the cached challenge if there is
// one, and once more with a fresh challenge after a 401 that carries one
// (what a real client does for stale and single-use nonces).
func (c *testClient) do(method, uri, body string) reply {
	c.t.Helper()
	if c.chal == nil {
		r := c.raw(method, uri, body, "")
		if r.status != http.StatusUnauthorized {
			return r
		}
		c.learn(r)
	}
	r := c.raw(method, uri, body, c.authFor(method, uri, 0))
	if r.status == http.StatusUnauthorized {
		c.learn(r)
		r = c.raw(method, uri, body, c.authFor(method, uri, 0))
	}
	return r
}

// prime fetches a challenge without spending it.
func (c *testClient) prime() {
	c.t.Helper()
	r := c.raw(http.MethodGet, "/ISAPI/System/deviceInfo", "", "")
	if r.status != http.StatusUnauthorized {
		c.t.Fatalf("unauthenticated request: status %d, want 401", r.status)
	}
	c.learn(r)
}

func decodeJSONReply[T any](t testing.TB, r reply) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("reply is not the expected JSON: %v\n%s", err, r.body)
	}
	return v
}

func decodeXMLReply[T any](t testing.TB, r reply) T {
	t.Helper()
	var v T
	if err := xml.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("reply is not the expected XML: %v\n%s", err, r.body)
	}
	return v
}

// envelope is the JSON error/status envelope.
type envelope struct {
	RequestURL    string `json:"requestURL"`
	StatusCode    int    `json:"statusCode"`
	StatusString  string `json:"statusString"`
	SubStatusCode string `json:"subStatusCode"`
	ErrorCode     int    `json:"errorCode"`
	ErrorMsg      string `json:"errorMsg"`
}

// checkEnvelope asserts a full error envelope: every field present, and the
// values wanted.
func checkEnvelope(t testing.TB, r reply, httpStatus, statusCode int, sub, msg string) envelope {
	t.Helper()
	if r.status != httpStatus {
		t.Errorf("HTTP status %d, want %d (body %s)", r.status, httpStatus, r.body)
	}
	keys := decodeJSONReply[map[string]json.RawMessage](t, r)
	for _, k := range []string{"requestURL", "statusCode", "statusString", "subStatusCode", "errorCode", "errorMsg"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("envelope lacks %q: %s", k, r.body)
		}
	}
	e := decodeJSONReply[envelope](t, r)
	if e.StatusCode != statusCode || e.SubStatusCode != sub || (msg != "" && e.ErrorMsg != msg) {
		t.Errorf("envelope %+v, want statusCode %d subStatusCode %q errorMsg %q", e, statusCode, sub, msg)
	}
	return e
}
