package neyross_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	emu "github.com/doorsync/doorsync/internal/emulator/neyross"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/neyross"
)

const (
	benchPersons = 20000
	benchLimit   = 1000
	benchBatch   = 100
	benchLatency = 5 * time.Millisecond
)

func newBigBench(b *testing.B) (*bench, []string) {
	bench := newBench(b, emu.Config{}, func(c *neyross.Config) { c.PageLimit, c.Batch = benchLimit, benchBatch })
	seeded := bench.seed(benchPersons)
	ids := make([]string, len(seeded))
	for i, s := range seeded {
		ids[i] = s.ID
	}
	bench.faults.SetLatency(benchLatency)
	return bench, ids
}

// BenchmarkInventory20000 lists a platform of 20,000 EIS persons with pages
// of 1000, each request taking 5 ms. One op is one full Inventory.
//
// Metrics: requests/op must be exactly ⌈20000/1000⌉ + 1 = 21 (count + 20
// pages; the bench fails otherwise), counted from the emulator's log;
// wall/(requests×latency) is the overhead over pure platform latency
// (encoding on the emulator's side included).
func BenchmarkInventory20000(b *testing.B) {
	bench, _ := newBigBench(b)
	ctx := context.Background()
	if accts, err := bench.target.Inventory(ctx, nil); err != nil || len(accts) != benchPersons {
		b.Fatalf("warm-up: %d accounts, %v", len(accts), err)
	}
	bench.log.Reset()
	start := time.Now() // wall clock: measuring the run's wall time
	for b.Loop() {
		accts, err := bench.target.Inventory(ctx, nil)
		if err != nil || len(accts) != benchPersons {
			b.Fatalf("%d accounts, %v", len(accts), err)
		}
	}
	wall := time.Since(start) // wall clock: measuring
	b.StopTimer()
	all := bench.log.Count(nil)
	perOp := float64(all) / float64(b.N)
	if want := float64((benchPersons+benchLimit-1)/benchLimit + 1); perOp != want {
		b.Fatalf("%.2f requests per inventory, want exactly %.0f", perOp, want)
	}
	b.ReportMetric(perOp, "requests/op")
	b.ReportMetric(float64(bench.count(pathSearch))/float64(b.N), "pages/op")
	b.ReportMetric(float64(wall)/(float64(all)*float64(benchLatency)), "wall/(requests×latency)")
}

// BenchmarkWriteK writes k changes among 20,000 persons (pages of 1000,
// batches of 100) and reads them back, as the apply engine does after its
// own read. One op is Write + the read-back Lookup.
//
// Budget (the bench fails beyond it): ⌈k/100⌉ upserts, and at most
// min(k, ⌈N/1000⌉ + 1) reads before the write (inside Write) and as many
// after (the read-back).
func BenchmarkWriteK(b *testing.B) {
	for _, k := range []int{1, 5, 25, 250, 1000} {
		b.Run(fmt.Sprintf("k=%d", k), func(b *testing.B) {
			bench, ids := newBigBench(b)
			ctx := context.Background()
			want := ids[:k]
			read, err := bench.target.Lookup(ctx, want)
			if err != nil || len(read) != k {
				b.Fatalf("lookup: %d, %v", len(read), err)
			}
			budget := min(k, (benchPersons+benchLimit-1)/benchLimit+1)
			var upserts, before, after int
			round := 0
			for b.Loop() {
				round++
				ups := make([]target.Update, 0, k)
				for _, id := range want {
					a := read[id]
					ups = append(ups, target.Update{Account: a, End: a.End.AddDate(0, 0, 1+round%2)})
				}
				mark := len(bench.log.Entries())
				for i, err := range bench.target.Write(ctx, ups) {
					if err != nil {
						b.Fatalf("update %d: %v", i, err)
					}
				}
				entries := bench.log.Entries()[mark:]
				u := 0
				for _, r := range entries {
					if r.Path == pathMultiple {
						u++
					}
				}
				mark = len(bench.log.Entries())
				back, err := bench.target.Lookup(ctx, want)
				if err != nil || len(back) != k {
					b.Fatalf("read-back: %d, %v", len(back), err)
				}
				a := len(bench.log.Entries()) - mark
				if u != (k+benchBatch-1)/benchBatch || len(entries)-u > budget || a > budget {
					b.Fatalf("k=%d: %d upserts, %d reads before, %d after; budget ⌈k/%d⌉ upserts and %d reads", k, u, len(entries)-u, a, benchBatch, budget)
				}
				upserts, before, after = upserts+u, before+len(entries)-u, after+a
			}
			n := float64(b.N)
			b.ReportMetric(float64(upserts)/n, "upserts/op")
			b.ReportMetric(float64(before)/n, "reads-before/op")
			b.ReportMetric(float64(after)/n, "reads-after/op")
		})
	}
}
