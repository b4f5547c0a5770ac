package ntk

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/doorsync/doorsync/internal/httpx"
	"github.com/doorsync/doorsync/internal/target"
)

// Error codes this package sets on *target.Error.
const (
	CodeRejected  = "rejected"         // 400: NTK's check of the first 4 KB failed
	CodeHTTP      = httpx.CodeHTTP     // another HTTP error status
	CodeTimeout   = httpx.CodeTimeout  // no answer within Config.Timeout
	CodeCancelled = "cancelled"        // the caller's context ended
	CodeTLS       = httpx.CodeTLS      // certificate refused
	CodeRedirect  = httpx.CodeRedirect // NTK redirected
	CodeReply     = "reply"            // a success status without "OK"
	CodeEmpty     = "empty"            // refused to send an empty list
	// CodeForbidden: 403, which NTK may also answer for an address not on
	// its allow list: the password may be right.
	CodeForbidden = "forbidden"
)

// Bounds on what is taken from a reply.
const (
	maxReply     = 64 << 10 // NTK answers a line or two
	maxShown     = 300      // characters of NTK's text quoted in an error
	maxNameRunes = 255      // a file name
)

// parseReply classifies NTK's answer to an upload. It returns the file name
// NTK processes the list under (possibly "" if NTK named none), or a
// classified error whose Message quotes NTK's own words.
//
// seed 003, 2.4: success is "202 Accepted" with "OK" and the file name in
// the body; a format error in the first 4 KB is "400 Bad Request" with
// "ERROR" and a description. 200 and 201 with "OK" are taken as success too.
func parseReply(status int, header http.Header, body []byte) (string, *target.Error) {
	text := shown(body)
	fail := func(class target.Class, code, msg string) (string, *target.Error) {
		return "", &target.Error{Class: class, Code: code, Message: msg, RetryTimes: -1, LockSeconds: -1}
	}
	quoted := func() string {
		if text == "" {
			return "(empty body)"
		}
		// Quoted, so that what NTK said is told from doorsync's words,
		// and the scrub takes every run of a secret from it.
		return "NTK says: " + strconv.Quote(text)
	}
	switch {
	case status == http.StatusAccepted || status == http.StatusOK || status == http.StatusCreated:
		tokens := replyTokens(body)
		for i, t := range tokens {
			switch strings.ToUpper(t) {
			case "ERROR":
				return fail(target.Malformed, CodeReply, fmt.Sprintf("HTTP %d but the body reports an error; the list may not have been taken, ask NTK. %s", status, quoted()))
			case "OK":
				return fileName(tokens[i+1:]), nil
			}
		}
		return fail(target.Malformed, CodeReply, fmt.Sprintf("HTTP %d without \"OK\": the list may not have been taken, ask NTK. %s", status, quoted()))
	case status == http.StatusBadRequest:
		return fail(target.Permanent, CodeRejected, "NTK rejected the list (HTTP 400). "+quoted())
	case status == http.StatusUnauthorized:
		return fail(target.Auth, CodeHTTP, "NTK refused the credentials (HTTP 401): check the ntk username and password")
	case status == http.StatusForbidden:
		return fail(target.Auth, CodeForbidden, "NTK refused access (HTTP 403): check the ntk username and password, and that this machine's address is on NTK's allow list")
	case status == http.StatusRequestTimeout || status == http.StatusTooManyRequests:
		return fail(target.Transient, CodeHTTP, fmt.Sprintf("HTTP %d. %s", status, quoted()))
	case status >= 300 && status < 400:
		return fail(target.Permanent, CodeRedirect, fmt.Sprintf("NTK redirected (HTTP %d) to %q: set the ntk url to where it points", status, redactURL(header.Get("Location"))))
	case status == http.StatusRequestEntityTooLarge:
		return fail(target.Permanent, CodeHTTP, "NTK refused the list as too large (HTTP 413). "+quoted())
	case status >= 500 && status < 600:
		return fail(target.Transient, CodeHTTP, fmt.Sprintf("HTTP %d. %s", status, quoted()))
	case status >= 400 && status < 500:
		return fail(target.Permanent, CodeHTTP, fmt.Sprintf("HTTP %d. %s", status, quoted()))
	}
	return fail(target.Malformed, CodeHTTP, fmt.Sprintf("unexpected HTTP %d. %s", status, quoted()))
}

// replyTokens splits a reply into words at white space and the separators
// people put between "OK" and a name (':', ',', ';', '=').
func replyTokens(body []byte) []string {
	return strings.FieldsFunc(strings.ToValidUTF8(string(body), "\uFFFD"), func(r rune) bool {
		return unicode.IsSpace(r) || r == ':' || r == ',' || r == ';' || r == '='
	})
}

// isLabel reports words that may stand between "OK" and the name ("OK file:
// x.csv", Czech "OK soubor x.csv").
func isLabel(t string) bool {
	switch strings.ToLower(t) {
	case "file", "filename", "name", "saved", "as", "soubor", "souboru", "jméno", "jmeno", "název", "nazev", "-":
		return true
	}
	return false
}

// fileName takes the first token after "OK" that is not a label, without
// quotes or a sentence's final full stop, made printable and bounded.
func fileName(tokens []string) string {
	for _, t := range tokens {
		if isLabel(t) {
			continue
		}
		t = strings.Trim(t, "\"'`<>()[]")
		if len(t) > 1 {
			t = strings.TrimSuffix(t, ".")
		}
		return printable(t, maxNameRunes)
	}
	return ""
}

// shown is NTK's text made safe to show: valid UTF-8, printable, white
// space collapsed, at most maxShown characters.
func shown(body []byte) string {
	return printable(strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "\uFFFD")), " "), maxShown)
}

func printable(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// redactURL drops credentials from a URL shown in a message.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return printable(u.Redacted(), maxShown)
	}
	return printable(s, maxShown)
}
