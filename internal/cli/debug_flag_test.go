package cli

import (
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
)

// --debug does what its help says, command by command: plan prints every
// read error on stderr, --auto adds each write's result to its output, and
// the console's log file is described (TestConsoleDebugLog checks it).
func TestDebugFlag(t *testing.T) {
	help := runApp(t, clocktest.Start(t), nil, "--help")
	for _, want := range []string{"plan and report print every read error on stderr",
		"add every read error and the result of each terminal or NEYROSS write to their output",
		"the console logs what it does to a new file (mode 0600) whose path it prints on exit"} {
		if !strings.Contains(help.stdout, want) {
			t.Errorf("--debug help lacks %q:\n%s", want, help.stdout)
		}
	}
	if strings.Contains(help.stdout, "verbose diagnostics on stderr") {
		t.Errorf("--debug help still claims verbose diagnostics on stderr")
	}

	// Each run on its own site: a rejected password is held across runs,
	// and --auto writes.
	const readErr = "warn  terminal gym                             terminal gym: device info: auth (loginFailed): login rejected"
	for _, debug := range []bool{false, true} {
		s, cfg := startSite(t, 20)
		env := breakGymPassword(t, s, cfg)
		args := []string{"plan", "--config", cfg}
		if debug {
			args = append(args, "--debug")
		}
		r := runApp(t, s.Clock, env, args...)
		if r.code != ExitOK {
			t.Fatalf("plan debug=%v: exit %d\n%s%s", debug, r.code, r.stdout, r.stderr)
		}
		if got := strings.Contains(r.stderr, readErr); got != debug {
			t.Errorf("plan debug=%v: read error on stderr %v, want %v:\n%s", debug, got, debug, r.stderr)
		}
		if strings.Contains(r.stdout, "warn ") {
			t.Errorf("plan debug=%v: diagnostics on stdout, which holds the plan:\n%s", debug, r.stdout)
		}
		assertNoneOf(t, "plan output", r.stdout+r.stderr, siteSecrets(s, env["GYM_PW"]))

		s, cfg = startSite(t, 20)
		args = []string{"--auto", "--config", cfg}
		if debug {
			args = append(args, "--debug")
		}
		r = runApp(t, s.Clock, nil, args...)
		if r.code != ExitOK && r.code != ExitHeld {
			t.Fatalf("--auto debug=%v: exit %d\n%s%s", debug, r.code, r.stdout, r.stderr)
		}
		n := strings.Count(r.stdout, "info  apply                                    extend ")
		if debug && n == 0 || !debug && n != 0 {
			t.Errorf("--auto debug=%v: %d item result line(s) in its output:\n%s", debug, n, r.stdout)
		}
		assertNoneOf(t, "--auto output", r.stdout+r.stderr, siteSecrets(s))
	}
}
