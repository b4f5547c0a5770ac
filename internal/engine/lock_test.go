package engine_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/exitcode"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target"
)

// intruder plays issue 11 §2's second run: it takes the run lock over
// behind the running one's back (a new token and holder in the lock row,
// as a takeover writes it).
func intruder(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE run_lock SET token = 'intruder', host = 'intruder-box', pid = 4242, user = 'root', mode = 'auto' WHERE id = 1`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatal("no lock row to take over: the run does not hold the lock")
	}
}

// takeoverAt wraps a terminal target and takes the lock over once, right
// after the call the test names ("lookup" n: the n-th Lookup returned;
// "write" n: the n-th Write returned; "send" n: see Write), remembering how many Modify
// requests the terminal had received then.
type takeoverAt struct {
	target.Target
	t       *testing.T
	path    string
	ep      func() int // Modify requests so far
	call    string
	n       int
	mu      sync.Mutex
	seen    int
	taken   bool
	atTaken int
}

func (w *takeoverAt) after(call string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if call != w.call || w.taken {
		return
	}
	w.seen++
	if w.seen == w.n {
		intruder(w.t, w.path)
		w.taken, w.atTaken = true, w.ep()
	}
}

func (w *takeoverAt) Lookup(ctx context.Context, ids []string) (map[string]target.Account, error) {
	got, err := w.Target.Lookup(ctx, ids)
	w.after("lookup")
	return got, err
}

func (w *takeoverAt) Write(ctx context.Context, ups []target.Update) []error {
	// "send" n: the takeover happens right before the n-th request of a
	// write is sent, when the target asks the run's send gate.
	outer := ctx
	ctx = target.WithSendGate(ctx, func(context.Context) error {
		w.after("send")
		return target.CheckSend(outer)
	})
	errs := w.Target.Write(ctx, ups)
	w.after("write")
	return errs
}

func isModify(q emulator.Request) bool { return strings.HasSuffix(q.Path, "/UserInfo/Modify") }

// A run whose lock is taken over stops before its next journal entry and
// its next write: the terminal receives nothing more, the run records why
// (naming who took the lock) and fails.
func TestRunStopsWhenItsLockIsTakenOver(t *testing.T) {
	for _, tc := range []struct {
		name string
		call string
		n    int
		// minApplied: writes sent (and confirmed) before the takeover.
		minApplied int
	}{
		// The re-read before the first chunk's writes: nothing journalled,
		// nothing written.
		{name: "before the first journal entry", call: "lookup", n: 1},
		// After the first chunk's write (its read-back completes): the
		// next chunk is never journalled nor sent.
		{name: "between chunks", call: "write", n: 1, minApplied: 1},
		// In the middle of the first chunk: the requests sent before stay
		// open in the journal (not read back), the rest are not sent.
		{name: "between two requests of one chunk", call: "send", n: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var wrap *takeoverAt
			r := newRig(t, rigOptions{members: 600, seed: 1, wrap: func(tg target.Target) target.Target {
				if tg.Info().Name != "entrance" {
					return tg
				}
				wrap = &takeoverAt{Target: tg, t: t, call: tc.call, n: tc.n}
				return wrap
			}})
			wrap.path = r.store.Path()
			entrance := r.site.Terminals[0]
			wrap.ep = func() int { return entrance.Log.Count(isModify) }

			// A plan of the entrance's renewals only: one worker, so the
			// takeover falls between its requests deterministically.
			ctx := context.Background()
			p, err := r.eng.Plan(ctx, r.eng.Fetch(ctx))
			if err != nil {
				t.Fatal(err)
			}
			approved := map[string]bool{}
			for _, it := range writeItems(p) {
				if it.Target == entrance.Name {
					approved[it.ID] = true
				}
			}
			if len(approved) <= apply.DefaultBatch {
				t.Fatalf("%d entrance renewals: need more than one chunk", len(approved))
			}
			out, err := r.eng.Sync(ctx, engine.Options{Mode: engine.ModeApply, Plan: &p, Approved: approved, ApprovedBy: "test"})
			if !wrap.taken {
				t.Fatal("the lock was never taken over: the test proves nothing")
			}
			if n := entrance.Log.Count(isModify); n != wrap.atTaken {
				t.Errorf("%d Modify requests after the lock was taken over (%d before): want none", n-wrap.atTaken, wrap.atTaken)
			}
			if !errors.Is(err, store.ErrLockLost) || !strings.Contains(err.Error(), "pid 4242 on intruder-box") {
				t.Errorf("Sync error = %v; want the lock loss, naming who took it", err)
			}
			if out.Code != exitcode.Failed || out.Status != "failed" {
				t.Errorf("outcome code %d status %q; want failed", out.Code, out.Status)
			}
			if out.Applied < tc.minApplied {
				t.Errorf("%d applied before the takeover, want at least %d", out.Applied, tc.minApplied)
			}
			run, err := r.store.Run(ctx, out.RunID)
			if err != nil {
				t.Fatal(err)
			}
			if run.Outcome != "failed" || run.ExitCode != exitcode.Failed || !strings.Contains(run.Error, "taken over") ||
				!strings.Contains(run.Error, "pid 4242 on intruder-box") {
				t.Errorf("run recorded as %q (exit %d): %q; want failed, naming the lock's new holder", run.Outcome, run.ExitCode, run.Error)
			}
			// No journal entry was opened after the takeover: every entry
			// of the run is of an item that was sent before it (applied),
			// or was opened before and never sent.
			journal, err := r.store.Journal(ctx, out.RunID)
			if err != nil {
				t.Fatal(err)
			}
			if len(journal) > wrap.atTaken+apply.DefaultBatch {
				t.Errorf("%d journal entries for %d writes sent before the takeover", len(journal), wrap.atTaken)
			}
			// The items not written say why.
			recs, err := r.store.Items(ctx, out.RunID)
			if err != nil {
				t.Fatal(err)
			}
			skipped := 0
			for _, rec := range recs {
				if rec.Status == store.StatusSkipped {
					skipped++
					if !strings.Contains(rec.Error, "taken over") {
						t.Errorf("skipped item %s: %q; want the lock loss", rec.Account, rec.Error)
					}
				}
				if rec.Status == store.StatusPlanned {
					t.Errorf("item %s left planned", rec.Account)
				}
			}
			if skipped == 0 {
				t.Error("no item recorded as skipped")
			}
			// The intruder's lock is still there: the loser's release did
			// not remove it.
			if h, _, ok, _ := r.store.CurrentLock(ctx); !ok || h.Host != "intruder-box" {
				t.Errorf("lock after the run: %+v %v; want the intruder's", h, ok)
			}
		})
	}
}
