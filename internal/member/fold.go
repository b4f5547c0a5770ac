package member

import (
	"cmp"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// foldSpecial spells the Latin letters that do not decompose into a base
// letter and marks, the way iVMS-4200 and people typing without them do
// (ß → ss, ł → l, đ → d …); "" for any other rune.
func foldSpecial(r rune) string {
	switch r {
	case 'ß', 'ẞ':
		return "ss"
	case 'ø', 'Ø':
		return "o"
	case 'ł', 'Ł', 'ŀ', 'Ŀ':
		return "l"
	case 'đ', 'Đ', 'ð', 'Ð':
		return "d"
	case 'æ', 'Æ':
		return "ae"
	case 'œ', 'Œ':
		return "oe"
	case 'þ', 'Þ':
		return "th"
	case 'ı':
		return "i"
	case 'ħ', 'Ħ':
		return "h"
	case 'ŧ', 'Ŧ':
		return "t"
	case 'ŋ', 'Ŋ':
		return "n"
	case 'ĸ':
		return "k"
	}
	return ""
}

// foldCommon spells the letters with a diacritic that Slovenian names use
// most without asking the decomposition tables: through them alone,
// BenchmarkSuggest (50,000 names) took 15 % longer (median 428 ms against
// 368 ms; with this, 351 ms). "" for any other rune.
func foldCommon(r rune) string {
	switch r {
	case 'č', 'Č', 'ć', 'Ć':
		return "c"
	case 'š', 'Š':
		return "s"
	case 'ž', 'Ž':
		return "z"
	}
	return ""
}

// FoldName reduces a name to lower-case ASCII letters and single spaces, so
// "Žiga  Čeh", "ZIGA CEH" and "Ziga Ceh" compare equal. Every Latin letter
// with a diacritic folds to its base letter (Ż, Ś, Ő through their Unicode
// compatibility decomposition, which also takes º, ﬁ and fullwidth letters
// apart; Ł, Ø, ß, Đ by foldSpecial); letters with no ASCII form (Cyrillic,
// IPA) are kept lower-cased.
func FoldName(s string) string {
	return string(AppendFoldName(make([]byte, 0, len(s)), s))
}

// AppendFoldName appends FoldName(s) to dst: comparing two names into
// buffers on the stack allocates nothing (SameFoldedName).
func AppendFoldName(dst []byte, s string) []byte {
	start := len(dst)
	space := false
	word := func() { space = false }
	for _, r := range s {
		// Every special spelling is of a non-ASCII letter: ASCII, most of
		// a name, skips both look-ups.
		if r >= utf8.RuneSelf {
			if sp := cmp.Or(foldCommon(r), foldSpecial(r)); sp != "" {
				dst = append(dst, sp...)
				word()
				continue
			}
		}
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
				dst = append(dst, byte(r))
				word()
				continue
			}
		case unicode.Is(unicode.Mn, r):
			continue // a combining mark of a decomposed input: dropped
		case unicode.IsLetter(r) && unicode.Is(unicode.Latin, r):
			dst = appendFoldDecomposed(dst, r)
			word()
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
			word()
			continue
		}
		if !space && len(dst) > start {
			dst = append(dst, ' ')
			space = true
		}
	}
	for len(dst) > start && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// appendFoldDecomposed appends a Latin letter's base letters (Ż → z, Ǣ →
// ae). It is a function of its own because norm's Append makes its buffers
// escape: inside AppendFoldName they cost two allocations on every call,
// even for plain ASCII names (300,000 of the 950,000 allocations of
// BenchmarkBuild50kThreeTargets).
func appendFoldDecomposed(dst []byte, r rune) []byte {
	var one [utf8.UTFMax]byte
	var dec [32]byte
	for _, d := range string(norm.NFKD.Append(dec[:0], utf8.AppendRune(one[:0], r)...)) {
		if sp := foldSpecial(d); sp != "" { // Ǣ is Æ and a macron
			dst = append(dst, sp...)
		} else if !unicode.Is(unicode.Mn, d) {
			dst = utf8.AppendRune(dst, unicode.ToLower(d))
		}
	}
	return dst
}

// SameFoldedName reports whether FoldName(a) == FoldName(b); names up to
// 128 bytes folded are compared without allocating.
func SameFoldedName(a, b string) bool {
	var ba, bb [128]byte
	return string(AppendFoldName(ba[:0], a)) == string(AppendFoldName(bb[:0], b))
}
