package hikvision

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/doorsync/doorsync/internal/httpx"
	"github.com/doorsync/doorsync/internal/target"
)

// Error codes this client sets on *target.Error (the terminal's own
// subStatusCode otherwise).
const (
	CodeTimeout     = httpx.CodeTimeout      // no answer within Config.Timeout
	CodeTLS         = httpx.CodeTLS          // certificate refused (pin mismatch, unknown CA)
	CodeNoChallenge = "noChallenge"          // 401 without a usable Digest challenge
	CodeLoginFailed = "loginFailed"          // credentials rejected (terminal sent no code)
	CodeLocked      = "locked"               // the terminal says the account is locked
	CodeListChanged = target.CodeListChanged // persons changed during every scan attempt
	CodeRedirect    = httpx.CodeRedirect     // the terminal redirected
	CodeHTTP        = httpx.CodeHTTP         // an HTTP error without a status envelope
)

// call is one ISAPI request.
type call struct {
	op     string // for messages: "search page 3", "modify 1042"
	method string
	path   string // with its query
	body   []byte
	read   bool // an idempotent read (a GET, or a POST that only searches)
}

// reply is a terminal's answer.
type reply struct {
	status   int
	header   http.Header
	body     []byte
	env      *envelope // the body as a status envelope, if it is one
	parseErr error     // why the body is not an envelope (errNotEnvelope: a payload)
}

// do sends one call. It never retries: a busy or failing terminal comes
// back as a classified error at once, and the engine decides (apply.Retry),
// so retries are not stacked. With an error status the reply is returned
// too (its envelope has the details).
func (c *Client) do(ctx context.Context, cl call) (*reply, error) {
	return c.once(ctx, cl)
}

// once performs one exchange under the one-in-flight rule and checks the
// reply for an error status.
func (c *Client) once(ctx context.Context, cl call) (*reply, error) {
	if s := c.auth.stopped(); s != nil {
		return nil, c.stopError(cl.op, s, false)
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, c.errs.Fail(target.Transient, cl.op, "", "cancelled while waiting for the terminal", ctx.Err())
	}
	defer func() { <-c.sem }()
	// Another call may have stopped the client while this one waited.
	if s := c.auth.stopped(); s != nil {
		return nil, c.stopError(cl.op, s, false)
	}
	rep, err := c.exchange(ctx, cl)
	if err != nil {
		return nil, err
	}
	return rep, c.check(cl, rep)
}

// check turns an error status into a classified error. Terminals put errors
// in HTTP 200 bodies as well as in 4xx ones, so the body decides first.
func (c *Client) check(cl call, rep *reply) error {
	rep.env, rep.parseErr = parseEnvelope(rep.body)
	if rep.env != nil && !rep.env.OK() {
		return c.errs.Wrap(rep.env.Error(c.name, cl.op, rep.status))
	}
	if rep.status >= 200 && rep.status < 300 {
		return nil
	}
	return c.errs.Status(cl.op, rep.status, rep.header.Get("Location"), bodyHint(c.errs.Scrub.Bytes(rep.body)),
		"the terminal does not offer "+pathOnly(cl.path))
}

func pathOnly(p string) string {
	path, _, _ := strings.Cut(p, "?")
	return path
}

func bodyHint(b []byte) string {
	b = trimBody(b)
	if len(b) == 0 {
		return "(empty body)"
	}
	return "(body " + snippet(b) + ")"
}

// payload returns the body of a reply that must carry data, not a status.
func (c *Client) payload(cl call, rep *reply) ([]byte, error) {
	switch {
	case rep.env != nil:
		return nil, c.errs.Fail(target.Malformed, cl.op, "", "the terminal answered with a status ("+rep.env.StatusString+") instead of data", nil)
	case rep.parseErr != nil && !errors.Is(rep.parseErr, errNotEnvelope):
		return nil, c.errs.Fail(target.Malformed, cl.op, "", "reply not understood", rep.parseErr)
	}
	return rep.body, nil
}

// exchange sends cl with Digest authentication: it answers a first
// challenge, recovers once from a nonce the terminal no longer takes (stale,
// replaced, or refused as old without a new challenge — then a fresh one is
// fetched with an unsigned request, which is no login attempt), and counts
// every rejected login (see authState and whyRefused).
func (c *Client) exchange(ctx context.Context, cl call) (*reply, error) {
	retried := false   // the one retry after a spent nonce is used
	ambiguous := false // that retry followed a refusal that said nothing of the password
	oldUse := 0        // the use at which a nonce was refused without a new challenge
	unsigned := 0
	for {
		rep, sig, err := c.send(ctx, cl)
		if err != nil {
			return nil, err
		}
		if rep.status != http.StatusUnauthorized {
			if sig.signed {
				c.auth.ok()
				if oldUse > 0 {
					// The fresh nonce worked, so the old one had run out.
					c.auth.learnLimit(oldUse)
				}
			}
			return rep, nil
		}
		env, _ := parseEnvelope(rep.body) // may carry lockStatus, retryTimes…
		chal, cerr := pickChallenge(rep.header)
		if !sig.signed {
			// No credentials were sent: this is the challenge, not a failure.
			unsigned++
			if chal == nil || unsigned > 1 {
				return nil, c.errs.Fail(target.Auth, cl.op, CodeNoChallenge,
					"the terminal asked for authentication but offered no usable Digest challenge", cerr)
			}
			c.auth.adopt(chal)
			continue
		}
		why := whyRefused(sig, env, chal)
		if why != refusedLogin && !retried {
			// Not a failed login: answer a fresh challenge once. Should the
			// retry be refused after a refusal that said nothing of the
			// password, the first refusal is counted too.
			retried, ambiguous = true, why == refusedReplaced
			if chal == nil {
				oldUse = sig.use
				c.auth.drop()
			} else {
				c.auth.adopt(chal)
			}
			continue
		}
		if chal != nil {
			c.auth.adopt(chal) // the next call signs with the newest nonce
		} else {
			// No new challenge: the next call asks for one unsigned rather
			// than sign again with a nonce marked accepted, whose refusal
			// would pass for a spent nonce and cost another try.
			c.auth.drop()
		}
		// A refused retry on a fresh nonce is a failed login whatever the
		// reply says: no second recovery, no loop.
		n := 1
		if ambiguous {
			n = 2
		}
		locked := env != nil && strings.EqualFold(strings.TrimSpace(env.LockStatus), "lock")
		return nil, c.authFailure(cl.op, env, c.auth.fail(n, locked), locked)
	}
}

// authFailure reports a rejected login; at maxAuthFailures it stops the
// client for good.
func (c *Client) authFailure(op string, env *envelope, total int, locked bool) error {
	s := &stopInfo{code: CodeLoginFailed, retryTimes: -1, lockSeconds: -1}
	if env != nil {
		s.retryTimes, s.lockSeconds = env.RetryTimes, env.LockSeconds
		if env.SubStatusCode != "" {
			s.code = env.SubStatusCode
		}
	}
	if locked {
		s.code = CodeLocked
		s.message = "the terminal has locked the account: stopped talking to it for this run; wait for the lock to pass, then check the username and password configured for it"
	}
	if total < maxAuthFailures {
		te := &target.Error{Class: target.Auth, Target: c.name, Op: op, Code: s.code,
			Message: fmt.Sprintf("login rejected (%d of %d allowed in a run): check the username and password configured for it",
				total, maxAuthFailures),
			RetryTimes: s.retryTimes, LockSeconds: s.lockSeconds}
		return c.errs.Wrap(te)
	}
	if s.message == "" {
		s.message = fmt.Sprintf("login rejected %d times: stopped talking to this terminal for this run to avoid locking the account out; check the username and password configured for it, and in the terminal's web page whether the account is locked", total)
	}
	c.auth.setStop(s)
	return c.stopError(op, c.auth.stopped(), true)
}

// stopError is what every call returns once the client is stopped, at once
// and without a request.
func (c *Client) stopError(op string, s *stopInfo, first bool) error {
	msg := s.message
	if !first {
		msg = "not sent: " + msg
	}
	return c.errs.Wrap(&target.Error{Class: target.Auth, Target: c.name, Op: op, Code: s.code, Message: msg,
		RetryTimes: s.retryTimes, LockSeconds: s.lockSeconds, Err: target.ErrStopped})
}

// send performs one HTTP request (signed when a challenge is cached) and
// reads the whole reply within the per-request timeout.
func (c *Client) send(ctx context.Context, cl call) (*reply, signature, error) {
	var sig signature
	r, err := c.errs.Do(ctx, c.http, c.timeout, maxBody,
		httpx.Call{Op: cl.op, Method: cl.method, URL: c.base + cl.path, Body: cl.body, ContentType: "application/json"},
		func(req *http.Request) error {
			var err error
			if sig, err = c.auth.sign(req, c.user, c.pass); err != nil {
				// digest errors name the algorithm or qop, never the password.
				return c.errs.Fail(target.Auth, cl.op, CodeNoChallenge, "cannot answer the terminal's Digest challenge", err)
			}
			return nil
		})
	if err != nil {
		return nil, sig, err
	}
	// The Digest challenge is answered as the terminal sent it; the rest of
	// the headers, like the body, is scrubbed (a proxy or error page
	// echoing the request must not get the Digest answer into a message).
	if r.Challenge != nil {
		r.Header["Www-Authenticate"] = r.Challenge
	}
	return &reply{status: r.Status, header: r.Header, body: r.Body}, sig, nil
}
