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

// parseLocalTime reads a terminal time. A value without an offset is a wall
// clock time in zone (timeType "local"); one with an offset (firmware that
// echoes offsets, or timeType "UTC" values ending in Z) is converted to zone.
// A wall time that falls into a DST gap is moved forward as time.Date does.
func parseLocalTime(s string, zone *time.Location) (time.Time, error) {
	return parseTerminalTime(s, "local", zone)
}

// parseTerminalTime is parseLocalTime honouring a Valid.timeType: with
// "UTC", a value without an offset is UTC.
func parseTerminalTime(s, timeType string, zone *time.Location) (time.Time, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return time.Time{}, fmt.Errorf("empty time")
	}
	if len(v) > 40 {
		return time.Time{}, fmt.Errorf("time %.24q…: too long", v)
	}
	wall := zone
	if strings.EqualFold(strings.TrimSpace(timeType), "utc") {
		wall = time.UTC
	}
	var t time.Time
	var err error
	ok := false
	for _, l := range []string{localLayout, "2006-01-02 15:04:05", "2006-01-02T15:04:05.999999999"} {
		if t, err = time.ParseInLocation(l, v, wall); err == nil {
			ok = true
			break
		}
	}
	if !ok {
		for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05Z07"} {
			if t, err = time.Parse(l, v); err == nil {
				ok = true
				break
			}
		}
	}
	if !ok {
		return time.Time{}, fmt.Errorf("time %q: not a terminal time (want %s)", v, localLayout)
	}
	t = t.In(zone)
	if y := t.Year(); y < minYear || y > maxYear {
		return time.Time{}, fmt.Errorf("time %q: year %d outside %d…%d", v, y, minYear, maxYear)
	}
	return t, nil
}

// formatLocalTime writes t as the terminal's local wall time in zone.
func formatLocalTime(t time.Time, zone *time.Location) string {
	return t.In(zone).Format(localLayout)
}
