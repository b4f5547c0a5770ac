package tui

import (
	"time"

	"github.com/doorsync/doorsync/internal/target"
)

// timeText is an instant as local date and minute in the plan's zone.
func timeText(t time.Time, zone *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	if zone != nil {
		t = t.In(zone)
	}
	return t.Format("2006-01-02 15:04")
}

func accEnd(a target.Account, zone *time.Location) string {
	if a.Permanent {
		return "permanent"
	}
	return timeText(a.End, zone)
}
