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
