package hikvision

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/icholy/digest"
)

// Bounds on what the nonce table keeps, so a client hammering the terminal
// cannot grow it without limit. A nonce pushed out early just earns its
// client a stale=true challenge.
const (
	maxNonces      = 4096
	maxNCsPerNonce = 4096
)

// authOutcome is what the Digest check decided for one request.
type authOutcome int

const (
	authOK        authOutcome = iota
	authChallenge             // no usable credentials: plain challenge, not a failed login
	authStale                 // right password, expired or spent nonce: stale=true
	authFailed                // wrong username or password with a valid nonce: counted
	authLocked                // the client is locked out
	authBadURI                // the digest was made for another URI (RFC 7616 → 400)
	// authOldNonce: the nonce was used Quirks.NonceUses times already; the
	// refusal has no challenge and is not a failed login.
	authOldNonce
)

// authResult carries what the answer needs.
type authResult struct {
	outcome    authOutcome
	retryTimes int // attempts left (authFailed)
	lockSecs   int // seconds of lockout left (authLocked, or authFailed that locked)
}

type nonceState struct {
	issued time.Time
	realm  string // the realm of the challenge that carried it (RealmFlipAfter)
	used   bool   // spent (single-use nonces)
	uses   int    // requests that presented it (Quirks.NonceUses)
	ncs    map[int]struct{}
}

// loginState is one client IP's failed-login record.
type loginState struct {
	failures    int
	lockedUntil time.Time // zero: not locked
}

// newNonce issues a nonce for a challenge in realm; t.mu must be held.
func (t *Terminal) newNonce(realm string) string {
	now := t.cfg.Clock.Now()
	// Drop expired nonces from the front of the issue order, and the oldest
	// ones beyond the bound.
	for len(t.nonceOrder) > 0 {
		n := t.nonceOrder[0]
		st, ok := t.nonces[n]
		if ok && now.Sub(st.issued) < t.cfg.NonceTTL && len(t.nonceOrder) < maxNonces {
			break
		}
		delete(t.nonces, n)
		t.nonceOrder = t.nonceOrder[1:]
	}
	n := randomHex(16)
	t.nonces[n] = &nonceState{issued: now, realm: realm, ncs: map[int]struct{}{}}
	t.nonceOrder = append(t.nonceOrder, n)
	return n
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// clientIP is the key of the lockout: terminals lock per client address.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// challengeRealm is the realm of the next challenge; t.mu must be held.
// With RealmFlipAfter its case flips after every that many challenges, as
// the same device's realm did between firmware versions.
func (t *Terminal) challengeRealm() string {
	t.challenges++
	if n := t.cfg.Quirks.RealmFlipAfter; n > 0 && (t.challenges-1)/n%2 == 1 {
		return flipRealm(t.cfg.Realm)
	}
	return t.cfg.Realm
}

// authenticate checks the request's Digest credentials and updates nonce and
// lockout state. It never counts a request without credentials, with a stale
// nonce, with a spent nonce or with one used up (Quirks.NonceUses) as a
// failed login: only a wrong username or password presented with a nonce
// that is still valid counts. The response is checked against the realm of
// the challenge that issued the nonce: a client hashing with another case
// of it (RealmFlipAfter) fails as it would on the device.
func (t *Terminal) authenticate(r *http.Request) authResult {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.cfg.Clock.Now()
	ip := clientIP(r)
	ls := t.logins[ip]
	if ls != nil && !ls.lockedUntil.IsZero() && !now.Before(ls.lockedUntil) {
		// The lock has run out: the terminal forgets the failures too.
		delete(t.logins, ip)
		ls = nil
	}
	if ls != nil && !ls.lockedUntil.IsZero() {
		return authResult{outcome: authLocked, lockSecs: ceilSeconds(ls.lockedUntil.Sub(now))}
	}

	cred, err := digest.ParseCredentials(r.Header.Get("Authorization"))
	if err != nil {
		return authResult{outcome: authChallenge}
	}
	alg := strings.ToUpper(cred.Algorithm)
	switch {
	case alg == "" || alg == "MD5":
	case alg == "SHA-256" && t.cfg.OfferSHA256:
	default:
		return authResult{outcome: authChallenge}
	}
	ns := t.nonces[cred.Nonce]
	realm := t.cfg.Realm
	if ns != nil {
		realm = ns.realm
	}
	if !strings.EqualFold(cred.Realm, realm) || cred.Opaque != t.opaque || cred.QOP != "auth" ||
		cred.Nc <= 0 || cred.Cnonce == "" || cred.Userhash || cred.Nonce == "" {
		return authResult{outcome: authChallenge}
	}
	if cred.URI != requestURL(r) {
		return authResult{outcome: authBadURI}
	}

	fresh := ns != nil && now.Sub(ns.issued) < t.cfg.NonceTTL
	if limit := t.cfg.Quirks.NonceUses; fresh && limit > 0 && ns.uses >= limit {
		// Checked before the password [I]: the refusal says nothing of
		// it, so a wrong password on a used-up nonce is not counted here
		// but on the fresh nonce the client must fetch next.
		return authResult{outcome: authOldNonce}
	}

	chal := &digest.Challenge{Realm: realm, Nonce: cred.Nonce, Opaque: t.opaque,
		Algorithm: cred.Algorithm, QOP: []string{"auth"}}
	want, err := digest.Digest(chal, digest.Options{Method: r.Method, URI: cred.URI, Count: cred.Nc,
		Cnonce: cred.Cnonce, Username: t.cfg.Username, Password: t.password})
	if err != nil {
		return authResult{outcome: authChallenge}
	}
	good := subtle.ConstantTimeCompare([]byte(want.Response), []byte(strings.ToLower(cred.Response))) == 1 &&
		subtle.ConstantTimeCompare([]byte(cred.Username), []byte(t.cfg.Username)) == 1

	usable := false
	if fresh {
		ns.uses++
		_, replayed := ns.ncs[cred.Nc]
		usable = !(t.cfg.SingleUseNonce && ns.used) && !replayed && len(ns.ncs) < maxNCsPerNonce
		// One request spends a single-use nonce whatever its outcome.
		ns.used = true
		if len(ns.ncs) < maxNCsPerNonce {
			ns.ncs[cred.Nc] = struct{}{}
		}
	}

	switch {
	case good && usable:
		delete(t.logins, ip)
		return authResult{outcome: authOK}
	case good:
		// RFC 7616: stale only when the response is right for that nonce.
		return authResult{outcome: authStale}
	case !usable:
		// A wrong password on a nonce that is no longer valid is answered
		// with a fresh challenge; the retry with that nonce will count.
		return authResult{outcome: authChallenge}
	}
	if ls == nil {
		ls = &loginState{}
		t.logins[ip] = ls
	}
	ls.failures++
	left := t.cfg.LockAfter - ls.failures
	if left <= 0 {
		ls.lockedUntil = now.Add(t.cfg.LockFor)
		return authResult{outcome: authFailed, retryTimes: 0, lockSecs: ceilSeconds(t.cfg.LockFor)}
	}
	return authResult{outcome: authFailed, retryTimes: left}
}

func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// challenge sets the WWW-Authenticate header(s) with a fresh nonce.
func (t *Terminal) challenge(w http.ResponseWriter, stale bool) {
	t.mu.Lock()
	realm := t.challengeRealm()
	nonce := t.newNonce(realm)
	t.mu.Unlock()
	// Terminals send stale="FALSE" on an ordinary challenge; clients must
	// compare the value, not look for the parameter.
	staleParam := `stale="FALSE"`
	if stale {
		staleParam = "stale=true"
	}
	line := func(alg string) string {
		return fmt.Sprintf(`Digest realm="%s", qop="auth", nonce="%s", opaque="%s", %s, algorithm=%s`,
			realm, nonce, t.opaque, staleParam, alg)
	}
	if t.cfg.OfferSHA256 {
		// RFC 7616 §3.7: the preferred algorithm first.
		w.Header().Add("WWW-Authenticate", line("SHA-256"))
	}
	w.Header().Add("WWW-Authenticate", line("MD5"))
}

// unauthorizedPage is the web server's own 401 page, sent with a plain or
// stale challenge (no failure information: nothing was tried).
const unauthorizedPage = `<!DOCTYPE html>
<html><head><title>Document Error: Unauthorized</title></head>
<body><h2>Access Error: 401 -- Unauthorized</h2>
<p>Authentication Error</p>
</body>
</html>
`

// userCheckXML is the failure body XML clients get (other firmware spells
// the counters retryLoginTime / unlockTime, which is what this form uses).
type userCheckXML struct {
	XMLName        xml.Name `xml:"userCheck"`
	Version        string   `xml:"version,attr"`
	XMLNS          string   `xml:"xmlns,attr"`
	StatusValue    int      `xml:"statusValue"`
	StatusString   string   `xml:"statusString"`
	LockStatus     string   `xml:"lockStatus"`
	UnlockTime     int      `xml:"unlockTime"`
	RetryLoginTime int      `xml:"retryLoginTime"`
}

type userCheckJSON struct {
	RequestURL    string `json:"requestURL"`
	StatusCode    int    `json:"statusCode"`
	StatusString  string `json:"statusString"`
	SubStatusCode string `json:"subStatusCode"`
	ErrorCode     int    `json:"errorCode"`
	ErrorMsg      string `json:"errorMsg"`
	LockStatus    string `json:"lockStatus"`
	RetryTimes    int    `json:"retryTimes"`
	ResLockTime   int    `json:"resLockTime"`
}

// writeAuthFailure answers a request that did not authenticate.
func (t *Terminal) writeAuthFailure(w http.ResponseWriter, r *http.Request, res authResult) {
	if res.outcome == authBadURI {
		writeError(w, r, &apiError{http.StatusBadRequest, 6, statusStringInvalidCont, "badParameters",
			codeBadParameters, "uri"})
		return
	}
	if res.outcome == authOldNonce {
		// No WWW-Authenticate: the client must ask for a fresh challenge
		// with a request without credentials.
		writeError(w, r, oldNonce())
		return
	}
	t.challenge(w, res.outcome == authStale)
	if res.outcome == authChallenge || res.outcome == authStale {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(unauthorizedPage))
		return
	}
	lock, retry, secs := "unlock", res.retryTimes, 0
	if res.outcome == authLocked || res.lockSecs > 0 {
		lock, retry, secs = "lock", 0, res.lockSecs
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusUnauthorized, userCheckJSON{RequestURL: requestURL(r), StatusCode: 4,
			StatusString: statusStringInvalidOp, SubStatusCode: "badAuthorization", ErrorCode: codeBadAuthorization,
			ErrorMsg: "badAuthorization", LockStatus: lock, RetryTimes: retry, ResLockTime: secs})
		return
	}
	writeXML(w, http.StatusUnauthorized, userCheckXML{Version: "2.0", XMLNS: xmlNS, StatusValue: 401,
		StatusString: "Unauthorized", LockStatus: lock, UnlockTime: secs, RetryLoginTime: retry})
}
