package cardskipper

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// A redirect from https to plain http on the same host is not followed: the
// Basic credentials would travel in clear text. The error says where it
// pointed, without user information.
func TestRedirectNotFollowed(t *testing.T) {
	var mu sync.Mutex
	var got []string // requests that reached the plain http server
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		http.Error(w, "nope", http.StatusNotFound)
	}))
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		to := strings.Replace(plain.URL, "http://", "http://someone:hunter2@", 1) + r.URL.Path
		http.Redirect(w, r, to, http.StatusFound)
	}))
	t.Cleanup(secure.Close)
	c := newClient(t, secure.URL, func(cfg *Config) { cfg.HTTP = secure.Client() })
	_, err := c.Export(context.Background(), ExportQuery{OrganisationID: 1})
	if err == nil {
		t.Fatal("export accepted")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) > 0 {
		t.Errorf("the redirect was followed: %q", got)
	}
	msg := err.Error()
	if !strings.Contains(msg, "HTTP 302") || !strings.Contains(msg, "redirected to") || !strings.Contains(msg, strings.TrimPrefix(plain.URL, "http://")) {
		t.Errorf("error %q does not say where the redirect pointed", msg)
	}
	if strings.Contains(msg, "hunter2") {
		t.Errorf("error %q shows the redirect's password", msg)
	}
	if Retryable(err) {
		t.Errorf("a redirect is retryable: %v", err)
	}
	if secure.Client().CheckRedirect != nil {
		t.Error("New changed the caller's http.Client")
	}
}
