package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// migrationFiles holds the schema history. embed needs a package-level
// variable; it is read-only data, not state.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one schema step: version N comes from NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrationList returns the embedded migrations in version order. The
// files are checked by TestMigrationFiles, so a malformed name here is a
// build mistake, reported rather than ignored.
func migrationList() []migration {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil
	}
	var out []migration
	for _, e := range entries {
		v, name, ok := parseMigrationName(e.Name())
		if !ok {
			continue
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			continue
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	return out
}

// parseMigrationName splits "0002_state.sql" into 2 and "state".
func parseMigrationName(file string) (int, string, bool) {
	base, ok := strings.CutSuffix(file, ".sql")
	if !ok {
		return 0, "", false
	}
	num, name, ok := strings.Cut(base, "_")
	if !ok || len(num) != 4 || name == "" {
		return 0, "", false
	}
	v, err := strconv.Atoi(num)
	if err != nil || v <= 0 {
		return 0, "", false
	}
	return v, name, true
}

// LatestVersion is the schema version this binary writes.
func LatestVersion() int {
	l := migrationList()
	if len(l) == 0 {
		return 0
	}
	return l[len(l)-1].version
}

// migrate brings the database to version upTo, one transaction per
// migration. Two processes opening a fresh file at once are safe: each
// migration re-reads the version inside its BEGIN IMMEDIATE transaction.
func (s *Store) migrate(ctx context.Context, upTo int) error {
	if err := s.checkForeign(ctx); err != nil {
		return err
	}
	latest := LatestVersion()
	// Refuse a newer database before touching it, with nothing else in the
	// message to suggest that a migration was attempted.
	var versioned int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'`).Scan(&versioned); err != nil {
		return fmt.Errorf("read schema: %w", err)
	}
	if versioned > 0 {
		cur, err := currentVersion(ctx, s.db)
		if err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if cur > latest {
			return newerError(cur, latest)
		}
	}
	for _, m := range migrationList() {
		if m.version > upTo {
			break
		}
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
) STRICT`); err != nil {
				return err
			}
			cur, err := currentVersion(ctx, tx)
			if err != nil {
				return err
			}
			if cur > latest {
				return newerError(cur, latest)
			}
			if cur >= m.version {
				return nil
			}
			if cur != m.version-1 {
				return fmt.Errorf("schema version %d cannot be followed by migration %d", cur, m.version)
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			now, err := mustTime(s.clk.Now(), "clock")
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, now)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate to schema version %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// checkForeign refuses an SQLite database that some other program made:
// migrating it would add doorsync's tables to someone else's data.
func (s *Store) checkForeign(ctx context.Context) error {
	var tables, versioned int
	err := s.db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE name = 'schema_version')
		FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).Scan(&tables, &versioned)
	if err != nil {
		return fmt.Errorf("read schema: %w", err)
	}
	if tables > 0 && versioned == 0 {
		return fmt.Errorf("an SQLite database that doorsync did not create (it has tables but no schema_version); point --db or database at another file")
	}
	return nil
}

// checkVersion verifies the database is exactly at this binary's schema.
func (s *Store) checkVersion(ctx context.Context) error {
	var exists int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'`).Scan(&exists); err != nil {
		return fmt.Errorf("read schema: %w", err)
	}
	if exists == 0 {
		return fmt.Errorf("not a doorsync database (no schema_version table)")
	}
	var cur, count int
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0), count(*) FROM schema_version`).Scan(&cur, &count); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	latest := LatestVersion()
	switch {
	case cur > latest:
		return newerError(cur, latest)
	case cur < latest:
		return fmt.Errorf("database schema version %d is older than this doorsync's (%d); open it once for writing (any sync or plan) to migrate it", cur, latest)
	case count != cur:
		return fmt.Errorf("schema_version lists %d migrations for version %d: the history was edited by hand", count, cur)
	}
	return nil
}

func newerError(cur, latest int) error {
	return fmt.Errorf("database schema version %d is newer than this doorsync knows (%d): a newer doorsync wrote it; upgrade doorsync", cur, latest)
}

func currentVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v)
	return v, err
}

// SchemaVersion is the version the open database is at.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	v, err := currentVersion(ctx, s.db)
	if err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	return v, nil
}
