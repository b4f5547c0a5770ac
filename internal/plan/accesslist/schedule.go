package accesslist

import (
	"fmt"
	"time"
)

// Upload timing (seed 003, 2.3): the standard period is once a day; more
// often is accepted only when the list changed since the previous one, with
// no maximum frequency. doorsync adds a minimum interval of its own.
const (
	// DefaultMinInterval is used when the configured interval is not positive.
	DefaultMinInterval = time.Hour
	// DailyRefresh: an unchanged list is sent again after this long, the
	// seed's standard period, so NTK sees the interface alive every day.
	DailyRefresh = 24 * time.Hour
)

const stampLayout = "2006-01-02 15:04"

// ShouldUpload decides whether to send list now. lastAccepted is the last
// list NTK accepted (202) and lastUploadAt when that was; zero for never.
//
//   - An empty list is never sent: NTK would take every card's access away,
//     and an empty list almost always means a broken export or config.
//   - A changed list (by Hash) is sent once minInterval has passed since the
//     last accepted upload (a non-positive interval means DefaultMinInterval).
//   - An unchanged list is sent again once DailyRefresh has passed.
//   - A last upload in the future (the clock was set back) does not hold a
//     changed list: waiting on a wrong clock would hold renewals for hours.
//
// The reason says what was decided, for logs, the console and the history;
// its times are read in now's location (the caller passes now in the
// site's zone).
func ShouldUpload(list, lastAccepted List, lastUploadAt, now time.Time, minInterval time.Duration) (bool, string) {
	if minInterval <= 0 {
		minInterval = DefaultMinInterval
	}
	if list.Len() == 0 {
		return false, "the new list is empty: not sent, as NTK would take away every card's access (check the Cardskipper export and the ntk zones)"
	}
	if lastUploadAt.IsZero() {
		return true, fmt.Sprintf("first upload: %d line(s), no list accepted before", list.Len())
	}
	at := lastUploadAt.In(now.Location()).Format(stampLayout)
	elapsed := now.Sub(lastUploadAt)
	skewed := elapsed < 0
	if list.Hash() != lastAccepted.Hash() {
		if !skewed && elapsed < minInterval {
			next := lastUploadAt.Add(minInterval).In(now.Location()).Format(stampLayout)
			return false, fmt.Sprintf("the list changed, but the last list was accepted at %s and the minimum interval is %s: next upload at %s",
				at, minInterval, next)
		}
		return true, fmt.Sprintf("the list changed since the list accepted at %s (%d line(s), then %d)%s", at, list.Len(), lastAccepted.Len(), skewNote(skewed))
	}
	if !skewed && elapsed >= DailyRefresh {
		return true, fmt.Sprintf("the list is unchanged, but the last upload was at %s: the daily upload NTK expects", at)
	}
	return false, fmt.Sprintf("the list is unchanged since the list accepted at %s", at)
}

func skewNote(skewed bool) string {
	if skewed {
		return " (the last upload is in the future: the clock was set back)"
	}
	return ""
}
