package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/doorsync/doorsync/internal/atomicfile"
)

var (
	// ErrBackupExists: Backup's destination exists and replacing it was not
	// asked for.
	ErrBackupExists = errors.New("the file exists")
	// ErrBackupOntoDatabase: Backup's destination is the database itself
	// (or its -wal, -shm or -journal file).
	ErrBackupOntoDatabase = errors.New("that is the database itself")
	// ErrBackupNotAFile: the destination exists and is not a plain file (a
	// directory, a device, a pipe, a symbolic link), which a backup never
	// replaces: --force onto /dev/null made it a plain file.
	ErrBackupNotAFile = errors.New("not a plain file")
)

// BackupInfo describes a copy Backup wrote and checked.
type BackupInfo struct {
	Path  string `json:"path"` // absolute
	Bytes int64  `json:"bytes"`
	Runs  int    `json:"runs"`
	// Schema is the copy's schema version; it may be newer than
	// LatestVersion (a newer doorsync wrote the database), or older.
	Schema int `json:"schema"`
}

// Backup copies the database at src into the file dest, consistently, while
// a run may be writing it: SQLite's VACUUM INTO reads one snapshot in a read
// transaction, which in WAL mode neither waits for a writer nor makes one
// wait, so the copy holds exactly the transactions committed when it began.
// It takes no run lock and neither creates nor migrates src: any schema
// version is copied as it is (a copy is what one wants before an upgrade or
// a downgrade), but a file without doorsync's schema_version table is not
// a doorsync database and is refused.
//
// The copy is written to a temporary file next to dest with mode 0600 (it
// names members and e-mails), checked (PRAGMA quick_check), fsynced and
// only then renamed over dest; on an error or a cancelled ctx nothing is
// left behind. An existing dest is replaced only when replace is set
// (ErrBackupExists otherwise); dest must not be the database
// (ErrBackupOntoDatabase).
func Backup(ctx context.Context, src, dest string, replace bool) (BackupInfo, error) {
	wrap := func(err error) error { return fmt.Errorf("store: back up %s: %w", src, err) }
	abs, err := filepath.Abs(src)
	if err != nil {
		return BackupInfo{}, wrap(err)
	}
	destAbs, err := filepath.Abs(dest)
	if err != nil {
		return BackupInfo{}, wrap(err)
	}
	if err := checkBackupDest(abs, destAbs, replace); err != nil {
		return BackupInfo{}, wrap(fmt.Errorf("copy to %s: %w", dest, err))
	}
	if err := existing(abs); err != nil {
		return BackupInfo{}, wrap(err)
	}
	q := url.Values{}
	q.Set("mode", "ro") // never creates the file, never writes it
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	db, err := sql.Open(driverName, fileDSN(abs, q))
	if err != nil {
		return BackupInfo{}, wrap(err)
	}
	defer db.Close()
	info := BackupInfo{Path: destAbs}
	err = atomicfile.WriteFile(destAbs, fileMode, func(tmp *os.File) error {
		if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp.Name()); err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		st, err := tmp.Stat()
		if err != nil {
			return err
		}
		info.Bytes = st.Size()
		return checkCopy(ctx, tmp.Name(), &info)
	})
	if err != nil {
		return BackupInfo{}, wrap(err)
	}
	return info, nil
}

// checkBackupDest refuses a destination that is the database, or one that
// exists when replacing was not asked for.
func checkBackupDest(src, dest string, replace bool) error {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if dest == src+suffix {
			return ErrBackupOntoDatabase
		}
	}
	// Lstat first: a dangling symbolic link "does not exist" to Stat, and
	// the rename would replace it without --force.
	link, err := os.Lstat(dest)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if dst, err := os.Stat(dest); err == nil {
		if sst, err := os.Stat(src); err == nil && os.SameFile(sst, dst) { // a link to it
			return ErrBackupOntoDatabase
		}
	}
	switch m := link.Mode(); {
	case m.IsDir():
		return fmt.Errorf("%w but a directory; name the copy's file", ErrBackupNotAFile)
	case m&os.ModeSymlink != 0:
		return fmt.Errorf("%w but a symbolic link; name the file itself", ErrBackupNotAFile)
	case !m.IsRegular():
		return fmt.Errorf("%w but a device, pipe or socket; a backup replaces only a plain file", ErrBackupNotAFile)
	}
	if !replace {
		return ErrBackupExists
	}
	return nil
}

// checkCopy runs PRAGMA quick_check on the copy at path and reads its
// schema version and number of runs into info.
func checkCopy(ctx context.Context, path string, info *BackupInfo) error {
	q := url.Values{}
	// Nobody else knows the file: no locks, no -wal or -shm beside it.
	q.Set("immutable", "1")
	db, err := sql.Open(driverName, fileDSN(path, q))
	if err != nil {
		return fmt.Errorf("check the copy: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA quick_check`)
	if err != nil {
		return fmt.Errorf("check the copy: %w", err)
	}
	var problems []string
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			rows.Close()
			return fmt.Errorf("check the copy: %w", err)
		}
		if msg != "ok" {
			problems = append(problems, msg)
		}
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("check the copy: %w", err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check the copy: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("check the copy: quick_check found %d problems, the first: %s", len(problems), problems[0])
	}
	var versioned int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'`).Scan(&versioned); err != nil {
		return fmt.Errorf("check the copy: read schema: %w", err)
	}
	if versioned == 0 {
		return fmt.Errorf("not a doorsync database (no schema_version table)")
	}
	if info.Schema, err = currentVersion(ctx, db); err != nil {
		return fmt.Errorf("check the copy: read schema version: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM runs`).Scan(&info.Runs); err != nil {
		return fmt.Errorf("check the copy: count runs: %w", err)
	}
	return nil
}
