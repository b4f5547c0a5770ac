package apply_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/emulator"
	hikemu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/hikvision"
)

// A terminal that refuses its own maximum (DS-KV6124-E1) holds a day below
// it after the write; the read-back counts that as the desired maximum
// (plan.EndHeld) and the item says so, instead of failing a write that the
// next run would only repeat.
func TestApplyAcceptsADayBelowARefusedMaximum(t *testing.T) {
	zone, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatal(err)
	}
	p, err := hikemu.LookupProfile("kv6124e1")
	if err != nil {
		t.Fatal(err)
	}
	log := &emulator.RequestLog{}
	term := hikemu.New(p.Apply(hikemu.Config{Username: "admin", Password: "pw-4711", Zone: zone, Clock: clocktest.Start(t), Log: log}))
	term.SetPersons([]hikemu.Person{{EmployeeNo: "1042", Name: "Ziga Ceh", UserType: "normal",
		Valid: hikemu.Valid{Enable: true, BeginTime: "2024-03-04T00:00:00", EndTime: "2026-10-01T23:59:59", TimeType: "local"}}})
	srv := httptest.NewServer(term)
	t.Cleanup(srv.Close)
	tg, err := hikvision.NewTarget(hikvision.Config{Name: "entrance", BaseURL: srv.URL, Username: "admin", Password: "pw-4711",
		Zone: zone})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tg.Close)
	if err := tg.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	maxEnd := tg.Info().MaxEnd
	it := plan.Item{ID: "i1", Kind: plan.Extend, Target: "entrance", Account: "1042", Clamped: true,
		CurrentEnd: plan.LocalTime{Time: time.Date(2026, 10, 1, 23, 59, 59, 0, zone)},
		DesiredEnd: plan.LocalTime{Time: maxEnd.In(zone)}, Reason: "renewed in Cardskipper"}
	eng := apply.Runner{Targets: map[string]target.Target{"entrance": tg}, Recorder: newRecorder(nil), RunID: 1, Retry: instant()}
	res, err := eng.Run(context.Background(), []plan.Item{it})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	dayBelow := time.Date(2037, 12, 30, 23, 59, 59, 0, zone)
	if r.Status != apply.Applied || r.Err != nil || !r.After.Equal(dayBelow) {
		t.Fatalf("result %s %v, after %v; want applied holding %v", r.Status, r.Err, r.After, dayBelow)
	}
	if !strings.Contains(r.Item.Reason, "a day below the target's maximum") {
		t.Errorf("reason %q does not say the end is a day below the maximum", r.Item.Reason)
	}
	if got, _ := term.Person("1042"); got.Valid.EndTime != "2037-12-30T23:59:59" || got.Valid.BeginTime != "2024-03-04T00:00:00" {
		t.Errorf("terminal holds %+v", got.Valid)
	}
}
