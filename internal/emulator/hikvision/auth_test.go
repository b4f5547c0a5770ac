package hikvision

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"

	"github.com/doorsync/doorsync/internal/emulator"
)

const deviceInfoURI = "/ISAPI/System/deviceInfo"
const countURI = "/ISAPI/AccessControl/UserInfo/Count?format=json"

func TestChallengeThenSuccess(t *testing.T) {
	term, c := start(t, Config{})
	r := c.raw(http.MethodGet, deviceInfoURI, "", "")
	if r.status != http.StatusUnauthorized {
		t.Fatalf("no credentials: status %d, want 401", r.status)
	}
	h := r.header.Get("WWW-Authenticate")
	for _, want := range []string{`Digest realm="DS-K1T671MF"`, `qop="auth"`, `nonce="`, `opaque="`, "algorithm=MD5"} {
		if !strings.Contains(h, want) {
			t.Errorf("challenge %q lacks %q", h, want)
		}
	}
	ch := c.learn(r)
	if ch.Stale || ch.Opaque == "" || ch.Nonce == "" || !ch.SupportsQOP("auth") {
		t.Errorf("challenge %+v: want not stale, opaque and nonce set, qop auth", ch)
	}
	if strings.Contains(string(r.body), "badAuthorization") || !strings.Contains(string(r.body), "Unauthorized") {
		t.Errorf("a bare challenge must carry the web server's page, not a failure body: %s", r.body)
	}
	if n := term.FailedLogins(); n != 0 {
		t.Errorf("a request without credentials counted as %d failed logins", n)
	}

	r = c.raw(http.MethodGet, deviceInfoURI, "", c.authFor(http.MethodGet, deviceInfoURI, 0))
	if r.status != http.StatusOK {
		t.Fatalf("right credentials: status %d: %s", r.status, r.body)
	}
	di := decodeXMLReply[deviceInfo](t, r)
	if di.XMLName.Space != xmlNS || di.SerialNumber != term.Serial() || di.Model != "DS-K1T671MF" ||
		di.FirmwareVersion != "V3.2.30" || di.FirmwareReleasedDate != "build 220812" || di.DeviceType != "ACS" ||
		di.MACAddress == "" || di.DeviceID == "" || di.DeviceName == "" {
		t.Errorf("deviceInfo %+v", di)
	}
	if !strings.Contains(string(r.body), `version="2.0"`) {
		t.Errorf("deviceInfo lacks version=\"2.0\": %s", r.body)
	}
}

func TestSHA256ChallengeAlsoAcceptsMD5(t *testing.T) {
	_, c := start(t, Config{OfferSHA256: true})
	r := c.raw(http.MethodGet, countURI, "", "")
	lines := r.header.Values("WWW-Authenticate")
	if len(lines) != 2 || !strings.Contains(lines[0], "algorithm=SHA-256") || !strings.Contains(lines[1], "algorithm=MD5") {
		t.Fatalf("challenges %q: want SHA-256 first, then MD5", lines)
	}
	ch := c.learn(r)
	if ch.Algorithm != "SHA-256" {
		t.Fatalf("picked %q, want SHA-256", ch.Algorithm)
	}
	if r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0)); r.status != http.StatusOK {
		t.Errorf("SHA-256 digest: status %d: %s", r.status, r.body)
	}
	md5 := *ch
	md5.Algorithm = "MD5"
	c.chal = &md5
	if r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0)); r.status != http.StatusOK {
		t.Errorf("MD5 digest on the same nonce: status %d: %s", r.status, r.body)
	}
}

func TestNonceExpiresAfterTTL(t *testing.T) {
	clk := manualClock()
	term, c := start(t, Config{Clock: clk, NonceTTL: time.Minute})
	c.prime()
	old := c.chal.Nonce
	if r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0)); r.status != http.StatusOK {
		t.Fatalf("fresh nonce: status %d", r.status)
	}
	clk.Advance(time.Minute + time.Second)
	r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0))
	if r.status != http.StatusUnauthorized {
		t.Fatalf("expired nonce: status %d, want 401", r.status)
	}
	ch := c.learn(r)
	if !ch.Stale || ch.Nonce == old {
		t.Errorf("expired nonce: challenge stale=%v nonce changed=%v, want stale=true and a new nonce", ch.Stale, ch.Nonce != old)
	}
	if !strings.Contains(r.header.Get("WWW-Authenticate"), "stale=true") {
		t.Errorf("challenge %q lacks stale=true", r.header.Get("WWW-Authenticate"))
	}
	if n := term.FailedLogins(); n != 0 {
		t.Errorf("stale nonce counted as %d failed logins", n)
	}
	if r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0)); r.status != http.StatusOK {
		t.Errorf("new nonce: status %d", r.status)
	}
}

func TestExpiredNonceWithWrongPasswordIsNotCounted(t *testing.T) {
	clk := manualClock()
	term, c := start(t, Config{Clock: clk, NonceTTL: time.Minute})
	c.prime()
	clk.Advance(2 * time.Minute)
	c.pass = "wrong"
	r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0))
	if r.status != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", r.status)
	}
	if ch := c.learn(r); ch.Stale {
		t.Error("stale=true for a response that is wrong for its nonce (RFC 7616 allows stale only for a right one)")
	}
	if n := term.FailedLogins(); n != 0 {
		t.Errorf("counted %d failed logins for an expired nonce", n)
	}
	// The retry on the fresh nonce is a real attempt and counts.
	c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0))
	if n := term.FailedLogins(); n != 1 {
		t.Errorf("wrong password on a fresh nonce: %d failed logins, want 1", n)
	}
}

func TestNonceReuse(t *testing.T) {
	tests := []struct {
		name       string
		singleUse  bool
		nc         []int // nc of each request on one nonce
		wantStatus []int
	}{
		{"multi-use nonce with rising nc", false, []int{1, 2, 3}, []int{200, 200, 200}},
		{"replayed nc is stale", false, []int{1, 1, 2}, []int{200, 401, 200}},
		{"single-use nonce reused", true, []int{1, 2}, []int{200, 401}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term, c := start(t, Config{SingleUseNonce: tt.singleUse})
			c.prime()
			ch := c.chal
			for i, nc := range tt.nc {
				c.chal = ch
				r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, nc))
				if r.status != tt.wantStatus[i] {
					t.Fatalf("request %d (nc=%d): status %d, want %d", i+1, nc, r.status, tt.wantStatus[i])
				}
				if r.status == http.StatusUnauthorized {
					if fresh := c.learn(r); !fresh.Stale || fresh.Nonce == ch.Nonce {
						t.Errorf("request %d: want stale=true with a new nonce, got %+v", i+1, fresh)
					}
				}
			}
			if n := term.FailedLogins(); n != 0 {
				t.Errorf("nonce reuse counted as %d failed logins", n)
			}
		})
	}
}

func TestSingleUseNonceClientRetriesOnce(t *testing.T) {
	_, c := start(t, Config{SingleUseNonce: true})
	for i := range 3 {
		if r := c.do(http.MethodGet, countURI, ""); r.status != http.StatusOK {
			t.Fatalf("request %d: status %d", i+1, r.status)
		}
	}
}

type authFailureJSON struct {
	envelope
	LockStatus  string `json:"lockStatus"`
	RetryTimes  int    `json:"retryTimes"`
	ResLockTime int    `json:"resLockTime"`
}

func wrongPassword(c *testClient, uri string) reply {
	c.t.Helper()
	c.pass = "wrong-password"
	defer func() { c.pass = testPass }()
	c.prime()
	return c.raw(http.MethodGet, uri, "", c.authFor(http.MethodGet, uri, 0))
}

func TestWrongPasswordLockout(t *testing.T) {
	clk := manualClock()
	log := &emulator.RequestLog{}
	term, c := start(t, Config{Clock: clk, LockAfter: 3, LockFor: 10 * time.Minute, Log: log})

	// 1st failure, JSON form.
	r := wrongPassword(c, countURI)
	if r.status != http.StatusUnauthorized {
		t.Fatalf("wrong password: status %d", r.status)
	}
	if _, err := digest.FindChallenge(r.header); err != nil {
		t.Errorf("failure answer without a challenge: %v", err)
	}
	f := decodeJSONReply[authFailureJSON](t, r)
	want := authFailureJSON{envelope{countURI, 4, "Invalid Operation", "badAuthorization", 0x40000003, "badAuthorization"}, "unlock", 2, 0}
	if f != want {
		t.Errorf("failure body %+v\nwant %+v", f, want)
	}
	if term.FailedLogins() != 1 || term.Locked() {
		t.Errorf("after 1 failure: FailedLogins %d Locked %v", term.FailedLogins(), term.Locked())
	}

	// 2nd failure, XML form (no format=json).
	r = wrongPassword(c, deviceInfoURI)
	x := decodeXMLReply[userCheckXML](t, r)
	if r.status != http.StatusUnauthorized || x.StatusValue != 401 || x.LockStatus != "unlock" || x.RetryLoginTime != 1 || x.UnlockTime != 0 {
		t.Errorf("XML failure body %+v (status %d)", x, r.status)
	}

	// 3rd failure locks.
	r = wrongPassword(c, countURI)
	f = decodeJSONReply[authFailureJSON](t, r)
	if f.LockStatus != "lock" || f.RetryTimes != 0 || f.ResLockTime != 600 {
		t.Errorf("locking failure body %+v, want lock, retryTimes 0, resLockTime 600", f)
	}
	if !term.Locked() {
		t.Error("not locked after LockAfter failures")
	}

	// Locked: even the right password is refused, with the time left.
	clk.Advance(4 * time.Minute)
	r = c.do(http.MethodGet, countURI, "")
	f = decodeJSONReply[authFailureJSON](t, r)
	if r.status != http.StatusUnauthorized || f.LockStatus != "lock" || f.RetryTimes != 0 || f.ResLockTime != 360 {
		t.Errorf("right password while locked: status %d body %+v, want 401 lock with resLockTime 360", r.status, f)
	}
	if r := c.raw(http.MethodGet, countURI, "", ""); !strings.Contains(string(r.body), `"lockStatus":"lock"`) {
		t.Errorf("request without credentials while locked: %s", r.body)
	}

	// The lock runs out; the right password works and the count is reset.
	clk.Advance(6 * time.Minute)
	c.chal = nil
	if r := c.do(http.MethodGet, countURI, ""); r.status != http.StatusOK {
		t.Fatalf("after LockFor: status %d: %s", r.status, r.body)
	}
	if term.Locked() || term.FailedLogins() != 0 {
		t.Errorf("after LockFor: Locked %v FailedLogins %d", term.Locked(), term.FailedLogins())
	}
	for _, e := range log.Entries() {
		if strings.Contains(string(e.Body), testPass) {
			t.Errorf("the password appears in the request log: %+v", e)
		}
	}
}

func TestSuccessResetsFailures(t *testing.T) {
	term, c := start(t, Config{LockAfter: 3})
	wrongPassword(c, countURI)
	wrongPassword(c, countURI)
	if n := term.FailedLogins(); n != 2 {
		t.Fatalf("FailedLogins %d, want 2", n)
	}
	if r := c.do(http.MethodGet, countURI, ""); r.status != http.StatusOK {
		t.Fatalf("right password: status %d", r.status)
	}
	if n := term.FailedLogins(); n != 0 {
		t.Errorf("success left FailedLogins at %d", n)
	}
	f := decodeJSONReply[authFailureJSON](t, wrongPassword(c, countURI))
	if f.RetryTimes != 2 {
		t.Errorf("after a reset, first failure says retryTimes %d, want 2", f.RetryTimes)
	}
}

func TestUnlockAndSetPassword(t *testing.T) {
	term, c := start(t, Config{LockAfter: 1})
	wrongPassword(c, countURI)
	if !term.Locked() {
		t.Fatal("not locked")
	}
	term.Unlock()
	if term.Locked() || term.FailedLogins() != 0 {
		t.Fatal("Unlock left the lock")
	}
	term.SetPassword("changed-on-device")
	r := c.do(http.MethodGet, countURI, "")
	if r.status != http.StatusUnauthorized || term.FailedLogins() != 1 {
		t.Errorf("old password after SetPassword: status %d, FailedLogins %d", r.status, term.FailedLogins())
	}
	term.Unlock()
	c.pass, c.chal = "changed-on-device", nil
	if r := c.do(http.MethodGet, countURI, ""); r.status != http.StatusOK {
		t.Errorf("new password: status %d", r.status)
	}
}

func TestCredentialProblemsThatAreNotFailedLogins(t *testing.T) {
	tests := []struct {
		name       string
		auth       func(c *testClient) string
		wantStatus int
	}{
		{"basic auth", func(c *testClient) string { return "Basic YWRtaW46eA==" }, 401},
		{"garbage header", func(c *testClient) string { return "Digest ,,,==" }, 401},
		{"wrong realm", func(c *testClient) string {
			ch := *c.chal
			ch.Realm = "IP Camera"
			c.chal = &ch
			return c.authFor(http.MethodGet, countURI, 0)
		}, 401},
		{"wrong opaque", func(c *testClient) string {
			ch := *c.chal
			ch.Opaque = "0000"
			c.chal = &ch
			return c.authFor(http.MethodGet, countURI, 0)
		}, 401},
		{"unoffered algorithm", func(c *testClient) string {
			ch := *c.chal
			ch.Algorithm = "SHA-512"
			c.chal = &ch
			return c.authFor(http.MethodGet, countURI, 0)
		}, 401},
		{"unknown nonce", func(c *testClient) string {
			ch := *c.chal
			ch.Nonce = "deadbeef"
			c.chal = &ch
			c.pass = "wrong"
			return c.authFor(http.MethodGet, countURI, 0)
		}, 401},
		{"digest for another URI", func(c *testClient) string {
			return c.authFor(http.MethodGet, "/ISAPI/System/time", 0)
		}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term, c := start(t, Config{LockAfter: 1})
			c.prime()
			r := c.raw(http.MethodGet, countURI, "", tt.auth(c))
			if r.status != tt.wantStatus {
				t.Errorf("status %d, want %d: %s", r.status, tt.wantStatus, r.body)
			}
			if tt.wantStatus == http.StatusBadRequest {
				checkEnvelope(t, r, http.StatusBadRequest, 6, "badParameters", "uri")
			}
			if n := term.FailedLogins(); n != 0 || term.Locked() {
				t.Errorf("counted as a failed login (%d, locked %v)", n, term.Locked())
			}
		})
	}
}

func TestWrongUsernameIsAFailedLogin(t *testing.T) {
	term, c := start(t, Config{})
	c.user = "operator"
	c.prime()
	r := c.raw(http.MethodGet, countURI, "", c.authFor(http.MethodGet, countURI, 0))
	if r.status != http.StatusUnauthorized || term.FailedLogins() != 1 {
		t.Errorf("wrong username: status %d, FailedLogins %d", r.status, term.FailedLogins())
	}
}
