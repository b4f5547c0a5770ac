package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/store"
)

// SIGTERM while --auto writes, with NTK configured: the writes in flight
// complete, the NTK list is not uploaded and its items say so (skipped, not
// left "planned"), and the run is recorded as interrupted with exit 1 —
// not as a raw "store: … context canceled" error.
func TestAutoInterruptedWhileWritingWithNTK(t *testing.T) {
	s := startE2ESiteAll(t, 200, 5)
	for _, ep := range s.Terminals {
		ep.Faults.SetLatency(20 * time.Millisecond)
	}
	app, out, errb := newTestApp(s.Clock, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- app.Run(ctx, []string{"--auto", "--config", s.cfg}) }()
	ep := s.Terminals[0]
	deadline := time.Now().Add(30 * time.Second) // wall clock: a polling deadline
	for ep.Log.Count(e2eIsModify) == 0 {
		if time.Now().After(deadline) { // wall clock: as above
			t.Fatal("no write reached the entrance")
		}
		time.Sleep(time.Millisecond)
	}
	cancel() // what SIGTERM does
	code := <-done
	text := out.String() + errb.String()
	if code != ExitFailed || !strings.Contains(text, "interrupted while applying") || strings.Contains(text, "context canceled") && strings.Contains(text, "store:") {
		t.Fatalf("exit %d:\n%s", code, text)
	}
	if n := len(s.NTKServer.Accepted()); n != 0 {
		t.Errorf("NTK accepted %d lists after the interrupt", n)
	}
	var ntk, planned int
	for _, it := range e2eRunItems(t, s, 1) {
		if it.System == "ntk" && it.Kind.Writes() {
			ntk++
			if it.Status != store.StatusSkipped || !strings.Contains(it.Error, "not uploaded") {
				t.Errorf("NTK item %s: %s %q; want skipped, not uploaded", it.Account, it.Status, it.Error)
			}
		}
		if it.Status == store.StatusPlanned {
			planned++
		}
	}
	if ntk == 0 {
		t.Error("the plan had no NTK items: the test proves nothing")
	}
	if planned != 0 {
		t.Errorf("%d items left planned", planned)
	}
}
