package tui

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/textclean"
)

// fit makes s exactly w cells wide: truncated with an ellipsis, padded with
// spaces. Widths are display cells, not bytes, so "Žiga" and "Дмитрий" line
// up with ASCII names.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s, n, plain := cleaned(s)
	if n > w {
		if plain {
			s, n = s[:w-1]+"…", w
		} else {
			s = ansi.Truncate(s, w, "…")
			n = ansi.StringWidth(s)
		}
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// cleaned is s as the console may print it, its width in cells, and
// whether s is plain printable ASCII (one cell a byte): most cells of the
// table are (dates, e-mails, numbers), and measuring graphemes for them was
// half of a keypress's time. Text that is not plain is taken as
// textclean.Frame leaves it (the console's own colours, nothing else that
// steers the terminal) and measured so: the helpers below cut and pad that,
// so that an escape sequence in a name can neither reach the terminal nor
// widen a line once Render drops it.
func cleaned(s string) (string, int, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			s = textclean.Frame(s)
			return s, ansi.StringWidth(s), false
		}
	}
	return s, len(s), true
}

// width is s's width in cells as cleaned leaves it, and whether s is plain.
func width(s string) (int, bool) {
	_, n, plain := cleaned(s)
	return n, plain
}

// fitRight is fit aligned to the right (numbers).
func fitRight(s string, w int) string {
	s, n, _ := cleaned(s)
	if n >= w {
		return fit(s, w)
	}
	return strings.Repeat(" ", w-n) + s
}

// pad fills s with spaces to w cells, never cutting it (dates).
func pad(s string, w int) string {
	s, n, _ := cleaned(s)
	if n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// clip truncates each line of s to w cells (no padding).
func clip(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(textclean.Frame(s), w, "…")
}

// newInput is a text input with a steady cursor (a blinking one redraws the
// screen twice a second for nothing, which costs over a slow SSH link) in
// styles that read on any background (inputStyles).
func newInput(prompt string) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.SetStyles(inputStyles())
	return in
}

// dialogWidth is the text width of a boxed dialog on a screen w cells
// wide: inside its border and padding (4 cells), never wider than the
// screen, at most 76 cells (it reads as a dialog at 160 columns).
func dialogWidth(w int) int { return max(1, min(w-4, 76)) }

// sizeInput gives a text input the width it is drawn in, w cells with its
// prompt: at width 0 bubbles' input draws only the first letter of its
// placeholder ("/e", "iVMS export: p") and never scrolls a long value.
// Every screen with an input calls it on each resize.
func sizeInput(in *textinput.Model, w int) {
	in.SetWidth(max(1, w-ansi.StringWidth(in.Prompt)-1)) // 1: the cursor after the text
}
