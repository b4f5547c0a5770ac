package engine_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/backoff"
	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/emulator/dataset"
	"github.com/doorsync/doorsync/internal/emulator/site"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/source/cardskipper"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/hikvision"
)

// start is the fixed instant the site and the runs begin at: tests never
// depend on today's date.
var start = time.Date(2026, 3, 12, 9, 30, 0, 0, time.UTC)

const pathSearch = "/ISAPI/AccessControl/UserInfo/Search"

// virtualTime makes the retry policy's pauses advance a manual clock
// instead of waiting. Workers pausing at once (terminals in parallel) move
// it to the latest end among them, as real time would.
type virtualTime struct {
	mu  sync.Mutex
	clk *clock.Manual
}

func (v *virtualTime) sleep(ctx context.Context, d time.Duration) error {
	v.mu.Lock()
	end := v.clk.Now().Add(d)
	if end.After(v.clk.Now()) {
		v.clk.Set(end)
	}
	v.mu.Unlock()
	return ctx.Err()
}

// runningClock starts at a fixed instant and runs at the wall clock's pace:
// the benchmark's data set does not depend on the date, its pauses and the
// terminals' busy bursts are real.
type runningClock struct {
	from, began time.Time
}

func (c *runningClock) Now() time.Time { return c.from.Add(time.Since(c.began)) } // wall clock: see the type

// rig is an emulated site with an engine pointed at its terminals.
type rig struct {
	site    *site.Site
	eng     *engine.Engine
	cfg     engine.Config
	deps    engine.Deps
	targets []target.Target // the terminals' targets, as the engine has them
	clk     *clock.Manual
	store   *store.Store
	zone    *time.Location
}

// rebuild builds the rig's engine again, over the same clients, with its
// settings and dependencies as edit leaves them (a shorter retry budget,
// an observer, a retry pause that interrupts).
func (r *rig) rebuild(edit func(*engine.Config, *engine.Deps)) {
	edit(&r.cfg, &r.deps)
	r.eng = engine.New(r.cfg, r.deps)
}

type rigOptions struct {
	members  int
	seed     uint64
	firmware map[string]string
	// real: a clock running from start at the wall clock's pace and real
	// pauses (the benchmark's wall time); otherwise a manual clock at
	// start and virtual pauses.
	real bool
	// wrap, when set, wraps each terminal target (a test's fault on one
	// account).
	wrap func(target.Target) target.Target
}

func newRig(tb testing.TB, o rigOptions) *rig {
	tb.Helper()
	zone, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &rig{zone: zone, clk: clock.NewManual(start)}
	var clk clock.Clock = r.clk
	retry := apply.Retry{Clock: r.clk, Sleep: (&virtualTime{clk: r.clk}).sleep}
	if o.real {
		clk = &runningClock{from: start, began: time.Now()} // wall clock: the benchmark pauses for real
		retry = apply.Retry{Clock: clk}
	}
	s, err := site.Start(ctx, site.Options{Members: o.members, Seed: o.seed, Zone: zone, Clock: clk, Firmware: o.firmware,
		TerminalPassword: "terminal-pw", CardskipperPassword: "cardskipper-pw"})
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cancel(); s.Close() })
	r.site = s
	st, err := store.Open(ctx, filepath.Join(tb.TempDir(), "doorsync.db"), clk)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	r.store = st
	src, err := cardskipper.New(cardskipper.Config{BaseURL: s.Cardskipper.URL, Username: s.Cardskipper.Username,
		Password: s.Cardskipper.Password, Zone: zone})
	if err != nil {
		tb.Fatal(err)
	}
	var targets []target.Target
	for _, ep := range s.Terminals {
		t, err := hikvision.NewTarget(hikvision.Config{Name: ep.Name, BaseURL: ep.URL, Username: ep.Username, Password: ep.Password,
			EmailField: hikvision.EmailInExtension, Zone: zone, Clock: clk})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(t.Close)
		var tt target.Target = t
		if o.wrap != nil {
			tt = o.wrap(t)
		}
		targets = append(targets, tt)
	}
	r.targets = targets
	r.cfg = engine.Config{OrganisationID: dataset.OrganisationID, Zone: zone,
		Rule:   member.Rule{OrganisationIDs: []int{dataset.OrganisationID}},
		Policy: plan.Policy{Auto: []plan.Kind{plan.Extend, plan.Reactivate}, MaxRevocations: 1 << 20, MaxRevocationPercent: 100},
		Retry:  retry, User: "test", Host: "test"}
	r.deps = engine.Deps{Source: src, Targets: targets, Store: st, Clock: clk}
	r.eng = engine.New(r.cfg, r.deps)
	return r
}

// faultMix is the mix: 30 % deviceBusy on every request and 15 %
// HTTP 503 on searches, on every terminal.
func (r *rig) faultMix() {
	for _, ep := range r.site.Terminals {
		ep.Faults.SetRate(emulator.FaultBusy, 0.30)
		ep.Faults.SetPathRate(pathSearch, emulator.Fault5xx, 0.15)
	}
}

// requests counts what reached the terminals, and how much of it was a
// fault injected by the mix.
func (r *rig) requests() (all, faults int) {
	for _, ep := range r.site.Terminals {
		all += ep.Log.Count(nil)
		faults += ep.Log.Count(func(q emulator.Request) bool { return q.Fault != "" })
	}
	return all, faults
}

// isScanPage: an inventory Search page the terminal answered with data
// (not a lookup, a challenge or an injected fault).
func isScanPage(q emulator.Request) bool {
	return q.Path == pathSearch && q.Status == 200 && q.Fault == "" && !strings.Contains(string(q.Body), "EmployeeNoList")
}

// writeItems are the items of the plan an unattended run applies.
func writeItems(p plan.Plan) []plan.Item {
	var out []plan.Item
	for _, it := range p.Items {
		if it.Kind.Writes() && it.Auto && it.System == "hikvision" {
			out = append(out, it)
		}
	}
	return out
}

// checkConverged asserts that one run applied every renewal it selected,
// with nothing failed, and that a plan made now has nothing left to renew.
func checkConverged(t *testing.T, r *rig, out engine.Outcome) {
	t.Helper()
	if out.Selected == 0 {
		t.Fatal("the data set gave no renewal to apply: the test proves nothing")
	}
	if out.Failed != 0 || out.Applied != out.Selected {
		var why []string
		for _, res := range out.Results {
			if res.Status != apply.Applied {
				why = append(why, fmt.Sprintf("%s %s: %s %v", res.Item.Target, res.Item.Account, res.Status, res.Err))
			}
		}
		t.Fatalf("%d of %d renewals applied, %d failed: %s", out.Applied, out.Selected, out.Failed, strings.Join(why, "; "))
	}
	for name, err := range out.TargetErrs {
		t.Errorf("target %s could not be read: %v", name, err)
	}
	snap := r.eng.Fetch(context.Background())
	p, err := r.eng.Plan(context.Background(), snap)
	if err != nil {
		t.Fatal(err)
	}
	if left := writeItems(p); len(left) > 0 {
		t.Errorf("after the run, a new plan still has %d renewals, e.g. %s %s %s", len(left), left[0].Kind, left[0].Target, left[0].Account)
	}
}

// The fault mix converges in one run on every seed: every renewal
// applied, nothing failed, the inventory complete.
func TestOneRunConvergesUnderTheFaultMix(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			r := newRig(t, rigOptions{members: 300, seed: seed})
			r.faultMix()
			out, err := r.eng.Sync(context.Background(), engine.Options{Mode: engine.ModeAuto})
			if err != nil {
				t.Fatal(err)
			}
			all, faults := r.requests()
			if faults == 0 {
				t.Fatal("no fault was injected: the test proves nothing")
			}
			// Each inventory page was read once: a busy page resumed the
			// scan there, it never started over. A resumed page starts one
			// person early (to check the list did not shift), so the
			// resumes may add up to one page at the end.
			for _, ep := range r.site.Terminals {
				pages := (len(r.site.TerminalServers[ep.Name].Persons()) + 29) / 30
				if n := ep.Log.Count(isScanPage); n < pages || n > pages+1 {
					t.Errorf("%s: %d inventory pages answered for %d pages of persons", ep.Name, n, pages)
				}
			}
			r.site.Terminals[0].Faults.Clear()
			r.site.Terminals[1].Faults.Clear()
			checkConverged(t, r, out)
			t.Logf("seed %d: %d renewals, %d requests of which %d faults, %s of virtual pauses",
				seed, out.Applied, all, faults, r.clk.Now().Sub(start))
		})
	}
}

// A terminal playing DS-K1T8003MF while iVMS-4200 pushes faces (busy 2 s
// out of every 5 s, pages trimmed to 20) converges in one run as well.
func TestOneRunConvergesOnABurstingTerminal(t *testing.T) {
	r := newRig(t, rigOptions{members: 150, seed: 5, firmware: map[string]string{"entrance": "k1t8003mf"}})
	out, err := r.eng.Sync(context.Background(), engine.Options{Mode: engine.ModeAuto})
	if err != nil {
		t.Fatal(err)
	}
	// Only the bursts make the engine pause: no pause, no proof.
	if !r.clk.Now().After(start) {
		t.Fatal("the run never paused: the terminal was never busy")
	}
	checkConverged(t, r, out)
}

// Once a terminal's budget is spent, an item still failing is recorded
// failed with the last error, and the budget bounds the time spent.
func TestBudgetSpentRecordsTheLastError(t *testing.T) {
	r := newRig(t, rigOptions{members: 150, seed: 3})
	r.rebuild(func(c *engine.Config, _ *engine.Deps) { c.Retry.Budget = 20 * time.Second })
	snap := r.eng.Fetch(context.Background())
	p, err := r.eng.Plan(context.Background(), snap)
	if err != nil {
		t.Fatal(err)
	}
	// The entrance answers every Modify with deviceBusy from now on.
	entrance := r.site.Terminals[0]
	entrance.Faults.SetPathRate("/ISAPI/AccessControl/UserInfo/Modify", emulator.FaultBusy, 1)
	began := r.clk.Now()
	out, err := r.eng.Sync(context.Background(), engine.Options{Mode: engine.ModeApply, Plan: &p, Approved: approveAll(p)})
	if err != nil {
		t.Fatal(err)
	}
	if spent := r.clk.Now().Sub(began); spent < 20*time.Second || spent > 40*time.Second {
		t.Errorf("the run took %v of pauses; want about the budget of 20s (the other terminal retries in parallel)", spent)
	}
	failed, applied := 0, 0
	for _, res := range out.Results {
		switch {
		case res.Item.Target == entrance.Name:
			var ex *backoff.ExhaustedError
			if res.Status == apply.Applied || target.ClassOf(res.Err) != target.Busy || !errors.As(res.Err, &ex) {
				t.Errorf("entrance %s: %s %v; want failed, busy", res.Item.Account, res.Status, res.Err)
			}
			if res.Status == apply.Failed {
				failed++
			}
		case res.Status == apply.Applied:
			applied++
		}
	}
	if failed == 0 || applied == 0 {
		t.Fatalf("%d entrance items failed, %d gym items applied; want both", failed, applied)
	}
	recs, err := r.store.Items(context.Background(), out.RunID)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if rec.Target == entrance.Name && rec.Status == store.StatusFailed && !strings.Contains(rec.Error, "deviceBusy") {
			t.Errorf("failed item %s recorded without the last error: %q", rec.Account, rec.Error)
		}
	}
}

func approveAll(p plan.Plan) map[string]bool {
	ids := map[string]bool{}
	for _, it := range writeItems(p) {
		ids[it.ID] = true
	}
	return ids
}

// failing makes writes to some accounts fail permanently while on.
type failing struct {
	target.Target
	mu       sync.Mutex
	accounts map[string]bool
}

func (f *failing) Write(ctx context.Context, ups []target.Update) []error {
	f.mu.Lock()
	defer f.mu.Unlock()
	errs := make([]error, len(ups))
	var rest []target.Update
	var at []int
	for i, u := range ups {
		if f.accounts[u.Account.ID] {
			errs[i] = &target.Error{Class: target.Permanent, Target: f.Info().Name, Op: "modify " + u.Account.ID, Message: "refused by the test"}
			continue
		}
		rest, at = append(rest, u), append(at, i)
	}
	for j, err := range f.Target.Write(ctx, rest) {
		errs[at[j]] = err
	}
	return errs
}

// An item that failed in a full run is tried again by watch's next
// incremental pass although its member did not change, and once it is
// applied, later passes leave it alone.
func TestIncrementalPassRetriesEarlierFailures(t *testing.T) {
	var wrapped []*failing
	r := newRig(t, rigOptions{members: 150, seed: 7, wrap: func(t target.Target) target.Target {
		f := &failing{Target: t, accounts: map[string]bool{}}
		wrapped = append(wrapped, f)
		return f
	}})
	ctx := context.Background()
	p, err := r.eng.Plan(ctx, r.eng.Fetch(ctx))
	if err != nil {
		t.Fatal(err)
	}
	items := writeItems(p)
	if len(items) < 2 {
		t.Fatalf("only %d renewals in the data set", len(items))
	}
	victim := items[0]
	for _, f := range wrapped {
		if f.Info().Name == victim.Target {
			f.accounts[victim.Account] = true
		}
	}
	r.clk.Advance(time.Minute)
	since := r.clk.Now()
	r.clk.Advance(time.Minute)
	out, err := r.eng.Sync(ctx, engine.Options{Mode: engine.ModeWatch})
	if err != nil {
		t.Fatal(err)
	}
	if out.Failed != 1 || out.Applied != out.Selected-1 {
		t.Fatalf("full run: %d applied, %d failed of %d; want all but the victim", out.Applied, out.Failed, out.Selected)
	}
	for _, f := range wrapped {
		f.mu.Lock()
		f.accounts = map[string]bool{} // the terminal takes writes again
		f.mu.Unlock()
	}

	r.clk.Advance(time.Minute)
	term := r.site.TerminalServers[victim.Target]
	out, changed, err := r.eng.Incremental(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	if changed != 0 || out.Retried != 1 {
		t.Errorf("incremental pass: %d changed, %d retried; want 0 and the victim's member", changed, out.Retried)
	}
	if out.Applied != 1 || out.Failed != 0 || len(out.Results) != 1 || out.Results[0].Item.Account != victim.Account {
		t.Fatalf("incremental pass: %d applied, %d failed, results %v; want the victim applied", out.Applied, out.Failed, out.Results)
	}
	if p, _ := term.Person(victim.Account); p.Valid.EndTime != victim.DesiredEnd.Format("2006-01-02T15:04:05") {
		t.Errorf("the terminal holds %s for the victim, want %s", p.Valid.EndTime, victim.DesiredEnd.Format("2006-01-02T15:04:05"))
	}

	// The failure is settled: the next pass with the same window has
	// nothing to do (no member changed, nothing failed since).
	for _, ep := range r.site.Terminals {
		ep.Log.Reset()
	}
	r.clk.Advance(time.Minute)
	out, _, err = r.eng.Incremental(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	if out.Retried != 0 || len(out.Results) != 0 {
		t.Errorf("pass after the retry worked: %d retried, %d results; want none", out.Retried, len(out.Results))
	}
	if n, _ := r.requests(); n != 0 {
		t.Errorf("%d terminal requests in a pass with nothing to do", n)
	}
}

// Try retries a call made outside a run (the console's door events) by
// the same policy, within the shorter limit an operator can wait.
func TestTryRetriesWithinItsLimit(t *testing.T) {
	r := newRig(t, rigOptions{members: 60, seed: 2})
	ctx := context.Background()
	entrance := r.targets[0]
	ep := r.site.Terminals[0]
	lookup := func() error { _, err := entrance.Lookup(ctx, []string{"1"}); return err }
	if err := lookup(); err != nil { // the challenge and capabilities are known from here on
		t.Fatal(err)
	}
	ep.Faults.Next(emulator.FaultBusy, emulator.FaultBusy)
	if err := r.eng.Try(ctx, ep.Name, 10*time.Second, lookup); err != nil {
		t.Fatalf("Try after two busy answers: %v", err)
	}
	ep.Faults.SetRate(emulator.FaultBusy, 1)
	began := r.clk.Now()
	err := r.eng.Try(ctx, ep.Name, 10*time.Second, lookup)
	if target.ClassOf(err) != target.Busy {
		t.Fatalf("Try on a terminal busy for good: %v", err)
	}
	if spent := r.clk.Now().Sub(began); spent != 10*time.Second {
		t.Errorf("Try paused %v, want its limit of 10s", spent)
	}
	// A terminal that does not answer is reported after one try: someone
	// waits at the screen, and each try costs a whole timeout.
	ep.Faults.Clear()
	ep.Faults.SetRate(emulator.FaultReset, 1)
	ep.Log.Reset()
	if err := r.eng.Try(ctx, ep.Name, 10*time.Second, lookup); !target.Unanswered(err) {
		t.Fatalf("Try on a silent terminal: %v", err)
	}
	if n := ep.Log.Count(nil); n != 1 {
		t.Errorf("%d requests to a silent terminal, want 1", n)
	}
}

// Interrupted while a terminal is busy (SIGTERM during the inventory's
// retries): the run stops at once, plans and writes nothing, and its
// record says it was interrupted, with the members Cardskipper returned —
// not a failure to read the links with 0 members.
func TestSyncInterruptedWhileReading(t *testing.T) {
	r := newRig(t, rigOptions{members: 120, seed: 3})
	r.site.Terminals[0].Faults.SetRate(emulator.FaultBusy, 1)
	ctx, cancel := context.WithCancel(context.Background())
	vt := &virtualTime{clk: r.clk}
	// The interrupt comes while the busy terminal is being retried, once
	// Cardskipper's export has been read (the two are read concurrently).
	sourceRead := make(chan struct{})
	pauses := 0
	r.rebuild(func(c *engine.Config, d *engine.Deps) {
		d.Observer = observeFunc{sourceRead: func(members int, _ error) {
			if members > 0 {
				close(sourceRead)
			}
		}}
		c.Retry.Sleep = func(c context.Context, d time.Duration) error {
			if pauses++; pauses == 3 {
				<-sourceRead
				cancel()
			}
			return vt.sleep(c, d)
		}
	})
	out, err := r.eng.Sync(ctx, engine.Options{Mode: engine.ModeAuto})
	if err == nil || !strings.Contains(err.Error(), "interrupted while reading") || out.Selected != 0 || len(out.Results) != 0 {
		t.Fatalf("outcome %+v, %v; want an interrupted run that selected nothing", out, err)
	}
	if n := r.site.Terminals[0].Log.Count(func(q emulator.Request) bool { return q.Path == "/ISAPI/AccessControl/UserInfo/Modify" }); n != 0 {
		t.Errorf("%d writes after the interrupt", n)
	}
	run, err := r.store.Run(context.Background(), out.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Members != len(r.site.Data.Members) || !strings.Contains(run.Error, "interrupted while reading") || run.ExitCode != 1 {
		t.Errorf("recorded run: %d members, exit %d, error %q; want %d members and the interruption", run.Members, run.ExitCode, run.Error, len(r.site.Data.Members))
	}
}

// Interrupted while applying: the writes in flight complete and are read
// back, nothing more is written, and the run says it was interrupted and
// fails — it is not recorded as an ordinary held or finished run.
func TestSyncInterruptedWhileApplying(t *testing.T) {
	r := newRig(t, rigOptions{members: 300, seed: 4})
	ctx, cancel := context.WithCancel(context.Background())
	r.rebuild(func(_ *engine.Config, d *engine.Deps) {
		d.Observer = observeFunc{settled: func(r apply.Result) {
			if r.Status == apply.Applied {
				cancel()
			}
		}}
	})
	out, err := r.eng.Sync(ctx, engine.Options{Mode: engine.ModeAuto})
	if err == nil || !strings.Contains(err.Error(), "interrupted while applying") || out.Code != 1 {
		t.Fatalf("outcome code %d, %v; want exit 1 and the interruption", out.Code, err)
	}
	if out.Applied == 0 {
		t.Fatal("nothing applied before the interrupt: the test proves nothing")
	}
	for _, res := range out.Results {
		if res.Status == apply.Failed {
			t.Errorf("%s %s failed: %v", res.Item.Target, res.Item.Account, res.Err)
		}
	}
	run, err := r.store.Run(context.Background(), out.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(run.Error, "interrupted while applying") || run.ExitCode != 1 {
		t.Errorf("recorded run: exit %d, error %q", run.ExitCode, run.Error)
	}
}

// observeFunc observes the source's read and the writes through funcs.
type observeFunc struct {
	engine.NopObserver
	sourceRead func(members int, err error)
	settled    func(apply.Result)
}

func (o observeFunc) SourceRead(members int, err error) {
	if o.sourceRead != nil {
		o.sourceRead(members, err)
	}
}

func (o observeFunc) ItemSettled(_ string, _, _ int, r apply.Result) {
	if o.settled != nil {
		o.settled(r)
	}
}
