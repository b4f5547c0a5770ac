package cli

import (
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/emulator"
)

// TestAuthHoldSurvivesRuns: a terminal that rejected its credentials is not
// contacted by the next cron runs (each would cost failed logins and keep
// the account locked out) until the password in the configuration changes.
func TestAuthHoldSurvivesRuns(t *testing.T) {
	s := startE2ESite(t, 120, 4)
	s.raiseGuard(t)
	ep, term := s.terminal(t, "entrance")
	term.SetPassword("rotated-on-the-device")
	rejected := func() int {
		return ep.Log.Count(func(q emulator.Request) bool { return q.AuthScheme == "Digest" && q.Status == 401 })
	}

	first := s.run(t, "--auto")
	if first.code != ExitPartial {
		t.Fatalf("first run: exit %d, want %d\n%s%s", first.code, ExitPartial, first.stdout, first.stderr)
	}
	if !strings.Contains(first.stdout, "later runs leave it alone") {
		t.Fatalf("the first run must say the terminal is stopped and held:\n%s", first.stdout)
	}
	afterFirst := rejected()
	if afterFirst == 0 || afterFirst > 2 {
		t.Fatalf("%d rejected logins in the first run", afterFirst)
	}
	ep.Log.Reset()
	for i := range 4 {
		r := s.run(t, "--auto")
		if r.code != ExitPartial || !strings.Contains(r.stdout, "not contacted") {
			t.Fatalf("run %d: exit %d, want %d and a 'not contacted' line\n%s%s", i+2, r.code, ExitPartial, r.stdout, r.stderr)
		}
	}
	if n := ep.Log.Count(nil); n != 0 {
		t.Fatalf("%d requests reached the held terminal", n)
	}
	if term.Locked() || term.FailedLogins() > 2 {
		t.Fatalf("terminal locked=%v after %d failed logins", term.Locked(), term.FailedLogins())
	}

	// The operator puts the new password in the configuration: the hold
	// lifts at once and the terminal is synced.
	s.editConfig(t, `password = "`+e2eTermPassword+`"`, `password = "rotated-on-the-device"`)
	r := s.run(t, "--auto")
	if r.code == ExitPartial || r.code == ExitFailed || strings.Contains(r.stdout, "not contacted") {
		t.Fatalf("after the fix: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if ep.Log.Count(func(q emulator.Request) bool { return strings.HasSuffix(q.Path, "/Search") }) == 0 {
		t.Fatal("the terminal was not read after its password was fixed")
	}
}
