package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
)

// t0 is a fixed moment for tests: 2025-11-01 10:02:13 in Ljubljana.
func t0() time.Time { return time.Date(2025, 11, 1, 9, 2, 13, 0, time.UTC) }

func ljubljana(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatalf("load zone: %v", err)
	}
	return loc
}

// newStore opens a fresh database in a temporary directory.
func newStore(t testing.TB) (*Store, *clock.Manual, string) {
	t.Helper()
	clk := clock.NewManual(t0())
	path := filepath.Join(t.TempDir(), "doorsync.db")
	s, err := Open(context.Background(), path, clk)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clk, path
}

// rawDB opens the file without the store, to plant or inspect rows.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driverName, "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t testing.TB, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("exec %.60q: %v", q, err)
	}
}

func mode(t testing.TB, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func startRun(t testing.TB, s *Store, mode string) int64 {
	t.Helper()
	id, err := s.StartRun(context.Background(), Run{Mode: mode, User: "admin", Host: "gym-box"})
	if err != nil {
		t.Fatalf("StartRun: %v", err)
	}
	return id
}
