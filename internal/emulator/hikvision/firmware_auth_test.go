package hikvision

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"
)

// statusXMLReply is the XML ResponseStatus as a client reads it.
type statusXMLReply struct {
	XMLName       xml.Name `xml:"ResponseStatus"`
	StatusCode    int      `xml:"statusCode"`
	StatusString  string   `xml:"statusString"`
	SubStatusCode string   `xml:"subStatusCode"`
	ErrorCode     int      `xml:"errorCode"`
	ErrorMsg      string   `xml:"errorMsg"`
}

// assertOldNonce checks the limited-reuse refusal: 401, no challenge, a
// ResponseStatus invalidOperation in the request's format.
func assertOldNonce(t *testing.T, r reply, jsonBody bool) {
	t.Helper()
	if r.status != http.StatusUnauthorized {
		t.Fatalf("used-up nonce: status %d, want 401 (body %s)", r.status, r.body)
	}
	if h := r.header.Values("WWW-Authenticate"); len(h) != 0 {
		t.Errorf("used-up nonce: the refusal carries a challenge %q; the firmware sends none", h)
	}
	if jsonBody {
		e := checkEnvelope(t, r, http.StatusUnauthorized, 4, "invalidOperation", "")
		if e.StatusString != "Invalid Operation" || e.ErrorCode != codeInvalidOperation || !strings.Contains(e.ErrorMsg, "nonce") {
			t.Errorf("old-nonce envelope %+v", e)
		}
		return
	}
	x := decodeXMLReply[statusXMLReply](t, r)
	if x.StatusCode != 4 || x.StatusString != "Invalid Operation" || x.SubStatusCode != "invalidOperation" ||
		x.ErrorCode != codeInvalidOperation || !strings.Contains(x.ErrorMsg, "nonce") {
		t.Errorf("old-nonce XML envelope %+v: %s", x, r.body)
	}
}

func TestNonceUsesQuirk(t *testing.T) {
	term, c := start(t, Config{Clock: manualClock(), LockAfter: 2, LockFor: 10 * time.Minute, Quirks: Quirks{NonceUses: 2}})
	c.prime()
	for i := range 2 {
		if r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0)); r.status != http.StatusOK {
			t.Fatalf("use %d of 2: status %d: %s", i+1, r.status, r.body)
		}
	}
	// The third use is refused as old, in JSON or XML as asked; so is a
	// wrong password on it, and neither is a failed login.
	assertOldNonce(t, c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0)), true)
	assertOldNonce(t, c.raw(http.MethodGet, deviceInfoURI, "", c.authFor(http.MethodGet, deviceInfoURI, 0)), false)
	c.pass = "wrong-password"
	assertOldNonce(t, c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0)), true)
	c.pass = testPass
	if n := term.FailedLogins(); n != 0 {
		t.Errorf("old-nonce refusals counted as %d failed logins", n)
	}

	// A request without credentials gets a fresh challenge, good for two
	// more requests.
	r := c.raw(http.MethodGet, countURI, "", "")
	if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("unsigned request: status %d, challenge %q", r.status, r.header.Get("WWW-Authenticate"))
	}
	c.learn(r)
	for i := range 2 {
		if r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0)); r.status != http.StatusOK {
			t.Fatalf("fresh nonce, use %d: status %d", i+1, r.status)
		}
	}
	assertOldNonce(t, c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0)), true)

	// A wrong password on a fresh nonce is a failed login with the userCheck
	// body, and the second locks, as on any terminal.
	r = wrongPassword(c, deviceInfoURI)
	x := decodeXMLReply[userCheckXML](t, r)
	if r.status != http.StatusUnauthorized || x.StatusValue != 401 || x.LockStatus != "unlock" || x.RetryLoginTime != 1 {
		t.Errorf("wrong password: status %d, userCheck %+v", r.status, x)
	}
	r = wrongPassword(c, deviceInfoURI)
	x = decodeXMLReply[userCheckXML](t, r)
	if x.LockStatus != "lock" || x.UnlockTime != 600 || x.RetryLoginTime != 0 {
		t.Errorf("locking failure: userCheck %+v, want lock with unlockTime 600", x)
	}
	if n := term.FailedLogins(); n != 2 || !term.Locked() {
		t.Errorf("FailedLogins %d, Locked %v: want 2 and locked", n, term.Locked())
	}
}

func TestRealmFlipQuirk(t *testing.T) {
	term, c := start(t, Config{Clock: manualClock(), Realm: "DS-6E392E44", Quirks: Quirks{RealmFlipAfter: 2}})
	var realms []string
	var first reply
	for i := range 5 {
		r := c.raw(http.MethodGet, countURI, "", "")
		if i == 0 {
			first = r
		}
		ch := c.learn(r)
		realms = append(realms, ch.Realm)
		// Answering each challenge with its own realm works.
		if r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0)); r.status != http.StatusOK {
			t.Fatalf("challenge %d (realm %s): status %d", i+1, ch.Realm, r.status)
		}
	}
	want := []string{"DS-6E392E44", "DS-6E392E44", "DS-6e392e44", "DS-6e392e44", "DS-6E392E44"}
	if strings.Join(realms, " ") != strings.Join(want, " ") {
		t.Errorf("realms %v, want %v", realms, want)
	}

	// A nonce issued before the flip is still answered with its own realm.
	c.learn(first)
	c.nc = 5
	if r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0)); r.status != http.StatusOK {
		t.Errorf("nonce of the first challenge after the flip: status %d", r.status)
	}
	if n := term.FailedLogins(); n != 0 {
		t.Fatalf("right answers counted as %d failed logins", n)
	}

	// A client that keeps the old case for a flipped challenge computes a
	// wrong response: the terminal counts it, as the device would.
	r := c.raw(http.MethodGet, countURI, "", "")
	ch := c.learn(r)
	ch.Realm = flipRealm(ch.Realm)
	if r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0)); r.status != http.StatusUnauthorized {
		t.Fatalf("realm of another case: status %d, want 401", r.status)
	}
	if n := term.FailedLogins(); n != 1 {
		t.Errorf("realm of another case: FailedLogins %d, want 1", n)
	}
}
