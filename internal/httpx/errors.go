package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/doorsync/doorsync/internal/redact"
	"github.com/doorsync/doorsync/internal/target"
)

// Codes the targets' clients set on *target.Error for what HTTP itself
// says (a system's own codes are its client's).
const (
	CodeTimeout  = target.CodeTimeout // no answer within the request's timeout
	CodeTLS      = "tls"              // certificate refused (pin mismatch, unknown CA)
	CodeRedirect = "redirect"         // the server redirected
	CodeHTTP     = "http"             // an HTTP error status
)

// Errors builds the classified errors of one target: each names the system,
// the target, the operation and what went wrong — "terminal entrance:
// search page 3: HTTP 503 (body …)" — with every text scrubbed.
type Errors struct {
	System string          // prefixes every error ("terminal", "neyross"); "": none
	Target string          // the configured name
	Who    string          // the system in a sentence: "the terminal"
	Scrub  redact.Scrubber // the target's credentials
	// Cert explains a refused certificate; nil: a certificate failure is a
	// network failure like another.
	Cert *CertHints
}

// Fail builds a classified error.
func (e Errors) Fail(class target.Class, op, code, msg string, cause error) error {
	return e.Wrap(&target.Error{Class: class, Target: e.Target, Op: op, Code: code, Message: msg,
		RetryTimes: -1, LockSeconds: -1, Err: cause})
}

// Wrap scrubs te's texts and prefixes it with the system's name, keeping it
// reachable with errors.As. Every classified error a client returns passes
// here: its texts may quote a reply decoded after it was scrubbed (an
// errorMsg with \u escapes, a hint cut short), so they are scrubbed again,
// runs of a secret's characters included.
func (e Errors) Wrap(te *target.Error) error {
	te.Code, te.Message, te.Err = e.Scrub.Message(te.Code), e.Scrub.Message(te.Message), e.Scrub.Error(te.Err)
	if e.System == "" {
		return te
	}
	return fmt.Errorf("%s %w", e.System, te)
}

// Status classifies the statuses every system means the same by: a
// redirect is permanent (the url is wrong), 5xx transient, 404 and other
// 4xx permanent, anything below 200 malformed; 2xx is nil. location is the
// redirect's (scrubbed) Location, hint what the body says ("(body …)"),
// notFound what a 404 means for this system.
func (e Errors) Status(op string, status int, location, hint, notFound string) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status >= 300 && status < 400:
		return e.Fail(target.Permanent, op, CodeRedirect,
			fmt.Sprintf("%s redirected (HTTP %d) to %q: set the url to where it points", e.Who, status, location), nil)
	case status >= 500:
		return e.Fail(target.Transient, op, CodeHTTP, fmt.Sprintf("HTTP %d %s", status, hint), nil)
	case status == http.StatusNotFound:
		return e.Fail(target.Permanent, op, CodeHTTP, "HTTP 404: "+notFound, nil)
	case status >= 400:
		return e.Fail(target.Permanent, op, CodeHTTP, fmt.Sprintf("HTTP %d %s", status, hint), nil)
	}
	return e.Fail(target.Malformed, op, CodeHTTP, fmt.Sprintf("unexpected HTTP %d", status), nil)
}

// Failure is why a request got no answer.
type Failure int

const (
	Cancelled   Failure = iota + 1 // the caller's context ended
	TimedOut                       // the request's own deadline passed
	CertRefused                    // the server's certificate was refused
	Unreachable                    // any other network failure
)

// Classify says why a request failed without an answer: parent is the
// caller's context, rctx the request's (parent with the request's
// timeout). msg explains a refused certificate (hints: nil, none is told
// apart).
func Classify(parent, rctx context.Context, err error, hints *CertHints) (f Failure, msg string) {
	switch {
	case parent.Err() != nil:
		return Cancelled, ""
	case errors.Is(rctx.Err(), context.DeadlineExceeded):
		return TimedOut, ""
	}
	if hints != nil {
		if msg, ok := CertMessage(err, *hints); ok {
			return CertRefused, msg
		}
	}
	return Unreachable, ""
}

// Net classifies a request that got no answer: the caller's cancellation,
// the request's timeout (code CodeTimeout), a refused certificate
// (permanent, CodeTLS), or a network failure (transient). Go's error
// quotes the URL, which holds no credentials (ParseBase refuses them); it
// is scrubbed all the same.
func (e Errors) Net(parent, rctx context.Context, op string, timeout time.Duration, err error) error {
	switch f, msg := Classify(parent, rctx, err, e.Cert); f {
	case Cancelled:
		return e.Fail(target.Transient, op, "", "cancelled", parent.Err())
	case TimedOut:
		return e.Fail(target.Transient, op, CodeTimeout, fmt.Sprintf("no answer within %s", timeout), nil)
	case CertRefused:
		return e.Fail(target.Permanent, op, CodeTLS, msg, nil)
	}
	return e.Fail(target.Transient, op, "", "", err)
}

// Body reads a reply whole, at most limit bytes, and returns it as it came:
// data are decoded unchanged (a person named "Basic Ana" or "Authorization:
// see desk" is a name, and scrubbing a data page broke its JSON). What an
// error quotes of a reply is scrubbed whole before it is cut (Scrub.Bytes
// at the call, Quote), and every classified error again in Wrap. A failed
// read is classified by Net; a reply over limit is malformed.
func (e Errors) Body(parent, rctx context.Context, op string, timeout time.Duration, resp *http.Response, limit int64) ([]byte, error) {
	b, err := ReadAll(resp.Body, resp.ContentLength, limit)
	var big *TooLargeError
	switch {
	case errors.As(err, &big):
		return nil, e.Fail(target.Malformed, op, "", "reply larger than "+ByteSize(big.Limit), nil)
	case err != nil:
		return nil, e.Net(parent, rctx, op, timeout, fmt.Errorf("reading the reply: %w", err))
	}
	return b, nil
}
