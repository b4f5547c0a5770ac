// Package store is doorsync's local SQLite database (modernc.org/sqlite, pure
// Go): the history of every run and item, the journal written before each
// write, the identity links, the end dates the sync last wrote (drift), the
// last-known snapshot of each side, small key/value state, the run lock
// that lets one writer run at a time, and consistent copies of the file
// (Backup) taken while a run writes.
//
// The file is created with mode 0600 (an existing wider file is narrowed), in
// WAL mode so that readers (report, history, the console) never block the
// writer and vice versa. The schema is versioned by embedded migrations
// (migrations/NNNN_name.sql), each applied in its own transaction; a database
// newer than the binary is refused with a clear message.
//
// The store never receives secrets and must never be given any: the database
// is the audit trail and gets copied around when someone investigates.
//
// Times are stored as fixed-width RFC 3339 text in UTC (sortable, readable in
// the sqlite3 shell) and read back in UTC: equal by time.Equal, not by ==.
//
// Where things live: store.go opens the file and sets the mode; migrate.go
// and migrations/ hold the schema; runs.go and items.go the history of runs
// and items; journal.go the journal; links.go and resolutions.go the
// identity links and the resolutions runs accepted; state.go the last
// written ends and the key/value state; snapshot.go, snapbin.go the
// snapshots; lastplan.go, planbin.go, planread.go the last plan; lock.go
// (with alive_*.go and process_*.go) the run lock; backup.go the copy;
// timefmt.go the time format.
//
// Snapshots and the last plan are blobs in hand-written binary formats
// (snapbin.go, planbin.go, planread.go), not rows or a general encoding,
// because the console's first frame waits for them. Measured (2 cores,
// 50,000 members and 2 × 25,000 accounts, medians; details in
// docs/status.md → Figures): the console's first frame in a fresh process
// was 379 ms with these formats on a loaded VM, 421–984 ms with
// encoding/gob or CBOR (github.com/fxamacker/cbor/v2) records, gzipped or
// not, with or without a string table; peak RSS 128 MB against 187–219 MB
// (budget 200 MB, with no room left for planning the snapshots again); the
// last plan's 75,000 items read in 96 ms against 197–360 ms, and as SQLite
// rows in 833 ms. The reflective decoders allocate every string and a
// record per entry; these formats let the strings share one inflated body
// and decode the plan in parts on all cores. Every blob read is checked: a
// damaged one is an error, never a panic or part of a result (the fuzz
// targets FuzzDecodeMembers, FuzzDecodeAccounts, FuzzDecodeLastPlan;
// BenchmarkSnapshotRead50k, BenchmarkLastPlan75k measure them).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/backoff"
	"github.com/doorsync/doorsync/internal/clock"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrReadOnly: a write was asked of a store opened with OpenReadOnly.
	ErrReadOnly = errors.New("database opened read-only")
	// ErrNotFound: the run, item or journal entry does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNoSnapshot: no snapshot of that side was ever saved.
	ErrNoSnapshot = errors.New("no snapshot saved yet")
	// ErrLocked: another run holds the database (see *LockedError).
	ErrLocked = errors.New("database locked by another run")
	// ErrLockLost: the lock this run held was taken over by another run.
	ErrLockLost = errors.New("run lock was taken over")
)

const (
	driverName = "sqlite"
	// busyTimeoutMS is how long a statement waits for another connection's
	// write transaction before failing with SQLITE_BUSY.
	busyTimeoutMS = 5000
	// fileMode: the history names members and e-mails; nobody else reads it.
	fileMode = 0o600
	// maxConns bounds the pool: the apply workers of several targets write
	// concurrently, report readers read; SQLite serialises writers anyway.
	maxConns = 4
	// Run lock timing: the holder refreshes its heartbeat every
	// defaultHeartbeat; a lock silent for defaultStaleAfter is taken over.
	// The bound is generous so that a slow disk or a suspended VM does not
	// make two runs write at once.
	defaultHeartbeat  = 15 * time.Second
	defaultStaleAfter = 3 * time.Minute
)

// Store is an open database. It is safe for concurrent use.
type Store struct {
	db       *sql.DB
	path     string
	clk      clock.Clock
	readOnly bool

	// This process as the run lock sees it, and how it checks whether a
	// holder on this host is still running (tests replace them).
	host           string
	pidns          string // this process's PID namespace ("" unknown)
	pid            int
	alive          func(pid int) (alive, known bool)
	boot           string               // this boot's id ("" unknown)
	startOf        func(pid int) string // a process's start time ("" unknown)
	heartbeatEvery time.Duration
	staleAfter     time.Duration

	mu   sync.Mutex
	lock *RunLock // the run lock this store holds, if any
}

// Open opens (creating if needed) the database at path for writing and
// migrates it to the newest schema. The directory must exist: a missing one
// is more likely a typo in the configuration than a wish.
func Open(ctx context.Context, path string, clk clock.Clock) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := prepareFile(abs); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("mode", "rw") // prepareFile created it with the right mode
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// FULL: a journal entry must be on disk before the write it announces
	// is sent, even across a power cut; WAL's default NORMAL may lose it.
	q.Add("_pragma", "synchronous(FULL)")
	// Every transaction takes the write lock at BEGIN, so two writers wait
	// for each other (busy_timeout) instead of failing on lock upgrade.
	q.Set("_txlock", "immediate")
	s, err := openMigrated(ctx, abs, q, clk)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// SQLite creates -wal and -shm with the database's mode, but a file
	// left by an older install may be wider.
	if err := narrowSiblings(abs); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return s, nil
}

// openMigrated opens the database and migrates it. Two processes opening
// a new file at once (cron jobs starting in the same second) can get
// SQLITE_BUSY at once, without the busy timeout: switching a fresh file to
// WAL and creating the schema take locks SQLite will not wait for. Such an
// attempt is made again, a few times, after a short random pause.
func openMigrated(ctx context.Context, abs string, q url.Values, clk clock.Clock) (*Store, error) {
	return openRetrying(ctx, func() (*Store, error) {
		s, err := openDB(ctx, abs, q, clk, false)
		if err != nil {
			return nil, err
		}
		err = s.migrate(ctx, LatestVersion())
		if err == nil {
			err = s.checkVersion(ctx)
		}
		if err != nil {
			s.db.Close()
			return nil, err
		}
		return s, nil
	})
}

// openRetrying calls open again while it fails with SQLite's "database is
// locked", a few times, after a short random pause.
func openRetrying(ctx context.Context, open func() (*Store, error)) (*Store, error) {
	for attempt := 0; ; attempt++ {
		s, err := open()
		if err == nil {
			return s, nil
		}
		if !isBusy(err) || attempt == openAttempts-1 {
			return nil, err
		}
		if werr := backoff.Wait(ctx, 20*time.Millisecond, attempt); werr != nil {
			return nil, fmt.Errorf("%w (not retried: %w)", err, werr)
		}
	}
}

// openAttempts bounds openMigrated: with 20 ms doubling, about 5 s in all.
const openAttempts = 8

// isBusy reports SQLite's "database is locked" (SQLITE_BUSY, SQLITE_LOCKED
// and their extended codes).
func isBusy(err error) bool {
	var se interface{ Code() int }
	if !errors.As(err, &se) {
		return false
	}
	code := se.Code() & 0xff
	return code == 5 || code == 6
}

// OpenReadOnly opens an existing database for reading while a run may be
// writing it (report, history, the console). It neither creates nor
// migrates: a database older or newer than this binary is an error.
func OpenReadOnly(ctx context.Context, path string, clk clock.Clock) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s read-only: %w", path, err)
	}
	if err := existing(abs); err != nil {
		return nil, fmt.Errorf("store: open %s read-only: %w", path, err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_query_only", "1")
	s, err := openRetrying(ctx, func() (*Store, error) {
		s, err := openDB(ctx, abs, q, clk, true)
		if err != nil {
			return nil, err
		}
		if err := s.checkVersion(ctx); err != nil {
			s.db.Close()
			return nil, err
		}
		return s, nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: open %s read-only: %w", path, err)
	}
	return s, nil
}

// existing checks that a database the caller will not create is there: a
// missing one is named as such, and SQLite would call a directory a "disk
// I/O error".
func existing(abs string) error {
	st, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("no database there yet (a sync run creates it): %w", err)
	case err != nil:
		return err
	case !st.Mode().IsRegular():
		return fmt.Errorf("not a regular file (a directory?): the database is a file")
	}
	return nil
}

// fileDSN is the driver's name for the file at abs with the parameters q: a
// file: URI, with the path escaped, so that '?' or '#' in a directory name
// cannot be read as parameters.
func fileDSN(abs string, q url.Values) string {
	return "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + q.Encode()
}

func openDB(ctx context.Context, abs string, q url.Values, clk clock.Clock, readOnly bool) (*Store, error) {
	db, err := sql.Open(driverName, fileDSN(abs, q))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	// Ping opens a connection, which applies the pragmas: a file that is not
	// a database fails here rather than at the first query.
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	host, _ := os.Hostname()
	pidns, _ := os.Readlink("/proc/self/ns/pid") // "" where there is none: then the host alone
	return &Store{
		db: db, path: abs, clk: clk, readOnly: readOnly,
		host: host, pidns: pidns, pid: os.Getpid(), alive: processAlive, boot: bootID(), startOf: processStart,
		heartbeatEvery: defaultHeartbeat, staleAfter: defaultStaleAfter,
	}, nil
}

// prepareFile creates the database file with mode 0600, or narrows an
// existing one that others could read, before SQLite touches it.
func prepareFile(abs string) error {
	dir := filepath.Dir(abs)
	if st, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("directory %s does not exist (doorsync creates the database file, not its directory): %w", dir, fs.ErrNotExist)
	} else if err != nil {
		return fmt.Errorf("directory %s: %w", dir, err)
	} else if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	f.Close()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("not a regular file")
	}
	return narrow(abs, st.Mode())
}

// narrowSiblings narrows the WAL, shared-memory and rollback journal files.
func narrowSiblings(abs string) error {
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		st, err := os.Stat(abs + suffix)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := narrow(abs+suffix, st.Mode()); err != nil {
			return err
		}
	}
	return nil
}

func narrow(path string, mode fs.FileMode) error {
	if mode.Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(path, fileMode); err != nil {
		return fmt.Errorf("restrict %s to mode %o: %w", path, fileMode, err)
	}
	return nil
}

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// ReadOnly reports whether the store was opened with OpenReadOnly.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Close releases the run lock if this store holds it and closes the
// database.
func (s *Store) Close() error {
	s.mu.Lock()
	l := s.lock
	s.mu.Unlock()
	var errs []error
	if l != nil {
		errs = append(errs, l.Release())
	}
	if err := s.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("store: close %s: %w", s.path, err))
	}
	return errors.Join(errs...)
}

// writable returns ErrReadOnly, wrapped with what was attempted, for a
// read-only store.
func (s *Store) writable(what string) error {
	if s.readOnly {
		return fmt.Errorf("store: %s: %w", what, ErrReadOnly)
	}
	return nil
}

// inTx runs fn in one transaction (BEGIN IMMEDIATE on a writable store) and
// commits it, or rolls back when fn or the commit fails.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
