package engine

import (
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/store"
)

// Observer is told what happens during a run, as it happens: one method
// per thing, so that a face (the headless printer, the console) handles
// what it cares about and the compiler checks that every face still fits
// when something new is reported. Methods are called from several
// goroutines at once and must not block for long. Embed NopObserver to
// implement only some.
type Observer interface {
	// SourceReading: the member export is being read.
	SourceReading()
	// SourceChanges: watch mode reads the members changed since since.
	SourceChanges(since time.Time)
	// SourceRead: the export was read (members) or failed (err).
	SourceRead(members int, err error)
	// TargetPage: a page of a target's accounts was read; done of total
	// accounts so far (total 0: unknown).
	TargetPage(target string, done, total int)
	// TargetRead: a target's accounts were read (accounts) or not (err).
	TargetRead(target string, accounts int, err error)
	// Writing: a target's writes moved on to phase (PhaseWaiting before
	// any target's writes start, then re-reading before writing, writing,
	// reading back); done of total items are settled.
	Writing(target string, phase apply.Phase, done, total int)
	// Sent: a write request went out to target, sent so far (retries
	// count again) while done of total items are settled: items settle
	// only after their chunk is read back, this shows the writes as they
	// go.
	Sent(target string, sent, done, total int)
	// ItemSettled: one item's outcome on its target (r.Status, r.Err);
	// done of total items of the target are settled.
	ItemSettled(target string, done, total int, r apply.Result)
	// TargetStopped: a target's writes stopped before its last item
	// (authentication refused, the lock lost, its budget spent): err says
	// why; its remaining items settle as skipped.
	TargetStopped(target string, err error)
	// ListNote: what became of a whole-list target's list this run (sent,
	// accepted, waiting for its minimum interval).
	ListNote(target, note string)
	// ListFailed: the upload of a whole-list target's unchanged list (its
	// daily refresh) failed; no item carries the error.
	ListFailed(target string, err error)
	// TookOver: this run took the database over from a run that stopped.
	TookOver(stale store.StaleLock)
	// Recovering: entries journal entries an earlier run left open are
	// being finished.
	Recovering(entries int)
	// Recovered: done of total open entries are settled (target's).
	Recovered(target string, done, total int)
	// Warning: something failed that the run carries on without (a
	// snapshot not saved, a notification not delivered, interrupted
	// writes left open). Target is "" when it concerns no one target.
	Warning(w Warning)
}

// Stage says where in a run a Warning arose.
type Stage string

const (
	StageSource  Stage = "source"  // reading or keeping the member export
	StageTarget  Stage = "target"  // reading or keeping a target's accounts
	StagePlan    Stage = "plan"    // keeping the plan, identities, resolutions
	StageRecover Stage = "recover" // finishing an earlier run's journal
	StageNotify  Stage = "notify"  // telling the admin
)

// Warning is a failure the run carries on without.
type Warning struct {
	Stage  Stage
	Target string
	Err    error
}

// NopObserver ignores everything; embed it to observe only some things.
type NopObserver struct{}

func (NopObserver) SourceReading()                             {}
func (NopObserver) SourceChanges(time.Time)                    {}
func (NopObserver) SourceRead(int, error)                      {}
func (NopObserver) TargetPage(string, int, int)                {}
func (NopObserver) TargetRead(string, int, error)              {}
func (NopObserver) Writing(string, apply.Phase, int, int)      {}
func (NopObserver) Sent(string, int, int, int)                 {}
func (NopObserver) ItemSettled(string, int, int, apply.Result) {}
func (NopObserver) TargetStopped(string, error)                {}
func (NopObserver) ListNote(string, string)                    {}
func (NopObserver) ListFailed(string, error)                   {}
func (NopObserver) TookOver(store.StaleLock)                   {}
func (NopObserver) Recovering(int)                             {}
func (NopObserver) Recovered(string, int, int)                 {}
func (NopObserver) Warning(Warning)                            {}

var _ Observer = NopObserver{}

// observer is the engine's Observer, never nil.
func (e *Engine) observer() Observer {
	if e.obs == nil {
		return NopObserver{}
	}
	return e.obs
}

// warn reports a failure the run carries on without.
func (e *Engine) warn(stage Stage, target string, err error) {
	e.observer().Warning(Warning{Stage: stage, Target: target, Err: err})
}

// PhaseWaiting is Writing's phase for every target with items to write,
// told before the first write of the run: a face shows each target from
// the start, not only once its turn comes (a whole-list target's comes
// after the terminals').
const PhaseWaiting apply.Phase = "waiting"

// announceWrites tells Writing(PhaseWaiting) with its total for every
// target with items selected (written account by account) or byList
// (whole-list targets'), in the plan's order of targets, then any other
// in the order met.
func (e *Engine) announceWrites(targets []plan.TargetSummary, selected []plan.Item, byList map[string][]plan.Item) {
	totals := map[string]int{}
	for _, it := range selected {
		totals[it.Target]++
	}
	for name, items := range byList {
		totals[name] += len(items)
	}
	order := make([]string, 0, len(totals))
	for _, t := range targets {
		order = append(order, t.Name)
	}
	for _, it := range selected {
		order = append(order, it.Target)
	}
	for _, l := range e.lists {
		order = append(order, l.info().Name)
	}
	o := e.observer()
	for _, name := range order {
		if n := totals[name]; n > 0 {
			o.Writing(name, PhaseWaiting, 0, n)
			delete(totals, name)
		}
	}
}

// applyEvents turns the apply runner's events into the observer's calls.
func applyEvents(o Observer) func(apply.Event) {
	return func(ev apply.Event) {
		switch {
		case ev.Sent > 0:
			o.Sent(ev.Target, ev.Sent, ev.Done, ev.Total)
		case ev.Result != nil:
			o.ItemSettled(ev.Target, ev.Done, ev.Total, *ev.Result)
		case ev.Err != nil:
			o.TargetStopped(ev.Target, ev.Err)
		case ev.Phase != apply.PhaseDone:
			o.Writing(ev.Target, ev.Phase, ev.Done, ev.Total)
		}
	}
}
