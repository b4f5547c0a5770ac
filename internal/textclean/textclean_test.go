package textclean

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The names the attacker used, and names that must stay as they are.
func TestClean(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Žiga Čeh", "Žiga Čeh"},
		{"Жига Чех", "Жига Чех"},
		{"Ana\x1b[31mNovak", "Ana[31mNovak"},
		{"\x1b]8;;https://evil.example/\x1b\\Ana\x1b]8;;\x1b\\", "]8;;https://evil.example/\\Ana]8;;\\"},
		{"\x1b]52;c;ZWNobyBoaQ==\x07Ana", "]52;c;ZWNobyBoaQ==Ana"}, // OSC 52: clipboard write
		{"Ana\u009b31mNovak", "Ana31mNovak"},                       // C1 CSI
		{"Ana\u0085Novak", "AnaNovak"},                             // C1 NEL
		{"\u202Ekavon anA", "kavon anA"},                           // right-to-left override
		{"Ana\u2066Novak\u2069", "AnaNovak"},                       // isolates
		{"A\u200bna\u200d\ufeff", "Ana"},                           // zero-width
		{"Ana\tNovak\r\nKos", "Ana Novak  Kos"},
		{"bell\x07", "bell"},
		{"del\x7f", "del"},
		{"bad\xffbyte", "bad\uFFFDbyte"},
		{"", ""},
	} {
		got := Clean(tt.in)
		if got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if Has(got) {
			t.Errorf("Clean(%q) = %q still has what Clean removes", tt.in, got)
		}
		if Has(tt.in) != (tt.in != tt.want) {
			t.Errorf("Has(%q) = %v", tt.in, Has(tt.in))
		}
	}
}

func TestTextKeepsLines(t *testing.T) {
	if got := Text("he said \"stop\",\n\tthen\x1b[2J left\u202E\r\n"); got != "he said \"stop\",\n\tthen[2J left\r\n" {
		t.Errorf("Text = %q", got)
	}
}

func TestCleanDoesNotAllocateForCleanText(t *testing.T) {
	s := "Žiga Čeh, ana.novak@example.si"
	if n := testing.AllocsPerRun(100, func() { _ = Clean(s) }); n != 0 {
		t.Errorf("Clean of clean text allocates %v times", n)
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"Žiga Čeh", "\x1b]8;;x\x1b\\", "\u009b", "\u202E", "a\tb", "\xff", "\x1b]52;c;YQ==\x07"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		if Has(c) || !utf8.ValidString(c) {
			t.Fatalf("Clean(%q) = %q", s, c)
		}
		if Clean(c) != c {
			t.Fatalf("not idempotent: %q → %q → %q", s, c, Clean(c))
		}
		if strings.ContainsRune(c, 0x1b) {
			t.Fatalf("ESC survived: %q", c)
		}
	})
}
