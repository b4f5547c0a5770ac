package cli

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/service"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/tui"
)

// The console's data names the items the last --auto run held for
// approval (the console marks them), and each of them is in the plan it
// shows.
func TestConsoleDataMarksItemsHeldByAuto(t *testing.T) {
	s := startE2ESite(t, 60, 3)
	if r := s.run(t, "--auto"); r.code != ExitHeld {
		t.Fatalf("--auto: exit %d, want %d (the default policy holds revocations)\n%s", r.code, ExitHeld, r.stdout)
	}
	ctx := context.Background()
	be := s.consoleBackend(t)
	ses := be.ses
	runs, err := ses.store.Runs(ctx, 1)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v, %v", runs, err)
	}
	items, err := ses.store.Items(ctx, runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, it := range items {
		if it.Status == store.StatusHeld {
			want = append(want, it.ItemID)
		}
	}
	if len(want) == 0 {
		t.Fatal("the run held nothing: the test proves nothing")
	}
	_, d := be.open(t)
	got := slices.Sorted(maps.Keys(d.AutoHeld))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("console marks %d items held, the run held %d:\n got %v\nwant %v", len(got), len(want), got, want)
	}
	inPlan := map[string]bool{}
	for _, it := range d.Plan.Items {
		inPlan[it.ID] = true
	}
	for _, id := range got {
		if !inPlan[id] {
			t.Errorf("held item %s is not in the console's plan", id)
		}
		if at := d.AutoHeld[id]; !at.Equal(runs[0].StartedAt) {
			t.Errorf("held item %s: at %v, want the run's start %v", id, at, runs[0].StartedAt)
		}
	}
}

// consoleBackend opens a session on the site's configuration, as the
// console does, closed when the test ends.
func (e *e2eSite) consoleBackend(t *testing.T) *consoleBackend {
	t.Helper()
	app, _, _ := newTestApp(e.Clock, nil)
	ses, err := app.openSession(context.Background(), &globalOptions{configPath: e.cfg}, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ses.close)
	return &consoleBackend{Service: ses.svc, ses: ses, app: app}
}

// open is the console's start: what Open gives first (the stored plan
// alone) and its whole data.
func (b *consoleBackend) open(t testing.TB) (first, whole tui.Data) {
	t.Helper()
	var firsts []tui.Data
	whole, err := b.Open(context.Background(), func(d tui.Data) { firsts = append(firsts, d) })
	if err != nil {
		t.Fatal(err)
	}
	if len(firsts) != 1 {
		t.Fatalf("Open gave the stored plan %d times before its data, want once", len(firsts))
	}
	return firsts[0], whole
}

// refreshFor reads both sides as the console's refresh does and returns
// the data and the ids of its items that match (what the operator would
// select).
func (b *consoleBackend) refreshFor(t *testing.T, match func(plan.Item) bool) (tui.Data, []string) {
	t.Helper()
	d, err := b.Refresh(context.Background(), func(tui.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range d.Plan.Items {
		if match(it) {
			ids = append(ids, it.ID)
		}
	}
	return d, ids
}

// plainWrite is an item the console offers to apply as it is: a write with
// no identity change.
func plainWrite(it plan.Item) bool { return it.Kind.Writes() && it.Identity == "" }

// consoleBackend is the console's backend in tests: the session's service,
// with the session and the App for reaching the database and the console.
type consoleBackend struct {
	*service.Service
	ses *session
	app *App
}

// The detail's history follows the member: items recorded under the same
// e-mail for another member (who held the address before) are not shown;
// records of the e-mail with no member id are.
func TestConsoleHistoryFollowsTheMember(t *testing.T) {
	s := startE2ESite(t, 12, 1)
	if r := s.run(t, "--auto"); r.code != ExitOK && r.code != ExitHeld {
		t.Fatalf("--auto: exit %d\n%s", r.code, r.stdout)
	}
	ctx := context.Background()
	be := s.consoleBackend(t)
	runs, err := be.ses.store.Runs(ctx, 1)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v, %v", runs, err)
	}
	items, err := be.ses.store.Items(ctx, runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var mine store.ItemRecord
	for _, it := range items {
		if it.MemberID != "" && it.Email != "" {
			mine = it
			break
		}
	}
	if mine.MemberID == "" {
		t.Fatalf("no item with a member in %d items", len(items))
	}
	theirs, unpinned := mine, mine
	theirs.ItemID, theirs.MemberID, theirs.Account = "theirs", "someone-else", "9999"
	unpinned.ItemID, unpinned.MemberID, unpinned.Account = "unpinned", "", "9998"
	if err := be.ses.store.AddItems(ctx, runs[0].ID, []store.ItemRecord{theirs, unpinned}); err != nil {
		t.Fatal(err)
	}
	got, err := be.History(ctx, tui.HistoryQuery{Members: []string{mine.MemberID}, Email: mine.Email}, 50)
	if err != nil {
		t.Fatal(err)
	}
	accounts := map[string]bool{}
	for _, e := range got {
		accounts[e.Account] = true
	}
	if !accounts[mine.Account] || !accounts["9998"] || accounts["9999"] {
		t.Fatalf("history of member %s <%s>: accounts %v; want %s and 9998, not 9999", mine.MemberID, mine.Email, accounts, mine.Account)
	}
}
