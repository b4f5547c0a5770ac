// Package atomicfile writes files so that a reader, or a crash, sees the old
// file or the complete new one, never half of it (reports, saved plans,
// configurations written by the demo, database backups).
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write writes what fill produces to path: into a temporary file in the same
// directory, fsynced, chmodded to mode (not subject to the umask), renamed
// over path, and the directory fsynced so the rename survives a power cut. A
// symbolic link at path is replaced, not followed.
func Write(path string, mode os.FileMode, fill func(io.Writer) error) error {
	return WriteFile(path, mode, func(f *os.File) error { return fill(f) })
}

// WriteFile is Write for a producer that needs the temporary file itself:
// its name, to write it by another descriptor (SQLite's VACUUM INTO, which
// takes an empty file), or to read back what was written before it counts.
// The file already has mode when fill runs; whatever fill leaves in it is
// synced and renamed over path, and nothing is left behind when fill fails.
func WriteFile(path string, mode os.FileMode, fill func(tmp *os.File) error) (err error) {
	dir, base := filepath.Split(path)
	if base == "" {
		return fmt.Errorf("write %q: not a file name", path)
	}
	if dir == "" {
		dir = "."
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("write %s: is a directory", path)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := fill(f); err != nil {
		return fmt.Errorf("%w (to %s)", err, path)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable. Some file systems cannot fsync a
// directory (EINVAL); the file itself is already synced, so that is ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	defer d.Close()
	_ = d.Sync()
}
