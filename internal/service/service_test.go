package service

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/emulator/dataset"
	"github.com/doorsync/doorsync/internal/emulator/site"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/store"
)

// rig is a whole emulated site on loopback, its configuration and a
// database, on a manual clock: time moves only when the test says.
type rig struct {
	site *site.Site
	cfg  *config.Config
	clk  *clock.Manual
	dir  string
}

func newRig(t *testing.T, members int) *rig {
	t.Helper()
	zone, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewManual(time.Date(2026, 5, 12, 10, 30, 0, 0, zone))
	ctx, cancel := context.WithCancel(context.Background())
	s, err := site.Start(ctx, site.Options{Members: members, Seed: 5, Zone: zone, Clock: clk,
		CardskipperPassword: "cs-secret-4711", TerminalPassword: "term-secret-0815"})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); s.Close() })
	r := &rig{site: s, clk: clk, dir: t.TempDir()}
	path := filepath.Join(r.dir, "doorsync.toml")
	if err := s.WriteConfig(path, filepath.Join(r.dir, "doorsync.db")); err != nil {
		t.Fatal(err)
	}
	if r.cfg, err = config.Load(path, func(string) (string, bool) { return "", false }); err != nil {
		t.Fatal(err)
	}
	return r
}

// service builds a service over the database called db in the rig's
// folder, closed when the test ends.
func (r *rig) service(t *testing.T, db string) (*Service, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(r.dir, db), r.clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := New(ctx, r.cfg, Deps{Store: st, Clock: r.clk, User: "tester", Host: "box"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return svc, st
}

// setTerminalPassword changes the configured password of a terminal.
func (r *rig) setTerminalPassword(name, password string) {
	for i := range r.cfg.Hikvision {
		if r.cfg.Hikvision[i].Name == name {
			r.cfg.Hikvision[i].Password = config.NewSecret(password, "literal")
		}
	}
}

func (r *rig) terminal(t *testing.T, name string) site.Endpoint {
	t.Helper()
	for _, ep := range r.site.Terminals {
		if ep.Name == name {
			return ep
		}
	}
	t.Fatalf("no terminal %s", name)
	return site.Endpoint{}
}

func isModify(q emulator.Request) bool { return strings.HasSuffix(q.Path, "/UserInfo/Modify") }

func nop[T any](T) {}

// Refresh then Apply, as the console does: what was approved is written,
// and nothing else — no other item, no other target.
func TestRefreshAndApplyWriteWhatWasApproved(t *testing.T) {
	r := newRig(t, 60)
	svc, st := r.service(t, "doorsync.db")
	ctx := context.Background()
	d, err := svc.Refresh(ctx, nop[backend.Progress])
	if err != nil {
		t.Fatal(err)
	}
	var writes, approved []string
	for _, it := range d.Plan.Items {
		if !it.Kind.Writes() || it.Identity != "" {
			continue
		}
		writes = append(writes, it.ID)
		if it.Target == "entrance" && it.System == "hikvision" && len(approved) < 2 {
			approved = append(approved, it.ID)
		}
	}
	if len(approved) < 2 || len(writes) <= len(approved) {
		t.Fatalf("the data set has %d write items, %d on the entrance to approve", len(writes), len(approved))
	}
	for _, ep := range r.site.Terminals {
		ep.Log.Reset()
	}
	r.site.Neyross.Log.Reset()
	r.site.NTK.Log.Reset()
	var progressed int
	res, err := svc.Apply(ctx, d.Plan, approved, func(p backend.ApplyProgress) {
		if p.ItemID != "" {
			progressed++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied != len(approved) || res.Failed != 0 || len(res.FailedIDs) != 0 || progressed != len(approved) {
		t.Fatalf("apply: %+v, %d items reported", res, progressed)
	}
	if n := r.terminal(t, "entrance").Log.Count(isModify); n != len(approved) {
		t.Errorf("%d writes to the entrance, want %d", n, len(approved))
	}
	if n := r.terminal(t, "gym").Log.Count(isModify); n != 0 {
		t.Errorf("%d writes to the gym, which had nothing approved", n)
	}
	if n := r.site.NTK.Log.Count(nil); n != 0 {
		t.Errorf("%d requests to NTK, which had nothing approved", n)
	}
	if n := r.site.Neyross.Log.Count(func(q emulator.Request) bool { return q.Method != "GET" }); n != 0 {
		t.Errorf("%d writing requests to NEYROSS, which had nothing approved", n)
	}
	items, err := st.Items(ctx, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	var recorded []string
	for _, it := range items {
		recorded = append(recorded, it.ItemID)
		if it.Status != store.StatusApplied || it.ApprovedBy != "tester" {
			t.Errorf("recorded %s %s approved by %q", it.ItemID, it.Status, it.ApprovedBy)
		}
	}
	slices.Sort(recorded)
	slices.Sort(approved)
	if !slices.Equal(recorded, approved) {
		t.Errorf("the run recorded %v, want exactly the approved %v", recorded, approved)
	}
	// Read again: the approved items are done, every other write waits.
	again, err := svc.Refresh(ctx, nop[backend.Progress])
	if err != nil {
		t.Fatal(err)
	}
	left := map[string]bool{}
	for _, it := range again.Plan.Items {
		if it.Kind.Writes() && it.Identity == "" {
			left[it.ID] = true
		}
	}
	for _, id := range writes {
		if left[id] == slices.Contains(approved, id) {
			t.Errorf("item %s: still to write %v, approved %v", id, left[id], slices.Contains(approved, id))
		}
	}
}

// A terminal that rejects the credentials is held: the next run does not
// contact it and says why; a corrected password lifts the hold at once.
func TestHeldTargetIsLeftAloneUntilItsCredentialsChange(t *testing.T) {
	r := newRig(t, 30)
	gym := r.terminal(t, "gym")
	r.setTerminalPassword("gym", "wrong-pass-1234")
	svc, st := r.service(t, "doorsync.db")
	ctx := context.Background()
	targetErr := func(d backend.Data, name string) string {
		for _, ts := range d.Plan.Targets {
			if ts.Name == name {
				return ts.Error
			}
		}
		t.Fatalf("no target %s in the plan", name)
		return ""
	}
	d, err := svc.Refresh(ctx, nop[backend.Progress])
	if err != nil {
		t.Fatal(err)
	}
	if e := targetErr(d, "gym"); e == "" || targetErr(d, "entrance") != "" {
		t.Fatalf("gym read with a wrong password: %q; entrance: %q", e, targetErr(d, "entrance"))
	}
	wrongKey := holdKeyNow(t, st, r.cfg, "gym")
	if _, ok, err := st.State(ctx, wrongKey); !ok || err != nil {
		t.Fatalf("no hold stored for the gym: %v", err)
	}

	gym.Log.Reset()
	r.clk.Advance(time.Hour)
	out, stops, err := svc.Sync(ctx, SyncRequest{Mode: "auto"})
	if err != nil {
		t.Fatal(err)
	}
	if n := gym.Log.Count(nil); n != 0 {
		t.Errorf("the held gym got %d requests", n)
	}
	if len(stops) != 0 {
		t.Errorf("a held target is recorded as stopped again: %+v", stops)
	}
	var held string
	for _, ts := range out.Plan.Targets {
		if ts.Name == "gym" {
			held = ts.Error
		}
	}
	if !strings.Contains(held, "terminal gym: not contacted: it rejected these credentials") {
		t.Errorf("the held gym's error says %q", held)
	}

	r.setTerminalPassword("gym", "term-secret-0815")
	d, err = svc.Refresh(ctx, nop[backend.Progress])
	if err != nil {
		t.Fatal(err)
	}
	if e := targetErr(d, "gym"); e != "" || gym.Log.Count(nil) == 0 {
		t.Errorf("after the password was corrected the gym reads %q (%d requests)", e, gym.Log.Count(nil))
	}
	// The wrong password's hold stays until it ends, for a process that
	// may still run with it.
	if _, ok, _ := st.State(ctx, wrongKey); !ok {
		t.Error("the hold of the wrong password is gone: a process still running with it would try it again")
	}
}

// The console's import (the accounts as read, no network) and `links
// import` (the terminals read now) are one flow: the same export stores
// the same links, pinned to the same members.
func TestImportFromConsoleAndCommandStoresTheSameLinks(t *testing.T) {
	r := newRig(t, 80)
	path := filepath.Join(r.dir, "persons.csv")
	if err := os.WriteFile(path, []byte(exportOf(t, r.site)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	console, cst := r.service(t, "console.db")
	d, err := console.Refresh(ctx, nop[backend.Progress])
	if err != nil {
		t.Fatal(err)
	}
	for _, ep := range r.site.Terminals {
		ep.Log.Reset()
	}
	sum, err := console.ImportLinks(ctx, path, d.Targets)
	if err != nil {
		t.Fatal(err)
	}
	for _, ep := range r.site.Terminals {
		if n := ep.Log.Count(nil); n != 0 {
			t.Errorf("the console's import sent %d requests to %s", n, ep.Name)
		}
	}

	command, kst := r.service(t, "command.db")
	res, err := ReadExport(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := command.Import(ctx, ImportRequest{Export: res})
	if err != nil || rep.MembersErr != nil {
		t.Fatal(err, rep.MembersErr)
	}

	fromConsole, fromCommand := storedLinks(t, cst), storedLinks(t, kst)
	if len(fromConsole) == 0 || sum.Linked() != len(fromConsole) {
		t.Fatalf("the console linked %d (summary %d)", len(fromConsole), sum.Linked())
	}
	if !slices.Equal(fromConsole, fromCommand) {
		t.Errorf("console import stored\n%s\nlinks import stored\n%s", strings.Join(fromConsole, "\n"), strings.Join(fromCommand, "\n"))
	}
	pinned := 0
	for _, l := range fromConsole {
		if !strings.Contains(l, "member=-") {
			pinned++
		}
	}
	if pinned == 0 {
		t.Error("no imported link is pinned to a member")
	}
}

// exportOf is an iVMS-4200 person export of the entrance's persons whose
// member has an e-mail of their own, with a row for no one and a row
// without e-mail.
func exportOf(t *testing.T, s *site.Site) string {
	t.Helper()
	shared := map[string]int{}
	for _, m := range s.Data.Members {
		shared[strings.ToLower(m.Email)]++
	}
	var csv strings.Builder
	csv.WriteString("\ufeffPerson Information\r\nPerson ID;Person Name;Email;Organization\r\n")
	n, rows := 0, 0
	for _, m := range s.Data.Members {
		if s.Data.Truth[m.OrganisationMemberID] == dataset.Missing {
			continue
		}
		n++
		emp := fmt.Sprint(1000 + n)
		p, ok := s.TerminalServers["entrance"].Person(emp)
		if !ok || len(p.Extends) > 0 || m.Email == "" || shared[strings.ToLower(m.Email)] > 1 {
			continue
		}
		fmt.Fprintf(&csv, "%s;%s;%s;Fitnes\r\n", emp, p.Name, m.Email)
		rows++
	}
	if rows < 3 {
		t.Fatalf("only %d persons to export", rows)
	}
	csv.WriteString("99999;Ghost Person;ghost@example.si;Fitnes\r\n1001;No Mail;;Fitnes\r\n")
	return csv.String()
}

// storedLinks are the stored links, one line each, sorted.
func storedLinks(t *testing.T, st *store.Store) []string {
	t.Helper()
	links, err := st.Links(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range links {
		out = append(out, linkLine(l))
	}
	slices.Sort(out)
	return out
}

func linkLine(l identity.Link) string {
	member := l.MemberID
	if member == "" {
		member = "-"
	}
	return fmt.Sprintf("%s %s/%s member=%s origin=%s by=%s at=%s note=%q", l.Email, l.Target, l.Account, member, l.Origin,
		l.CreatedBy, l.CreatedAt.Format(time.RFC3339), l.Note)
}

// Door events are read from every target asked, in parallel: a terminal
// that fails is named in Failed while the others' events still come.
func TestEventsNameTheFailingTarget(t *testing.T) {
	r := newRig(t, 40)
	r.setTerminalPassword("gym", "wrong-pass-1234")
	svc, _ := r.service(t, "doorsync.db")
	var refs []backend.AccountRef
	for _, name := range []string{"entrance", "gym"} {
		evs := r.site.TerminalServers[name].Events()
		if len(evs) == 0 {
			t.Fatalf("the site seeded no events on %s", name)
		}
		refs = append(refs, backend.AccountRef{Target: name, Account: evs[len(evs)-1].EmployeeNo})
	}
	res, err := svc.Events(context.Background(), refs, 50)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Read, []string{"entrance"}) || len(res.Entries) == 0 {
		t.Errorf("read %v, %d events", res.Read, len(res.Entries))
	}
	if len(res.Failed) != 1 || !strings.Contains(res.Failed[0], "gym") {
		t.Errorf("failed %q, want one line naming the gym", res.Failed)
	}
	for _, e := range res.Entries {
		if e.Target != "entrance" || e.Account != refs[0].Account {
			t.Errorf("an event of %s account %s", e.Target, e.Account)
		}
	}
}

// A service on a read-only database builds its clients but records
// nothing: no hold is checked or stored.
func TestReadOnlyServiceRecordsNoHolds(t *testing.T) {
	r := newRig(t, 10)
	r.service(t, "doorsync.db") // creates the database
	ro, err := store.OpenReadOnly(context.Background(), filepath.Join(r.dir, "doorsync.db"), r.clk)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	svc, err := New(context.Background(), r.cfg, Deps{Store: ro, Clock: r.clk, User: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if runs, err := svc.RunLog(context.Background(), 5); err != nil || len(runs) != 0 {
		t.Fatalf("runs %v, %v", runs, err)
	}
}

// A console told to stop by a signal while applying (issue 12 review: the
// database was closed under the apply, exit 0, the run left "running"):
// Wait and Close wait for the apply to stop after its requests in flight,
// it is recorded as finished, and Wait says it was interrupted.
func TestCloseWaitsForAnInterruptedApply(t *testing.T) {
	r := newRig(t, 120)
	svc, st := r.service(t, "doorsync.db")
	d, err := svc.Refresh(context.Background(), nop[backend.Progress])
	if err != nil {
		t.Fatal(err)
	}
	var approved []string
	for _, it := range d.Plan.Items {
		if it.Kind.Writes() && it.Identity == "" && it.System == "hikvision" {
			approved = append(approved, it.ID)
		}
	}
	if len(approved) < 2 {
		t.Fatalf("%d writes to approve", len(approved))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan backend.ApplyResult, 1)
	settled := make(chan struct{})
	var once sync.Once
	go func() {
		res, _ := svc.Apply(ctx, d.Plan, approved, func(p backend.ApplyProgress) {
			if p.ItemID != "" {
				once.Do(func() {
					cancel() // the signal, once the first write is settled
					close(settled)
				})
			}
		})
		done <- res
	}()
	<-settled // the apply is in flight
	if !svc.Wait() {
		t.Error("Wait did not report the interrupted apply")
	}
	res := <-done
	run, err := st.Run(context.Background(), res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Outcome == store.OutcomeRunning || run.FinishedAt.IsZero() {
		t.Errorf("the interrupted run is recorded as %q, finished %v", run.Outcome, run.FinishedAt)
	}
}

// An approved NTK item is reported as it settles, as a terminal's items
// are: the console showed "0 applied" and no line for it (issue 12 review).
func TestApplyReportsWholeListItems(t *testing.T) {
	r := newRig(t, 60)
	svc, _ := r.service(t, "doorsync.db")
	ctx := context.Background()
	d, err := svc.Refresh(ctx, nop[backend.Progress])
	if err != nil {
		t.Fatal(err)
	}
	var approved []string
	for _, it := range d.Plan.Items {
		if it.Kind.Writes() && it.System == "ntk" && it.Identity == "" {
			approved = append(approved, it.ID)
			break
		}
	}
	if len(approved) == 0 {
		t.Fatal("no NTK write item in the data set")
	}
	var mu sync.Mutex
	seen := map[string]string{}
	if _, err := svc.Apply(ctx, d.Plan, approved, func(p backend.ApplyProgress) {
		mu.Lock()
		defer mu.Unlock()
		if p.ItemID != "" {
			seen[p.ItemID] = p.Status
		}
	}); err != nil {
		t.Fatal(err)
	}
	if st, ok := seen[approved[0]]; !ok || st == "" {
		t.Errorf("the NTK item was not reported: %v", seen)
	}
}

// A terminal held after its credentials were rejected does not make every
// watch pass a failure (issue 12 review: watch backed off into full passes
// for hours): once it is held, the passes succeed for the others and keep
// the interval.
func TestWatchKeepsItsIntervalWithAHeldTerminal(t *testing.T) {
	r := newRig(t, 40)
	r.setTerminalPassword("entrance", "wrong-password-1")
	svc, _ := r.service(t, "doorsync.db")
	ctx := context.Background()
	w := svc.Watch(WatchOptions{Interval: time.Minute, FullEvery: time.Hour, Overlap: time.Minute, MaxWait: 10 * time.Minute})
	first, err := w.Pass(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if first.Err == nil || len(first.Stops) == 0 {
		t.Fatalf("the first pass: %v, %d stops; want the rejected login to fail it and hold the terminal", first.Err, len(first.Stops))
	}
	r.clk.Advance(first.Wait)
	second, err := w.Pass(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if second.Err != nil || second.Wait != time.Minute {
		t.Fatalf("with the terminal held the pass failed (%v) or waits %v", second.Err, second.Wait)
	}
	r.clk.Advance(second.Wait)
	third, err := w.Pass(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if third.Full || third.Err != nil || third.Wait != time.Minute {
		t.Errorf("third pass: full %v, %v, waits %v; want an incremental pass at the interval", third.Full, third.Err, third.Wait)
	}
}

// A held target keeps its place among the targets: the plan, the run and
// the console's stored view list them in the configuration's order (issue
// 12 review: a held target moved to the end).
func TestHeldTargetKeepsItsPlace(t *testing.T) {
	r := newRig(t, 30)
	first := r.cfg.Hikvision[0].Name
	r.setTerminalPassword(first, "wrong-pass-1234")
	svc, _ := r.service(t, "doorsync.db")
	ctx := context.Background()
	names := func(p plan.Plan) []string {
		var out []string
		for _, ts := range p.Targets {
			out = append(out, ts.Name)
		}
		return out
	}
	stopped, stops, err := svc.Sync(ctx, SyncRequest{Mode: engine.ModeAuto})
	if err != nil || len(stops) != 1 {
		t.Fatalf("the rejected run: %v, stops %+v", err, stops)
	}
	want := names(stopped.Plan)
	if len(want) < 3 || want[0] != first {
		t.Fatalf("the rejected run's targets %v: want %s first, as configured", want, first)
	}
	held, _, err := svc.Sync(ctx, SyncRequest{Mode: engine.ModeAuto})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(held.Plan); !slices.Equal(got, want) {
		t.Errorf("with %s held the run's targets are %v, want %v", first, got, want)
	}
	if e := held.Plan.Targets[0].Error; !strings.Contains(e, "not contacted") {
		t.Errorf("the held %s's place says %q", first, e)
	}
	p, _, err := svc.Plan(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(p); !slices.Equal(got, want) {
		t.Errorf("with %s held plan's targets are %v, want %v", first, got, want)
	}
	d, err := svc.Open(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(d.Plan); !slices.Equal(got, want) {
		t.Errorf("with %s held the console's stored targets are %v, want %v", first, got, want)
	}
}

// Items of a saved plan whose target is held are skipped, never sent, and
// counted as skipped, not failed: in the outcome, its summary and the
// run's recorded counts that history shows (issue 12 review).
func TestHeldTargetsItemsAreSkippedNotFailed(t *testing.T) {
	r := newRig(t, 60)
	r.cfg.Policy.MaxRevocations, r.cfg.Policy.MaxRevocationPercent = 100000, 100
	svc, _ := r.service(t, "doorsync.db")
	ctx := context.Background()
	saved, _, err := svc.Plan(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	const held = "entrance"
	approved := map[string]bool{}
	onHeld := 0
	for _, it := range saved.Items {
		if it.Kind.Writes() && it.Identity == "" {
			approved[it.ID] = true
			if it.Target == held {
				onHeld++
			}
		}
	}
	if onHeld == 0 {
		t.Fatalf("the data set has no write item for %s", held)
	}
	r.setTerminalPassword(held, "wrong-pass-1234")
	if _, stops, err := svc.Sync(ctx, SyncRequest{Mode: engine.ModeAuto}); err != nil || len(stops) != 1 {
		t.Fatalf("the rejected run: %v, stops %+v", err, stops)
	}
	ep := r.terminal(t, held)
	ep.Log.Reset()
	out, _, err := svc.Sync(ctx, SyncRequest{Mode: engine.ModeApply, Saved: &saved})
	if err != nil {
		t.Fatal(err)
	}
	if n := ep.Log.Count(nil); n != 0 {
		t.Errorf("the held %s got %d requests", held, n)
	}
	if out.Skipped != onHeld || out.Failed != 0 {
		t.Errorf("outcome: %d skipped, %d failed; want %d skipped (the held target's items), 0 failed", out.Skipped, out.Failed, onHeld)
	}
	if want := fmt.Sprintf("%d skipped (target held)", onHeld); !strings.Contains(out.Summary(), want) || !strings.Contains(out.Summary(), "0 failed") {
		t.Errorf("summary %q, want 0 failed and %q", out.Summary(), want)
	}
	run, items, err := svc.Run(ctx, out.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts["failed"] != 0 || run.Counts["skipped"] != onHeld {
		t.Errorf("recorded counts %v: want failed 0, skipped %d", run.Counts, onHeld)
	}
	for _, it := range items {
		if it.Target == held && (it.Status != store.StatusSkipped || !strings.Contains(it.Error, "not contacted")) {
			t.Errorf("item %s on the held %s: %s, %q; want skipped with the hold's reason", it.ItemID, held, it.Status, it.Error)
		}
	}
	if out.Code != 3 {
		t.Errorf("exit code %d, want 3 (partial: the held target's renewals are not done)", out.Code)
	}
}
