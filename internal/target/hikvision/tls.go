package hikvision

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// parseFingerprint reads "sha256:<hex>" (colons and spaces between the hex
// pairs tolerated, any case; the "sha256:" prefix may be left out).
func parseFingerprint(s string) ([]byte, error) {
	v := strings.TrimSpace(s)
	if alg, rest, ok := strings.Cut(v, ":"); ok && len(alg) > 2 && !isHex(alg) {
		if !strings.EqualFold(alg, "sha256") && !strings.EqualFold(alg, "sha-256") {
			return nil, fmt.Errorf("tls_fingerprint: algorithm %q not supported (want sha256:<hex>)", alg)
		}
		v = rest
	}
	v = strings.NewReplacer(":", "", " ", "", "-", "").Replace(v)
	b, err := hex.DecodeString(v)
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("tls_fingerprint: want sha256: and %d hex digits, got %d characters", 2*sha256.Size, len(v))
	}
	return b, nil
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// formatFingerprint writes a fingerprint the way it is configured.
func formatFingerprint(b []byte) string {
	return "sha256:" + hex.EncodeToString(b)
}

// Fingerprint returns the value to configure as tls_fingerprint for a
// certificate (DER bytes).
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return formatFingerprint(sum[:])
}

// PinError is a TLS handshake refused because the terminal's certificate is
// not the pinned one.
type PinError struct {
	Want, Got string
}

func (e *PinError) Error() string {
	return fmt.Sprintf("TLS certificate fingerprint %s does not match the pinned %s (a different device, or its certificate was renewed: check it and update tls_fingerprint)", e.Got, e.Want)
}

// pinnedTLS verifies the leaf certificate by its SHA-256 fingerprint instead
// of by a CA: terminals have self-signed certificates, and turning
// verification off would accept anyone. InsecureSkipVerify only bypasses the
// CA check; VerifyConnection always runs.
func pinnedTLS(want []byte) *tls.Config {
	return &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // replaced by the pin check below
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("terminal sent no TLS certificate")
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if !bytes.Equal(sum[:], want) {
				return &PinError{Want: formatFingerprint(want), Got: formatFingerprint(sum[:])}
			}
			return nil
		},
	}
}

// newTransport builds the client's transport: the caller's, or a fresh
// clone of the default one, with the pin applied when configured.
func newTransport(rt http.RoundTripper, pin []byte) (http.RoundTripper, error) {
	if pin == nil {
		if rt != nil {
			return rt, nil
		}
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 1 // one request in flight per terminal
		t.IdleConnTimeout = 60 * time.Second
		return t, nil
	}
	var t *http.Transport
	switch v := rt.(type) {
	case nil:
		t = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		t = v.Clone()
	default:
		return nil, fmt.Errorf("tls_fingerprint needs an *http.Transport to pin on, got %T", rt)
	}
	t.MaxIdleConnsPerHost = 1
	t.IdleConnTimeout = 60 * time.Second
	t.TLSClientConfig = pinnedTLS(pin)
	return t, nil
}

// isCertError reports a TLS certificate the client refused (pin mismatch or
// an unknown CA): retrying cannot help.
func isCertError(err error) (string, bool) {
	var pe *PinError
	if errors.As(err, &pe) {
		return pe.Error(), true
	}
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		return "the terminal's certificate is self-signed or from an unknown authority: pin it with tls_fingerprint = \"" + Fingerprint(ua.Cert.Raw) + "\" after checking it is the terminal's", true
	}
	var he x509.HostnameError
	if errors.As(err, &he) {
		return he.Error() + " (pin the certificate with tls_fingerprint instead)", true
	}
	var ce *tls.CertificateVerificationError
	if errors.As(err, &ce) {
		return ce.Error(), true
	}
	return "", false
}
