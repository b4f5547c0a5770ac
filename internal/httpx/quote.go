package httpx

import (
	"strconv"
	"unicode/utf8"

	"github.com/doorsync/doorsync/internal/redact"
)

// Quote quotes at most max bytes of b for a message, cut at a rune
// boundary and marked "…" when cut. Credentials of any shape (Authorization
// values, Basic and Bearer credentials, user:pass@ in URLs) are removed
// first; the target's own secrets should be too (redact.Scrubber.Bytes of
// the whole reply before the call): a secret cut in two is no longer
// recognised as one. (Errors.Wrap takes every run of a secret from quoted
// text again.)
func Quote(b []byte, max int) string {
	b = redact.Scrubber{}.Bytes(b)
	cut := false
	if len(b) > max {
		b, cut = dropPartialRune(b[:max]), true
	}
	s := strconv.Quote(string(b))
	if cut {
		s += "…"
	}
	return s
}

// dropPartialRune drops a rune the cut left incomplete at the end of b
// (and nothing else: invalid bytes before it are quoted as they are).
func dropPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}
