package member

import (
	"strings"
	"unicode"
)

// foldMap spells the letters iVMS-4200 mangles the way it usually does
// (č → c, đ → d, ß → ss …). Letters not listed keep their base form via
// unicode decomposition in FoldName.
var foldMap = map[rune]string{
	'č': "c", 'ć': "c", 'š': "s", 'ž': "z", 'đ': "d",
	'Č': "c", 'Ć': "c", 'Š': "s", 'Ž': "z", 'Đ': "d",
	'ß': "ss", 'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l", 'æ': "ae", 'Æ': "ae",
	'á': "a", 'à': "a", 'â': "a", 'ä': "a", 'å': "a", 'ã': "a",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e", 'ě': "e",
	'í': "i", 'ì': "i", 'î': "i", 'ï': "i",
	'ó': "o", 'ò': "o", 'ô': "o", 'ö': "o", 'õ': "o",
	'ú': "u", 'ù': "u", 'û': "u", 'ü': "u", 'ů': "u",
	'ý': "y", 'ÿ': "y", 'ñ': "n", 'ň': "n", 'ř': "r", 'ť': "t", 'ď': "d", 'ĺ': "l", 'ľ': "l", 'ŕ': "r",
}

// FoldName reduces a name to lower-case ASCII letters and single spaces, so
// "Žiga  Čeh", "ZIGA CEH" and "Ziga Ceh" compare equal. Letters with no ASCII
// form (Cyrillic) are kept lower-cased.
func FoldName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if rep, ok := foldMap[r]; ok {
			b.WriteString(rep)
			space = false
			continue
		}
		if rep, ok := foldMap[unicode.ToLower(r)]; ok {
			b.WriteString(rep)
			space = false
			continue
		}
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		case unicode.Is(unicode.Mn, r):
			// combining mark left from a decomposed input: drop it
		default:
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimRight(b.String(), " ")
}
