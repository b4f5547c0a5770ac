package service

import (
	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/engine"
)

// fetchProgress shows a refresh's reads in the console.
type fetchProgress struct {
	engine.NopObserver
	progress func(backend.Progress)
}

func (f fetchProgress) SourceReading() { f.progress(backend.Progress{System: "cardskipper"}) }

func (f fetchProgress) SourceRead(members int, err error) {
	f.progress(backend.Progress{System: "cardskipper", Done: members, Total: members, Err: err, Over: true})
}

func (f fetchProgress) TargetPage(target string, done, total int) {
	f.progress(backend.Progress{System: target, Done: done, Total: total})
}

func (f fetchProgress) TargetRead(target string, accounts int, err error) {
	f.progress(backend.Progress{System: target, Done: accounts, Total: accounts, Err: err, Over: true})
}

// Warning shows a snapshot that could not be kept on its side's line.
func (f fetchProgress) Warning(w engine.Warning) {
	switch {
	case w.Stage == engine.StageSource:
		f.progress(backend.Progress{System: "cardskipper", Err: w.Err, Over: true})
	case w.Stage == engine.StageTarget && w.Target != "":
		f.progress(backend.Progress{System: w.Target, Err: w.Err, Over: true})
	}
}

// applyProgress shows an apply's writes in the console.
type applyProgress struct {
	engine.NopObserver
	progress func(backend.ApplyProgress)
}

func (a applyProgress) Writing(target string, phase apply.Phase, done, total int) {
	a.progress(backend.ApplyProgress{Target: target, Done: done, Total: total, Phase: applyPhase(phase)})
}

// applyPhase is the console's name of a target's phase (backend.ApplyProgress.Phase).
func applyPhase(p apply.Phase) string {
	switch p {
	case engine.PhaseWaiting:
		return "waiting"
	case apply.PhaseRead:
		return "read"
	case apply.PhaseWrite:
		return "write"
	case apply.PhaseVerify:
		return "verify"
	}
	return ""
}

func (a applyProgress) ItemSettled(target string, done, total int, r apply.Result) {
	a.progress(backend.ApplyProgress{Target: target, Done: done, Total: total, ItemID: r.Item.ID, Status: string(r.Status), Err: r.Err})
}

func (a applyProgress) TargetStopped(target string, err error) {
	a.progress(backend.ApplyProgress{Target: target, Err: err})
}

// ListNote shows what became of a whole-list target's list on its line.
func (a applyProgress) ListNote(target, note string) {
	a.progress(backend.ApplyProgress{Target: target, Note: note})
}

// ListFailed shows a failed daily upload of an unchanged list, which no
// item carries.
func (a applyProgress) ListFailed(target string, err error) {
	a.progress(backend.ApplyProgress{Target: target, Err: err})
}

// Sent shows the writes going out before their items settle.
func (a applyProgress) Sent(target string, sent, done, total int) {
	a.progress(backend.ApplyProgress{Target: target, Done: done, Total: total, Sent: sent, Phase: applyPhase(apply.PhaseWrite)})
}
