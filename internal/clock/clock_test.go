package clock

import (
	"testing"
	"time"
)

// A Running clock reads its start at once, keeps the start's location and
// moves on with elapsed time, never backwards.
func TestRunning(t *testing.T) {
	start := time.Date(2026, 12, 31, 23, 59, 0, 0, time.FixedZone("CET", 3600))
	c := NewRunning(start)
	first := c.Now()
	if first.Before(start) || first.Sub(start) > time.Minute {
		t.Fatalf("first reading %v, want just after %v", first, start)
	}
	if first.Location() != start.Location() {
		t.Errorf("location %v, want %v", first.Location(), start.Location())
	}
	time.Sleep(5 * time.Millisecond)
	if second := c.Now(); second.Sub(first) < 5*time.Millisecond {
		t.Errorf("after 5 ms the clock moved %v", second.Sub(first))
	}
}
