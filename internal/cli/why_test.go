package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/textclean"
)

// whyFixture is a report with every field set, names an attacker typed
// (an escape sequence, a bidi override, a bell), for the golden files.
func whyFixture() backend.WhyReport {
	zone := time.FixedZone("CEST", 2*3600)
	at := time.Date(2026, 5, 12, 10, 30, 0, 0, zone)
	one, zero := 1, 0
	return backend.WhyReport{
		Version: backend.WhyVersion, Email: "ana.kos@example.si", At: at, Today: member.NewDate(2026, 5, 12),
		MembersAt: at.Add(-2 * time.Hour),
		Members: []backend.WhyMember{{
			ID: "150007", Name: "Ana \x1b]8;;https://evil/\x1b\\Kos\u202e\a",
			Cardskipper: backend.WhySource{Valid: true, Until: member.NewDate(2027, 1, 31),
				Roles:  []backend.WhyRole{{OrganisationID: 1, RoleID: 3126, Start: member.NewDate(2026, 2, 1), End: member.NewDate(2027, 1, 31)}},
				Answer: "valid today to 2027-01-31 (role 3126 of organisation 1, 2026-02-01 … 2027-01-31)"},
			Targets: []backend.WhyTarget{{
				Target: "entrance", System: "hikvision", Status: backend.WhyOut, State: backend.WhyReachable,
				Answer: "entrance: no face enrolled — 1 card: the door opens by card only",
				Evidence: []string{"Cardskipper: valid today to 2027-01-31; members as read 2026-05-12 08:30, 2 h ago",
					"target: reachable", "account 1042 (ANA \x1b[31mKOS), found by the member's e-mail on the account",
					"period now: 2026-02-01 00:00:00 … 2027-01-31 23:59:59 (read live)", "enrolled: 0 faces, 1 card",
					"plan now: in_sync — dates match; applied unattended: no",
					"door event 2026-05-11 18:00: denied: face not matched (door 1)"},
				Account: &backend.WhyAccount{ID: "1042", Name: "ANA \x1b[31mKOS", Link: "terminal", LinkedAt: at.Add(-48 * time.Hour),
					Begin: time.Date(2026, 2, 1, 0, 0, 0, 0, zone), End: time.Date(2027, 1, 31, 23, 59, 59, 0, zone),
					Read: "live", ReadAt: at, Faces: &zero, Cards: &one},
				Kind: plan.InSync, Reason: "dates match",
				Events: []backend.WhyEvent{{Time: at.Add(-16*time.Hour - 30*time.Minute), Outcome: "denied", Reason: "face not matched", Door: "door 1", Code: "5/76"}},
			}, {
				Target: "gym", System: "hikvision", Status: backend.WhyOut, State: backend.WhyUnreachable,
				StateDetail: "terminal gym: no answer within 5s",
				Answer:      "gym: expired 2026-05-10; Cardskipper valid to 2027-01-31 — extend waiting for approval (by the snapshot of 2026-05-12 08:30: terminal gym did not answer)",
				Evidence:    []string{"target: unreachable — terminal gym: no answer within 5s", "pending: extend held for approval by run 3 at 2026-05-09 06:00"},
				Account: &backend.WhyAccount{ID: "1042", Link: "confirmed", LinkedBy: "admin", LinkedAt: at.Add(-72 * time.Hour),
					End: time.Date(2026, 5, 10, 23, 59, 59, 0, zone), Read: "snapshot", ReadAt: at.Add(-2 * time.Hour)},
				Kind: plan.Reactivate, Reason: "renewed in Cardskipper",
				Pending: &backend.WhyRecord{RunID: 3, At: at.Add(-76 * time.Hour), Kind: plan.Extend, Status: "held",
					Before: time.Date(2026, 5, 10, 23, 59, 59, 0, zone), Desired: time.Date(2027, 1, 31, 23, 59, 59, 0, zone)},
				LastWrite: &backend.WhyRecord{RunID: 2, At: at.Add(-100 * time.Hour), Kind: plan.Extend, Status: "applied",
					Before: time.Date(2026, 4, 10, 23, 59, 59, 0, zone), Desired: time.Date(2026, 5, 10, 23, 59, 59, 0, zone),
					ReadBack: time.Date(2026, 5, 10, 23, 59, 59, 0, zone)},
			}, {
				Target: "ntk", System: "ntk", Status: backend.WhyNotApplicable, State: backend.WhyNotRead,
				Answer:   "ntk: not on the list and not meant to be (no card, or no zone for the member's roles)",
				Evidence: []string{"target: not_read — it cannot be read"},
			}},
		}},
	}
}

// The report as JSON (versioned: its shape is this golden file) and as
// text: no control or formatting character from outside reaches the
// operator's terminal in the text; JSON escapes them.
func TestGoldenWhyJSON(t *testing.T) {
	var b bytes.Buffer
	if err := writeWhyJSON(&b, whyFixture()); err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsRune(b.Bytes(), 0x1b) || bytes.ContainsRune(b.Bytes(), 0x07) {
		t.Error("JSON output holds a raw control character")
	}
	golden.RequireEqual(t, b.Bytes())
}

func TestGoldenWhyText(t *testing.T) {
	var b bytes.Buffer
	printWhy(&b, whyFixture())
	// The snapshot's age is said once per member (the JSON has it).
	if n := strings.Count(b.String(), "members as read 2026-05-12 08:30, 2 h ago"); n != 1 {
		t.Errorf("the members' snapshot age is said %d times, want once:\n%s", n, b.String())
	}
	if textclean.Has(strings.ReplaceAll(b.String(), "\n", "")) {
		t.Errorf("text output holds a control or formatting character:\n%q", b.String())
	}
	golden.RequireEqual(t, b.Bytes())
}

// keysOf lists the JSON object keys in v, as paths.
func keysOf(prefix string, v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			out[prefix+"."+k] = true
			keysOf(prefix+"."+k, e, out)
		}
	case []any:
		for _, e := range x {
			keysOf(prefix+"[]", e, out)
		}
	}
}

// jsonKeys are the key paths of a JSON document.
func jsonKeys(t *testing.T, doc []byte) map[string]bool {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	out := map[string]bool{}
	keysOf("", v, out)
	return out
}

// doorsync why against the emulated site: exit 0 for a member who gets in
// everywhere, 1 for one who does not (no face on the entrance) and for an
// e-mail no member has, 2 for usage errors; --json keeps the golden
// shape; nothing is written, and no secret is printed.
func TestWhyCommand(t *testing.T) {
	e := startE2ESiteAll(t, 120, 5)
	if r := e.run(t, "--auto"); r.code != ExitOK && r.code != ExitHeld {
		t.Fatalf("--auto: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	p := e.plan(t)
	runsBefore, modsBefore := len(e.readDB(t, true).runs), e.modifies()

	// No answer is not "cannot get in": a database not made yet (review of
	// issue 13: it exited 1).
	app, out, errb := newTestApp(e.Clock, nil)
	cfg := filepath.Join(t.TempDir(), "fresh.toml")
	orig, err := os.ReadFile(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(orig), e.db, filepath.Join(t.TempDir(), "none.db"), 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := app.Run(context.Background(), []string{"why", "a@b.si", "--config", cfg}); code != ExitUsage {
		t.Errorf("why with no database yet: exit %d, want 2\n%s%s", code, out, errb)
	}
	for _, args := range [][]string{{"why"}, {"why", "not-an-e-mail"}, {"why", "a@b.si", "c@d.si"}, {"why", "a@b.si", "--timeout", "0s"}, {"why", "a@b.si", "--nope"}} {
		if r := e.run(t, args...); r.code != ExitUsage {
			t.Errorf("doorsync %s: exit %d, want 2\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	if r := e.run(t, "why", "Nobody@Example.invalid"); r.code != ExitFailed || !strings.Contains(r.stdout, "nobody@example.invalid: no Cardskipper member has the e-mail") {
		t.Errorf("unknown e-mail: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	noFace := e.Data.NoFace["entrance"]
	var faceless plan.Item
	for _, it := range p.Items {
		if it.Target == "entrance" && it.Kind == plan.InSync && slices.Contains(noFace, it.Account) {
			faceless = it
			break
		}
	}
	if faceless.Email == "" {
		t.Fatal("the data set has no member in sync on the entrance without a face")
	}
	r := e.run(t, "why", string(faceless.Email))
	if r.code != ExitFailed || !strings.Contains(r.stdout, "entrance: no face enrolled") || !strings.Contains(r.stdout, "enrolled: 0 faces, 1 card") {
		t.Errorf("member without a face: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	want := jsonKeys(t, must(t, whyFixture()))
	tried := 0
	for _, it := range p.Items {
		if it.Target != "entrance" || it.Kind != plan.InSync || it.MemberID == "" || tried == 15 {
			continue
		}
		tried++
		r := e.run(t, "why", string(it.Email), "--json")
		for k := range jsonKeys(t, []byte(r.stdout)) {
			if !want[k] && !strings.HasPrefix(k, ".members[].cardskipper.problems") {
				t.Errorf("why --json has the key %s, which the golden shape lacks", k)
			}
		}
		if r.code == ExitOK {
			var rep backend.WhyReport
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || !rep.GetsIn || rep.Version != backend.WhyVersion {
				t.Errorf("exit 0 with %+v (%v)", rep, err)
			}
			text := e.run(t, "why", string(it.Email))
			if text.code != ExitOK || !strings.Contains(text.stdout, "gets in everywhere") {
				t.Errorf("text: exit %d\n%s", text.code, text.stdout)
			}
			break
		}
		if tried == 15 {
			t.Fatal("no member of 15 in sync on the entrance gets in everywhere")
		}
	}
	if n := e.modifies() - modsBefore; n != 0 {
		t.Errorf("why wrote %d times to the terminals", n)
	}
	if after := len(e.readDB(t, true).runs); after != runsBefore {
		t.Errorf("why recorded runs: %d before, %d after", runsBefore, after)
	}
}

func must(t *testing.T, rep backend.WhyReport) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := writeWhyJSON(&b, rep); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// An argument that is not an e-mail address is quoted as typed: an escape
// sequence is shown escaped, not removed ("ab@x.si" looked valid), and a
// long argument is cut with "…" (the review found 100 KB echoed).
func TestWhyQuotesHostileArgument(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
	r := runApp(t, clk, nil, "why", "a\x1b[2Jb@x.si")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `"a\x1b[2Jb@x.si" is not an e-mail address`) {
		t.Errorf("escape in the argument: exit %d, stderr %q", r.code, r.stderr)
	}
	if strings.ContainsRune(r.stderr, 0x1b) {
		t.Errorf("a raw escape reached the terminal: %q", r.stderr)
	}
	long := strings.Repeat("x", 100_000)
	r = runApp(t, clk, nil, "why", long)
	if r.code != ExitUsage || !strings.Contains(r.stderr, `"`+strings.Repeat("x", argShown)+`"… is not an e-mail address`) || len(r.stderr) > 1000 {
		t.Errorf("100 KB argument: exit %d, %d bytes on stderr: %.300q", r.code, len(r.stderr), r.stderr)
	}
}
