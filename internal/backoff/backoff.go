// Package backoff is the one exponential backoff with jitter that every
// retry in doorsync uses, so "retries with backoff and jitter" means the
// same thing everywhere. Retries of target calls are bounded by time, not
// by count (Policy, Budget): a terminal that is busy for seconds while it
// works must not be given up after a second of quick tries.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// maxShift caps the doubling: base·2^8 is already minutes for any base we use.
const maxShift = 8

// Delay is the pause before retry number attempt (0 for the first retry):
// base doubled attempt times, capped at limit when limit > 0, then "equal
// jitter" — half of it fixed, half random (jitter in [0,1)) — so that
// workers retrying together spread out but never retry at once.
func Delay(base, limit time.Duration, attempt int, jitter float64) time.Duration {
	d := base << min(max(attempt, 0), maxShift)
	if limit > 0 && (d > limit || d <= 0) {
		d = limit
	}
	return d/2 + time.Duration(jitter*float64(d/2))
}

// Wait pauses for Delay(base, 0, attempt, random) or until ctx ends.
func Wait(ctx context.Context, base time.Duration, attempt int) error {
	return Sleep(ctx, Delay(base, 0, attempt, rand.Float64()))
}

// Sleep waits d or returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
