package apply_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/emulator/site"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/source/cardskipper"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/hikvision"
)

// memRecorder keeps the journal and results in memory and remembers, for
// every intent, how many Modify requests its terminal had received when it
// was opened: a write must never precede its journal entry.
type memRecorder struct {
	mu      sync.Mutex
	site    *site.Site
	open    map[int64]apply.Intent
	closed  map[int64]apply.Result
	results []apply.Result
	before  map[string]int // "target/account" → Modify count for that account when the intent opened
	nextID  int64
	failOn  string // ItemID whose OpenIntent fails
}

func newRecorder(s *site.Site) *memRecorder {
	return &memRecorder{site: s, open: map[int64]apply.Intent{}, closed: map[int64]apply.Result{}, before: map[string]int{}}
}

func modifiesOf(s *site.Site, term, account string) int {
	if s == nil {
		return 0 // a terminal of the test's own, not a site's
	}
	for _, ep := range s.Terminals {
		if ep.Name != term {
			continue
		}
		return ep.Log.Count(func(r emulator.Request) bool {
			return strings.HasSuffix(r.Path, "/UserInfo/Modify") && strings.Contains(string(r.Body), `"employeeNo":"`+account+`"`)
		})
	}
	return -1
}

func (m *memRecorder) OpenIntent(_ context.Context, in apply.Intent) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if in.ItemID == m.failOn {
		return 0, errors.New("disk full")
	}
	m.nextID++
	m.open[m.nextID] = in
	m.before[in.Target+"/"+in.Account] = modifiesOf(m.site, in.Target, in.Account)
	return m.nextID, nil
}

func (m *memRecorder) CloseIntent(_ context.Context, id int64, r apply.Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.open[id]; !ok {
		return fmt.Errorf("intent %d not open", id)
	}
	m.closed[id] = r
	return nil
}

// openCount is how many journal entries were opened and not closed.
func (m *memRecorder) openCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id := range m.open {
		if _, ok := m.closed[id]; !ok {
			n++
		}
	}
	return n
}

func (m *memRecorder) Record(_ context.Context, _ int64, r apply.Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.results = append(m.results, r)
	return nil
}

type world struct {
	site    *site.Site
	zone    *time.Location
	targets map[string]target.Target
	plan    plan.Plan
}

func newWorld(t *testing.T, members int, tweak func(*site.Site)) *world {
	t.Helper()
	zone, _ := time.LoadLocation("Europe/Ljubljana")
	ctx, cancel := context.WithCancel(context.Background())
	clk := clocktest.Start(t)
	s, err := site.Start(ctx, site.Options{Members: members, Seed: 11, Zone: zone, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); s.Close() })
	if tweak != nil {
		tweak(s)
	}
	w := &world{site: s, zone: zone, targets: map[string]target.Target{}}
	cs, err := cardskipper.New(cardskipper.Config{BaseURL: s.Cardskipper.URL, Username: s.Cardskipper.Username, Password: s.Cardskipper.Password, Zone: zone})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := cs.Export(ctx, cardskipper.ExportQuery{OrganisationID: 1})
	if err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	in := plan.Input{Members: ms, Rule: member.Rule{OrganisationIDs: []int{1, 2}}, Today: member.DateOf(now, zone), Zone: zone, Now: now,
		Policy: plan.Policy{Auto: []plan.Kind{plan.Extend, plan.Reactivate}, MaxRevocations: 1000, MaxRevocationPercent: 100}}
	for _, ep := range s.Terminals {
		tg, err := hikvision.NewTarget(hikvision.Config{Name: ep.Name, BaseURL: ep.URL, Username: ep.Username, Password: ep.Password,
			EmailField: hikvision.EmailInExtension, Zone: zone, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		accs, err := tg.Inventory(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		w.targets[ep.Name] = tg
		in.Targets = append(in.Targets, plan.TargetState{Info: tg.Info(), Accounts: accs})
	}
	w.plan = plan.Build(in)
	for _, ep := range s.Terminals {
		ep.Log.Reset()
	}
	return w
}

func (w *world) writes(kinds ...plan.Kind) []plan.Item {
	var out []plan.Item
	for _, it := range w.plan.Items {
		if slices.Contains(kinds, it.Kind) {
			out = append(out, it)
		}
	}
	return out
}

// instant is the retry policy with pauses that only advance a manual
// clock: minutes of backoff take no time.
func instant() apply.Retry {
	clk := clock.NewManual(time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC))
	return apply.Retry{Clock: clk, Sleep: func(ctx context.Context, d time.Duration) error {
		clk.Advance(d)
		return ctx.Err()
	}}
}

func endOnTerminal(w *world, term, account string) string {
	p, ok := w.site.TerminalServers[term].Person(account)
	if !ok {
		return "gone"
	}
	return p.Valid.EndTime
}

func countSearches(ep site.Endpoint) int {
	return ep.Log.Count(func(r emulator.Request) bool { return strings.HasSuffix(r.Path, "/UserInfo/Search") })
}

func TestApplyWritesOnlyValidityAndReadsInBatches(t *testing.T) {
	w := newWorld(t, 400, nil)
	items := w.writes(plan.Extend, plan.Reactivate, plan.Revoke, plan.Shorten)
	if len(items) < 40 {
		t.Fatalf("data set gave only %d write items", len(items))
	}
	rec := newRecorder(w.site)
	eng := apply.Runner{Targets: w.targets, Recorder: rec, RunID: 1, Retry: instant()}
	results, err := eng.Run(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	perTarget := map[string]int{}
	for _, r := range results {
		if r.Status != apply.Applied {
			t.Errorf("%s %s on %s: %s %v", r.Item.Kind, r.Item.Account, r.Item.Target, r.Status, r.Err)
			continue
		}
		perTarget[r.Item.Target]++
		if got, want := endOnTerminal(w, r.Item.Target, r.Item.Account), r.Item.DesiredEnd.Format("2006-01-02T15:04:05"); got != want {
			t.Errorf("terminal %s account %s ends %s, want %s", r.Item.Target, r.Item.Account, got, want)
		}
		if !r.After.Equal(r.Item.DesiredEnd.Time) {
			t.Errorf("read-back %v != desired %v", r.After, r.Item.DesiredEnd)
		}
	}
	for _, ep := range w.site.Terminals {
		k := perTarget[ep.Name]
		maxReads := 2 * ((k + 29) / 30)
		if n := countSearches(ep); n > maxReads {
			t.Errorf("%s: %d Search requests for %d changes; at most %d allowed", ep.Name, n, k, maxReads)
		}
		for _, r := range ep.Log.Entries() {
			if !strings.HasSuffix(r.Path, "/UserInfo/Modify") {
				if r.Method != http.MethodGet && r.Method != http.MethodPost {
					t.Errorf("%s: unexpected %s %s", ep.Name, r.Method, r.Path)
				}
				continue
			}
			var body map[string]map[string]json.RawMessage
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatalf("Modify body %s: %v", r.Body, err)
			}
			var keys []string
			for k := range body["UserInfo"] {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if strings.Join(keys, ",") != "Valid,employeeNo,userType" {
				t.Errorf("Modify sent fields %v; only employeeNo, userType and Valid are allowed", keys)
			}
		}
	}
	// Every write was journalled first, and every journal entry closed.
	if len(rec.open) != len(rec.closed) {
		t.Errorf("%d intents opened, %d closed", len(rec.open), len(rec.closed))
	}
	for key, n := range rec.before {
		if n != 0 {
			t.Errorf("%s had %d Modify requests before its journal entry", key, n)
		}
	}
}

func TestApplySkipsAccountsChangedSincePlanning(t *testing.T) {
	w := newWorld(t, 150, nil)
	items := w.writes(plan.Extend, plan.Reactivate)
	victim := items[0]
	term := w.site.TerminalServers[victim.Target]
	p, _ := term.Person(victim.Account)
	p.Valid.EndTime = "2030-01-01T23:59:59" // staff changed it in iVMS meanwhile
	persons := term.Persons()
	for i := range persons {
		if persons[i].EmployeeNo == p.EmployeeNo {
			persons[i] = p
		}
	}
	term.SetPersons(persons)

	rec := newRecorder(w.site)
	eng := apply.Runner{Targets: w.targets, Recorder: rec, RunID: 1, Retry: instant()}
	results, err := eng.Run(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	if results[0].Status != apply.Stale || !strings.Contains(results[0].Err.Error(), "2030-01-01T23:59:59") {
		t.Fatalf("changed account: %s %v, want stale naming the new end", results[0].Status, results[0].Err)
	}
	if got := endOnTerminal(w, victim.Target, victim.Account); got != "2030-01-01T23:59:59" {
		t.Fatalf("stale account was overwritten: %s", got)
	}
	if n := modifiesOf(w.site, victim.Target, victim.Account); n != 0 {
		t.Fatalf("%d Modify requests for a stale account", n)
	}
	for _, r := range results[1:] {
		if r.Status != apply.Applied {
			t.Errorf("%s: %s %v", r.Item.Account, r.Status, r.Err)
		}
	}
}

func TestApplyConvergesUnderTransientFaults(t *testing.T) {
	w := newWorld(t, 300, nil)
	for _, ep := range w.site.Terminals {
		ep.Faults.SetRate(emulator.FaultBusy, 0.1)
		ep.Faults.SetRate(emulator.Fault5xx, 0.05)
		ep.Faults.SetRate(emulator.FaultReset, 0.05)
	}
	items := w.writes(plan.Extend, plan.Reactivate)
	eng := apply.Runner{Targets: w.targets, Recorder: newRecorder(w.site), RunID: 1, Retry: instant()}
	results, err := eng.Run(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	retried := 0
	for _, r := range results {
		if r.Status != apply.Applied {
			t.Errorf("%s on %s: %s %v", r.Item.Account, r.Item.Target, r.Status, r.Err)
		}
		if r.Attempts > 1 {
			retried++
		}
		if got, want := endOnTerminal(w, r.Item.Target, r.Item.Account), r.Item.DesiredEnd.Format("2006-01-02T15:04:05"); got != want {
			t.Errorf("%s: terminal holds %s, want %s", r.Item.Account, got, want)
		}
	}
	faults := 0
	for _, ep := range w.site.Terminals {
		faults += ep.Log.Count(func(r emulator.Request) bool { return r.Fault != "" })
	}
	if faults == 0 {
		t.Fatal("no fault was injected: the test proves nothing")
	}
	t.Logf("%d items, %d faults injected, %d items needed more than one write", len(results), faults, retried)
}

func TestApplyStopsATerminalAfterAuthFailure(t *testing.T) {
	w := newWorld(t, 300, nil)
	w.site.TerminalServers["entrance"].SetPassword("changed-by-someone")
	items := w.writes(plan.Extend, plan.Reactivate)
	eng := apply.Runner{Targets: w.targets, Recorder: newRecorder(w.site), RunID: 1, Retry: instant()}
	results, err := eng.Run(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	var gymApplied int
	for _, r := range results {
		switch r.Item.Target {
		case "entrance":
			if r.Status == apply.Applied || target.ClassOf(r.Err) != target.Auth {
				t.Errorf("entrance %s: %s %v; want failed with an auth error", r.Item.Account, r.Status, r.Err)
			}
		case "gym":
			if r.Status == apply.Applied {
				gymApplied++
			}
		}
	}
	if gymApplied == 0 {
		t.Error("the other terminal must still be synced")
	}
	if n := w.site.TerminalServers["entrance"].FailedLogins(); n > 2 {
		t.Errorf("%d failed logins on entrance; at most 2", n)
	}
	ep := w.site.Terminals[0]
	if n := ep.Log.Count(func(r emulator.Request) bool { return strings.HasSuffix(r.Path, "/Modify") }); n != 0 {
		t.Errorf("%d Modify requests reached the terminal with the wrong password", n)
	}
}

func TestApplyNeverWritesWithoutJournal(t *testing.T) {
	w := newWorld(t, 150, nil)
	items := w.writes(plan.Extend, plan.Reactivate)
	rec := newRecorder(w.site)
	rec.failOn = items[0].ID
	eng := apply.Runner{Targets: w.targets, Recorder: rec, RunID: 1, Retry: instant()}
	_, err := eng.Run(context.Background(), items)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("want the journal failure reported, got %v", err)
	}
	if n := modifiesOf(w.site, items[0].Target, items[0].Account); n != 0 {
		t.Fatalf("item written although its journal entry failed")
	}
}

// Cancelling stops sending at once (issue 13 §1): the write in flight
// completes and is read back, nothing more is sent to any terminal — not
// even the rest of the chunk already re-read and journalled — and the items
// not sent are cancelled, not failed or skipped. The operator stops when
// the first write reaches the entrance; each terminal may receive at most
// the one write it had in flight.
func TestApplyCancelStopsWithinTheChunk(t *testing.T) {
	w := newWorld(t, 600, nil)
	items := w.writes(plan.Extend, plan.Reactivate)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	isModify := func(r emulator.Request) bool { return strings.HasSuffix(r.Path, "/UserInfo/Modify") }
	var mu sync.Mutex
	cancelled := false
	after := map[string]int{} // per terminal: writes that arrived after the cancel
	for _, ep := range w.site.Terminals {
		ep.Log.Watch(func(r emulator.Request) {
			if !isModify(r) {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if cancelled {
				after[ep.Name]++
			} else if ep.Name == "entrance" {
				cancelled = true
				cancel()
			}
		})
	}
	rec := newRecorder(w.site)
	eng := apply.Runner{Targets: w.targets, Recorder: rec, RunID: 1, Retry: instant()}
	results, err := eng.Run(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !cancelled {
		t.Fatal("no write reached the entrance: the test proves nothing")
	}
	for name, n := range after {
		if n > 1 {
			t.Errorf("%s received %d writes after the cancel; at most the one in flight may follow", name, n)
		}
	}
	count := map[apply.Status]int{}
	for _, r := range results {
		count[r.Status]++
		want := r.Item.DesiredEnd.Format("2006-01-02T15:04:05")
		switch got := endOnTerminal(w, r.Item.Target, r.Item.Account); r.Status {
		case apply.Applied:
			if got != want {
				t.Errorf("applied item %s not on %s: %s", r.Item.Account, r.Item.Target, got)
			}
		case apply.Cancelled:
			if got == want {
				t.Errorf("cancelled item %s was written on %s", r.Item.Account, r.Item.Target)
			}
			if !errors.Is(r.Err, context.Canceled) {
				t.Errorf("cancelled item %s: %v", r.Item.Account, r.Err)
			}
		default:
			t.Errorf("%s on %s: %s %v; want applied or cancelled", r.Item.Account, r.Item.Target, r.Status, r.Err)
		}
	}
	// What was sent (before the cancel, and the one in flight) is applied;
	// everything else is cancelled.
	sent := 0
	for _, ep := range w.site.Terminals {
		sent += ep.Log.Count(func(r emulator.Request) bool { return isModify(r) && r.Status != http.StatusUnauthorized })
	}
	if count[apply.Applied] != sent || count[apply.Cancelled] != len(items)-sent {
		t.Fatalf("%d items, %d writes sent: %v; want those sent applied and the rest cancelled", len(items), sent, count)
	}
	// Every journal entry opened is closed: nothing is left for the next
	// run to read back.
	if open := rec.openCount(); open != 0 {
		t.Errorf("%d journal entries left open", open)
	}
}

// Cancelling while a busy terminal is being retried stops the retries at
// once: the request in flight completes, nothing more is sent, and the
// items that were not written are cancelled, not failed. Before, the chunk in
// flight kept retrying until the target's whole budget was spent.
func TestApplyCancelStopsRetries(t *testing.T) {
	for _, batch := range []int{0, 5} {
		// 5: several chunks, the cancel arriving during the re-read
		// before one: the later chunks were "skipped" for a stopped
		// target (review of issue 13 §1).
		t.Run(fmt.Sprintf("batch %d", batch), func(t *testing.T) { cancelStopsRetries(t, batch) })
	}
}

func cancelStopsRetries(t *testing.T, batch int) {
	w := newWorld(t, 200, nil)
	items := w.writes(plan.Extend, plan.Reactivate)
	var entrance []plan.Item
	for _, it := range items {
		if it.Target == "entrance" {
			entrance = append(entrance, it)
		}
	}
	if len(entrance) == 0 {
		t.Fatal("no writes on the entrance")
	}
	ep := w.site.Terminals[0]
	ep.Faults.SetRate(emulator.FaultBusy, 1) // busy forever
	ctx, cancel := context.WithCancel(context.Background())
	retry := instant()
	pauses := 0
	sleep := retry.Sleep
	retry.Sleep = func(c context.Context, d time.Duration) error {
		if pauses++; pauses == 3 {
			cancel() // the operator presses Esc while the terminal is busy
		}
		return sleep(c, d)
	}
	retry.Budget = time.Hour
	eng := apply.Runner{Targets: map[string]target.Target{"entrance": w.targets["entrance"]}, Recorder: newRecorder(w.site),
		RunID: 1, Retry: retry, Batch: batch}
	results, err := eng.Run(ctx, entrance)
	if err != nil {
		t.Fatal(err)
	}
	if sent := ep.Log.Count(nil); sent > 4 {
		t.Errorf("%d requests reached the busy terminal; after the cancel none may follow", sent)
	}
	for _, r := range results {
		if r.Status != apply.Cancelled || !errors.Is(r.Err, context.Canceled) {
			t.Errorf("%s: %s %v; want cancelled", r.Item.Account, r.Status, r.Err)
		}
	}
}

// A terminal that stops answering while being written to is given up for
// the run after a few silent tries: the rest of its items are not tried
// (each would cost a round of timeouts), and the run ends.
func TestApplyGivesUpASilentTerminal(t *testing.T) {
	w := newWorld(t, 300, nil)
	var entrance []plan.Item
	for _, it := range w.writes(plan.Extend, plan.Reactivate) {
		if it.Target == "entrance" {
			entrance = append(entrance, it)
		}
	}
	if len(entrance) < 3 {
		t.Fatalf("only %d writes on the entrance", len(entrance))
	}
	ep := w.site.Terminals[0]
	eng := apply.Runner{Targets: map[string]target.Target{"entrance": w.targets["entrance"]}, Recorder: newRecorder(w.site),
		RunID: 1, Retry: instant(), Batch: 1,
		Progress: func(e apply.Event) {
			if e.Phase == apply.PhaseWrite && e.Result == nil && e.Err == nil {
				// From the first write on, the terminal's connection breaks.
				ep.Faults.SetRate(emulator.FaultReset, 1)
			}
		}}
	results, err := eng.Run(context.Background(), entrance)
	if err != nil {
		t.Fatal(err)
	}
	modifies := ep.Log.Count(func(r emulator.Request) bool { return strings.HasSuffix(r.Path, "/UserInfo/Modify") })
	if modifies > 3 {
		t.Errorf("%d Modify requests to a terminal that stopped answering; want at most the silent tries (3)", modifies)
	}
	var failed, skipped int
	for _, r := range results {
		switch r.Status {
		case apply.Failed:
			failed++
		case apply.Skipped:
			skipped++
			if !strings.Contains(r.Err.Error(), "no answer") {
				t.Errorf("%s skipped: %v; want the reason (no answer)", r.Item.Account, r.Err)
			}
		default:
			t.Errorf("%s: %s %v", r.Item.Account, r.Status, r.Err)
		}
	}
	if failed != 1 || skipped != len(entrance)-1 {
		t.Errorf("failed %d, skipped %d of %d: want the one written to fail and the rest skipped", failed, skipped, len(entrance))
	}
}

// The ownership re-check (Runner.Recheck) is asked with the account as
// re-read before writing, costs no request of its own, and an item it
// refuses is stale, journalled never and not written.
func TestApplyRecheckSkipsAccountsNoLongerTheMembers(t *testing.T) {
	w := newWorld(t, 150, nil)
	items := w.writes(plan.Extend, plan.Reactivate)
	victim := items[0]
	before := endOnTerminal(w, victim.Target, victim.Account)
	rec := newRecorder(w.site)
	var mu sync.Mutex
	asked := map[string]target.Account{}
	eng := apply.Runner{Targets: w.targets, Recorder: rec, RunID: 1, Retry: instant(),
		Recheck: func(it plan.Item, acc target.Account) error {
			mu.Lock()
			defer mu.Unlock()
			asked[it.ID] = acc
			if it.ID == victim.ID {
				return errors.New("account " + it.Account + " is someone else's")
			}
			return nil
		}}
	results, err := eng.Run(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; r.Status != apply.Stale || !strings.Contains(r.Err.Error(), "someone else's") {
		t.Fatalf("refused item: %s %v, want stale with the check's reason", r.Status, r.Err)
	}
	if got := endOnTerminal(w, victim.Target, victim.Account); got != before {
		t.Fatalf("refused account was written: %s, was %s", got, before)
	}
	if n := modifiesOf(w.site, victim.Target, victim.Account); n != 0 {
		t.Fatalf("%d Modify requests for a refused account", n)
	}
	for _, in := range rec.open {
		if in.ItemID == victim.ID {
			t.Fatal("a refused item was journalled")
		}
	}
	perTarget := map[string]int{}
	for _, r := range results[1:] {
		if r.Status != apply.Applied {
			t.Errorf("%s: %s %v", r.Item.Account, r.Status, r.Err)
		}
	}
	for _, it := range items {
		acc, ok := asked[it.ID]
		if !ok || acc.ID != it.Account {
			t.Errorf("item %s: checked with %+v, want its account %s as re-read", it.ID, acc, it.Account)
		}
		perTarget[it.Target]++
	}
	// The check reads nothing itself: at most one re-read and one read-back
	// per chunk.
	for _, ep := range w.site.Terminals {
		k := perTarget[ep.Name]
		if n, most := countSearches(ep), 2*((k+29)/30); n > most {
			t.Errorf("%s: %d Search requests for %d items; at most %d allowed", ep.Name, n, k, most)
		}
	}
}
