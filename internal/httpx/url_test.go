package httpx

import (
	"errors"
	"strings"
	"testing"
)

func TestParseBase(t *testing.T) {
	const pass = "s3cret-pw"
	tests := []struct {
		name  string
		raw   string
		rules Rules
		want  Problem // 0: accepted
		says  string  // in the message
	}{
		{"https", "https://api.example.com/base", Rules{}, 0, ""},
		{"http with port and spaces", " http://10.0.0.20:8080 ", Rules{}, 0, ""},
		{"not a URL", "https://a b:c/%", Rules{}, NotURL, "is not a URL"},
		{"ftp", "ftp://10.0.0.20", Rules{}, BadScheme, `"ftp://10.0.0.20": want http:// or https://`},
		{"no scheme", "hunter2", Rules{}, BadScheme, "want http:// or https://"},
		{"no host", "https://", Rules{}, NoHost, "no host"},
		{"port only", "http://:80", Rules{}, NoHost, "no host"},
		{"credentials", "https://admin:" + pass + "@h", Rules{Credentials: "username and password"}, UserInfo,
			"must not contain credentials: put them in username and password, not in the URL"},
		{"credentials before the scheme", "ftp://admin:" + pass + "@h", Rules{}, UserInfo, "must not contain credentials"},
		{"query", "https://h/?x=1", Rules{}, HasQuery, "query"},
		{"empty query", "https://h/?", Rules{}, HasQuery, "query"},
		{"query allowed", "https://h/upload?site=1", Rules{AllowQuery: true}, 0, ""},
		{"fragment", "https://h/#x", Rules{AllowQuery: true}, HasFragment, "fragment"},
		{"fragment allowed", "https://h/#x", Rules{AllowQuery: true, AllowFragment: true}, 0, ""},
		{"bad port", "http://10.0.0.20:99999", Rules{}, BadPort, "invalid port"},
		{"https only: http elsewhere", "http://ntk.example.cz/up", Rules{HTTPSOnly: true}, NotHTTPS, "want https://"},
		{"https only: ftp", "ftp://ntk.example.cz/up", Rules{HTTPSOnly: true}, NotHTTPS, "want https://"},
		{"https only: http to loopback", "http://127.0.0.1:9000/up", Rules{HTTPSOnly: true}, 0, ""},
		{"https only: http to localhost", "http://LocalHost/up", Rules{HTTPSOnly: true}, 0, ""},
		{"https only: http to [::1]", "http://[::1]:9/up", Rules{HTTPSOnly: true}, 0, ""},
		{"https only: no host", "https:///x", Rules{HTTPSOnly: true}, NoHost, "no host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := ParseBase(tt.raw, tt.rules)
			if tt.want == 0 {
				if err != nil || u == nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ue *URLError
			if !errors.As(err, &ue) || ue.Problem != tt.want {
				t.Fatalf("error %v, want problem %d", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("%q does not say %q", err, tt.says)
			}
			if strings.Contains(err.Error(), pass) {
				t.Errorf("%q shows the password", err)
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.1.2.3": true, "::1": true,
		"10.0.0.20": false, "localhost.example.com": false, "": false, "ntk.example.cz": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v", host, got)
		}
	}
}

// FuzzParseBase: whatever the input, an accepted URL is http(s) with a host
// and no user information, and a refusal never quotes a password.
func FuzzParseBase(f *testing.F) {
	for _, s := range []string{"https://h", "http://u:p@h", "ftp://h", "http://:80", "https://h/?q#f", "http://[::1]:99999", "%", "http://h\x00"} {
		f.Add(s, false, false)
	}
	f.Fuzz(func(t *testing.T, raw string, httpsOnly, allowQuery bool) {
		u, err := ParseBase(raw, Rules{HTTPSOnly: httpsOnly, AllowQuery: allowQuery})
		if err != nil {
			var ue *URLError
			if !errors.As(err, &ue) {
				t.Fatalf("%T %v", err, err)
			}
			if ue.Problem == UserInfo && strings.Contains(err.Error(), "@") {
				t.Fatalf("%q quotes the user information", err)
			}
			return
		}
		switch {
		case u.User != nil:
			t.Fatalf("%q accepted with user information", raw)
		case u.Scheme != "http" && u.Scheme != "https":
			t.Fatalf("%q accepted with scheme %q", raw, u.Scheme)
		case u.Hostname() == "":
			t.Fatalf("%q accepted without a host", raw)
		case httpsOnly && u.Scheme == "http" && !IsLoopback(u.Hostname()):
			t.Fatalf("%q accepted over plain http", raw)
		case !allowQuery && (u.RawQuery != "" || u.ForceQuery):
			t.Fatalf("%q accepted with a query", raw)
		}
	})
}
