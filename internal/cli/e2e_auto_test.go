package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/store"
)

// One --auto run against terminals that fail a fifth of all requests
// (busy, 503, connection reset) still writes every extend and reactivate
// item, to the right accounts only, with Modify bodies that carry nothing but
// employeeNo, userType and Valid.
func TestAutoConvergesUnderTransientFaults(t *testing.T) {
	t.Parallel() // it mostly waits out backoffs
	tests := []struct {
		name string
		seed uint64 // data set and fault sequence (both are seeded)
	}{
		{name: "seed 7", seed: 7},
		// Three faults in a row on one search page: reads must retry enough
		// not to drop the terminal from the run.
		{name: "seed 2: three faults in a row on one search page", seed: 2},
		{name: "seed 3: three faults in a row on one search page", seed: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startE2ESite(t, 300, tt.seed)
			p := s.plan(t)
			if p.Guard.Tripped {
				t.Fatalf("the guard trips for this data set: %s", p.Guard.Reason)
			}
			writes := e2eAutoWrites(p)
			if e2eCount(writes) < 20 || len(writes) != 2 {
				t.Fatalf("data set too small for this test: %d auto writes on %d terminals", e2eCount(writes), len(writes))
			}
			before := s.snapshot()
			for _, ep := range s.Terminals {
				ep.Log.Reset()
				// Three faults at p each: 1-(1-p)³ ≈ 20 % of requests fail.
				for _, f := range []emulator.Fault{emulator.FaultBusy, emulator.Fault5xx, emulator.FaultReset} {
					ep.Faults.SetRate(f, 0.072)
				}
			}

			r := s.run(t, "--auto")
			if want := e2eExpectedCode(p); r.code != want {
				t.Fatalf("--auto: exit %d, want %d\n%s\n%s", r.code, want, r.stdout, r.stderr)
			}
			e2eAssertConverged(t, before, s.snapshot(), writes)

			kinds := map[string]int{}
			faultedWrites := map[string]int{} // terminal/account → Modify requests that got a fault
			for _, ep := range s.Terminals {
				e2eAssertModifies(t, ep, writes[ep.Name])
				all := ep.Log.Entries()
				n := 0
				for _, q := range all {
					if q.Fault == "" {
						continue
					}
					n++
					kinds[q.Fault]++
					if e2eIsModify(q) {
						var body struct{ UserInfo struct{ EmployeeNo string } }
						_ = json.Unmarshal(q.Body, &body)
						faultedWrites[ep.Name+"/"+body.UserInfo.EmployeeNo]++
					}
				}
				t.Logf("terminal %s: %d of %d requests got a fault", ep.Name, n, len(all))
				if n*100 < len(all)*8 {
					t.Errorf("terminal %s: only %d of %d requests got a fault; the test proves too little", ep.Name, n, len(all))
				}
			}
			for _, f := range []emulator.Fault{emulator.FaultBusy, emulator.Fault5xx, emulator.FaultReset} {
				if kinds[string(f)] == 0 {
					t.Errorf("no %s fault was injected: %v", f, kinds)
				}
			}
			if len(faultedWrites) == 0 {
				t.Errorf("no write met a fault, so write retries are not proved (faults %v)", kinds)
			}

			// The history: every write applied; its attempts count each
			// Modify that met a fault, plus the one that succeeded.
			items := e2eRunItems(t, s, 1)
			applied := 0
			for _, it := range items {
				if _, ok := writes[it.Target][it.Account]; !ok || !it.Kind.Writes() {
					continue
				}
				applied++
				if it.Status != store.StatusApplied {
					t.Errorf("%s account %s <%s>: status %s (%s)", it.Target, it.Account, it.Email, it.Status, it.Error)
				}
				if want := 1 + faultedWrites[it.Target+"/"+it.Account]; it.Attempts != want {
					t.Errorf("%s account %s: %d attempts recorded, the terminal saw %d", it.Target, it.Account, it.Attempts, want)
				}
			}
			if applied != e2eCount(writes) {
				t.Errorf("the history records %d write items, the plan has %d", applied, e2eCount(writes))
			}
		})
	}
}

// e2eRunItems reads what the history recorded for a run.
func e2eRunItems(t *testing.T, s *e2eSite, runID int64) []store.ItemRecord {
	t.Helper()
	return e2eRead(t, s, func(st *store.Store) ([]store.ItemRecord, error) { return st.Items(context.Background(), runID) })
}

// e2eRead reads the site's database read-only, as `doorsync history` does.
func e2eRead[T any](t *testing.T, s *e2eSite, read func(*store.Store) (T, error)) T {
	t.Helper()
	st, err := store.OpenReadOnly(context.Background(), s.db, s.Clock)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, err := read(st)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// e2eRun reads one recorded run.
func e2eRun(t *testing.T, s *e2eSite, runID int64) store.Run {
	t.Helper()
	return e2eRead(t, s, func(st *store.Store) (store.Run, error) { return st.Run(context.Background(), runID) })
}

// A terminal whose password is wrong, from the start or changed on the
// device during the writes, gets at most two authenticated attempts, is not
// locked out, receives no further writes, and the other terminal is synced;
// the run is partial (3) and says which terminal and why.
func TestAutoWrongTerminalPassword(t *testing.T) {
	tests := []struct {
		name string
		// midRun: the password changes on the device once the first
		// write reached it; otherwise it is wrong before the run starts.
		midRun bool
		want   []string // in the output
	}{
		{name: "wrong from the start", want: []string{
			"terminal entrance: device info: auth", "login rejected", "check the username and password configured for it"}},
		// The refusal's body says the login failed (retryTimes): counted
		// once, not taken for a spent nonce and retried.
		{name: "changed during the writes", midRun: true, want: []string{
			"terminal entrance: modify", "login rejected (1 of 2 allowed in a run)",
			"not attempted: the terminal was stopped earlier in this run"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startE2ESite(t, 300, 5)
			p := s.plan(t)
			writes := e2eAutoWrites(p)
			if len(writes["entrance"]) < 10 || len(writes["gym"]) == 0 {
				t.Fatalf("data set too small: %d writes on entrance, %d on gym", len(writes["entrance"]), len(writes["gym"]))
			}
			before := s.snapshot()
			ep, term := s.terminal(t, "entrance")
			ep.Log.Reset()
			if tt.midRun {
				// Slow writes leave time to change the password between two.
				ep.Faults.SetLatency(30 * time.Millisecond)
				stop, done := make(chan struct{}), make(chan struct{})
				go func() {
					defer close(done)
					for ep.Log.Count(e2eIsModify) == 0 {
						select {
						case <-stop:
							return
						case <-time.After(time.Millisecond):
						}
					}
					term.SetPassword("changed-on-the-device")
				}()
				t.Cleanup(func() { close(stop); <-done })
			} else {
				term.SetPassword("changed-on-the-device")
			}

			r := s.run(t, "--auto")
			if r.code != ExitPartial {
				t.Fatalf("--auto: exit %d, want %d\n%s\n%s", r.code, ExitPartial, r.stdout, r.stderr)
			}
			for _, want := range tt.want {
				if !strings.Contains(r.stdout+r.stderr, want) {
					t.Errorf("output lacks %q:\n%s\n%s", want, r.stdout, r.stderr)
				}
			}
			rejected := ep.Log.Count(func(q emulator.Request) bool { return q.AuthScheme == "Digest" && q.Status == 401 })
			t.Logf("entrance: %d authenticated requests rejected, %d failed logins counted", rejected, term.FailedLogins())
			if rejected < 1 || rejected > 2 {
				t.Errorf("%d authenticated attempts were rejected; at most 2 may be made (and the test needs one)", rejected)
			}
			if term.FailedLogins() > 2 || term.Locked() {
				t.Errorf("the terminal counts %d failed logins, locked: %v", term.FailedLogins(), term.Locked())
			}
			// After the first rejection nothing but the one re-try of the
			// same request may reach the terminal.
			entries := ep.Log.Entries()
			for i, q := range entries {
				if q.AuthScheme == "Digest" && q.Status == 401 {
					if rest := len(entries) - i - 1; rest > 1 {
						t.Errorf("%d requests reached the terminal after its first rejected login", rest)
					}
					break
				}
			}

			// The gym is synced in full; on the entrance exactly the writes
			// made before the password changed (if any) took effect.
			after := s.snapshot()
			e2eAssertConverged(t, e2ePersons{"gym": before["gym"]}, e2ePersons{"gym": after["gym"]}, writes)
			e2eAssertModifies(t, ep, writes["entrance"])
			written := map[string]plan.Item{}
			for no, it := range writes["entrance"] {
				if after["entrance"][no].Valid.EndTime == e2eWantEnd(it) && before["entrance"][no].Valid.EndTime != e2eWantEnd(it) {
					written[no] = it
				}
			}
			e2eAssertConverged(t, e2ePersons{"entrance": before["entrance"]}, e2ePersons{"entrance": after["entrance"]},
				map[string]map[string]plan.Item{"entrance": written})
			if !tt.midRun && len(written) > 0 {
				t.Errorf("%d writes reached a terminal whose password was wrong from the start", len(written))
			}
			if tt.midRun && len(written) >= len(writes["entrance"]) {
				t.Errorf("every write reached the entrance: the password change came too late to test anything")
			}
		})
	}
}

// When the export is empty or fails, or revocations exceed the guard,
// --auto sends no Modify at all, exits 4 (held) or 1 (failed), records the
// run and POSTs a JSON notification with the outcome and the counts.
func TestAutoNeverWritesWhenSourceIsBadOrGuardTrips(t *testing.T) {
	tests := []struct {
		name string
		// prepare breaks the site; healthy is the plan before that.
		prepare func(t *testing.T, s *e2eSite, healthy plan.Plan) (output string)
		code    int
		outcome string
	}{
		{
			name: "empty export",
			prepare: func(t *testing.T, s *e2eSite, _ plan.Plan) string {
				s.CardskipperServer.SetMembers(nil)
				return "Cardskipper returned no members: nothing is applied"
			},
			code: ExitHeld, outcome: "guard",
		},
		{
			name: "failed export",
			prepare: func(t *testing.T, s *e2eSite, _ plan.Plan) string {
				s.Cardskipper.Faults.SetRate(emulator.Fault5xx, 1)
				return "cardskipper: member export: HTTP 503"
			},
			code: ExitFailed, outcome: "failed",
		},
		{
			name: "revocations above the guard",
			prepare: func(t *testing.T, s *e2eSite, healthy plan.Plan) string {
				n := healthy.Guard.Revocations
				if n == 0 || healthy.Guard.Tripped {
					t.Fatalf("the data set needs revocations under the default guard: %+v", healthy.Guard)
				}
				s.editConfig(t, "max_revocations = 25", fmt.Sprintf("max_revocations = %d", n-1))
				return fmt.Sprintf("%d members to shorten or revoke exceed the limit of %d", n, n-1)
			},
			code: ExitHeld, outcome: "guard",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startE2ESite(t, 100, 5)
			hook := startE2EWebhook(t)
			s.appendConfig(t, fmt.Sprintf("[notify]\nwebhook = %q", hook.url()))
			healthy := s.plan(t) // what the run would have done
			output := tt.prepare(t, s, healthy)
			before := s.snapshot()

			r := s.run(t, "--auto")
			if r.code != tt.code {
				t.Fatalf("--auto: exit %d, want %d\n%s\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, output) {
				t.Errorf("output lacks %q:\n%s", output, r.stdout)
			}
			if strings.Contains(r.stdout+r.stderr, "e2e-token-5150") {
				t.Errorf("output leaks the webhook's token:\n%s\n%s", r.stdout, r.stderr)
			}
			for _, ep := range s.Terminals {
				if n := ep.Log.Count(e2eIsModify); n != 0 {
					t.Errorf("terminal %s received %d Modify requests", ep.Name, n)
				}
			}
			e2eAssertConverged(t, before, s.snapshot(), nil) // nothing changed anywhere

			calls := hook.calls()
			if len(calls) != 1 {
				t.Fatalf("the webhook got %d calls, want 1", len(calls))
			}
			c := calls[0]
			if c.method != "POST" || !strings.HasPrefix(c.contentType, "application/json") {
				t.Errorf("webhook call: %s with Content-Type %q", c.method, c.contentType)
			}
			var pl e2eWebhookPayload
			if err := json.Unmarshal(c.body, &pl); err != nil {
				t.Fatalf("webhook body is not JSON: %v\n%s", err, c.body)
			}
			if pl.Version != 1 || pl.RunID != 1 || pl.Mode != "auto" || pl.Outcome != tt.outcome {
				t.Errorf("webhook payload: version %d run %d mode %q outcome %q; want 1, 1, auto, %s", pl.Version, pl.RunID, pl.Mode, pl.Outcome, tt.outcome)
			}
			if pl.Counts["applied"] != 0 || pl.Counts["failed"] != 0 {
				t.Errorf("webhook counts: %v", pl.Counts)
			}
			switch tt.outcome {
			case "guard":
				if pl.GuardReason == "" || !strings.Contains(pl.Text, "guard tripped") {
					t.Errorf("a guard notification must say why: reason %q, text %q", pl.GuardReason, pl.Text)
				}
			case "failed":
				if len(pl.Errors) == 0 || !strings.Contains(pl.Errors[0], "cardskipper") {
					t.Errorf("a failure notification must carry the error: %q", pl.Errors)
				}
			}
			if tt.name == "revocations above the guard" {
				// Everything the healthy plan would write is held, and counted.
				held := 0
				for _, it := range healthy.Items {
					if it.Kind.Writes() || it.Kind == plan.Ambiguous {
						held++
					}
				}
				for _, k := range []plan.Kind{plan.Extend, plan.Reactivate, plan.Revoke, plan.InSync} {
					if pl.Counts[string(k)] != healthy.Summary[k] {
						t.Errorf("webhook counts %s = %d, the plan has %d", k, pl.Counts[string(k)], healthy.Summary[k])
					}
				}
				if pl.Counts["held"] != held || held == 0 {
					t.Errorf("webhook counts held = %d, want %d", pl.Counts["held"], held)
				}
			}

			db := s.readDB(t, true)
			if len(db.runs) != 1 || db.runs[0].Outcome != tt.outcome || db.runs[0].ExitCode != tt.code {
				t.Errorf("history: %+v; want one run with outcome %s and exit %d", db.runs, tt.outcome, tt.code)
			}
			if n := len(db.journals[1]); n != 0 {
				t.Errorf("%d journal entries: a write was at least intended", n)
			}
		})
	}
}
