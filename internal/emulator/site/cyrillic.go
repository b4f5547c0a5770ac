package site

import (
	"strings"
	"unicode"
)

// cyrillic spells a Slovenian name the way a Russian operator would type
// it into NEYROSS, letter by letter (Čuk → Чук, Anže → Анже).
func cyrillic(latin string) string {
	var b strings.Builder
	for _, r := range latin {
		lower := unicode.ToLower(r)
		c, ok := latinToCyrillic(lower)
		if !ok {
			b.WriteRune(r)
			continue
		}
		if lower != r {
			rs := []rune(c)
			rs[0] = unicode.ToUpper(rs[0])
			c = string(rs)
		}
		b.WriteString(c)
	}
	return b.String()
}

// latinToCyrillic spells a lower-case Slovenian (or neighbouring) letter in
// Russian Cyrillic.
func latinToCyrillic(r rune) (string, bool) {
	switch r {
	case 'a':
		return "а", true
	case 'b':
		return "б", true
	case 'c':
		return "ц", true
	case 'č', 'ć':
		return "ч", true
	case 'd':
		return "д", true
	case 'đ':
		return "дж", true
	case 'e':
		return "е", true
	case 'f':
		return "ф", true
	case 'g':
		return "г", true
	case 'h':
		return "х", true
	case 'i':
		return "и", true
	case 'j':
		return "й", true
	case 'k', 'q':
		return "к", true
	case 'l':
		return "л", true
	case 'm':
		return "м", true
	case 'n':
		return "н", true
	case 'o':
		return "о", true
	case 'p':
		return "п", true
	case 'r':
		return "р", true
	case 's':
		return "с", true
	case 'š':
		return "ш", true
	case 't':
		return "т", true
	case 'u':
		return "у", true
	case 'v', 'w':
		return "в", true
	case 'x':
		return "кс", true
	case 'y':
		return "ы", true
	case 'z':
		return "з", true
	case 'ž':
		return "ж", true
	}
	return "", false
}
