//go:build unix

package config

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Only a plain file is read, and no more of it than a key file may hold:
// /dev/zero grew the process to 24 GB, a named pipe blocked it forever
// (review of issue 14).
func TestLoadReadsOnlyBoundedPlainKeyFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.env")
	writeFile(t, big, "CS_PASSWORD=x\n#"+strings.Repeat("x", 1<<20)+"\n", 0o600)
	for _, tt := range []struct{ key, file, want string }{
		{"env_file", "/dev/zero", "env_file: read /dev/zero: not a regular file but a device"},
		{"env_file", fifo, "env_file: read " + fifo + ": not a regular file but a named pipe"},
		{"env_file", dir, "env_file: read " + dir + ": not a regular file but a directory"},
		{"env_file", big, "env_file: file " + big + " is larger than 64 KiB"},
	} {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			path := filepath.Join(dir, "doorsync.toml")
			writeFile(t, path, tt.key+" = "+tomlString(tt.file)+"\n"+strings.Replace(loadDoc, "%s", `"${CS_PASSWORD}"`, 1), 0o600)
			writeFile(t, filepath.Join(dir, "ivms.pass"), fileIVMS+"\n", 0o600)
			_, err := Load(path, func(string) (string, bool) { return "", false })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v\nwant …%s…", err, tt.want)
			}
		})
	}
}

// --config naming a named pipe is refused at once, not waited on.
func TestLoadRefusesAPipeAsTheConfiguration(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "doorsync.toml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(fifo, nil)
	if want := "configuration: " + fifo + " is not a regular file but a named pipe"; err == nil || err.Error() != want {
		t.Errorf("Load: %v, want %q", err, want)
	}
}
