package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/emulator/site"
)

type run struct {
	code           int
	stdout, stderr string
}

// lockedBuffer is a bytes.Buffer safe for a command writing while a test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newTestApp is an App on clk: the clock of the site it talks to (s.Clock),
// or the test's own (clocktest.Start) when there is none.
func newTestApp(clk clock.Clock, env map[string]string) (*App, *lockedBuffer, *lockedBuffer) {
	out, errb := &lockedBuffer{}, &lockedBuffer{}
	return &App{
		Stdout: out, Stderr: errb, Clock: clk,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		// Keep the search away from the developer's own configuration.
		UserConfigDir: "/nonexistent/user", SystemConfigDir: "/nonexistent/system",
	}, out, errb
}

func runApp(t *testing.T, clk clock.Clock, env map[string]string, args ...string) run {
	t.Helper()
	app, out, errb := newTestApp(clk, env)
	code := app.Run(context.Background(), args)
	return run{code, out.String(), errb.String()}
}

// startSite starts the demo's site of members on the test's clock and
// returns it with the path of a configuration for it.
func startSite(t *testing.T, members int) (*site.Site, string) {
	t.Helper()
	s, cfg, _ := launchSite(t, site.Options{Members: members, Seed: 5,
		CardskipperPassword: "cs-secret-4711", TerminalPassword: "term-secret-0815"})
	return s, cfg
}

// launchSite starts a site on loopback until the test ends, in the demo's
// zone and on the test's clock unless o names others, and writes its
// configuration (every system configured) into a fresh folder. It returns
// the site and the paths of the configuration and of the database it names.
func launchSite(t *testing.T, o site.Options) (s *site.Site, cfg, db string) {
	t.Helper()
	if o.Zone == nil {
		zone, err := time.LoadLocation(demoZone)
		if err != nil {
			t.Fatal(err)
		}
		o.Zone = zone
	}
	if o.Clock == nil {
		o.Clock = clocktest.Start(t)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := site.Start(ctx, o)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); s.Close() })
	dir := t.TempDir()
	cfg, db = filepath.Join(dir, "doorsync.toml"), filepath.Join(dir, "doorsync.db")
	if err := s.WriteConfig(cfg, db); err != nil {
		t.Fatal(err)
	}
	return s, cfg, db
}

func assertNoSecrets(t *testing.T, r run) {
	t.Helper()
	for _, secret := range []string{"cs-secret-4711", "term-secret-0815", "wrong-pass-1234"} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Fatalf("output leaks a password:\n%s\n%s", r.stdout, r.stderr)
		}
	}
}

func TestDoctorAllGood(t *testing.T) {
	s, cfg := startSite(t, 40)
	r := runApp(t, s.Clock, nil, "doctor", "--config", cfg)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"ok    cardskipper: credentials",
		"ok    cardskipper: organisation                1 \"Fitnes Center Ljubljana\"",
		"ok    cardskipper: member export",
		"ok    terminal entrance: authentication",
		"ok    terminal gym: capabilities               search pages of 30",
		"ok    terminal gym: clock",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, r.stdout)
		}
	}
	// NEYROSS: the token was accepted, with the persons the EIS plugin
	// shows and its EIS access levels.
	for _, want := range []string{
		doctorLine("ok", "neyross", "token", fmt.Sprintf("%s accepted the token; %d EIS person(s) visible", s.Neyross.URL, s.NeyrossServer.Visible())),
		doctorLine("ok", "neyross", "access levels", `3 EIS access level(s), e.g. "[И] КПП 1"`),
	} {
		if !strings.Contains(r.stdout, want+"\n") {
			t.Errorf("doctor output lacks the line\n%s\n%s", want, r.stdout)
		}
	}
	// NTK: a connection, no request, and a note that the credentials were
	// not checked.
	assertNTKUnchecked(t, s, r.stdout)
	assertNoSecrets(t, r)
	assertNoneOf(t, "doctor output", r.stdout+r.stderr, siteSecrets(s))
	// doctor is read-only: no write request reached any terminal or NEYROSS.
	for _, term := range s.Terminals {
		if n := term.Log.Count(func(q emulator.Request) bool { return q.Method == "PUT" || q.Method == "DELETE" }); n != 0 {
			t.Errorf("terminal %s received %d write requests", term.Name, n)
		}
	}
	if n := s.Neyross.Log.Count(func(q emulator.Request) bool { return strings.Contains(q.Path, "upsert") }); n != 0 {
		t.Errorf("NEYROSS received %d upserts", n)
	}
}

func TestDoctorWrongTerminalPasswordStopsAfterTwoAttempts(t *testing.T) {
	s, cfg := startSite(t, 20)
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Break the first terminal's password only.
	broken := strings.Replace(string(data), `password = "term-secret-0815"`, `password = "${GYM_PW}"`, 1)
	if err := os.WriteFile(cfg, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runApp(t, s.Clock, map[string]string{"GYM_PW": "wrong-pass-1234"}, "doctor", "--config", cfg)
	if r.code != ExitFailed {
		t.Fatalf("exit %d, want %d\n%s", r.code, ExitFailed, r.stdout)
	}
	if !strings.Contains(r.stdout, "fail  terminal entrance: authentication") {
		t.Fatalf("no authentication failure line:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "ok    terminal gym: authentication") {
		t.Fatalf("the other terminal must still be checked:\n%s", r.stdout)
	}
	assertNoSecrets(t, r)
	entrance := s.Terminals[0]
	rejected := entrance.Log.Count(func(q emulator.Request) bool { return q.AuthScheme == "Digest" && q.Status == 401 })
	t.Logf("rejected authenticated attempts: %d", rejected)
	if rejected == 0 || rejected > 2 {
		t.Fatalf("%d authenticated attempts were rejected; at most 2 may be made", rejected)
	}
	if s.TerminalServers["entrance"].Locked() {
		t.Fatal("doctor locked the terminal out")
	}
}

func TestDoctorUnreachableTerminalAndBadCardskipperPassword(t *testing.T) {
	s, cfg := startSite(t, 10)
	data, _ := os.ReadFile(cfg)
	text := string(data)
	text = strings.Replace(text, `password = "cs-secret-4711"`, `password = "wrong-pass-1234"`, 1)
	// Port 1 on loopback: nothing listens there.
	i := strings.Index(text, "[[hikvision]]\nname = \"gym\"\nurl = \"")
	if i < 0 {
		t.Fatalf("unexpected demo config:\n%s", text)
	}
	j := i + len("[[hikvision]]\nname = \"gym\"\nurl = \"")
	k := j + strings.IndexByte(text[j:], '"')
	text = text[:j] + "http://127.0.0.1:1" + text[k:]
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runApp(t, s.Clock, nil, "doctor", "--config", cfg)
	if r.code != ExitFailed {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	for _, want := range []string{"fail  cardskipper: credentials", "fail  terminal gym: reachability", "ok    terminal entrance: clock"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	assertNoSecrets(t, r)
}

func TestDoctorJSONLines(t *testing.T) {
	s, cfg := startSite(t, 10)
	r := runApp(t, s.Clock, nil, "doctor", "--config", cfg, "--log-format", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) < 10 {
		t.Fatalf("only %d lines", len(lines))
	}
	for _, l := range lines {
		var v struct{ Status, Subject, Check, Time string }
		if err := json.Unmarshal([]byte(l), &v); err != nil || v.Status == "" || v.Subject == "" || v.Time == "" {
			t.Fatalf("not a JSON check line: %q (%v)", l, err)
		}
	}
}

func TestConfigErrorsExitTwo(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "doorsync.toml")
	if err := os.WriteFile(bad, []byte("timezone = \"Europe/Ljubljana\"\n[cardskipper]\nurll = \"https://x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown key with its line", []string{"doctor", "--config", bad}, ":3"},
		{"missing file", []string{"doctor", "--config", filepath.Join(dir, "nope.toml")}, "nope.toml"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"bad flag", []string{"doctor", "--bogus"}, "unknown flag"},
		{"bad log format", []string{"version", "--log-format", "xml"}, "--log-format"},
		{"demo members out of range", []string{"demo", "--members", "0"}, "--members"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runApp(t, clocktest.Start(t), nil, tt.args...)
			if r.code != ExitUsage {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, ExitUsage, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("stderr lacks %q: %s", tt.want, r.stderr)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	clk := clocktest.Start(t)
	r := runApp(t, clk, nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "doorsync ") {
		t.Fatalf("version: %d %q", r.code, r.stdout)
	}
	r = runApp(t, clk, nil, "version", "--log-format", "json")
	var v map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v["version"] == "" || v["go"] == "" {
		t.Fatalf("version json: %q %v", r.stdout, err)
	}
}

func TestDemoServeWritesAWorkingConfig(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "demo.toml")
	s, banner, stop := serveDemo(t, "--write-config", cfgPath, "--members", "25", "--seed", "9")
	if len(s.Data.Members) != 25 {
		t.Fatalf("members = %d", len(s.Data.Members))
	}
	st, err := os.Stat(cfgPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("config file: %v mode %v", err, st.Mode().Perm())
	}
	// The banner names every emulator with its URL and credentials, and
	// they work: Cardskipper, the terminals, NEYROSS and NTK.
	for _, ep := range append([]site.Endpoint{s.Cardskipper, s.Neyross, s.NTK}, s.Terminals...) {
		if !strings.Contains(banner, ep.URL) || !strings.Contains(banner, ep.Password) {
			t.Fatalf("banner lacks %s's URL or password:\n%s", ep.Name, banner)
		}
	}
	if !strings.Contains(banner, "configuration written to "+cfgPath) {
		t.Errorf("banner does not say where the configuration went:\n%s", banner)
	}
	r := runApp(t, s.Clock, nil, "doctor", "--config", cfgPath)
	if r.code != ExitOK {
		t.Fatalf("doctor against the demo: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"ok    neyross: token", "ok    ntk: reachability"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor against the demo lacks %q:\n%s", want, r.stdout)
		}
	}
	checkBannerEndpoints(t, s, banner)
	if code := stop(); code != ExitOK {
		t.Fatalf("demo --serve exited with %d after interrupt", code)
	}
}

func TestDemoSummarises(t *testing.T) {
	clk := clocktest.Start(t)
	r := runApp(t, clk, nil, "demo", "--members", "60", "--seed", "3")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"cardskipper: members", "60 exported", "terminal entrance: persons", "terminal gym: persons",
		"NEYROSS and NTK on loopback", "ok    neyross: token", "ok    ntk: reachability"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	// NEYROSS and NTK get an overview line each, with the numbers another
	// path gives for the same data set.
	visible, ntkKinds := demoTwin(t, clk, 60, 3)
	if ntkKinds["reactivate"] == 0 || visible == 0 {
		t.Fatalf("the data set has no NTK card or no NEYROSS person: %v, %d", ntkKinds, visible)
	}
	for _, want := range []string{
		fmt.Sprintf("info  neyross: persons                         %d EIS persons, ", visible),
		fmt.Sprintf("card(s) of members valid today; left out: %d missing, %d ambiguous, %d invalid; not uploaded (NTK cannot be read",
			ntkKinds["missing"], ntkKinds["ambiguous"], ntkKinds["invalid"]),
		fmt.Sprintf(" for %d card(s) ", ntkKinds["reactivate"]),
		"info  ntk: access list ",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo overview lacks %q:\n%s", want, r.stdout)
		}
	}
}
