package neyross

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/doorsync/doorsync/internal/target"
)

// Error codes this client sets on *target.Error.
const (
	CodeTimeout       = target.CodeTimeout     // no answer within Config.Timeout
	CodeTokenRejected = "tokenRejected"        // 401/403: the API token was refused
	CodeRedirect      = "redirect"             // the platform redirected
	CodeHTTP          = "http"                 // an HTTP error status
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

// fail builds a classified error: "neyross pacs: persons page offset 2000: …".
func (c *Client) fail(class target.Class, op, code, msg string, cause error) error {
	// The texts quote a reply decoded after it was scrubbed: scrubbed
	// again, fragments of a secret included.
	return wrap(&target.Error{Class: class, Target: c.name, Op: op, Code: c.redact.Short(code), Message: c.redact.Short(msg),
		RetryTimes: -1, LockSeconds: -1, Err: c.redact.Error(cause)})
}

// wrap prefixes a classified error with "neyross ", keeping it reachable
// with errors.As.
func wrap(te *target.Error) error { return fmt.Errorf("neyross %w", te) }

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
		return nil, c.fail(target.Transient, cl.op, "", "not sent", err)
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
	switch {
	case st >= 200 && st < 300:
		return nil
	case st == http.StatusUnauthorized || st == http.StatusForbidden:
		// Bearer tokens do not lock out, but a wrong one must not cause a
		// request storm: the first rejection stops the client for good.
		// The platform's words are kept: a 403 may say the plugin is not
		// licensed.
		c.stop.CompareAndSwap(nil, &stopInfo{status: st, code: CodeTokenRejected, hint: bodyHint(rep.body)})
		return c.stopError(cl.op, true)
	case st >= 300 && st < 400:
		return c.fail(target.Permanent, cl.op, CodeRedirect,
			fmt.Sprintf("the platform redirected (HTTP %d) to %q: set the url to where it points", st, rep.header.Get("Location")), nil)
	case st == http.StatusTooManyRequests:
		return c.fail(target.Busy, cl.op, CodeHTTP, "HTTP 429: the platform asks to slow down "+bodyHint(rep.body), nil)
	case st >= 500:
		return c.fail(target.Transient, cl.op, CodeHTTP, fmt.Sprintf("HTTP %d %s", st, bodyHint(rep.body)), nil)
	case st == http.StatusNotFound:
		return c.fail(target.Permanent, cl.op, CodeHTTP, fmt.Sprintf("HTTP 404: the platform does not offer %s (is the EIS plugin installed, and the url the platform's address?) %s",
			pathOnly(cl.path), bodyHint(rep.body)), nil)
	case st >= 400:
		return c.fail(target.Permanent, cl.op, CodeHTTP, fmt.Sprintf("HTTP %d %s", st, bodyHint(rep.body)), nil)
	}
	return c.fail(target.Malformed, cl.op, CodeHTTP, fmt.Sprintf("unexpected HTTP %d", st), nil)
}

// stopError is what every call returns once the token was rejected: at once
// and without a request.
func (c *Client) stopError(op string, first bool) error {
	s := c.stop.Load()
	msg := fmt.Sprintf("the platform rejected the API token (HTTP %d %s): doorsync stopped using this NEYROSS target for the run, so that a wrong token does not cause a storm of requests; copy the current token from the EIS plugin settings (it may have been regenerated)", s.status, s.hint)
	if !first {
		msg = "not sent: " + msg
	}
	return wrap(&target.Error{Class: target.Auth, Target: c.name, Op: op, Code: s.code, Message: msg,
		RetryTimes: -1, LockSeconds: -1, Err: target.ErrStopped})
}

func pathOnly(p string) string {
	path, _, _ := strings.Cut(p, "?")
	return pluginPath + path
}

// send performs one HTTP request with the bearer token and reads the whole
// reply within the per-request timeout.
func (c *Client) send(ctx context.Context, cl call) (*reply, error) {
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(rctx, cl.method, c.base+cl.path, body)
	if err != nil {
		return nil, c.fail(target.Permanent, cl.op, "", "cannot build the request", err)
	}
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "doorsync")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.netError(ctx, rctx, cl.op, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.Grow(int(min(max(resp.ContentLength+1, 4096), maxBody+1)))
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, c.netError(ctx, rctx, cl.op, fmt.Errorf("reading the reply: %w", err))
	}
	if buf.Len() > maxBody {
		return nil, c.fail(target.Malformed, cl.op, "", fmt.Sprintf("reply larger than %d MiB", maxBody>>20), nil)
	}
	// A proxy or error page echoing the request's headers: the token must
	// not reach a message. Scrubbed whole, before anything cuts it.
	return &reply{status: resp.StatusCode, header: c.redact.Header(resp.Header), body: c.redact.Bytes(buf.Bytes())}, nil
}

// netError classifies a failed request: the caller's cancellation, our
// per-request timeout, or a network failure. The URL in Go's error holds no
// secret (the token travels in a header).
func (c *Client) netError(parent, rctx context.Context, op string, err error) error {
	switch {
	case parent.Err() != nil:
		return c.fail(target.Transient, op, "", "cancelled", parent.Err())
	case errors.Is(rctx.Err(), context.DeadlineExceeded):
		return c.fail(target.Transient, op, CodeTimeout, fmt.Sprintf("no answer within %s", c.timeout), nil)
	}
	return c.fail(target.Transient, op, "", "", c.redact.Error(err))
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

// snippet quotes at most 200 bytes of b, cut at a rune boundary.
func snippet(b []byte) string {
	const max = 200
	cut := false
	if len(b) > max {
		b, cut = b[:max], true
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	s := strconv.Quote(string(b))
	if cut {
		s += "…"
	}
	return s
}
