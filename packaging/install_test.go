//go:build linux

package packaging

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInstallInThrowawayRoot installs the .deb, then the .rpm, each into a
// copy of a minimal Debian root (debootstrap --variant=minbase; `make
// package-install-test` makes one) and follows docs/operator-guide.md step
// by step, with the package's own scripts run inside the root (dpkg in it;
// the host's rpm with --root, which runs them chrooted) and doorsync run as
// the doorsync user: install, edit the config, secrets in /etc/doorsync/env,
// doctor against `doorsync demo --serve`, a run, a backup, an upgrade that
// keeps the operator's files, removal (keeps the config and database) and,
// for the .deb, purge (removes them). It needs root (chroot) and a base root.
func TestInstallInThrowawayRoot(t *testing.T) {
	dir, base := baseRoot(t, "DOORSYNC_INSTALL_BASE", "a Debian root")
	for _, p := range findPackages(t, dir) {
		if p.arch == runtime.GOARCH {
			t.Run(p.format, func(t *testing.T) { installAndFollowTheGuide(t, base, p) })
		}
	}
}

// baseRoot is the packages' directory and the base root the variable
// names; the tests that install need both, and root (chroot, mount, dpkg).
func baseRoot(t *testing.T, variable, what string) (packages, base string) {
	t.Helper()
	packages = packagesDir(t)
	base = os.Getenv(variable)
	if base == "" {
		t.Skipf("%s is not set: `make package-install-test` makes %s and runs this test in it", variable, what)
	}
	if os.Geteuid() != 0 {
		t.Skip("installing into a throwaway root needs root (chroot, mount, dpkg)")
	}
	return packages, base
}

// manager runs the package manager of pkg's format on the root as the guide
// would: install (also an upgrade), remove, purge.
func (r *throwawayRoot) manager(t *testing.T, pkg builtPackage, action string) {
	t.Helper()
	if pkg.format == "deb" {
		flag := map[string]string{"install": "-i", "remove": "-r", "purge": "-P"}[action]
		arg := "doorsync"
		if action == "install" {
			arg = "/tmp/doorsync.deb"
		}
		r.must(t, root, "dpkg", flag, arg)
		return
	}
	// rpm is not in a Debian root: the host's installs into it (--nodeps:
	// the root's rpm database knows none of Debian's packages).
	args := map[string][]string{"install": {"-U", "--replacepkgs", pkg.path}, "remove": {"-e", "doorsync"}}[action]
	cmd := exec.Command("rpm", append([]string{"--root=" + r.dir, "--nodeps"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rpm %s: %v\n%s", action, err, out)
	}
}

func installAndFollowTheGuide(t *testing.T, base string, pkg builtPackage) {
	r := newThrowawayRoot(t, base)
	if pkg.format == "deb" {
		copyFile(t, pkg.path, filepath.Join(r.dir, "tmp/doorsync.deb"), 0o644)
	} else {
		if _, err := exec.LookPath("rpm"); err != nil {
			t.Fatal("rpm is not installed: it installs the .rpm into the root (apt-get install rpm)")
		}
		if out, err := exec.Command("rpm", "--root="+r.dir, "--initdb").CombinedOutput(); err != nil {
			t.Fatalf("rpm --initdb: %v\n%s", err, out)
		}
	}

	// 1. Install.
	r.manager(t, pkg, "install")
	passwd := r.must(t, root, "getent", "passwd", "doorsync")
	if !strings.Contains(passwd, ":/var/lib/doorsync:/usr/sbin/nologin") {
		t.Errorf("doorsync user: %s", passwd)
	}
	r.assertFile(t, "/etc/doorsync", "drwxr-x---", "root", "doorsync")
	r.assertFile(t, "/etc/doorsync/doorsync.toml", "-rw-r-----", "root", "doorsync")
	r.assertFile(t, "/etc/doorsync/env", "-rw-------", "doorsync", "doorsync")
	if template, err := os.ReadFile("env"); err != nil || r.read(t, "/etc/doorsync/env") != string(template) {
		t.Errorf("/etc/doorsync/env is not the template (%v)", err)
	}
	r.assertFile(t, "/var/lib/doorsync", "drwx------", "doorsync", "doorsync")
	r.assertFile(t, "/usr/share/man/man1/doorsync-links-import.1.gz", "-rw-r--r--", "root", "root")

	// 2. Without secrets the packaged config says what is missing.
	res := r.run(t, doorsync, "/usr/bin/doorsync", "doctor")
	if res.code != 2 || !strings.Contains(res.out, "CARDSKIPPER_PASSWORD") || !strings.Contains(res.out, "/etc/doorsync/env") {
		t.Errorf("doctor on the packaged config: exit %d, want 2 naming CARDSKIPPER_PASSWORD and /etc/doorsync/env:\n%s", res.code, res.out)
	}

	// 3. The emulators, as the guide's "try it first" says.
	demo := r.start(t, doorsync, "/usr/bin/doorsync", "demo", "--serve", "--write-config", "/tmp/demo.toml")
	demo.waitFor(t, "configuration written to")

	// 4. Edit the config and put the secrets in /etc/doorsync/env.
	config, env := fromDemoConfig(t, r.read(t, "/tmp/demo.toml"))
	r.write(t, "/etc/doorsync/doorsync.toml", config)
	r.write(t, "/etc/doorsync/env", env)
	r.assertFile(t, "/etc/doorsync/env", "-rw-------", "doorsync", "doorsync")

	// 5. doctor, as the doorsync user, finds the config and the secrets.
	res = r.run(t, doorsync, "/usr/bin/doorsync", "doctor")
	if res.code != 0 || !strings.Contains(res.out, "ok") {
		t.Fatalf("doctor: exit %d\n%s", res.code, res.out)
	}
	t.Logf("sudo -u doorsync doorsync doctor:\n%s", res.out)
	// sudo keeps the admin's working directory, their own 0700 home, which
	// the doorsync user may not search: the configuration is still found.
	res = r.run(t, root, "/bin/sh", "-c", "mkdir -p -m 0700 /home/admin && cd /home/admin && "+
		"HOME=/var/lib/doorsync setpriv --reuid=doorsync --regid=doorsync --init-groups /usr/bin/doorsync doctor")
	if res.code != 0 {
		t.Errorf("doctor as doorsync from a 0700 home: exit %d\n%s", res.code, res.out)
	}
	for _, secret := range secretValues(env) {
		if strings.Contains(res.out, secret) {
			t.Errorf("doctor's output holds a secret")
		}
	}

	// 6. A run as the timer would start it; the database is the doorsync user's.
	res = r.run(t, doorsync, "/usr/bin/doorsync", "--auto")
	if res.code != 0 && res.code != 4 {
		t.Fatalf("--auto: exit %d\n%s", res.code, res.out)
	}
	t.Logf("sudo -u doorsync doorsync --auto: exit %d", res.code)
	r.assertFile(t, "/var/lib/doorsync/doorsync.db", "-rw-------", "doorsync", "doorsync")

	// 7. Root is turned away from the doorsync user's database.
	res = r.run(t, root, "/usr/bin/doorsync", "history")
	if res.code != 2 || !strings.Contains(res.out, "sudo -u doorsync") {
		t.Errorf("history as root: exit %d, want 2 saying to run it as the doorsync user:\n%s", res.code, res.out)
	}
	res = r.run(t, doorsync, "/usr/bin/doorsync", "history")
	if res.code != 0 || !strings.Contains(res.out, "auto") {
		t.Errorf("history: exit %d\n%s", res.code, res.out)
	}

	// 8. A backup while nothing runs; the guide's restore is a copy back.
	res = r.run(t, doorsync, "/usr/bin/doorsync", "backup", "/var/lib/doorsync/backup.db")
	if res.code != 0 {
		t.Errorf("backup: exit %d\n%s", res.code, res.out)
	}
	r.assertFile(t, "/var/lib/doorsync/backup.db", "-rw-------", "doorsync", "doorsync")
	demo.stop(t)

	// 9. An upgrade keeps the operator's config and secrets.
	r.manager(t, pkg, "install")
	if r.read(t, "/etc/doorsync/doorsync.toml") != config || r.read(t, "/etc/doorsync/env") != env {
		t.Error("the upgrade replaced the operator's config or secrets")
	}
	r.assertFile(t, "/etc/doorsync/doorsync.toml", "-rw-r-----", "root", "doorsync")

	// 10. Removal keeps the config, the secrets and the database (rpm
	// keeps a config you changed under .rpmsave).
	r.manager(t, pkg, "remove")
	for _, gone := range []string{"/usr/bin/doorsync", "/usr/lib/systemd/system/doorsync.timer"} {
		if r.exists(gone) {
			t.Errorf("%s is left after the removal", gone)
		}
	}
	kept := map[string]string{"/etc/doorsync/doorsync.toml": config, "/etc/doorsync/env": env}
	for path, content := range kept {
		if pkg.format == "rpm" && path == "/etc/doorsync/doorsync.toml" {
			path += ".rpmsave" // the package's file, changed: rpm keeps it aside
		}
		if !r.exists(path) || r.read(t, path) != content {
			t.Errorf("the removal did not keep %s as the operator wrote it", path)
		}
	}
	if !r.exists("/var/lib/doorsync/doorsync.db") {
		t.Error("the removal deleted the database")
	}
	if pkg.format == "rpm" {
		return // rpm has no purge
	}

	// 11. Purge removes them; the user stays (files elsewhere may be its own).
	r.manager(t, pkg, "purge")
	for _, gone := range []string{"/etc/doorsync", "/var/lib/doorsync"} {
		if r.exists(gone) {
			t.Errorf("%s is left after dpkg -P", gone)
		}
	}
	r.must(t, root, "getent", "passwd", "doorsync")
}

// fromDemoConfig turns the demo's written configuration into what the
// guide asks of the operator: the secrets moved to /etc/doorsync/env as
// ${NAME}s, env_file on, the database in /var/lib/doorsync.
func fromDemoConfig(t *testing.T, demo string) (config, env string) {
	t.Helper()
	section := ""
	var c, e strings.Builder
	c.WriteString("env_file = \"/etc/doorsync/env\"\n")
	secret := regexp.MustCompile(`^(password|token) = "(.*)"$`)
	n := 0
	for _, line := range strings.Split(demo, "\n") {
		switch {
		case strings.HasPrefix(line, "database = "):
			line = `database = "/var/lib/doorsync/doorsync.db"`
		case strings.HasPrefix(line, "["):
			section = strings.ToUpper(strings.Trim(line, "[]"))
		case secret.MatchString(line):
			m := secret.FindStringSubmatch(line)
			n++
			name := fmt.Sprintf("%s_%s_%d", section, strings.ToUpper(m[1]), n)
			fmt.Fprintf(&e, "%s=%s\n", name, m[2])
			line = fmt.Sprintf(`%s = "${%s}"`, m[1], name)
		}
		c.WriteString(line + "\n")
	}
	if n != 5 {
		t.Fatalf("the demo config has %d secrets, want 5:\n%s", n, demo)
	}
	return c.String(), e.String()
}

func secretValues(env string) []string {
	var v []string
	for _, line := range strings.Split(strings.TrimSpace(env), "\n") {
		_, val, _ := strings.Cut(line, "=")
		v = append(v, val)
	}
	return v
}

// throwawayRoot is a copy of a base root with /proc mounted, removed at the
// end of the test.
type throwawayRoot struct {
	dir string
}

// user is who a command runs as inside the root.
type user int

const (
	root user = iota
	doorsync
)

func newThrowawayRoot(t *testing.T, base string) *throwawayRoot {
	t.Helper()
	dir := copyRoot(t, base)
	// doorsync's run lock reads /proc (boot id, the holder's start time).
	if out, err := exec.Command("mount", "-t", "proc", "proc", filepath.Join(dir, "proc")).CombinedOutput(); err != nil {
		t.Fatalf("mount proc: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", filepath.Join(dir, "proc")).CombinedOutput(); err != nil {
			t.Errorf("umount proc: %v\n%s", err, out)
		}
	})
	return &throwawayRoot{dir: dir}
}

// copyRoot copies a base root into the test's temporary directory.
func copyRoot(t *testing.T, base string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "root")
	if out, err := exec.Command("cp", "-a", base, dir).CombinedOutput(); err != nil {
		t.Fatalf("copy %s: %v\n%s", base, err, out)
	}
	return dir
}

func (r *throwawayRoot) command(ctx context.Context, t *testing.T, as user, args ...string) *exec.Cmd {
	t.Helper()
	chroot := []string{r.dir}
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "DEBIAN_FRONTEND=noninteractive"}
	if as == doorsync {
		uid, gid := r.ids(t, "doorsync")
		chroot = []string{fmt.Sprintf("--userspec=%d:%d", uid, gid), "--groups=" + fmt.Sprint(gid), r.dir}
		env = append(env, "HOME=/var/lib/doorsync", "USER=doorsync")
	} else {
		env = append(env, "HOME=/root")
	}
	cmd := exec.CommandContext(ctx, "chroot", append(chroot, args...)...)
	cmd.Env = env
	return cmd
}

// ids reads a user's uid and gid from the root's /etc/passwd.
func (r *throwawayRoot) ids(t *testing.T, name string) (int, int) {
	t.Helper()
	for _, line := range strings.Split(r.read(t, "/etc/passwd"), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 3 && f[0] == name {
			var uid, gid int
			fmt.Sscan(f[2], &uid)
			fmt.Sscan(f[3], &gid)
			return uid, gid
		}
	}
	t.Fatalf("no user %s in the root", name)
	return 0, 0
}

type result struct {
	code int
	out  string
}

func (r *throwawayRoot) run(t *testing.T, as user, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := r.command(ctx, t, as, args...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	return result{code, string(out)}
}

func (r *throwawayRoot) must(t *testing.T, as user, args ...string) string {
	t.Helper()
	res := r.run(t, as, args...)
	if res.code != 0 {
		t.Fatalf("%s: exit %d\n%s", strings.Join(args, " "), res.code, res.out)
	}
	return res.out
}

func (r *throwawayRoot) path(p string) string { return filepath.Join(r.dir, p) }

func (r *throwawayRoot) exists(p string) bool {
	_, err := os.Lstat(r.path(p))
	return err == nil
}

func (r *throwawayRoot) read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(r.path(p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// write replaces a file's content in place, as an editor run by root would:
// its mode and owner stay.
func (r *throwawayRoot) write(t *testing.T, p, content string) {
	t.Helper()
	f, err := os.OpenFile(r.path(p), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, content); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// assertFile checks a path's mode and owners by the root's own names.
func (r *throwawayRoot) assertFile(t *testing.T, p, mode, owner, group string) {
	t.Helper()
	fi, err := os.Lstat(r.path(p))
	if err != nil {
		t.Errorf("%s: %v", p, err)
		return
	}
	st := fi.Sys().(*syscall.Stat_t)
	gotOwner, gotGroup := r.name(t, "/etc/passwd", int(st.Uid)), r.name(t, "/etc/group", int(st.Gid))
	if got := fi.Mode().String(); got != mode || gotOwner != owner || gotGroup != group {
		t.Errorf("%s: %s %s:%s, want %s %s:%s", p, got, gotOwner, gotGroup, mode, owner, group)
	}
}

func (r *throwawayRoot) name(t *testing.T, file string, id int) string {
	t.Helper()
	for _, line := range strings.Split(r.read(t, file), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 2 && f[2] == fmt.Sprint(id) {
			return f[0]
		}
	}
	return fmt.Sprint(id)
}

// background is a long-running command in the root (demo --serve).
type background struct {
	cmd    *exec.Cmd
	cancel func()
	lines  chan string
	seen   strings.Builder
}

func (r *throwawayRoot) start(t *testing.T, as user, args ...string) *background {
	t.Helper()
	return startBackground(t, r.command(context.Background(), t, as, args...))
}

// startBackground starts cmd; the test's end interrupts it (Ctrl-C).
func startBackground(t *testing.T, cmd *exec.Cmd) *background {
	t.Helper()
	cancel := func() {
		if cmd.Process != nil {
			_ = cmd.Process.Signal(os.Interrupt)
		}
	}
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &background{cmd: cmd, cancel: cancel, lines: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case b.lines <- sc.Text():
			default: // nobody waits for more: drop it, never block the command
			}
		}
		close(b.lines)
	}()
	t.Cleanup(func() { b.stop(t) })
	return b
}

func (b *background) waitFor(t *testing.T, text string) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case line, ok := <-b.lines:
			if !ok {
				t.Fatalf("it ended before saying %q:\n%s", text, b.seen.String())
			}
			b.seen.WriteString(line + "\n")
			if strings.Contains(line, text) {
				return
			}
		case <-timeout:
			t.Fatalf("no %q within a minute:\n%s", text, b.seen.String())
		}
	}
}

func (b *background) stop(t *testing.T) {
	if b.cancel == nil {
		return
	}
	b.cancel()
	b.cancel = nil
	_ = b.cmd.Wait()
}
