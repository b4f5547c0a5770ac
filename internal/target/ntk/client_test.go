package ntk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/emulator"
	emu "github.com/doorsync/doorsync/internal/emulator/ntk"
	"github.com/doorsync/doorsync/internal/target"
)

const (
	testUser = "knihovna"
	testPass = "Pa55-very-secret"
)

type fixture struct {
	emu    *emu.Server
	faults *emulator.Faults
	log    *emulator.RequestLog
	url    string
	rt     http.RoundTripper
	clock  *clock.Manual
}

func newFixture(t *testing.T, cfg emu.Config) *fixture {
	t.Helper()
	f := &fixture{faults: emulator.NewFaults(7), log: &emulator.RequestLog{},
		clock: clock.NewManual(time.Date(2025, 11, 1, 9, 0, 0, 0, time.UTC))}
	cfg.Username, cfg.Password, cfg.Faults, cfg.Log, cfg.Clock = testUser, testPass, f.faults, f.log, f.clock
	f.emu = emu.New(cfg)
	ts := httptest.NewUnstartedServer(f.emu)
	// The certificate test makes the server log a failed handshake.
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	f.url, f.rt = ts.URL+f.emu.Path(), ts.Client().Transport
	return f
}

func (f *fixture) client(t *testing.T, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{Name: "library", URL: f.url, Username: testUser, Password: testPass, Transport: f.rt,
		Clock: f.clock, Timeout: 10 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// testList is a list as plan/accesslist writes it: lines sorted, "\n".
func testList(t *testing.T) []byte {
	return []byte("04A1B2C3D4E5F6;0;2\n44491AD2;55;1\n")
}

func TestUploadAccepted(t *testing.T) {
	f := newFixture(t, emu.Config{})
	list := testList(t)
	name, err := f.client(t, nil).Upload(context.Background(), list)
	if err != nil {
		t.Fatal(err)
	}
	ups := f.emu.Accepted()
	if len(ups) != 1 || ups[0].Name != name || name != "AL_20251101_090000_0001.csv" {
		t.Fatalf("name %q, accepted %+v", name, ups)
	}
	if string(ups[0].Body) != string(list) || ups[0].FileName != "doorsync-20251101T090000Z.csv" {
		t.Fatalf("sent file %q as %q", ups[0].Body, ups[0].FileName)
	}
	reqs := f.log.Entries()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].AuthScheme != "Basic" {
		t.Fatalf("requests: %+v", reqs)
	}
	body := string(reqs[0].Body)
	for _, want := range []string{`Content-Disposition: form-data; name="file"; filename="doorsync-20251101T090000Z.csv"`,
		"Content-Type: text/csv; charset=us-ascii"} {
		if !strings.Contains(body, want) {
			t.Errorf("multipart body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, testPass) {
		t.Error("the password is in the body")
	}
	if got := fmt.Sprint(f.emu.Access()); got != "map[04A1B2C3D4E5F6:[0] 44491AD2:[55]]" {
		t.Errorf("NTK grants %s", got)
	}
}

func TestUploadFailures(t *testing.T) {
	cases := []struct {
		name     string
		setup    func(f *fixture)
		mod      func(*Config)
		class    target.Class // -1: success
		code     string
		msg      string
		requests int
	}{
		{name: "400 shows NTK's ERROR text, no retry",
			setup: func(f *fixture) {
				f.emu.ScriptReply(400, "ERROR: line 7: card number \"44491AD\" is not a hexadecimal number of 8 or 14 digits")
			},
			class: target.Permanent, code: CodeRejected, requests: 1,
			msg: `NTK rejected the list (HTTP 400). NTK says: "ERROR: line 7: card number \"44491AD\" is not a hexadecimal number of 8 or 14 digits"`},
		{name: "401: credentials, no retry",
			mod:   func(c *Config) { c.Password = "wrong-password" },
			class: target.Auth, code: CodeHTTP, msg: "check the ntk username and password", requests: 1},
		{name: "403: allow list, no retry",
			setup: func(f *fixture) { f.emu.ScriptReply(403, "Forbidden") },
			class: target.Auth, code: CodeForbidden, msg: "allow list", requests: 1},
		// The client sends once; the engine sends again (Resendable).
		{name: "5xx: returned at once",
			setup: func(f *fixture) { f.faults.Next(emulator.Fault5xx) },
			class: target.Transient, code: CodeHTTP, msg: "HTTP 503", requests: 1},
		{name: "connection reset: returned at once",
			setup: func(f *fixture) { f.faults.Next(emulator.FaultReset) },
			class: target.Transient, requests: 1},
		{name: "timeout: not retried, the list may have arrived",
			setup: func(f *fixture) { f.faults.SetHang(10 * time.Second); f.faults.Next(emulator.FaultTimeout) },
			mod:   func(c *Config) { c.Timeout = 200 * time.Millisecond },
			class: target.Transient, code: CodeTimeout, msg: "no answer within 200ms", requests: 1},
		{name: "200 with an HTML page: malformed, no retry",
			setup: func(f *fixture) { f.faults.Next(emulator.FaultGarbage) },
			class: target.Malformed, code: CodeReply, msg: `without "OK"`, requests: 1},
		{name: "202 without a name is accepted",
			setup: func(f *fixture) { f.emu.ScriptReply(202, "OK") },
			class: -1, requests: 1},
		{name: "redirect is not followed",
			setup: func(f *fixture) { f.emu.ScriptReply(302, "") },
			class: target.Permanent, code: CodeRedirect, requests: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, emu.Config{})
			if c.setup != nil {
				c.setup(f)
			}
			_, err := f.client(t, c.mod).Upload(context.Background(), testList(t))
			if n := f.log.Count(nil); n != c.requests {
				t.Errorf("%d requests, want %d", n, c.requests)
			}
			if c.class == -1 {
				if err != nil {
					t.Fatalf("Upload: %v", err)
				}
				return
			}
			var te *target.Error
			if !errors.As(err, &te) {
				t.Fatalf("Upload = %v, want a *target.Error", err)
			}
			if te.Class != c.class || te.Code != c.code || te.Target != "library" || te.Op != "upload" || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("Upload = %s %q: %v; want %s %q …%q…", te.Class, te.Code, err, c.class, c.code, c.msg)
			}
			if strings.Contains(err.Error(), testPass) || strings.Contains(err.Error(), "wrong-password") {
				t.Fatalf("error shows a password: %v", err)
			}
			if len(f.emu.Accepted()) != 0 && c.class != target.Transient {
				t.Errorf("a failed upload was accepted")
			}
		})
	}
}

func TestUploadRefusesEmptyList(t *testing.T) {
	f := newFixture(t, emu.Config{})
	_, err := f.client(t, nil).Upload(context.Background(), nil)
	if target.ClassOf(err) != target.Permanent || !strings.Contains(err.Error(), "empty list") || f.log.Count(nil) != 0 {
		t.Fatalf("Upload(empty) = %v after %d requests", err, f.log.Count(nil))
	}
}

func TestUploadCancelled(t *testing.T) {
	f := newFixture(t, emu.Config{})
	f.faults.SetHang(10 * time.Second)
	f.faults.Next(emulator.FaultTimeout)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := f.client(t, nil).Upload(ctx, testList(t))
	var te *target.Error
	if !errors.As(err, &te) || te.Code != CodeCancelled || !errors.Is(err, context.Canceled) {
		t.Fatalf("Upload = %v, want cancelled", err)
	}
	if n := f.log.Count(nil); n != 1 {
		t.Fatalf("%d requests after cancelling", n)
	}
}

func TestUploadUnknownCertificate(t *testing.T) {
	f := newFixture(t, emu.Config{})
	// The system's roots do not know the test server's certificate.
	_, err := f.client(t, func(c *Config) { c.Transport = nil }).Upload(context.Background(), testList(t))
	var te *target.Error
	if !errors.As(err, &te) || te.Class != target.Permanent || te.Code != CodeTLS {
		t.Fatalf("Upload = %v, want a TLS error", err)
	}
}

func TestNewClient(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Config)
		err  string
	}{
		{"https", nil, ""},
		{"http to loopback (the demo)", func(c *Config) { c.URL = "http://127.0.0.1:8080/accesslist" }, ""},
		{"http to localhost", func(c *Config) { c.URL = "http://localhost/x" }, ""},
		{"http elsewhere", func(c *Config) { c.URL = "http://ntk.example.cz/upload" }, "want https://"},
		{"no name", func(c *Config) { c.Name = " " }, "name is empty"},
		{"no host", func(c *Config) { c.URL = "https:///x" }, "no host"},
		{"not a URL", func(c *Config) { c.URL = "https://a b:c/%" }, "not a URL"},
		{"credentials in the URL", func(c *Config) { c.URL = "https://knihovna:" + testPass + "@ntk.example.cz/" }, "must not contain credentials"},
		{"fragment", func(c *Config) { c.URL = "https://ntk.example.cz/#x" }, "fragment"},
		{"no username", func(c *Config) { c.Username = "" }, "username is empty"},
		{"colon in username", func(c *Config) { c.Username = "a:b" }, "contains ':'"},
		{"no password", func(c *Config) { c.Password = "" }, "password is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{Name: "library", URL: "https://ntk.example.cz/upload", Username: testUser, Password: testPass}
			if c.mod != nil {
				c.mod(&cfg)
			}
			_, err := NewClient(cfg)
			if c.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("NewClient = %v, want …%q…", err, c.err)
			}
			if strings.Contains(err.Error(), testPass) {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
	cfg := Config{Name: "library", URL: "https://u:" + testPass + "@ntk.example.cz/", Username: testUser, Password: testPass}
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), cfg.String()} {
		if strings.Contains(s, testPass) {
			t.Fatalf("config prints the password: %s", s)
		}
	}
}

// A timed-out upload may have arrived: the engine must not send it again in
// the run (the seed asks not to); any other transient failure may be.
func TestResendable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&target.Error{Class: target.Transient, Code: CodeHTTP}, true},
		{&target.Error{Class: target.Busy, Code: CodeHTTP}, true},
		{&target.Error{Class: target.Transient}, true},
		{fmt.Errorf("wrapped: %w", &target.Error{Class: target.Transient, Code: CodeTimeout}), false},
		{&target.Error{Class: target.Transient, Code: CodeCancelled}, false},
		{errors.New("unclassified"), false},
	} {
		if got := Resendable(c.err); got != c.want {
			t.Errorf("Resendable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
