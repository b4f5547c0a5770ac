package cardskipper

import (
	"testing"
	"time"
)

// ChangedAt is never read as later than the instant asked for: in the hour
// autumn's DST change repeats, Cardskipper (and the emulator, and Go's
// time.ParseInLocation) read a wall time as standard time, the later one.
func TestChangedAtTextAroundDST(t *testing.T) {
	zone := ljubljana(t)
	for _, tt := range []struct {
		name  string
		since time.Time // UTC
		want  string
	}{
		{"ordinary", time.Date(2026, 5, 12, 8, 30, 0, 0, time.UTC), "2026-05-12T10:30:00"},
		{"before the repeated hour", time.Date(2026, 10, 24, 23, 59, 59, 0, time.UTC), "2026-10-25T01:59:59"},
		{"first pass of the repeated hour", time.Date(2026, 10, 25, 0, 59, 58, 0, time.UTC), "2026-10-25T01:59:58"},
		{"second pass of the repeated hour", time.Date(2026, 10, 25, 1, 0, 5, 0, time.UTC), "2026-10-25T02:00:05"},
		{"after the change", time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC), "2026-10-25T03:00:00"},
		{"spring: the skipped hour is never a reading", time.Date(2026, 3, 29, 0, 59, 59, 0, time.UTC), "2026-03-29T01:59:59"},
		{"spring, after", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), "2026-03-29T03:00:00"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := changedAtText(tt.since, zone)
			if got != tt.want {
				t.Errorf("sent %s, want %s", got, tt.want)
			}
			read, err := time.ParseInLocation(changedAtLayout, got, zone)
			if err != nil || read.After(tt.since) {
				t.Errorf("%s reads as %v, after %v", got, read, tt.since)
			}
		})
	}
}
