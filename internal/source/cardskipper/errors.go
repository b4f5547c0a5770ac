package cardskipper

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/doorsync/doorsync/internal/httpx"
	"github.com/doorsync/doorsync/internal/textclean"
)

// Sentinel errors; test with errors.Is. Messages carry the details.
var (
	// ErrAuth: the service answered 401 or 403 (credentials rejected, or the
	// account lacks the API right for the call). Retrying will not help.
	ErrAuth = errors.New("not authorised")
	// ErrHTML: the reply is an HTML page (an ASP.NET error page, a proxy's
	// login page) instead of XML.
	ErrHTML = errors.New("the reply is an HTML page, not XML")
	// ErrNotXML: the reply is empty or not XML at all.
	ErrNotXML = errors.New("the reply is not XML")
	// ErrTruncated: the document ends before its root element closes.
	ErrTruncated = errors.New("truncated")
	// ErrMalformed: the document is not well-formed XML or not a Cardskipper
	// document.
	ErrMalformed = errors.New("malformed XML")
	// ErrTooLarge: the reply is larger than the configured bound.
	ErrTooLarge = httpx.ErrTooLarge
)

// StatusError is a non-2xx answer.
type StatusError struct {
	Call   string // "Member/Export" or "Organisation/Info"
	Status int
	User   string // the API account, to say whose rights are missing
	Detail string // the page's <title> or the body's first line; may be ""
	// Location is where a redirect (3xx) pointed, without user information.
	Location string
}

func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d %s", e.Status, http.StatusText(e.Status))
	switch e.Status {
	case http.StatusUnauthorized:
		// The service also answers 401 for a missing per-call right.
		fmt.Fprintf(&b, ": credentials rejected for user %q (or the account lacks the API right for %s)", e.User, e.Call)
	case http.StatusForbidden:
		fmt.Fprintf(&b, ": the account %q lacks the API right for %s", e.User, e.Call)
	}
	if e.Status >= 300 && e.Status < 400 {
		// Not followed: the Basic credentials would go with it, perhaps in
		// clear text or to another host.
		fmt.Fprintf(&b, ": the service redirected to %q, which doorsync does not follow with the credentials; set the base url to the address the API answers at", e.Location)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, " (server says: %s)", e.Detail)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrAuth) true for 401 and 403.
func (e *StatusError) Is(target error) bool {
	return target == ErrAuth && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden)
}

// Retryable reports whether a failed call may succeed if simply tried again
// later: network errors, timeouts, 5xx, 429 and replies cut off in transit.
// Authentication failures, 4xx, HTML pages and malformed documents are not;
// neither is a cancelled context.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status >= 500 || se.Status == http.StatusTooManyRequests || se.Status == http.StatusRequestTimeout
	}
	switch {
	case errors.Is(err, ErrTruncated):
		return true
	case errors.Is(err, ErrAuth), errors.Is(err, ErrHTML), errors.Is(err, ErrNotXML),
		errors.Is(err, ErrMalformed), errors.Is(err, ErrTooLarge):
		return false
	}
	return true
}

// sniffLen is how much of a reply is inspected before decoding: enough for
// an ASP.NET error page's <title>.
const sniffLen = 4096

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// sniff looks at the start of a reply before the XML decoder does, so an
// empty body, an HTML page or plain text gets a message that says so instead
// of an XML syntax error. It drops a UTF-8 byte order mark (which
// encoding/xml does not accept) and leaves everything else unread.
//
// What it quotes of the reply is scrubbed by scrub (nil: as it is) before
// it is cut: a credential a server echoed is recognised whole, and no
// fragment of it is left at the cut.
func sniff(br *bufio.Reader, scrub scrubFunc) error {
	if head, _ := br.Peek(3); bytes.HasPrefix(head, bomUTF8) {
		_, _ = br.Discard(3)
	}
	head, err := br.Peek(sniffLen)
	if len(head) == 0 {
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading the reply: %w", err)
		}
		return fmt.Errorf("%w: it is empty", ErrNotXML)
	}
	if bytes.HasPrefix(head, bomUTF16LE) || bytes.HasPrefix(head, bomUTF16BE) {
		return fmt.Errorf("%w: it is UTF-16; Cardskipper sends UTF-8", ErrNotXML)
	}
	t := bytes.TrimLeftFunc(head, unicode.IsSpace)
	if len(t) == 0 {
		if len(head) < sniffLen {
			return fmt.Errorf("%w: it is empty (only white space)", ErrNotXML)
		}
		return fmt.Errorf("%w: it starts with %d bytes of white space", ErrNotXML, len(head))
	}
	if isHTML(t) {
		return htmlError(scrub.of(t))
	}
	if t[0] != '<' {
		return fmt.Errorf("%w: it starts with %q", ErrNotXML, scrub.quote(t, 40))
	}
	return nil
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}

// isHTML reports whether the document starts like an HTML page.
func isHTML(t []byte) bool {
	if hasPrefixFold(t, "<!doctype html") || hasPrefixFold(t, "<html") {
		return true
	}
	// An XML declaration or comment followed by <html>.
	low := bytes.ToLower(t[:min(len(t), 512)])
	i := bytes.Index(low, []byte("<html"))
	return i >= 0 && !bytes.Contains(low[:i], []byte("<cardskipper"))
}

// htmlError says the reply is HTML, quoting its <title> if present.
func htmlError(head []byte) error {
	if title := htmlTitle(head); title != "" {
		return fmt.Errorf("%w (title %q)", ErrHTML, title)
	}
	return ErrHTML
}

// htmlTitle extracts the text of the first <title> element, tidied for a
// message, or "".
func htmlTitle(page []byte) string {
	low := bytes.ToLower(page)
	i := bytes.Index(low, []byte("<title"))
	if i < 0 {
		return ""
	}
	j := bytes.IndexByte(low[i:], '>')
	if j < 0 {
		return ""
	}
	start := i + j + 1
	end := bytes.Index(low[start:], []byte("</title"))
	if end < 0 {
		return ""
	}
	return tidy(html.UnescapeString(string(page[start:start+end])), 200)
}

// describeBody summarises an error answer's body for a message: an HTML
// page's title, or the first line of text.
func describeBody(body []byte) string {
	t := bytes.TrimSpace(bytes.TrimPrefix(body, bomUTF8))
	if len(t) == 0 {
		return ""
	}
	if isHTML(t) || bytes.Contains(bytes.ToLower(t[:min(len(t), 512)]), []byte("<title")) {
		return htmlTitle(t)
	}
	if i := bytes.IndexAny(t, "\r\n"); i >= 0 {
		t = t[:i]
	}
	return tidy(string(t), 200)
}

// tidy collapses white space, drops control characters and invalid UTF-8,
// and cuts s to at most n runes, so server text is safe in one log line.
func tidy(s string, n int) string {
	var b strings.Builder
	space, count := false, 0
	for _, r := range strings.TrimSpace(textclean.Clean(s)) { // no bidi or zero-width either
		if count >= n {
			b.WriteString("…")
			break
		}
		switch {
		case r == utf8.RuneError:
			continue
		case unicode.IsSpace(r):
			if !space {
				b.WriteByte(' ')
			}
			space = true
			count++
			continue
		case unicode.IsControl(r):
			continue
		}
		space = false
		b.WriteRune(r)
		count++
	}
	return strings.TrimSpace(b.String())
}

// scrubFunc removes credentials, and runs of a secret's characters, from a
// piece of a reply about to be quoted (the client's quoteable); nil leaves
// it as it is. Only error paths call it.
type scrubFunc func([]byte) []byte

func (f scrubFunc) of(b []byte) []byte {
	if f == nil {
		return b
	}
	return f(b)
}

// quote is clip of b scrubbed whole first.
func (f scrubFunc) quote(b []byte, n int) string { return clip(f.of(b), n) }

// clip returns at most n bytes of b, for quoting with %q.
func clip(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}
