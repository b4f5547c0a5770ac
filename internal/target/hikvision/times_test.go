package hikvision

import (
	"strings"
	"testing"
	"time"
)

func TestParseLocalTime(t *testing.T) {
	zone := testZone(t)
	cases := []struct {
		in     string
		want   string // RFC 3339 in the zone; "" = error
		errHas string
	}{
		{in: "2025-10-01T23:59:59", want: "2025-10-01T23:59:59+02:00"},
		{in: " 2025-11-01 23:59:59 ", want: "2025-11-01T23:59:59+01:00"},
		// Clock and event times carry offsets that agree with the
		// terminal's zone: converted into the site zone.
		{in: "2025-11-01T22:59:59Z", want: "2025-11-01T23:59:59+01:00"},
		{in: "2025-11-02T07:59:59+09:00", want: "2025-11-01T23:59:59+01:00"},
		{in: "2025-11-01T23:59:59+0100", want: "2025-11-01T23:59:59+01:00"},
		{in: "2025-03-30T02:30:00", want: "2025-03-30T03:30:00+02:00"}, // in the gap: moved forward
		{in: "", errHas: "empty"},
		{in: "1899-01-01T00:00:00", errHas: "outside 1970"},
		{in: "2025-11-01", errHas: "not a terminal time"},
	}
	for _, tc := range cases {
		got, err := parseLocalTime(tc.in, zone)
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
		if s := got.Format(time.RFC3339); s != tc.want || got.Location() != zone || got.Nanosecond() != 0 {
			t.Errorf("%q: got %s (%v), want %s", tc.in, s, got.Location(), tc.want)
		}
	}
}

func TestParseValidTime(t *testing.T) {
	zone := testZone(t)
	cases := []struct {
		in, timeType string
		want         string // RFC 3339 in the zone; "" = error
		digits       string // "" = the first 19 characters of in
		errHas       string
	}{
		{in: "2025-10-01T23:59:59", want: "2025-10-01T23:59:59+02:00"},
		{in: "2025-11-01T23:59:59", timeType: "local", want: "2025-11-01T23:59:59+01:00"},
		{in: " 2025-11-01 23:59:59 ", want: "2025-11-01T23:59:59+01:00", digits: "2025-11-01T23:59:59"},
		{in: "2025-11-01T23:59:59.000", want: "2025-11-01T23:59:59+01:00"},
		// A fraction of a second is dropped: 23:59:59.5 is the 23:59:59
		// the sync writes, not a later end (a shorten for every account).
		{in: "2025-11-01T23:59:59.500+01:00", want: "2025-11-01T23:59:59+01:00", digits: "2025-11-01T23:59:59"},
		{in: "2025-11-01T22:59:59.999", timeType: "UTC", want: "2025-11-01T23:59:59+01:00", digits: "-"},
		// timeType local (or none): the digits are the terminal's wall
		// clock whatever offset is printed after them (DS-KV6124-E1).
		{in: "2026-09-09T09:00:00+00:00", timeType: "local", want: "2026-09-09T09:00:00+02:00"},
		{in: "2026-09-10T23:59:59+00:00", want: "2026-09-10T23:59:59+02:00"},
		{in: "2025-11-01T23:59:59Z", want: "2025-11-01T23:59:59+01:00"},
		{in: "2025-11-01T23:59:59+09:00", timeType: "Local", want: "2025-11-01T23:59:59+01:00"},
		{in: "2025-11-01T23:59:59-0500", want: "2025-11-01T23:59:59+01:00"},
		// timeType UTC is an instant, converted; no digits to echo.
		{in: "2025-11-01T22:59:59", timeType: "UTC", want: "2025-11-01T23:59:59+01:00", digits: "-"},
		{in: "2025-11-01T22:59:59Z", timeType: "utc", want: "2025-11-01T23:59:59+01:00", digits: "-"},
		{in: "2025-11-02T07:59:59+09:00", timeType: "UTC", want: "2025-11-01T23:59:59+01:00", digits: "-"},
		// DST: the last day of summer time and the day the clocks jump.
		{in: "2025-10-26T23:59:59", want: "2025-10-26T23:59:59+01:00"},
		{in: "2025-03-30T23:59:59", want: "2025-03-30T23:59:59+02:00"},
		// In the gap: moved forward, but the digits are what was read.
		{in: "2025-03-30T02:30:00", want: "2025-03-30T03:30:00+02:00", digits: "2025-03-30T02:30:00"},
		{in: "2037-12-31T23:59:59", want: "2037-12-31T23:59:59+01:00"},
		{in: "", errHas: "empty"},
		{in: "2025-02-30T00:00:00", errHas: "not a terminal time"},
		{in: "0000-00-00T00:00:00", errHas: "not a terminal time"},
		{in: "1899-01-01T00:00:00", errHas: "outside 1970"},
		{in: "1969-12-31T23:59:59+00:00", errHas: "outside 1970"},
		{in: "2025-11-01", errHas: "not a terminal time"},
		{in: "01.11.2025 23:59", errHas: "not a terminal time"},
		{in: "REDACTED", timeType: "REDACTED", errHas: "not a terminal time"},
		{in: strings.Repeat("2", 100), errHas: "too long"},
	}
	for _, tc := range cases {
		got, digits, err := parseValidTime(tc.in, tc.timeType, zone)
		if tc.want == "" {
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%q: want error with %q, got %v, %v", tc.in, tc.errHas, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q %s: %v", tc.in, tc.timeType, err)
			continue
		}
		if s := got.Format(time.RFC3339); s != tc.want || got.Location() != zone || got.Nanosecond() != 0 {
			t.Errorf("%q %s: got %s (%v), want %s", tc.in, tc.timeType, s, got.Location(), tc.want)
		}
		want := tc.digits
		switch want {
		case "":
			want = strings.TrimSpace(tc.in)[:len(localLayout)]
		case "-":
			want = ""
		}
		if digits != want {
			t.Errorf("%q %s: digits %q, want %q", tc.in, tc.timeType, digits, want)
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
		got, digits, err := parseValidTime(s, timeType, zone)
		if err != nil {
			return
		}
		if digits != "" {
			// The digits echo what was read: they read back as the same
			// wall clock (the gap aside, which time.Date moves forward).
			again, d2, err := parseValidTime(digits, "local", zone)
			if err != nil || d2 != digits || !again.Equal(got.Truncate(time.Second)) {
				t.Fatalf("%q: digits %q read back as %v %q %v", s, digits, again, d2, err)
			}
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
