package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const loadDoc = `[cardskipper]
username = "api-admin"
password = %s
organisation_id = 1

[[hikvision]]
name = "entrance"
url = "http://10.0.0.20"
username = "admin"
password_file = "ivms.pass"
`

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask may have narrowed it
		t.Fatal(err)
	}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name     string
		password string
		mode     os.FileMode
		warnings []string
	}{
		{"literal secret, readable by others", `"literal-load-secret"`, 0o644,
			[]string{"%s is readable by everyone (mode 0644) and holds a literal password for cardskipper.password; use ${VAR} or password_file"}},
		{"literal secret, readable by group", `"literal-load-secret"`, 0o640,
			[]string{"%s is readable by its group (mode 0640) and holds a literal password for cardskipper.password; use ${VAR} or password_file"}},
		{"literal secret, owner only", `"literal-load-secret"`, 0o600, nil},
		{"secret from the environment, readable by others", `"${CARDSKIPPER_PASSWORD}"`, 0o644, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "doorsync.toml")
			writeFile(t, path, strings.Replace(loadDoc, "%s", tt.password, 1), tt.mode)
			writeFile(t, filepath.Join(dir, "ivms.pass"), fileIVMS+"\n", 0o600)

			c, err := Load(path, testEnv)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, w := range tt.warnings {
				want = append(want, strings.ReplaceAll(w, "%s", path))
			}
			eq(t, "warnings", c.Warnings, want)
			eq(t, "path", c.Path, path)
			// The *_file is found next to the configuration, whatever the working directory.
			eq(t, "password from file", c.Hikvision[0].Password.Value(), fileIVMS)
			assertNoSecret(t, "warnings", strings.Join(c.Warnings, "\n"), "literal-load-secret", fileIVMS)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	writeFile(t, bad, "[cardskipper]\npasword = \"x\"\n", 0o600)
	missingSecret := filepath.Join(dir, "nofile.toml")
	writeFile(t, missingSecret, strings.Replace(loadDoc, "%s", `"${CARDSKIPPER_PASSWORD}"`, 1), 0o600)

	tests := []struct {
		name, path string
		want       []string
		is         error
	}{
		{"missing file", filepath.Join(dir, "nope.toml"), []string{"configuration: open " + filepath.Join(dir, "nope.toml")}, fs.ErrNotExist},
		{"directory", dir, []string{dir + " is a directory"}, nil},
		{"bad content", bad, []string{bad + `:2: unknown key "cardskipper.pasword" (did you mean "password"?)`}, nil},
		{"password_file missing", missingSecret, []string{missingSecret + ":10: hikvision.password_file: open " + filepath.Join(dir, "ivms.pass") + ": no such file"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path, testEnv)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

func TestFind(t *testing.T) {
	type layout struct{ cwd, user, system bool }
	tests := []struct {
		name   string
		flag   string // "FILE": an existing file outside the searched places; "MISSING": one that does not exist
		envVar string // same
		files  layout
		want   string // "cwd", "user", "system", "FILE"
		err    string
		notErr bool
	}{
		{name: "flag wins", flag: "FILE", envVar: "FILE", files: layout{true, true, true}, want: "FILE"},
		{name: "flag must exist", flag: "MISSING", files: layout{true, true, true}, err: "--config MISSING: no configuration file found: the file does not exist"},
		{name: "environment next", envVar: "FILE", files: layout{true, true, true}, want: "FILE"},
		{name: "environment must exist", envVar: "MISSING", files: layout{true, true, true}, err: "$DOORSYNC_CONFIG (MISSING): no configuration file found"},
		{name: "working directory", files: layout{true, true, true}, want: "cwd"},
		{name: "user config dir", files: layout{false, true, true}, want: "user"},
		{name: "system dir", files: layout{false, false, true}, want: "system"},
		{name: "nowhere", err: "no configuration file found (looked for ./doorsync.toml, USER/doorsync.toml, SYSTEM/doorsync.toml); pass --config FILE or set $DOORSYNC_CONFIG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			cwd, user, system := filepath.Join(root, "cwd"), filepath.Join(root, "user"), filepath.Join(root, "system")
			for _, d := range []string{cwd, user, system} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			file, missing := filepath.Join(root, "elsewhere.toml"), filepath.Join(root, "missing.toml")
			writeFile(t, file, "", 0o600)
			for dir, ok := range map[string]bool{cwd: tt.files.cwd, user: tt.files.user, system: tt.files.system} {
				if ok {
					writeFile(t, filepath.Join(dir, FileName), "", 0o600)
				}
			}
			t.Chdir(cwd)
			subst := map[string]string{"FILE": file, "MISSING": missing, "": ""}
			env := func(k string) (string, bool) {
				v := subst[tt.envVar]
				return v, k == EnvConfig && v != ""
			}
			got, err := Find(subst[tt.flag], env, user, system)
			if tt.err != "" {
				want := strings.NewReplacer("MISSING", missing, "USER", user, "SYSTEM", system).Replace(tt.err)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("Find = %q, %v; want error %q", got, err, want)
				}
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("error %v is not ErrNotFound", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"FILE": file, "cwd": FileName,
				"user": filepath.Join(user, FileName), "system": filepath.Join(system, FileName)}[tt.want]
			eq(t, "found", got, want)
		})
	}
}

func TestFindSkipsEmptyDirsAndRejectsDirectories(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	if err := os.Mkdir(FileName, 0o755); err != nil { // ./doorsync.toml is a directory
		t.Fatal(err)
	}
	_, err := Find("", nil, "", "")
	if err == nil || !strings.Contains(err.Error(), "doorsync.toml is a directory") {
		t.Fatalf("got %v", err)
	}
	_, err = Find(root, nil, "", "")
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("--config DIR: got %v", err)
	}
}

// Run as the doorsync user (sudo -u doorsync) from the admin's own 0700
// home, ./doorsync.toml cannot even be looked for: the search goes on to
// /etc/doorsync. A place denied with nothing found anywhere is said.
func TestFindPassesOverPlacesThisUserMayNotSearch(t *testing.T) {
	dir := t.TempDir()
	system := filepath.Join(dir, "system")
	if err := os.Mkdir(system, 0o755); err != nil {
		t.Fatal(err)
	}
	deniedHere := func(p string) (fs.FileInfo, error) {
		if p == FileName {
			return nil, &fs.PathError{Op: "stat", Path: p, Err: fs.ErrPermission}
		}
		return os.Stat(p)
	}
	got, err := find("", nil, "", system, deniedHere)
	if err == nil {
		t.Fatalf("found %q with no file anywhere", got)
	}
	want := "configuration: this user may not look for ./doorsync.toml (permission denied); run doorsync as a user that may (the packages' is doorsync: sudo -u doorsync doorsync …), or pass --config FILE"
	eq(t, "error", err.Error(), want)

	writeFile(t, filepath.Join(system, FileName), "", 0o600)
	got, err = find("", nil, "", system, deniedHere)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "found", got, filepath.Join(system, FileName))
}
