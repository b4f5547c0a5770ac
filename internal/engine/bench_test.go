package engine_test

import (
	"context"
	"testing"
	"time"

	hikemu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	"github.com/doorsync/doorsync/internal/engine"
)

// BenchmarkSyncUnderFaults measures what the fault mix costs one
// unattended run on a site of two terminals with ~1,450 persons each (50
// Search pages): requests sent and wall time, with the real retry policy
// (real pauses), against the same site without faults. Run it with
//
//	go test -run '^$' -bench SyncUnderFaults -benchtime 1x -count 5 ./internal/engine
//
// Every run must converge (every renewal applied); the metrics are per run:
// requests/run (all requests the terminals received, challenges included),
// faults/run (answers the mix turned into busy or 503), wall-ms/run (the
// Sync call: fetch, plan, apply, record), renewals/run.
func BenchmarkSyncUnderFaults(b *testing.B) {
	type benchCase struct {
		name     string
		faults   bool
		firmware map[string]string
	}
	cases := []benchCase{{name: "clean"}, {name: "busy30+search503", faults: true}}
	// Every firmware profile on both terminals, against "clean" (the guide's
	// terminal): what each real device's quirks cost a full sync.
	for _, p := range hikemu.Profiles() {
		if p.Name != hikemu.ProfileNone {
			cases = append(cases, benchCase{name: "profile-" + p.Name, firmware: map[string]string{"entrance": p.Name, "gym": p.Name}})
		}
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			var requests, faults, renewals int
			var wall time.Duration
			for i := range b.N {
				b.StopTimer()
				// One data set (seed 1) for every case, so the cases differ
				// only by the faults.
				r := newRig(b, rigOptions{members: 1500, seed: 1, real: true, firmware: bc.firmware})
				if bc.faults {
					r.faultMix()
				}
				b.StartTimer()
				began := time.Now() // wall clock: the benchmark measures the run's real duration
				out, err := r.eng.Sync(context.Background(), engine.Options{Mode: engine.ModeAuto})
				wall += time.Since(began) // wall clock: as above
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if out.Selected == 0 || out.Failed != 0 || out.Applied != out.Selected || len(out.TargetErrs) != 0 {
					b.Fatalf("run %d did not converge: %d of %d applied, %d failed, target errors %v",
						i, out.Applied, out.Selected, out.Failed, out.TargetErrs)
				}
				n, f := r.requests()
				requests, faults, renewals = requests+n, faults+f, renewals+out.Applied
				b.StartTimer()
			}
			b.ReportMetric(float64(requests)/float64(b.N), "requests/run")
			b.ReportMetric(float64(faults)/float64(b.N), "faults/run")
			b.ReportMetric(float64(renewals)/float64(b.N), "renewals/run")
			b.ReportMetric(float64(wall.Milliseconds())/float64(b.N), "wall-ms/run")
		})
	}
}
