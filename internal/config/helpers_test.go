package config

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Secret values the test environment and files hand out. They never appear
// in a document, so finding one in an error, a warning or printed output is
// a leak.
const (
	envCardskipper = "env-secret-cardskipper-Zq9"
	envIVMS        = "env-secret-ivms-Kx4"
	envNeyross     = "env-secret-neyross-Pw2"
	envNTK         = "env-secret-ntk-Hm7"
	envSMTP        = "env-secret-smtp-Lr5"
	fileIVMS       = "file-secret-ivms-Bt3"
	fileCS         = "file-secret-cs-Vn8"
	fileNeyross    = "file-secret-neyross-Dq1"
	// Served by secrets/doorsync.env (an env_file); the second is shadowed
	// by the environment's CARDSKIPPER_PASSWORD.
	envFileIVMS     = "envfile-secret-ivms-Wy6"
	envFileShadowed = "envfile-secret-shadowed-Qe1"
)

func injectedSecrets() []string {
	return []string{envCardskipper, envIVMS, envNeyross, envNTK, envSMTP, fileIVMS, fileCS, fileNeyross, envFileIVMS, envFileShadowed}
}

func testEnv(k string) (string, bool) {
	v, ok := map[string]string{
		"CARDSKIPPER_PASSWORD": envCardskipper,
		"IVMS_PASSWORD":        envIVMS,
		"NEYROSS_TOKEN":        envNeyross,
		"NTK_PASSWORD":         envNTK,
		"SMTP_PASSWORD":        envSMTP,
		"EMPTY":                "",
	}[k]
	return v, ok
}

// testReadFile serves *_file secrets; anything else does not exist, with
// the error os.ReadFile gives.
func testReadFile(name string) ([]byte, error) {
	files := map[string]string{
		"secrets/ivms.pass":               fileIVMS + "\n",
		"secrets/cs.pass":                 fileCS,
		"/etc/doorsync/secrets/ivms.pass": fileIVMS + "\n",
		"/run/secrets/neyross":            fileNeyross + "\r\n",
		"secrets/two-lines":               "first\nsecond\n",
		"secrets/empty":                   "\n",
		"secrets/blank":                   " \t \n",
		"secrets/doorsync.env": "# doorsync's secrets\nENVFILE_IVMS_PASSWORD='" + envFileIVMS + "'\n" +
			"CARDSKIPPER_PASSWORD=" + envFileShadowed + "\nBLANK_PASSWORD=\"  \"\nEMPTY_PASSWORD=\n",
	}
	if v, ok := files[name]; ok {
		return []byte(v), nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// fixture is a testdata file with its expectations: "# want: …" lines
// (substrings the error must contain) and "# secret: …" lines (values the
// error must not contain) at the top.
type fixture struct {
	name    string
	data    []byte
	wants   []string
	secrets []string
}

func loadFixtures(t testing.TB, dir string) []fixture {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", dir, "*.toml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures in testdata/%s: %v", dir, err)
	}
	var out []fixture
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f := fixture{name: filepath.Base(p), data: data}
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for sc.Scan() {
			line := sc.Text()
			if w, ok := strings.CutPrefix(line, "# want: "); ok {
				f.wants = append(f.wants, w)
			} else if s, ok := strings.CutPrefix(line, "# secret: "); ok {
				f.secrets = append(f.secrets, s)
			}
		}
		out = append(out, f)
	}
	return out
}

// assertNoSecret fails if s holds any of the secrets.
func assertNoSecret(t testing.TB, what, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("%s leaks secret %q:\n%s", what, sec, s)
		}
	}
}
