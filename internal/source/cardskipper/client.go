// Package cardskipper is the client of the Cardskipper External API: the
// membership system that is the source of truth for who may open the doors
// and until when. It speaks XML over HTTPS with HTTP Basic auth, exports the
// members of an organisation (decoded as a stream into member.Member) and
// reads the organisations and roles the API account may see.
//
// A failed call never yields a partial result: any transport error, non-2xx
// answer, HTML page, truncated or malformed document fails the whole call, so
// a broken export can never look like "nobody is a member any more".
//
// The export is read by a streaming XML scanner of its own (xmlscan.go,
// xmltext.go, xmlname.go), not by encoding/xml: exports run to hundreds of
// megabytes with their data in attributes, and on 2 cores a 50,000-member
// export decodes in about 0.33 s with 74 MB allocated, against 1.1–1.2 s
// and 381 MB through encoding/xml (BenchmarkDecodeExport50k against
// BenchmarkEncodingXMLExport50k, the encoding/xml decoder of
// oracle_test.go). encoding/xml stays its oracle: FuzzScanMatchesEncodingXML,
// FuzzDecodeMatchesOracle and the oracle tests hold the scanner to the same
// rules and messages, and xmlscan.go lists the few deliberate differences.
// The organisation info, small, is read by encoding/xml (organisation.go).
//
// A reply's XML is bounded besides its size (Config.MaxBody): at most 256
// elements open at once, 1 KiB per element or attribute name, 256
// attributes and 256 KiB per start tag, 64 KiB per attribute value, text,
// CDATA section or XML declaration (limits.go). A reply beyond a cap fails
// with ErrTooLarge, naming the cap and where (line, byte offset, how many
// members before it and the last one): never a partial member list. Whatever
// its size, such a reply costs at most about 1 MiB of allocation before it
// fails (4 × maxTag; TestHostileRepliesAreBounded streams 64 MiB attacks and
// measures runtime.MemStats.TotalAlloc against a 2 MiB budget: 80–350 KiB
// for deep nesting, a huge attribute, text, name or declaration, 1.1 MiB for
// a start tag at its cap). Without the caps, deep nesting took 1 GB per
// 64 MiB of reply and endless attributes 1.6 GB.
//
// What the member list holds is capped too: 250,000 members, 1,024 roles
// and 1,024 tags per member, 2^20 roles and tags in all. At the member cap
// the list takes about 64 MiB (TestCountsAreBounded: 250,000 empty members
// from 2.2 MiB of XML allocate 62 MiB), the roles and tags cap about as
// much again: some 130 MiB at most, whatever the reply.
package cardskipper

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/doorsync/doorsync/internal/httpx"
	"github.com/doorsync/doorsync/internal/redact"
)

// DefaultMaxBody bounds a reply's size unless Config.MaxBody says otherwise.
// A 100,000-member export is ~150 MB; anything far beyond that is a runaway.
const DefaultMaxBody = 512 << 20

// Timeouts of the default HTTP client.
const (
	defaultHeaderTimeout = 2 * time.Minute
	defaultDialTimeout   = 30 * time.Second
	defaultTotalTimeout  = 10 * time.Minute
)

// Config sets up a Client.
type Config struct {
	BaseURL  string // e.g. https://api.cardskipper.se (trailing slash tolerated)
	Username string
	Password string
	// Zone is the club's zone: dates without an offset are calendar values
	// there, and ExportQuery.ChangedAt is sent as local time there.
	Zone *time.Location
	// HTTP is the client to use; nil: one with sane timeouts.
	HTTP *http.Client
	// Language is sent as Accept-Language (the service localises messages);
	// default "en".
	Language string
	// MaxBody bounds the size of a reply in bytes; 0: DefaultMaxBody.
	MaxBody int64
}

// String describes the configuration without its password, so a Config
// printed by mistake (%v, %+v) leaks nothing.
func (c Config) String() string {
	return fmt.Sprintf("cardskipper.Config{BaseURL: %q, Username: %q, Password: %s}", c.BaseURL, c.Username, redactedMark(c.Password))
}

// GoString is String for %#v.
func (c Config) GoString() string { return c.String() }

func redactedMark(secret string) string {
	if secret == "" {
		return `""`
	}
	return "[redacted]"
}

// Client calls the Cardskipper External API. It is safe for concurrent use.
type Client struct {
	base     *url.URL
	user     string
	password string
	zone     *time.Location
	http     *http.Client
	lang     string
	maxBody  int64
	redact   redact.Scrubber // the credentials, out of what servers send back
}

// New checks cfg and returns a client. It does no I/O.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.BaseURL) == "" {
		return nil, errors.New("cardskipper: no base URL")
	}
	// Credentials in the URL would end up in error messages and logs.
	u, err := httpx.ParseBase(cfg.BaseURL, httpx.Rules{Credentials: "username and password"})
	var ue *httpx.URLError
	switch {
	case errors.As(err, &ue) && ue.Problem == httpx.BadScheme:
		return nil, fmt.Errorf("cardskipper: base URL %q: want an http or https URL", ue.URL)
	case err != nil:
		return nil, fmt.Errorf("cardskipper: base URL %w", err)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	if cfg.Username == "" {
		return nil, errors.New("cardskipper: no username")
	}
	if cfg.Password == "" {
		return nil, fmt.Errorf("cardskipper: no password for user %q", cfg.Username)
	}
	if cfg.Zone == nil {
		return nil, errors.New("cardskipper: no time zone")
	}
	if cfg.MaxBody < 0 {
		return nil, fmt.Errorf("cardskipper: max body %d is negative", cfg.MaxBody)
	}
	c := &Client{
		base:     u,
		user:     cfg.Username,
		password: cfg.Password,
		zone:     cfg.Zone,
		http:     cfg.HTTP,
		lang:     cfg.Language,
		maxBody:  cfg.MaxBody,
		redact:   redact.Basic(cfg.Username, cfg.Password),
	}
	if c.http == nil {
		// A big organisation's export may take the server a while before
		// the first byte and minutes to download over a slow line, so the
		// overall bound is generous; the context bounds it too.
		if c.http, err = httpx.NewClient(httpx.Transport{HeaderTimeout: defaultHeaderTimeout, DialTimeout: defaultDialTimeout},
			defaultTotalTimeout); err != nil {
			return nil, fmt.Errorf("cardskipper: %w", err)
		}
	}
	// The service does not redirect; a redirect (to plain http, to a login
	// page) is reported instead of followed with the Basic credentials. A
	// copy, so that the caller's client is left as it is.
	c.http = httpx.Refusing(c.http)
	if c.lang == "" {
		c.lang = "en"
	}
	if c.maxBody == 0 {
		c.maxBody = DefaultMaxBody
	}
	return c, nil
}

// String names the client without its password.
func (c *Client) String() string {
	return fmt.Sprintf("cardskipper client for %s as %q", c.base.Redacted(), c.user)
}

// Zone is the club's zone the client reads dates in.
func (c *Client) Zone() *time.Location { return c.zone }

// call is one API call: its name for messages and its request.
type call struct {
	name   string // "Member/Export", as the service's documentation names it
	method string
	path   string // with the trailing slash the documentation uses
	body   string // request XML, "" for GET
}

// reply is a checked reply body: br reads it (bounded, BOM dropped), Close
// releases the connection.
type reply struct {
	br   *bufio.Reader
	body io.Closer
}

func (r reply) Close() { _ = r.body.Close() }

// do sends the call and returns the reply body, checked to be a 2xx answer
// that looks like XML, bounded to maxBody bytes. The caller closes it.
func (c *Client) do(ctx context.Context, cl call) (reply, error) {
	u := *c.base
	u.Path += cl.path
	var body io.Reader
	if cl.body != "" {
		body = strings.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u.String(), body)
	if err != nil {
		return reply{}, fmt.Errorf("building request: %w", err)
	}
	req.SetBasicAuth(c.user, c.password)
	req.Header.Set("Accept", "application/xml, text/xml")
	req.Header.Set("Accept-Language", c.lang)
	req.Header.Set("User-Agent", "doorsync")
	if cl.body != "" {
		req.Header.Set("Content-Type", "application/xml")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// *url.Error redacts URL passwords, and New refuses URLs with user
		// info anyway; the Authorization header is never part of it.
		return reply{}, c.scrub(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		return reply{}, c.statusError(cl, resp)
	}
	if err := httpx.CheckLength(resp.ContentLength, c.maxBody); err != nil {
		resp.Body.Close()
		return reply{}, err
	}
	br := bufio.NewReaderSize(httpx.NewBoundedReader(resp.Body, c.maxBody), readBufSize)
	if err := checkContentType(resp.Header.Get("Content-Type"), br, c.quoteable); err != nil {
		resp.Body.Close()
		return reply{}, c.scrub(err)
	}
	if err := sniff(br, c.quoteable); err != nil {
		resp.Body.Close()
		return reply{}, c.scrub(err)
	}
	return reply{br: br, body: resp.Body}, nil
}

// checkContentType rejects replies declared as HTML or JSON. Other types
// (application/xml, text/xml, text/plain, none) are judged by sniff: real
// servers are sloppy with the header.
func checkContentType(ct string, br *bufio.Reader, scrub scrubFunc) error {
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil
	}
	switch {
	case mt == "text/html" || mt == "application/xhtml+xml":
		head, _ := br.Peek(sniffLen)
		// A sloppy server may label the real document text/html: believe
		// the body when it starts like the document.
		t := bytes.TrimLeftFunc(bytes.TrimPrefix(head, bomUTF8), unicode.IsSpace)
		if !isHTML(t) && (hasPrefixFold(t, "<?xml") || hasPrefixFold(t, "<cardskipper")) {
			return nil
		}
		return htmlError(scrub.of(head))
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		head, _ := br.Peek(sniffLen)
		return fmt.Errorf("%w: it is JSON (Content-Type %s, starts with %q)", ErrNotXML, mt, scrub.quote(head, 40))
	}
	return nil
}

// statusError builds the error for a non-2xx answer from a bounded read of
// its body.
func (c *Client) statusError(cl call, resp *http.Response) error {
	head, _ := io.ReadAll(io.LimitReader(resp.Body, sniffLen))
	se := &StatusError{
		Call:   cl.name,
		Status: resp.StatusCode,
		User:   c.user,
		// Scrubbed before it is cut (a credential cut in two is no longer
		// recognised as one) and after (the title is HTML-decoded, and a
		// cut may leave a fragment).
		Detail: c.redact.Short(describeBody(c.redact.Bytes(head))),
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		loc := resp.Header.Get("Location")
		se.Location = c.redact.Short(loc)
		if u, err := url.Parse(se.Location); err == nil {
			se.Location = u.Redacted()
		}
		if dec, err := url.PathUnescape(se.Location); err == nil && c.redact.Short(dec) != dec {
			se.Location = redact.Mark // the secret, percent-encoded in a way of its own
		}
	}
	return se
}

// quoteable is a piece of a reply without credentials nor a run of a
// secret's characters, ready to be cut for a quote (scrubFunc): the whole
// piece is scrubbed, so that no start of a secret is left at the cut.
func (c *Client) quoteable(b []byte) []byte { return []byte(c.redact.Short(string(b))) }

// scrub removes the credentials from an error's text (see redact.Scrubber),
// in case a broken proxy or server echoes the request.
func (c *Client) scrub(err error) error { return c.redact.Error(err) }
