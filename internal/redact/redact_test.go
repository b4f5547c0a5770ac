package redact

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

const (
	user = "doorsync"
	pass = "s3cr:et/p@ss word"
)

func TestScrubberRemovesCredentials(t *testing.T) {
	cred := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	s := Basic(user, pass, "tok-EN.123")
	cases := []struct{ name, in string }{
		{"header line", "HTTP 500\r\nAuthorization: Basic " + cred + "\r\nUser-Agent: doorsync"},
		{"lower case header", "authorization: basic " + cred},
		{"json echo", `{"headers":{"Authorization":["Basic ` + cred + `"],"User-Agent":["doorsync"]}}`},
		{"json string", `{"Authorization": "Basic ` + cred + `"}`},
		{"html table", "<tr><td>Authorization</td><td>Basic " + cred + "</td></tr>"},
		{"credential alone", "you sent " + cred},
		{"credential raw base64", "you sent " + strings.TrimRight(cred, "=")},
		{"password", "the password " + pass + " is wrong"},
		{"password percent-encoded", "GET /x?p=s3cr%3Aet%2Fp%40ss+word"},
		{"password json-escaped", `{"p":"` + pass + `"}`},
		{"user:pass", "login " + user + ":" + pass},
		{"bearer token", "Authorization: Bearer tok-EN.123"},
		{"token alone", "token tok-EN.123 rejected"},
		{"other bearer", "proxy says Bearer eyJhbGciOi.J9.x"},
		{"other basic", "proxy got Basic YWRtaW46MTIzNDU="},
		{"proxy header", "Proxy-Authorization: Basic YWRtaW46MTIzNDU="},
		{"digest header", `Authorization: Digest username="admin", realm="x", response="6629fae49393a05397450978507c4ef1"`},
		{"url userinfo", "redirected to https://admin:hunter2@example.com/x"},
		{"url token user", "see http://abcdef123@hooks.example/x"},
	}
	secrets := []string{cred, strings.TrimRight(cred, "="), pass, "s3cr%3Aet", "tok-EN.123", "eyJhbGciOi", "YWRtaW46MTIzNDU", "hunter2", "abcdef123", "6629fae4"}
	for _, c := range cases {
		got := s.String(c.in)
		for _, sec := range secrets {
			if strings.Contains(got, sec) {
				t.Errorf("%s: %q still holds %q", c.name, got, sec)
			}
		}
		if !strings.Contains(got, Mark) {
			t.Errorf("%s: %q has no %s", c.name, got, Mark)
		}
		if b := s.Bytes([]byte(c.in)); string(b) != got {
			t.Errorf("%s: Bytes = %q, String = %q", c.name, b, got)
		}
	}
}

func TestScrubberKeepsOrdinaryText(t *testing.T) {
	s := Basic(user, pass)
	for _, in := range []string{
		"",
		"HTTP 400. NTK says: ERROR line 3: card 0042 unknown",
		"basic information about the authorization process",
		"authorization failed for user doorsync",
		"see https://example.com/path?q=1 and mailto:x@example.com",
		`{"error":"plugin not licensed"}`,
	} {
		if got := s.String(in); got != in {
			t.Errorf("String(%q) = %q, want it unchanged", in, got)
		}
	}
	var zero Scrubber
	if got := zero.String("Authorization: Basic YWRtaW46MTIzNDU="); got != "Authorization: "+Mark {
		t.Errorf("zero Scrubber: %q", got)
	}
}

func TestScrubberError(t *testing.T) {
	s := New("hunter2")
	base := fmt.Errorf("dial: password hunter2: %w", context.DeadlineExceeded)
	err := s.Error(base)
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Error() = %q", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("errors.Is lost the cause")
	}
	if errors.Unwrap(err) != nil {
		t.Error("the scrubbed error unwraps to the original text")
	}
	clean := errors.New("nothing to hide")
	if s.Error(clean) != clean || s.Error(nil) != nil {
		t.Error("an error without a secret should come back as it is")
	}
}

func TestScrubberHeader(t *testing.T) {
	s := New("hunter2")
	h := http.Header{"Authorization": {"Basic x"}, "Location": {"https://u:hunter2@h/"}, "X-Echo": {"hunter2"}}
	got := s.Header(h)
	for k, vs := range got {
		for _, v := range vs {
			if strings.Contains(v, "hunter2") || strings.Contains(v, "Basic x") {
				t.Errorf("%s: %q", k, v)
			}
		}
	}
	if h.Get("X-Echo") != "hunter2" {
		t.Error("Header changed its argument")
	}
}

func FuzzScrubber(f *testing.F) {
	for _, seed := range []string{"Authorization: Basic ZG9vcnN5bmM6cw==", `{"Authorization":["Bearer x"]}`, "https://a:b@c", "://@", "authorization=\"\\", "Basic \t"} {
		f.Add(seed)
	}
	s := Basic(user, pass)
	f.Fuzz(func(t *testing.T, in string) {
		out := s.String(in)
		if strings.Contains(out, pass) {
			t.Fatalf("%q -> %q holds the password", in, out)
		}
		if s.String(out) != s.String(s.String(out)) {
			t.Fatalf("not stable on %q", in)
		}
	})
}

// An error's text may quote a reply cut through the secret, or decoded
// after it was scrubbed (HTML entities): fragments of five characters or
// more go too (issue 11 review).
func TestShortRemovesFragments(t *testing.T) {
	s := Basic("api-admin", `Ab&12<>"'xyz9Q`, "s3cret-Pa55!word")
	for _, tt := range []struct{ in, want string }{
		{`server says: login Ab&12<>"'xyz9Q`, "server says: login " + Mark},
		{`it starts with "xxx…s3cret-Pa5"`, `it starts with "xxx…` + Mark + `"`},
		{`invalid character entity &s3cret-Pa55 (no semicolon)`, `invalid character entity &` + Mark + ` (no semicolon)`},
		{`server says: word and Pa55 are fine`, `server says: word and Pa55 are fine`}, // shorter than 5
		{`login Ab&amp;12&lt;&gt;&#34;&#39;xyz9Q`, `login ` + Mark},                    // HTML-escaped as html.EscapeString does
	} {
		if got := s.Short(tt.in); got != tt.want {
			t.Errorf("Short(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Issue 11 review: a piece of the Basic credential cut by a quote, and the
// password in encodings of the server's own, reached errors.
func TestErrorCatchesCutCredentialsAndOddEncodings(t *testing.T) {
	s := Basic("api-admin", "s3cret-Pa55!word")
	cred := base64.StdEncoding.EncodeToString([]byte("api-admin:s3cret-Pa55!word"))
	var entities, lowerPct strings.Builder
	for _, r := range "s3cret-Pa55!word" {
		fmt.Fprintf(&entities, "&#%d;", r)
		fmt.Fprintf(&lowerPct, "%%%02x", r)
	}
	for _, tc := range []struct{ name, msg, leak string }{
		{"a cut base64 credential", "HTTP 500: cred " + cred[:20], cred[8:20]},
		{"a cut base64 credential after Basic", "HTTP 500: Basic\u0020" + cred[:16], cred[8:16]},
		{"every character an HTML entity", "HTTP 500: password " + entities.String() + " is wrong", entities.String()[:20]},
		{"lower-case percent escapes", "HTTP 500: GET /login?p=" + lowerPct.String(), lowerPct.String()[:12]},
	} {
		got := s.Error(errors.New(tc.msg)).Error()
		if strings.Contains(got, tc.leak) {
			t.Errorf("%s: %q keeps %q", tc.name, got, tc.leak)
		}
	}
	// Ordinary percent signs and entities stay.
	for _, msg := range []string{"HTTP 500: disk 100% full", "HTTP 500: Tom &amp; Jerry", "credentials rejected for user \"api-admin\""} {
		if got := s.Error(errors.New(msg)).Error(); got != msg {
			t.Errorf("%q became %q", msg, got)
		}
	}
}

// Message keeps a message's own words even where the password holds them,
// and still takes every run of the password from what a server said.
func TestMessageKeepsOwnWords(t *testing.T) {
	s := Basic("knihovna", "Password123")
	msg := `NTK refused the credentials (HTTP 401): check the ntk username and password; NTK says "login Passw failed"`
	got := s.Message(msg)
	want := `NTK refused the credentials (HTTP 401): check the ntk username and password; NTK says "login [redacted] failed"`
	if got != want {
		t.Errorf("Message =\n %q\nwant\n %q", got, want)
	}
	if got := s.Message("the server said ord123 and assword12"); strings.Contains(got, "ord123") || strings.Contains(got, "assword12") {
		t.Errorf("runs with digits outside quotes kept: %q", got)
	}
}

// A secret spelled in an encoding of the server's own (entities in either
// case of x, percent escapes in either case) goes from quotes (Short,
// Message) too, not only from whole errors (issue 11 re-review).
func TestEncodedSecretsLeaveQuotes(t *testing.T) {
	const pw = "Correcthorsebattery"
	s := Basic("knihovna", pw)
	var dec, hexLower, hexUpper, pctLower, pctUpper strings.Builder
	for _, r := range pw {
		fmt.Fprintf(&dec, "&#%d;", r)
		fmt.Fprintf(&hexLower, "&#x%x;", r)
		fmt.Fprintf(&hexUpper, "&#X%X;", r)
		fmt.Fprintf(&pctLower, "%%%02x", r)
		fmt.Fprintf(&pctUpper, "%%%02X", r)
	}
	for _, enc := range []string{dec.String(), hexLower.String(), hexUpper.String(), pctLower.String(), pctUpper.String()} {
		if got := s.Short("login refused: password " + enc + " wrong"); strings.Contains(got, enc[:12]) {
			t.Errorf("Short kept %q: %q", enc[:12], got)
		}
		msg := `HTTP 500. NTK says: "login refused: password ` + enc + ` wrong"`
		got := s.Message(msg)
		if strings.Contains(got, enc[:12]) || !strings.HasPrefix(got, "HTTP 500. NTK says: ") {
			t.Errorf("Message = %q", got)
		}
	}
}

// A passphrase with spaces, or a token holding a word of a code, leaves a
// message's own words alone (issue 11 re-review).
func TestMessageKeepsWordsOfPassphrases(t *testing.T) {
	s := Basic("knihovna", "over the moon 42")
	if got := s.Message("check the ntk username and password"); got != "check the ntk username and password" {
		t.Errorf("Message = %q", got)
	}
	if got := s.Message(`NTK says: "over the moon 4"`); strings.Contains(got, "over the moon") {
		t.Errorf("quoted passphrase kept: %q", got)
	}
	tok := New("7f3a-token-99")
	if got := tok.Message("tokenRejected"); got != "tokenRejected" {
		t.Errorf("code = %q", got)
	}
}
