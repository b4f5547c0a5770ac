package emulator

import (
	"math"
	"testing"
)

// A path rate replaces the general rate of that fault on that path only;
// the other faults' rates still apply there.
func TestPathRates(t *testing.T) {
	const search, count = "/ISAPI/AccessControl/UserInfo/Search", "/ISAPI/AccessControl/UserInfo/Count"
	f := NewFaults(3)
	f.SetRate(FaultBusy, 0.3)
	f.SetPathRate(search, Fault5xx, 0.15)
	const n = 20000
	got := map[string]map[Fault]int{search: {}, count: {}}
	for range n {
		for _, p := range []string{search, count} {
			x, _, _ := f.pick(p)
			got[p][x]++
		}
	}
	near := func(what string, k int, want float64) {
		t.Helper()
		if p := float64(k) / n; math.Abs(p-want) > 0.015 {
			t.Errorf("%s: rate %.3f, want %.3f", what, p, want)
		}
	}
	near("busy on searches", got[search][FaultBusy], 0.3)
	near("503 on searches", got[search][Fault5xx], 0.7*0.15) // drawn after busy missed
	near("busy elsewhere", got[count][FaultBusy], 0.3)
	if got[count][Fault5xx] != 0 {
		t.Errorf("%d 503s on a path without a 503 rate", got[count][Fault5xx])
	}
	f.Clear()
	if x, _, _ := f.pick(search); x != FaultNone {
		t.Errorf("after Clear: %q", x)
	}
}
