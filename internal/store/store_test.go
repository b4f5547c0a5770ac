package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/identity"
)

func TestOpenCreatesPrivateFile(t *testing.T) {
	s, _, path := newStore(t)
	if got := mode(t, path); got != 0o600 {
		t.Errorf("new database mode = %o, want 600", got)
	}
	// WAL and shared-memory files are created on the first write; they hold
	// the same data and must be just as private.
	startRun(t, s, "auto")
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); err != nil {
			t.Fatalf("expected %s after a write in WAL mode: %v", suffix, err)
		}
		if got := mode(t, path+suffix); got != 0o600 {
			t.Errorf("%s mode = %o, want 600", suffix, got)
		}
	}
}

func TestOpenNarrowsWiderFile(t *testing.T) {
	ctx := context.Background()
	s, clk, path := newStore(t)
	startRun(t, s, "auto")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// An install that created the file by hand, or copied it with cp.
	for _, p := range []string{path, path + "-wal"} {
		if err := os.WriteFile(p, nil, 0o644); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path+"-wal", 0o666); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, path, clk)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	if got := mode(t, path); got != 0o600 {
		t.Errorf("mode after reopening a 0644 file = %o, want 600", got)
	}
	if got := mode(t, path+"-wal"); got != 0o600 {
		t.Errorf("-wal mode after reopening = %o, want 600", got)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(t0())
	dir := t.TempDir()

	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("this is not a database\n", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "other.db")
	mustExec(t, rawDB(t, foreign), `CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)`)

	newer := filepath.Join(dir, "newer.db")
	s, err := Open(ctx, newer, clk)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	mustExec(t, rawDB(t, newer), `INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'future', 'x')`)

	for _, tc := range []struct {
		name, path string
		want       []string
	}{
		{"missing directory", filepath.Join(dir, "nope", "doorsync.db"), []string{"nope", "does not exist"}},
		{"directory", dir, []string{dir}},
		{"not a database", notDB, []string{notDB, "not a database"}},
		{"another program's database", foreign, []string{foreign, "did not create"}},
		{"newer schema", newer, []string{newer, "version 99 is newer", "upgrade doorsync"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, tc.path, clk)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded", tc.path)
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	// The foreign database was left alone.
	var n int
	if err := rawDB(t, foreign).QueryRow(`SELECT count(*) FROM sqlite_schema`).Scan(&n); err != nil || n != 1 {
		t.Errorf("foreign database has %d schema objects (err %v), want its 1 table only", n, err)
	}
	if s, err := OpenReadOnly(ctx, newer, clk); err == nil {
		s.Close()
		t.Error("OpenReadOnly accepted a newer schema")
	}
}

func TestMigrationFiles(t *testing.T) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, _, ok := parseMigrationName(e.Name()); !ok {
			t.Errorf("migrations/%s: name is not NNNN_name.sql", e.Name())
		}
	}
	list := migrationList()
	if len(list) != len(entries) {
		t.Fatalf("%d migrations of %d files", len(list), len(entries))
	}
	for i, m := range list {
		if m.version != i+1 {
			t.Errorf("migration %d has version %d: versions must run 1, 2, 3 … without gaps", i+1, m.version)
		}
	}
	if LatestVersion() != len(list) {
		t.Errorf("LatestVersion = %d, want %d", LatestVersion(), len(list))
	}
}

func TestMigrateFromEmpty(t *testing.T) {
	s, _, path := newStore(t)
	v, err := s.SchemaVersion(context.Background())
	if err != nil || v != LatestVersion() {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, LatestVersion())
	}
	var versions []int
	rows, err := rawDB(t, path).Query(`SELECT version FROM schema_version ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v int
		rows.Scan(&v)
		versions = append(versions, v)
	}
	rows.Close()
	if want := []int{1, 2, 3, 4, 5}; !slices.Equal(versions, want) {
		t.Errorf("applied versions %v, want %v", versions, want)
	}
	// Reopening applies nothing twice.
	s.Close()
	s2, err := Open(context.Background(), path, clock.NewManual(t0()))
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}

func TestMigrateFromV1(t *testing.T) {
	ctx := context.Background()
	dump, err := os.ReadFile("testdata/v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	mustExec(t, rawDB(t, path), string(dump))
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}

	// A reader on the new binary refuses the old schema instead of failing
	// on a missing table later.
	if s, err := OpenReadOnly(ctx, path, clock.NewManual(t0())); err == nil {
		s.Close()
		t.Fatal("OpenReadOnly accepted a v1 database")
	} else if !strings.Contains(err.Error(), "version 1 is older") {
		t.Errorf("read-only error = %q, want it to say the schema is older", err)
	}

	s, err := Open(ctx, path, clock.NewManual(t0()))
	if err != nil {
		t.Fatalf("Open v1 database: %v", err)
	}
	defer s.Close()
	if got := mode(t, path); got != 0o600 {
		t.Errorf("mode = %o, want 600", got)
	}

	// The history survives.
	runs, err := s.Runs(ctx, 0)
	if err != nil || len(runs) != 2 {
		t.Fatalf("Runs = %v, %v; want 2 runs", runs, err)
	}
	if r := runs[1]; r.ID != 1 || r.Outcome != "done" || r.Members != 412 || r.Counts["extend"] != 3 ||
		!r.FinishedAt.Equal(time.Date(2025, 10, 1, 6, 0, 41, 5e8, time.UTC)) {
		t.Errorf("run 1 = %+v", r)
	}
	items, err := s.Items(ctx, 1)
	if err != nil || len(items) != 1 || items[0].Name != "Žiga Čeh" || items[0].SourceEnd.String() != "2025-11-01" {
		t.Fatalf("Items(1) = %+v, %v", items, err)
	}
	open, err := s.OpenEntries(ctx)
	if err != nil || len(open) != 1 || open[0].ItemID != "e5f6" || open[0].Target != "exit" {
		t.Fatalf("OpenEntries = %+v, %v; want the one open entry of run 2", open, err)
	}
	links, err := s.Links(ctx)
	if err != nil || len(links) != 2 || links[1].Origin != identity.Confirmed || links[0].MemberID != "150007" {
		t.Fatalf("Links = %+v, %v", links, err)
	}

	// The new tables work, and AUTOINCREMENT continues after the old rows.
	id := startRun(t, s, "auto")
	if id != 3 {
		t.Errorf("next run id = %d, want 3", id)
	}
	if err := s.SetState(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	// The upgraded schema is the one a fresh database gets.
	fresh, _, freshPath := newStore(t)
	_ = fresh
	if got, want := schemaOf(t, path), schemaOf(t, freshPath); got != want {
		t.Errorf("schema after upgrade differs from a fresh one:\nupgraded:\n%s\nfresh:\n%s", got, want)
	}
}

// schemaOf describes tables, columns, keys and indexes structurally, so the
// comparison ignores how the CREATE statements were spaced.
func schemaOf(t *testing.T, path string) string {
	t.Helper()
	db := rawDB(t, path)
	var b strings.Builder
	rows, err := db.Query(`SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	type obj struct{ typ, name, tbl, sql string }
	var objs []obj
	for rows.Next() {
		var o obj
		if err := rows.Scan(&o.typ, &o.name, &o.tbl, &o.sql); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	rows.Close()
	if len(objs) == 0 {
		t.Fatalf("%s has no schema", path)
	}
	dump := func(q string, args ...any) {
		rows, err := db.Query(q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Fprintf(&b, "    %v\n", vals)
		}
	}
	for _, o := range objs {
		// The statement text too, spacing aside: CHECK constraints live only there.
		fmt.Fprintf(&b, "%s %s on %s\n    %s\n", o.typ, o.name, o.tbl, strings.Join(strings.Fields(o.sql), " "))
		switch o.typ {
		case "table":
			dump(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_xinfo(?)`, o.name)
			dump(`SELECT "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?)`, o.name)
			dump(`SELECT strict FROM pragma_table_list WHERE name = ?`, o.name)
		case "index":
			dump(`SELECT name FROM pragma_index_info(?)`, o.name)
			dump(`SELECT "unique", partial FROM pragma_index_list(?) WHERE name = ?`, o.tbl, o.name)
		}
	}
	return b.String()
}

func TestConcurrentOpenOfFreshFile(t *testing.T) {
	// Two cron jobs starting at the same second on a new install.
	path := filepath.Join(t.TempDir(), "doorsync.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(context.Background(), path, clock.NewManual(t0()))
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open #%d: %v", i, err)
		}
	}
	var n int
	if err := rawDB(t, path).QueryRow(`SELECT count(*) FROM schema_version`).Scan(&n); err != nil || n != LatestVersion() {
		t.Errorf("schema_version has %d rows (%v), want %d", n, err, LatestVersion())
	}
}

func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(t0())
	dir := t.TempDir()
	missing := filepath.Join(dir, "none.db")
	if _, err := OpenReadOnly(ctx, missing, clk); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("OpenReadOnly(missing) = %v, want a not-exist error naming the path", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Error("OpenReadOnly created the file")
	}
	if _, err := OpenReadOnly(ctx, dir, clk); err == nil || !strings.Contains(err.Error(), dir+" read-only: not a regular file") {
		t.Errorf("OpenReadOnly(a directory) = %v, want it to say the path is not a file", err)
	}

	w, _, path := newStore(t)
	id := startRun(t, w, "auto")
	w.Close() // the WAL is checkpointed and removed: readers must cope

	r, err := OpenReadOnly(ctx, path, clk)
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	defer r.Close()
	if !r.ReadOnly() {
		t.Error("ReadOnly() = false")
	}
	if run, err := r.Run(ctx, id); err != nil || run.Mode != "auto" {
		t.Errorf("Run = %+v, %v", run, err)
	}
	// Read-only at the SQLite level too, not only by the store's checks.
	if _, err := r.db.ExecContext(ctx, `INSERT INTO state (key, value, updated_at) VALUES ('k', 'v', 'now')`); err == nil {
		t.Error("an INSERT through the read-only connection succeeded")
	}
	writes := map[string]error{}
	_, writes["StartRun"] = r.StartRun(ctx, Run{Mode: "auto"})
	writes["FinishRun"] = r.FinishRun(ctx, Run{ID: id, Outcome: "done"})
	writes["AddItems"] = r.AddItems(ctx, id, nil)
	writes["UpdateItem"] = r.UpdateItem(ctx, ItemRecord{RunID: id, ItemID: "x", Status: StatusApplied})
	_, writes["OpenJournal"] = r.OpenJournal(ctx, JournalEntry{RunID: id})
	writes["CloseJournal"] = r.CloseJournal(ctx, 1, JournalDone, time.Time{}, "")
	writes["AddLink"] = r.AddLink(ctx, identity.Link{})
	_, writes["RemoveLink"] = r.RemoveLink(ctx, "a@b.si", "", "")
	writes["SetLastWritten"] = r.SetLastWritten(ctx, "t", "a", t0(), 0)
	writes["SaveMembers"] = r.SaveMembers(ctx, nil, t0())
	writes["SaveAccounts"] = r.SaveAccounts(ctx, "t", nil, t0())
	writes["SetState"] = r.SetState(ctx, "k", "v")
	_, writes["AcquireRunLock"] = r.AcquireRunLock(ctx, LockHolder{}, 0)
	for name, err := range writes {
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s on a read-only store = %v, want ErrReadOnly", name, err)
		}
	}
}

func TestConnectionSettings(t *testing.T) {
	// Every pooled connection gets the settings the guarantees rest on:
	// WAL (readers beside a writer), foreign keys, a busy timeout, and
	// synchronous FULL (a journal entry survives a power cut).
	ctx := context.Background()
	s, _, _ := newStore(t)
	conns := make([]*sql.Conn, maxConns)
	for i := range conns {
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	for i, c := range conns {
		var journal string
		var fk, busy, sync int
		err := c.QueryRowContext(ctx, `SELECT (SELECT journal_mode FROM pragma_journal_mode), (SELECT foreign_keys FROM pragma_foreign_keys),
			(SELECT timeout FROM pragma_busy_timeout), (SELECT synchronous FROM pragma_synchronous)`).Scan(&journal, &fk, &busy, &sync)
		if err != nil {
			t.Fatal(err)
		}
		if journal != "wal" || fk != 1 || busy != busyTimeoutMS || sync != 2 {
			t.Errorf("connection %d: journal_mode %s, foreign_keys %d, busy_timeout %d, synchronous %d", i, journal, fk, busy, sync)
		}
	}
}

// isBusy recognises SQLite's "database is locked" (what openMigrated
// retries) and nothing else.
func TestIsBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doorsync.db")
	holder := rawDB(t, path)
	mustExec(t, holder, `CREATE TABLE x (v INTEGER)`)
	conn, err := holder.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `BEGIN EXCLUSIVE`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), `ROLLBACK`)
	other, err := sql.Open(driverName, "file:"+path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.Exec(`INSERT INTO x VALUES (1)`)
	if err == nil || !isBusy(fmt.Errorf("store: open: %w", err)) {
		t.Errorf("a locked database: isBusy(%v) = false", err)
	}
	if isBusy(errors.New("database is locked")) || isBusy(fs.ErrNotExist) || isBusy(nil) {
		t.Error("isBusy is true for errors that are not SQLite's")
	}
}
