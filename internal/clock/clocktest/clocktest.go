// Package clocktest gives tests their clock: a fixed instant that then runs
// with real elapsed time (clock.Running). No test may depend on the date or
// the time of day it happens to run at, so every emulator, site and App a
// test drives shares one such clock. The instant is Default unless
// $DOORSYNC_TEST_NOW names another (RFC 3339), so a whole run can be repeated
// at an awkward instant (`make test-dates` does, at each of Awkward).
package clocktest

import (
	"os"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
)

// Env names the variable that moves the tests to another instant.
const Env = "DOORSYNC_TEST_NOW"

// Default is the tests' instant: an ordinary Tuesday morning in the gym's
// zone (Europe/Ljubljana), away from DST changes and month and year ends.
const Default = "2026-05-12T10:30:00+02:00"

// Case is an instant worth running the tests at.
type Case struct {
	Name    string
	Instant string // RFC 3339
}

// Awkward lists the instants where date arithmetic tends to break. The
// Makefile's TEST_DATES must name the same ones (TestMakefileRunsAwkward).
func Awkward() []Case {
	return []Case{
		// Europe/Ljubljana springs forward at 02:00 → 03:00 a minute later:
		// the day has 23 hours.
		{"dst-spring", "2026-03-29T01:59:00+01:00"},
		// …and falls back at 03:00 → 02:00 a minute later: 25 hours.
		{"dst-autumn", "2026-10-25T02:59:00+02:00"},
		{"leap-day", "2028-02-29T12:00:00+01:00"},
		{"new-years-eve", "2026-12-31T23:59:00+01:00"},
		// Terminals hold no end after 2037-12-31T23:59:59: memberships of
		// a year run past it.
		{"2037", "2037-06-15T12:00:00+02:00"},
	}
}

// Parse reads an instant in RFC 3339 (fractions of a second allowed).
func Parse(tb testing.TB, s string) time.Time {
	tb.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatalf("clocktest: instant %q is not RFC 3339 (e.g. %s): %v", s, Default, err)
	}
	return at
}

// Instant is the tests' instant: $DOORSYNC_TEST_NOW, or Default.
func Instant(tb testing.TB) time.Time {
	tb.Helper()
	if s := os.Getenv(Env); s != "" {
		return Parse(tb, s)
	}
	return Parse(tb, Default)
}

// Start returns a clock that reads Instant now and runs from there. Share
// it: the site, the App and everything else of one test take this clock.
func Start(tb testing.TB) *clock.Running {
	tb.Helper()
	return At(tb, Instant(tb))
}

// At returns a clock running from at. A failing test names the instant, so
// the failure can be repeated.
func At(tb testing.TB, at time.Time) *clock.Running {
	tb.Helper()
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("the test's clock started at %s (repeat with %s=%s)", at.Format(time.RFC3339Nano), Env, at.Format(time.RFC3339Nano))
		}
	})
	return clock.NewRunning(at)
}

// Environ is Env set to c's current reading, for a child process that must
// share the test's clock (the child starts its own clock from it).
func Environ(c clock.Clock) string {
	return Env + "=" + c.Now().Format(time.RFC3339Nano)
}
