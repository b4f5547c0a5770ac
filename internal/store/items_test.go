package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

func sampleItem(t testing.TB, i int) ItemRecord { return sampleItemIn(ljubljana(t), i) }

func sampleItemIn(loc *time.Location, i int) ItemRecord {
	return ItemRecord{
		ItemID: fmt.Sprintf("item-%05d", i), Kind: plan.Extend,
		Email: member.Email(fmt.Sprintf("member%d@example.si", i)), MemberID: fmt.Sprint(150000 + i),
		Name: "Žiga Čeh", Target: "entrance", System: "hikvision", Account: fmt.Sprint(1000 + i),
		SourceEnd: member.NewDate(2025, 12, 1),
		Before:    member.NewDate(2025, 11, 1).EndOfDay(loc),
		Desired:   member.NewDate(2025, 12, 1).EndOfDay(loc),
		Status:    StatusPlanned, Reason: "renewed in Cardskipper",
	}
}

func itemEqual(a, b ItemRecord) bool {
	return a.RunID == b.RunID && a.ItemID == b.ItemID && a.Kind == b.Kind && a.Email == b.Email &&
		a.MemberID == b.MemberID && a.Name == b.Name && a.Target == b.Target && a.System == b.System &&
		a.Account == b.Account && a.SourceEnd == b.SourceEnd && a.Before.Equal(b.Before) && a.After.Equal(b.After) &&
		a.Desired.Equal(b.Desired) && a.Status == b.Status && a.Attempts == b.Attempts && a.Error == b.Error &&
		a.ApprovedBy == b.ApprovedBy && a.Reason == b.Reason && a.Drift == b.Drift
}

func TestItemsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newStore(t)
	run := startRun(t, s, "auto")
	revoke := sampleItem(t, 2)
	revoke.Kind, revoke.Status, revoke.Reason, revoke.Drift = plan.Revoke, StatusHeld, "member no longer valid", true
	revoke.Desired = time.Time{} // e.g. no desired end known: stored as NULL, read back zero
	missing := ItemRecord{ItemID: "m1", Kind: plan.Missing, Email: "ana.kos@example.si", Target: "exit", Status: StatusSkipped,
		Reason: "no account on this target"}
	in := []ItemRecord{sampleItem(t, 1), revoke, missing}
	if err := s.AddItems(ctx, run, in); err != nil {
		t.Fatal(err)
	}
	got, err := s.Items(ctx, run)
	if err != nil || len(got) != len(in) {
		t.Fatalf("Items = %d, %v", len(got), err)
	}
	for i := range in {
		in[i].RunID = run
		if !itemEqual(got[i], in[i]) {
			t.Errorf("item %d:\n got %+v\nwant %+v", i, got[i], in[i])
		}
		if !got[i].UpdatedAt.Equal(t0()) {
			t.Errorf("item %d UpdatedAt = %v, want the clock's %v", i, got[i].UpdatedAt, t0())
		}
	}

	// Progress replaces status, attempts, error and ends; the plan's part stays.
	clk.Advance(time.Minute)
	upd := in[0]
	upd.Status, upd.Attempts, upd.Error = StatusApplied, 2, ""
	upd.After = in[0].Desired
	upd.Reason, upd.Name, upd.Kind = "overwritten?", "overwritten?", plan.Shorten
	if err := s.UpdateItem(ctx, upd); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Items(ctx, run)
	want := in[0]
	want.Status, want.Attempts, want.After = StatusApplied, 2, in[0].Desired
	if !itemEqual(got[0], want) || !got[0].UpdatedAt.Equal(t0().Add(time.Minute)) {
		t.Errorf("updated item:\n got %+v\nwant %+v", got[0], want)
	}
}

func TestUpdateItemKeepsApproval(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	run := startRun(t, s, "console")
	it := sampleItem(t, 1)
	it.Kind, it.Status = plan.Shorten, StatusHeld
	if err := s.AddItems(ctx, run, []ItemRecord{it}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		status     ItemStatus
		approvedBy string
		errMsg     string
		want       string
	}{
		{StatusPlanned, "admin", "", "admin"},
		{StatusFailed, "", "terminal entrance: busy", "admin"}, // the apply step does not know who approved
		{StatusApplied, "", "", "admin"},
	}
	for i, st := range steps {
		if err := s.UpdateItem(ctx, ItemRecord{RunID: run, ItemID: it.ItemID, Status: st.status, ApprovedBy: st.approvedBy,
			Error: st.errMsg, Attempts: i + 1}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Items(ctx, run)
		if got[0].ApprovedBy != st.want || got[0].Status != st.status || got[0].Error != st.errMsg {
			t.Errorf("step %d: approved by %q, status %s, error %q", i, got[0].ApprovedBy, got[0].Status, got[0].Error)
		}
	}
}

func TestAddItemsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	run := startRun(t, s, "auto")
	good := sampleItem(t, 1)
	for _, tc := range []struct {
		name   string
		mutate func(*ItemRecord)
		want   []string
	}{
		{"no id", func(r *ItemRecord) { r.ItemID = "" }, []string{"item 2", "item id is missing"}},
		{"unknown kind", func(r *ItemRecord) { r.Kind = "renew" }, []string{"item 2", `item "item-00002"`, `unknown kind "renew"`}},
		{"in_sync", func(r *ItemRecord) { r.Kind = plan.InSync }, []string{"in_sync is counted, not stored"}},
		{"unknown status", func(r *ItemRecord) { r.Status = "done" }, []string{"<member2@example.si>", `unknown status "done"`}},
		{"negative attempts", func(r *ItemRecord) { r.Attempts = -1 }, []string{"negative attempts"}},
		{"year out of range", func(r *ItemRecord) { r.Desired = time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC) },
			[]string{"entrance account 1002", "desired end", "year 12000"}},
		{"duplicate id", func(r *ItemRecord) { r.ItemID = good.ItemID }, []string{"item 2", "UNIQUE constraint failed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := sampleItem(t, 2)
			tc.mutate(&bad)
			err := s.AddItems(ctx, run, []ItemRecord{good, bad, sampleItem(t, 3)})
			if err == nil {
				t.Fatal("AddItems accepted a bad item")
			}
			for _, w := range append(tc.want, "add 3 items to run") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if got, _ := s.Items(ctx, run); len(got) != 0 {
				t.Errorf("%d items stored after a failed AddItems, want none", len(got))
			}
		})
	}
	if err := s.AddItems(ctx, 999, []ItemRecord{good}); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "run 999") {
		t.Errorf("AddItems to unknown run = %v", err)
	}
	if err := s.UpdateItem(ctx, ItemRecord{RunID: run, ItemID: "nope", Status: StatusApplied}); !errors.Is(err, ErrNotFound) ||
		!strings.Contains(err.Error(), `item "nope"`) {
		t.Errorf("UpdateItem of unknown item = %v", err)
	}
	if err := s.UpdateItem(ctx, ItemRecord{RunID: run, ItemID: "x", Status: "bogus"}); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("UpdateItem with bad status = %v", err)
	}
}

func TestItemsForEmail(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	var runs []int64
	for r := 0; r < 3; r++ {
		run := startRun(t, s, "auto")
		runs = append(runs, run)
		a, b := sampleItem(t, 1), sampleItem(t, 2)
		b2 := sampleItem(t, 1)
		b2.ItemID, b2.Target = "exit-1", "exit"
		if err := s.AddItems(ctx, run, []ItemRecord{a, b, b2}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ItemsForEmail(ctx, "member1@example.si", 0)
	if err != nil || len(got) != 6 {
		t.Fatalf("ItemsForEmail = %d items, %v; want 6", len(got), err)
	}
	if got[0].RunID != runs[2] || got[0].Target != "entrance" || got[1].Target != "exit" || got[5].RunID != runs[0] {
		t.Errorf("order: %v/%s %v/%s … %v", got[0].RunID, got[0].Target, got[1].RunID, got[1].Target, got[5].RunID)
	}
	for _, it := range got {
		if it.Email != "member1@example.si" {
			t.Errorf("item of %s in member1's history", it.Email)
		}
	}
	if got, _ := s.ItemsForEmail(ctx, "member1@example.si", 2); len(got) != 2 || got[0].RunID != runs[2] {
		t.Errorf("limit 2 gave %d items", len(got))
	}
	if got, _ := s.ItemsForEmail(ctx, "nobody@example.si", 0); len(got) != 0 {
		t.Errorf("unknown e-mail has %d items", len(got))
	}
}

func TestAddManyItems(t *testing.T) {
	// The benchmark measures 50k; here 2000 rows prove the batch is complete
	// and ordered without slowing the race-enabled suite.
	ctx := context.Background()
	s, _, _ := newStore(t)
	run := startRun(t, s, "auto")
	items := make([]ItemRecord, 2000)
	loc := ljubljana(t)
	for i := range items {
		items[i] = sampleItemIn(loc, i)
	}
	if err := s.AddItems(ctx, run, items); err != nil {
		t.Fatal(err)
	}
	got, err := s.Items(ctx, run)
	if err != nil || len(got) != len(items) {
		t.Fatalf("Items = %d, %v", len(got), err)
	}
	if got[1999].ItemID != "item-01999" || got[0].Account != "1000" {
		t.Errorf("first %s, last %s", got[0].ItemID, got[1999].ItemID)
	}
}

func TestItemFromPlan(t *testing.T) {
	loc := ljubljana(t)
	it := plan.Item{ID: "abc", Kind: plan.Reactivate, Email: "ziga.ceh@example.si", Name: "Žiga Čeh", MemberID: "150002",
		Target: "entrance", System: "hikvision", Account: "1042", SourceEnd: member.NewDate(2025, 12, 1),
		CurrentEnd: plan.LocalTime{Time: member.NewDate(2025, 10, 1).EndOfDay(loc)},
		DesiredEnd: plan.LocalTime{Time: member.NewDate(2025, 12, 1).EndOfDay(loc)},
		Reason:     "renewed; drift", Drift: true, Auto: true}
	got := ItemFromPlan(7, it, StatusPlanned)
	want := ItemRecord{RunID: 7, ItemID: "abc", Kind: plan.Reactivate, Email: "ziga.ceh@example.si", MemberID: "150002",
		Name: "Žiga Čeh", Target: "entrance", System: "hikvision", Account: "1042", SourceEnd: member.NewDate(2025, 12, 1),
		Before: it.CurrentEnd.Time, Desired: it.DesiredEnd.Time, Status: StatusPlanned, Reason: "renewed; drift", Drift: true}
	if !itemEqual(got, want) {
		t.Errorf("ItemFromPlan:\n got %+v\nwant %+v", got, want)
	}
}

// HeldSince: items the unattended runs held, with the latest such run's
// start; an operator's run and items that were not held do not count.
func TestHeldSince(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newStore(t)
	add := func(mode string, status ItemStatus, ids ...string) {
		t.Helper()
		run := startRun(t, s, mode)
		var recs []ItemRecord
		for i, id := range ids {
			r := sampleItem(t, i)
			r.ItemID, r.Status = id, status
			recs = append(recs, r)
		}
		if err := s.AddItems(ctx, run, recs); err != nil {
			t.Fatal(err)
		}
	}
	start := clk.Now()
	add("auto", StatusHeld, "a", "b")
	clk.Advance(time.Hour)
	add("console", StatusHeld, "c")
	add("auto", StatusApplied, "d")
	clk.Advance(time.Hour)
	second := clk.Now()
	add("watch", StatusHeld, "a")

	got, err := s.HeldSince(ctx, start, "auto", "watch")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{"a": second.UTC(), "b": start.UTC()}
	if len(got) != len(want) || !got["a"].Equal(want["a"]) || !got["b"].Equal(want["b"]) {
		t.Errorf("HeldSince = %v, want %v", got, want)
	}
	if got, err := s.HeldSince(ctx, start.Add(90*time.Minute), "auto", "watch"); err != nil || len(got) != 1 || !got["a"].Equal(second) {
		t.Errorf("HeldSince later = %v, %v; want only a", got, err)
	}
	if got, err := s.HeldSince(ctx, start); err != nil || len(got) != 0 {
		t.Errorf("HeldSince without modes = %v, %v", got, err)
	}
}

// FailedSince: the items whose newest record is failed or skipped, in runs
// started since the given time; an item acted on again later (applied,
// failed anew, held) is represented by that later record only.
func TestFailedSince(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newStore(t)
	add := func(recs ...ItemRecord) {
		t.Helper()
		if err := s.AddItems(ctx, startRun(t, s, "auto"), recs); err != nil {
			t.Fatal(err)
		}
	}
	item := func(i int, status ItemStatus) ItemRecord {
		r := sampleItem(t, i)
		r.Status = status
		return r
	}
	add(item(0, StatusFailed)) // before the window
	clk.Advance(time.Hour)
	since := clk.Now()
	add(item(1, StatusFailed), item(2, StatusFailed), item(3, StatusSkipped), item(4, StatusApplied), item(5, StatusHeld))
	clk.Advance(time.Hour)
	add(item(2, StatusApplied), item(5, StatusFailed)) // 2 worked later; 5 failed later
	other := item(1, StatusFailed)
	other.Target, other.ItemID = "gym", "item-gym-1" // the same member on another terminal
	add(other)

	got, err := s.FailedSince(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.Target+"/"+r.Account+"/"+string(r.Status))
	}
	want := "entrance/1001/failed entrance/1003/skipped entrance/1005/failed gym/1001/failed"
	if strings.Join(ids, " ") != want {
		t.Errorf("FailedSince = %v, want %s", ids, want)
	}
	if got, err := s.FailedSince(ctx, clk.Now().Add(time.Minute)); err != nil || len(got) != 0 {
		t.Errorf("FailedSince after the last run = %d items, %v", len(got), err)
	}

	// An item that keeps failing is tried MaxRetryPasses times, then left
	// to the next full run.
	later := clk.Now().Add(time.Minute)
	clk.Advance(2 * time.Minute)
	for pass := 1; pass <= MaxRetryPasses; pass++ {
		add(item(7, StatusFailed))
		got, err := s.FailedSince(ctx, later)
		if err != nil {
			t.Fatal(err)
		}
		if want := pass < MaxRetryPasses; (len(got) == 1) != want {
			t.Errorf("after %d failures: %d items retried, want retried: %v", pass, len(got), want)
		}
		clk.Advance(time.Minute)
	}
}

// A member's history follows the member id: after Katja (150009) took
// Maja's (150002) address, Maja's items under it stay out of Katja's
// history, which keeps Katja's items under her old address and records of
// the address made with no member id.
func TestItemsForMembers(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	const shared, old = member.Email("maja@example.si"), member.Email("katja@example.si")
	item := func(id, memberID string, email member.Email) ItemRecord {
		it := sampleItem(t, 1)
		it.ItemID, it.MemberID, it.Email = id, memberID, email
		return it
	}
	r1 := startRun(t, s, "auto")
	if err := s.AddItems(ctx, r1, []ItemRecord{item("maja-1", "150002", shared), item("katja-1", "150009", old),
		item("unpinned", "", shared), item("other", "", old)}); err != nil {
		t.Fatal(err)
	}
	r2 := startRun(t, s, "auto")
	if err := s.AddItems(ctx, r2, []ItemRecord{item("katja-2", "150009", shared)}); err != nil {
		t.Fatal(err)
	}
	ids := func(recs []ItemRecord) string {
		var out []string
		for _, r := range recs {
			out = append(out, r.ItemID)
		}
		return strings.Join(out, " ")
	}
	got, err := s.ItemsForMembers(ctx, []string{"150009"}, shared, 0)
	if err != nil || ids(got) != "katja-2 katja-1 unpinned" {
		t.Fatalf("Katja's history = %q, %v; want katja-2 katja-1 unpinned", ids(got), err)
	}
	if got, _ := s.ItemsForMembers(ctx, []string{"150009", "150002", "150009"}, "", 0); ids(got) != "katja-2 maja-1 katja-1" {
		t.Errorf("both members, no e-mail = %q", ids(got))
	}
	if got, _ := s.ItemsForMembers(ctx, []string{"150009"}, shared, 1); ids(got) != "katja-2" {
		t.Errorf("limit 1 = %q", ids(got))
	}
	if got, _ := s.ItemsForMembers(ctx, nil, shared, 0); ids(got) != "katja-2 maja-1 unpinned" {
		t.Errorf("no member: every item of the e-mail, got %q", ids(got))
	}
}

func TestLatestItems(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	rec := func(id string, st ItemStatus) ItemRecord {
		r := sampleItem(t, 1)
		r.ItemID, r.Status = id, st
		return r
	}
	runs := make([]int64, 3)
	for i, items := range [][]ItemRecord{
		{rec("a", StatusHeld), rec("b", StatusFailed)},
		{rec("b", StatusApplied)},
		{rec("a", StatusFailed), rec("c", StatusReported)},
	} {
		runs[i] = startRun(t, s, "watch")
		if err := s.AddItems(ctx, runs[i], items); err != nil {
			t.Fatal(err)
		}
	}
	statuses := func(from, to int64) map[string]ItemStatus {
		t.Helper()
		got, err := s.LatestItems(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]ItemStatus{}
		for _, r := range got {
			out[r.ItemID] = r.Status
		}
		return out
	}
	if got := statuses(runs[0], runs[1]); fmt.Sprint(got) != "map[a:held b:applied]" {
		t.Errorf("runs 1–2: %v", got)
	}
	if got := statuses(runs[1], 0); fmt.Sprint(got) != "map[a:failed b:applied c:reported]" {
		t.Errorf("runs 2–: %v", got)
	}
}
