package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/emulator/site"
)

// startFirmwareSite starts a site whose terminals play firmware profiles,
// on a fixed clock that the site and every CLI run share.
func startFirmwareSite(t *testing.T, members int, firmware map[string]string) *e2eSite {
	t.Helper()
	zone, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatal(err)
	}
	return startE2ESiteWith(t, site.Options{Members: members, Seed: 5, Zone: zone, Firmware: firmware,
		Clock: clock.NewManual(time.Date(2026, 3, 14, 9, 30, 0, 0, zone))})
}

// signedRefusals counts the 401s a terminal gave to requests with
// credentials.
func signedRefusals(ep site.Endpoint) int {
	return ep.Log.Count(func(r emulator.Request) bool { return r.AuthScheme == "Digest" && r.Status == 401 })
}

// A terminal whose nonces are good for two requests (and whose realm changes
// case) passes doctor without a failed login; doctor tells the limit it met
// as information. The guide's terminal gets no such line.
func TestDoctorReportsNonceLimit(t *testing.T) {
	s := startFirmwareSite(t, 20, map[string]string{"entrance": "k1t342mwx"})
	r := s.run(t, "doctor")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	want := doctorLine("info", "terminal entrance", "nonce",
		"Digest nonce accepted 2 times, then refused: doorsync fetches a fresh one before use 3 (an unsigned request; not a failed login)")
	if !strings.Contains(r.stdout, want+"\n") {
		t.Errorf("doctor output lacks the line\n%s\n%s", want, r.stdout)
	}
	if strings.Contains(r.stdout, "terminal gym: nonce") {
		t.Errorf("the guide's terminal has no nonce limit:\n%s", r.stdout)
	}
	entrance, term := s.terminal(t, "entrance")
	if n := signedRefusals(entrance); n != 1 {
		t.Errorf("entrance refused %d signed requests, want 1 (the one that showed the limit)", n)
	}
	if n := term.FailedLogins(); n != 0 {
		t.Errorf("entrance counted %d failed logins", n)
	}
}

// autoRequests runs --auto once on a site whose terminals play the given
// firmware, checks that it wrote what the plan says without a failed login,
// and returns the requests each terminal received in the run.
func autoRequests(t *testing.T, firmware map[string]string) map[string][]emulator.Request {
	t.Helper()
	s := startFirmwareSite(t, 300, firmware)
	p := s.plan(t)
	writes := e2eAutoWrites(p)
	if e2eCount(writes) < 10 {
		t.Fatalf("data set too small for this test: %d auto writes", e2eCount(writes))
	}
	before := s.snapshot()
	for _, ep := range s.Terminals {
		ep.Log.Reset()
	}
	r := s.run(t, "--auto")
	if want := e2eExpectedCode(p); r.code != want {
		t.Fatalf("--auto: exit %d, want %d\n%s\n%s", r.code, want, r.stdout, r.stderr)
	}
	e2eAssertConverged(t, before, s.snapshot(), writes)
	if strings.Contains(r.stdout+r.stderr, "login rejected") {
		t.Errorf("--auto reports a rejected login:\n%s\n%s", r.stdout, r.stderr)
	}
	out := map[string][]emulator.Request{}
	for _, ep := range s.Terminals {
		e2eAssertModifies(t, ep, writes[ep.Name])
		if n := s.TerminalServers[ep.Name].FailedLogins(); n != 0 {
			t.Errorf("terminal %s counted %d failed logins", ep.Name, n)
		}
		out[ep.Name] = ep.Log.Entries()
	}
	return out
}

// --auto against terminals whose nonces are good for two requests writes
// what the plan says with no failed login, one refused request per terminal
// and run (the one that shows the limit), and at most twice the requests of
// the same run against the guide's terminals.
func TestAutoOnNonceLimitedTerminals(t *testing.T) {
	guide := autoRequests(t, nil)
	limited := autoRequests(t, map[string]string{"entrance": "k1t342mwx", "gym": "kv6124e1"})
	for name, reqs := range limited {
		unsigned, refused := 0, 0
		for _, q := range reqs {
			switch {
			case q.AuthScheme == "":
				unsigned++
			case q.Status == 401:
				refused++
			}
		}
		t.Logf("terminal %s: %d requests (%d unsigned, %d refused), guide's terminal %d (%.2f×)",
			name, len(reqs), unsigned, refused, len(guide[name]), float64(len(reqs))/float64(len(guide[name])))
		if refused != 1 {
			t.Errorf("terminal %s refused %d signed requests, want 1", name, refused)
		}
		if len(reqs) > 2*len(guide[name]) {
			t.Errorf("terminal %s: %d requests, more than twice the guide's %d", name, len(reqs), len(guide[name]))
		}
	}
}

// doctor passes against every firmware profile: a terminal busy for 2 s out
// of every 5 (DS-K1T8003MF while iVMS-4200 pushes faces) is asked again
// within the doctor's budget instead of being reported unreachable. The
// site's clock runs, so the bursts come and go while doctor works.
func TestDoctorPassesOnEveryProfile(t *testing.T) {
	for _, fw := range []map[string]string{
		{"entrance": "k1t342mwx", "gym": "kv6124e1"},
		{"entrance": "k1t341am", "gym": "k1t8003mf"},
	} {
		s := startE2ESiteWith(t, site.Options{Members: 20, Seed: 5, Firmware: fw})
		r := s.run(t, "doctor")
		if r.code != ExitOK || strings.Contains(r.stdout, "FAIL") {
			t.Errorf("%v: exit %d\n%s%s", fw, r.code, r.stdout, r.stderr)
		}
	}
}
