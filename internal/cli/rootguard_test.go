package cli

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/emulator/site"
)

// fakeOwnership runs as euid and knows the owners of the paths it lists;
// any other path does not exist.
type fakeOwnership struct {
	euid   int
	owners map[string]fakeOwner
}

type fakeOwner struct {
	uid  int
	name string
}

func (f fakeOwnership) EffectiveUID() int { return f.euid }

func (f fakeOwnership) Owner(path string) (int, string, error) {
	if o, ok := f.owners[path]; ok {
		return o.uid, o.name, nil
	}
	return 0, "", &fs.PathError{Op: "stat", Path: path, Err: fs.ErrNotExist}
}

// guardSite is a configuration whose database lives in its own directory;
// nothing listens at its addresses (the commands tested stop before
// asking them anything).
func guardSite(t *testing.T) (cfg, dbDir, db string) {
	t.Helper()
	dir := t.TempDir()
	dbDir = filepath.Join(dir, "state")
	if err := os.Mkdir(dbDir, 0o700); err != nil {
		t.Fatal(err)
	}
	db = filepath.Join(dbDir, "doorsync.db")
	cfg = filepath.Join(dir, "doorsync.toml")
	doc := `database = "state/doorsync.db"
[cardskipper]
url = "http://127.0.0.1:9"
username = "api"
password = "${CS_PASSWORD}"
organisation_id = 1

[[hikvision]]
name = "entrance"
url = "http://127.0.0.1:9"
username = "admin"
password = "${IVMS_PASSWORD}"
`
	if err := os.WriteFile(cfg, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, dbDir, db
}

// As root, a database another user owns (its directory, or the file) is
// refused before it is opened, whatever the command: exit 2, a message
// naming the path, its owner and the command line to run instead, and no
// file written. Root owning both, or not being root, opens it.
func TestRootIsRefusedAnotherUsersDatabase(t *testing.T) {
	const refusal = "running as root would leave files there (the database, its -wal and -shm) that "
	tests := []struct {
		name   string
		euid   int
		dir    *fakeOwner // nil: root
		file   *fakeOwner // nil: absent
		args   []string   // after --config CFG
		want   string     // the whole message; "" for no refusal
		quoted string     // the command line in it
	}{
		{name: "directory of the service's user", euid: 0, dir: &fakeOwner{998, "doorsync"},
			args: []string{"links", "list"},
			want: "%dir is owned by user doorsync; " + refusal + `user doorsync cannot write, and its next run would fail: ` +
				`run "sudo -u doorsync doorsync --config %cfg links list"`},
		{name: "file of the service's user in root's directory", euid: 0, file: &fakeOwner{998, "doorsync"},
			args: []string{"history"},
			want: "%db is owned by user doorsync; " + refusal + `user doorsync cannot write, and its next run would fail: ` +
				`run "sudo -u doorsync doorsync --config %cfg history"`},
		{name: "an owner without a name", euid: 0, dir: &fakeOwner{1234, ""},
			args: []string{"sync", "--auto"},
			want: "%dir is owned by uid 1234; " + refusal + `uid 1234 cannot write, and its next run would fail: ` +
				`run "sudo -u '#1234' doorsync --config %cfg sync --auto"`},
		{name: "arguments quoted for the shell", euid: 0, dir: &fakeOwner{998, "doorsync"},
			args: []string{"links", "import", "%dir/../persons list.csv", "--dry-run"},
			want: "%dir is owned by user doorsync; " + refusal + `user doorsync cannot write, and its next run would fail: ` +
				`run "sudo -u doorsync doorsync --config %cfg links import '%dir/../persons list.csv' --dry-run"`},
		{name: "plan", euid: 0, dir: &fakeOwner{998, "doorsync"}, args: []string{"plan"},
			want: "%dir is owned by user doorsync; " + refusal + `user doorsync cannot write, and its next run would fail: ` +
				`run "sudo -u doorsync doorsync --config %cfg plan"`},
		{name: "backup, which only reads", euid: 0, dir: &fakeOwner{998, "doorsync"}, args: []string{"backup", "%dir/../copy.db"},
			want: "%dir is owned by user doorsync; " + refusal + `user doorsync cannot write, and its next run would fail: ` +
				`run "sudo -u doorsync doorsync --config %cfg backup %dir/../copy.db"`},
		{name: "root owns both", euid: 0, file: &fakeOwner{0, "root"}, args: []string{"links", "remove", "ana@example.si", "entrance", "1043"}},
		{name: "not root", euid: 998, dir: &fakeOwner{998, "doorsync"}, args: []string{"links", "remove", "ana@example.si", "entrance", "1043"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, dbDir, db := guardSite(t)
			fill := strings.NewReplacer("%dir", dbDir, "%db", db, "%cfg", cfg).Replace
			if err := os.WriteFile(filepath.Join(dbDir, "..", "persons list.csv"), []byte("Person ID,Name,Email\n1043,Ana Novak,ana@example.si\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			owners := map[string]fakeOwner{dbDir: {0, "root"}}
			if tt.dir != nil {
				owners[dbDir] = *tt.dir
			}
			if tt.file != nil {
				owners[db] = *tt.file
			}
			app, _, errb := newTestApp(clocktest.Start(t), map[string]string{"CS_PASSWORD": "cs-secret-4711", "IVMS_PASSWORD": "term-secret-0815"})
			app.Ownership = fakeOwnership{euid: tt.euid, owners: owners}
			var args []string
			for _, a := range append([]string{"--config", cfg}, tt.args...) {
				args = append(args, fill(a))
			}
			code := app.Run(context.Background(), args)
			stderr := errb.String()
			entries, err := os.ReadDir(dbDir)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if code == ExitUsage || strings.Contains(stderr, "running as root") {
					t.Fatalf("refused: exit %d\n%s", code, stderr)
				}
				if len(entries) == 0 {
					t.Errorf("the database was not opened: exit %d\n%s", code, stderr)
				}
				return
			}
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if want := "doorsync: " + fill(tt.want) + "\n"; stderr != want {
				t.Errorf("stderr:\n got %q\nwant %q", stderr, want)
			}
			if len(entries) > 0 {
				t.Errorf("files were written beside the database: %v", entries)
			}
			assertNoSecrets(t, run{code: code, stderr: stderr})
		})
	}
}

func TestShellLine(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"doctor", "--config", "/etc/doorsync/doorsync.toml"}, "doctor --config /etc/doorsync/doorsync.toml"},
		{[]string{"links", "add", "ana.novak+gym@example.si", "entrance", "1043", "--note=from HR"}, "links add ana.novak+gym@example.si entrance 1043 '--note=from HR'"},
		{[]string{"why", "it's@x.si", ""}, `why 'it'\''s@x.si' ''`},
		{[]string{"why", "$(rm -rf /)", "*"}, `why '$(rm -rf /)' '*'`},
		{[]string{"why", "a\x1b[2Jb@x.si", "more"}, "why …"},
	} {
		if got := shellLine(tt.args); got != tt.want {
			t.Errorf("shellLine(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}

// doctor opens no database and is not refused, but run as root over the
// service's database it says that the commands after it would be: a warning,
// not a failed check.
func TestDoctorWarnsRootOfTheRefusal(t *testing.T) {
	s, cfg, db := launchSite(t, site.Options{Members: 10, Seed: 5})
	app, out, errb := newTestApp(s.Clock, nil)
	app.Ownership = fakeOwnership{euid: 0, owners: map[string]fakeOwner{filepath.Dir(db): {998, "doorsync"}}}
	code := app.Run(context.Background(), []string{"doctor", "--config", cfg})
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	want := doctorLine("warn", "database", "owner", filepath.Dir(db)+" is owned by user doorsync; running as root would leave files there "+
		`(the database, its -wal and -shm) that user doorsync cannot write, and its next run would fail: run "sudo -u doorsync doorsync doctor --config `+cfg+`"`)
	if !strings.Contains(out.String(), want+"\n") {
		t.Errorf("doctor output lacks the line\n%s\n%s", want, out.String())
	}
}
