package cli

import (
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/redact/redacttest"
)

// TestEchoedCredentialsGoNowhere: an NTK endpoint that answers 500 and
// echoes the request's headers (Authorization: Basic …) gets the login into
// none of the run's output (with and without --debug), the database file,
// history, reports in every format, or the webhook's JSON.
func TestEchoedCredentialsGoNowhere(t *testing.T) {
	s := startE2ESiteAll(t, 60, 11)
	s.raiseGuard(t)
	echo := redacttest.NewEcho(t, false)
	// One retry budget of a second: every retry fails the same way.
	s.editConfig(t, fmt.Sprintf("url = %q", s.NTK.URL), fmt.Sprintf("url = %q\nretry_budget = \"1s\"", echo.URL+"/ntk/upload"))
	hook := startE2EWebhook(t)
	s.appendConfig(t, fmt.Sprintf("[notify]\nwebhook = %q", hook.url()))

	secrets := []string{s.NTK.Password, base64.StdEncoding.EncodeToString([]byte(s.NTK.Username + ":" + s.NTK.Password))}
	check := func(what, text string) {
		t.Helper()
		echo.AssertClean(t, what, text, secrets...)
	}

	first := s.run(t, "--auto")
	if first.code == ExitOK {
		t.Fatalf("--auto succeeded against a failing NTK:\n%s", first.stdout)
	}
	if !strings.Contains(first.stdout+first.stderr, "HTTP 500") {
		t.Errorf("the run does not report NTK's HTTP 500:\n%s\n%s", first.stdout, first.stderr)
	}
	check("--auto output", first.stdout+first.stderr)
	debug := s.run(t, "--auto", "--debug")
	check("--auto --debug output", debug.stdout+debug.stderr)
	if len(echo.Auths()) < 2 {
		t.Fatalf("the echoing NTK got %d uploads, want one per run", len(echo.Auths()))
	}

	for _, args := range [][]string{
		{"history"}, {"history", "--run", "1"}, {"history", "--run", "2"},
		{"report", "--run", "1", "--format", "csv"}, {"report", "--run", "1", "--format", "json"},
		{"report", "--run", "1", "--format", "md"}, {"report", "--run", "1", "--format", "html"},
	} {
		r := s.run(t, args...)
		if r.code != ExitOK {
			t.Errorf("%s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
		check(strings.Join(args, " "), r.stdout+r.stderr)
	}
	for _, suffix := range []string{"", "-wal", "-journal"} {
		data, err := os.ReadFile(s.db + suffix)
		if err != nil {
			if suffix == "" {
				t.Fatal(err)
			}
			continue
		}
		check("the database file "+s.db+suffix, string(data))
	}
	calls := hook.calls()
	if len(calls) == 0 {
		t.Fatal("the webhook got no call")
	}
	for i, c := range calls {
		check(fmt.Sprintf("webhook call %d", i+1), string(c.body))
	}
}
