package emulator

import (
	"strings"
	"testing"
)

// A forgotten clock stops the test at once rather than reading the wall
// clock.
func TestMustClockRefusesNil(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "hikvision emulator: Config.Clock is required") {
			t.Fatalf("recovered %v", r)
		}
	}()
	MustClock("hikvision", nil)
}
