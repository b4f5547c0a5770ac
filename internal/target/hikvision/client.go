// Package hikvision talks ISAPI to one Hikvision access-control terminal
// (Client) and adapts it to the sync engine's target.Target (Target).
//
// What the terminal forces on a client (hikvision-isapi.md): Digest auth
// with single-use, expiring or few-times nonces and a lockout after a
// handful of failed logins, so this client tells a spent nonce from a failed
// login and stops after two authentication failures; one
// request at a time, so calls are serialised; errors inside HTTP 200 bodies,
// so every body is checked for a status envelope; a silently capped,
// sometimes inconsistent paged Search, so every page is checked.
//
// The client sends each request once: a busy or failing terminal comes
// back as a classified error (target.Busy, target.Transient) and the engine
// retries by class within the terminal's time budget (apply.Retry), so
// retries are decided in one place and never stacked (5 client tries inside
// each of 5 engine tries would be 25 requests for one lookup). A paged
// inventory would make such retries expensive — one busy page of 50 would
// start it over — so the adapter keeps the pages read and the next
// Inventory continues from the failed page while the list is unchanged
// (scanState); that keeps one retry layer without losing the pages.
package hikvision

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/httpx"
	"github.com/doorsync/doorsync/internal/redact"
)

// Defaults for Config's zero values.
const (
	DefaultTimeout = 20 * time.Second
	// maxBody bounds a reply: a page of 30 persons is ~20 KB, so anything
	// near this is not a terminal talking.
	maxBody = 16 << 20
)

// E-mail places (Config.EmailField).
const (
	EmailInExtension = "extension" // first PersonInfoExtends value that is an e-mail
	EmailInName      = "name"      // the person's name, when it is an e-mail
	EmailNone        = "none"
)

// Config sets up a client for one terminal.
type Config struct {
	Name               string // target name ("entrance"), used in messages
	BaseURL            string // http://10.0.0.20 or https://…
	Username, Password string
	EmailField         string // EmailInExtension, EmailInName or EmailNone ("" = none)
	// TLSFingerprint pins a self-signed certificate: "sha256:<hex>" (colons
	// tolerated). Empty: the usual CA verification.
	TLSFingerprint string
	Zone           *time.Location // site zone: terminal local times are in it
	Timeout        time.Duration  // per request; 0 = DefaultTimeout
	// Transport is for tests; nil = a transport of its own (pinned when
	// TLSFingerprint is set).
	Transport http.RoundTripper
	Clock     clock.Clock // nil = the system clock
}

// String describes the config without its password.
func (c Config) String() string {
	return fmt.Sprintf("hikvision %q at %s as %q", c.Name, c.BaseURL, c.Username)
}

// GoString keeps %#v from printing the password too.
func (c Config) GoString() string { return c.String() }

// Client speaks ISAPI to one terminal. Safe for concurrent use: requests are
// serialised (one in flight), as terminals answer one at a time.
type Client struct {
	name       string
	base       string // scheme://host[:port][/prefix], no trailing slash
	user, pass string
	zone       *time.Location
	timeout    time.Duration
	clock      clock.Clock
	http       *http.Client
	errs       httpx.Errors // classified errors, the password scrubbed out of what the terminal sends back

	sem  chan struct{} // one exchange in flight
	auth authState

	capsMu sync.Mutex
	caps   *Capabilities

	learned learned
}

// learned is what this client found out about the terminal's firmware by
// being refused, so that it is refused once and not on every request. It
// lives as long as the client (one run, or the console's session) and is
// not persisted: a firmware update may change it, and finding out again
// costs one refused request.
type learned struct {
	refusesBounds atomic.Bool // Modify refuses a Valid at the advertised bounds
	eventsNoRange atomic.Bool // AcsEvent refuses startTime/endTime
}

// NewClient checks cfg and returns a client. It does not talk to the
// terminal.
func NewClient(cfg Config) (*Client, error) {
	name := strings.TrimSpace(cfg.Name)
	if name == "" {
		return nil, errors.New("hikvision terminal: name is empty")
	}
	fail := func(format string, a ...any) error {
		return fmt.Errorf("terminal %s: "+format, append([]any{name}, a...)...)
	}
	u, err := httpx.ParseBase(cfg.BaseURL, httpx.Rules{Credentials: "username and password"})
	if err != nil {
		return nil, fail("url %v", err)
	}
	if cfg.Username == "" {
		return nil, fail("username is empty")
	}
	if cfg.Password == "" {
		return nil, fail("password is empty")
	}
	switch cfg.EmailField {
	case "", EmailInExtension, EmailInName, EmailNone:
	default:
		return nil, fail("email_field %q: want extension, name or none", cfg.EmailField)
	}
	if cfg.Zone == nil {
		return nil, fail("time zone not set")
	}
	var pin []byte
	if cfg.TLSFingerprint != "" {
		if u.Scheme != "https" {
			return nil, fail("tls_fingerprint is set but the url is not https://")
		}
		if pin, err = httpx.ParseFingerprint(cfg.TLSFingerprint); err != nil {
			return nil, fail("%v", err)
		}
	}
	// ISAPI does not redirect; a redirect (http→https, a login page) is
	// reported instead of followed with our credentials (NewClient). One
	// request is in flight per terminal, so one idle connection is kept.
	hc, err := httpx.NewClient(httpx.Transport{Base: cfg.Transport, Pin: pin, OneConn: true}, 0)
	if err != nil {
		return nil, fail("%v", err)
	}
	c := &Client{
		name:    name,
		base:    strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"),
		user:    cfg.Username,
		pass:    cfg.Password,
		zone:    cfg.Zone,
		timeout: cfg.Timeout,
		clock:   cfg.Clock,
		sem:     make(chan struct{}, 1),
		http:    hc,
		errs: httpx.Errors{System: "terminal", Target: name, Who: "the terminal",
			Scrub: redact.New(cfg.Password), Cert: certHints()},
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.clock == nil {
		c.clock = clock.System{}
	}
	return c, nil
}

// Name is the configured target name.
func (c *Client) Name() string { return c.name }

// Close releases idle connections.
func (c *Client) Close() {
	c.http.CloseIdleConnections()
}
