package cli

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A row's last column (a reason, a note) is cut too: a reason that quotes a
// 20,000-character name printed a line of 20,000 (issue 11 review).
func TestLastCellIsBounded(t *testing.T) {
	long := "name differs: " + strings.Repeat("Dolgoime", 2500)
	got := lastCell(long)
	if n := utf8.RuneCountInString(got); n != maxLastCell || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "name differs: Dolgoime") {
		t.Errorf("lastCell of %d characters = %d characters %.40q…", len(long), n, got)
	}
	if got := lastCell("short\treason\x1b]8;;x\x07"); got != "short reason" {
		t.Errorf("lastCell = %q", got)
	}
	if got := cell(""); got != "-" {
		t.Errorf("cell of nothing = %q", got)
	}
}
