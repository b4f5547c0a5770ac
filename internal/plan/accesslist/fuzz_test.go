package accesslist

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzValidateLine: the line validator never panics, and what it accepts
// is a line NTK reads the same way: written back, it parses to itself.
func FuzzValidateLine(f *testing.F) {
	for _, s := range []string{
		"44491AD2;55", "04a1b2c3d4e5f6;0;150002", "44491AD2;55;1;x;y", "44491AD2;", ";55", "44491AD2",
		"44491AD2;100000", "44491AD2;-1", "44491AD2;00055", "44491AD2;55\r", "\ufeff44491AD2;55", "44491AD2;55;Ž",
		"44491AD;55", "04A1B2C3D4E5F60;55", "", ";;", "44491AD2;5;\t",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLine(s)
		if (err == nil) != (ValidateLine(s) == nil) {
			t.Fatalf("ParseLine and ValidateLine disagree on %q", s)
		}
		if err != nil {
			if l != (Line{}) {
				t.Fatalf("rejected %q but returned %+v", s, l)
			}
			return
		}
		if len(l.Card) != ClassicDigits && len(l.Card) != DESFireDigits || l.Card != strings.ToUpper(l.Card) || l.Zone < 0 || l.Zone > MaxZone {
			t.Fatalf("accepted %q as %+v", s, l)
		}
		back, err := ParseLine(l.String())
		if err != nil || back != l {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, l, l.String(), back, err)
		}
	})
}

// FuzzNormalizeCard: any card field gives a valid card, nothing, or an
// error; never a value NTK would reject, and normalising twice changes
// nothing.
func FuzzNormalizeCard(f *testing.F) {
	for _, s := range []string{"44491AD2", "44 49 1a d2", "0x04:A1:B2:C3:D4:E5:F6", "2856963140", "", " ", "0x", "44491AG2", "44491АD2", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		card, err := NormalizeCard(raw)
		if err != nil || card == "" {
			if card != "" {
				t.Fatalf("%q: error %v with card %q", raw, err, card)
			}
			return
		}
		if err := ValidateLine(card + ";1"); err != nil {
			t.Fatalf("%q → %q, which NTK rejects: %v", raw, card, err)
		}
		if again, err := NormalizeCard(card); err != nil || again != card {
			t.Fatalf("%q → %q → %q, %v", raw, card, again, err)
		}
	})
}

// FuzzParseList: the stored-list decoder never panics; a list it accepts
// round-trips through Bytes and is ASCII.
func FuzzParseList(f *testing.F) {
	for _, s := range []string{"", "44491AD2;55;1\n", "44491AD2;55\r\n44491ad2;0\n", "44491AD2;55\n\n", "x\n", "44491AD2;55;1\n44491AD2;55;2\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseList(data)
		if err != nil {
			if l.Len() != 0 {
				t.Fatal("a partial list returned with an error")
			}
			return
		}
		b := l.Bytes()
		for _, c := range b {
			if c > 0x7e {
				t.Fatalf("non-ASCII output %q", b)
			}
		}
		back, err := ParseList(b)
		if err != nil || !bytes.Equal(back.Bytes(), b) || back.Hash() != l.Hash() {
			t.Fatalf("%q does not round-trip: %q, %v", data, back.Bytes(), err)
		}
	})
}
