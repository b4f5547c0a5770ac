package service

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/emulator"
)

// doctor runs Doctor on the rig and checks that Report saw exactly the
// checks it returned, in the same order.
func (r *rig) doctor(t *testing.T) []Check {
	t.Helper()
	var streamed []Check
	got := Doctor(context.Background(), r.cfg, DoctorOptions{Clock: r.clk, Report: func(c Check) { streamed = append(streamed, c) }})
	if !slices.Equal(got, streamed) {
		t.Errorf("Report saw\n%v\nDoctor returned\n%v", streamed, got)
	}
	return got
}

func findCheck(checks []Check, subject, name string) (Check, bool) {
	for _, c := range checks {
		if c.Subject() == subject && c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

func wantCheck(t *testing.T, checks []Check, subject, name string, st CheckStatus, detail string) Check {
	t.Helper()
	c, ok := findCheck(checks, subject, name)
	switch {
	case !ok:
		t.Errorf("no check %s: %s in\n%v", subject, name, checks)
	case c.Status != st || !strings.Contains(c.Detail, detail):
		t.Errorf("%s: %s = %s %q, want %s with %q", subject, name, c.Status, c.Detail, st, detail)
	}
	return c
}

// All is well on the emulated site: every system is checked, in the
// configuration's order, nothing fails, nothing is written anywhere, NTK
// gets no request, and the database is not created.
func TestDoctorChecksEverySystemReadOnly(t *testing.T) {
	r := newRig(t, 40)
	checks := r.doctor(t)
	var subjects []string
	for _, c := range checks {
		if c.Status == CheckFail || c.Status == CheckWarn {
			t.Errorf("%s: %s %s: %s", c.Subject(), c.Name, c.Status, c.Detail)
		}
		if len(subjects) == 0 || subjects[len(subjects)-1] != c.Subject() {
			subjects = append(subjects, c.Subject())
		}
	}
	want := []string{"config", "database", "cardskipper", "terminal entrance", "terminal gym", "neyross", "ntk"}
	if !slices.Equal(subjects, want) {
		t.Errorf("subjects in order %v, want %v", subjects, want)
	}
	wantCheck(t, checks, "database", "path", CheckOK, "will be created on the first run")
	wantCheck(t, checks, "cardskipper", "member export", CheckOK, "allowed")
	for _, name := range []string{"entrance", "gym"} {
		for _, check := range []string{"reachability", "authentication", "capabilities", "persons"} {
			wantCheck(t, checks, "terminal "+name, check, CheckOK, "")
		}
		// The site's terminals share the doctor's clock.
		wantCheck(t, checks, "terminal "+name, "clock", CheckOK, "0s ahead")
	}
	wantCheck(t, checks, "neyross", "access levels", CheckOK, "3 EIS access level(s)")
	wantCheck(t, checks, "ntk", "reachability", CheckOK, "accepted a TCP connection; no request was sent")
	wantCheck(t, checks, "ntk", "credentials", CheckInfo, "not checked")

	for _, ep := range r.site.Terminals {
		if n := ep.Log.Count(func(q emulator.Request) bool { return q.Method == "PUT" || q.Method == "DELETE" || isModify(q) }); n != 0 {
			t.Errorf("terminal %s received %d write requests", ep.Name, n)
		}
	}
	if n := r.site.Neyross.Log.Count(func(q emulator.Request) bool { return strings.Contains(q.Path, "upsert") }); n != 0 {
		t.Errorf("NEYROSS received %d upserts", n)
	}
	if n := r.site.NTK.Log.Count(nil); n != 0 {
		t.Errorf("NTK received %d requests; its only call is the upload", n)
	}
	if _, err := os.Stat(filepath.Join(r.dir, "doorsync.db")); !os.IsNotExist(err) {
		t.Errorf("doctor touched the database: %v", err)
	}
}

// A wrong terminal password: that terminal fails authentication after at
// most two rejected logins and is not locked out; the other is checked.
func TestDoctorWrongTerminalPassword(t *testing.T) {
	r := newRig(t, 20)
	r.setTerminalPassword("entrance", "wrong-pass-1234")
	checks := r.doctor(t)
	wantCheck(t, checks, "terminal entrance", "reachability", CheckOK, "answered")
	c := wantCheck(t, checks, "terminal entrance", "authentication", CheckFail, "")
	if strings.Contains(c.Detail, "wrong-pass-1234") {
		t.Errorf("the detail quotes the password: %s", c.Detail)
	}
	if _, ok := findCheck(checks, "terminal entrance", "clock"); ok {
		t.Errorf("doctor went on after a rejected login:\n%v", checks)
	}
	wantCheck(t, checks, "terminal gym", "clock", CheckOK, "")
	ep := r.terminal(t, "entrance")
	if n := ep.Log.Count(func(q emulator.Request) bool { return q.AuthScheme == "Digest" && q.Status == 401 }); n == 0 || n > 2 {
		t.Errorf("%d signed requests rejected; want 1 or 2", n)
	}
	if r.site.TerminalServers["entrance"].Locked() {
		t.Error("doctor locked the terminal out")
	}
}

// The one retry policy: a terminal busy for two answers is asked again
// within the doctor's budget; one that does not answer is reported after
// one try, with the error as it is.
func TestDoctorRetriesBusyNotSilent(t *testing.T) {
	r := newRig(t, 20)
	r.terminal(t, "entrance").Faults.Next(emulator.FaultBusy, emulator.FaultBusy)
	gym := r.terminal(t, "gym")
	gym.Faults.SetRate(emulator.FaultReset, 1)
	checks := r.doctor(t)
	wantCheck(t, checks, "terminal entrance", "authentication", CheckOK, "accepted")
	wantCheck(t, checks, "terminal entrance", "clock", CheckOK, "")
	c := wantCheck(t, checks, "terminal gym", "reachability", CheckFail, "")
	if strings.Contains(c.Detail, "given up") {
		t.Errorf("one try without an answer was not given up, it was reported: %s", c.Detail)
	}
	if n := gym.Log.Count(nil); n != 1 {
		t.Errorf("%d requests to a terminal that does not answer, want 1", n)
	}
	if len(checks) == 0 || checks[len(checks)-1].Subject() != "ntk" {
		t.Errorf("a failing terminal must not keep the others from being checked:\n%v", checks)
	}
}

func TestNonceLimitDetailOnce(t *testing.T) {
	want := "Digest nonce accepted once, then refused: doorsync fetches a fresh one before use 2 (an unsigned request; not a failed login)"
	if got := nonceLimitDetail(1); got != want {
		t.Errorf("nonceLimitDetail(1) = %q, want %q", got, want)
	}
}
