package hikvision

import (
	"net/http"
	"strings"
	"sync"

	"github.com/icholy/digest"
)

// maxAuthFailures is how many rejected logins stop the client. Terminals
// lock the account after 5–7; two leaves room for iVMS-4200 and a human.
const maxAuthFailures = 2

// authState is the Digest session with one terminal. We do not use
// digest.Transport: on a 401 to a request sent with a cached challenge it
// always retries once with the new challenge, on every call, so wrong
// credentials would cost two failed logins per call and lock the account out
// within three calls. Here every rejected login is counted and the client
// stops for good after maxAuthFailures.
type authState struct {
	mu       sync.Mutex
	chal     *digest.Challenge
	nc       int  // requests signed with chal so far
	accepted bool // chal's nonce has been accepted at least once
	// limit is how many requests the terminal accepts per nonce, learned
	// from an old-nonce refusal (0: none seen). Some firmware refuses a
	// nonce after a few uses without sending a new challenge; knowing the
	// limit, the client fetches a fresh challenge before that use instead
	// of paying a refusal each time.
	limit    int
	failures int
	stop     *stopInfo // set once stopped; every later call fails with it
}

// stopInfo is what the stop error repeats on every later call.
type stopInfo struct {
	code        string
	message     string
	retryTimes  int
	lockSeconds int
}

// stopped returns the stop state, or nil while the client may talk.
func (a *authState) stopped() *stopInfo {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stop
}

// signature is what one signed request used.
type signature struct {
	signed   bool
	nonce    string
	use      int  // which use of the nonce this request is (its nc)
	accepted bool // the nonce had been accepted before (so a 401 may just mean it expired)
}

// sign adds an Authorization header computed from the cached challenge, if
// there is one. When the nonce has been used as often as the terminal is
// known to accept, it is dropped and the request goes out unsigned: its 401
// brings a fresh challenge and counts as no login attempt.
func (a *authState) sign(req *http.Request, user, pass string) (signature, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.chal != nil && a.limit > 0 && a.nc >= a.limit {
		a.chal, a.nc, a.accepted = nil, 0, false
	}
	if a.chal == nil {
		return signature{}, nil
	}
	a.nc++
	cred, err := digest.Digest(a.chal, digest.Options{
		Method:   req.Method,
		URI:      req.URL.RequestURI(),
		Count:    a.nc,
		Username: user,
		Password: pass,
	})
	if err != nil {
		return signature{}, err
	}
	req.Header.Set("Authorization", cred.String())
	return signature{signed: true, nonce: a.chal.Nonce, use: a.nc, accepted: a.accepted}, nil
}

// adopt caches a new challenge (nonce count restarts).
func (a *authState) adopt(c *digest.Challenge) {
	a.mu.Lock()
	a.chal, a.nc, a.accepted = c, 0, false
	a.mu.Unlock()
}

// drop forgets the cached challenge: the next request goes out unsigned.
func (a *authState) drop() {
	a.mu.Lock()
	a.chal, a.nc, a.accepted = nil, 0, false
	a.mu.Unlock()
}

// ok records that a signed request got through.
func (a *authState) ok() {
	a.mu.Lock()
	a.accepted = true
	a.mu.Unlock()
}

// learnLimit records that a nonce was refused at its use-th use (while the
// password is right: the fresh nonce after it was accepted), so it is good
// for use-1 requests. The smallest limit seen wins.
func (a *authState) learnLimit(use int) {
	if use < 2 {
		return // a first use refused is a failed login, not a limit
	}
	a.mu.Lock()
	if a.limit == 0 || use-1 < a.limit {
		a.limit = use - 1
	}
	a.mu.Unlock()
}

// NonceLimit is how many requests the terminal accepts per Digest nonce, as
// learned from its refusals (0: no limit seen). doctor reports it.
func (c *Client) NonceLimit() int {
	c.auth.mu.Lock()
	defer c.auth.mu.Unlock()
	return c.auth.limit
}

// fail counts n rejected logins and returns the total; when the terminal
// says it has locked the account, the client stops at once.
func (a *authState) fail(n int, locked bool) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failures += n
	if locked && a.failures < maxAuthFailures {
		a.failures = maxAuthFailures
	}
	return a.failures
}

func (a *authState) setStop(s *stopInfo) {
	a.mu.Lock()
	if a.stop == nil {
		a.stop = s
	}
	a.mu.Unlock()
}

// pickChallenge returns the Digest challenge to answer: SHA-256 when the
// terminal offers it, else MD5 (or any other the library can compute). The
// qop list is trimmed: firmware writes qop="auth, auth-int".
func pickChallenge(h http.Header) (*digest.Challenge, error) {
	var best *digest.Challenge
	rank := func(c *digest.Challenge) int {
		switch strings.ToUpper(c.Algorithm) {
		case "SHA-256":
			return 3
		case "", "MD5":
			return 2
		}
		return 1
	}
	for _, v := range h.Values("WWW-Authenticate") {
		if !digest.IsDigest(v) {
			continue
		}
		c, err := digest.ParseChallenge(v)
		if err != nil {
			continue
		}
		for i, q := range c.QOP {
			c.QOP[i] = strings.TrimSpace(q)
		}
		if !digest.CanDigest(c) || c.Nonce == "" {
			continue
		}
		if best == nil || rank(c) > rank(best) {
			best = c
		}
	}
	if best == nil {
		// FindChallenge tells a malformed challenge from a missing one.
		if _, err := digest.FindChallenge(h); err != nil {
			return nil, err
		}
		return nil, digest.ErrNoChallenge
	}
	return best, nil
}

// refusal is what a 401 to a signed request means.
type refusal int

const (
	refusedLogin refusal = iota // the credentials were checked and refused: a failed login
	refusedStale                // stale=true: right password, expired nonce (RFC 7616)
	// refusedNonce: a used nonce refused as old, and said so (no challenge,
	// a ResponseStatus with invalidOperation), as limited-reuse firmware does.
	refusedNonce
	// refusedReplaced: a used nonce refused without a word on the password
	// (a new challenge, or none and an empty or foreign body): most likely
	// spent, but the retry's refusal counts this one too.
	refusedReplaced
)

// whyRefused reads a 401 to a signed request. Only a body that says the
// login failed (userCheck, lock counters) or the refusal of a nonce never
// accepted before — a response computed from a challenge just received —
// is a failed login; a nonce that worked before and is now refused has most
// likely run out (single-use, expiring or limited-reuse nonces).
func whyRefused(sig signature, env *envelope, chal *digest.Challenge) refusal {
	switch {
	case saysLoginFailed(env):
		return refusedLogin
	case chal != nil && chal.Stale && !sig.accepted:
		// A nonce never accepted came with a challenge just received (or
		// with the refusal before): it cannot have expired, so the
		// refusal is of the response, as a wrong password is (some
		// firmware flags every refusal stale). Counted: it stops at two.
		return refusedLogin
	case chal != nil && chal.Stale:
		return refusedStale
	case !sig.accepted:
		return refusedLogin
	case chal == nil && env != nil && strings.EqualFold(env.SubStatusCode, "invalidOperation"):
		return refusedNonce
	case chal == nil || chal.Nonce != sig.nonce:
		return refusedReplaced
	}
	return refusedLogin // the same nonce offered again: the response was wrong
}

// saysLoginFailed reports whether a 401 body is a failed-login answer: a
// userCheck (retryLoginTime, lockStatus, unlockTime) or a status carrying
// the lockout counters.
func saysLoginFailed(e *envelope) bool {
	return e != nil && (e.Root == "userCheck" || e.LockStatus != "" || e.RetryTimes >= 0 || e.LockSeconds >= 0 ||
		strings.EqualFold(e.SubStatusCode, "badAuthorization"))
}
