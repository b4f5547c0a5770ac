// Package neyross talks to a NEYROSS platform (ITRIUM PACS) through its EIS
// plugin HTTP API (Client) and adapts it to the sync engine's target.Target
// (Target). See ../shared/specs/neyross-eis.md and the customer's Russian
// original.
//
// What the platform forces on a client: a bearer token that does not lock
// out but must not be hammered when wrong, so the client stops for good at
// the first rejection; a person listing paged by limit/offset, sorted by uuid,
// with a separate count to check it against; an upsert that creates any uuid
// it does not know, so the client only ever sends back persons it has just
// read; and only the EIS subset of persons and access levels is visible.
package neyross

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/doorsync/doorsync/internal/httpx"
	"github.com/doorsync/doorsync/internal/redact"
)

// Defaults for Config's zero values.
const (
	DefaultTimeout   = 30 * time.Second
	DefaultBatch     = 100
	MaxBatch         = 1000
	DefaultPageLimit = 1000 // the platform's own default limit
	// pluginPath is where the EIS API lives on the platform.
	pluginPath = "/plugin/eis-pacs-integration/"
	// maxBody bounds a reply: a page of 1000 persons is ~0.5 MB.
	maxBody = 64 << 20
)

// Config sets up a client for one platform.
type Config struct {
	Name    string // target name ("neyross"), used in messages
	BaseURL string // the platform's address, e.g. https://neyross.local (the plugin path is added)
	Token   string // the EIS plugin's API token
	// Zone is the site's zone: expiration dates are the Unix seconds of an
	// instant in it, and times without an offset are read in it.
	Zone    *time.Location
	Timeout time.Duration // per request; 0 = DefaultTimeout
	// Batch is how many persons one persons/upsert/multiple request carries
	// (1..MaxBatch; 0 = DefaultBatch).
	Batch int
	// PageLimit is the limit of one persons/search page (0 = DefaultPageLimit).
	PageLimit int
	// Transport is for tests; nil = http.DefaultTransport's settings.
	Transport http.RoundTripper
}

// String describes the config without its token.
func (c Config) String() string { return fmt.Sprintf("neyross %q at %s", c.Name, c.BaseURL) }

// GoString keeps %#v from printing the token.
func (c Config) GoString() string { return c.String() }

// Client speaks the EIS API to one platform. Safe for concurrent use.
type Client struct {
	name    string
	base    string // scheme://host[:port][/prefix] + pluginPath
	token   string
	zone    *time.Location
	timeout time.Duration
	batch   int
	limit   int
	http    *http.Client
	errs    httpx.Errors // classified errors, the token scrubbed out of what the platform sends back

	stop      atomic.Pointer[stopInfo] // set at the first rejected token; never cleared
	useGET    atomic.Bool              // the platform wants GET for the single-person read
	postWorks atomic.Bool              // the platform answered the single-person read to POST
	lastCount atomic.Int64             // persons/count/ as last read; -1 unknown
}

// stopInfo is why the client stopped.
type stopInfo struct {
	status int
	code   string
	hint   string // what the platform said, e.g. ("plugin not licensed")
}

// NewClient checks cfg and returns a client. It does not talk to the
// platform.
func NewClient(cfg Config) (*Client, error) {
	name := strings.TrimSpace(cfg.Name)
	if name == "" {
		return nil, errors.New("neyross: name is empty")
	}
	fail := func(format string, a ...any) error {
		return fmt.Errorf("neyross %s: "+format, append([]any{name}, a...)...)
	}
	u, err := httpx.ParseBase(cfg.BaseURL, httpx.Rules{Credentials: "token"})
	if err != nil {
		return nil, fail("url %v", err)
	}
	token := strings.TrimSpace(cfg.Token)
	switch {
	case token == "":
		return nil, fail("token is empty (the API token from the EIS plugin settings)")
	case strings.ContainsAny(token, " \t\r\n"):
		// Never echo it.
		return nil, fail("token contains white space: copy it again from the EIS plugin settings")
	}
	if cfg.Zone == nil {
		return nil, fail("time zone not set")
	}
	if cfg.Batch < 0 || cfg.Batch > MaxBatch {
		return nil, fail("batch %d: want 1..%d", cfg.Batch, MaxBatch)
	}
	if cfg.PageLimit < 0 {
		return nil, fail("page limit %d: want a positive number", cfg.PageLimit)
	}
	// An operator may paste the plugin's URL rather than the platform's.
	path := strings.TrimRight(u.EscapedPath(), "/")
	path = strings.TrimSuffix(path, strings.TrimRight(pluginPath, "/"))
	// The API does not redirect; a redirect (http→https, a login page) is
	// reported instead of followed with the token (NewClient).
	hc, err := httpx.NewClient(httpx.Transport{Base: cfg.Transport}, 0)
	if err != nil {
		return nil, fail("%v", err)
	}
	c := &Client{
		name:    name,
		base:    u.Scheme + "://" + u.Host + path + pluginPath,
		token:   token,
		zone:    cfg.Zone,
		timeout: cfg.Timeout,
		batch:   cfg.Batch,
		limit:   cfg.PageLimit,
		http:    hc,
		errs:    httpx.Errors{System: "neyross", Target: name, Who: "the platform", Scrub: redact.New(token)},
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.batch == 0 {
		c.batch = DefaultBatch
	}
	if c.limit == 0 {
		c.limit = DefaultPageLimit
	}
	c.lastCount.Store(-1)
	return c, nil
}

// Name is the configured target name.
func (c *Client) Name() string { return c.name }

// Batch is how many persons one upsert request carries.
func (c *Client) Batch() int { return c.batch }

// PageLimit is the limit of one persons page.
func (c *Client) PageLimit() int { return c.limit }

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Stopped reports whether the platform rejected the token (every call now
// fails at once, without a request).
func (c *Client) Stopped() bool { return c.stop.Load() != nil }
