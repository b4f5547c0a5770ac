package hikvision

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/icholy/digest"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
)

// fake is a small ISAPI server for unit tests: real Digest verification
// (MD5 or SHA-256, qop=auth), nonce policies to provoke every client path,
// and a handler per test for what happens after authentication.
type fake struct {
	mu         sync.Mutex
	user, pass string
	algs       []string // challenge algorithms offered, in header order
	realm      string
	nonces     map[string]bool // issued nonce → used
	singleUse  bool            // a used nonce is answered with a fresh challenge, no stale flag
	staleUsed  bool            // … with stale=true
	failBody   string          // body of a rejected login
	sameNonce  bool            // a rejected login keeps the nonce (no fresh challenge)
	noChal     bool            // 401 without any challenge
	// nonceUses limits how many signed requests a nonce is good for (0: no
	// limit); the next is refused with a 401 without a challenge and
	// oldNonceBody, as limited-reuse firmware does. refuseAsOld refuses
	// every signed request that way.
	nonceUses    int
	refuseAsOld  bool
	oldNonceBody string
	uses         map[string]int // signed requests per nonce
	handler      http.HandlerFunc

	total    int // every request
	algUsed  string
	authed   int // requests that carried credentials
	rejected int // of those, rejected as wrong (not stale)
	oldNonce int // of those, refused as old without a challenge
	served   int // requests that reached the handler
	inFlight int
	maxIn    int // most requests in the handler at once
	lastNC   map[string]int
	bodies   []string // bodies of served requests
	paths    []string // method + path of served requests
}

func newFake(t *testing.T, h http.HandlerFunc) (*fake, *httptest.Server) {
	t.Helper()
	f := &fake{user: "admin", pass: "s3cret-Pa55", algs: []string{"MD5"}, realm: "DS-K1T671MF",
		nonces: map[string]bool{}, lastNC: map[string]int{}, uses: map[string]int{}, handler: h,
		failBody: `{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"badAuthorization","lockStatus":"unlock","retryTimes":4,"resLockTime":0}`}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fake) newNonce() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	n := hex.EncodeToString(b[:])
	f.nonces[n] = false
	return n
}

func (f *fake) challenge(w http.ResponseWriter, nonce string, stale bool) {
	if f.noChal {
		return
	}
	for _, alg := range f.algs {
		c := digest.Challenge{Realm: f.realm, Nonce: nonce, Opaque: "0pq", Algorithm: alg, QOP: []string{"auth"}, Stale: stale}
		w.Header().Add("WWW-Authenticate", c.String())
	}
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.total++
	h := r.Header.Get("Authorization")
	if h == "" {
		f.challenge(w, f.newNonce(), false)
		f.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	f.authed++
	cred, err := digest.ParseCredentials(h)
	if err != nil {
		f.mu.Unlock()
		http.Error(w, "bad header", http.StatusBadRequest)
		return
	}
	f.algUsed = cred.Algorithm
	used, known := f.nonces[cred.Nonce]
	if f.refuseAsOld || (known && f.nonceUses > 0 && f.uses[cred.Nonce] >= f.nonceUses) {
		f.oldNonce++
		body := f.oldNonceBody
		f.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, body)
		return
	}
	f.uses[cred.Nonce]++
	if !known || (used && (f.singleUse || f.staleUsed)) {
		f.challenge(w, f.newNonce(), !known || f.staleUsed)
		f.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if !f.valid(cred, r) {
		f.rejected++
		n := cred.Nonce
		if !f.sameNonce {
			n = f.newNonce()
		}
		f.challenge(w, n, false)
		body := f.failBody
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, body)
		return
	}
	f.nonces[cred.Nonce] = true
	f.served++
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	f.bodies = append(f.bodies, string(body))
	f.paths = append(f.paths, r.Method+" "+r.URL.Path)
	h2 := f.handler
	f.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if h2 != nil {
		h2(w, r)
	}
	f.mu.Lock()
	f.inFlight--
	f.mu.Unlock()
}

// valid checks the Digest response exactly as a terminal does.
func (f *fake) valid(cred *digest.Credentials, r *http.Request) bool {
	if cred.Username != f.user || cred.URI != r.URL.RequestURI() || cred.Realm != f.realm || cred.QOP != "auth" {
		return false
	}
	if cred.Nc <= f.lastNC[cred.Nonce] {
		return false // replayed nonce count
	}
	alg := cred.Algorithm
	want, err := digest.Digest(&digest.Challenge{Realm: f.realm, Nonce: cred.Nonce, Opaque: "0pq", Algorithm: alg, QOP: []string{"auth"}},
		digest.Options{Method: r.Method, URI: cred.URI, Count: cred.Nc, Cnonce: cred.Cnonce, Username: f.user, Password: f.pass})
	if err != nil || want.Response != cred.Response {
		return false
	}
	f.lastNC[cred.Nonce] = cred.Nc
	return true
}

func (f *fake) counts() (authed, rejected, served int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.authed, f.rejected, f.served
}

func (f *fake) oldNonceRefusals() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.oldNonce
}

func (f *fake) totalRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.total
}

func (f *fake) servedBodies() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.bodies...)
}

func (f *fake) set(fn func(f *fake)) {
	f.mu.Lock()
	fn(f)
	f.mu.Unlock()
}

// testZone is the site zone of every test.
func testZone(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func testConfig(t testing.TB, url string) Config {
	return Config{Name: "entrance", BaseURL: url, Username: "admin", Password: "s3cret-Pa55",
		EmailField: EmailInExtension, Zone: testZone(t), Clock: clocktest.Start(t), Timeout: 30 * time.Second}
}

func newTestClient(t testing.TB, url string, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := testConfig(t, url)
	for _, m := range mod {
		m(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// jsonReply writes a JSON body with status code.
func jsonReply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

const okEnvelope = `{"statusCode":1,"statusString":"OK","subStatusCode":"ok"}`

// person renders a UserInfo as a terminal lists it.
func person(no, name, end string) string {
	return fmt.Sprintf(`{"employeeNo":%q,"name":%q,"userType":"normal","closeDelayEnabled":false,`+
		`"Valid":{"enable":true,"beginTime":"2024-03-04T00:00:00","endTime":%q,"timeType":"local"},`+
		`"belongGroup":"","password":"","doorRight":"1","RightPlan":[{"doorNo":1,"planTemplateNo":"1"}],`+
		`"maxOpenDoorTime":0,"openDoorTime":0,"localUIRight":"false","gender":"male","numOfCard":1,"numOfFP":0,"numOfFace":1,`+
		`"PersonInfoExtends":[{"value":"%s@example.si"}]}`, no, name, end, no)
}

// newRawServer serves h without authentication.
func newRawServer(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
