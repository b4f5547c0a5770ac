//go:build unix

package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// --force replaces a plain file only: onto /dev/null it made the device a
// plain file, and a symbolic link was replaced, not written through
// (review of issue 14).
func TestBackupForceReplacesOnlyAPlainFile(t *testing.T) {
	_, _, path := newStore(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "target.db")
	if err := os.WriteFile(target, []byte("kept"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.db")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling.db")
	if err := os.Symlink(filepath.Join(dir, "absent"), dangling); err != nil {
		t.Fatal(err)
	}
	if _, err := Backup(context.Background(), path, dangling, false); !errors.Is(err, ErrBackupNotAFile) {
		t.Errorf("Backup onto a dangling link without --force: %v, want ErrBackupNotAFile", err)
	}
	for _, dest := range []string{fifo, link, dangling} {
		before, _ := os.Lstat(dest)
		_, err := Backup(context.Background(), path, dest, true)
		if !errors.Is(err, ErrBackupNotAFile) {
			t.Errorf("Backup --force onto %s: %v, want ErrBackupNotAFile", dest, err)
		}
		if after, err := os.Lstat(dest); err != nil || after.Mode() != before.Mode() {
			t.Errorf("%s was %v, now %v (%v)", dest, before.Mode(), after.Mode(), err)
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "kept" {
		t.Errorf("the link's target now holds %q", b)
	}
}
