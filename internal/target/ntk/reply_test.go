package ntk

import (
	"net/http"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/target"
)

type replyCase struct {
	status int
	body   string
	name   string
	class  target.Class // -1: success
	code   string
	msg    string
}

func TestParseReply(t *testing.T) {
	ok := func(status int, body, name string) replyCase { return replyCase{status, body, name, -1, "", ""} }
	bad := func(status int, body string, class target.Class, code, msg string) replyCase {
		return replyCase{status, body, "", class, code, msg}
	}
	cases := []replyCase{
		ok(202, "OK AL_20251101_100000_0001.csv\n", "AL_20251101_100000_0001.csv"),
		ok(202, "OK: list-42.csv", "list-42.csv"),
		ok(202, "OK\r\nsoubor: \"seznam 1.csv\"", "seznam"),
		ok(202, "Upload OK, saved as list.csv.", "list.csv"),
		ok(202, "OK file=x.csv", "x.csv"),
		ok(202, "ok x.csv", "x.csv"),
		ok(202, "OK", ""),
		ok(200, "OK y.csv", "y.csv"),
		ok(202, "OK "+strings.Repeat("n", 400), strings.Repeat("n", 255)+"…"),
		ok(202, "OK bad\x01name", "bad?name"),
		bad(202, "", target.Malformed, CodeReply, `HTTP 202 without "OK"`),
		bad(202, "Accepted", target.Malformed, CodeReply, "the list may not have been taken"),
		bad(200, "<html><head><title>500 Internal Ser", target.Malformed, CodeReply, `NTK says: "<html><head><title>500 Internal Ser"`),
		bad(202, "ERROR something OK", target.Malformed, CodeReply, "reports an error"),
		bad(400, "ERROR: line 2: card number \"1234\" is not a hexadecimal number of 8 or 14 digits\n", target.Permanent, CodeRejected,
			`NTK rejected the list (HTTP 400). NTK says: "ERROR: line 2: card number \"1234\" is not a hexadecimal number of 8 or 14 digits"`),
		bad(400, "", target.Permanent, CodeRejected, "(empty body)"),
		bad(400, strings.Repeat("E", 1000), target.Permanent, CodeRejected, strings.Repeat("E", 300)+"…"),
		bad(401, "Unauthorized", target.Auth, CodeHTTP, "check the ntk username and password"),
		bad(403, "Forbidden", target.Auth, CodeForbidden, "allow list"),
		bad(404, "Not Found", target.Permanent, CodeHTTP, `HTTP 404. NTK says: "Not Found"`),
		bad(413, "too big", target.Permanent, CodeHTTP, "too large"),
		bad(408, "", target.Transient, CodeHTTP, "HTTP 408"),
		bad(429, "", target.Transient, CodeHTTP, "HTTP 429"),
		bad(500, "Internal Server Error", target.Transient, CodeHTTP, `HTTP 500. NTK says: "Internal Server Error"`),
		bad(503, "Service Unavailable", target.Transient, CodeHTTP, "HTTP 503"),
		bad(302, "", target.Permanent, CodeRedirect, `to "https://user:xxxxx@elsewhere/"`),
		bad(100, "", target.Malformed, CodeHTTP, "unexpected HTTP 100"),
		bad(204, "", target.Malformed, CodeHTTP, "unexpected HTTP 204"),
	}
	for _, c := range cases {
		t.Run(c.body, func(t *testing.T) {
			h := http.Header{}
			h.Set("Location", "https://user:secret@elsewhere/")
			name, err := parseReply(c.status, h, []byte(c.body))
			if c.class == -1 {
				if err != nil || name != c.name {
					t.Fatalf("parseReply(%d, %q) = %q, %v; want %q", c.status, c.body, name, err, c.name)
				}
				return
			}
			if err == nil {
				t.Fatalf("parseReply(%d, %q) = %q, nil; want a %s error", c.status, c.body, name, c.class)
			}
			if err.Class != c.class || err.Code != c.code || !strings.Contains(err.Message, c.msg) {
				t.Fatalf("parseReply(%d, %q) = %s %q %q; want %s %q …%q…", c.status, c.body, err.Class, err.Code, err.Message, c.class, c.code, c.msg)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("error shows a password: %v", err)
			}
		})
	}
}
