package hikvision

import (
	"strings"
	"testing"
	"time"
)

func TestParseLocalTime(t *testing.T) {
	zone := testZone(t)
	cases := []struct {
		in, timeType string
		want         string // RFC 3339 in the zone; "" = error
		errHas       string
	}{
		{in: "2025-10-01T23:59:59", want: "2025-10-01T23:59:59+02:00"},
		{in: "2025-11-01T23:59:59", want: "2025-11-01T23:59:59+01:00"},
		{in: " 2025-11-01 23:59:59 ", want: "2025-11-01T23:59:59+01:00"},
		{in: "2025-11-01T23:59:59.000", want: "2025-11-01T23:59:59+01:00"},
		// Firmware that echoes offsets: converted into the site zone.
		{in: "2025-11-01T22:59:59Z", want: "2025-11-01T23:59:59+01:00"},
		{in: "2025-11-01T23:59:59+01:00", want: "2025-11-01T23:59:59+01:00"},
		{in: "2025-11-02T07:59:59+09:00", want: "2025-11-01T23:59:59+01:00"},
		{in: "2025-11-01T23:59:59+0100", want: "2025-11-01T23:59:59+01:00"},
		// timeType UTC without an offset is UTC.
		{in: "2025-11-01T22:59:59", timeType: "UTC", want: "2025-11-01T23:59:59+01:00"},
		// DST: the last day of summer time and the day the clocks jump.
		{in: "2025-10-26T23:59:59", want: "2025-10-26T23:59:59+01:00"},
		{in: "2025-03-30T23:59:59", want: "2025-03-30T23:59:59+02:00"},
		{in: "2025-03-30T02:30:00", want: "2025-03-30T03:30:00+02:00"}, // in the gap: moved forward
		{in: "2037-12-31T23:59:59", want: "2037-12-31T23:59:59+01:00"},
		{in: "", errHas: "empty"},
		{in: "2025-02-30T00:00:00", errHas: "not a terminal time"},
		{in: "0000-00-00T00:00:00", errHas: "not a terminal time"},
		{in: "1899-01-01T00:00:00", errHas: "outside 1970"},
		{in: "2025-11-01", errHas: "not a terminal time"},
		{in: "01.11.2025 23:59", errHas: "not a terminal time"},
		{in: strings.Repeat("2", 100), errHas: "too long"},
	}
	for _, tc := range cases {
		got, err := parseTerminalTime(tc.in, tc.timeType, zone)
		if tc.want == "" {
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%q: want error with %q, got %v, %v", tc.in, tc.errHas, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if s := got.Format(time.RFC3339); s != tc.want || got.Location() != zone {
			t.Errorf("%q: got %s (%v), want %s", tc.in, s, got.Location(), tc.want)
		}
	}
}

func TestFormatLocalTime(t *testing.T) {
	zone := testZone(t)
	end := time.Date(2025, 11, 1, 23, 59, 59, 0, zone)
	if s := formatLocalTime(end, zone); s != "2025-11-01T23:59:59" {
		t.Errorf("got %s", s)
	}
	// An instant given in another zone is written as the site's wall time.
	if s := formatLocalTime(end.UTC(), zone); s != "2025-11-01T23:59:59" {
		t.Errorf("UTC instant: got %s", s)
	}
}

func FuzzParseLocalTime(f *testing.F) {
	for _, s := range []string{"2025-10-01T23:59:59", "2025-11-01T22:59:59Z", "2025-03-30T02:30:00",
		"2025-11-01T23:59:59+01:00", "9999-12-31T23:59:59", "", "T", "2025-13-01T00:00:00"} {
		f.Add(s, "local")
	}
	f.Add("2025-11-01T22:59:59", "UTC")
	zone := testZone(f)
	f.Fuzz(func(t *testing.T, s, timeType string) {
		got, err := parseTerminalTime(s, timeType, zone)
		if err != nil {
			return
		}
		if y := got.Year(); y < minYear || y > maxYear {
			t.Fatalf("%q: year %d accepted", s, y)
		}
		if got.Location() != zone {
			t.Fatalf("%q: not in the site zone", s)
		}
		// What we write back must read back as the same instant.
		back, err := parseLocalTime(formatLocalTime(got, zone), zone)
		if err != nil {
			t.Fatalf("%q: written form unreadable: %v", s, err)
		}
		if !back.Equal(got.Truncate(time.Second)) && !isAmbiguousWallTime(got, zone) {
			t.Fatalf("%q: %v wrote back as %v", s, got, back)
		}
	})
}

// isAmbiguousWallTime reports a wall time that occurs twice (the autumn DST
// hour): written without an offset it cannot name the second occurrence.
func isAmbiguousWallTime(t time.Time, zone *time.Location) bool {
	return t.Add(-time.Hour).In(zone).Format(localLayout) == t.Format(localLayout) ||
		t.Add(time.Hour).In(zone).Format(localLayout) == t.Format(localLayout)
}
