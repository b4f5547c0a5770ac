package ntk

import (
	"net/http"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzParseReply: any answer is classified without panicking; success only
// for a 2xx with "OK"; names and messages are printable and bounded.
func FuzzParseReply(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{202, "OK AL_1.csv\n"}, {202, "OK"}, {202, ""}, {200, "<html>"}, {400, "ERROR: line 1"}, {401, ""},
		{403, "Forbidden"}, {500, "x"}, {302, ""}, {202, "ERROR OK"}, {202, "OK \x00\xff"}, {202, "ok: \"a b\""},
		{0, ""}, {-1, "OK"}, {999, "OK"},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body), "https://u:p@h/")
	}
	f.Fuzz(func(t *testing.T, status int, body []byte, location string) {
		h := http.Header{}
		h.Set("Location", location)
		name, err := parseReply(status, h, body)
		if err == nil {
			if status != 200 && status != 201 && status != 202 {
				t.Fatalf("HTTP %d taken as success", status)
			}
			if utf8.RuneCountInString(name) > maxNameRunes+1 || !printableOnly(name) {
				t.Fatalf("name %q", name)
			}
			return
		}
		if name != "" {
			t.Fatalf("error %v with name %q", err, name)
		}
		if !printableOnly(err.Message) || utf8.RuneCountInString(err.Message) > maxShown+400 {
			t.Fatalf("message %q", err.Message)
		}
	})
}

func printableOnly(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return utf8.ValidString(s)
}
