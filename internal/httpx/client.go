package httpx

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

// Transport says how to build a client's transport.
type Transport struct {
	// Base is the caller's transport (a test server's); nil: a clone of
	// http.DefaultTransport.
	Base http.RoundTripper
	// Pin, when set, is the SHA-256 of the one certificate to accept in
	// place of the CA check (ParseFingerprint). It needs Base to be nil or
	// an *http.Transport, which is cloned to carry the pin.
	Pin []byte
	// OneConn keeps at most one idle connection, closed after a minute: a
	// device that answers one request at a time.
	OneConn bool
	// HeaderTimeout bounds the wait for a reply's headers, DialTimeout the
	// connection; 0: the defaults'. A client whose requests are bounded by a
	// context per request needs neither.
	HeaderTimeout, DialTimeout time.Duration
}

// NewClient returns a client with t's transport and redirects refused
// (RefuseRedirect). timeout bounds a whole exchange, body included; 0: only
// the request's context does.
func NewClient(t Transport, timeout time.Duration) (*http.Client, error) {
	rt, err := t.build()
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: rt, Timeout: timeout, CheckRedirect: RefuseRedirect}, nil
}

// Refusing returns a copy of hc that refuses redirects, leaving the
// caller's client as it is; nil: nil.
func Refusing(hc *http.Client) *http.Client {
	if hc == nil {
		return nil
	}
	c := *hc
	c.CheckRedirect = RefuseRedirect
	return &c
}

// build returns the caller's transport untouched when there is nothing to
// set on it, else a clone carrying the settings.
func (t Transport) build() (http.RoundTripper, error) {
	if t.Base != nil && t.Pin == nil {
		return t.Base, nil
	}
	var tr *http.Transport
	switch v := t.Base.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = v.Clone()
	default:
		return nil, fmt.Errorf("tls_fingerprint needs an *http.Transport to pin on, got %T", t.Base)
	}
	if t.OneConn {
		tr.MaxIdleConnsPerHost = 1
		tr.IdleConnTimeout = 60 * time.Second
	}
	if t.HeaderTimeout > 0 {
		tr.ResponseHeaderTimeout = t.HeaderTimeout
	}
	if t.DialTimeout > 0 {
		tr.DialContext = (&net.Dialer{Timeout: t.DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	}
	if t.Pin != nil {
		tr.TLSClientConfig = pinnedTLS(t.Pin)
	}
	return tr, nil
}

// RefuseRedirect is the CheckRedirect of every client that sends
// credentials: a redirect comes back as the 3xx answer, for the client to
// report, instead of being followed with the credentials, perhaps to plain
// http or another host.
func RefuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
