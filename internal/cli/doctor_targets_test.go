package cli

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/emulator/site"
)

// siteSecrets are every credential of a site started by startSite, plus
// the wrong ones the tests put in.
func siteSecrets(s *site.Site, extra ...string) []string {
	return append([]string{s.Cardskipper.Password, s.Neyross.Password, s.NTK.Password, "term-secret-0815"}, extra...)
}

func assertNoneOf(t *testing.T, what, out string, secrets []string) {
	t.Helper()
	for _, secret := range secrets {
		if secret != "" && strings.Contains(out, secret) {
			t.Errorf("%s leaks a secret (%d characters):\n%s", what, len(secret), out)
		}
	}
}

// rewriteConfig replaces one exact string of the site's configuration.
func rewriteConfig(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s lacks %q:\n%s", path, old, data)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
}

// doctorLine is a text line as the printer writes it.
func doctorLine(status, subject, check, detail string) string {
	return fmt.Sprintf("%-4s  %-40s %s", status, subject+": "+check, detail)
}

// hostPort is the host:port of a loopback URL of the site.
func hostPort(t *testing.T, rawURL string) string {
	t.Helper()
	rest := strings.TrimPrefix(rawURL, "http://")
	hp, _, _ := strings.Cut(rest, "/")
	if _, _, err := net.SplitHostPort(hp); err != nil {
		t.Fatalf("%s: %v", rawURL, err)
	}
	return hp
}

const ntkNotChecked = "not checked, nor the upload path: NTK's only call is the list upload, which doctor never makes; the first sync shows whether they work"

// assertNTKUnchecked: doctor says exactly what it did with NTK — a TCP
// connection, no request — and no request reached the emulator.
func assertNTKUnchecked(t *testing.T, s *site.Site, out string) {
	t.Helper()
	for _, want := range []string{
		doctorLine("ok", "ntk", "reachability", hostPort(t, s.NTK.URL)+" accepted a TCP connection; no request was sent"),
		doctorLine("info", "ntk", "credentials", ntkNotChecked),
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("doctor output lacks the line\n%s\n%s", want, out)
		}
	}
	if n := s.NTK.Log.Count(func(emulator.Request) bool { return true }); n != 0 {
		t.Errorf("doctor sent %d request(s) to NTK; its only call is the upload", n)
	}
}

// A wrong NEYROSS token fails doctor with a line saying the token was
// rejected, after one request; neither token is printed; the other systems
// are still checked.
func TestDoctorWrongNeyrossToken(t *testing.T) {
	s, cfg := startSite(t, 20)
	rewriteConfig(t, cfg, fmt.Sprintf("token = %q", s.Neyross.Password), `token = "${NEY_TOKEN}"`)
	const wrong = "eis-wrong-token-5150"
	r := runApp(t, s.Clock, map[string]string{"NEY_TOKEN": wrong}, "doctor", "--config", cfg)
	if r.code != ExitFailed {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, ExitFailed, r.stdout, r.stderr)
	}
	want := "fail  neyross: token                           "
	i := strings.Index(r.stdout, want)
	if i < 0 {
		t.Fatalf("no failing token line:\n%s", r.stdout)
	}
	line, _, _ := strings.Cut(r.stdout[i:], "\n")
	for _, part := range []string{"rejected the API token (HTTP 401", "copy the current token from the EIS plugin settings"} {
		if !strings.Contains(line, part) {
			t.Errorf("token line lacks %q: %s", part, line)
		}
	}
	if strings.Contains(r.stdout, "neyross: access levels") {
		t.Errorf("doctor went on with a rejected token:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "doctor: 1 check(s) failed") {
		t.Errorf("stderr does not count the failed check: %q", r.stderr)
	}
	for _, still := range []string{"ok    cardskipper: member export", "ok    terminal gym: clock"} {
		if !strings.Contains(r.stdout, still) {
			t.Errorf("the other systems must still be checked: no %q\n%s", still, r.stdout)
		}
	}
	assertNTKUnchecked(t, s, r.stdout)
	assertNoneOf(t, "doctor output", r.stdout+r.stderr, siteSecrets(s, wrong))
	if n := s.Neyross.Log.Count(func(q emulator.Request) bool { return q.Status == 401 }); n != 1 {
		t.Errorf("%d rejected requests reached NEYROSS, want 1: a rejected token stops the client", n)
	}
}

// NTK cannot be asked whether its credentials are right: with a wrong
// password doctor still passes, and its lines say exactly that the host
// accepted a connection and that the credentials were not checked.
func TestDoctorNTKWrongPasswordIsNotChecked(t *testing.T) {
	s, cfg := startSite(t, 10)
	rewriteConfig(t, cfg, fmt.Sprintf("password = %q", s.NTK.Password), `password = "${NTK_PW}"`)
	const wrong = "ntk-wrong-pass-2718"
	r := runApp(t, s.Clock, map[string]string{"NTK_PW": wrong}, "doctor", "--config", cfg)
	if r.code != ExitOK {
		t.Fatalf("exit %d, want %d (nothing it can check failed)\n%s%s", r.code, ExitOK, r.stdout, r.stderr)
	}
	assertNTKUnchecked(t, s, r.stdout)
	assertNoneOf(t, "doctor output", r.stdout+r.stderr, siteSecrets(s, wrong))
}

// What doctor can find wrong with NTK: nothing listening. (An address the
// upload client refuses, plain http to another host, is a configuration
// error: TestDoctorNTKPlainHTTPIsAConfigError.)
func TestDoctorNTKFailures(t *testing.T) {
	// A port that was free a moment ago: nothing listens there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close()
	tests := []struct {
		name, url, want string
	}{
		{"nothing listens", "http://" + closed + "/accesslist", doctorLine("fail", "ntk", "reachability", closed+": dial tcp "+closed+": connect: connection refused")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, cfg := startSite(t, 10)
			rewriteConfig(t, cfg, fmt.Sprintf("url = %q", s.NTK.URL), fmt.Sprintf("url = %q", tt.url))
			r := runApp(t, s.Clock, nil, "doctor", "--config", cfg)
			if r.code != ExitFailed {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, ExitFailed, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.want+"\n") {
				t.Errorf("doctor output lacks the line\n%s\n%s", tt.want, r.stdout)
			}
			if strings.Contains(r.stdout, "ntk: credentials") {
				t.Errorf("a failed NTK check must not be followed by the credentials note:\n%s", r.stdout)
			}
			assertNoneOf(t, "doctor output", r.stdout+r.stderr, siteSecrets(s))
		})
	}
}

// Plain http to another host: the upload client would refuse it at every
// run, so the configuration refuses it at once, naming the line.
func TestDoctorNTKPlainHTTPIsAConfigError(t *testing.T) {
	s, cfg := startSite(t, 10)
	rewriteConfig(t, cfg, fmt.Sprintf("url = %q", s.NTK.URL), `url = "http://ntk.example/upload"`)
	r := runApp(t, s.Clock, nil, "doctor", "--config", cfg)
	if r.code != ExitUsage {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, ExitUsage, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "ntk.url: NTK takes the list and the password over https only") {
		t.Errorf("stderr does not name the problem:\n%s", r.stderr)
	}
	assertNoneOf(t, "doctor output", r.stdout+r.stderr, siteSecrets(s))
}
