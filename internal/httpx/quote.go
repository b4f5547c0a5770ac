package httpx

import (
	"strconv"
	"unicode/utf8"
)

// Quote quotes at most max bytes of b for a message, cut at a rune
// boundary and marked "…" when cut. b must be scrubbed already, whole
// (redact.Scrubber.Bytes): a secret cut in two is no longer recognised as
// one, so a quote of an unscrubbed reply could keep the start of it.
func Quote(b []byte, max int) string {
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
