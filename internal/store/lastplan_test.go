package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

// zonesFor loads zones as time.LoadLocation would, but hands back loc
// itself for its name, so that plans read back compare with reflect.
func zonesFor(loc *time.Location) func(string) (*time.Location, error) {
	return func(name string) (*time.Location, error) {
		if name == loc.String() {
			return loc, nil
		}
		return time.LoadLocation(name)
	}
}

// samplePlan has an item of every kind and every field set somewhere:
// zero and sub-second ends, clamped, drift, permanent, auto, the same member
// on two targets, an account named as the member and one named otherwise.
func samplePlan(t testing.TB) plan.Plan {
	loc := ljubljana(t)
	end := func(y int, m time.Month, d int) plan.LocalTime {
		return plan.LocalTime{Time: member.NewDate(y, m, d).EndOfDay(loc)}
	}
	items := []plan.Item{
		{Kind: plan.Unlinked, Target: "entrance", System: "hikvision", Account: "9001", AccountName: "Trener Marko",
			Permanent: true, Reason: "account with no member (staff, trainer or unknown); never touched"},
		{Kind: plan.NoEmail, Name: "Анна Иванова", MemberID: "150099", Reason: "no e-mail in Cardskipper"},
		{Kind: plan.Ambiguous, Email: "ana.novak@example.si", Name: "Ana Novak", MemberID: "150001", Target: "entrance",
			System: "hikvision", SourceEnd: member.NewDate(2025, 12, 31),
			Reason: "e-mail matches several accounts: 1001 (terminal), 1002 (terminal); confirm one link"},
		{Kind: plan.Invalid, Email: "bojan.kos@example.si", Name: "Bojan Kos", MemberID: "150003", Target: "entrance",
			System: "hikvision", Account: "1003", AccountName: "BOJAN KOS", CurrentEnd: end(2025, 10, 31),
			Reason: "role 3: ends 2025-01-01 before it starts 2025-02-01", LinkOrigin: "terminal"},
		{Kind: plan.Missing, Email: "mojca.zupan@example.si", Name: "Mojca Županič", MemberID: "150004", Target: "garage",
			System: "hikvision", SourceEnd: member.NewDate(2026, 3, 31), DesiredEnd: end(2026, 3, 31),
			Reason: "valid member with no account on this target (accounts are never created)"},
		{Kind: plan.Reactivate, Email: "neza.sustar@example.si", Name: "Neža Šuštar", MemberID: "150005", Target: "entrance",
			System: "hikvision", Account: "1005", AccountName: "Neža Šuštar", SourceEnd: member.NewDate(2026, 1, 31),
			CurrentEnd: end(2025, 9, 30), DesiredEnd: end(2026, 1, 31), Auto: true,
			Reason: "renewed in Cardskipper; account expired 2025-09-30", LinkOrigin: "confirmed"},
		{Kind: plan.Revoke, Email: "peter.horvat@example.si", Name: "Peter Horvat", MemberID: "150006", Target: "entrance",
			System: "hikvision", Account: "1006", AccountName: "Peter Horvat", CurrentEnd: end(2026, 6, 30),
			DesiredEnd: end(2025, 10, 31), Reason: "identity: name differs: Peter Horvat ≠ Ana Kos; member is inactive in Cardskipper",
			LinkOrigin: "terminal", Identity: "name differs: Peter Horvat ≠ Ana Kos", EmailWas: "peter@example.si", WasMember: "150099"},
		{Kind: plan.Shorten, Email: "urska.kralj@example.si", Name: "Urška Kralj", MemberID: "150007", Target: "entrance",
			System: "hikvision", Account: "1007", AccountName: "Urška Kralj", SourceEnd: member.NewDate(2025, 12, 31),
			CurrentEnd: end(2037, 12, 31), DesiredEnd: end(2025, 12, 31), Clamped: true,
			Reason:     "Cardskipper ends 2025-12-31, earlier than the account; clamped to the target's range (2037-12-31T23:59:59)",
			LinkOrigin: "import"},
		{Kind: plan.Extend, Email: "ziga.ceh@example.si", Name: "Žiga Čeh", MemberID: "150002", Target: "entrance",
			System: "hikvision", Account: "1042", AccountName: "Žiga Čeh", SourceEnd: member.NewDate(2026, 11, 1),
			CurrentEnd: end(2025, 11, 1), DesiredEnd: end(2026, 11, 1), Auto: true, Drift: true,
			Reason:     "renewed in Cardskipper; drift: the sync set 2026-11-01T23:59:59, the target now holds 2025-11-01T23:59:59",
			LinkOrigin: "import"},
		{Kind: plan.InSync, Email: "ziga.ceh@example.si", Name: "Žiga Čeh", MemberID: "150002", Target: "garage",
			System: "ntk", Account: "0012345678", AccountName: "ZIGA CEH", SourceEnd: member.NewDate(2026, 11, 1),
			CurrentEnd: plan.LocalTime{Time: time.Date(2026, 11, 1, 23, 59, 59, 500_000_000, loc)},
			DesiredEnd: plan.LocalTime{Time: time.Date(2026, 11, 1, 23, 59, 59, 500_000_000, loc)},
			Reason:     "same end on both sides", LinkOrigin: "terminal"},
		{Kind: plan.InSync, Email: "zoran.vidmar@example.si", Name: "Zoran Vidmar", MemberID: "150008", Target: "entrance",
			System: "hikvision", Account: "1008", AccountName: "Zoran Vidmar", Permanent: true,
			DesiredEnd: end(2026, 2, 28), Reason: "same end on both sides", LinkOrigin: "terminal"},
		// The NTK access list writes cards, not end dates.
		{Kind: plan.Revoke, Email: "zoran.vidmar@example.si", Name: "Zoran Vidmar", MemberID: "150008", Target: "parking",
			System: "ntk", Account: "0099887766", SourceEnd: member.NewDate(2025, 10, 31), Auto: true,
			Reason: "membership ended 2025-10-31"},
	}
	summary := map[plan.Kind]int{}
	for _, k := range plan.Kinds() {
		summary[k] = 0
	}
	for i := range items {
		items[i].ID = plan.ItemID(items[i])
		summary[items[i].Kind]++
	}
	return plan.WithZone(plan.Plan{
		Version: plan.FormatVersion, CreatedAt: t0(), Today: member.NewDate(2025, 11, 1), Timezone: loc.String(),
		Source:  plan.Source{System: "cardskipper", Members: 10},
		Summary: summary,
		Guard:   plan.Guard{Tripped: true, Reason: "2 members to shorten or revoke exceed the limit of 1", Revocations: 2, Linked: 8},
		Targets: []plan.TargetSummary{{Name: "entrance", System: "hikvision", Accounts: 8}, {Name: "garage", System: "ntk", Accounts: 1},
			{Name: "parking", System: "ntk", Accounts: 1},
			{Name: "pool", System: "neyross", Error: "terminal pool: connect: connection refused"}},
		Items: items,
	}, loc)
}

func TestLastPlanRoundTrip(t *testing.T) {
	loc := ljubljana(t)
	full := samplePlan(t)
	failed := samplePlan(t)
	failed.Source = plan.Source{System: "cardskipper", Error: "cardskipper: export: HTTP 503"}
	failed.Items = []plan.Item{}
	failed.Guard = plan.Guard{Tripped: true, Reason: "the Cardskipper export failed: nothing is applied"}
	for k := range failed.Summary {
		failed.Summary[k] = 0
	}
	empty := samplePlan(t)
	empty.Items, empty.Targets, empty.Guard = []plan.Item{}, []plan.TargetSummary{}, plan.Guard{}
	empty.CreatedAt = time.Date(2025, 11, 1, 10, 2, 13, 123456789, loc) // a clock's time, fraction and all
	bare := plan.WithZone(plan.Plan{Version: plan.FormatVersion, Timezone: "UTC"}, time.UTC)

	for _, tc := range []struct {
		name string
		p    plan.Plan
	}{{"every kind and field", full}, {"source failed", failed}, {"empty", empty}, {"nothing set", bare}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s, _, _ := newStore(t)
			taken := time.Date(2025, 11, 1, 10, 1, 0, 0, loc)
			if err := s.SaveLastPlan(ctx, tc.p, taken); err != nil {
				t.Fatal(err)
			}
			got, at, err := s.LastPlan(ctx, zonesFor(tc.p.Zone()))
			if err != nil {
				t.Fatal(err)
			}
			if !at.Equal(taken) {
				t.Errorf("taken at %v, want %v", at, taken)
			}
			if got.Zone() != tc.p.Zone() {
				t.Errorf("zone %v, want %v", got.Zone(), tc.p.Zone())
			}
			// created_at keeps its instant and offset (as in a plan file),
			// not the Location value.
			if !got.CreatedAt.Equal(tc.p.CreatedAt) || got.CreatedAt.Format(time.RFC3339Nano) != tc.p.CreatedAt.Format(time.RFC3339Nano) {
				t.Errorf("created at %v, want %v", got.CreatedAt, tc.p.CreatedAt)
			}
			want := tc.p
			want.CreatedAt = got.CreatedAt
			if !reflect.DeepEqual(got, want) {
				t.Errorf("plan:\n got %+v\nwant %+v", got, want)
			}
			for i, it := range got.Items {
				for _, e := range []plan.LocalTime{it.CurrentEnd, it.DesiredEnd} {
					if !e.IsZero() && e.Location() != tc.p.Zone() {
						t.Errorf("item %d: end %v in %v, want the plan's zone", i+1, e, e.Location())
					}
				}
			}
		})
	}
}

// Ends come back as the terminal's local wall clock in the zone loaded by
// name, whatever zone the saving process had them in.
func TestLastPlanEndsInLoadedZone(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	p := samplePlan(t)
	if err := s.SaveLastPlan(ctx, p, t0()); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.LastPlan(ctx, time.LoadLocation)
	if err != nil {
		t.Fatal(err)
	}
	if got.Zone().String() != "Europe/Ljubljana" {
		t.Fatalf("zone %v", got.Zone())
	}
	ext := got.Items[8] // extend, 2026-11-01 end of day
	if ext.Kind != plan.Extend || ext.DesiredEnd.Format("2006-01-02T15:04:05 -0700") != "2026-11-01T23:59:59 +0100" {
		t.Errorf("extend item %+v: desired end %v", ext.Kind, ext.DesiredEnd)
	}
	if d := ext.DaysDiff(got.Zone()); d != 365 {
		t.Errorf("days diff %d, want 365", d)
	}
}

func TestLastPlanReplaced(t *testing.T) {
	ctx := context.Background()
	s, _, path := newStore(t)
	zones := zonesFor(ljubljana(t))
	if _, _, err := s.LastPlan(ctx, zones); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("LastPlan before any save = %v, want ErrNoSnapshot", err)
	}
	first := samplePlan(t)
	if err := s.SaveLastPlan(ctx, first, t0()); err != nil {
		t.Fatal(err)
	}
	second := samplePlan(t)
	second.Items = second.Items[:2]
	second.CreatedAt = t0().Add(time.Hour)
	if err := s.SaveLastPlan(ctx, second, t0().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, at, err := s.LastPlan(ctx, zones)
	if err != nil {
		t.Fatal(err)
	}
	if !at.Equal(t0().Add(time.Hour)) || !reflect.DeepEqual(got, second) {
		t.Errorf("after a second save: %d items taken at %v, want the second plan (%d items)", len(got.Items), at, len(second.Items))
	}
	var rows int
	if err := rawDB(t, path).QueryRow(`SELECT count(*) FROM snapshots WHERE side = ?`, lastPlanSide).Scan(&rows); err != nil || rows != 1 {
		t.Errorf("%d last-plan rows (%v), want 1", rows, err)
	}
	// The members' and targets' snapshots are other rows: untouched.
	if _, _, err := s.Members(ctx); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("Members after saving a plan = %v, want ErrNoSnapshot", err)
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("database mode %o after saving a plan, want 600", m)
	}
}

// A damaged row is an error saying so, never part of a plan; a row in a
// form this doorsync does not read is "no last plan" (plan again).
func TestLastPlanDamagedRow(t *testing.T) {
	ctx := context.Background()
	zones := zonesFor(ljubljana(t))
	for _, tc := range []struct {
		name, update string
		want         string
		noSnapshot   bool
	}{
		{"truncated", `UPDATE snapshots SET data = substr(data, 1, length(data) - 9) WHERE side = 'plan'`, "damaged plan: parts larger than the data", false},
		{"checksum", "", "items 1–12: damaged snapshot", false}, // the last part's trailer zeroed
		{"not a plan", `UPDATE snapshots SET data = x'7001' WHERE side = 'plan'`, "damaged plan", false},
		{"count differs", `UPDATE snapshots SET count = count + 1 WHERE side = 'plan'`, "damaged plan: 12 items, the row says 13", false},
		{"bad time", `UPDATE snapshots SET taken_at = 'yesterday' WHERE side = 'plan'`, "taken_at", false},
		{"unknown format", `UPDATE snapshots SET format = 99 WHERE side = 'plan'`, "format 99", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, path := newStore(t)
			if err := s.SaveLastPlan(ctx, samplePlan(t), t0()); err != nil {
				t.Fatal(err)
			}
			db := rawDB(t, path)
			if tc.update == "" {
				var data []byte
				if err := db.QueryRow(`SELECT data FROM snapshots WHERE side = 'plan'`).Scan(&data); err != nil {
					t.Fatal(err)
				}
				copy(data[len(data)-4:], make([]byte, 4))
				mustExec(t, db, `UPDATE snapshots SET data = ? WHERE side = 'plan'`, data)
			} else {
				mustExec(t, db, tc.update)
			}
			got, at, err := s.LastPlan(ctx, zones)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "last plan") {
				t.Fatalf("LastPlan = %v, want an error about the last plan containing %q", err, tc.want)
			}
			if errors.Is(err, ErrNoSnapshot) != tc.noSnapshot {
				t.Errorf("errors.Is(%v, ErrNoSnapshot) = %v, want %v", err, !tc.noSnapshot, tc.noSnapshot)
			}
			if !reflect.DeepEqual(got, plan.Plan{}) || !at.IsZero() {
				t.Errorf("an error came with a plan of %d items taken at %v", len(got.Items), at)
			}
		})
	}

	t.Run("zone not loadable", func(t *testing.T) {
		s, _, _ := newStore(t)
		if err := s.SaveLastPlan(ctx, samplePlan(t), t0()); err != nil {
			t.Fatal(err)
		}
		_, _, err := s.LastPlan(ctx, func(name string) (*time.Location, error) {
			return nil, fmt.Errorf("unknown time zone %s", name)
		})
		if err == nil || !strings.Contains(err.Error(), `plan time zone "Europe/Ljubljana"`) || errors.Is(err, ErrNoSnapshot) {
			t.Errorf("LastPlan with no zone data = %v", err)
		}
		_, _, err = s.LastPlan(ctx, func(string) (*time.Location, error) { return nil, nil })
		if err == nil || !strings.Contains(err.Error(), "no location") {
			t.Errorf("LastPlan with a nil zone = %v", err)
		}
	})
}

// A plan the reader would refuse is refused when saved, naming the item,
// and the last plan saved before stays.
func TestSaveLastPlanRefuses(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(p *plan.Plan)
		want   string
	}{
		{"unknown kind", func(p *plan.Plan) { p.Items[3].Kind = "expire" }, `item 4 (bojan.kos@example.si, entrance account 1003): unknown kind "expire"`},
		{"no id", func(p *plan.Plan) { p.Items[1].ID = "" }, "item 2 (member 150099): no id"},
		{"repeated id", func(p *plan.Plan) { p.Items[9].ID = p.Items[8].ID }, "item 10 (ziga.ceh@example.si, garage account 0012345678): id " + samplePlan(t).Items[8].ID + " repeated"},
		{"end beyond 9999", func(p *plan.Plan) {
			p.Items[3].CurrentEnd = plan.LocalTime{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
		}, "item 4 (bojan.kos@example.si, entrance account 1003): current end: "},
		{"summary kind", func(p *plan.Plan) { p.Summary["expire"] = 1 }, `summary: unknown kind "expire"`},
		{"created at", func(p *plan.Plan) { p.CreatedAt = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) }, "created at: year -1"},
		{"no time taken", nil, "time taken is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := newStore(t)
			before := samplePlan(t)
			before.Items = before.Items[:1]
			if err := s.SaveLastPlan(ctx, before, t0()); err != nil {
				t.Fatal(err)
			}
			p, taken := samplePlan(t), t0()
			if tc.change != nil {
				tc.change(&p)
			} else {
				taken = time.Time{}
			}
			err := s.SaveLastPlan(ctx, p, taken)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "store: save last plan of 12 items") {
				t.Fatalf("SaveLastPlan = %v, want an error containing %q", err, tc.want)
			}
			got, _, err := s.LastPlan(ctx, zonesFor(ljubljana(t)))
			if err != nil || !reflect.DeepEqual(got, before) {
				t.Errorf("after a refused save: %d items, %v; want the plan saved before", len(got.Items), err)
			}
		})
	}
}

// The console opens the database read-only: it reads the last plan but
// cannot save one.
func TestLastPlanReadOnly(t *testing.T) {
	ctx := context.Background()
	s, clk, path := newStore(t)
	p := samplePlan(t)
	if err := s.SaveLastPlan(ctx, p, t0()); err != nil {
		t.Fatal(err)
	}
	ro, err := OpenReadOnly(ctx, path, clk)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	got, _, err := ro.LastPlan(ctx, zonesFor(p.Zone()))
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Errorf("read-only LastPlan: %d items, %v", len(got.Items), err)
	}
	if err := ro.SaveLastPlan(ctx, p, t0()); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only SaveLastPlan = %v, want ErrReadOnly", err)
	}
}
