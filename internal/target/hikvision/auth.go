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
	accepted bool // the nonce had been accepted before (so a 401 may just mean it expired)
}

// sign adds an Authorization header computed from the cached challenge, if
// there is one.
func (a *authState) sign(req *http.Request, user, pass string) (signature, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
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
	return signature{signed: true, nonce: a.chal.Nonce, accepted: a.accepted}, nil
}

// adopt caches a new challenge (nonce count restarts).
func (a *authState) adopt(c *digest.Challenge) {
	a.mu.Lock()
	a.chal, a.nc, a.accepted = c, 0, false
	a.mu.Unlock()
}

// ok records that a signed request got through.
func (a *authState) ok() {
	a.mu.Lock()
	a.accepted = true
	a.mu.Unlock()
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
