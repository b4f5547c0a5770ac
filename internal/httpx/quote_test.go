package httpx

import (
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/redact"
)

func TestQuote(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"", 10, `""`},
		{"short", 10, `"short"`},
		{"exactly10!", 10, `"exactly10!"`},
		{"cut here please", 8, `"cut here"…`},
		{"\x1b[31mred", 40, `"\x1b[31mred"`},
		{"Žiga", 1, `""…`},               // Ž is two bytes: not cut in two
		{"aŽ", 2, `"a"…`},                // nor after the first rune
		{"\xff" + "abc", 3, `"\xffab"…`}, // bad bytes before the cut are quoted, not dropped
	}
	for _, tt := range tests {
		if got := Quote([]byte(tt.in), tt.max); got != tt.want {
			t.Errorf("Quote(%q, %d) = %s, want %s", tt.in, tt.max, got, tt.want)
		}
	}
}

// The reason Quote wants a scrubbed body: scrubbed whole, a secret that
// straddles the cut goes; cut first, its start would be quoted.
func TestQuoteAfterScrubbingWhole(t *testing.T) {
	const secret = "correct-horse-battery"
	body := []byte(strings.Repeat("x", 30) + "password=" + secret + " rest")
	s := redact.New(secret)
	got := Quote(s.Bytes(body), 45)
	if strings.Contains(got, "correc") {
		t.Errorf("%s keeps the start of the secret", got)
	}
	if cutFirst := s.String(Quote(body, 45)); !strings.Contains(cutFirst, "correc") {
		t.Fatalf("the test no longer shows the danger: %s", cutFirst)
	}
}
