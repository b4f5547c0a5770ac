package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ~ in --config, --db and --out is the home directory, where no shell
// expanded it (systemd's ExecStart, --db=~/x.db); a relative $HOME is
// refused by name (issue 11 review).
func TestHomeInPathFlags(t *testing.T) {
	s, cfg := startSite(t, 20)
	home := t.TempDir()
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "doorsync.toml"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": home}
	r := runApp(t, s.Clock, env, "plan", "--config=~/doorsync.toml", "--db=~/gym.db", "--out=~/plan.json")
	if r.code != 0 {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
	}
	for _, f := range []string{"gym.db", "plan.json"} {
		if _, err := os.Stat(filepath.Join(home, f)); err != nil {
			t.Errorf("%s not in the home directory: %v", f, err)
		}
	}
	if _, err := os.Stat("~"); err == nil {
		t.Error("a folder named ~ was made")
	}
	r = runApp(t, s.Clock, map[string]string{"HOME": "relative/dir"}, "plan", "--config=~/doorsync.toml")
	if r.code != 2 || !strings.Contains(r.stderr, `--config: path "~/doorsync.toml": the home directory for ~: "relative/dir" is not an absolute path`) {
		t.Errorf("relative HOME: exit %d\n%s", r.code, r.stderr)
	}
	// $DOORSYNC_CONFIG (crontab, systemd's Environment=) and a file
	// argument: ~ too.
	r = runApp(t, s.Clock, map[string]string{"HOME": home, "DOORSYNC_CONFIG": "~/doorsync.toml"}, "apply", "--db=~/gym.db", "~/plan.json")
	if r.code != 0 && r.code != 4 {
		t.Fatalf("apply ~/plan.json with $DOORSYNC_CONFIG=~/doorsync.toml: exit %d\n%s", r.code, r.stderr)
	}
	r = runApp(t, s.Clock, env, "report", "--config=~/doorsync.toml", "--db=~/gym.db", "--out=~/r.csv")
	if r.code != 0 {
		t.Fatalf("report: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(home, "r.csv")); err != nil {
		t.Errorf("the report is not in the home directory: %v", err)
	}
}
