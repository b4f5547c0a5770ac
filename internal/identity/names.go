package identity

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/doorsync/doorsync/internal/member"
)

// Scores of a name match, highest first. Each tier is one rule, so the same
// pair always gets the same score and the operator can read why
// (docs/links-import.md → Suggestions).
const (
	// ScoreExact: the folded names are equal (Žiga Čeh ~ ZIGA CEH).
	ScoreExact = 1.0
	// ScoreReordered: the same folded names in another order (Čeh Žiga).
	ScoreReordered = 0.9
	// ScoreSpelling: equal once Cyrillic is transliterated and the ways of
	// typing č, š, ž, đ without diacritics are merged (ch, sh, zh, dj).
	ScoreSpelling = 0.85
	// ScoreTypo: one name part differs by one edit (a letter added, lost,
	// changed or two swapped); both parts have 3 letters or more.
	ScoreTypo = 0.75
	// ScorePartial: one side has an extra name part (a second first name or
	// surname), and at least two parts are equal.
	ScorePartial = 0.7
	// ScoreInitial: a one-letter part stands for a part starting with that
	// letter (Z. Čeh ~ Žiga Čeh); the rest are equal.
	ScoreInitial = 0.6
)

// nameKey is a name prepared for comparison.
type nameKey struct {
	tokens  []string // folded parts in order; numbers dropped
	exact   string   // tokens joined
	sorted  string   // tokens sorted and joined
	vtokens []string // spelling-merged parts, sorted
	vsorted string
}

func makeKey(name string) nameKey {
	var k nameKey
	for _, t := range strings.Fields(member.FoldName(name)) {
		if strings.IndexFunc(t, unicode.IsLetter) < 0 {
			continue // "Novak 2", "(1042)": numbers are not names
		}
		k.tokens = append(k.tokens, t)
		k.vtokens = append(k.vtokens, spelling(t))
	}
	k.exact = strings.Join(k.tokens, " ")
	s := slices.Clone(k.tokens)
	slices.Sort(s)
	k.sorted = strings.Join(s, " ")
	slices.Sort(k.vtokens)
	k.vsorted = strings.Join(k.vtokens, " ")
	return k
}

// spelling merges the ways one name is typed where diacritics or Cyrillic
// are not available: Cyrillic is transliterated (Serbian and Macedonian
// letters as in Gaj's Latin alphabet, Russian and Ukrainian as usual in
// Slovenia), and the digraphs people type for č, š, ž, đ (ch, sh, zh, dj)
// are reduced the way member.FoldName reduces the letters themselves (and
// dz, which is how дж — the Cyrillic for Đ — comes out).
// Both sides of a comparison go through it, so Michael stays comparable to
// Michael.
func spelling(folded string) string {
	var b strings.Builder
	for _, r := range folded {
		if s, ok := translit(r); ok {
			b.WriteString(s)
			continue
		}
		b.WriteRune(r)
	}
	s := b.String()
	// dz last: Đ is typed дж in Cyrillic (Đorđević, Джорджевич), which
	// spells dz once ж is z, and "dzh" is dz once zh is.
	for _, d := range [...]struct{ from, to string }{{"dj", "d"}, {"ch", "c"}, {"sh", "s"}, {"zh", "z"}, {"dz", "d"}} {
		s = strings.ReplaceAll(s, d.from, d.to)
	}
	return s
}

// translit spells a lower-case Cyrillic letter in folded Latin (ж → ž → z).
func translit(r rune) (string, bool) {
	switch r {
	case 'а':
		return "a", true
	case 'б':
		return "b", true
	case 'в':
		return "v", true
	case 'г', 'ґ', 'ѓ':
		return "g", true
	case 'д', 'ђ':
		return "d", true
	case 'е', 'ё', 'э':
		return "e", true
	case 'є':
		return "je", true
	case 'ж':
		return "z", true
	case 'з':
		return "z", true
	case 'ѕ', 'џ':
		return "dz", true
	case 'и', 'і':
		return "i", true
	case 'ї':
		return "ji", true
	case 'й', 'ј':
		return "j", true
	case 'к', 'ќ':
		return "k", true
	case 'л':
		return "l", true
	case 'љ':
		return "lj", true
	case 'м':
		return "m", true
	case 'н':
		return "n", true
	case 'њ':
		return "nj", true
	case 'о':
		return "o", true
	case 'п':
		return "p", true
	case 'р':
		return "r", true
	case 'с':
		return "s", true
	case 'т':
		return "t", true
	case 'ћ', 'ч', 'ц':
		return "c", true
	case 'у', 'ў':
		return "u", true
	case 'ф':
		return "f", true
	case 'х':
		return "h", true
	case 'ш':
		return "s", true
	case 'щ':
		return "sc", true
	case 'ъ', 'ь':
		return "", true
	case 'ы':
		return "y", true
	case 'ю':
		return "ju", true
	case 'я':
		return "ja", true
	}
	return "", false
}

// compareNames scores how likely two names are one person's, with the
// reason in words; 0 means no suggestion. It is symmetric.
func compareNames(a, b *nameKey) (float64, string) {
	if len(a.tokens) == 0 || len(b.tokens) == 0 {
		return 0, ""
	}
	switch {
	case a.exact == b.exact:
		return ScoreExact, "same name"
	case a.sorted == b.sorted:
		return ScoreReordered, "same names in another order"
	case a.vsorted == b.vsorted:
		return ScoreSpelling, "same name in another spelling (ch/č, sh/š, zh/ž, dj/đ or Cyrillic)"
	}
	var bufA, bufB [8]string
	common, ra, rb := tokenDiff(a.vtokens, b.vtokens, bufA[:0], bufB[:0])
	if common == 0 {
		return 0, ""
	}
	if len(ra) == 1 && len(rb) == 1 && oneEdit(ra[0], rb[0]) {
		return ScoreTypo, "one letter differs: " + ra[0] + " ~ " + rb[0]
	}
	if (len(ra) == 0 || len(rb) == 0) && common >= 2 {
		extra := append(ra, rb...)
		return ScorePartial, "one name has more parts: " + strings.Join(extra, " ")
	}
	if why, ok := initials(ra, rb); ok && longCommon(a.vtokens, ra) {
		return ScoreInitial, why
	}
	return 0, ""
}

// tokenDiff compares two sorted token lists as multisets: how many tokens
// they share, and the rest of each.
func tokenDiff(a, b, ra, rb []string) (common int, _, _ []string) {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch c := strings.Compare(a[i], b[j]); {
		case c == 0:
			common++
			i++
			j++
		case c < 0:
			ra = append(ra, a[i])
			i++
		default:
			rb = append(rb, b[j])
			j++
		}
	}
	ra = append(ra, a[i:]...)
	rb = append(rb, b[j:]...)
	return common, ra, rb
}

// oneEdit reports whether two name parts of 3 letters or more differ by one
// insertion, deletion, substitution or swap of neighbouring letters.
func oneEdit(a, b string) bool {
	if ascii(a) && ascii(b) {
		// Folded names are mostly ASCII: compare bytes, and reject on
		// length before copying anything.
		if len(a) < 3 || len(b) < 3 || len(a)-len(b) > 1 || len(b)-len(a) > 1 {
			return false
		}
		return oneEditSeq([]byte(a), []byte(b))
	}
	return oneEditSeq([]rune(a), []rune(b))
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func oneEditSeq[E comparable](ra, rb []E) bool {
	if len(ra) < 3 || len(rb) < 3 {
		return false
	}
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	switch len(rb) - len(ra) {
	case 0:
		first, second, n := -1, -1, 0
		for i := range ra {
			if ra[i] == rb[i] {
				continue
			}
			switch n++; n {
			case 1:
				first = i
			case 2:
				second = i
			default:
				return false
			}
		}
		switch n {
		case 1:
			return true
		case 2:
			return second == first+1 && ra[first] == rb[second] && ra[second] == rb[first]
		}
		return false
	case 1:
		i := 0
		for i < len(ra) && ra[i] == rb[i] {
			i++
		}
		return slices.Equal(ra[i:], rb[i+1:])
	}
	return false
}

// initials pairs every leftover one-letter part with a leftover longer part
// of the other name starting with that letter.
func initials(ra, rb []string) (string, bool) {
	if len(ra) == 0 || len(ra) != len(rb) || !hasInitial(ra, rb) {
		return "", false
	}
	used := make([]bool, len(rb))
	var why []string
	for _, x := range ra {
		found := false
		for j, y := range rb {
			if used[j] {
				continue
			}
			if initial, full, ok := initialOf(x, y); ok {
				used[j], found = true, true
				why = append(why, initial+". = "+full)
				break
			}
		}
		if !found {
			return "", false
		}
	}
	return "initial " + strings.Join(why, ", "), true
}

func hasInitial(ra, rb []string) bool {
	for _, ts := range [2][]string{ra, rb} {
		for _, t := range ts {
			if utf8.RuneCountInString(t) == 1 {
				return true
			}
		}
	}
	return false
}

func initialOf(x, y string) (initial, full string, ok bool) {
	if utf8.RuneCountInString(x) > 1 {
		x, y = y, x
	}
	if utf8.RuneCountInString(x) != 1 || utf8.RuneCountInString(y) < 2 {
		return "", "", false
	}
	first, _ := utf8.DecodeRuneInString(y)
	r, _ := utf8.DecodeRuneInString(x)
	return x, y, r == first
}

// longCommon: the names share a part of two letters or more (two initials
// and nothing else in common is no evidence).
func longCommon(tokens, rest []string) bool {
	for _, t := range tokens {
		if utf8.RuneCountInString(t) >= 2 && !slices.Contains(rest, t) {
			return true
		}
	}
	return false
}

// isStaffName reports an account name that names a role, not a member
// ("Trener Marko", "Recepcija", "Test"): such accounts are never suggested.
func isStaffName(k *nameKey) bool {
	for _, ts := range [2][]string{k.tokens, k.vtokens} {
		for _, t := range ts {
			switch t {
			case "trener", "trenerka", "trainer", "coach", "instruktor", "instruktorica", "instructor",
				"staff", "osebje", "zaposleni", "admin", "administrator", "receptor", "receptorka",
				"recepcija", "reception", "cistilka", "cistilec", "cleaner", "guest", "gost", "test",
				"servis", "service", "vzdrzevanje", "vzdrzevalec", "maintenance", "varnostnik", "security",
				"fizioterapevt", "physio", "manager":
				return true
			}
		}
	}
	return false
}

// Name is a person's name prepared for the identity checks of a plan
// (Agrees, Same, Score), made once per member or account.
type Name struct{ key nameKey }

// ParseName prepares a name.
func ParseName(s string) Name { return Name{makeKey(s)} }

// Agrees reports whether two names can be the same person's: they share a
// name part of two letters or more once folded and spelled alike (Žiga Čeh
// ~ ZIGA CEH ~ Жига Чех, Ana Novak ~ A. Novak), or one of them has no name
// part to compare. Names that share nothing (Katja Kos, Maja Linked) hold
// an item for the admin rather than write one person's dates to another's
// account.
func (n Name) Agrees(o Name) bool {
	if n.key.vsorted == o.key.vsorted {
		return true
	}
	long := func(x string) bool { return utf8.RuneCountInString(x) >= 2 }
	if !slices.ContainsFunc(n.key.vtokens, long) || !slices.ContainsFunc(o.key.vtokens, long) {
		return true // initials or numbers only: nothing to tell them apart by
	}
	for _, x := range n.key.vtokens {
		if !long(x) {
			continue
		}
		if _, ok := slices.BinarySearch(o.key.vtokens, x); ok {
			return true
		}
	}
	return false
}

// Same reports whether two names fold to the same parts in the same order:
// a name shown to the admin is still the name on file.
func (n Name) Same(o Name) bool { return n.key.exact == o.key.exact }

// Score is how likely two names are one person's (ScoreExact … ScoreInitial,
// 0 when no rule holds) with the reason in words, as the suggestions rank
// them: Mama Kralj and Sin Kralj share a word (Agrees) yet score 0.
func (n Name) Score(o Name) (float64, string) { return compareNames(&n.key, &o.key) }
