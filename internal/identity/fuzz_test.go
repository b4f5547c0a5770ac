package identity

import "testing"

func FuzzCompareNames(f *testing.F) {
	for _, p := range [][2]string{
		{"Žiga Čeh", "ZIGA CEH"}, {"Đurđa Kovač", "Djurdja Kovac"}, {"Јован Петровић", "Jovan Petrovic"},
		{"Ana M. Novak", "Ana Marija Novak"}, {"Z. C.", "Ziga Ceh"}, {"", "x"}, {"a a a", "a a"}, {"m ma", "mb m"},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ka, kb := makeKey(a), makeKey(b)
		s1, why := compareNames(&ka, &kb)
		s2, _ := compareNames(&kb, &ka)
		if s1 != s2 {
			t.Fatalf("compare(%q, %q) = %v, reversed %v", a, b, s1, s2)
		}
		if s1 < 0 || s1 > 1 || (s1 > 0) != (why != "") {
			t.Fatalf("compare(%q, %q) = %v %q", a, b, s1, why)
		}
		if self, _ := compareNames(&ka, &ka); len(ka.tokens) > 0 && self != ScoreExact {
			t.Fatalf("%q does not match itself: %v", a, self)
		}
	})
}
