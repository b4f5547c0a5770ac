package httpx

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/redact"
	"github.com/doorsync/doorsync/internal/target"
)

const testSecret = "tok-3f9a1c77e0"

func testErrors() Errors {
	return Errors{System: "terminal", Target: "entrance", Who: "the terminal", Scrub: redact.New(testSecret),
		Cert: &CertHints{Hostname: " (check the host name)"}}
}

func asTarget(t *testing.T, err error) *target.Error {
	t.Helper()
	var te *target.Error
	if !errors.As(err, &te) {
		t.Fatalf("%v (%T) is no *target.Error", err, err)
	}
	return te
}

func TestFailNamesSystemTargetAndOperation(t *testing.T) {
	e := testErrors()
	err := e.Fail(target.Transient, "search page 3", "code", "the reply said "+testSecret[:8], errors.New("dial: "+testSecret))
	te := asTarget(t, err)
	if te.Target != "entrance" || te.Op != "search page 3" || te.Class != target.Transient || te.RetryTimes != -1 || te.LockSeconds != -1 {
		t.Errorf("%+v", te)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "terminal entrance: search page 3: ") || strings.Contains(msg, testSecret[:8]) {
		t.Errorf("%q", msg)
	}
	if e2 := (Errors{Target: "ntk"}).Fail(target.Auth, "upload", "", "no", nil); strings.HasPrefix(e2.Error(), " ") {
		t.Errorf("no system: %q", e2)
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		status int
		class  target.Class
		code   string
		says   string
	}{
		{200, 0, "", ""},
		{204, 0, "", ""},
		{302, target.Permanent, CodeRedirect, `the terminal redirected (HTTP 302) to "https://elsewhere/": set the url to where it points`},
		{404, target.Permanent, CodeHTTP, "HTTP 404: the terminal does not offer /ISAPI/x"},
		{400, target.Permanent, CodeHTTP, `HTTP 400 (body "bad")`},
		{503, target.Transient, CodeHTTP, `HTTP 503 (body "bad")`},
		{101, target.Malformed, CodeHTTP, "unexpected HTTP 101"},
	}
	for _, tt := range tests {
		err := testErrors().Status("op", tt.status, "https://elsewhere/", `(body "bad")`, "the terminal does not offer /ISAPI/x")
		if tt.says == "" {
			if err != nil {
				t.Errorf("%d: %v", tt.status, err)
			}
			continue
		}
		te := asTarget(t, err)
		if te.Class != tt.class || te.Code != tt.code || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%d: %v (class %v, code %q)", tt.status, err, te.Class, te.Code)
		}
	}
}

func TestNet(t *testing.T) {
	e := testErrors()
	live := context.Background()
	cancelled, cancel := context.WithCancel(live)
	cancel()
	expired, cancel2 := context.WithDeadline(live, time.Unix(0, 0))
	defer cancel2()
	tests := []struct {
		name         string
		parent, rctx context.Context
		err          error
		class        target.Class
		code, says   string
	}{
		{"cancelled", cancelled, cancelled, errors.New("x"), target.Transient, "", "cancelled"},
		{"timed out", live, expired, errors.New("x"), target.Transient, CodeTimeout, "no answer within 20s"},
		{"pin", live, live, &PinError{Want: "sha256:aa", Got: "sha256:bb"}, target.Permanent, CodeTLS, "does not match the pinned sha256:aa"},
		{"host name", live, live, x509.HostnameError{Certificate: &x509.Certificate{}, Host: "h"}, target.Permanent, CodeTLS, "(check the host name)"},
		{"refused", live, live, errors.New("connect: connection refused to " + testSecret), target.Transient, "", "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.Net(tt.parent, tt.rctx, "op", 20*time.Second, tt.err)
			te := asTarget(t, err)
			if te.Class != tt.class || te.Code != tt.code || !strings.Contains(err.Error(), tt.says) || strings.Contains(err.Error(), testSecret) {
				t.Errorf("%v (class %v, code %q)", err, te.Class, te.Code)
			}
		})
	}
	// Without hints a certificate failure is a network failure like another.
	if f, _ := Classify(live, live, &PinError{}, nil); f != Unreachable {
		t.Errorf("no hints: %v", f)
	}
}

func TestBody(t *testing.T) {
	e := testErrors()
	ctx := context.Background()
	resp := func(body string) *http.Response {
		return &http.Response{Body: io.NopCloser(strings.NewReader(body)), ContentLength: -1}
	}
	// Data come back as they were sent: scrubbing is for what errors quote.
	b, err := e.Body(ctx, ctx, "op", time.Second, resp(`{"name":"Basic Ana","echo":"Bearer `+testSecret+`"}`), 1<<10)
	if err != nil || string(b) != `{"name":"Basic Ana","echo":"Bearer `+testSecret+`"}` {
		t.Errorf("%s, %v", b, err)
	}
	_, err = e.Body(ctx, ctx, "op", time.Second, resp(strings.Repeat("x", 2<<20)), 1<<20)
	if te := asTarget(t, err); te.Class != target.Malformed || !strings.Contains(err.Error(), "reply larger than 1 MiB") {
		t.Errorf("%v", err)
	}
}
