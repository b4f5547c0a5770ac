//go:build linux

package packaging

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestUnitsUnderSystemd boots a copy of a Debian root that has systemd
// (DOORSYNC_SYSTEMD_BASE; `make package-install-test` makes one) in
// systemd-nspawn, with the .deb installed, and runs the packaged units under
// the real systemd with every hardening option they set: the timer's
// service does a run (exit 4 counted as success) and writes the database,
// the timer and the watch service stop each other, a killed watch comes
// back, a configuration error does not make watch restart in a loop, and
// systemd's own security score holds. The container shares the host's
// network, so the units reach `doorsync demo --serve` on loopback.
func TestUnitsUnderSystemd(t *testing.T) {
	dir, base := baseRoot(t, "DOORSYNC_SYSTEMD_BASE", "a Debian root with systemd")
	if _, err := exec.LookPath("systemd-nspawn"); err != nil {
		t.Fatal("systemd-nspawn is not installed (apt-get install systemd-container)")
	}
	var deb builtPackage
	for _, p := range findPackages(t, dir) {
		if p.format == "deb" && p.arch == runtime.GOARCH {
			deb = p
		}
	}
	r := &throwawayRoot{dir: copyRoot(t, base)}
	copyFile(t, deb.path, r.path("tmp/doorsync.deb"), 0o644)
	if out, err := exec.Command("chroot", r.dir, "dpkg", "-i", "/tmp/doorsync.deb").CombinedOutput(); err != nil {
		t.Fatalf("dpkg -i: %v\n%s", err, out)
	}

	// The emulators on the host's loopback, the packaged binary running them.
	demoConfig := filepath.Join(t.TempDir(), "demo.toml")
	demo := startBackground(t, exec.Command(r.path("usr/bin/doorsync"), "demo", "--serve", "--write-config", demoConfig))
	demo.waitFor(t, "configuration written to")
	b, err := os.ReadFile(demoConfig)
	if err != nil {
		t.Fatal(err)
	}
	config, env := fromDemoConfig(t, string(b))
	r.write(t, "/etc/doorsync/doorsync.toml", config)
	r.write(t, "/etc/doorsync/env", env)

	c := bootContainer(t, r.dir)

	// 1. The package enabled nothing.
	if got := c.run(t, "systemctl", "is-enabled", "doorsync.timer", "doorsync-watch.service"); got != "disabled\ndisabled" {
		t.Errorf("after install: is-enabled says %q, want both disabled", got)
	}

	// 2. One run of the timer's service, hardened: held items (exit 4) are
	// no failure, and the database is the doorsync user's.
	c.must(t, "systemctl", "start", "doorsync.service") // a oneshot: start returns when the run ended
	if got := c.show(t, "doorsync.service", "Result"); got != "Result=success" {
		t.Errorf("doorsync.service: %q, want success\n%s", got, c.run(t, "journalctl", "-u", "doorsync.service", "--no-pager"))
	}
	// It was exit 4 that counted as success (systemd shows 0 for a success
	// it was told of): without SuccessExitStatus= the same run fails with 4.
	dropIn := r.path("etc/systemd/system/doorsync.service.d/test.conf")
	if err := os.MkdirAll(filepath.Dir(dropIn), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dropIn, []byte("[Service]\nSuccessExitStatus=\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.must(t, "systemctl", "daemon-reload")
	c.run(t, "systemctl", "start", "doorsync.service")
	if got := c.show(t, "doorsync.service", "Result", "ExecMainStatus"); got != "Result=exit-code\nExecMainStatus=4" {
		t.Errorf("doorsync.service without SuccessExitStatus: %q, want exit 4 as a failure", got)
	}
	if err := os.Remove(dropIn); err != nil {
		t.Fatal(err)
	}
	c.must(t, "systemctl", "daemon-reload")
	c.must(t, "systemctl", "reset-failed", "doorsync.service")
	journal := c.must(t, "journalctl", "-u", "doorsync.service", "--no-pager", "-o", "cat")
	if !strings.Contains(journal, "run 1: held") || !strings.Contains(journal, "applied") {
		t.Errorf("the journal lacks the run's summary:\n%s", journal)
	}
	for _, secret := range secretValues(env) {
		if strings.Contains(journal, secret) {
			t.Error("the journal holds a secret")
		}
	}
	r.assertFile(t, "/var/lib/doorsync/doorsync.db", "-rw-------", "doorsync", "doorsync")

	// 3. The timer schedules it; watch and the timer stop each other.
	c.must(t, "systemctl", "enable", "--now", "doorsync.timer")
	if got := c.must(t, "systemctl", "list-timers", "doorsync.timer", "--no-pager"); !strings.Contains(got, "doorsync.service") {
		t.Errorf("list-timers:\n%s", got)
	}
	c.must(t, "systemctl", "start", "doorsync-watch.service")
	if got := c.run(t, "systemctl", "is-active", "doorsync.timer", "doorsync-watch.service"); got != "inactive\nactive" {
		t.Errorf("after starting watch: timer, watch %q, want inactive, active", got)
	}
	c.waitJournal(t, "doorsync-watch.service", "run 3:")
	c.must(t, "systemctl", "start", "doorsync.timer")
	if got := c.run(t, "systemctl", "is-active", "doorsync.timer", "doorsync-watch.service"); got != "active\ninactive" {
		t.Errorf("after starting the timer: timer, watch %q, want active, inactive", got)
	}

	// 4. A watch that dies is started again (RestartSec=30s).
	c.must(t, "systemctl", "stop", "doorsync.timer")
	c.must(t, "systemctl", "start", "doorsync-watch.service")
	c.must(t, "systemctl", "kill", "--signal=KILL", "doorsync-watch.service")
	c.waitFor(t, time.Minute, func() bool { return c.show(t, "doorsync-watch.service", "NRestarts") == "NRestarts=1" })
	c.waitFor(t, time.Minute, func() bool { return c.run(t, "systemctl", "is-active", "doorsync-watch.service") == "active" })

	// 5. A configuration error (exit 2) is not restarted: it would only
	// fail again every 30 seconds.
	r.write(t, "/etc/doorsync/doorsync.toml", config+"\nno_such_key = 1\n")
	c.run(t, "systemctl", "restart", "doorsync-watch.service")
	c.waitFor(t, time.Minute, func() bool {
		return c.show(t, "doorsync-watch.service", "ActiveState", "ExecMainStatus") == "ActiveState=failed\nExecMainStatus=2"
	})
	time.Sleep(35 * time.Second) // wall clock: RestartSec passes in the container's real time
	// (The restart above set NRestarts back to 0.)
	if got := c.show(t, "doorsync-watch.service", "ActiveState", "NRestarts"); got != "ActiveState=failed\nNRestarts=0" {
		t.Errorf("after a configuration error: %q, want failed and not restarted", got)
	}
	if j := c.must(t, "journalctl", "-u", "doorsync-watch.service", "--no-pager", "-o", "cat"); !strings.Contains(j, "no_such_key") {
		t.Errorf("the journal does not name the bad key:\n%s", j)
	}

	// 6. systemd's own score of the installed units.
	for _, unit := range []string{"doorsync.service", "doorsync-watch.service"} {
		out := c.must(t, "systemd-analyze", "security", unit, "--no-pager")
		m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("systemd-analyze security %s:\n%s", unit, out)
		}
		score, _ := strconv.ParseFloat(m[1], 64)
		t.Logf("%s under systemd: exposure %.1f", unit, score)
		if score > maxExposure {
			t.Errorf("%s: exposure %.1f, more than %.1f", unit, score, maxExposure)
		}
	}
}

// container is a root booted by systemd-nspawn; commands enter its
// namespaces through its init's pid.
type container struct {
	init int
}

func bootContainer(t *testing.T, dir string) *container {
	t.Helper()
	name := fmt.Sprintf("doorsync-test-%d", os.Getpid())
	nspawn := exec.Command("systemd-nspawn", "-D", dir, "--boot", "--register=no", "--keep-unit",
		"--console=passive", "--quiet", "-M", name)
	log, err := os.Create(filepath.Join(t.TempDir(), "nspawn.log"))
	if err != nil {
		t.Fatal(err)
	}
	nspawn.Stdout, nspawn.Stderr = log, log
	if err := nspawn.Start(); err != nil {
		t.Fatalf("systemd-nspawn: %v", err)
	}
	t.Cleanup(func() {
		_ = nspawn.Process.Signal(syscall.SIGTERM) // nspawn powers the container off
		done := make(chan struct{})
		go func() { _ = nspawn.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = nspawn.Process.Kill()
			<-done
		}
	})
	c := &container{}
	c.waitFor(t, 30*time.Second, func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", nspawn.Process.Pid, nspawn.Process.Pid))
		if err != nil {
			return false
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return false
		}
		c.init, _ = strconv.Atoi(f[0])
		return c.init > 0
	})
	c.waitFor(t, time.Minute, func() bool {
		state := c.run(t, "systemctl", "is-system-running")
		return state == "running" || state == "degraded"
	})
	return c
}

// run runs a command in the container and returns its trimmed output,
// whatever its exit.
func (c *container) run(t *testing.T, args ...string) string {
	t.Helper()
	out, _ := c.exec(t, args...)
	return out
}

func (c *container) must(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.exec(t, args...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (c *container) exec(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"-t", strconv.Itoa(c.init), "-a"}, args...)...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "SYSTEMD_COLORS=0"}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// show reads unit properties, one NAME=value line each.
func (c *container) show(t *testing.T, unit string, props ...string) string {
	t.Helper()
	var lines []string
	for _, p := range props {
		lines = append(lines, c.must(t, "systemctl", "show", unit, "-p", p))
	}
	return strings.Join(lines, "\n")
}

func (c *container) waitJournal(t *testing.T, unit, text string) {
	t.Helper()
	c.waitFor(t, time.Minute, func() bool {
		return strings.Contains(c.run(t, "journalctl", "-u", unit, "--no-pager", "-o", "cat"), text)
	})
}

// waitFor polls cond (the container runs in real time).
func (c *container) waitFor(t *testing.T, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit) // wall clock: the container's systemd runs in real time
	for !cond() {
		if time.Now().After(deadline) { // wall clock: as above
			t.Fatalf("not within %s", limit)
		}
		time.Sleep(500 * time.Millisecond) // wall clock: polling a real system
	}
}
