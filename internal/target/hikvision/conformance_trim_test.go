package hikvision_test

import (
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	emu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	"github.com/doorsync/doorsync/internal/target/targettest"
)

// The suite against the DS-K1T8003MF profile: pages trimmed to 20 persons
// although maxResults allows 30. The terminal's clock stands still outside
// its busy bursts (the bursts are the engine's business: the engine tests
// run a whole sync against them).
func TestConformanceTrimmedPages(t *testing.T) {
	p, err := emu.LookupProfile("k1t8003mf")
	if err != nil {
		t.Fatal(err)
	}
	quiet := time.Date(2026, 2, 28, 10, 0, 3, 0, time.UTC) // 3 s into a 5 s cycle: after the 2 s burst
	targettest.Run(t, func(t *testing.T) targettest.Fixture {
		b := newBench(t, p.Apply(emu.Config{Clock: clock.NewManual(quiet)}))
		f := b.fixture(t)
		// The client learns the trimmed size from the first trimmed
		// page (the suite's first calls read pages) and batches lookups
		// to it.
		f.PageSize, f.BatchSize = p.Quirks.TrimPage, p.Quirks.TrimPage
		return f
	})
}
