package clocktest

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestInstant(t *testing.T) {
	t.Setenv(Env, "")
	if got := Instant(t); !got.Equal(time.Date(2026, 5, 12, 8, 30, 0, 0, time.UTC)) {
		t.Errorf("default instant %v", got)
	}
	t.Setenv(Env, "2028-02-29T23:59:59.5+01:00")
	if got := Instant(t); !got.Equal(time.Date(2028, 2, 29, 22, 59, 59, 5e8, time.UTC)) {
		t.Errorf("instant from %s: %v", Env, got)
	}
	if c := Start(t); c.Now().Before(Instant(t)) {
		t.Errorf("the clock reads %v, before its start", c.Now())
	}
}

// Environ hands the clock's reading to a child, which starts from there.
func TestEnviron(t *testing.T) {
	at := time.Date(2026, 10, 25, 2, 59, 0, 0, time.FixedZone("", 2*3600))
	name, value, _ := strings.Cut(Environ(At(t, at)), "=")
	t.Setenv(name, value)
	if got := Instant(t); got.Before(at) || got.Sub(at) > time.Minute {
		t.Errorf("child instant %v, want just after %v", got, at)
	}
}

// Every awkward instant parses, and the Makefile's test-dates target runs
// the same ones.
func TestMakefileRunsAwkward(t *testing.T) {
	mk, err := os.ReadFile("../../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^TEST_DATES\s*:?=\s*(.*)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("the Makefile has no TEST_DATES")
	}
	var want []string
	for _, c := range Awkward() {
		Parse(t, c.Instant)
		want = append(want, c.Instant)
	}
	if got := strings.Fields(string(m[1])); !slices.Equal(got, want) {
		t.Errorf("Makefile TEST_DATES = %v, clocktest.Awkward = %v", got, want)
	}
}
