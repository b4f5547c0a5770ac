package hikvision

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/target"
)

func newTLSFake(t *testing.T) (*fake, *httptest.Server) {
	t.Helper()
	f, plain := newFake(t, countHandler)
	plain.Close()
	srv := httptest.NewUnstartedServer(f)
	// Refused handshakes are the point of these tests: keep them off the output.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return f, srv
}

func withColons(hexs string) string {
	var parts []string
	for i := 0; i < len(hexs); i += 2 {
		parts = append(parts, strings.ToUpper(hexs[i:i+2]))
	}
	return strings.Join(parts, ":")
}

func TestTLSPinning(t *testing.T) {
	f, srv := newTLSFake(t)
	sum := sha256.Sum256(srv.Certificate().Raw)
	good := hex.EncodeToString(sum[:])
	other := sha256.Sum256([]byte("another certificate"))
	bad := "sha256:" + hex.EncodeToString(other[:])
	cases := []struct {
		name   string
		pin    string
		class  target.Class
		errHas []string
		ok     bool
	}{
		{name: "pinned", pin: "sha256:" + good, ok: true},
		{name: "pinned with colons, upper case", pin: "SHA256:" + withColons(good), ok: true},
		{name: "pinned without prefix", pin: withColons(good), ok: true},
		{name: "wrong pin", pin: bad, class: target.Permanent,
			errHas: []string{"does not match the pinned " + bad, "fingerprint sha256:" + good}},
		{name: "no pin, self-signed", pin: "", class: target.Permanent,
			errHas: []string{"self-signed or from an unknown authority", "tls_fingerprint = \"sha256:" + good + "\""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := f.totalRequests()
			c := newTestClient(t, srv.URL, func(c *Config) { c.TLSFingerprint = tc.pin })
			n, err := c.Count(context.Background())
			if tc.ok {
				if err != nil || n != 412 {
					t.Fatalf("Count = %d, %v", n, err)
				}
				return
			}
			var te *target.Error
			if !errors.As(err, &te) || te.Class != tc.class || te.Code != CodeTLS {
				t.Fatalf("want a %v TLS error, got %v", tc.class, err)
			}
			for _, s := range tc.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if f.totalRequests() != before {
				t.Error("a request was sent over an unverified connection")
			}
		})
	}
}

func TestNewClientRejectsBadConfig(t *testing.T) {
	base := testConfig(t, "http://127.0.0.1:1")
	cases := []struct {
		name   string
		mod    func(*Config)
		errHas string
	}{
		{"no name", func(c *Config) { c.Name = " " }, "name is empty"},
		{"credentials in url", func(c *Config) { c.BaseURL = "http://admin:hunter2@10.0.0.20" }, "must not contain credentials"},
		{"ftp", func(c *Config) { c.BaseURL = "ftp://10.0.0.20" }, "want http:// or https://"},
		{"no host", func(c *Config) { c.BaseURL = "http://" }, "no host"},
		{"query", func(c *Config) { c.BaseURL = "http://10.0.0.20/?x=1" }, "query"},
		{"no user", func(c *Config) { c.Username = "" }, "username is empty"},
		{"no password", func(c *Config) { c.Password = "" }, "password is empty"},
		{"email field", func(c *Config) { c.EmailField = "mail" }, `email_field "mail"`},
		{"no zone", func(c *Config) { c.Zone = nil }, "time zone"},
		{"pin on http", func(c *Config) { c.TLSFingerprint = "sha256:" + strings.Repeat("ab", 32) }, "not https"},
		{"bad pin", func(c *Config) { c.BaseURL = "https://10.0.0.20"; c.TLSFingerprint = "sha256:abc" }, "tls_fingerprint"},
	}
	for _, tc := range cases {
		cfg := base
		tc.mod(&cfg)
		_, err := NewClient(cfg)
		if err == nil || !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("%s: want error with %q, got %v", tc.name, tc.errHas, err)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), base.Password) {
			t.Errorf("%s: error shows a password: %v", tc.name, err)
		}
	}
	cfg := base
	if s := cfg.String() + cfg.GoString(); strings.Contains(s, base.Password) {
		t.Errorf("Config prints its password: %s", s)
	}
}
