package notify

import (
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/textclean"
)

// Errors quote servers' replies and identity lines quote names: neither may
// carry a control character, an escape sequence or a bidi override into a
// mail's subject or body, or a CR LF into a header.
func TestHostileTextStaysOutOfMail(t *testing.T) {
	hostile := "Ana\x1b]8;;https://evil/\x1b\\\u009b31m\u202EKos\r\nBcc: victim@example.si\a"
	e := Event{RunID: 7, Outcome: OutcomeHeld, Mode: "auto", Host: "box\x1b[2J",
		Counts: map[string]int{"held" + hostile: 1}, Errors: []string{"entrance: " + hostile},
		GuardReason: hostile, Identity: []string{"entrance account 3001 <a@b.si>: name differs: " + hostile}}
	for what, text := range map[string]string{"headline": Headline(e), "body": Body(e)} {
		for _, line := range strings.Split(text, "\n") {
			if textclean.Has(line) {
				t.Errorf("%s line %q carries a control or format character", what, line)
			}
			if strings.HasPrefix(line, "Bcc:") {
				t.Errorf("%s: a header was injected: %q", what, line)
			}
		}
	}
	if h := Headline(e); strings.ContainsAny(h, "\r\n") {
		t.Errorf("headline %q spans lines", h)
	}
}
