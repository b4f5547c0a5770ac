package httpx

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"

	"github.com/doorsync/doorsync/internal/target"
)

// Call is one request of a target's client.
type Call struct {
	Op     string // for messages: "search page 3", "persons page offset 2000"
	Method string
	URL    string
	Body   []byte // nil: no body
	// ContentType of Body; Accept, when set, says what the reply should be.
	ContentType, Accept string
}

// Reply is an answer read whole and scrubbed.
type Reply struct {
	Status int
	Header http.Header // scrubbed, Authorization values dropped
	Body   []byte      // scrubbed whole
	// Challenge is the WWW-Authenticate header as sent: the Digest
	// challenge a client answers (it holds a nonce, not a secret of ours).
	Challenge []string
}

// Do sends c once with hc, bounded by timeout, and reads the whole reply
// (at most limit bytes). sign adds the credentials (a bearer token, a
// Digest answer) and returns an error already classified; nil: none. It
// never retries: a failure comes back classified (Net, Body) for the
// engine to decide (apply.Retry), so retries are not stacked. An error
// status is no error here: the system's client reads the body first.
func (e Errors) Do(ctx context.Context, hc *http.Client, timeout time.Duration, limit int64, c Call, sign func(*http.Request) error) (*Reply, error) {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if c.Body != nil {
		body = bytes.NewReader(c.Body)
	}
	req, err := http.NewRequestWithContext(rctx, c.Method, c.URL, body)
	if err != nil {
		return nil, e.Fail(target.Permanent, c.Op, "", "cannot build the request", err)
	}
	if c.Body != nil && c.ContentType != "" {
		req.Header.Set("Content-Type", c.ContentType)
	}
	if c.Accept != "" {
		req.Header.Set("Accept", c.Accept)
	}
	req.Header.Set("User-Agent", "doorsync")
	if sign != nil {
		if err := sign(req); err != nil {
			return nil, err
		}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, e.Net(ctx, rctx, c.Op, timeout, err)
	}
	defer resp.Body.Close()
	b, err := e.Body(ctx, rctx, c.Op, timeout, resp, limit)
	if err != nil {
		return nil, err
	}
	return &Reply{Status: resp.StatusCode, Header: e.Scrub.Header(resp.Header), Body: b,
		Challenge: resp.Header.Values("Www-Authenticate")}, nil
}
