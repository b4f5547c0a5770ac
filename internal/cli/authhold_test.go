package cli

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/store"
)

// TestAuthHoldSurvivesRuns: a terminal that rejected its credentials is not
// contacted by the next cron runs (each would cost failed logins and keep
// the account locked out) until the password in the configuration changes.
func TestAuthHoldSurvivesRuns(t *testing.T) {
	s := startE2ESite(t, 120, 4)
	s.raiseGuard(t)
	ep, term := s.terminal(t, "entrance")
	term.SetPassword("rotated-on-the-device")
	rejected := func() int {
		return ep.Log.Count(func(q emulator.Request) bool { return q.AuthScheme == "Digest" && q.Status == 401 })
	}

	first := s.run(t, "--auto")
	if first.code != ExitPartial {
		t.Fatalf("first run: exit %d, want %d\n%s%s", first.code, ExitPartial, first.stdout, first.stderr)
	}
	if !strings.Contains(first.stdout, "later runs leave it alone") {
		t.Fatalf("the first run must say the terminal is stopped and held:\n%s", first.stdout)
	}
	afterFirst := rejected()
	if afterFirst == 0 || afterFirst > 2 {
		t.Fatalf("%d rejected logins in the first run", afterFirst)
	}
	ep.Log.Reset()
	for i := range 4 {
		r := s.run(t, "--auto")
		if r.code != ExitPartial || !strings.Contains(r.stdout, "not contacted") {
			t.Fatalf("run %d: exit %d, want %d and a 'not contacted' line\n%s%s", i+2, r.code, ExitPartial, r.stdout, r.stderr)
		}
	}
	if n := ep.Log.Count(nil); n != 0 {
		t.Fatalf("%d requests reached the held terminal", n)
	}
	if term.Locked() || term.FailedLogins() > 2 {
		t.Fatalf("terminal locked=%v after %d failed logins", term.Locked(), term.FailedLogins())
	}

	// The operator puts the new password in the configuration: the hold
	// lifts at once and the terminal is synced.
	s.editConfig(t, `password = "`+e2eTermPassword+`"`, `password = "rotated-on-the-device"`)
	r := s.run(t, "--auto")
	if r.code == ExitPartial || r.code == ExitFailed || strings.Contains(r.stdout, "not contacted") {
		t.Fatalf("after the fix: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if ep.Log.Count(func(q emulator.Request) bool { return strings.HasSuffix(q.Path, "/Search") }) == 0 {
		t.Fatal("the terminal was not read after its password was fixed")
	}
}

// Secrets of the NEYROSS and NTK hold tests: the wrong values the
// configuration is given, besides the site's right ones.
const (
	e2eWrongToken   = "eis-wrong-token-7731"
	e2eWrongNTKPass = "ntk-wrong-pass-5521"
)

// recordingRun runs doorsync on the site like run and keeps each run's
// output for assertNoSecretAnywhere.
func (e *e2eSite) recordingRun(t *testing.T, outputs *[]string) func(args ...string) run {
	return func(args ...string) run {
		r := e.run(t, args...)
		*outputs = append(*outputs, r.stdout+r.stderr)
		return r
	}
}

// assertNoSecretAnywhere fails when a secret appears in the outputs or in
// the database's files (the WAL included): holds keep a keyed hash only.
func assertNoSecretAnywhere(t *testing.T, db string, outputs []string, secrets ...string) {
	t.Helper()
	blobs := map[string][]byte{}
	for i, o := range outputs {
		blobs[fmt.Sprintf("output %d", i+1)] = []byte(o)
	}
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if b, err := os.ReadFile(db + suffix); err == nil {
			blobs["database file "+filepath.Base(db+suffix)] = b
		} else if suffix == "" {
			t.Fatalf("read the database: %v", err)
		}
	}
	for what, b := range blobs {
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the secret %q", what, s)
			}
		}
	}
}

// e2eTargetSummary returns the plan's summary of a target, via plan --json,
// as a script would read it.
func e2eTargetSummary(t *testing.T, s *e2eSite, name string) plan.TargetSummary {
	t.Helper()
	p := s.plan(t)
	for _, ts := range p.Targets {
		if ts.Name == name {
			return ts
		}
	}
	t.Fatalf("the plan has no target %q: %+v", name, p.Targets)
	return plan.TargetSummary{}
}

// e2eStatusesOn returns the stored statuses of a run's items on a target.
func e2eStatusesOn(t *testing.T, s *e2eSite, runID int64, targetName string) map[store.ItemStatus]int {
	t.Helper()
	out := map[store.ItemStatus]int{}
	for _, it := range e2eRunItems(t, s, runID) {
		if it.Target == targetName {
			out[it.Status]++
		}
	}
	return out
}

func e2eLastRun(t *testing.T, s *e2eSite) int64 {
	t.Helper()
	db := s.readDB(t, true)
	if len(db.runs) == 0 {
		t.Fatal("no run recorded")
	}
	id := db.runs[0].ID
	for _, r := range db.runs {
		id = max(id, r.ID)
	}
	return id
}

// TestAuthHoldNeyross: NEYROSS given a wrong token gets one rejected
// request, then none from later runs (nor from plan) until the token in the
// configuration is corrected; then it is read and synced.
func TestAuthHoldNeyross(t *testing.T) {
	s := startE2ESiteAll(t, 60, 7)
	s.raiseGuard(t)
	right := s.Neyross.Password
	s.editConfig(t, `token = "`+right+`"`, `token = "`+e2eWrongToken+`"`)
	log := s.Neyross.Log
	var outputs []string
	run := s.recordingRun(t, &outputs)

	first := run("--auto")
	if first.code != ExitPartial {
		t.Fatalf("first run: exit %d, want %d\n%s%s", first.code, ExitPartial, first.stdout, first.stderr)
	}
	for _, want := range []string{"NEYROSS", "rejected the API token", "later runs leave it alone", "token in the configuration changes"} {
		if !strings.Contains(first.stdout, want) {
			t.Errorf("first run: output lacks %q:\n%s", want, first.stdout)
		}
	}
	if strings.Contains(first.stdout, "terminal neyross") {
		t.Errorf("NEYROSS is called a terminal:\n%s", first.stdout)
	}
	rejected := log.Count(func(q emulator.Request) bool { return q.Status == http.StatusUnauthorized })
	if n := log.Count(nil); rejected != 1 || n != 1 {
		t.Fatalf("first run: %d requests reached NEYROSS, %d rejected; want exactly one, rejected", n, rejected)
	}

	log.Reset()
	second := run("--auto")
	if second.code != ExitPartial {
		t.Fatalf("second run: exit %d, want %d\n%s%s", second.code, ExitPartial, second.stdout, second.stderr)
	}
	for _, want := range []string{"NEYROSS: not contacted: it rejected the API token at", "until its token in the configuration changes"} {
		if !strings.Contains(second.stdout, want) {
			t.Errorf("second run: output lacks %q:\n%s", want, second.stdout)
		}
	}
	if sum := e2eTargetSummary(t, s, "neyross"); !strings.Contains(sum.Error, "not contacted") || sum.System != "neyross" {
		t.Errorf("plan --json: NEYROSS summary %+v, want a 'not contacted' error", sum)
	}
	if n := log.Count(nil); n != 0 {
		t.Fatalf("%d requests reached the held NEYROSS", n)
	}

	s.editConfig(t, `token = "`+e2eWrongToken+`"`, `token = "`+right+`"`)
	fixed := run("--auto")
	if fixed.code == ExitPartial || fixed.code == ExitFailed || strings.Contains(fixed.stdout, "not contacted") {
		t.Fatalf("after the fix: exit %d\n%s%s", fixed.code, fixed.stdout, fixed.stderr)
	}
	if n := log.Count(func(q emulator.Request) bool {
		return strings.HasSuffix(q.Path, "/persons/upsert/multiple") && q.Status == http.StatusOK
	}); n == 0 {
		t.Error("NEYROSS got no write after its token was fixed (the data set holds renewals for it)")
	}
	for _, it := range s.plan(t).Items {
		if it.Target == "neyross" && it.Kind.Writes() && it.Auto {
			t.Errorf("after the fixed run NEYROSS still needs %s of %s", it.Kind, it.Email)
		}
	}
	rep := run("report", "--format", "json")
	hist := run("history")
	if rep.code != ExitOK && rep.code != ExitHeld || hist.code != ExitOK {
		t.Fatalf("report: exit %d, history: exit %d\n%s%s", rep.code, hist.code, rep.stderr, hist.stderr)
	}
	assertNoSecretAnywhere(t, s.db, outputs, e2eWrongToken, right)
}

// TestAuthHoldNTK: NTK given a wrong password gets one rejected upload;
// later runs send nothing (a saved plan's NTK items are skipped, never
// applied) and say why, until the password in the configuration is fixed.
func TestAuthHoldNTK(t *testing.T) {
	s := startE2ESiteAll(t, 60, 8)
	s.raiseGuard(t)
	right := s.NTK.Password
	saved := filepath.Join(t.TempDir(), "plan.json")
	if r := s.run(t, "plan", "--out", saved); r.code != ExitOK {
		t.Fatalf("plan --out: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	s.editConfig(t, `password = "`+right+`"`, `password = "`+e2eWrongNTKPass+`"`)
	log := s.NTK.Log
	var outputs []string
	run := s.recordingRun(t, &outputs)

	first := run("--auto")
	if first.code != ExitPartial {
		t.Fatalf("first run: exit %d, want %d\n%s%s", first.code, ExitPartial, first.stdout, first.stderr)
	}
	for _, want := range []string{"NTK", "refused the upload credentials", "later runs leave it alone"} {
		if !strings.Contains(first.stdout, want) {
			t.Errorf("first run: output lacks %q:\n%s", want, first.stdout)
		}
	}
	if n, rejected := log.Count(nil), log.Count(func(q emulator.Request) bool { return q.Status == http.StatusUnauthorized }); n != 1 || rejected != 1 {
		t.Fatalf("first run: %d requests reached NTK, %d rejected; want one rejected upload", n, rejected)
	}
	if st := e2eStatusesOn(t, s, e2eLastRun(t, s), "ntk"); st[store.StatusApplied] > 0 || st[store.StatusFailed] == 0 {
		t.Errorf("first run: NTK items %v; the refused upload must fail them, none applied", st)
	}

	log.Reset()
	second := run("--auto")
	if second.code != ExitPartial {
		t.Fatalf("second run: exit %d, want %d\n%s%s", second.code, ExitPartial, second.stdout, second.stderr)
	}
	sum := e2eTargetSummary(t, s, "ntk")
	for _, want := range []string{"NTK: not contacted: it refused the upload credentials at", "(upload login rejected)",
		"leaves it alone until", "until its password in the configuration changes"} {
		if !strings.Contains(second.stdout, want) {
			t.Errorf("second run: output lacks %q:\n%s", want, second.stdout)
		}
		if !strings.Contains(sum.Error, want) {
			t.Errorf("plan --json: NTK summary error lacks %q: %q", want, sum.Error)
		}
	}
	if st := e2eStatusesOn(t, s, e2eLastRun(t, s), "ntk"); st[store.StatusApplied] > 0 {
		t.Errorf("second run: NTK items %v applied while held", st)
	}

	// A plan saved before the hold still lists NTK writes: applying it
	// skips them with the hold's reason and sends nothing.
	applied := run("apply", saved)
	if applied.code != ExitPartial && applied.code != ExitFailed {
		t.Errorf("apply of a saved plan with a held NTK: exit %d\n%s%s", applied.code, applied.stdout, applied.stderr)
	}
	st := e2eStatusesOn(t, s, e2eLastRun(t, s), "ntk")
	if st[store.StatusApplied] > 0 || st[store.StatusSkipped] == 0 {
		t.Errorf("apply FILE: NTK items %v, want skipped and none applied", st)
	}
	for _, it := range e2eRunItems(t, s, e2eLastRun(t, s)) {
		if it.Target == "ntk" && !strings.Contains(it.Error, "not contacted") {
			t.Errorf("apply FILE: NTK item %s recorded with error %q, want the hold's reason", it.ItemID, it.Error)
			break
		}
	}
	if n := log.Count(nil); n != 0 {
		t.Fatalf("%d requests reached the held NTK", n)
	}

	s.editConfig(t, `password = "`+e2eWrongNTKPass+`"`, `password = "`+right+`"`)
	fixed := run("--auto")
	if fixed.code == ExitPartial || fixed.code == ExitFailed || strings.Contains(fixed.stdout, "not contacted") {
		t.Fatalf("after the fix: exit %d\n%s%s", fixed.code, fixed.stdout, fixed.stderr)
	}
	if up := s.NTKServer.Accepted(); len(up) != 1 {
		t.Fatalf("after the fix NTK accepted %d lists, want 1", len(up))
	}
	if st := e2eStatusesOn(t, s, e2eLastRun(t, s), "ntk"); st[store.StatusApplied] == 0 {
		t.Errorf("after the fix: NTK items %v, want applied", st)
	}
	rep := run("report", "--format", "json")
	if rep.code != ExitOK && rep.code != ExitHeld {
		t.Fatalf("report: exit %d\n%s", rep.code, rep.stderr)
	}
	assertNoSecretAnywhere(t, s.db, outputs, e2eWrongNTKPass, right)
}
