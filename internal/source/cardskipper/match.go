package cardskipper

import (
	"bytes"
	"strconv"
	"time"

	"github.com/doorsync/doorsync/internal/member"
)

// is matches an element or attribute name: exactly as documented, or in any
// case (lenient about CardSkipper's own inconsistencies such as EMail/Email),
// with strings.EqualFold's rules. want must be ASCII.
func is(name []byte, want string) bool {
	if string(name) == want {
		return true
	}
	if len(name) == len(want) {
		// A name of want's length with a byte beyond ASCII has fewer
		// characters than want, so only ASCII can match.
		for i := 0; i < len(name); i++ {
			a, b := name[i], want[i]
			if a >= 0x80 {
				return false
			}
			if a != b && lowerASCII(a) != lowerASCII(b) {
				return false
			}
		}
		return true
	}
	// Of a different length, only a name with characters beyond ASCII can
	// match: the Kelvin sign folds to k, the long s to s.
	for _, c := range name {
		if c >= 0x80 {
			return bytes.EqualFold(name, []byte(want))
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// canon returns the entry of known that name matches (see is), or "". An
// exact match wins over a match in another case.
func canon(name []byte, known ...string) string {
	for _, k := range known {
		if string(name) == k {
			return k
		}
	}
	for _, k := range known {
		if is(name, k) {
			return k
		}
	}
	return ""
}

// parseBool reads .NET booleans: true/True/1 and false/False/0; "" is false.
// (strings.ToLower maps no character beyond ASCII to a letter of "true" or
// "false", so comparing ASCII without case is the same as lower-casing.)
func parseBool(b []byte) (v, ok bool) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0, string(b) == "0", equalASCIIFold(b, "false"):
		return false, true
	case string(b) == "1", equalASCIIFold(b, "true"):
		return true, true
	}
	return false, false
}

// equalASCIIFold compares b with the lower-case ASCII word want, ignoring
// the case of ASCII letters.
func equalASCIIFold(b []byte, want string) bool {
	if len(b) != len(want) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lowerASCII(b[i]) != want[i] {
			return false
		}
	}
	return true
}

// atoi is strconv.Atoi for bytes, without a string to allocate on the
// short numbers ids are.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) >= 19 {
		// Empty, or long enough for strconv's checks of the range.
		n, err := strconv.Atoi(string(b))
		return n, err == nil
	}
	s, neg := b, false
	if s[0] == '-' || s[0] == '+' {
		neg, s = s[0] == '-', s[1:]
		if len(s) == 0 {
			return 0, false
		}
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// fastDate reads the forms nearly every export date has, "2006-01-02" and
// "2006-01-02T15:04:05" without an offset, without allocating (time.Parse
// through member.ParseDate's list of layouts allocates an error per miss).
// It only accepts: whatever it is unsure of (other forms, impossible dates,
// years out of range) goes to member.ParseDate, which has the final word
// and the error messages. Both read a value without an offset as the
// calendar date it names.
func fastDate[T string | []byte](v T) (member.Date, bool) {
	switch {
	case len(v) == 10:
	case len(v) == 19 && v[10] == 'T' && v[13] == ':' && v[16] == ':':
		h, ok1 := digits(v[11:13])
		mi, ok2 := digits(v[14:16])
		se, ok3 := digits(v[17:19])
		if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || se > 59 {
			return member.Date{}, false
		}
	default:
		return member.Date{}, false
	}
	if v[4] != '-' || v[7] != '-' {
		return member.Date{}, false
	}
	y, ok1 := digits(v[0:4])
	m, ok2 := digits(v[5:7])
	d, ok3 := digits(v[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 {
		return member.Date{}, false
	}
	if d > 28 {
		// Let time.Date say whether the day exists in that month.
		if t := time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC); t.Day() != d {
			return member.Date{}, false
		}
	}
	return member.Date{Year: y, Month: time.Month(m), Day: d}, true
}

// digits parses a short run of ASCII digits.
func digits[T string | []byte](s T) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
