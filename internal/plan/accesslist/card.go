package accesslist

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Card lengths NTK accepts (seed 003, table 1): Mifare Classic chips have a
// 4-byte UID written as 8 hex digits, DESFire chips a 7-byte one (14 digits).
const (
	ClassicDigits = 8
	DESFireDigits = 14
)

// maxCardInput bounds what NormalizeCard looks at: a card field longer than
// this is not a card number, and quoting it whole would flood a report.
const maxCardInput = 64

// NormalizeCard turns a card number as typed into a member field into the
// form the list carries. The conversions are deliberately few and explicit:
//
//   - white space (also non-breaking), ':' and '-' are removed anywhere: chip
//     numbers are often printed in groups ("44 49 1A D2", "44:49:1A:D2");
//   - a leading "0x" is removed;
//   - hex letters are upper-cased.
//
// The result must be 8 (Mifare Classic) or 14 (DESFire) hex digits. A value
// of another length that is all decimal digits is most likely the chip number
// printed in decimal: it is rejected with that hint rather than converted,
// because decimal renderings differ between readers (byte order, width) and a
// wrong guess would grant a stranger's card access. For the same reason byte
// order is never reversed. An empty field gives "" and no error.
func NormalizeCard(raw string) (string, error) {
	if canonicalCard(raw) {
		return raw, nil // the usual case, without allocating
	}
	if len(raw) > maxCardInput {
		return "", fmt.Errorf("card number %.20q…: %d characters, too long for a card number", raw, len(raw))
	}
	if !utf8.ValidString(raw) {
		return "", fmt.Errorf("card number %q: not valid text", raw)
	}
	var b strings.Builder
	b.Grow(len(raw))
	for _, r := range raw {
		switch {
		case unicode.IsSpace(r), r == ':', r == '-', r == '\u200b', r == '\ufeff':
		case r > unicode.MaxASCII:
			return "", fmt.Errorf("card number %q: contains %q; want hex digits 0-9 A-F", raw, r)
		default:
			b.WriteByte(byte(r))
		}
	}
	s := b.String()
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	if s == "" {
		if strings.TrimFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' }) == "" {
			return "", nil
		}
		return "", fmt.Errorf("card number %q: no digits", raw)
	}
	for i := 0; i < len(s); i++ {
		if hexVal(s[i]) < 0 {
			return "", fmt.Errorf("card number %q: %q is not a hex digit (want 0-9 A-F; one card number per member)", raw, s[i])
		}
	}
	if len(s) != ClassicDigits && len(s) != DESFireDigits {
		hint := ""
		if allDecimal(s) {
			hint = "; it looks like a decimal number: NTK needs the chip number in hex, enter it as the reader shows it in hex"
		}
		return "", fmt.Errorf("card number %q: %d hex digits, NTK needs %d (Mifare Classic) or %d (DESFire)%s",
			raw, len(s), ClassicDigits, DESFireDigits, hint)
	}
	return strings.ToUpper(s), nil
}

// canonicalCard reports a value already in list form: 8 or 14 of 0-9 A-F.
func canonicalCard(s string) bool {
	if len(s) != ClassicDigits && len(s) != DESFireDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func allDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
