package report

import (
	"fmt"
	"os"
	"path/filepath"
)

// FileMode is the mode of a written report: reports hold members' e-mail
// addresses, so they are not world-readable.
const FileMode os.FileMode = 0o640

// WriteFile writes the report to path atomically: a reader (or a crash) sees
// the old file or the complete new one, never half a report. The report goes
// to a temporary file in the same directory, is fsynced, and renamed over
// path; the directory is fsynced so the rename survives a power cut. A
// symbolic link at path is replaced, not followed.
func WriteFile(path string, r Report, format Format) (err error) {
	dir, base := filepath.Split(path)
	if base == "" {
		return fmt.Errorf("report: write %q: not a file name", path)
	}
	if dir == "" {
		dir = "."
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("report: write %s: is a directory", path)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// CreateTemp makes 0600; Chmod is not subject to the umask, so the
	// mode is exactly FileMode whatever the cron environment sets.
	if err := f.Chmod(FileMode); err != nil {
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	if err := Write(f, r, format); err != nil {
		return fmt.Errorf("%w (to %s)", err, path)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("report: write %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("report: write %s: %w", path, err)
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
