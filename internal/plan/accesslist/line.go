package accesslist

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxZone is the largest zone: a decimal number of at most 5 digits.
const MaxZone = 99999

// StudentZone is the special zone that marks a card holder as a student of
// the access user (seed 003, 2.1: "přístupové zóny se specifickým označením
// O (NULA)", the zone numbered zero).
const StudentZone = 0

// Line is one row of the access list.
type Line struct {
	Card string // 8 or 14 upper-case hex digits
	Zone int    // 0..MaxZone
	// MemberID is the optional third column (for the access user's own use;
	// NTK ignores it): the Cardskipper member number, or "".
	MemberID string
}

// String writes the line as it is sent, without the line end.
func (l Line) String() string { return string(l.append(nil)) }

func (l Line) append(b []byte) []byte {
	b = append(b, l.Card...)
	b = append(b, ';')
	b = strconv.AppendInt(b, int64(l.Zone), 10)
	if l.MemberID != "" {
		b = append(b, ';')
		b = append(b, l.MemberID...)
	}
	return b
}

// ValidateLine checks one line (without its line end) exactly by the
// specification: ASCII; at least two columns separated by ';'; column 1 a
// card chip number of 8 or 14 hex digits; column 2 a decimal zone of at most
// 5 digits. Further columns may hold anything printable.
func ValidateLine(s string) error {
	_, _, _, err := scanLine(s)
	return err
}

// ParseLine validates a line like ValidateLine and returns its columns, the
// card upper-cased. A third column becomes MemberID; further columns are
// ignored, as NTK ignores them.
//
// Nothing is trimmed or converted: a line NTK might read differently from us
// ("44491AD2 ;55") is an error, not a guess.
func ParseLine(s string) (Line, error) {
	cardEnd, zoneEnd, zone, err := scanLine(s)
	if err != nil {
		return Line{}, err
	}
	var id string
	if zoneEnd < len(s) {
		id, _, _ = strings.Cut(s[zoneEnd+1:], ";")
	}
	return Line{Card: upperHex(s[:cardEnd]), Zone: zone, MemberID: id}, nil
}

// checkLine is ValidateLine for bytes, without allocating.
func checkLine(b []byte) error {
	_, _, _, err := scanLine(b)
	return err
}

type text interface{ ~string | ~[]byte }

// scanLine is the one implementation of the line rules. It returns where
// the card and zone columns end and the zone's value.
func scanLine[T text](s T) (cardEnd, zoneEnd, zone int, err error) {
	if len(s) == 0 {
		return 0, 0, 0, errors.New("empty line")
	}
	cardEnd, zoneEnd = -1, len(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 || c > 0x7e) && c != '\t' {
			return 0, 0, 0, fmt.Errorf("byte %d is %s: the list must be printable ASCII", i+1, describeByte(c))
		}
		if c == ';' {
			switch {
			case cardEnd < 0:
				cardEnd = i
			case zoneEnd == len(s):
				zoneEnd = i
			}
		}
	}
	if cardEnd < 0 {
		return 0, 0, 0, fmt.Errorf("%q has no ';': want at least two columns, card;zone", clip(string(s)))
	}
	if err := checkCard(s[:cardEnd]); err != nil {
		return 0, 0, 0, err
	}
	zone, err = parseZone(s[cardEnd+1 : zoneEnd])
	if err != nil {
		return 0, 0, 0, err
	}
	return cardEnd, zoneEnd, zone, nil
}

// checkCard: exactly 8 or 14 hex digits, either case.
func checkCard[T text](c T) error {
	if len(c) != ClassicDigits && len(c) != DESFireDigits {
		return fmt.Errorf("card %q: %d characters, want %d or %d hex digits", clip(string(c)), len(c), ClassicDigits, DESFireDigits)
	}
	for i := 0; i < len(c); i++ {
		if hexVal(c[i]) < 0 {
			return fmt.Errorf("card %q: %q is not a hex digit", string(c), c[i])
		}
	}
	return nil
}

// parseZone: 1 to 5 decimal digits (leading zeros are digits too: "00055"
// is a 5-digit decimal number; "000055" is not).
func parseZone[T text](z T) (int, error) {
	if len(z) == 0 {
		return 0, errors.New("zone is empty: want a decimal number of at most 5 digits")
	}
	if len(z) > 5 {
		return 0, fmt.Errorf("zone %q: %d characters, want a decimal number of at most 5 digits", clip(string(z)), len(z))
	}
	n := 0
	for i := 0; i < len(z); i++ {
		c := z[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("zone %q: want a decimal number of at most 5 digits (0-%d)", string(z), MaxZone)
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

// upperHex upper-cases hex letters without allocating when there are none.
func upperHex(c string) string {
	for i := 0; i < len(c); i++ {
		if c[i] >= 'a' && c[i] <= 'f' {
			return strings.ToUpper(c)
		}
	}
	return c
}

func describeByte(c byte) string {
	switch {
	case c == '\r':
		return "a carriage return inside the line"
	case c > 0x7e:
		return fmt.Sprintf("0x%02X (not ASCII)", c)
	}
	return fmt.Sprintf("control character 0x%02X", c)
}

// clip shortens text quoted in a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
