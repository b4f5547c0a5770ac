package store

import (
	"database/sql"
	"fmt"
	"time"
)

// timeLayout is RFC 3339 with a fixed nine-digit fraction, always written in
// UTC: fixed width, so text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// encTime turns t into the stored text, or NULL for the zero time. Years
// outside 0000…9999 have no RFC 3339 form and are refused.
func encTime(t time.Time) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	u := t.UTC()
	if y := u.Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("time %s: year %d outside 0000…9999", t, y)
	}
	return u.Format(timeLayout), nil
}

// mustTime is encTime for a value the caller requires to be set.
func mustTime(t time.Time, what string) (any, error) {
	if t.IsZero() {
		return nil, fmt.Errorf("%s is missing", what)
	}
	v, err := encTime(t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// parseTime reads stored text back (in UTC); "" is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %.40q: %w", s, err)
	}
	return t.UTC(), nil
}

// decTime reads a nullable time column.
func decTime(v sql.NullString) (time.Time, error) {
	if !v.Valid {
		return time.Time{}, nil
	}
	return parseTime(v.String)
}

// timeCol is one nullable time column to decode.
type timeCol struct {
	name string
	src  sql.NullString
	dst  *time.Time
}

// decodeTimes decodes several time columns, naming the one that fails.
func decodeTimes(cols ...timeCol) error {
	for _, c := range cols {
		t, err := decTime(c.src)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		*c.dst = t
	}
	return nil
}

// runRef is a run id as a column value: NULL for 0 (no run).
func runRef(runID int64) any {
	if runID == 0 {
		return nil
	}
	return runID
}
