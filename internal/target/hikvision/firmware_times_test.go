package hikvision_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/emulator"
	emu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
)

// profileBench is a bench playing a firmware profile of a real device.
func profileBench(t *testing.T, name string) *bench {
	t.Helper()
	p, err := emu.LookupProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return newBench(t, p.Apply(emu.Config{}))
}

// sentValid is the Valid of every Modify the terminal answered, in order.
func sentValid(t *testing.T, log *emulator.RequestLog) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range log.Entries() {
		if r.Path != pathModify || r.Status == 401 {
			continue
		}
		var body struct {
			UserInfo struct{ Valid map[string]any }
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("Modify body %s: %v", r.Body, err)
		}
		out = append(out, body.UserInfo.Valid)
	}
	return out
}

// A terminal that prints "+00:00" after its wall-clock digits (in a
// UTC+1/DST zone) is read by the digits: the end compares as the date it
// holds, the begin goes back digit for digit, and what was written reads
// back as exactly what was wanted — a plan right after it is in sync.
func TestMisleadingOffsetIsIgnored(t *testing.T) {
	b := profileBench(t, "kv6124e1")
	begins := map[string]string{
		"1000": "2026-09-09T09:00:00", // the real device's read-back
		"1001": "2025-03-30T02:30:00", // in the spring DST gap: no such wall time in the zone
		"1002": "2025-10-26T02:30:00", // in the autumn hour that happens twice
	}
	b.seed(3)
	var ps []emu.Person
	for _, p := range b.term.Persons() {
		p.Valid.BeginTime = begins[p.EmployeeNo]
		p.Valid.EndTime = "2026-09-10T23:59:59"
		ps = append(ps, p)
	}
	b.term.SetPersons(ps)
	ctx := context.Background()
	accs, err := b.target.Inventory(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	held := time.Date(2026, 9, 10, 23, 59, 59, 0, b.zone)
	want := time.Date(2027, 9, 10, 23, 59, 59, 0, b.zone)
	var updates []target.Update
	for _, a := range accs {
		if !a.End.Equal(held) || len(a.Problems) > 0 {
			t.Errorf("%s: end %v (problems %v), want the digits %v", a.ID, a.End, a.Problems, held)
		}
		updates = append(updates, target.Update{Account: a, End: want})
	}
	if begin := accs[0].Begin; !begin.Equal(time.Date(2026, 9, 9, 9, 0, 0, 0, b.zone)) {
		t.Errorf("begin %v: the printed +00:00 was trusted", begin)
	}
	for i, err := range b.target.Write(ctx, updates) {
		if err != nil {
			t.Errorf("write %s: %v", updates[i].Account.ID, err)
		}
	}
	for i, v := range sentValid(t, b.log) {
		no := accs[i].ID
		if v["beginTime"] != begins[no] || v["endTime"] != "2027-09-10T23:59:59" {
			t.Errorf("%s: Modify sent %v, want beginTime %s exactly", no, v, begins[no])
		}
		if p, _ := b.term.Person(no); p.Valid.BeginTime != begins[no] {
			t.Errorf("%s: terminal holds begin %q, had %q", no, p.Valid.BeginTime, begins[no])
		}
	}
	back, err := b.target.Lookup(ctx, []string{"1000", "1001", "1002"})
	if err != nil {
		t.Fatal(err)
	}
	for no, a := range back {
		if !plan.EndHeld(a.End, want, b.target.Info().MaxEnd) || !a.End.Equal(want) {
			t.Errorf("%s reads back %v, want %v", no, a.End, want)
		}
	}
}

// The same firmware refuses a Valid at its advertised bounds. The client
// writes a day inside them, learns it, and goes straight there next time.
func TestBoundsRefusedAreWrittenADayInside(t *testing.T) {
	b := profileBench(t, "kv6124e1")
	b.seed(3)
	ps := b.term.Persons()
	ps[2].Valid.BeginTime = "2000-01-01T00:00:00" // the advertised minimum
	b.term.SetPersons(ps)
	ctx := context.Background()
	accs, err := b.target.Lookup(ctx, []string{"1000", "1001", "1002"})
	if err != nil {
		t.Fatal(err)
	}
	maxEnd := b.target.Info().MaxEnd
	if got := maxEnd.Format("2006-01-02T15:04:05"); got != "2037-12-31T23:59:59" {
		t.Fatalf("MaxEnd %s", got)
	}
	// The first write is refused at the maximum and sent again a day
	// earlier; the second goes there at once; the third has its begin on
	// the minimum and gets that moved a day inside too.
	for _, no := range []string{"1000", "1001", "1002"} {
		if errs := b.target.Write(ctx, []target.Update{{Account: accs[no], End: maxEnd}}); errs[0] != nil {
			t.Fatalf("write %s: %v", no, errs[0])
		}
	}
	var got []string
	for _, v := range sentValid(t, b.log) {
		got = append(got, v["beginTime"].(string)+"…"+v["endTime"].(string))
	}
	want := []string{
		"2024-03-04T00:00:00…2037-12-31T23:59:59", // refused
		"2024-03-04T00:00:00…2037-12-30T23:59:59",
		"2024-03-04T00:00:00…2037-12-30T23:59:59",
		"2000-01-02T00:00:00…2037-12-30T23:59:59",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Modify sent\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	back, err := b.target.Lookup(ctx, []string{"1000", "1001", "1002"})
	if err != nil {
		t.Fatal(err)
	}
	for no, a := range back {
		if a.End.Equal(maxEnd) || !plan.EndHeld(a.End, maxEnd, maxEnd) {
			t.Errorf("%s holds %v: want a day below the maximum, which counts as the maximum", no, a.End)
		}
	}
}

// A refusal that is not about the bounds stands: nothing is moved, nothing
// is sent again.
func TestBoundsRefusalForAnotherCauseStands(t *testing.T) {
	b := profileBench(t, "kv6124e1")
	b.seed(1)
	ctx := context.Background()
	accs, err := b.target.Lookup(ctx, []string{"1000"})
	if err != nil {
		t.Fatal(err)
	}
	b.term.ScriptReply(pathModify, 400, `{"statusCode":6,"statusString":"Invalid Content","subStatusCode":"badJsonContent","errorCode":1610612759,"errorMsg":"beginTime and endTime"}`)
	errs := b.target.Write(ctx, []target.Update{{Account: accs["1000"], End: time.Date(2026, 5, 31, 23, 59, 59, 0, b.zone)}})
	if errs[0] == nil || target.ClassOf(errs[0]) != target.Permanent || !strings.Contains(errs[0].Error(), "modify 1000") ||
		!strings.Contains(errs[0].Error(), "beginTime and endTime") {
		t.Fatalf("want the terminal's refusal naming the account, got %v", errs[0])
	}
	if n := len(sentValid(t, b.log)); n != 1 {
		t.Errorf("%d Modify requests, want 1", n)
	}

	// Refused at the maximum and a day inside it too: the second refusal
	// is the error, the first is named in it, and nothing is learnt.
	refusal := `{"statusCode":6,"statusString":"Invalid Content","subStatusCode":"badJsonContent","errorCode":1610612759,"errorMsg":"beginTime and endTime"}`
	b.term.ScriptReply(pathModify, 400, refusal)
	b.term.ScriptReply(pathModify, 400, refusal)
	errs = b.target.Write(ctx, []target.Update{{Account: accs["1000"], End: b.target.Info().MaxEnd}})
	if errs[0] == nil || target.ClassOf(errs[0]) != target.Permanent ||
		!strings.Contains(errs[0].Error(), "modify 1000 (endTime 2037-12-30T23:59:59, a day before the terminal's maximum, which it refuses)") ||
		!strings.HasSuffix(errs[0].Error(), "(sent again after the terminal refused the bounds: Invalid Content: beginTime and endTime)") {
		t.Errorf("both refused: %v", errs[0])
	}
	if errs := b.target.Write(ctx, []target.Update{{Account: accs["1000"], End: b.target.Info().MaxEnd}}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	if got := sentValid(t, b.log); len(got) != 5 || got[3]["endTime"] != "2037-12-31T23:59:59" {
		t.Errorf("after two refusals the maximum was not tried again: %v", got)
	}
}

// resetIn counts the events of one person, oldest first, at the given
// [from, to) index spans that the terminal logged with a reset clock.
func resetIn(term *emu.Terminal, no string, spans ...[2]int) int {
	var mine []emu.Event
	for _, e := range term.Events() {
		if e.EmployeeNo == no {
			mine = append(mine, e)
		}
	}
	reset := 0
	for _, s := range spans {
		for _, e := range mine[s[0]:s[1]] {
			if e.ClockReset {
				reset++
			}
		}
	}
	return reset
}

// DS-K1T341AM: the event search refuses startTime/endTime and needs major;
// some events carry 1970. The client asks without a range, filters the
// window itself, remembers the form, and leaves the 1970 events out with a
// count instead of failing the page.
func TestEventsOnFirmwareWithoutTimeRange(t *testing.T) {
	for _, oldest := range []bool{false, true} {
		name := "newest first"
		if oldest {
			name = "firmware without timeReverseOrder"
		}
		t.Run(name, func(t *testing.T) {
			p, err := emu.LookupProfile("k1t341am")
			if err != nil {
				t.Fatal(err)
			}
			cfg := p.Apply(emu.Config{EventsOldestFirst: oldest})
			b, now := eventBench(t, cfg, 100)
			ctx := context.Background()
			// The window: the last 24 hours of 100.
			q := target.EventQuery{Account: "1001", Since: now.Add(-24 * time.Hour), Until: now, Limit: 10}
			evs, notes, err := b.target.EventsNoted(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 10 {
				t.Fatalf("%d events, want 10", len(evs))
			}
			for i, e := range evs {
				if e.Time.Before(q.Since) || e.Time.After(now) || (i > 0 && !e.Time.Before(evs[i-1].Time)) {
					t.Errorf("event %d at %v: outside the window or out of order", i, e.Time)
				}
			}
			// Newest first, the first page (the newest 30 of 100) holds ten
			// in the window. Oldest first: the first page (the oldest 30),
			// then back from the end ten at a time: the last ten hold a 1970
			// event, so the ten before them are read too.
			wantPos := []float64{0}
			reset := resetIn(b.term, "1001", [2]int{70, 100})
			if oldest {
				wantPos = []float64{0, 90, 80}
				reset = resetIn(b.term, "1001", [2]int{0, 30}, [2]int{80, 100})
			}
			if reset == 0 {
				t.Fatal("the profile logged no 1970 event among those read: the test proves nothing")
			}
			want := fmt.Sprintf("%d events of 1001 with a reset clock (1970) left out", reset)
			if !slices.Equal(notes, []string{want}) {
				t.Errorf("notes %q, want %q", notes, want)
			}
			// Every search sent major; the first one with a range was
			// refused, every later one went without.
			checkEventForms(t, b, wantPos, true)

			// The next read goes without a range at once.
			b.log.Reset()
			if _, err := b.target.Events(ctx, q); err != nil {
				t.Fatal(err)
			}
			checkEventForms(t, b, wantPos, false)
		})
	}
}

// checkEventForms checks the AcsEvent searches a terminal got: major
// always, one refused search with a time range first when refused is set,
// then searches without a range at the positions wanted.
func checkEventForms(t *testing.T, b *bench, positions []float64, refused bool) {
	t.Helper()
	var got []float64
	for i, s := range b.acsSearches(t) {
		_, ranged := s.cond["startTime"]
		if s.cond["major"] != float64(5) {
			t.Errorf("search without major 5: %v", s.cond)
		}
		switch {
		case i == 0 && refused:
			if !ranged || s.status != 400 {
				t.Errorf("first search %d %v: want a refused one with a time range", s.status, s.cond)
			}
			continue
		case ranged || s.status != 200:
			t.Errorf("search %d %v: want one without a time range, answered", s.status, s.cond)
		}
		got = append(got, s.cond["searchResultPosition"].(float64))
	}
	if !slices.Equal(got, positions) {
		t.Errorf("searches at %v, want %v", got, positions)
	}
}

// Without a range on the terminal, a newest-first read stops at the first
// event older than the window instead of reading the whole history.
func TestEventsWithoutRangeStopAtTheWindow(t *testing.T) {
	b, now := eventBench(t, emu.Config{Quirks: emu.Quirks{EventNoTimeRange: true}}, 200)
	evs, err := b.target.Events(context.Background(), target.EventQuery{Account: "1001",
		Since: now.Add(-5*time.Hour - 30*time.Minute), Until: now, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 5 {
		t.Errorf("%d events, want the 5 of the last 5½ hours", len(evs))
	}
	if n := b.log.Count(func(r emulator.Request) bool { return r.Path == pathAcsEvent && r.Status == 200 }); n != 1 {
		t.Errorf("%d pages read, want 1 (it holds an event older than the window)", n)
	}
}

// A terminal that cannot search by time and whose clock ran decades ahead:
// every event of the person is dated after the window, so none is in it and
// none is older than it. The read stops at its page cap instead of reading
// the whole log (holding the terminal's one request slot), and says so; an
// event dated after 2100 is left out and counted, never failing its page.
func TestEventsReadStopsAtItsPageCap(t *testing.T) {
	b, now := eventBench(t, emu.Config{Quirks: emu.Quirks{EventNoTimeRange: true}}, 1)
	ahead := now.AddDate(60, 0, 0)
	for i := range 1500 {
		b.term.AddEvent(emu.Event{Time: ahead.Add(time.Duration(i) * time.Minute), Minor: emu.MinorFaceVerified, EmployeeNo: "1001"})
	}
	b.term.AddEvent(emu.Event{Time: time.Date(2999, 1, 1, 8, 0, 0, 0, now.Location()), Minor: emu.MinorFaceVerified, EmployeeNo: "1001"})
	evs, notes, err := b.target.EventsNoted(context.Background(), target.EventQuery{Account: "1001",
		Since: now.AddDate(0, 0, -14), Until: now, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	pages := b.log.Count(func(r emulator.Request) bool { return r.Path == pathAcsEvent && r.Status == 200 })
	if len(evs) != 1 || !evs[0].Time.Equal(now.Add(-time.Hour)) || pages != 1+17 {
		t.Errorf("%d events in %d pages; want the one of an hour ago, within the cap of 18 pages", len(evs), pages)
	}
	joined := strings.Join(notes, "\n")
	for _, want := range []string{"1 event of 1001 dated after 2100 left out",
		"events of 1001 dated in the future left out (is the terminal's clock ahead?)",
		"stopped after reading ", " of the 1502 events of 1001 the terminal matched: older ones not read"} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
}
