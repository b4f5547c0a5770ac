package hikvision

import (
	"fmt"
	"strings"
	"time"
)

// localLayout is ISAPI's timeType "local" form: terminal local time without
// an offset (hikvision-isapi.md → Times).
const localLayout = "2006-01-02T15:04:05"

// Years a terminal can meaningfully hold (the spec's range is 1970…2037;
// some firmware stores a little beyond). Outside this a value is garbage.
const (
	minYear = 1970
	maxYear = 2100
)

// Layouts of a terminal time without an offset, and with one.
func wallLayouts() []string {
	return []string{localLayout, "2006-01-02 15:04:05", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"}
}

func offsetLayouts() []string {
	return []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05Z07",
		"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z0700"}
}

// parseLocalTime reads a terminal's instant (clock, event time, capability
// bound). A value without an offset is a wall clock time in zone; one with
// an offset is converted to zone: the clock and the event log print offsets
// that agree with the terminal's zone (kv6124_device_clock_readonly.json).
// A wall time that falls into a DST gap is moved forward as time.Date does.
func parseLocalTime(s string, zone *time.Location) (time.Time, error) {
	v, err := checkTimeText(s)
	if err != nil {
		return time.Time{}, err
	}
	t, ok := parseIn(v, wallLayouts(), zone)
	if !ok {
		if t, ok = parseIn(v, offsetLayouts(), nil); !ok {
			return time.Time{}, fmt.Errorf("time %q: not a terminal time (want %s)", v, localLayout)
		}
	}
	return inYears(v, t.In(zone))
}

// parseValidTime reads a Valid.beginTime or endTime. With timeType "local"
// (or none) the digits are the terminal's wall clock whatever offset the
// firmware prints after them: DS-KV6124-E1 V3.9.0 printed "+00:00" in a
// UTC+1/DST zone, and trusting it would move every begin by hours and push
// a 23:59:59 end into the next day. With "UTC" the value is an instant (UTC
// without an offset) converted to zone. digits is the value in localLayout
// as the terminal's wall clock, what a write must echo to leave it alone;
// "" for UTC values, which are written back converted.
func parseValidTime(s, timeType string, zone *time.Location) (t time.Time, digits string, err error) {
	v, err := checkTimeText(s)
	if err != nil {
		return time.Time{}, "", err
	}
	if strings.EqualFold(strings.TrimSpace(timeType), "utc") {
		t, ok := parseIn(v, wallLayouts(), time.UTC)
		if !ok {
			t, ok = parseIn(v, offsetLayouts(), nil)
		}
		if !ok {
			return time.Time{}, "", fmt.Errorf("time %q: not a terminal time (want %sZ with timeType UTC)", v, localLayout)
		}
		t, err = inYears(v, t.Truncate(time.Second).In(zone))
		return t, "", err
	}
	w, ok := parseIn(v, wallLayouts(), time.UTC)
	if !ok {
		if w, ok = parseIn(v, offsetLayouts(), nil); !ok {
			return time.Time{}, "", fmt.Errorf("time %q: not a terminal time (want %s)", v, localLayout)
		}
	}
	// The printed offset is dropped: the digits are read in the site zone.
	// So is a fraction of a second: a terminal keeps whole seconds, and
	// 23:59:59.5 must not read as later than the 23:59:59 the sync wants
	// (every such account a shorten, the guard tripped).
	y, mo, d := w.Date()
	h, mi, sec := w.Clock()
	t, err = inYears(v, time.Date(y, mo, d, h, mi, sec, 0, zone))
	return t, w.Format(localLayout), err
}

func checkTimeText(s string) (string, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return "", fmt.Errorf("empty time")
	}
	if len(v) > 40 {
		return "", fmt.Errorf("time %.24q…: too long", v)
	}
	return v, nil
}

// parseIn tries layouts in order; zone nil means the value carries its own
// offset.
func parseIn(v string, layouts []string, zone *time.Location) (time.Time, bool) {
	for _, l := range layouts {
		var t time.Time
		var err error
		if zone == nil {
			t, err = time.Parse(l, v)
		} else {
			t, err = time.ParseInLocation(l, v, zone)
		}
		if err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func inYears(v string, t time.Time) (time.Time, error) {
	if y := t.Year(); y < minYear || y > maxYear {
		return time.Time{}, fmt.Errorf("time %q: year %d outside %d…%d", v, y, minYear, maxYear)
	}
	return t, nil
}

// formatLocalTime writes t as the terminal's local wall time in zone.
func formatLocalTime(t time.Time, zone *time.Location) string {
	return t.In(zone).Format(localLayout)
}
