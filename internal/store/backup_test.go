package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/identity"
)

// dirNames lists the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// historyOf reads what a backup must carry: the runs and the links.
func historyOf(t *testing.T, path string) ([]Run, []identity.Link) {
	t.Helper()
	ctx := context.Background()
	s, err := OpenReadOnly(ctx, path, nil)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer s.Close()
	runs, err := s.Runs(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	links, err := s.Links(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return runs, links
}

// TestBackupWhileWriting: a backup taken while a run holds an open write
// transaction returns at once with the committed history only, checked and
// mode 0600; the writer commits afterwards, and writers committing while
// the copy is made are neither blocked nor failed.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	s, _, path := newStore(t)
	for range 3 {
		startRun(t, s, "auto")
	}
	if err := s.AddLink(ctx, identity.Link{Email: "ziga.ceh@example.si", Target: "entrance", Account: "1042", Origin: identity.Confirmed, CreatedBy: "admin"}); err != nil {
		t.Fatal(err)
	}
	wantRuns, wantLinks := historyOf(t, path)

	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock, as a run's transaction takes it
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO runs (mode, started_at) VALUES ('auto', '2025-11-01T09:30:00.000000000Z')`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO links (email, target, account, origin, created_at) VALUES ('uncommitted@example.si', 'entrance', '7', 'imported', '2025-11-01T09:30:00.000000000Z')`); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "copy.db")
	// A backup that waited for the writer would fail after busy_timeout (5 s).
	waitCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	info, err := Backup(waitCtx, path, dest, false)
	if err != nil {
		t.Fatalf("Backup during a write transaction: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("the writer's commit after the backup: %v", err)
	}

	gotRuns, gotLinks := historyOf(t, dest)
	if !reflect.DeepEqual(gotRuns, wantRuns) || !reflect.DeepEqual(gotLinks, wantLinks) {
		t.Errorf("the copy holds\n%+v\n%+v\nwant the committed\n%+v\n%+v", gotRuns, gotLinks, wantRuns, wantLinks)
	}
	st, err := os.Stat(dest)
	if err != nil {
		t.Fatal(err)
	}
	want := BackupInfo{Path: dest, Bytes: st.Size(), Runs: 3, Schema: LatestVersion()}
	if info != want {
		t.Errorf("BackupInfo = %+v, want %+v", info, want)
	}
	if m := st.Mode().Perm(); m != 0o600 {
		t.Errorf("the copy has mode %o, want 600", m)
	}
	if names := dirNames(t, filepath.Dir(dest)); !slices.Equal(names, []string{"copy.db"}) {
		t.Errorf("the copy's directory holds %v, want the copy only", names)
	}

	// Writers committing all along the copy.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writeErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.StartRun(ctx, Run{Mode: "watch"}); err != nil {
				writeErr = err
				return
			}
		}
	}()
	var copies []BackupInfo
	for i := range 5 {
		info, err := Backup(ctx, path, filepath.Join(t.TempDir(), "copy.db"), false)
		if err != nil {
			t.Errorf("Backup %d while a writer commits: %v", i, err)
		}
		copies = append(copies, info)
	}
	close(stop)
	wg.Wait()
	if writeErr != nil {
		t.Errorf("a writer failed during the backups: %v", writeErr)
	}
	for i := 1; i < len(copies); i++ {
		if copies[i].Runs < copies[i-1].Runs {
			t.Errorf("backup %d has %d runs, the one before %d", i, copies[i].Runs, copies[i-1].Runs)
		}
	}
}

// TestBackupRefusals: what Backup refuses, with a message naming the path,
// and that a refusal creates nothing: neither the copy nor, for a missing
// database, an empty database where it was expected.
func TestBackupRefusals(t *testing.T) {
	ctx := context.Background()
	_, _, path := newStore(t)
	dir := filepath.Dir(path)
	foreign := filepath.Join(dir, "foreign.db")
	mustExec(t, rawDB(t, foreign), `CREATE TABLE notes (body TEXT)`)
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database\n", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(existing, []byte("yesterday's copy"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "doorsync.db")

	for _, tc := range []struct {
		name      string
		src, dest string
		is        error
		want      []string
	}{
		{"existing copy", path, existing, ErrBackupExists, []string{existing}},
		{"onto the database", path, path, ErrBackupOntoDatabase, []string{path}},
		{"onto its WAL", path, path + "-wal", ErrBackupOntoDatabase, nil},
		{"onto a directory", path, t.TempDir(), ErrBackupNotAFile, []string{"but a directory"}},
		{"missing database", missing, filepath.Join(t.TempDir(), "copy.db"), os.ErrNotExist, []string{missing, "no database there"}},
		{"not doorsync's", foreign, filepath.Join(t.TempDir(), "copy.db"), nil, []string{foreign, "not a doorsync database"}},
		{"not a database", garbage, filepath.Join(t.TempDir(), "copy.db"), nil, []string{garbage, "not a database"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srcDir, destDir := dirNames(t, filepath.Dir(tc.src)), dirNames(t, filepath.Dir(tc.dest))
			_, err := Backup(ctx, tc.src, tc.dest, false)
			if err == nil {
				t.Fatal("Backup succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Backup: %v, want %v", err, tc.is)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Backup: %v, want it to say %q", err, w)
				}
			}
			if got := dirNames(t, filepath.Dir(tc.src)); !slices.Equal(got, srcDir) {
				t.Errorf("the database's directory held %v, now %v", srcDir, got)
			}
			if got := dirNames(t, filepath.Dir(tc.dest)); !slices.Equal(got, destDir) {
				t.Errorf("the copy's directory held %v, now %v", destDir, got)
			}
		})
	}
	if b, err := os.ReadFile(existing); err != nil || string(b) != "yesterday's copy" {
		t.Errorf("the refused existing copy now holds %q, %v", b, err)
	}

	// Replacing is asked for: the old copy becomes the database's.
	info, err := Backup(ctx, path, existing, true)
	if err != nil {
		t.Fatalf("Backup with replace: %v", err)
	}
	if info.Schema != LatestVersion() || mode(t, existing) != 0o600 {
		t.Errorf("the replaced copy: %+v, mode %o", info, mode(t, existing))
	}
}

// TestBackupNewerSchema: a database a newer doorsync wrote is copied as it
// is, neither migrated nor touched.
func TestBackupNewerSchema(t *testing.T) {
	ctx := context.Background()
	s, _, path := newStore(t)
	startRun(t, s, "auto")
	s.Close()
	future := LatestVersion() + 1
	mustExec(t, rawDB(t, path), `INSERT INTO schema_version (version, name, applied_at) VALUES (?, 'future', 'x')`, future)
	files := func() []byte { // the database and its WAL, which holds the planted row
		t.Helper()
		db, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		wal, _ := os.ReadFile(path + "-wal")
		return append(db, wal...)
	}
	before := files()
	info, err := Backup(ctx, path, filepath.Join(t.TempDir(), "copy.db"), false)
	if err != nil {
		t.Fatalf("Backup of schema %d: %v", future, err)
	}
	if info.Schema != future || info.Runs != 1 {
		t.Errorf("BackupInfo = %+v, want schema %d and 1 run", info, future)
	}
	if !slices.Equal(files(), before) {
		t.Error("the database changed under the backup")
	}
}

// copying reports whether dir holds a file that is not empty.
func copying(t *testing.T, dir string) bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Size() > 0 {
			return true
		}
	}
	return false
}

// TestBackupCancelled: a backup cancelled while it copies (Ctrl-C) leaves
// no temporary file behind.
func TestBackupCancelled(t *testing.T) {
	ctx := context.Background()
	s, _, path := newStore(t)
	// Enough pages that the copy takes a while.
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE ballast (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000)
		INSERT INTO ballast SELECT randomblob(4000) FROM n`); err != nil {
		t.Fatal(err)
	}
	destDir := t.TempDir()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := Backup(cctx, path, filepath.Join(destDir, "copy.db"), false)
		done <- err
	}()
	// Cancel once the copy is under way: its temporary file has pages.
	for !copying(t, destDir) {
		select {
		case err := <-done:
			t.Fatalf("Backup ended before its temporary file was seen: %v", err)
		default:
		}
	}
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Backup: %v, want context.Canceled", err)
	}
	if names := dirNames(t, destDir); len(names) != 0 {
		t.Errorf("a cancelled backup left %v", names)
	}
}
