package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/emulator/site"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/service"
	"github.com/doorsync/doorsync/tui"
)

// e2eInstant is the site's clock in the firmware tests: a fixed instant,
// two days before the spring DST change, so no result depends on the day
// the tests run.
func e2eInstant(t *testing.T) *clock.Running {
	t.Helper()
	return clocktest.At(t, clocktest.Parse(t, "2026-03-27T10:30:00+01:00"))
}

// A site whose terminals print misleading offsets after their Valid digits
// and refuse their own maximum (DS-KV6124-E1) settles: --auto writes, the
// next plan has nothing to write, and every written account keeps its begin
// digit for digit — also a begin in the spring DST gap, one in the autumn
// hour that happens twice, and the begin of an account whose end goes to
// the terminal's maximum (written a day below it).
func TestE2EMisleadingOffsetsSettle(t *testing.T) {
	e := startE2ESiteWith(t, site.Options{Members: 150, Seed: 21, Clock: e2eInstant(t),
		Firmware: map[string]string{"entrance": "kv6124e1", "gym": "kv6124e1"}})
	e.raiseGuard(t)
	first := e2eAutoWrites(e.plan(t))
	if e2eCount(first) < 10 {
		t.Fatalf("the data set gives only %d unattended writes", e2eCount(first))
	}
	// Odd begins on accounts that will be written.
	odd := map[string]string{}
	for _, name := range []string{"entrance", "gym"} {
		_, term := e.terminal(t, name)
		ps := term.Persons()
		n := 0
		for i, p := range ps {
			if _, ok := first[name][p.EmployeeNo]; !ok || n == 2 {
				continue
			}
			ps[i].Valid.BeginTime = []string{"2025-03-30T02:30:00", "2025-10-26T02:30:00"}[n]
			odd[name+"/"+p.EmployeeNo] = ps[i].Valid.BeginTime
			n++
		}
		term.SetPersons(ps)
	}
	// One member renewed far beyond what a terminal holds.
	var far string
	for _, it := range e2eItems(first) {
		if it.Kind == plan.Extend && it.Email != "" {
			far = string(it.Email)
			break
		}
	}
	e.renewUntil(t, far, "2045-06-30")

	p1 := e.plan(t)
	writes := e2eAutoWrites(p1)
	clamped := 0
	for _, it := range e2eItems(writes) {
		if string(it.Email) == far {
			if !it.Clamped || it.DesiredEnd.Format(e2eTerminalLayout) != "2037-12-31T23:59:59" {
				t.Fatalf("the member renewed until 2045 is planned as %s %s (clamped %v)", it.Kind, it.DesiredEnd, it.Clamped)
			}
			clamped++
		}
	}
	if clamped == 0 {
		t.Fatalf("%s has no unattended write in the plan", far)
	}
	before := e.snapshot()
	if r := e.run(t, "--auto"); r.code != e2eExpectedCode(p1) {
		t.Fatalf("--auto: exit %d, want %d\n%s\n%s", r.code, e2eExpectedCode(p1), r.stdout, r.stderr)
	}
	after := e.snapshot()
	for term, m := range writes {
		for no, it := range m {
			was, now := before[term][no], after[term][no]
			if now.Valid.BeginTime != was.Valid.BeginTime {
				t.Errorf("%s %s: begin %q became %q", term, no, was.Valid.BeginTime, now.Valid.BeginTime)
			}
			want := e2eWantEnd(it)
			if string(it.Email) == far {
				want = "2037-12-30T23:59:59" // a day below the maximum the terminal refuses
			}
			if now.Valid.EndTime != want {
				t.Errorf("%s %s (%s): ends %s, want %s", term, no, it.Kind, now.Valid.EndTime, want)
			}
		}
	}
	for key, begin := range odd {
		term, no, _ := strings.Cut(key, "/")
		if got := after[term][no].Valid.BeginTime; got != begin {
			t.Errorf("%s: odd begin %q became %q", key, begin, got)
		}
	}

	// The next plan has nothing to write, and a run writes nothing.
	p2 := e.plan(t)
	if again := e2eAutoWrites(p2); e2eCount(again) != 0 {
		for _, it := range e2eItems(again) {
			t.Errorf("written again: %s %s on %s: %s → %s (%s)", it.Kind, it.Account, it.Target, it.CurrentEnd, it.DesiredEnd, it.Reason)
		}
	}
	for _, it := range p2.Items {
		if _, ok := writes[it.Target][it.Account]; ok && it.Kind != plan.InSync {
			t.Errorf("%s on %s: %s after the write (%s)", it.Account, it.Target, it.Kind, it.Reason)
		}
		if string(it.Email) == far && !strings.Contains(it.Reason, "a day below the target's maximum") {
			t.Errorf("%s on %s: reason %q does not say why a day below the maximum is in sync", it.Account, it.Target, it.Reason)
		}
	}
	modifies := e.modifies()
	if r := e.run(t, "--auto"); r.code != e2eExpectedCode(p2) {
		t.Fatalf("second --auto: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := e.modifies() - modifies; n != 0 {
		t.Errorf("the second run sent %d Modify requests", n)
	}
	if !slices.Equal(e2eBegins(before), e2eBegins(e.snapshot())) {
		t.Error("a begin changed on some terminal")
	}
}

// e2eItems lists the items of e2eAutoWrites in a stable order.
func e2eItems(w map[string]map[string]plan.Item) []plan.Item {
	var out []plan.Item
	for _, m := range w {
		for _, it := range m {
			out = append(out, it)
		}
	}
	slices.SortFunc(out, func(a, b plan.Item) int { return strings.Compare(a.Target+a.Account, b.Target+b.Account) })
	return out
}

// e2eBegins is every person's begin on every terminal, sorted.
func e2eBegins(p e2ePersons) []string {
	var out []string
	for term, m := range p {
		for no, person := range m {
			out = append(out, term+"/"+no+"="+person.Valid.BeginTime)
		}
	}
	slices.Sort(out)
	return out
}

// renewUntil sets the end of every role of the member with this e-mail in
// Cardskipper.
func (e *e2eSite) renewUntil(t *testing.T, email, end string) {
	t.Helper()
	for _, m := range e.CardskipperServer.Members() {
		if !strings.EqualFold(m.Email, email) {
			continue
		}
		for i := range m.Roles {
			m.Roles[i].EndDate = end
		}
		e.CardskipperServer.Upsert(m)
		return
	}
	t.Fatalf("no member %q in Cardskipper", email)
}

// A terminal whose event search refuses a time range and logs some events
// in 1970 (DS-K1T341AM): the console's detail shows the member's events
// with a note of those left out, and fails nothing.
func TestE2EConsoleEventsWithClockReset(t *testing.T) {
	clk := e2eInstant(t)
	e := startE2ESiteWith(t, site.Options{Members: 60, Seed: 8, Clock: clk, Firmware: map[string]string{"entrance": "k1t341am"}})
	app, _, _ := newTestApp(clk, nil)
	ctx := context.Background()
	ses, err := app.openSession(ctx, &globalOptions{configPath: e.cfg}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ses.close()
	be := &consoleBackend{Service: ses.svc, ses: ses}
	ep, term := e.terminal(t, "entrance")
	// The account with the most events logged in 1970. The site seeds two
	// weeks of events, all inside the console's window, and the read below
	// asks for more events than anyone has: every one is read.
	since := clk.Now().AddDate(0, 0, -service.EventsWindowDays)
	resets := map[string]int{}
	for _, ev := range term.Events() {
		if ev.ClockReset && !ev.Time.Before(since) {
			resets[ev.EmployeeNo]++
		}
	}
	best := ""
	for no, n := range resets {
		if n > resets[best] || (n == resets[best] && no < best) {
			best = no
		}
	}
	if resets[best] == 0 {
		t.Fatal("the site seeded no event with a reset clock")
	}
	refs := []tui.AccountRef{{Target: "entrance", Account: best}}
	for round := range 2 {
		ep.Log.Reset()
		res, err := be.Events(ctx, refs, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Failed) != 0 || !slices.Equal(res.Read, []string{"entrance"}) {
			t.Fatalf("read %v, failed %v", res.Read, res.Failed)
		}
		for _, en := range res.Entries {
			if en.Time.Year() < 2000 || en.Account != best {
				t.Errorf("entry %+v", en.Event)
			}
		}
		want := fmt.Sprintf("entrance: %d events of %s with a reset clock (1970) left out", resets[best], best)
		if resets[best] == 1 {
			want = fmt.Sprintf("entrance: 1 event of %s with a reset clock (1970) left out", best)
		}
		if !slices.Equal(res.Notes, []string{want}) {
			t.Errorf("round %d: notes %q, want %q", round+1, res.Notes, want)
		}
		// The form that works is remembered for the session: the time range
		// is tried (and refused) on the first read only.
		refused := ep.Log.Count(func(q emulator.Request) bool { return q.Path == "/ISAPI/AccessControl/AcsEvent" && q.Status == 400 })
		if want := []int{1, 0}[round]; refused != want {
			t.Errorf("round %d: %d refused event searches, want %d", round+1, refused, want)
		}
	}
}
