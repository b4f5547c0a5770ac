package accesslist

import (
	"strings"
	"testing"
)

func TestNormalizeCard(t *testing.T) {
	cases := []struct {
		name, in, want, err string
	}{
		{"classic", "44491AD2", "44491AD2", ""},
		{"desfire", "04A1B2C3D4E5F6", "04A1B2C3D4E5F6", ""},
		{"lower case upper-cased", "44491ad2", "44491AD2", ""},
		{"surrounding space", "  44491AD2\t", "44491AD2", ""},
		{"grouped with spaces", "44 49 1A D2", "44491AD2", ""},
		{"non-breaking spaces", "44\u00a049\u00a01A\u00a0D2", "44491AD2", ""},
		{"colons", "04:a1:b2:c3:d4:e5:f6", "04A1B2C3D4E5F6", ""},
		{"hyphens", "4449-1AD2", "44491AD2", ""},
		{"0x prefix", "0x44491ad2", "44491AD2", ""},
		{"eight decimal digits are hex as written", "12345678", "12345678", ""},
		{"empty", "", "", ""},
		{"only spaces", "   ", "", ""},
		{"7 digits", "44491AD", "", "7 hex digits, NTK needs 8 (Mifare Classic) or 14 (DESFire)"},
		{"9 digits", "44491AD20", "", "9 hex digits"},
		{"15 digits", "04A1B2C3D4E5F60", "", "15 hex digits"},
		{"decimal rendering rejected with a hint", "2856963140", "", "looks like a decimal number"},
		{"non-hex letter", "44491AG2", "", `'G' is not a hex digit`},
		{"two cards", "44491AD2,44491AD3", "", "one card number per member"},
		{"non-ASCII", "44491AD²", "", "contains '²'"},
		{"cyrillic lookalike", "44491АD2", "", "contains 'А'"},
		{"invalid UTF-8", "44491A\xffD2", "", "not valid text"},
		{"separators only", "::--", "", "no digits"},
		{"too long", strings.Repeat("A", 100), "", "too long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := NormalizeCard(c.in)
			if c.err == "" {
				if err != nil || got != c.want {
					t.Fatalf("NormalizeCard(%q) = %q, %v; want %q", c.in, got, err, c.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("NormalizeCard(%q) = %q, %v; want error containing %q", c.in, got, err, c.err)
			}
			if got != "" {
				t.Errorf("a rejected card returned %q", got)
			}
		})
	}
}
