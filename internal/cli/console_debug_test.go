package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/doorsync/doorsync/internal/emulator/site"
	"github.com/doorsync/doorsync/tui"
)

// breakGymPassword makes the configuration's second terminal ("gym") use
// the wrong password, read from $GYM_PW.
func breakGymPassword(t *testing.T, s *site.Site, cfgPath string) map[string]string {
	t.Helper()
	gym := s.Terminals[1]
	if gym.Name != "gym" {
		t.Fatalf("second terminal is %q", gym.Name)
	}
	rewriteConfig(t, cfgPath, fmt.Sprintf("url = %q\nusername = \"admin\"\npassword = \"term-secret-0815\"", gym.URL),
		fmt.Sprintf("url = %q\nusername = \"admin\"\npassword = \"${GYM_PW}\"", gym.URL))
	return map[string]string{"GYM_PW": "wrong-pass-1234"}
}

// The console's --debug log (what runConsole opens: openDebugLog, the
// console built with its logger, closed after the console): a new file
// with mode 0600 where the console says it is, holding what the console
// did — the stored snapshot it started from, the refresh of every side,
// the side that failed — and no secret.
func TestConsoleDebugLog(t *testing.T) {
	s, cfgPath := startSite(t, 30)
	env := breakGymPassword(t, s, cfgPath)
	app, _, _ := newTestApp(s.Clock, env)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ses, err := app.openSession(ctx, &globalOptions{configPath: cfgPath}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ses.close()
	// An earlier session's refresh left the stored snapshot to start from,
	// and held the gym terminal, which rejected its password: the console
	// does not contact it again.
	if _, err := (&consoleBackend{Service: ses.svc, ses: ses}).Refresh(ctx, func(tui.Progress) {}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	dl, err := openDebugLog(dir, app.Clock)
	if err != nil {
		t.Fatal(err)
	}
	w := &watcher{}
	tm := teatest.NewTestModel(t, app.newConsole(ctx, ses, dl.log), teatest.WithInitialTermSize(160, 48),
		teatest.WithProgramOptions(tea.WithFilter(w.filter)))
	w.waitState(t, tm, "refreshed", func(s tui.State) bool { return s.Loaded && !s.Refreshing && !s.Stored })
	keys(tm, key('q'))
	tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second))
	var said bytes.Buffer
	dl.close(&said)

	// Where the console says the log is.
	msg := said.String()
	path, ok := strings.CutPrefix(strings.TrimSuffix(msg, "\n"), "doorsync: debug log written to ")
	if !ok || strings.Contains(path, "\n") {
		t.Fatalf("the console does not say where the log is: %q", msg)
	}
	if filepath.Dir(path) != dir || !strings.HasPrefix(filepath.Base(path), "doorsync-console-") {
		t.Errorf("log at %s, want a doorsync-console-*.log in %s", path, dir)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("debug log has mode %04o, want 0600", st.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	log := string(data)
	t.Logf("debug log:\n%s", log)

	// What the console did, in order.
	entries := []string{
		`level=INFO msg="stored snapshot loaded"`,
		`level=INFO msg="refresh started"`,
		`level=INFO msg="refresh: side read" system=cardskipper`,
		`level=INFO msg="refresh: side read" system=entrance`,
		`level=INFO msg="refresh: side read" system=neyross`,
		`level=INFO msg="refresh done"`,
	}
	for _, e := range entries {
		if !strings.Contains(log, e) {
			t.Errorf("debug log lacks %q", e)
		}
	}
	if i, j := strings.Index(log, entries[0]), strings.Index(log, entries[len(entries)-1]); i < 0 || j < i {
		t.Errorf("the stored snapshot is not logged before the refresh's end")
	}
	for _, line := range strings.Split(log, "\n") {
		switch {
		case strings.Contains(line, `msg="stored snapshot loaded"`):
			for _, part := range []string{`summary="30 members`, "accounts.entrance=", "accounts.neyross=", "target_error.gym=", "age="} {
				if !strings.Contains(line, part) {
					t.Errorf("stored snapshot entry lacks %q: %s", part, line)
				}
			}
		case strings.Contains(line, `msg="refresh done"`):
			for _, part := range []string{`summary="30 members`, "accounts.entrance=", "target_error.gym=", "took="} {
				if !strings.Contains(line, part) {
					t.Errorf("refresh entry lacks %q: %s", part, line)
				}
			}
		}
	}
	// The side that is held, saying so.
	if !strings.Contains(log, `target_error.gym="terminal gym: not contacted`) {
		t.Errorf("debug log does not report the gym terminal as held")
	}
	assertNoneOf(t, "the debug log", log, siteSecrets(s, env["GYM_PW"]))
}
