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
		{"Ana\x1b[31mNovak", "AnaNovak"},
		{"\x1b]8;;https://evil.example/\x1b\\Ana\x1b]8;;\x1b\\", "Ana"}, // OSC 8: a hyperlink, whole
		{"\x1b]52;c;ZWNobyBoaQ==\x07Ana", "Ana"},                        // OSC 52: clipboard write
		{"Ana\u009b31mNovak", "AnaNovak"},                               // C1 CSI
		{"Ana\u0085Novak", "AnaNovak"},                                  // C1 NEL
		{"\u202Ekavon anA", "kavon anA"},                                // right-to-left override
		{"Ana\u2066Novak\u2069", "AnaNovak"},                            // isolates
		{"A\u200bna\u200d\ufeff", "Ana"},                                // zero-width
		{"Ana\tNovak\r\nKos", "Ana Novak  Kos"},
		{"bell\x07", "bell"},
		{"del\x7f", "del"},
		{"bad\xffbyte", "bad\uFFFDbyte"},
		{"", ""},
		// Invisible characters (issue 11 re-review): tag characters hide
		// text, the rest change nothing a reader sees.
		{"Ana\U000E0041\U000E0042", "Ana"},
		{"A\u2062na\u00ad\u034f\u180e", "Ana"},
		{"❤\ufe0f Ana\U000E0100", "❤ Ana"},
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
	if got := Text("he said \"stop\",\n\tthen\x1b[2J left\u202E\r\n"); got != "he said \"stop\",\n\tthen left\r\n" {
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

// Frame keeps the console's own colours and line breaks and drops every
// other sequence and character Clean removes.
func TestFrame(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"\x1b[1mAna\x1b[0m Novak\n\x1b[38;2;1;2;3mrow\x1b[m", "\x1b[1mAna\x1b[0m Novak\n\x1b[38;2;1;2;3mrow\x1b[m"},
		{"\x1b[4:3mcurly\x1b[m", "\x1b[4:3mcurly\x1b[m"},
		{"\x1b]8;;https://evil.example/\x1b\\Ana\x1b]8;;\x1b\\", "]8;;https://evil.example/\\Ana]8;;\\"},
		{"\x1b]52;c;ZWNobyBoaQ==\x07Ana", "]52;c;ZWNobyBoaQ==Ana"},
		{"\x1b[2J\x1b[HAna", "[2J[HAna"}, // clear screen, cursor home: not SGR
		{"Ana\u009b31mNovak\u202E\u200b", "Ana31mNovak"},
		{"a\tb\r\nc", "a b \nc"},
		{"\x1b[", "["},
		{"bad\xffbyte", "bad\uFFFDbyte"},
	} {
		if got := Frame(tt.in); got != tt.want {
			t.Errorf("Frame(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	s := "\x1b[1mŽiga Čeh\x1b[0m │ 2026-01-01\n"
	if n := testing.AllocsPerRun(100, func() { _ = Frame(s) }); n != 0 {
		t.Errorf("Frame of a clean frame allocates %v times", n)
	}
}

func FuzzFrame(f *testing.F) {
	for _, s := range []string{"\x1b[1mA\x1b[0m", "\x1b]8;;x\x1b\\", "\u009b", "\u202E", "a\tb\n", "\xff", "\x1b[", "\x1b[38;5;1m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Frame(s)
		if Frame(c) != c {
			t.Fatalf("not idempotent: %q → %q → %q", s, c, Frame(c))
		}
		// What is left is text, line breaks and SGR sequences only.
		rest := c
		for i := strings.IndexByte(rest, 0x1b); i >= 0; i = strings.IndexByte(rest, 0x1b) {
			n := sgrLen(rest[i:])
			if n == 0 {
				t.Fatalf("an ESC that starts no SGR survived: %q → %q", s, c)
			}
			rest = rest[:i] + rest[i+n:]
		}
		if Has(strings.ReplaceAll(rest, "\n", " ")) {
			t.Fatalf("Frame(%q) = %q keeps what Clean removes", s, c)
		}
	})
}

func TestMark(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"1001", "1001"},
		{"1001\u009b31m\u202e", "1001\uFFFD31m\uFFFD"},
		{"8\x1b]8;;x\x07", "8\uFFFD]8;;x\uFFFD"},
		{"a\tb", "a\uFFFDb"},
		{"bad\xff", "bad\uFFFD"},
	} {
		if got := Mark(tt.in); got != tt.want {
			t.Errorf("Mark(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if Has(Mark(tt.in)) {
			t.Errorf("Mark(%q) still has what Clean removes", tt.in)
		}
	}
}

// A whole escape sequence goes, not only its ESC: the review of issue 13
// found "]8;;https://evil.example/\\EVIL]8;;\\[2J" left in a name. A
// string sequence that is never ended loses only its introducer, so the
// text after it is still read; combining marks stack at most two high.
func TestCleanRemovesWholeSequences(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Ana \x1b]8;;https://evil.example/\x1b\\EVIL\x1b]8;;\x1b\\\x1b[2J Kos", "Ana EVIL Kos"},
		{"Ana\x1b]0;title\x07 Kos", "Ana Kos"},
		{"Ana\x1b[31;1mKos\x1b[0m", "AnaKos"},
		{"Ana\u009b2JKos", "AnaKos"},
		{"Ana\u009d52;c;ZWNobw==\u009c Kos", "Ana Kos"},
		{"Ana\x1bcKos", "AnaKos"},
		{"Ana\x1b]never ended Kos", "Ana]never ended Kos"},
		{"Ana\x1b", "Ana"},
		{"Z\u0301\u0301\u0301\u0301algo", "Z\u0301\u0301algo"},
		{"Nguye\u0302\u0303n", "Nguye\u0302\u0303n"},
	} {
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if Has(tt.in) != (tt.in != tt.want) {
			t.Errorf("Has(%q) = %v", tt.in, Has(tt.in))
		}
	}
}
