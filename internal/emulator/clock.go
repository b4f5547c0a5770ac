package emulator

import "github.com/doorsync/doorsync/internal/clock"

// MustClock returns c, or panics when it is nil. An emulator's clock dates
// everything it seeds and answers, so it is required: a default to the wall
// clock let tests depend on the day they ran. The demo passes clock.System{};
// tests pass their clocktest clock.
func MustClock(emulator string, c clock.Clock) clock.Clock {
	if c == nil {
		panic(emulator + " emulator: Config.Clock is required (clock.System{} for the wall clock, a clocktest clock in tests)")
	}
	return c
}
