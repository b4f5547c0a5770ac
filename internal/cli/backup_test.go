package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/store"
)

// TestBackupCommand: `doorsync backup FILE` against an installation that has
// run: the copy is made while a run holds the lock, is mode 0600 and holds
// the same history (as `history` shows it); the line printed names the
// file, its size, runs and schema; FILE is refused when it exists (until
// --force), is the database, is "-" or is missing; a missing database
// fails naming its path and is not created.
func TestBackupCommand(t *testing.T) {
	s := startE2ESite(t, 30, 7)
	s.raiseGuard(t)
	for range 2 {
		if r := s.run(t, "sync", "--auto"); r.code != ExitOK {
			t.Fatalf("sync --auto: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	}
	runs := len(s.readDB(t, true).runs)
	if runs < 2 {
		t.Fatalf("the database records %d runs, want 2 at least", runs)
	}
	// A run holds the lock: backup neither takes nor waits for it.
	ctx := context.Background()
	st, err := store.Open(ctx, s.db, s.Clock)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AcquireRunLock(ctx, store.LockHolder{User: "cron", Mode: "auto"}, 0); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	copyDB := filepath.Join(dir, "copy.db")
	missing := filepath.Join(t.TempDir(), "doorsync.db")
	okLine := regexp.MustCompile(`^backup: ` + regexp.QuoteMeta(copyDB) + ` — \d+\.\d [KM]iB, \d+ runs, schema \d+, checked ok\n$`)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout *regexp.Regexp
		stderr []string
	}{
		{"no FILE", []string{"backup"}, ExitUsage, nil, []string{"accepts 1 arg"}},
		{"standard output", []string{"backup", "-"}, ExitUsage, nil, []string{"FILE - (standard output) is not supported"}},
		{"onto the database", []string{"backup", s.db, "--force"}, ExitUsage, nil, []string{s.db, "the database itself"}},
		{"missing database", []string{"backup", copyDB, "--db", missing}, ExitFailed, nil, []string{missing, "no database there yet"}},
		{"copy", []string{"backup", copyDB}, ExitOK, okLine, nil},
		{"existing FILE", []string{"backup", copyDB}, ExitUsage, nil, []string{copyDB, "exists", "--force replaces it"}},
		{"--force", []string{"backup", copyDB, "--force"}, ExitOK, okLine, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.run(t, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", r.code, tc.code, r.stdout, r.stderr)
			}
			if tc.stdout != nil && !tc.stdout.MatchString(r.stdout) {
				t.Errorf("stdout %q, want it to match %s", r.stdout, tc.stdout)
			}
			for _, w := range tc.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q, want it to say %q", r.stderr, w)
				}
			}
		})
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("backup created the missing database %s (%v)", missing, err)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
		t.Errorf("the copy's directory holds %v (%v), want copy.db only", entries, err)
	}
	if st, err := os.Stat(copyDB); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the copy: %v, want mode 600", err)
	}

	// The copy's history, as the CLI shows it, is the database's.
	history := func(db string) string {
		t.Helper()
		r := s.run(t, "history", "--db", db, "--log-format", "json")
		if r.code != ExitOK {
			t.Fatalf("history --db %s: exit %d\n%s", db, r.code, r.stderr)
		}
		return r.stdout
	}
	if got, want := history(copyDB), history(s.db); got != want {
		t.Errorf("history of the copy:\n%s\nof the database:\n%s", got, want)
	}

	r := s.run(t, "backup", copyDB, "--force", "--log-format", "json")
	var info store.BackupInfo
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil || r.code != ExitOK {
		t.Fatalf("backup --log-format json: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if info.Path != copyDB || info.Runs != runs || info.Schema != store.LatestVersion() || info.Bytes == 0 {
		t.Errorf("backup --log-format json = %+v, want %s, %d runs, schema %d", info, copyDB, runs, store.LatestVersion())
	}
}

func TestSizeText(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 bytes", 1023: "1023 bytes", 1024: "1.0 KiB", 12_900_000: "12.3 MiB", 3 << 30: "3.0 GiB",
	} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
}
