package config

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// leakMarker stands for a secret in env_file test input: "§" in a case's
// input is replaced by it. It holds "-", so it is never a valid name: found
// in a message, the parser echoed a value, a line or a malformed name.
const leakMarker = "pw-Zq9-leak"

func withMarker(doc string) []byte {
	return bytes.ReplaceAll([]byte(doc), []byte("§"), []byte(leakMarker))
}

// envFileCases are NAME=value files as systemd's EnvironmentFile= reads
// them, with what doorsync reads; they seed FuzzParseEnvFile too. "§" in a
// value is a secret (leakMarker).
var envFileCases = []struct {
	name     string
	doc      string
	vars     map[string]string
	problems []string // "env:line: message"
	broken   []string
}{
	{name: "empty file", doc: "", vars: map[string]string{}},
	{name: "comments and blank lines",
		doc:  "# secrets\n\n   # indented comment\n; also a comment\n\t\nA=1\n",
		vars: map[string]string{"A": "1"}},
	{name: "CRLF line ends", doc: "A=1\r\nB='x y'\r\n# c\r\n", vars: map[string]string{"A": "1", "B": "x y"}},
	{name: "no newline at the end", doc: "A=§", vars: map[string]string{"A": leakMarker}},
	{name: "white space around name and value is dropped",
		doc:  "  A  =  a b  \t\nB =\tb\n",
		vars: map[string]string{"A": "a b", "B": "b"}},
	{name: "unquoted: # and quotes inside are ordinary",
		doc:  "A=pa#ss # not a comment\nB=it's\nC=say\"hi\"\n",
		vars: map[string]string{"A": "pa#ss # not a comment", "B": "it's", "C": `say"hi"`}},
	{name: "unquoted: a backslash keeps the next character",
		doc:  `A=a\\b` + "\n" + `B=\x\$y` + "\n" + `C=end\ ` + "  \n" + `D=\'q\'` + "\n",
		vars: map[string]string{"A": `a\b`, "B": `x$y`, "C": "end ", "D": "'q'"}},
	{name: "nothing is expanded", doc: "A=${B}\nB=$HOME\n", vars: map[string]string{"A": "${B}", "B": "$HOME"}},
	{name: "single quotes: verbatim",
		doc:  `A='  \n $x "q" # \ '` + "\n" + "B=''\n",
		vars: map[string]string{"A": `  \n $x "q" # \ `, "B": ""}},
	{name: "double quotes: four escapes, other backslashes kept",
		doc:  `A="\"\\\` + "`" + `\$ \n \x 'q' #"` + "\n" + `B=""` + "\n" + `C="  padded  "  ` + "\n",
		vars: map[string]string{"A": `"\` + "`" + `$ \n \x 'q' #`, "B": "", "C": "  padded  "}},
	{name: "an empty value is set", doc: "A=\nB=   \n", vars: map[string]string{"A": "", "B": ""}},
	{name: "= inside a value", doc: "A=b=c==\n", vars: map[string]string{"A": "b=c=="}},
	{name: "UTF-8 and control characters in values", doc: "A=geslo-čšž\tx\nB='\x01'\n", vars: map[string]string{"A": "geslo-čšž\tx", "B": "\x01"}},

	{name: "export is not systemd's", doc: "export A=§\nB=1\n",
		vars:     map[string]string{"B": "1"},
		problems: []string{`env:1: A: "export" is not understood by systemd's EnvironmentFile= (the service would not get A): write A=…`},
		broken:   []string{"A"}},
	{name: "a line without =", doc: "A=1\n§\n",
		vars:     map[string]string{"A": "1"},
		problems: []string{"env:2: the line is not NAME=value (not shown: it may hold a secret)"}},
	{name: "a bad name is not shown", doc: "p§ss=word\n1A=x\n=x\nA.B=x\n",
		vars: map[string]string{},
		problems: []string{
			`env:1: the name before "=" must be letters, digits and _, not starting with a digit (not shown: it may be part of a secret)`,
			`env:2: the name before "=" must be letters, digits and _, not starting with a digit (not shown: it may be part of a secret)`,
			`env:3: the name before "=" must be letters, digits and _, not starting with a digit (not shown: it may be part of a secret)`,
			`env:4: the name before "=" must be letters, digits and _, not starting with a digit (not shown: it may be part of a secret)`,
		}},
	{name: "an open single quote", doc: "A='§\nB=1\n",
		vars:     map[string]string{"B": "1"},
		problems: []string{"env:1: A: the single quote is not closed on its line (a value spanning lines is not supported)"},
		broken:   []string{"A"}},
	{name: "an open double quote", doc: "A=\"§\\\"\n",
		vars:     map[string]string{},
		problems: []string{"env:1: A: the double quote is not closed on its line (a value spanning lines is not supported)"},
		broken:   []string{"A"}},
	{name: "a trailing backslash continues the line", doc: "A=§\\\nB=\"§\\\n",
		vars: map[string]string{},
		problems: []string{
			"env:1: A: the value ends in a backslash, which continues it on the next line: not supported, write it on one line",
			"env:2: B: the value ends in a backslash, which continues it on the next line: not supported, write it on one line",
		},
		broken: []string{"A", "B"}},
	{name: "text after the closing quote", doc: "A='§'§\nB=\"§\" '§'\nC='§'  \n",
		vars: map[string]string{"C": leakMarker},
		problems: []string{
			"env:1: A: text follows the closing quote (systemd would join them): put the whole value inside the quotes",
			"env:2: B: text follows the closing quote (systemd would join them): put the whole value inside the quotes",
		},
		broken: []string{"A", "B"}},
	{name: "a name set twice", doc: "A=1\nB=2\nA=§\n",
		vars:     map[string]string{"A": "1", "B": "2"},
		problems: []string{"env:3: A is set again (first on line 1; systemd would take the last): keep one"},
		broken:   []string{"A"}},
	{name: "a byte order mark", doc: "\uFEFFA=1\n",
		vars:     map[string]string{"A": "1"},
		problems: []string{"env:1: the file starts with a byte order mark, which systemd's EnvironmentFile= takes as part of the first name: save it without one"}},
	{name: "a carriage return inside a line", doc: "A=§\r§\n# x\ry\n",
		vars: map[string]string{},
		problems: []string{
			"env:1: the line holds a carriage return (CR) before its end, where systemd would end the line: remove it",
			"env:2: the line holds a carriage return (CR) before its end, where systemd would end the line: remove it",
		}},
	{name: "not UTF-8", doc: "A=§\xff\nB=§\x00\n",
		vars: map[string]string{},
		problems: []string{
			"env:1: the line is not UTF-8 text (it holds invalid or NUL bytes; systemd would ignore it)",
			"env:2: the line is not UTF-8 text (it holds invalid or NUL bytes; systemd would ignore it)",
		}},
}

func TestParseEnvFile(t *testing.T) {
	for _, tt := range envFileCases {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := parseEnvFile("env", withMarker(tt.doc))
			var msgs []string
			for _, p := range problems {
				msgs = append(msgs, p.Error())
			}
			eq(t, "variables", got.vars, tt.vars)
			eq(t, "problems", msgs, tt.problems)
			var broken []string
			for _, n := range []string{"A", "B", "C", "D"} {
				if got.broken[n] {
					broken = append(broken, n)
				}
			}
			eq(t, "broken names", broken, tt.broken)
			assertNoSecret(t, "problems", strings.Join(msgs, "\n"), leakMarker)
		})
	}
}

// FuzzParseEnvFile: no input panics; every problem names the file and a
// line of it and never a secret; what parses is written back (double
// quoted) and parses to the same variables.
func FuzzParseEnvFile(f *testing.F) {
	for _, tt := range envFileCases {
		f.Add([]byte(tt.doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		data = withMarker(string(data))
		got, problems := parseEnvFile("env", data)
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, p := range problems {
			if p.File != "env" || p.Line < 1 || p.Line > lines || p.Msg == "" {
				t.Fatalf("problem without its file, line or message: %+v", p)
			}
			assertNoSecret(t, "problem", p.Msg, leakMarker)
		}
		var doc strings.Builder
		for name, v := range got.vars {
			if strings.ContainsAny(v, "\r\n") || got.broken[name] {
				continue
			}
			esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", `$`, `\$`).Replace(v)
			doc.WriteString(name + `="` + esc + "\"\n")
		}
		again, problems := parseEnvFile("env", []byte(doc.String()))
		if len(problems) > 0 {
			t.Fatalf("written back, it does not parse: %v\n%s", problems, doc.String())
		}
		for name, v := range again.vars {
			if got.vars[name] != v {
				t.Fatalf("%s: read back %q, was %q", name, v, got.vars[name])
			}
		}
	})
}

// A configuration with an env_file: where each ${VAR} comes from, and what
// the admin reads when something is wrong — the file and line, the key,
// never a value, and no unset variable reported on top of a bad file.
func TestParseWithEnvFile(t *testing.T) {
	const doc = `env_file = %q
[cardskipper]
username = "api-admin"
password = "${CS_PASSWORD}"
organisation_id = 1

[[hikvision]]
name = "entrance"
url = "http://10.0.0.20"
username = "admin"
password = "${IVMS_PASSWORD}"
`
	tests := []struct {
		name     string
		envFile  string // env_file's value
		files    map[string]string
		env      map[string]string
		readErr  error // what reading any file gives instead
		cs, ivms string
		problems []string
	}{
		{name: "values from the file, absolute path", envFile: "/etc/doorsync/env",
			files: map[string]string{"/etc/doorsync/env": "CS_PASSWORD='cs-§'\nIVMS_PASSWORD=ivms-§\n"},
			cs:    "cs-" + leakMarker, ivms: "ivms-" + leakMarker},
		{name: "relative to the configuration", envFile: "env",
			files: map[string]string{"/srv/doorsync/env": "CS_PASSWORD=a\nIVMS_PASSWORD=b\n"}, cs: "a", ivms: "b"},
		{name: "the path's own variables come from the environment", envFile: "${CREDENTIALS_DIRECTORY}/env",
			env:   map[string]string{"CREDENTIALS_DIRECTORY": "/run/credentials/doorsync.service"},
			files: map[string]string{"/run/credentials/doorsync.service/env": "CS_PASSWORD=a\nIVMS_PASSWORD=b\n"}, cs: "a", ivms: "b"},
		{name: "the environment wins, even empty", envFile: "env",
			env:   map[string]string{"CS_PASSWORD": "from-env", "IVMS_PASSWORD": ""},
			files: map[string]string{"/srv/doorsync/env": "CS_PASSWORD=§\nIVMS_PASSWORD=§\n"},
			problems: []string{
				"/srv/doorsync/doorsync.toml:11: hikvision.password is empty (environment variable IVMS_PASSWORD is set but empty)"}},
		{name: "set in neither", envFile: "env",
			files: map[string]string{"/srv/doorsync/env": "CS_PASSWORD=§\n"},
			problems: []string{
				"/srv/doorsync/doorsync.toml:11: hikvision.password: environment variable IVMS_PASSWORD is set neither in the environment nor in /srv/doorsync/env"}},
		{name: "empty in the file", envFile: "env",
			files: map[string]string{"/srv/doorsync/env": "CS_PASSWORD=\nIVMS_PASSWORD=''\n"},
			problems: []string{
				"/srv/doorsync/doorsync.toml:4: cardskipper.password is empty (CS_PASSWORD is empty in /srv/doorsync/env)",
				"/srv/doorsync/doorsync.toml:11: hikvision.password is empty (IVMS_PASSWORD is empty in /srv/doorsync/env)"}},
		{name: "white space alone in the file", envFile: "env",
			files: map[string]string{"/srv/doorsync/env": "CS_PASSWORD=§\nIVMS_PASSWORD=\"  \"\n"},
			problems: []string{
				"/srv/doorsync/doorsync.toml:11: hikvision.password: the password is only white space (the value of ${IVMS_PASSWORD} from /srv/doorsync/env)"}},
		{name: "a bad line: its file and line first, its variable not again as unset", envFile: "env",
			files: map[string]string{"/srv/doorsync/env": "CS_PASSWORD=§\n\nIVMS_PASSWORD=\"§\n"},
			problems: []string{
				"/srv/doorsync/env:3: IVMS_PASSWORD: the double quote is not closed on its line (a value spanning lines is not supported)"}},
		{name: "a missing file: said once", envFile: "env",
			problems: []string{"/srv/doorsync/doorsync.toml:1: env_file: open /srv/doorsync/env: file does not exist"}},
		{name: "an unreadable file: says whom to run as", envFile: "env", readErr: fs.ErrPermission,
			problems: []string{"/srv/doorsync/doorsync.toml:1: env_file: open /srv/doorsync/env: permission denied (run doorsync as the user the file is for, e.g. sudo -u doorsync doorsync …)"}},
		{name: "too large", envFile: "env",
			files:    map[string]string{"/srv/doorsync/env": "A=" + strings.Repeat("§", maxEnvFile) + "\n"},
			problems: []string{"/srv/doorsync/doorsync.toml:1: env_file: file /srv/doorsync/env is larger than 64 KiB; an env_file holds NAME=value lines"}},
		{name: "empty path", envFile: " ",
			problems: []string{"/srv/doorsync/doorsync.toml:1: env_file is empty; remove the key when the secrets come from the environment alone"}},
		{name: "a path from a variable that is no path: shown as written", envFile: "${CS_PASSWORD}",
			env:      map[string]string{"CS_PASSWORD": "§"},
			problems: []string{"/srv/doorsync/doorsync.toml:1: env_file: open ${CS_PASSWORD}: file does not exist"}},
		{name: "the path's variable unset", envFile: "${NOPE}/env",
			problems: []string{"/srv/doorsync/doorsync.toml:1: env_file: environment variable NOPE is not set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			readFile := func(name string) ([]byte, error) {
				if tt.readErr != nil {
					return nil, &fs.PathError{Op: "open", Path: name, Err: tt.readErr}
				}
				if v, ok := tt.files[name]; ok {
					return withMarker(v), nil
				}
				return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
			}
			env := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			c, err := Parse("/srv/doorsync/doorsync.toml", []byte(strings.Replace(doc, "%q", strconv.Quote(tt.envFile), 1)), env, readFile)
			if len(tt.problems) > 0 {
				if err == nil {
					t.Fatal("parsed")
				}
				eq(t, "problems", strings.Split(err.Error(), "\n"), tt.problems)
				assertNoSecret(t, "error", err.Error(), leakMarker)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "cardskipper.password", c.Cardskipper.Password.Value(), tt.cs)
			eq(t, "hikvision.password", c.Hikvision[0].Password.Value(), tt.ivms)
			eq(t, "source", c.Cardskipper.Password.Source(), "${CS_PASSWORD}")
		})
	}
}

// Load warns of an env_file any other user may read or write, and the
// dump says which file was read without its values.
func TestLoadEnvFile(t *testing.T) {
	for _, tt := range []struct {
		mode    os.FileMode
		warning string
	}{
		{0o600, ""},
		{0o400, ""},
		{0o640, "%s (env_file) has mode 0640 and holds secrets; give it mode 600, owned by the user doorsync runs as"},
		{0o604, "%s (env_file) has mode 0604 and holds secrets; give it mode 600, owned by the user doorsync runs as"},
		{0o620, "%s (env_file) has mode 0620 and holds secrets; give it mode 600, owned by the user doorsync runs as"},
	} {
		t.Run(tt.mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "doorsync.toml")
			envPath := filepath.Join(dir, "env")
			writeFile(t, path, `env_file = "env"`+"\n"+strings.Replace(loadDoc, "%s", `"${CS_PASSWORD}"`, 1), 0o600)
			writeFile(t, envPath, "# secrets\nCS_PASSWORD='load-env-secret'\n", tt.mode)
			writeFile(t, filepath.Join(dir, "ivms.pass"), fileIVMS+"\n", 0o600)

			c, err := Load(path, func(string) (string, bool) { return "", false })
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			if tt.warning != "" {
				want = []string{strings.ReplaceAll(tt.warning, "%s", envPath)}
			}
			eq(t, "warnings", c.Warnings, want)
			eq(t, "env_file", c.EnvFile, envPath)
			eq(t, "password", c.Cardskipper.Password.Value(), "load-env-secret")
			out := c.Redacted()
			if !strings.Contains(out, "# env_file = "+tomlString(envPath)) {
				t.Errorf("the dump does not name the env_file:\n%s", out)
			}
			assertNoSecret(t, "dump and warnings", out+strings.Join(c.Warnings, "\n"), "load-env-secret", fileIVMS)
		})
	}
	// Errors name the file, read or not.
	dir := t.TempDir()
	path := filepath.Join(dir, "doorsync.toml")
	writeFile(t, path, `env_file = "nope.env"`+"\n"+strings.Replace(loadDoc, "%s", `"${CS_PASSWORD}"`, 1), 0o600)
	writeFile(t, filepath.Join(dir, "ivms.pass"), fileIVMS+"\n", 0o600)
	_, err := Load(path, nil)
	if err == nil || !strings.Contains(err.Error(), path+":1: env_file: open "+filepath.Join(dir, "nope.env")) {
		t.Errorf("a missing env_file: got %v", err)
	}
}
