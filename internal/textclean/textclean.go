// Package textclean keeps text that comes from outside (member names from
// Cardskipper, names typed into iVMS-4200 or NEYROSS, a device's messages)
// from steering the admin's terminal or hiding what it says: Clean removes
// C0 and C1 control characters (ESC and CSI included, so no escape sequence
// survives: no OSC 8 hyperlink, no OSC 52 clipboard write, no colour),
// DEL, bidirectional embeddings, overrides, isolates and marks, and
// invisible characters (zero-width format characters, tag characters,
// variation selectors, the soft hyphen). Line breaks and tabs become spaces, and
// bytes that are not UTF-8 U+FFFD. The decoders call it where such text
// enters; every output can then print it.
//
// The variants: Text keeps line breaks and tabs (a report's reason); Mark
// turns each removed character into U+FFFD, for identifiers (member ids,
// employee numbers) that must stay apart and show that something was
// there; Has reports whether Clean would change a text; Frame cleans a
// whole screen the console drew, keeping its lines and its own SGR colours
// (the console's last line of defence). Clean text, almost all text, is
// returned as it is, without allocating (TestCleanDoesNotAllocateForCleanText;
// FuzzClean, FuzzFrame).
package textclean

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean returns s without the characters above, on one line. Text that has
// none of them, almost all text, is returned as it is, without allocating.
func Clean(s string) string { return clean(s, false) }

// Text is Clean for text that may run over several lines (a report's
// reason, read in a format that escapes line breaks): tabs and line breaks
// are kept.
func Text(s string) string { return clean(s, true) }

func clean(s string, lines bool) string {
	if !has(s, lines) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	marks := 0 // combining marks in a row
	for i := 0; i < len(s); {
		if n := escapeLen(s[i:]); n > 0 {
			// A whole escape sequence goes, not only its ESC: its body
			// ("]8;;https://…", "[2J") is not the name either.
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if isMark(r) {
			if marks++; marks > maxMarks {
				continue
			}
		} else {
			marks = 0
		}
		switch {
		case isBreak(r) && lines:
			b.WriteRune(r)
		case isBreak(r):
			b.WriteByte(' ')
		case unwanted(r):
			// dropped (an invalid byte becomes U+FFFD: visible, harmless)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// maxMarks is how many combining marks in a row a character keeps: two
// serve every language doorsync meets (Vietnamese stacks two); more pile
// up over the lines above and below ("Zalgo" text).
const maxMarks = 2

// isMark reports a combining mark (general category Mn, Me).
func isMark(r rune) bool {
	return r >= 0x300 && (unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r))
}

// escapeLen is the length of the terminal escape sequence s starts with
// — CSI (ESC [ or its C1 form), OSC, DCS, SOS, PM and APC strings up to
// their terminator, or ESC and one character — or 0 when s does not start
// one, or a string one is not terminated (then only its introducer goes,
// and the text after it stays to be read).
func escapeLen(s string) int {
	if s == "" {
		return 0
	}
	body, csi, str := 0, false, false
	switch {
	case s[0] == 0x1b && len(s) > 1:
		switch s[1] {
		case '[':
			body, csi = 2, true
		case ']', 'P', 'X', '^', '_':
			body, str = 2, true
		default:
			if s[1] >= 0x20 && s[1] < 0x7f {
				return 2 // ESC c, ESC 7, ESC ( B…: a two-character sequence
			}
			return 0
		}
	case strings.HasPrefix(s, "\u009b"):
		body, csi = 2, true
	case strings.HasPrefix(s, "\u009d"), strings.HasPrefix(s, "\u0090"), strings.HasPrefix(s, "\u0098"),
		strings.HasPrefix(s, "\u009e"), strings.HasPrefix(s, "\u009f"):
		body, str = 2, true
	default:
		return 0
	}
	for i := body; i < len(s); i++ {
		c := s[i]
		switch {
		case csi && c >= 0x40 && c <= 0x7e:
			return i + 1 // the final byte
		case csi && (c < 0x20 || c > 0x3f):
			return 0 // not a CSI after all: the introducer alone goes
		case str && c == 0x07:
			return i + 1 // BEL ends an OSC
		case str && c == 0x1b && i+1 < len(s) && s[i+1] == '\\':
			return i + 2 // ST
		case str && strings.HasPrefix(s[i:], "\u009c"):
			return i + 2 // C1 ST
		}
	}
	return 0
}

// Has reports whether s holds a character Clean removes or replaces.
func Has(s string) bool { return has(s, false) }

func has(s string, lines bool) bool {
	marks := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i, marks = i+1, 0
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			return true
		case unwanted(r) && !(lines && isBreak(r)):
			return true
		case isMark(r):
			if marks++; marks > maxMarks {
				return true
			}
		default:
			marks = 0
		}
	}
	return false
}

func isBreak(r rune) bool { return r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' }

// unwanted: controls, bidi formatting and zero-width format characters.
func unwanted(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f: // C0 (tabs and breaks become spaces), DEL
		return true
	case r >= 0x80 && r <= 0x9f: // C1: \x9b is a CSI on many terminals
		return true
	case r >= 0x202a && r <= 0x202e, // embeddings and overrides (U+202E)
		r >= 0x2066 && r <= 0x2069,                // isolates
		r == 0x200e || r == 0x200f || r == 0x061c, // marks
		r >= 0x200b && r <= 0x200d,                // zero-width space, non-joiner, joiner
		r == 0x2060 || r == 0xfeff,                // word joiner, BOM
		r >= 0xfff9 && r <= 0xfffb,                // interlinear annotation
		r >= 0x2061 && r <= 0x2064,                // invisible math operators
		r == 0x180e || r == 0x034f || r == 0x00ad, // Mongolian vowel separator, grapheme joiner, soft hyphen
		r >= 0xfe00 && r <= 0xfe0f,                // variation selectors
		r >= 0xe0000 && r <= 0xe007f,              // tag characters (hidden text)
		r >= 0xe0100 && r <= 0xe01ef:              // variation selectors supplement
		return true
	}
	return false
}

// Frame is Clean for a whole screen the console drew: line breaks stay, and
// so do its own colours, SGR sequences (ESC [ digits ; : m) — everything
// else Clean removes goes, an ESC that does not start one included. It is
// the console's last line of defence: names are cleaned where they enter,
// but a database written by an older version may still hold raw ones.
func Frame(s string) string {
	if !hasOutsideSGR(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if n := sgrLen(s[i:]); n > 0 {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n':
			b.WriteByte('\n')
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case isBreak(r):
			b.WriteByte(' ')
		case unwanted(r):
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// hasOutsideSGR reports whether s holds anything Frame changes.
func hasOutsideSGR(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f || c == '\n' {
			i++
			continue
		}
		if n := sgrLen(s[i:]); n > 0 {
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unwanted(r) {
			return true
		}
		i += size
	}
	return false
}

// sgrLen is the length of the SGR sequence s starts with, or 0.
func sgrLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	for i := 2; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == ';', c == ':':
		case c == 'm':
			return i + 1
		default:
			return 0
		}
	}
	return 0
}

// Mark is Clean for an identifier (a member id, a terminal's employee
// number): each character Clean would remove becomes U+FFFD instead, so
// that two identifiers that differ only there stay apart, and the reader
// sees that something was there. Text without such characters is returned
// as it is.
func Mark(s string) string {
	if !has(s, false) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unwanted(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}
