package member

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Email is a normalised e-mail address: the key that joins a member to its
// accounts. Two spellings of one address ("Ziga.Ceh@Example.si " and
// "ziga.ceh@example.si") yield the same Email.
type Email string

// maxEmailLen is RFC 5321's limit on a forward path.
const maxEmailLen = 254

// NormalizeEmail trims white space (including non-breaking spaces pasted from
// spreadsheets), brings the address to Unicode NFC and lower-cases it. An
// address with an invisible format character inside (zero-width, bidi
// controls) or a non-ASCII letter that case-folds into an ASCII one (the
// Kelvin sign) is refused: either would let one key pass for another. It returns "" with no error for
// an empty input (members may have no e-mail), and an error for text that
// cannot be an address; the error quotes the input so a message can name it.
func NormalizeEmail(raw string) (Email, error) {
	s := strings.TrimFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' })
	if s == "" {
		return "", nil
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("e-mail %q: not valid UTF-8", raw)
	}
	if len(s) > maxEmailLen {
		return "", fmt.Errorf("e-mail %.40q…: longer than %d bytes", s, maxEmailLen)
	}
	// Checked before NFC, which would quietly turn the Kelvin sign into K.
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r) || r == ',' || r == ';' || r == '<' || r == '>':
			return "", fmt.Errorf("e-mail %q: contains %q", raw, r)
		case unicode.Is(unicode.Cf, r):
			// Zero-width and bidi controls (U+200B, U+202E) make two keys
			// that look the same, or one that reads as another.
			return "", fmt.Errorf("e-mail %q: contains the invisible character %U", raw, r)
		case r >= utf8.RuneSelf && asciiFold(r) != 0:
			// The Kelvin sign K folds to k: "franc.friend@" spelt with it
			// would look like, and lower-case into, someone else's key.
			return "", fmt.Errorf("e-mail %q: contains %q (%U), a look-alike of the letter %q", raw, r, r, unicode.ToLower(asciiFold(r)))
		}
	}
	// One spelling per address: "žiga@" typed precomposed or as z and a
	// combining caron is the same key.
	// The @ is found in the NFC form: composing shortens the text before it.
	s = norm.NFC.String(s)
	if strings.Count(s, "@") > 1 {
		return "", fmt.Errorf("e-mail %q: more than one @", raw)
	}
	local, domain, _ := strings.Cut(s, "@")
	switch {
	case local == "" || domain == "":
		return "", fmt.Errorf("e-mail %q: no local part or domain", raw)
	case !strings.Contains(domain, "."):
		return "", fmt.Errorf("e-mail %q: domain has no dot", raw)
	case strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, ".."):
		// "franc@example.si." would be another key for the same mailbox.
		return "", fmt.Errorf("e-mail %q: domain has an empty label", raw)
	}
	return Email(strings.ToLower(s)), nil
}

// asciiFold is the ASCII letter a non-ASCII rune is, by Unicode case
// folding or decomposition (K → k, ſ → s, İ → i), or 0.
func asciiFold(r rune) rune {
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			return f
		}
	}
	for _, f := range strings.ToLower(string(r)) {
		if f < utf8.RuneSelf {
			return f
		}
	}
	// A letter whose canonical form is ASCII by itself (the Kelvin sign is
	// K), or whose compatibility form is all ASCII (ﬁ is fi, ａ is a); a
	// letter with a diacritic (ž = z + caron) keeps its mark.
	d := norm.NFKD.String(string(r))
	for i := 0; i < len(d); i++ {
		if d[i] >= utf8.RuneSelf {
			return 0
		}
	}
	if d != "" && d != string(r) {
		return rune(d[0])
	}
	return 0
}

// LooksLikeEmail reports whether s (e.g. a terminal's name or extension field)
// holds something NormalizeEmail accepts.
func LooksLikeEmail(s string) bool {
	e, err := NormalizeEmail(s)
	return err == nil && e != ""
}
