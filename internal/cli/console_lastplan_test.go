package cli

import (
	"context"
	"testing"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/store"
)

// A fetch keeps its plan for the console's first frame; the console's
// stored data reuses it when the snapshots are the ones that fetch saved
// (no second plan in memory), and plans again when they are not.
func TestConsoleLastPlanFirstThenStored(t *testing.T) {
	s := startE2ESiteAll(t, 80, 5)
	if r := s.run(t, "plan"); r.code != ExitOK && r.code != ExitHeld {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	ctx := context.Background()
	be := s.consoleBackend(t)
	preview, reused := be.open(t)
	if !preview.Partial || !preview.Stored || preview.Plan.Source.Members != 80 || len(preview.Plan.Items) == 0 {
		t.Fatalf("last plan: partial %v stored %v, %d members, %d items", preview.Partial, preview.Stored, preview.Plan.Source.Members, len(preview.Plan.Items))
	}
	// The stored plan is what planning the stored snapshots again gives.
	replanned, err := be.Replan(ctx, reused)
	if err != nil {
		t.Fatal(err)
	}
	if len(replanned.Plan.Items) != len(preview.Plan.Items) {
		t.Fatalf("last plan has %d items, planning the snapshots again %d", len(preview.Plan.Items), len(replanned.Plan.Items))
	}
	for i, it := range preview.Plan.Items {
		re := replanned.Plan.Items[i]
		if it.ID != re.ID || it.Kind != re.Kind || !it.DesiredEnd.Equal(re.DesiredEnd.Time) || it.Reason != re.Reason {
			t.Fatalf("item %d differs:\n last %+v\n again %+v", i, it, re)
		}
	}
	if !preview.TakenAt.Equal(replanned.TakenAt) {
		t.Errorf("last plan read at %v, snapshots at %v", preview.TakenAt, replanned.TakenAt)
	}

	if reused.Partial || len(reused.Members) != 80 || len(reused.Targets) == 0 || &reused.Plan.Items[0] != &preview.Plan.Items[0] {
		t.Fatalf("stored data did not reuse the plan shown: partial %v, %d members, same items %v",
			reused.Partial, len(reused.Members), &reused.Plan.Items[0] == &preview.Plan.Items[0])
	}

	// A link changed since the plan was kept: planned again (the kept plan
	// would offer to write a member's end onto an account given to another).
	var acct, tgt string
	for _, it := range preview.Plan.Items {
		if it.Kind == plan.Unlinked && it.Target != "" && it.Account != "" {
			acct, tgt = it.Account, it.Target
			if err := be.ses.store.AddLink(ctx, identity.Link{Email: "someone.else@example.org", Target: it.Target, Account: it.Account,
				Origin: identity.Confirmed, CreatedAt: s.Clock.Now(), CreatedBy: "test"}); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if acct == "" {
		t.Fatal("no unlinked account to link")
	}
	preview, relinked := be.open(t)
	if &relinked.Plan.Items[0] == &preview.Plan.Items[0] {
		t.Fatal("a link added since the plan was kept did not make the console plan again")
	}
	if _, err := be.ses.store.RemoveLink(ctx, "someone.else@example.org", tgt, acct); err != nil {
		t.Fatal(err)
	}
	if preview, again := be.open(t); &again.Plan.Items[0] != &preview.Plan.Items[0] {
		t.Fatal("with the link removed again the kept plan is not current again")
	}

	// Snapshots saved since (a watch pass): planned again.
	st, err := store.Open(ctx, s.db, s.Clock)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveMembers(ctx, replanned.Members, s.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if preview, again := be.open(t); &again.Plan.Items[0] == &preview.Plan.Items[0] {
		t.Error("newer snapshots were not planned again")
	}
}

// After --auto wrote renewals, the kept plan and the stored snapshots show
// them done (the console does not offer them again before its refresh),
// and the console still reuses the kept plan.
func TestKeptPlanShowsWhatTheRunWrote(t *testing.T) {
	s := startE2ESite(t, 80, 9)
	s.raiseGuard(t)
	before := s.plan(t)
	writes := map[string]bool{}
	for _, it := range before.Items {
		if it.Auto && (it.Kind == plan.Extend || it.Kind == plan.Reactivate) {
			writes[it.Target+"\x00"+it.Account] = true
		}
	}
	if len(writes) == 0 {
		t.Fatal("nothing for --auto to write: the test proves nothing")
	}
	if r := s.run(t, "--auto"); r.code != ExitOK && r.code != ExitHeld {
		t.Fatalf("--auto: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	be := s.consoleBackend(t)
	kept, stored := be.open(t)
	done := 0
	for _, it := range kept.Plan.Items {
		if !writes[it.Target+"\x00"+it.Account] {
			continue
		}
		if it.Kind != plan.InSync || it.Drift {
			t.Errorf("%s on %s after the run: %s (drift %v), want in_sync", it.Email, it.Target, it.Kind, it.Drift)
		}
		done++
	}
	if done != len(writes) {
		t.Errorf("%d of the %d written accounts are in the kept plan", done, len(writes))
	}
	if &stored.Plan.Items[0] != &kept.Plan.Items[0] {
		t.Error("the console did not reuse the plan kept after the run")
	}
	replanned, err := be.Replan(context.Background(), stored)
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range replanned.Plan.Items {
		if k := kept.Plan.Items[i]; it.ID != k.ID || it.Kind != k.Kind || it.Drift != k.Drift {
			t.Fatalf("planning the stored snapshots again differs at item %d:\n kept %+v\n again %+v", i, k, it)
		}
	}
}
