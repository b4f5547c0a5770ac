package neyross_test

import (
	"testing"

	emu "github.com/doorsync/doorsync/internal/emulator/neyross"
	"github.com/doorsync/doorsync/internal/target/neyross"
	"github.com/doorsync/doorsync/internal/target/targettest"
)

// small pages and batches, so the suite's few persons span several of each.
func smallPages(c *neyross.Config) { c.PageLimit, c.Batch = 4, 2 }

func TestConformance(t *testing.T) {
	targettest.Run(t, func(t *testing.T) targettest.Fixture {
		return newBench(t, emu.Config{}, smallPages).fixture(t, 4)
	})
}

// The same suite against the platform variant that wants GET for the
// single-person read: nothing may change for the engine.
func TestConformanceGETPlatform(t *testing.T) {
	targettest.Run(t, func(t *testing.T) targettest.Fixture {
		b := newBench(t, emu.Config{}, smallPages)
		b.srv.RequireGET(true)
		return b.fixture(t, 4)
	})
}

// And against a platform that silently serves 3 persons a page whatever
// limit is asked (the seed documents no cap; a client that took a short page
// for the end would lose persons).
func TestConformanceCappedPages(t *testing.T) {
	targettest.Run(t, func(t *testing.T) targettest.Fixture {
		return newBench(t, emu.Config{PageCap: 3}, smallPages).fixture(t, 3)
	})
}
