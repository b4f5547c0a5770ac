// Package redacttest has the hostile server of the scrubbing tests: one that
// answers with an error and echoes the request's headers, as a broken
// server or proxy does, and the check that none of what it was sent in
// confidence comes back in a client's error.
package redacttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Echo is a loopback server answering every request with Status and a body
// that repeats the request's headers and URL: first as one line of JSON
// (Authorization first), then as header lines.
type Echo struct {
	*httptest.Server
	// Status is the answer's status (default 500).
	Status int
	// Digest makes the server first challenge a request without an
	// Authorization header with a Digest WWW-Authenticate (ISAPI terminals).
	Digest bool

	mu    sync.Mutex
	auths []string // the Authorization values received
}

// NewEcho starts an echoing server on 127.0.0.1 (TLS when tls is set).
func NewEcho(t testing.TB, tls bool) *Echo {
	t.Helper()
	e := &Echo{Status: http.StatusInternalServerError}
	e.Server = httptest.NewUnstartedServer(http.HandlerFunc(e.serve))
	if tls {
		e.StartTLS()
	} else {
		e.Start()
	}
	t.Cleanup(e.Close)
	return e
}

func (e *Echo) serve(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	if e.Digest && auth == "" {
		w.Header().Set("WWW-Authenticate", `Digest realm="echo", qop="auth", nonce="6d8a2f9c", opaque="", algorithm="MD5"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if auth != "" {
		e.mu.Lock()
		e.auths = append(e.auths, auth)
		e.mu.Unlock()
	}
	headers := map[string][]string{}
	for k, v := range r.Header {
		headers[k] = v
	}
	line, _ := json.Marshal(headers)
	// Authorization first, so that even a short quote reaches it.
	text := fmt.Sprintf(`{"Authorization":%q,"headers":%s,"url":%q}`, auth, line, r.URL.String())
	var b strings.Builder
	b.WriteString(text + "\n")
	for k, vs := range r.Header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("X-Echo-Authorization", auth)
	w.WriteHeader(e.Status)
	_, _ = w.Write([]byte(b.String()))
}

// Auths returns the Authorization values the server received.
func (e *Echo) Auths() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.auths...)
}

// AssertClean fails t if text holds a secret, or an Authorization value the
// server received, or the credential part of one.
func (e *Echo) AssertClean(t testing.TB, what, text string, secrets ...string) {
	t.Helper()
	if len(e.Auths()) == 0 {
		t.Fatalf("%s: the echoing server received no Authorization header", what)
	}
	for _, a := range e.Auths() {
		scheme, cred, _ := strings.Cut(a, " ")
		secrets = append(secrets, a, cred)
		if !strings.EqualFold(scheme, "Digest") && len(cred) > 12 {
			secrets = append(secrets, cred[:12]) // a quote cut inside the credential
		}
		if _, resp, ok := strings.Cut(a, `response="`); ok {
			resp, _, _ = strings.Cut(resp, `"`)
			secrets = append(secrets, resp) // a Digest answer
		}
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s holds the secret %q:\n%s", what, s, text)
		}
	}
}
