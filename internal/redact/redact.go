// Package redact keeps a client's credentials out of what it shows and away
// from where it was not asked to send them. Every client of an external
// system (the Cardskipper source, the Hikvision, NEYROSS and NTK targets)
// quotes what a server answered in its errors; a broken server or proxy that
// echoes the request puts the Authorization header into that text, and from
// there into the console, the database, reports and notifications. A
// Scrubber removes it before the text is quoted. (Keeping credentials from
// following a redirect is httpx.RefuseRedirect's.)
package redact

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Mark is what replaces a secret.
const Mark = "[redacted]"

// Scrubber removes credentials from text a server sent back: the configured
// secrets themselves (also percent-, JSON- and base64-encoded as they may
// be echoed), the value of any Authorization header, Basic and Bearer
// credentials, and the user information of URLs ("https://user:pass@host").
// The zero value removes the patterns only. A Scrubber is immutable and safe
// for concurrent use.
//
// Scrub whole texts before cutting them for a message: a credential cut in
// two is no longer recognised as one.
type Scrubber struct {
	secrets []string // the literal forms, longest first
	raw     []string // the secrets as configured (for fragments, Error)
}

// New returns a scrubber for the given secrets (a password, an API token);
// empty ones are ignored.
func New(secrets ...string) Scrubber {
	var s Scrubber
	for _, sec := range secrets {
		s.secrets = addForms(s.secrets, sec)
		if sec != "" {
			s.raw = append(s.raw, sec)
		}
	}
	return s.sorted()
}

// Basic returns a scrubber for an HTTP Basic login: the password, and the
// credential "user:pass" in the encodings it travels and is echoed in, plus
// any further secrets.
func Basic(user, pass string, more ...string) Scrubber {
	s := New(append([]string{pass}, more...)...)
	if pass != "" {
		cred := []byte(user + ":" + pass)
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			b64 := enc.EncodeToString(cred)
			s.secrets = addForms(s.secrets, b64)
			// A quote cut through the header value leaves a piece of
			// it, which decodes to the user and the start of the
			// password: its runs go as the password's do.
			if !slices.Contains(s.raw, b64) {
				s.raw = append(s.raw, b64)
			}
		}
		s.secrets = addForms(s.secrets, user+":"+pass)
	}
	return s.sorted()
}

// addForms adds secret and the forms it takes when a server quotes it in a
// URL or in JSON.
func addForms(list []string, secret string) []string {
	if secret == "" {
		return list
	}
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret), html.EscapeString(secret),
		base64.StdEncoding.EncodeToString([]byte(secret)), base64.RawStdEncoding.EncodeToString([]byte(secret))}
	if j, err := json.Marshal(secret); err == nil && len(j) >= 2 {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	for _, f := range forms {
		if f != "" && !slices.Contains(list, f) {
			list = append(list, f)
		}
	}
	return list
}

// sorted puts longer secrets first, so that a secret containing another is
// replaced whole.
func (s Scrubber) sorted() Scrubber {
	slices.SortStableFunc(s.secrets, func(a, b string) int { return len(b) - len(a) })
	return s
}

// String returns text without credentials.
func (s Scrubber) String(text string) string {
	for _, sec := range s.secrets {
		if strings.Contains(text, sec) {
			text = strings.ReplaceAll(text, sec, Mark)
		}
	}
	return scrubPatterns(text)
}

// Short is String for a short text that goes into a message (a quote of a
// reply cut short, a decoded title): any run of minFragment or more of a
// secret's characters goes too.
func (s Scrubber) Short(text string) string {
	clean := s.fragments(s.String(text))
	if s.encodedLeak(clean) {
		return Mark // the secret in an encoding of the server's own
	}
	return clean
}

// Message is Short for a message: what stands in double quotes (a server's
// words) as Short; the message's own wording loses a run of a secret's
// letters only from minLetterFragment on (and any run with another
// character from minFragment).
func (s Scrubber) Message(text string) string {
	clean := s.fragmentsIn(s.String(text), true)
	if !s.encodedLeak(clean) {
		return clean
	}
	// The secret in an encoding of the server's own (entities, escapes):
	// the quoted part that shows it goes, or the whole text when it is not
	// in a quote.
	clean = s.quotedWithout(clean, s.encodedLeak)
	if s.encodedLeak(clean) {
		return encodedNotShown
	}
	return clean
}

// encodedNotShown replaces a text that shows a secret in an encoding of
// the server's own outside any quote.
const encodedNotShown = "the reply quoted a credential in an encoding of its own: not shown (" + Mark + ")"

// quotedWithout replaces each double-quoted part of text for which bad is
// true by a quoted Mark.
func (s Scrubber) quotedWithout(text string, bad func(string) bool) string {
	var b strings.Builder
	start := -1 // index of the opening quote, -1 outside quotes
	last := 0
	for i := 0; i < len(text); i++ {
		if text[i] != '"' || i > 0 && text[i-1] == '\\' {
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		if bad(text[start+1 : i]) {
			b.WriteString(text[last:start])
			b.WriteString(`"` + Mark + `"`)
			last = i + 1
		}
		start = -1
	}
	b.WriteString(text[last:])
	return b.String()
}

// Bytes returns b without credentials; b itself when there were none.
func (s Scrubber) Bytes(b []byte) []byte {
	text := string(b)
	if clean := s.String(text); clean != text {
		return []byte(clean)
	}
	return b
}

// Header returns a copy of h whose values are scrubbed, and whose
// Authorization values are dropped.
func (s Scrubber) Header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if strings.Contains(strings.ToLower(k), "authorization") {
			out[k] = []string{Mark}
			continue
		}
		clean := make([]string, len(vs))
		for i, v := range vs {
			clean[i] = s.String(v)
		}
		out[k] = clean
	}
	return out
}

// Error returns err, or when its text holds a credential an error with the
// text scrubbed. The scrubbed error answers errors.Is for err's chain but
// neither unwraps to it nor answers errors.As, so the original text cannot
// be printed through it.
func (s Scrubber) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	// An error's text is short and may quote a reply cut short, or decoded
	// after it was scrubbed: a fragment of a secret goes too.
	clean := s.Message(msg)
	if clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

// encodedLeak reports whether text, once HTML entities or percent escapes
// are decoded, still shows a secret or a run of one.
func (s Scrubber) encodedLeak(text string) bool {
	if len(s.raw) == 0 || !strings.ContainsAny(text, "&%") {
		return false
	}
	for _, dec := range []func(string) string{html.UnescapeString, percentDecoded} {
		if d := dec(text); d != text && s.fragments(d) != d {
			return true
		}
	}
	return false
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string        { return e.msg }
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.err, target) }

// minFragment is the shortest run of a secret's characters that Error
// removes wherever it stands in an error's text (a quote cut through the
// secret, a secret decoded from entities after the reply was scrubbed).
// Shorter runs are too common to tell apart from ordinary text.
const minFragment = 5

// minLetterFragment is the shortest run of a secret's characters that goes
// from a message's own words (outside quotes) when the run is letters
// only: a password holding "password" must not turn "check the username
// and password" into "check the username and [redacted]".
const minLetterFragment = 10

// fragments replaces every run of at least minFragment bytes of text that
// also stands in a secret. Meant for short texts (errors): the work grows
// with len(text) × len(secret). With inQuotesOnly, text outside double
// quotes is a message's own wording, where a run of letters only must be
// minLetterFragment long to go; quoted text (what a server said) loses
// every run of minFragment.
func (s Scrubber) fragments(text string) string { return s.fragmentsIn(text, false) }

func (s Scrubber) fragmentsIn(text string, inQuotesOnly bool) string {
	for _, sec := range s.raw {
		if len(sec) < minFragment {
			continue
		}
		quoted := !inQuotesOnly // text is all quote (Short)
		for i := 0; i+minFragment <= len(text); {
			if inQuotesOnly && text[i] == '"' && (i == 0 || text[i-1] != '\\') {
				quoted = !quoted
			}
			n := longestIn(text[i:], sec)
			if n < minFragment || !quoted && n < minLetterFragment && lettersOnly(text[i:i+n]) {
				i++
				continue
			}
			text = text[:i] + Mark + text[i+n:]
			i += len(Mark)
		}
	}
	return text
}

// lettersOnly: t is words (ASCII letters and spaces), as a message's own
// wording is; a passphrase's "r the " must not eat "check the username".
func lettersOnly(t string) bool {
	for i := 0; i < len(t); i++ {
		if c := t[i] | 0x20; (c < 'a' || c > 'z') && t[i] != ' ' {
			return false
		}
	}
	return true
}

// longestIn is the length of the longest prefix of t that stands in sec.
func longestIn(t, sec string) int {
	best := 0
	for j := 0; j < len(sec); j++ {
		n := 0
		for n < len(t) && j+n < len(sec) && t[n] == sec[j+n] {
			n++
		}
		best = max(best, n)
	}
	return best
}

// scrubPatterns removes Authorization header values, Basic and Bearer
// credentials and URL user information, whoever they belong to.
func scrubPatterns(t string) string {
	var b strings.Builder
	last := 0
	cut := func(start, end int) {
		b.WriteString(t[last:start])
		b.WriteString(Mark)
		last = end
	}
	for i := 0; i < len(t); i++ {
		switch t[i] | 0x20 {
		case 'a':
			if hasFoldAt(t, i, "authorization") {
				if start, end := headerValue(t, i+len("authorization")); end > start {
					cut(start, end)
					i = end - 1
				}
			}
		case 'b':
			if i > 0 && isWordByte(t[i-1]) {
				continue
			}
			for _, scheme := range []string{"basic", "bearer"} {
				if hasFoldAt(t, i, scheme) {
					if start, end := credential(t, i+len(scheme)); end > start {
						cut(start, end)
						i = end - 1
					}
					break
				}
			}
		case ':':
			if strings.HasPrefix(t[i:], "://") {
				if start, end := userinfo(t, i+3); end > start {
					cut(start, end)
					i = end - 1
				}
			}
		}
	}
	if last == 0 {
		return t
	}
	b.WriteString(t[last:])
	return b.String()
}

// hasFoldAt reports whether t has word (lower case ASCII) at i, in any case.
func hasFoldAt(t string, i int, word string) bool {
	if len(t)-i < len(word) {
		return false
	}
	for k := 0; k < len(word); k++ {
		if t[i+k]|0x20 != word[k] {
			return false
		}
	}
	return true
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
}

// headerValue finds the value after an "Authorization" name at j: an
// optional closing quote, a ':' or '=', and the value, quoted (to its
// closing quote) or not (to the end of the line or a tag: a Digest value
// holds quotes, and an echo cut too late only hides more). It
// returns start == end when there is none.
func headerValue(t string, j int) (start, end int) {
	skip := func(set string) {
		for j < len(t) && strings.IndexByte(set, t[j]) >= 0 {
			j++
		}
	}
	skip(`"'`)
	skip(" \t")
	if j >= len(t) || (t[j] != ':' && t[j] != '=') {
		return 0, 0
	}
	j++
	skip(" \t")
	if j < len(t) && t[j] == '[' && !strings.HasPrefix(t[j:], Mark) {
		j++ // a list of values: ["Basic …"], [Basic …]
	}
	if strings.HasPrefix(t[j:], Mark) {
		return 0, 0 // scrubbed before
	}
	if j < len(t) && (t[j] == '"' || t[j] == '\'') {
		q := t[j]
		j++
		start, end = j, j
		for end < len(t) && t[end] != '\n' && t[end] != '\r' {
			if t[end] == '\\' {
				end += 2
				continue
			}
			if t[end] == q {
				break
			}
			end++
		}
		return start, min(end, len(t))
	}
	start, end = j, j
	for end < len(t) && strings.IndexByte("\r\n<", t[end]) < 0 {
		end++
	}
	for end > start && (t[end-1] == ' ' || t[end-1] == '\t') {
		end--
	}
	return start, end
}

// credential finds a Basic or Bearer credential after the scheme name at j:
// white space, then a token68 that is not an ordinary lower-case word ("basic
// information" stays as it is).
func credential(t string, j int) (start, end int) {
	start = j
	for start < len(t) && (t[start] == ' ' || t[start] == '\t') {
		start++
	}
	if start == j {
		return 0, 0
	}
	end = start
	word := true
	for end < len(t) && isToken68(t[end]) {
		if t[end] < 'a' || t[end] > 'z' {
			word = false
		}
		end++
	}
	for end < len(t) && t[end] == '=' {
		end++
		word = false
	}
	if word {
		return 0, 0
	}
	return start, end
}

func isToken68(c byte) bool {
	return isWordByte(c) || strings.IndexByte("-.~+/", c) >= 0
}

// userinfo finds the user information of a URL whose authority starts at j:
// what stands before an '@' ahead of the first '/', '?', '#', white space or
// quote.
func userinfo(t string, j int) (start, end int) {
	for end = j; end < len(t); end++ {
		switch c := t[end]; {
		case c == '@':
			return j, end
		case c <= ' ' || strings.IndexByte(`/?#"'<>\`, c) >= 0:
			return 0, 0
		}
	}
	return 0, 0
}

// percentDecoded decodes each valid %XX escape of t (either case) and
// leaves anything else as it is ("100%" stays).
func percentDecoded(t string) string {
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if t[i] == '%' && i+2 < len(t) {
			if v, err := strconv.ParseUint(t[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(t[i])
	}
	return b.String()
}
