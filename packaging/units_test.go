// Package packaging holds what the .deb and .rpm ship besides the binary
// (systemd units, sysusers.d and tmpfiles.d entries, the secrets template,
// the install scripts, assets.sh that makes the man pages and completions)
// and the tests of all of it:
//
//   - units_test.go, scripts_test.go run in every `make test`: the units
//     pass systemd-analyze verify and keep their hardening score, and the
//     scripts pass shellcheck (each where the tool is installed);
//   - package_test.go checks the built packages: files, modes, owners,
//     conffiles, scripts (DOORSYNC_PACKAGES=dist; `make package` runs it),
//     and installs the .deb in a throwaway Debian root to follow the
//     operator guide step by step (DOORSYNC_INSTALL_BASE; `make
//     package-install-test`).
//
// goreleaser itself is not in `make test`: building it takes minutes and
// hundreds of MB of modules, more than CI's budget.
package packaging

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// unitFile is a unit's keys in order, each with every value it was given.
type unitFile map[string][]string

func readUnit(t *testing.T, path string) unitFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s: not a key=value line: %q", path, line)
			}
			u[section+"."+k] = append(u[section+"."+k], v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

func (u unitFile) get(key string) string { return strings.Join(u[key], "\n") }

func TestUnitsSayWhatTheGuideSays(t *testing.T) {
	// What the issue asks of both services, and what holds with the
	// features doorsync uses.
	hardening := map[string]string{
		"Service.User":                    "doorsync",
		"Service.Group":                   "doorsync",
		"Service.StateDirectory":          "doorsync",
		"Service.StateDirectoryMode":      "0700",
		"Service.UMask":                   "0077",
		"Service.NoNewPrivileges":         "yes",
		"Service.CapabilityBoundingSet":   "",
		"Service.ProtectSystem":           "strict",
		"Service.ProtectHome":             "yes",
		"Service.PrivateTmp":              "yes",
		"Service.PrivateDevices":          "yes",
		"Service.PrivateUsers":            "yes",
		"Service.RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
		"Service.RestrictNamespaces":      "yes",
		"Service.RestrictSUIDSGID":        "yes",
		"Service.MemoryDenyWriteExecute":  "yes",
		"Service.LockPersonality":         "yes",
		"Service.SystemCallArchitectures": "native",
		"Service.SystemCallFilter":        "@system-service\n~@privileged @resources",
		"Service.EnvironmentFile":         "-/etc/doorsync/env",
	}
	auto := readUnit(t, "systemd/doorsync.service")
	watch := readUnit(t, "systemd/doorsync-watch.service")
	timer := readUnit(t, "systemd/doorsync.timer")

	for name, u := range map[string]unitFile{"doorsync.service": auto, "doorsync-watch.service": watch} {
		for k, want := range hardening {
			if got := u.get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", name, k, got, want)
			}
		}
		if got := u.get("Unit.After"); got != "network-online.target" {
			t.Errorf("%s: After=%q", name, got)
		}
	}
	// The two services are hardened alike: a change to one is a change to both.
	for k := range auto {
		if strings.HasPrefix(k, "Service.Protect") || strings.HasPrefix(k, "Service.Restrict") || strings.HasPrefix(k, "Service.Private") ||
			strings.HasPrefix(k, "Service.SystemCall") {
			if auto.get(k) != watch.get(k) {
				t.Errorf("%s differs: doorsync.service %q, doorsync-watch.service %q", k, auto.get(k), watch.get(k))
			}
		}
	}

	for _, c := range []struct {
		name string
		u    unitFile
		key  string
		want string
	}{
		{"doorsync.service", auto, "Service.Type", "oneshot"},
		{"doorsync.service", auto, "Service.ExecStart", "/usr/bin/doorsync --auto --config /etc/doorsync/doorsync.toml"},
		{"doorsync.service", auto, "Service.SuccessExitStatus", "4"},
		{"doorsync.service", auto, "Install.WantedBy", ""}, // started by the timer only
		{"doorsync-watch.service", watch, "Service.ExecStart", "/usr/bin/doorsync watch --config /etc/doorsync/doorsync.toml"},
		{"doorsync-watch.service", watch, "Service.Restart", "on-failure"},
		{"doorsync-watch.service", watch, "Service.RestartPreventExitStatus", "2"},
		{"doorsync-watch.service", watch, "Unit.Conflicts", "doorsync.timer"},
		{"doorsync-watch.service", watch, "Install.WantedBy", "multi-user.target"},
		{"doorsync.timer", timer, "Timer.OnCalendar", "*:0/10"},
		{"doorsync.timer", timer, "Timer.Persistent", "true"},
		{"doorsync.timer", timer, "Install.WantedBy", "timers.target"},
	} {
		if got := c.u.get(c.key); got != c.want {
			t.Errorf("%s: %s = %q, want %q", c.name, c.key, got, c.want)
		}
	}
}

// unitRoot is a file system root with the host's units (the targets ours
// name) and ours, and bin as /usr/bin/doorsync, for systemd-analyze --root.
func unitRoot(t *testing.T, units, bin string) string {
	t.Helper()
	root := t.TempDir()
	sys := filepath.Join(root, "usr/lib/systemd/system")
	for _, d := range []string{sys, filepath.Join(root, "usr/bin")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("cp", "-a", "/usr/lib/systemd/system/.", sys+"/").CombinedOutput(); err != nil {
		t.Fatalf("copy the host's units: %v\n%s", err, out)
	}
	for _, n := range []string{"doorsync.service", "doorsync.timer", "doorsync-watch.service"} {
		copyFile(t, filepath.Join(units, n), filepath.Join(sys, n), 0o644)
	}
	copyFile(t, bin, filepath.Join(root, "usr/bin/doorsync"), 0o755)
	return root
}

// verifyUnits runs systemd-analyze verify: exit 0 is not enough, it only
// warns about an unknown key, so any output fails too.
func verifyUnits(t *testing.T, root string) {
	t.Helper()
	cmd := exec.Command("systemd-analyze", "verify", "--man=no", "--root="+root,
		"doorsync.service", "doorsync.timer", "doorsync-watch.service")
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func TestUnitsVerify(t *testing.T) {
	needTool(t, "systemd-analyze")
	if _, err := os.Stat("/usr/lib/systemd/system/timers.target"); err != nil {
		t.Skip("this machine has no systemd units to verify against")
	}
	// verify checks that ExecStart is executable; what it runs is not its business.
	verifyUnits(t, unitRoot(t, "systemd", "/bin/true"))
}

// maxExposure is the highest systemd-analyze security score the services
// may reach (0 is best, 10 worst; 1.2 when this was written).
const maxExposure = 1.5

func TestUnitsSecurityScore(t *testing.T) {
	needTool(t, "systemd-analyze")
	for _, unit := range []string{"systemd/doorsync.service", "systemd/doorsync-watch.service"} {
		out, err := exec.Command("systemd-analyze", "security", "--offline=true", "--no-pager", unit).CombinedOutput()
		m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("systemd-analyze security %s: %v\n%s", unit, err, out)
		}
		score, _ := strconv.ParseFloat(string(m[1]), 64)
		t.Logf("%s: exposure %.1f", unit, score)
		if score > maxExposure {
			t.Errorf("%s: exposure %.1f, more than %.1f: a hardening option was lost\n%s", unit, score, maxExposure, out)
		}
	}
}

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed here", name)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}
