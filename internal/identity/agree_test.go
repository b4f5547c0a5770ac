package identity

import "testing"

func TestNamesAgree(t *testing.T) {
	for _, tt := range []struct {
		a, b  string
		agree bool
	}{
		{"Ana Novak", "Ana Novak", true},
		{"Žiga Čeh", "ZIGA CEH", true},
		{"Žiga Čeh", "Čeh Žiga", true},
		{"Žiga Čeh", "Жига Чех", true},
		{"Đurđa Đorđević", "Джорджевич Джурджа Николаевич", true}, // Đ is typed дж
		{"Anže Zupan", "Зупан Анже Петрович", true},
		{"Ana Novak", "A. Novak", true},
		{"Mama Kralj", "Sin Kralj", true}, // a family: the check cannot tell them apart
		{"Katja Kos", "Maja Linked", false},
		{"Ana Novak", "Franc Friend", false},
		{"A Kos", "A Novak", false}, // an initial alone is not a shared name
		{"M 1", "M 2", true},        // nothing but initials and numbers: nothing to compare
		{"Ana Novak", "", true},
		{"", "", true},
	} {
		if got := ParseName(tt.a).Agrees(ParseName(tt.b)); got != tt.agree {
			t.Errorf("%q agrees with %q = %v, want %v", tt.a, tt.b, got, tt.agree)
		}
		if got := ParseName(tt.b).Agrees(ParseName(tt.a)); got != tt.agree {
			t.Errorf("%q agrees with %q = %v, want %v (not symmetric)", tt.b, tt.a, got, tt.agree)
		}
	}
}

func TestNameSame(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		same bool
	}{
		{"Maja Linked", "MAJA  LINKED", true},
		{"Maja Linked", "Maja Linkéd", true},
		{"Maja Linked", "Linked Maja", false},
		{"Maja Linked", "Maja Linked 2", true}, // numbers are not names
		{"Maja Linked", "Maja Novak", false},
	} {
		if got := ParseName(tt.a).Same(ParseName(tt.b)); got != tt.same {
			t.Errorf("%q same as %q = %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
}

// Score ranks two names as the suggestions do; a family sharing a surname
// agrees but scores nothing.
func TestNameScore(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"Sin Kralj", "SIN KRALJ", ScoreExact},
		{"Sin Kralj", "Kralj Sin", ScoreReordered},
		{"Žiga Čeh", "Жига Чех", ScoreSpelling},
		{"Nika Krajnc", "NIKA KRAJN", ScoreTypo},
		{"Sin Kralj", "Mama Kralj", 0},
		{"Katja Kos", "Maja Linked", 0},
		{"", "Ana Novak", 0},
	} {
		a, b := ParseName(c.a), ParseName(c.b)
		got, why := a.Score(b)
		if got != c.want {
			t.Errorf("%q ~ %q: %v (%s), want %v", c.a, c.b, got, why, c.want)
		}
		if back, _ := b.Score(a); back != got {
			t.Errorf("%q ~ %q: not symmetric (%v, %v)", c.a, c.b, got, back)
		}
	}
}
