package httpx

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ParseFingerprint reads "sha256:<hex>" (colons, spaces and dashes between
// the hex pairs tolerated, any case; the "sha256:" prefix may be left out).
func ParseFingerprint(s string) ([]byte, error) {
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

// FormatFingerprint writes a fingerprint the way it is configured.
func FormatFingerprint(b []byte) string { return "sha256:" + hex.EncodeToString(b) }

// Fingerprint returns the value to configure as tls_fingerprint for a
// certificate (DER bytes).
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return FormatFingerprint(sum[:])
}

// PinError is a TLS handshake refused because the server's certificate is
// not the pinned one.
type PinError struct {
	Want, Got string
}

func (e *PinError) Error() string {
	return fmt.Sprintf("TLS certificate fingerprint %s does not match the pinned %s (a different device, or its certificate was renewed: check it and update tls_fingerprint)", e.Got, e.Want)
}

// pinnedTLS verifies the leaf certificate by its SHA-256 fingerprint instead
// of by a CA: devices have self-signed certificates, and turning
// verification off would accept anyone. InsecureSkipVerify only bypasses the
// CA check; VerifyConnection always runs.
func pinnedTLS(want []byte) *tls.Config {
	return &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // replaced by the pin check below
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server sent no TLS certificate")
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if !bytes.Equal(sum[:], want) {
				return &PinError{Want: FormatFingerprint(want), Got: FormatFingerprint(sum[:])}
			}
			return nil
		},
	}
}

// CertHints is what a client tells an operator about a refused
// certificate, in its own words.
type CertHints struct {
	// Unknown explains a certificate from an unknown authority (the
	// certificate is there to pin); nil: the error's own text.
	Unknown func(cert *x509.Certificate, err error) string
	// Hostname is added to a host name mismatch.
	Hostname string
}

// CertMessage reports a certificate the client refused (a pin mismatch, an
// unknown authority, a host name that does not match): retrying cannot
// help. ok is false for any other error.
func CertMessage(err error, h CertHints) (msg string, ok bool) {
	var pe *PinError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ce *tls.CertificateVerificationError
	switch {
	case errors.As(err, &pe):
		return pe.Error(), true
	case errors.As(err, &ua):
		if h.Unknown != nil {
			return h.Unknown(ua.Cert, ua), true
		}
		return ua.Error(), true
	case errors.As(err, &he):
		return he.Error() + h.Hostname, true
	case errors.As(err, &ce):
		return ce.Error(), true
	}
	return "", false
}
