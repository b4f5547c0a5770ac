package cli

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/service"
	"github.com/doorsync/doorsync/internal/store"
)

type linesPrinter struct{ lines []Line }

func (p *linesPrinter) Print(l Line) { p.lines = append(p.lines, l) }

// What a cron mail shows of a run's progress: the journal and a whole-list
// target's decisions always, warnings the admin must act on always,
// failures the outcome reports anyway and each item only with --debug.
func TestProgressPrinter(t *testing.T) {
	boom := errors.New("boom")
	item := plan.Item{Kind: plan.Extend, Target: "entrance", Account: "1001", Email: "ana@example.si"}
	report := func(o engine.Observer) {
		o.SourceReading()
		o.SourceRead(0, boom)
		o.TargetPage("entrance", 30, 60)
		o.TargetRead("entrance", 0, boom)
		o.Writing("entrance", apply.PhaseWrite, 0, 1)
		o.TargetStopped("entrance", boom)
		o.ItemSettled("entrance", 1, 1, apply.Result{Item: item, Status: apply.Applied})
		o.ListNote("ntk", "NTK accepted the access list")
		o.ListFailed("ntk", boom)
		o.TookOver(store.StaleLock{Holder: store.LockHolder{PID: 42, Host: "box"}, Since: time.Date(2026, 5, 1, 10, 0, 0, 0, time.Local), Reason: "pid 42 is no longer running on box"})
		o.Recovering(3)
		o.Recovered("entrance", 1, 3)
		o.Warning(engine.Warning{Stage: engine.StageTarget, Target: "entrance", Err: errors.New("save account snapshot: disk full")})
		o.Warning(engine.Warning{Stage: engine.StageNotify, Err: errors.New("notification failed")})
	}
	cfg := &config.Config{NTK: &config.NTK{Name: "ntk"}}
	always := []Line{
		{Status: StatusInfo, Subject: "NTK", Detail: "NTK accepted the access list"},
		{Status: StatusInfo, Subject: "journal", Detail: "took over the database from a run that stopped (pid 42 on box, since 2026-05-01 10:00:00): pid 42 is no longer running on box"},
		{Status: StatusInfo, Subject: "journal", Detail: "finishing 3 journal entries an earlier run left open"},
		{Status: StatusWarn, Subject: "notify", Detail: "notification failed"},
	}
	for _, debug := range []bool{false, true} {
		p := &linesPrinter{}
		report((&App{}).progressPrinter(p, cfg, debug))
		want := always
		if debug {
			want = []Line{
				{Status: StatusWarn, Subject: "source", Detail: "boom"},
				{Status: StatusWarn, Subject: "terminal entrance", Detail: "boom"},
				{Status: StatusWarn, Subject: "terminal entrance", Detail: "boom"},
				{Status: StatusInfo, Subject: "apply", Detail: "extend entrance account 1001 <ana@example.si>: applied"},
				always[0],
				{Status: StatusWarn, Subject: "NTK", Detail: "boom"},
				always[1], always[2],
				{Status: StatusWarn, Subject: "terminal entrance", Detail: "save account snapshot: disk full"},
				always[3],
			}
		}
		if !reflect.DeepEqual(p.lines, want) {
			t.Errorf("debug %v: printed\n%+v\nwant\n%+v", debug, p.lines, want)
		}
	}
}

// A target stopped after rejected credentials is a failure line; a hold
// that could not be remembered is a warning (the next run tries again).
func TestPrintStops(t *testing.T) {
	p := &linesPrinter{}
	printStops(p, []service.Stop{
		{Target: "neyross", Subject: "NEYROSS", Detail: "stopped after it rejected the API token; later runs leave it alone until 2025-11-01 15:00 or until its token in the configuration changes"},
		{Target: "ntk", Subject: "NTK", Err: errors.New("database is locked")},
	})
	want := []Line{
		{Status: StatusFail, Subject: "NEYROSS", Detail: "stopped after it rejected the API token; later runs leave it alone until 2025-11-01 15:00 or until its token in the configuration changes"},
		{Status: StatusWarn, Subject: "NTK", Detail: "could not remember the authentication stop: database is locked"},
	}
	if !reflect.DeepEqual(p.lines, want) {
		t.Errorf("printed\n%+v\nwant\n%+v", p.lines, want)
	}
}
