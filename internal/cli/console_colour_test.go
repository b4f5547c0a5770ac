package cli

import "testing"

func TestDarkBackgroundFromCOLORFGBG(t *testing.T) {
	cases := []struct {
		value string
		set   bool
		dark  bool
	}{
		{set: false, dark: true},                        // nothing said: dark, as most terminals
		{value: "15;0", set: true, dark: true},          // white on black (xterm, konsole)
		{value: "0;15", set: true, dark: false},         // black on bright white
		{value: "0;7", set: true, dark: false},          // black on white
		{value: "7;8", set: true, dark: true},           // on dark grey
		{value: "0;default;15", set: true, dark: false}, // rxvt's three fields
		{value: "12;4", set: true, dark: true},          // on blue
		{value: "default;default", set: true, dark: true},
		{value: "", set: true, dark: true},
		{value: "0;255", set: true, dark: true}, // not one of the 16: no guess
	}
	for _, c := range cases {
		lookup := func(k string) (string, bool) {
			if k != "COLORFGBG" {
				t.Fatalf("looked up %s", k)
			}
			return c.value, c.set
		}
		if got := darkBackground(lookup); got != c.dark {
			t.Errorf("COLORFGBG=%q (set %v): dark %v, want %v", c.value, c.set, got, c.dark)
		}
	}
}
