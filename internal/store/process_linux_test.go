package store

import "testing"

func TestStatStart(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"4242 (doorsync) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 9 0 123456 1000 10\n", "123456"},
		// A command name with spaces and parentheses (a process may name
		// itself anything): fields are counted from the last ')'.
		{"4242 (evil) S 1 2 3 (x) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 9 0 98765 1000 10", "98765"},
		{"4242 (short) S 1 2", ""},
		{"no parenthesis at all", ""},
		{"4242 (doorsync) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 9 0 -5 1000", ""},
	} {
		if got := statStart([]byte(tc.line)); got != tc.want {
			t.Errorf("statStart(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
	if processStart(-1) != "" || processStart(0) != "" {
		t.Error("a pid ≤ 0 has no start time")
	}
}
