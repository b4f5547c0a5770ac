package member

import (
	"strings"
	"testing"
	"time"
)

func ljubljana(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatalf("load zone: %v", err)
	}
	return loc
}

func TestParseDate(t *testing.T) {
	loc := ljubljana(t)
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{"2025-11-01", "2025-11-01", ""},
		{"2025-11-01T00:00:00", "2025-11-01", ""},
		{" 2025-11-01T00:00:00 ", "2025-11-01", ""},
		{"2025-11-01T23:59:59.9999999", "2025-11-01", ""},
		{"2025-11-01 00:00:00", "2025-11-01", ""},
		// With an offset the instant is moved into the club's zone first:
		// 23:00 UTC on 31 Oct is already 1 Nov in Ljubljana (CET, +01:00).
		{"2025-10-31T23:00:00Z", "2025-11-01", ""},
		{"2025-10-31T22:59:59Z", "2025-10-31", ""},
		{"2025-11-01T00:00:00+01:00", "2025-11-01", ""},
		{"2025-07-01T00:00:00.5+02:00", "2025-07-01", ""},
		// Summer (CEST, +02:00): 22:00 UTC is midnight.
		{"2025-06-30T22:00:00Z", "2025-07-01", ""},
		// Leap day, the 2038 problem's neighbourhood, far future.
		{"2024-02-29", "2024-02-29", ""},
		{"2037-12-31T00:00:00", "2037-12-31", ""},
		{"2038-01-19T03:14:08", "2038-01-19", ""},
		{"2099-12-31", "2099-12-31", ""},
		{"", "", "empty date"},
		{"   ", "", "empty date"},
		{"2025-02-30", "", "not a date"},
		{"2025-13-01", "", "not a date"},
		{"01.11.2025", "", "not a date"},
		{"0001-01-01T00:00:00", "", "out of range"},
		{"garbage", "", `"garbage": not a date`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in, loc)
			if tt.wantErr != "" {
				if err == nil || !contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseDate(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tt.in, err)
			}
			if got.String() != tt.want {
				t.Fatalf("ParseDate(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func contains(s, sub string) bool {
	return strings.Contains(s, sub)
}

func TestEndOfDayIsDSTSafe(t *testing.T) {
	loc := ljubljana(t)
	tests := []struct {
		date       Date
		wantLocal  string // as a terminal gets it: local, no offset
		wantOffset string // the offset in force at that instant
		dayHours   float64
	}{
		{NewDate(2025, time.March, 30), "2025-03-30T23:59:59", "+02:00", 23},   // spring forward
		{NewDate(2025, time.October, 26), "2025-10-26T23:59:59", "+01:00", 25}, // fall back
		{NewDate(2025, time.November, 1), "2025-11-01T23:59:59", "+01:00", 24},
		{NewDate(2037, time.December, 31), "2037-12-31T23:59:59", "+01:00", 24},
		{NewDate(2038, time.January, 19), "2038-01-19T23:59:59", "+01:00", 24},
		{NewDate(2038, time.March, 28), "2038-03-28T23:59:59", "+02:00", 23}, // beyond 2^31 s: zone rules still apply
	}
	for _, tt := range tests {
		t.Run(tt.date.String(), func(t *testing.T) {
			end := tt.date.EndOfDay(loc)
			if got := end.Format("2006-01-02T15:04:05"); got != tt.wantLocal {
				t.Errorf("EndOfDay local = %s, want %s", got, tt.wantLocal)
			}
			if got := end.Format("-07:00"); got != tt.wantOffset {
				t.Errorf("EndOfDay offset = %s, want %s", got, tt.wantOffset)
			}
			if DateOf(end, loc) != tt.date {
				t.Errorf("DateOf(EndOfDay) = %s, want %s", DateOf(end, loc), tt.date)
			}
			hours := tt.date.AddDays(1).StartOfDay(loc).Sub(tt.date.StartOfDay(loc)).Hours()
			if hours != tt.dayHours {
				t.Errorf("day length = %v h, want %v h", hours, tt.dayHours)
			}
		})
	}
}

func TestDateArithmetic(t *testing.T) {
	tests := []struct {
		from Date
		n    int
		want Date
	}{
		{NewDate(2025, time.March, 29), 1, NewDate(2025, time.March, 30)},
		{NewDate(2025, time.March, 30), 1, NewDate(2025, time.March, 31)},
		{NewDate(2024, time.February, 28), 1, NewDate(2024, time.February, 29)},
		{NewDate(2025, time.February, 28), 1, NewDate(2025, time.March, 1)},
		{NewDate(2037, time.December, 31), 1, NewDate(2038, time.January, 1)},
		{NewDate(2025, time.January, 1), -1, NewDate(2024, time.December, 31)},
	}
	for _, tt := range tests {
		if got := tt.from.AddDays(tt.n); got != tt.want {
			t.Errorf("%s + %d = %s, want %s", tt.from, tt.n, got, tt.want)
		}
		if got := tt.from.DaysUntil(tt.want); got != tt.n {
			t.Errorf("DaysUntil(%s, %s) = %d, want %d", tt.from, tt.want, got, tt.n)
		}
	}
	a, b := NewDate(2025, time.October, 1), NewDate(2025, time.November, 1)
	if !a.Before(b) || b.Before(a) || !b.After(a) || a.Compare(a) != 0 {
		t.Errorf("ordering of %s and %s is wrong", a, b)
	}
	if got := NewDate(2025, time.February, 30); got != NewDate(2025, time.March, 2) {
		t.Errorf("NewDate normalises overflow: got %s", got)
	}
}

func TestDateText(t *testing.T) {
	var d Date
	if err := d.UnmarshalText([]byte("2025-11-01")); err != nil || d != NewDate(2025, time.November, 1) {
		t.Fatalf("UnmarshalText = %v, %v", d, err)
	}
	if b, _ := d.MarshalText(); string(b) != "2025-11-01" {
		t.Fatalf("MarshalText = %s", b)
	}
	if err := d.UnmarshalText([]byte("2025-11-31")); err == nil {
		t.Fatal("UnmarshalText accepted 2025-11-31")
	}
	if (Date{}).String() != "" || !(Date{}).IsZero() {
		t.Fatal("zero date must print empty")
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025-11-01", "2025-11-01T00:00:00", "2025-11-01T00:00:00.1234567",
		"2025-10-31T23:00:00Z", "2025-11-01T00:00:00+01:00", "2038-01-19T03:14:08", "", "x", "9999-12-31T23:59:59-12:00"} {
		f.Add(s)
	}
	loc := ljubljana(f)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s, loc)
		if err != nil {
			if d != (Date{}) {
				t.Fatalf("error with non-zero date %v", d)
			}
			return
		}
		// A parsed date round-trips through its text and is a real day.
		back, err := ParseDate(d.String(), loc)
		if err != nil || back != d {
			t.Fatalf("round trip of %q: %v → %v (%v)", s, d, back, err)
		}
		if DateOf(d.EndOfDay(loc), loc) != d {
			t.Fatalf("EndOfDay(%v) leaves the day", d)
		}
	})
}
