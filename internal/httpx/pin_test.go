package httpx

import (
	"strings"
	"testing"
)

func TestParseFingerprint(t *testing.T) {
	h := strings.Repeat("ab", 32)
	for _, ok := range []string{"sha256:" + h, "SHA-256:" + h, h, withColons(h), " sha256:" + withColons(h) + " "} {
		if _, err := ParseFingerprint(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"sha1:" + h[:40], "sha256:" + h[:62], "sha256:" + h + "00", "sha256:zz" + h[2:], ""} {
		if _, err := ParseFingerprint(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// withColons writes hex pairs as openssl prints them: "AB:CD:…".
func withColons(hexs string) string {
	var parts []string
	for i := 0; i < len(hexs); i += 2 {
		parts = append(parts, strings.ToUpper(hexs[i:i+2]))
	}
	return strings.Join(parts, ":")
}
