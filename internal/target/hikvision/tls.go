package hikvision

import (
	"crypto/x509"

	"github.com/doorsync/doorsync/internal/httpx"
)

// certHints say what to do about a refused certificate: terminals have
// self-signed ones, so the advice is to pin it (tls_fingerprint) rather
// than to fix a CA.
func certHints() *httpx.CertHints {
	return &httpx.CertHints{
		Unknown: func(cert *x509.Certificate, _ error) string {
			return "the terminal's certificate is self-signed or from an unknown authority: pin it with tls_fingerprint = \"" +
				httpx.Fingerprint(cert.Raw) + "\" after checking it is the terminal's"
		},
		Hostname: " (pin the certificate with tls_fingerprint instead)",
	}
}
