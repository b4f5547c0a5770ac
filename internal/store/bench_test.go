package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/doorsync/doorsync/internal/member"
)

// BenchmarkAddItems50k stores the items of a very large run (50 000 plan
// items) in one AddItems call: one transaction, one prepared statement.
func BenchmarkAddItems50k(b *testing.B) {
	ctx := context.Background()
	s, _, _ := newStore(b)
	items := make([]ItemRecord, 50_000)
	loc := ljubljana(b)
	for i := range items {
		items[i] = sampleItemIn(loc, i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		run := startRun(b, s, "auto")
		b.StartTimer()
		if err := s.AddItems(ctx, run, items); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/50_000, "ns/item")
}

// BenchmarkMembersSnapshot50k saves and loads the source snapshot of a
// 50 000-member club (fast console start reads it).
func BenchmarkMembersSnapshot50k(b *testing.B) {
	ctx := context.Background()
	s, _, _ := newStore(b)
	ms := make([]member.Member, 50_000)
	for i := range ms {
		ms[i] = member.Member{ID: fmt.Sprint(150000 + i), Email: member.Email(fmt.Sprintf("member%d@example.si", i)),
			FirstName: "Žiga", LastName: "Čeh", Roles: []member.Role{{OrganisationID: 1, RoleID: 10,
				Start: member.NewDate(2025, 1, 1), End: member.NewDate(2025, 12, 31)}}}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.SaveMembers(ctx, ms, t0()); err != nil {
			b.Fatal(err)
		}
		got, _, err := s.Members(ctx)
		if err != nil || len(got) != len(ms) {
			b.Fatalf("%d members, %v", len(got), err)
		}
	}
}

// BenchmarkCheckLock is what a run pays to know it still holds the lock:
// one read of the one-row lock table (before each chunk and each write).
func BenchmarkCheckLock(b *testing.B) {
	ctx := context.Background()
	s, _, _ := newStore(b)
	if _, err := s.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.CheckLock(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenJournal opens journal entries with and without the run lock
// held: the difference is the lock check inside the entry's transaction.
func BenchmarkOpenJournal(b *testing.B) {
	for _, locked := range []bool{false, true} {
		b.Run(fmt.Sprint("locked=", locked), func(b *testing.B) {
			ctx := context.Background()
			s, _, _ := newStore(b)
			if locked {
				if _, err := s.AcquireRunLock(ctx, LockHolder{Mode: "auto"}, 0); err != nil {
					b.Fatal(err)
				}
			}
			run := startRun(b, s, "auto")
			i := 0
			for b.Loop() {
				i++
				if _, err := s.OpenJournal(ctx, JournalEntry{RunID: run, ItemID: fmt.Sprint(i), Target: "entrance",
					Account: fmt.Sprint(i), Want: t0()}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
