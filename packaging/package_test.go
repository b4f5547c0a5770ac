package packaging

import (
	"bytes"
	"compress/gzip"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// packagesDir is where `make package` left the packages (goreleaser's dist/).
func packagesDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DOORSYNC_PACKAGES")
	if dir == "" {
		t.Skip("DOORSYNC_PACKAGES is not set: `make package` builds the packages and runs this test on them")
	}
	return dir
}

// builtPackage is one .deb or .rpm of dist/.
type builtPackage struct {
	path   string
	format string // deb or rpm
	arch   string // goarch
}

func findPackages(t *testing.T, dir string) []builtPackage {
	t.Helper()
	var found []builtPackage
	for _, c := range []struct{ format, glob, arch string }{
		{"deb", "doorsync_*_amd64.deb", "amd64"},
		{"deb", "doorsync_*_arm64.deb", "arm64"},
		{"rpm", "doorsync-*.x86_64.rpm", "amd64"},
		{"rpm", "doorsync-*.aarch64.rpm", "arm64"},
	} {
		m, _ := filepath.Glob(filepath.Join(dir, c.glob))
		if len(m) != 1 {
			t.Fatalf("%s: want one %s, found %v", dir, c.glob, m)
		}
		found = append(found, builtPackage{m[0], c.format, c.arch})
	}
	return found
}

// entry is one file of a package as its tools list it.
type entry struct {
	mode, owner, group string
	config             bool
}

// wantEntries is what every package holds besides the man pages; zsh's
// completion sits where each family's zsh looks.
func wantEntries(format string) map[string]entry {
	file := entry{"-rw-r--r--", "root", "root", false}
	want := map[string]entry{
		"/usr/bin/doorsync":                                  {"-rwxr-xr-x", "root", "root", false},
		"/usr/lib/systemd/system/doorsync.service":           file,
		"/usr/lib/systemd/system/doorsync.timer":             file,
		"/usr/lib/systemd/system/doorsync-watch.service":     file,
		"/usr/lib/sysusers.d/doorsync.conf":                  file,
		"/usr/lib/tmpfiles.d/doorsync.conf":                  file,
		"/etc/doorsync":                                      {"drwxr-x---", "root", "doorsync", false},
		"/etc/doorsync/doorsync.toml":                        {"-rw-r-----", "root", "doorsync", true},
		"/usr/share/doorsync/env":                            file,
		"/usr/share/bash-completion/completions/doorsync":    file,
		"/usr/share/fish/vendor_completions.d/doorsync.fish": file,
		"/usr/share/doc/doorsync/README.md":                  file,
		"/usr/share/doc/doorsync/operator-guide.md":          file,
		"/usr/share/doc/doorsync/configuration.md":           file,
		"/usr/share/doc/doorsync/links-import.md":            file,
		"/usr/share/doc/doorsync/identity.md":                file,
		"/usr/share/doc/doorsync/firmware.md":                file,
		"/usr/share/doc/doorsync/doorsync.example.toml":      file,
	}
	if format == "deb" {
		want["/usr/share/zsh/vendor-completions/_doorsync"] = file
	} else {
		want["/usr/share/zsh/site-functions/_doorsync"] = file
	}
	return want
}

// listDeb reads dpkg-deb -c (modes, owners) and the conffiles.
func listDeb(t *testing.T, pkg string) map[string]entry {
	t.Helper()
	out := run(t, "dpkg-deb", "-c", pkg)
	got := map[string]entry{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		// drwxr-x--- root/doorsync 0 2026-12-06 14:00 ./etc/doorsync/
		f := strings.Fields(line)
		if len(f) < 6 {
			t.Fatalf("dpkg-deb -c: odd line %q", line)
		}
		owner, group, _ := strings.Cut(f[1], "/")
		name := strings.TrimSuffix(strings.TrimPrefix(f[5], "."), "/")
		got[name] = entry{mode: f[0], owner: owner, group: group}
	}
	control := t.TempDir()
	run(t, "dpkg-deb", "-e", pkg, control)
	conffiles, err := os.ReadFile(filepath.Join(control, "conffiles"))
	if err != nil {
		t.Fatalf("%s has no conffiles: %v", pkg, err)
	}
	for _, name := range strings.Fields(string(conffiles)) {
		e, ok := got[name]
		if !ok {
			t.Errorf("conffile %s is not in the package", name)
		}
		e.config = true
		got[name] = e
	}
	// The maintainer scripts are ours, as written.
	for deb, ours := range map[string]string{"preinst": "preinstall.sh", "postinst": "postinstall.sh", "prerm": "preremove.sh", "postrm": "postremove.sh"} {
		assertSameFile(t, filepath.Join(control, deb), filepath.Join("scripts", ours))
	}
	return got
}

// listRPM reads the same from rpm's own query of the header.
func listRPM(t *testing.T, pkg string) map[string]entry {
	t.Helper()
	out := run(t, "rpm", "-qp", "--qf", `[%{FILEMODES:perms} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILEFLAGS:fflags}/ %{FILENAMES}\n]`, pkg)
	got := map[string]entry{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) != 5 {
			t.Fatalf("rpm -qp: odd line %q", line)
		}
		flags := strings.TrimSuffix(f[3], "/")
		got[f[4]] = entry{mode: f[0], owner: f[1], group: f[2], config: strings.Contains(flags, "c")}
		if strings.Contains(flags, "c") && !strings.Contains(flags, "n") {
			t.Errorf("%s: %s is a config file an upgrade may overwrite (flags %q, want noreplace)", pkg, f[4], flags)
		}
	}
	scripts := run(t, "rpm", "-qp", "--scripts", pkg)
	for _, ours := range []string{"preinstall.sh", "postinstall.sh", "preremove.sh", "postremove.sh"} {
		b, err := os.ReadFile(filepath.Join("scripts", ours))
		if err != nil {
			t.Fatal(err)
		}
		body := string(b[bytes.IndexByte(b, '\n')+1:]) // rpm keeps the interpreter apart
		if !strings.Contains(scripts, body) {
			t.Errorf("%s: script %s is not in the package as written", pkg, ours)
		}
	}
	return got
}

func TestBuiltPackages(t *testing.T) {
	dir := packagesDir(t)
	for _, pkg := range findPackages(t, dir) {
		t.Run(filepath.Base(pkg.path), func(t *testing.T) {
			var got map[string]entry
			if pkg.format == "deb" {
				got = listDeb(t, pkg.path)
				info := run(t, "dpkg-deb", "-I", pkg.path)
				for _, want := range []string{"Package: doorsync", "Architecture: " + pkg.arch, "Section: admin"} {
					if !strings.Contains(info, want) {
						t.Errorf("dpkg-deb -I lacks %q:\n%s", want, info)
					}
				}
			} else {
				if _, err := exec.LookPath("rpm"); err != nil {
					t.Fatal("rpm is not installed: it reads the .rpm's header (apt-get install rpm)")
				}
				got = listRPM(t, pkg.path)
			}
			for name, want := range wantEntries(pkg.format) {
				g, ok := got[name]
				switch {
				case !ok:
					t.Errorf("%s is missing", name)
				case g != want:
					t.Errorf("%s: %+v, want %+v", name, g, want)
				}
			}
			var conffiles []string
			for name, e := range got {
				if e.config {
					conffiles = append(conffiles, name)
				}
				// Nothing is enabled by the package, and the state is made on install.
				if strings.HasPrefix(name, "/etc/systemd") || strings.HasPrefix(name, "/var/lib/doorsync") || name == "/etc/doorsync/env" {
					t.Errorf("the package holds %s", name)
				}
			}
			sort.Strings(conffiles)
			if strings.Join(conffiles, " ") != "/etc/doorsync/doorsync.toml" {
				t.Errorf("config files: %v", conffiles)
			}

			root := extract(t, pkg)
			assertBinaryArch(t, filepath.Join(root, "usr/bin/doorsync"), pkg.arch)
			assertPackagedConfig(t, filepath.Join(root, "etc/doorsync/doorsync.toml"))
			assertSameFile(t, filepath.Join(root, "usr/share/doorsync/env"), "env")
			assertManVersion(t, root, pkg)
			if pkg.arch == runtime.GOARCH {
				assertManPages(t, root, got)
				if needsVerify(t) {
					verifyUnits(t, unitRoot(t, filepath.Join(root, "usr/lib/systemd/system"), filepath.Join(root, "usr/bin/doorsync")))
				}
			}
		})
	}
}

// extract unpacks a package's files into a new directory.
func extract(t *testing.T, pkg builtPackage) string {
	t.Helper()
	root := t.TempDir()
	if pkg.format == "deb" {
		run(t, "dpkg-deb", "-x", pkg.path, root)
		return root
	}
	// rpm2archive (rpm's own) turns the payload into a tar.
	cmd := exec.Command("sh", "-c", `rpm2archive - <"$1" | tar -xzf -`, "sh", pkg.path)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rpm2archive %s: %v\n%s", pkg.path, err, out)
	}
	return root
}

func assertBinaryArch(t *testing.T, bin, goarch string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[goarch]
	if f.Machine != want {
		t.Errorf("%s is built for %s, want %s", bin, f.Machine, want)
	}
}

// assertPackagedConfig: the example, with env_file turned on and nothing
// else changed.
func assertPackagedConfig(t *testing.T, path string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("../doorsync.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	gl, el := strings.Split(string(got), "\n"), strings.Split(string(example), "\n")
	if len(gl) != len(el) {
		t.Fatalf("packaged config has %d lines, the example %d", len(gl), len(el))
	}
	changed := 0
	for i := range gl {
		if gl[i] != el[i] {
			changed++
			if gl[i] != `env_file = "/etc/doorsync/env"` {
				t.Errorf("packaged config line %d: %q, the example has %q", i+1, gl[i], el[i])
			}
		}
	}
	if changed != 1 {
		t.Errorf("packaged config differs from the example in %d lines, want 1 (env_file)", changed)
	}
}

// assertManPages: the package holds every page the binary makes, gzipped.
func assertManPages(t *testing.T, root string, got map[string]entry) {
	t.Helper()
	dir := t.TempDir()
	run(t, filepath.Join(root, "usr/bin/doorsync"), "man", "--dir", dir)
	pages, _ := filepath.Glob(filepath.Join(dir, "*.1"))
	if len(pages) < 15 {
		t.Fatalf("doorsync man --dir wrote %d pages", len(pages))
	}
	for _, p := range pages {
		name := "/usr/share/man/man1/" + filepath.Base(p) + ".gz"
		if _, ok := got[name]; !ok {
			t.Errorf("%s is missing", name)
		}
	}
	if n := countPrefix(got, "/usr/share/man/man1/"); n != len(pages) {
		t.Errorf("the package has %d pages, the binary makes %d", n, len(pages))
	}
}

func countPrefix(m map[string]entry, prefix string) int {
	n := 0
	for k := range m {
		if strings.HasPrefix(k, prefix) && k != strings.TrimSuffix(prefix, "/") {
			n++
		}
	}
	return n
}

func needsVerify(t *testing.T) bool {
	_, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze is not installed: the packaged units were not verified")
	}
	return err == nil
}

func assertSameFile(t *testing.T, got, want string) {
	t.Helper()
	g, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g, w) {
		t.Errorf("%s differs from %s", got, want)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// assertManVersion: the pages name the package's version, as the binary does.
func assertManVersion(t *testing.T, root string, pkg builtPackage) {
	t.Helper()
	base := filepath.Base(pkg.path)
	version := strings.TrimSuffix(strings.TrimPrefix(base, "doorsync_"), "_"+pkg.arch+".deb")
	if pkg.format == "rpm" {
		version = strings.TrimPrefix(base, "doorsync-")
		version = version[:strings.LastIndex(version, "-1.")]
	}
	f, err := os.Open(filepath.Join(root, "usr/share/man/man1/doorsync.1.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"doorsync ` + version + `"`; !bytes.Contains(page, []byte(want)) {
		t.Errorf("doorsync.1 does not name version %s: %.200s", version, page)
	}
}
