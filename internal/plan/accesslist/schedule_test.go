package accesslist

import (
	"strings"
	"testing"
	"time"
)

func TestShouldUpload(t *testing.T) {
	zone := time.FixedZone("CET", 3600)
	now := time.Date(2025, 11, 1, 12, 0, 0, 0, zone)
	a := mustList(t, "44491AD2;55;1\n")
	aOtherID := mustList(t, "44491AD2;55;9\n") // same grants, another member id
	b := mustList(t, "44491AD2;55;1\n44491AD3;55;2\n")
	cases := []struct {
		name     string
		list     List
		last     List
		lastAt   time.Time
		interval time.Duration
		want     bool
		reason   string
	}{
		{"first upload", a, List{}, time.Time{}, time.Hour, true, "first upload: 1 line(s)"},
		{"empty list never", List{}, a, now.Add(-48 * time.Hour), time.Hour, false, "the new list is empty"},
		{"empty list not even first", List{}, List{}, time.Time{}, time.Hour, false, "empty"},
		{"unchanged", a, a, now.Add(-2 * time.Hour), time.Hour, false, "unchanged since the list accepted at 2025-11-01 10:00"},
		{"only the member-id column changed", aOtherID, a, now.Add(-2 * time.Hour), time.Hour, false, "unchanged"},
		{"unchanged for a day: daily upload", a, a, now.Add(-24 * time.Hour), time.Hour, true, "daily upload"},
		{"changed, interval not passed", b, a, now.Add(-59 * time.Minute), time.Hour, false, "next upload at 2025-11-01 12:01"},
		{"changed, interval passed", b, a, now.Add(-time.Hour), time.Hour, true, "changed since the list accepted at 2025-11-01 11:00 (2 line(s), then 1)"},
		{"changed, custom interval", b, a, now.Add(-10 * time.Minute), 5 * time.Minute, true, "changed"},
		{"non-positive interval is the default hour", b, a, now.Add(-30 * time.Minute), 0, false, "minimum interval is 1h0m0s"},
		{"changed, last upload in the future", b, a, now.Add(time.Hour), time.Hour, true, "clock was set back"},
		{"unchanged, last upload in the future", a, a, now.Add(time.Hour), time.Hour, false, "unchanged"},
		{"shrunk list is a change", a, b, now.Add(-2 * time.Hour), time.Hour, true, "changed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, reason := ShouldUpload(c.list, c.last, c.lastAt, now, c.interval)
			if got != c.want || !strings.Contains(reason, c.reason) {
				t.Fatalf("ShouldUpload = %v, %q; want %v, …%q…", got, reason, c.want, c.reason)
			}
		})
	}
}
