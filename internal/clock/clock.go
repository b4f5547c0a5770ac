// Package clock injects time. Production code takes a Clock; tests pass a
// Running clock (a fixed instant that then moves on) or a Manual one, so
// "today" and the time of day are the test's choice, not the calendar's.
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// System is the wall clock.
type System struct{}

func (System) Now() time.Time { return time.Now() }

// Running starts at a chosen instant and then advances with real elapsed
// time. Tests run on it: the date and time of day are fixed by the test, while
// timeouts, lock heartbeats, polling and "took …" measurements that compare
// two readings still see time pass (a stopped clock would stall them).
// Safe for concurrent use; it never goes backwards.
type Running struct {
	start  time.Time
	origin time.Time // when it was made; its monotonic reading measures the elapsed time
}

// NewRunning returns a clock that reads start now and runs from there. Its
// readings keep start's location.
func NewRunning(start time.Time) *Running {
	return &Running{start: start.Round(0), origin: time.Now()}
}

func (r *Running) Now() time.Time { return r.start.Add(time.Since(r.origin)) }

// Manual is a clock that moves only when told to. Safe for concurrent use.
type Manual struct {
	mu  sync.Mutex
	now time.Time
}

// NewManual returns a clock stopped at t.
func NewManual(t time.Time) *Manual { return &Manual{now: t} }

func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Set moves the clock to t.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	m.now = t
	m.mu.Unlock()
}

// Advance moves the clock forward by d.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	m.now = m.now.Add(d)
	m.mu.Unlock()
}
