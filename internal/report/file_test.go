package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWriteFile(t *testing.T) {
	// A permissive umask must not widen the mode, a strict one not narrow it.
	old := syscall.Umask(0o002)
	t.Cleanup(func() { syscall.Umask(old) })

	r := fixtureReport(t)
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "report."+string(f))
			if err := WriteFile(path, r, f); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := Write(&want, r, f); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Error("file content differs from Write's output")
			}
			assertMode(t, path, FileMode)
			assertOnly(t, dir, "report."+string(f))
		})
	}
}

func TestWriteFileReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.csv")
	if err := os.WriteFile(path, []byte("old report"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, fixtureReport(t), CSV); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(got), bom+"kind,") {
		t.Errorf("file not replaced: %q", got[:min(20, len(got))])
	}
	// The old file was world-readable; the new one is not.
	assertMode(t, path, FileMode)
	assertOnly(t, dir, "report.csv")
}

func TestWriteFileFailureKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	if err := os.WriteFile(path, []byte("old report"), 0o640); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(path, fixtureReport(t), Format("pdf"))
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `unknown format "pdf"`) {
		t.Errorf("err = %v, want unknown format naming %s", err, path)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "old report" {
		t.Errorf("a failed write changed the file: %q", got)
	}
	assertOnly(t, dir, "report.html")
}

func TestWriteFileErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, path, want string
	}{
		{"missing directory", filepath.Join(dir, "no", "such", "report.csv"), "no such file or directory"},
		{"directory as file", dir + string(filepath.Separator), "not a file name"},
		{"path is a directory", dir, "is a directory"},
	}
	// Rename over a directory fails; make one with the report's name.
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests[2].path = filepath.Join(dir, "sub")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteFile(tt.path, fixtureReport(t), JSON)
			if err == nil || !strings.Contains(err.Error(), tt.path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q naming %s", err, tt.want, tt.path)
			}
		})
	}
	assertOnly(t, dir, "sub")
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", path, got, want)
	}
}

// assertOnly checks that no temporary file was left behind.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}
