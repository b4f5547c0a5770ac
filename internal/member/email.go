package member

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Email is a normalised e-mail address: the key that joins a member to its
// accounts. Two spellings of one address ("Ziga.Ceh@Example.si " and
// "ziga.ceh@example.si") yield the same Email.
type Email string

// maxEmailLen is RFC 5321's limit on a forward path.
const maxEmailLen = 254

// NormalizeEmail trims white space (including non-breaking spaces pasted from
// spreadsheets) and lower-cases the address. It returns "" with no error for
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
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", fmt.Errorf("e-mail %q: no local part or domain", raw)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == ',' || r == ';' || r == '<' || r == '>' {
			return "", fmt.Errorf("e-mail %q: contains %q", raw, r)
		}
	}
	if strings.Count(s, "@") != 1 {
		return "", fmt.Errorf("e-mail %q: more than one @", raw)
	}
	if !strings.Contains(s[at+1:], ".") {
		return "", fmt.Errorf("e-mail %q: domain has no dot", raw)
	}
	return Email(strings.ToLower(s)), nil
}

// LooksLikeEmail reports whether s (e.g. a terminal's name or extension field)
// holds something NormalizeEmail accepts.
func LooksLikeEmail(s string) bool {
	e, err := NormalizeEmail(s)
	return err == nil && e != ""
}
