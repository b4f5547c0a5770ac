// Package member is the domain of the source side: members keyed by normalised
// e-mail, calendar dates in the club's time zone, and the validity rule that
// turns role periods into a desired (inclusive) end date.
//
// The package does no I/O and never reads the wall clock: "today" and the zone
// are always arguments.
package member

import (
	"fmt"
	"strings"
	"time"
)

// Date is a calendar date without a time of day or zone. End dates are
// inclusive: a membership valid until 2025-11-01 opens doors through the end
// of that day in the club's zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date, normalising overflow (e.g. 2025-02-30 → 2025-03-02)
// the way time.Date does. Use ParseDate for untrusted text: it rejects
// impossible dates instead.
func NewDate(year int, month time.Month, day int) Date {
	t := time.Date(year, month, day, 12, 0, 0, 0, time.UTC)
	return Date{t.Year(), t.Month(), t.Day()}
}

// DateOf is the calendar date of t as seen in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == Date{} }

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Before, After and Compare order dates chronologically.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }
func (d Date) After(o Date) bool  { return d.Compare(o) > 0 }

// Compare returns -1, 0 or +1.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return sign(d.Year - o.Year)
	case d.Month != o.Month:
		return sign(int(d.Month) - int(o.Month))
	default:
		return sign(d.Day - o.Day)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// AddDays moves by n calendar days (never by hours: DST days have 23 or 25).
func (d Date) AddDays(n int) Date { return NewDate(d.Year, d.Month, d.Day+n) }

// DaysUntil is the number of calendar days from d to o (negative if o is earlier).
func (d Date) DaysUntil(o Date) int {
	a := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	b := time.Date(o.Year, o.Month, o.Day, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// StartOfDay is 00:00:00 of d in loc. On a day whose midnight does not exist
// (a DST jump at 00:00) time.Date picks the first instant after the gap.
func (d Date) StartOfDay(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// EndOfDay is d T23:59:59 in loc: the last second an inclusive end date grants.
// It is computed from the calendar date, not by adding 24 h to midnight, so it
// is right on the 23- and 25-hour days of DST changes.
func (d Date) EndOfDay(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 23, 59, 59, 0, loc)
}

// MarshalText and UnmarshalText make Date a YYYY-MM-DD string in JSON and TOML.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := parseCivil(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// dateLayouts are the forms Cardskipper and the config may use (see
// cardskipper-api.md → Dates). Layouts without an offset are read as
// calendar values in the club's zone.
var dateLayouts = []struct {
	layout    string
	hasOffset bool
}{
	{"2006-01-02", false},
	{"2006-01-02T15:04:05", false},
	{"2006-01-02T15:04:05.999999999", false},
	{"2006-01-02 15:04:05", false},
	{time.RFC3339Nano, true},
	{"2006-01-02T15:04:05.999999999Z0700", true},
}

// ParseDate reads a date as Cardskipper writes it: YYYY-MM-DD, optionally
// with a time (.NET style, fractional seconds) and optionally with an offset.
// A value with an offset is converted to loc before its calendar date is
// taken; a value without one is already a calendar value in loc. Impossible
// dates (2025-02-30) and years outside 1900…9999 are errors.
func ParseDate(s string, loc *time.Location) (Date, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return Date{}, fmt.Errorf("empty date")
	}
	if len(v) > 64 {
		return Date{}, fmt.Errorf("date %.20q…: too long", v)
	}
	for _, l := range dateLayouts {
		t, err := time.Parse(l.layout, v)
		if err != nil {
			continue
		}
		var d Date
		if l.hasOffset {
			d = DateOf(t, loc)
		} else {
			y, m, dd := t.Date()
			d = Date{y, m, dd}
		}
		if d.Year < 1900 || d.Year > 9999 {
			return Date{}, fmt.Errorf("date %q: year %d out of range", v, d.Year)
		}
		return d, nil
	}
	return Date{}, fmt.Errorf("date %q: not a date (want YYYY-MM-DD, optionally with time and offset)", v)
}

func parseCivil(s string) (Date, error) { return ParseDate(s, time.UTC) }
