package cli

import (
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
)

// --firmware makes a demo terminal play a real device's firmware; the
// banner's endpoints still work with the printed credentials.
func TestDemoServeFirmwareProfiles(t *testing.T) {
	s, banner, stop := serveDemo(t, "--members", "20", "--seed", "4",
		"--firmware", "Entrance=k1t342mwx", "--firmware", "gym=KV6124E1")
	if m := s.TerminalServers["entrance"].Model(); m != "DS-K1T342MWX" {
		t.Errorf("entrance plays %s", m)
	}
	if q := s.TerminalServers["gym"].Quirks(); q.ValidOffset != "+00:00" || !q.RejectBounds {
		t.Errorf("gym plays %+v", q)
	}
	for _, want := range []string{"  entrance plays firmware k1t342mwx (DS-K1T342MWX V4.48.40): a nonce is good for two signed requests",
		"  gym plays firmware kv6124e1 (DS-KV6124-E1 V3.9.0 build 260115)"} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner does not say %q:\n%s", want, banner)
		}
	}
	checkBannerEndpoints(t, s, banner)
	if code := stop(); code != ExitOK {
		t.Fatalf("demo --serve exited with %d after interrupt", code)
	}
}

func TestDemoFirmwareFlagErrors(t *testing.T) {
	for arg, want := range map[string]string{
		"entrance":           "want terminal=profile",
		"entrance=":          "want terminal=profile",
		"entrance=nokia3310": `unknown firmware profile "nokia3310" (known: guide, k1t342mwx`,
		"lobby=k1t341am":     `the demo has no terminal "lobby" (terminals: entrance, gym)`,
	} {
		r := runApp(t, clocktest.Start(t), nil, "demo", "--summary", "--firmware", arg)
		if r.code != ExitUsage || !strings.Contains(r.stderr, want) {
			t.Errorf("--firmware %s: exit %d, %q; want usage error %q", arg, r.code, r.stderr, want)
		}
	}
	r := runApp(t, clocktest.Start(t), nil, "demo", "--summary", "--firmware", "gym=guide", "--firmware", "gym=k1t341am")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "terminal gym given twice") {
		t.Errorf("twice: exit %d, %q", r.code, r.stderr)
	}
}
