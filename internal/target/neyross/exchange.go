package neyross

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/doorsync/doorsync/internal/httpx"
	"github.com/doorsync/doorsync/internal/target"
)

// Error codes this client sets on *target.Error.
const (
	CodeTimeout       = httpx.CodeTimeout      // no answer within Config.Timeout
	CodeTokenRejected = "tokenRejected"        // 401/403: the API token was refused
	CodeRedirect      = httpx.CodeRedirect     // the platform redirected
	CodeHTTP          = httpx.CodeHTTP         // an HTTP error status
	CodeListChanged   = target.CodeListChanged // the listing disagreed with the count on every scan
)

// call is one API request.
type call struct {
	op     string // for messages: "persons page offset 2000", "person <uuid>"
	method string
	path   string // relative to the plugin path, with its query
	body   []byte // nil: no body
	read   bool   // idempotent (a read, whatever its method)
	// pass lists error statuses the caller handles itself (404 of the
	// single-person read, 405 of its method fallback).
	pass []int
}

// reply is the platform's answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// do sends one call. It never retries: a failure comes back classified at
// once and the engine decides (apply.Retry), so retries are not stacked.
func (c *Client) do(ctx context.Context, cl call) (*reply, error) {
	return c.once(ctx, cl)
}

// once performs one exchange unless the client is stopped, and classifies
// the status.
func (c *Client) once(ctx context.Context, cl call) (*reply, error) {
	if c.Stopped() {
		return nil, c.stopError(cl.op, false)
	}
	if err := ctx.Err(); err != nil {
		return nil, c.errs.Fail(target.Transient, cl.op, "", "not sent", err)
	}
	rep, err := c.send(ctx, cl)
	if err != nil {
		return nil, err
	}
	return rep, c.check(cl, rep)
}

// check turns an error status into a classified error.
func (c *Client) check(cl call, rep *reply) error {
	st := rep.status
	for _, p := range cl.pass {
		if st == p {
			return nil
		}
	}
	if st >= 200 && st < 300 {
		return nil
	}
	hint := bodyHint(c.errs.Scrub.Bytes(rep.body)) // scrubbed whole, before bodyHint cuts it
	switch {
	case st == http.StatusUnauthorized || st == http.StatusForbidden:
		// Bearer tokens do not lock out, but a wrong one must not cause a
		// request storm: the first rejection stops the client for good.
		// The platform's words are kept: a 403 may say the plugin is not
		// licensed.
		c.stop.CompareAndSwap(nil, &stopInfo{status: st, code: CodeTokenRejected, hint: hint})
		return c.stopError(cl.op, true)
	case st == http.StatusTooManyRequests:
		return c.errs.Fail(target.Busy, cl.op, CodeHTTP, "HTTP 429: the platform asks to slow down "+hint, nil)
	}
	return c.errs.Status(cl.op, st, rep.header.Get("Location"), hint,
		fmt.Sprintf("the platform does not offer %s (is the EIS plugin installed, and the url the platform's address?) %s",
			pathOnly(cl.path), hint))
}

// stopError is what every call returns once the token was rejected: at once
// and without a request.
func (c *Client) stopError(op string, first bool) error {
	s := c.stop.Load()
	msg := fmt.Sprintf("the platform rejected the API token (HTTP %d %s): doorsync stopped using this NEYROSS target for the run, so that a wrong token does not cause a storm of requests; copy the current token from the EIS plugin settings (it may have been regenerated)", s.status, s.hint)
	if !first {
		msg = "not sent: " + msg
	}
	return c.errs.Wrap(&target.Error{Class: target.Auth, Target: c.name, Op: op, Code: s.code, Message: msg,
		RetryTimes: -1, LockSeconds: -1, Err: target.ErrStopped})
}

func pathOnly(p string) string {
	path, _, _ := strings.Cut(p, "?")
	return pluginPath + path
}

// send performs one HTTP request with the bearer token and reads the whole
// reply within the per-request timeout.
func (c *Client) send(ctx context.Context, cl call) (*reply, error) {
	// Go's error quotes the URL, which holds no secret: the token travels
	// in a header. A proxy or error page may echo that header: the reply
	// comes back scrubbed whole, before anything cuts it.
	r, err := c.errs.Do(ctx, c.http, c.timeout, maxBody,
		httpx.Call{Op: cl.op, Method: cl.method, URL: c.base + cl.path, Body: cl.body,
			ContentType: "application/json", Accept: "application/json"},
		func(req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+c.token)
			return nil
		})
	if err != nil {
		return nil, err
	}
	return &reply{status: r.Status, header: r.Header, body: r.Body}, nil
}

// bodyHint names what an error reply said: the platform's "error" or
// "message" text, or the start of the body.
func bodyHint(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "(empty body)"
	}
	var doc map[string]json.RawMessage
	if json.Unmarshal(b, &doc) == nil {
		var parts []string
		for _, k := range []string{"error", "message", "result"} {
			var s string
			if json.Unmarshal(doc[k], &s) == nil && s != "" {
				parts = append(parts, s)
			}
		}
		if len(parts) > 0 {
			return "(" + snippet([]byte(strings.Join(parts, ": "))) + ")"
		}
	}
	return "(body " + snippet(b) + ")"
}

// quoteLen is how much of a body a message quotes.
const quoteLen = 200

// snippet quotes the start of a (scrubbed) body for a message.
func snippet(b []byte) string { return httpx.Quote(b, quoteLen) }
