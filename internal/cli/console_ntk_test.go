package cli

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/tui"
)

// An apply of NTK items alone shows NTK's line from the start (0 of N
// while the list is built and sent), each item as it settles, and what
// became of the list (issue 13 §13: no progress line, no item lines).
func TestConsoleApplyShowsTheNTKList(t *testing.T) {
	s := startE2ESiteAll(t, 120, 3)
	s.raiseGuard(t)
	be := s.consoleBackend(t)
	ctx := context.Background()
	d, approve := be.refreshFor(t, func(it plan.Item) bool { return it.System == "ntk" && plainWrite(it) })
	if len(approve) == 0 {
		t.Fatal("no NTK write items: the test proves nothing")
	}
	var mu sync.Mutex
	var seen []tui.ApplyProgress
	res, err := be.Apply(ctx, d.Plan, approve, func(p tui.ApplyProgress) {
		mu.Lock()
		seen = append(seen, p)
		mu.Unlock()
	})
	if err != nil || res.Applied != len(approve) {
		t.Fatalf("apply: %+v, %v", res, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 || seen[0].Target != "ntk" || seen[0].ItemID != "" || seen[0].Total != len(approve) || seen[0].Done != 0 {
		t.Fatalf("the first progress is not NTK's line at 0/%d: %+v", len(approve), seen)
	}
	items, notes := 0, 0
	for _, p := range seen {
		switch {
		case p.ItemID != "":
			items++
			if p.Target != "ntk" || p.Status != "applied" {
				t.Errorf("item progress %+v", p)
			}
		case p.Note != "":
			notes++
			if !strings.Contains(p.Note, "accepted the access list") {
				t.Errorf("note %q", p.Note)
			}
		}
	}
	if items != len(approve) || notes != 1 {
		t.Errorf("%d item lines for %d items, %d notes; want one line each and one note", items, len(approve), notes)
	}
}
