package ntk

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/httpx"
	"github.com/doorsync/doorsync/internal/redact"
	"github.com/doorsync/doorsync/internal/target"
)

// Defaults for Config's zero values.
const (
	DefaultTimeout = 60 * time.Second // one upload of the whole list
	// FormField is the multipart field NTK reads the list from (seed 003, 2).
	FormField = "file"
)

// Config sets up an upload client.
type Config struct {
	Name               string // target name, used in messages
	URL                string // the upload address agreed with NTK; https:// (http:// only to loopback)
	Username, Password string
	Timeout            time.Duration // per attempt, reply included; 0 = DefaultTimeout
	// Transport is for tests (a test server's CA); nil = a fresh transport
	// with the system's certificate verification.
	Transport http.RoundTripper
	Clock     clock.Clock // names the uploaded file; nil = the system clock
}

// String describes the config without its password.
func (c Config) String() string {
	return fmt.Sprintf("ntk %q at %s as %q", c.Name, redactURL(c.URL), c.Username)
}

// GoString keeps %#v from printing the password.
func (c Config) GoString() string { return c.String() }

// Client uploads access lists to NTK. Safe for concurrent use, though NTK
// processes one list at a time and a caller has no reason to send two.
type Client struct {
	name, url  string
	user, pass string
	timeout    time.Duration
	clock      clock.Clock
	http       *http.Client
	errs       httpx.Errors // classified errors, the credentials scrubbed out of what NTK sends back

	// stop is the first rejection of the credentials: from then on the
	// client sends nothing (Basic authentication has no challenge to
	// retry, and every failed login brings NTK's account closer to a lock).
	mu   sync.Mutex
	stop *target.Error
}

// NewClient checks cfg and returns a client; it does not connect.
func NewClient(cfg Config) (*Client, error) {
	name := strings.TrimSpace(cfg.Name)
	if name == "" {
		return nil, errors.New("ntk: name is empty")
	}
	fail := func(format string, a ...any) error {
		return fmt.Errorf("ntk %s: "+format, append([]any{name}, a...)...)
	}
	// The list and the password travel together: https, plain http only
	// to this machine (the emulator of `doorsync demo`). The upload
	// address is a whole URL, so it may have a query.
	u, err := httpx.ParseBase(cfg.URL, httpx.Rules{HTTPSOnly: true, AllowQuery: true, Credentials: "username and password"})
	if err != nil {
		return nil, fail("url %v", err)
	}
	if cfg.Username == "" || strings.Contains(cfg.Username, ":") {
		return nil, fail("username is empty or contains ':' (impossible with HTTP Basic authentication)")
	}
	if cfg.Password == "" {
		return nil, fail("password is empty")
	}
	// A redirect is reported, not followed with our credentials (NewClient).
	hc, err := httpx.NewClient(httpx.Transport{Base: cfg.Transport}, 0)
	if err != nil {
		return nil, fail("%v", err)
	}
	c := &Client{name: name, url: u.String(), user: cfg.Username, pass: cfg.Password,
		timeout: cfg.Timeout, clock: cfg.Clock, http: hc,
		errs: httpx.Errors{Target: name, Who: "NTK", Scrub: redact.Basic(cfg.Username, cfg.Password), Cert: certHints()}}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.clock == nil {
		c.clock = clock.System{}
	}
	return c, nil
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Upload sends the whole list, the file's bytes as given (multipart/form-data,
// field "file", HTTP Basic authentication), and returns the file name NTK
// processes it under (target.ListTarget). Errors
// are *target.Error: Permanent for a 400 (Message quotes NTK's ERROR text),
// Auth for 401/403, Transient for 5xx and network failures, Busy for 408
// and 429, Malformed for a success status without "OK". An empty list is
// refused without a request. It sends once: the engine decides whether to
// send again (see Resendable).
//
// Once NTK refused the credentials (401/403) the client is stopped: every
// later Upload fails with class Auth wrapping target.ErrStopped, without a
// request, until a new client is made with other credentials.
func (c *Client) Upload(ctx context.Context, list []byte) (string, error) {
	if err := c.Stopped(); err != nil {
		return "", err
	}
	if len(list) == 0 {
		return "", c.fail(target.Permanent, CodeEmpty, "refusing to send an empty list: NTK would take away every card's access", nil)
	}
	body, ctype, err := c.form(list)
	if err != nil {
		return "", c.fail(target.Permanent, "", "building the upload", err)
	}
	name, err := c.once(ctx, body, ctype)
	if target.ClassOf(err) == target.Auth {
		return "", c.stopWith(err)
	}
	return name, err
}

// form builds the multipart body. The file name is free (seed 003, 2); a
// dated one helps whoever reads NTK's logs.
func (c *Client) form(list []byte) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	file := "doorsync-" + c.clock.Now().UTC().Format("20060102T150405Z") + ".csv"
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, FormField, file))
	h.Set("Content-Type", "text/csv; charset=us-ascii")
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(list); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// once is one attempt.
func (c *Client) once(ctx context.Context, body []byte, ctype string) (string, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return "", c.fail(target.Permanent, "", "building the request", err)
	}
	req.SetBasicAuth(c.user, c.pass)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("User-Agent", "doorsync")
	resp, err := c.http.Do(req)
	if err != nil {
		return "", c.transportError(ctx, actx, err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return "", c.transportError(ctx, actx, fmt.Errorf("reading the reply (HTTP %d): %w", resp.StatusCode, err))
	}
	// A server or proxy that echoes the request quotes the Authorization
	// header: scrubbed whole, before parseReply cuts it for a message.
	name, te := parseReply(resp.StatusCode, c.errs.Scrub.Header(resp.Header), c.errs.Scrub.Bytes(reply))
	if te == nil {
		return name, nil // accepted, even if the caller gave up meanwhile
	}
	if actx.Err() != nil {
		// net/http returns an answer that raced the cancellation (the
		// server saw the connection close and answered at once): it says
		// nothing about the list.
		return "", c.transportError(ctx, actx, actx.Err())
	}
	te.Target, te.Op = c.name, "upload"
	return "", c.errs.Wrap(te) // NTK's words, scrubbed again after parseReply cut them
}

// Stopped returns the stop error once NTK refused the credentials, else nil
// (target.Stopper).
func (c *Client) Stopped() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stop == nil {
		return nil
	}
	return c.fail(target.Auth, c.stop.Code, "not sent: "+c.stop.Message+"; doorsync stopped uploading with these credentials", target.ErrStopped)
}

// stopWith stops the client after NTK refused the credentials and returns
// the refusal, marked as the stop.
func (c *Client) stopWith(err error) error {
	var te *target.Error
	if !errors.As(err, &te) {
		return err
	}
	c.mu.Lock()
	if c.stop == nil {
		c.stop = te
	}
	c.mu.Unlock()
	stopped := *te
	stopped.Message += "; doorsync sends nothing more with these credentials"
	stopped.Err = target.ErrStopped
	return &stopped
}

// transportError classifies a failure without an HTTP answer. url.Error
// quotes the URL, which holds no credentials (NewClient refuses them); the
// cause is scrubbed all the same (fail).
func (c *Client) transportError(ctx, actx context.Context, err error) error {
	switch f, msg := httpx.Classify(ctx, actx, err, c.errs.Cert); f {
	case httpx.Cancelled:
		return c.fail(target.Transient, CodeCancelled, "upload cancelled", err)
	case httpx.TimedOut:
		return c.fail(target.Transient, CodeTimeout, fmt.Sprintf("no answer within %s; NTK may still have received the list", c.timeout), nil)
	case httpx.CertRefused:
		return c.fail(target.Permanent, CodeTLS, msg, nil)
	}
	return c.fail(target.Transient, "", "", err)
}

// fail builds a classified error of the one operation, the upload.
func (c *Client) fail(class target.Class, code, msg string, cause error) error {
	return c.errs.Fail(class, "upload", code, msg, cause)
}

// Resendable reports whether an upload that failed with err may be sent
// again in the same run. A timed-out upload may not, although its class is
// transient: NTK may have received the list and be slow to answer, and
// sending it again is what the seed asks access users not to do (the next
// run sends it).
func Resendable(err error) bool {
	var te *target.Error
	return errors.As(err, &te) && te.Code != CodeTimeout && te.Code != CodeCancelled
}

// certHints say what a refused certificate means for NTK's address.
func certHints() *httpx.CertHints {
	return &httpx.CertHints{
		Unknown: func(_ *x509.Certificate, err error) string {
			return "NTK's certificate is from an unknown authority: " + err.Error()
		},
		Hostname: " (check the ntk url's host name)",
	}
}
