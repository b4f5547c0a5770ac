package hikvision_test

import (
	"context"
	"testing"
	"time"

	emu "github.com/doorsync/doorsync/internal/emulator/hikvision"
)

// BenchmarkInventory3000 lists a terminal of 3,000 persons that takes 20 ms
// per request, in steady state: the target is reused across operations, so
// the Digest challenge, the capabilities and the serial number are already
// known (a fresh target adds three round trips: challenge, deviceInfo,
// capabilities). One op is one full Inventory.
//
// Metrics: search-requests/op must be ⌈3000/30⌉ = 100 (the bench fails
// otherwise); requests/op counts everything sent; wall/(requests×latency)
// is the client's overhead over pure terminal latency (target ≤ 1.15).
func BenchmarkInventory3000(b *testing.B) {
	const (
		persons = 3000
		latency = 20 * time.Millisecond
	)
	bench := newBench(b, emu.Config{MaxRecords: 5000})
	bench.seed(persons)
	bench.faults.SetLatency(latency)
	ctx := context.Background()
	if accts, err := bench.target.Inventory(ctx, nil); err != nil || len(accts) != persons {
		b.Fatalf("warm-up: %d accounts, %v", len(accts), err)
	}
	bench.log.Reset()
	b.ResetTimer()
	start := time.Now() // wall clock: measuring the run's wall time
	for b.Loop() {
		accts, err := bench.target.Inventory(ctx, nil)
		if err != nil || len(accts) != persons {
			b.Fatalf("%d accounts, %v", len(accts), err)
		}
	}
	wall := time.Since(start) // wall clock: measuring
	b.StopTimer()
	searches, all := bench.searches(false), bench.log.Count(nil)
	perOp := float64(searches) / float64(b.N)
	if perOp != 100 {
		b.Fatalf("%.2f search requests per inventory, want exactly 100", perOp)
	}
	b.ReportMetric(perOp, "search-requests/op")
	b.ReportMetric(float64(all)/float64(b.N), "requests/op")
	b.ReportMetric(float64(wall)/(float64(all)*float64(latency)), "wall/(requests×latency)")
}
