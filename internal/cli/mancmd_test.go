package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
)

// The packages ship these pages; every command the binary has must have one
// (a command added later gets its page without anyone writing it).
func TestManDirWritesAPagePerCommand(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SOURCE_DATE_EPOCH": "1780000000"} // 2026-05-28
	r := runApp(t, clocktest.Start(t), env, "man", "--dir", dir)
	if r.code != 0 {
		t.Fatalf("man --dir: exit %d\n%s", r.code, r.stderr)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*"))
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	for _, want := range []string{
		"doorsync.1", "doorsync-sync.1", "doorsync-plan.1", "doorsync-apply.1", "doorsync-watch.1",
		"doorsync-doctor.1", "doorsync-links.1", "doorsync-links-add.1", "doorsync-links-import.1",
		"doorsync-why.1", "doorsync-history.1", "doorsync-report.1", "doorsync-demo.1", "doorsync-man.1",
		"doorsync-completion.1", "doorsync-completion-bash.1", "doorsync-completion-zsh.1", "doorsync-completion-fish.1",
	} {
		if !contains(names, want) {
			t.Errorf("no page %s; written: %v", want, names)
		}
	}
	if contains(names, "doorsync-help.1") {
		t.Errorf("cobra's help command got a page: %v", names)
	}
	root := readFile(t, filepath.Join(dir, "doorsync.1"))
	for _, want := range []string{
		`.TH "DOORSYNC" "1" "May 2026"`,
		".SH EXIT STATUS", ".B 4\nheld: items await approval",
		".SH FILES", "/etc/doorsync/doorsync.toml", "/var/lib/doorsync/doorsync.db",
		".SH ENVIRONMENT", "DOORSYNC_CONFIG",
	} {
		if !strings.Contains(root, want) {
			t.Errorf("doorsync.1 lacks %q", want)
		}
	}
	// man-pages(7) order: the extra sections come before SEE ALSO.
	if strings.Index(root, ".SH EXIT STATUS") > strings.Index(root, ".SH SEE ALSO") {
		t.Error("EXIT STATUS after SEE ALSO")
	}
	if strings.Contains(root, "Auto generated") {
		t.Error("cobra's auto-generated history is in the page")
	}
	add := readFile(t, filepath.Join(dir, "doorsync-links-add.1"))
	if !strings.Contains(add, "--member") || !strings.Contains(add, "doorsync-links(1)") {
		t.Errorf("doorsync-links-add.1 lacks its --member flag or its parent:\n%s", add)
	}

	// Reproducible: the same date, the same pages.
	again := t.TempDir()
	runApp(t, clocktest.Start(t), env, "man", "--dir", again)
	for _, n := range names {
		if a, b := readFile(t, filepath.Join(dir, n)), readFile(t, filepath.Join(again, n)); a != b {
			t.Errorf("%s differs between two builds", n)
		}
	}

	// Every page is valid roff for man(1): groff warns about nothing.
	if _, err := exec.LookPath("groff"); err != nil {
		t.Log("groff not installed: the pages' roff was not checked")
		return
	}
	for _, n := range names {
		cmd := exec.Command("groff", "-k", "-man", "-Tutf8", "-ww", "-z", filepath.Join(dir, n))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil || stderr.Len() > 0 {
			t.Errorf("groff on %s: %v\n%s", n, err, stderr.String())
		}
	}
}

func TestManPrintsOneCommandsPage(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		code       int
		wantOut    string
		wantStderr string
	}{
		{[]string{"man"}, 0, `.TH "DOORSYNC" "1"`, ""},
		{[]string{"man", "links", "add"}, 0, `.TH "DOORSYNC-LINKS-ADD" "1"`, ""},
		{[]string{"man", "links-add"}, 0, `.TH "DOORSYNC-LINKS-ADD" "1"`, ""},
		{[]string{"man", "doorsync-links-add"}, 0, `.TH "DOORSYNC-LINKS-ADD" "1"`, ""},
		{[]string{"man", "links", "bogus"}, 2, "", `no command "bogus" in "doorsync links"`},
		{[]string{"man", "--dir", "x", "links"}, 2, "", "either --dir or a command"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runApp(t, clocktest.Start(t), nil, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stdout, tc.wantOut) || !strings.Contains(r.stderr, tc.wantStderr) {
				t.Errorf("exit %d (want %d)\nstdout: %.200s\nstderr: %s", r.code, tc.code, r.stdout, r.stderr)
			}
		})
	}
}

// The packages install these scripts; bash's is checked for syntax, and the
// flags with fixed values complete to them.
func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := runApp(t, clocktest.Start(t), nil, "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, "doorsync") || len(r.stdout) < 1000 {
			t.Fatalf("completion %s: exit %d, %d bytes\n%s", shell, r.code, len(r.stdout), r.stderr)
		}
		if shell != "bash" {
			continue
		}
		if _, err := exec.LookPath("bash"); err == nil {
			f := filepath.Join(t.TempDir(), "doorsync.bash")
			if err := os.WriteFile(f, []byte(r.stdout), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("bash", "-n", f).CombinedOutput(); err != nil {
				t.Errorf("bash -n on the bash completion: %v\n%s", err, out)
			}
		}
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "--log-format", ""}, []string{"text", "json"}},
		{[]string{"__complete", "report", "--format", ""}, []string{"csv", "json", "md", "html"}},
		{[]string{"__complete", "li"}, []string{"links"}},
		{[]string{"__complete", "links", ""}, []string{"add", "import", "list", "remove"}},
		{[]string{"__complete", "man", ""}, []string{"links", "sync", "backup"}},
		{[]string{"__complete", "man", "links", ""}, []string{"add", "import"}},
	} {
		r := runApp(t, clocktest.Start(t), nil, tc.args...)
		for _, w := range tc.want {
			if !strings.Contains(r.stdout, w+"\t") && !strings.Contains(r.stdout, w+"\n") {
				t.Errorf("%v offers no %q:\n%s", tc.args, w, r.stdout)
			}
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
