package cli

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/emulator"
	hikemu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	"github.com/doorsync/doorsync/internal/emulator/site"
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/tui"
)

// probeMsg makes the program run its filter, where the model may be read.
type probeMsg struct{}

// watcher reads the console's state inside the program's event loop.
type watcher struct {
	mu    sync.Mutex
	state tui.State
}

func (w *watcher) filter(m tea.Model, msg tea.Msg) tea.Msg {
	if c, ok := m.(*tui.Model); ok {
		w.mu.Lock()
		w.state = c.State()
		w.mu.Unlock()
	}
	return msg
}

// waitState probes the program until cond holds for its state.
func (w *watcher) waitState(t *testing.T, tm *teatest.TestModel, what string, cond func(tui.State) bool) tui.State {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second) // wall clock: a polling deadline
	for time.Now().Before(deadline) {            // wall clock: a polling deadline
		tm.Send(probeMsg{})
		time.Sleep(20 * time.Millisecond)
		w.mu.Lock()
		s := w.state
		w.mu.Unlock()
		if cond(s) {
			return s
		}
	}
	t.Fatalf("console never reached: %s (status %q)", what, w.state.Status)
	return tui.State{}
}

func keys(tm *teatest.TestModel, ks ...tea.KeyPressMsg) {
	for _, k := range ks {
		tm.Send(k)
	}
}

func key(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Text: string(r)} }

// TestConsoleEndToEnd drives the console against the emulated site: load,
// filter to the renewals, select them all, approve, and check the terminals
// now hold the new dates.
func TestConsoleEndToEnd(t *testing.T) {
	s, cfgPath := startSite(t, 80)
	app, _, _ := newTestApp(s.Clock, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ses, err := app.openSession(ctx, &globalOptions{configPath: cfgPath}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ses.close()
	w := &watcher{}
	tm := teatest.NewTestModel(t, app.newConsole(ctx, ses, nil), teatest.WithInitialTermSize(160, 48),
		teatest.WithProgramOptions(tea.WithFilter(w.filter)))

	st := w.waitState(t, tm, "loaded from both sides", func(s tui.State) bool { return s.Loaded && !s.Refreshing && !s.Stored })
	var want []plan.Item
	for _, it := range st.Plan.Items {
		if it.Kind == plan.Extend {
			want = append(want, it)
		}
	}
	if len(want) == 0 {
		t.Fatal("the data set has no renewals to apply")
	}
	keys(tm, key('2')) // the extend tab
	w.waitState(t, tm, "extend tab", func(s tui.State) bool { return s.Rows > 0 && s.Rows <= len(want) })
	keys(tm, tea.KeyPressMsg{Code: 'a', ShiftedCode: 'A', Text: "A", Mod: tea.ModShift})
	w.waitState(t, tm, "all selected", func(s tui.State) bool { return s.Selected == len(want) })
	if n := s.Terminals[0].Log.Count(func(q emulator.Request) bool { return q.Method == "PUT" }); n != 0 {
		t.Fatalf("%d writes before approval", n)
	}
	keys(tm, key('a'), key('y'))
	st = w.waitState(t, tm, "applied and refreshed", func(s tui.State) bool {
		return s.LastApply != nil && !s.Applying && !s.Refreshing
	})
	if st.LastApply.Applied != len(want) || st.LastApply.Failed != 0 {
		t.Fatalf("apply: %+v, want %d applied", *st.LastApply, len(want))
	}
	if st.Selected != 0 {
		t.Fatalf("%d items still selected after a clean apply", st.Selected)
	}
	for _, it := range st.Plan.Items {
		if it.Kind == plan.Extend {
			t.Errorf("after the refresh %s on %s is still to extend", it.Email, it.Target)
		}
	}
	for _, it := range want {
		if it.System == "neyross" {
			np, ok := s.NeyrossServer.Person(it.Account)
			if !ok || np.Expiration == nil || *np.Expiration != it.DesiredEnd.Unix() {
				t.Errorf("neyross person %s <%s>: expiration %v, want %d", it.Account, it.Email, np.Expiration, it.DesiredEnd.Unix())
			}
			continue
		}
		p, ok := s.TerminalServers[it.Target].Person(it.Account)
		if !ok {
			t.Fatalf("%s account %s vanished", it.Target, it.Account)
		}
		if got, exp := p.Valid.EndTime, it.DesiredEnd.Format("2006-01-02T15:04:05"); got != exp {
			t.Errorf("%s account %s <%s>: terminal holds end %s, want %s", it.Target, it.Account, it.Email, got, exp)
		}
	}
	keys(tm, tea.KeyPressMsg{Code: tea.KeyEscape}, key('q'))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second))
	if _, ok := fm.(*tui.Model); !ok {
		t.Fatalf("final model is %T", fm)
	}
	runs, err := ses.store.Runs(ctx, 1)
	if err != nil || len(runs) != 1 || runs[0].Mode != "console" {
		t.Fatalf("run not recorded as a console run: %+v %v", runs, err)
	}
}

// After a refresh saved the snapshots, the next console starts from them.
func TestConsoleStoredStart(t *testing.T) {
	s, cfgPath := startSite(t, 30)
	app, _, _ := newTestApp(s.Clock, nil)
	ctx := context.Background()
	ses, err := app.openSession(ctx, &globalOptions{configPath: cfgPath}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ses.close()
	be := &consoleBackend{Service: ses.svc, ses: ses}
	if _, err := be.Open(ctx, nil); !errors.Is(err, tui.ErrNoSnapshot) {
		t.Fatalf("empty database: %v, want ErrNoSnapshot", err)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	fresh, err := be.Refresh(ctx, func(p tui.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if p.Over && p.Err == nil {
			seen[p.System] = true
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, sys := range []string{"cardskipper", "entrance", "gym"} {
		if !seen[sys] {
			t.Errorf("no finished progress for %s: %v", sys, seen)
		}
	}
	stored, err := be.Open(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !stored.Stored || stored.TakenAt.IsZero() || len(stored.Plan.Items) != len(fresh.Plan.Items) {
		t.Fatalf("stored start: stored %v taken %v, %d items vs %d fresh", stored.Stored, stored.TakenAt, len(stored.Plan.Items), len(fresh.Plan.Items))
	}
	for _, tg := range stored.Plan.Targets {
		if tg.Error != "" {
			t.Errorf("stored target %s: %s", tg.Name, tg.Error)
		}
	}
}

func TestConsoleNeedsATerminal(t *testing.T) {
	r := runApp(t, clocktest.Start(t), nil)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "the console needs a terminal") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// terminalRequests counts the requests every emulated terminal has served.
func terminalRequests(s *site.Site) int {
	n := 0
	for _, t := range s.Terminals {
		n += t.Log.Count(func(emulator.Request) bool { return true })
	}
	return n
}

func findItem(p plan.Plan, email member.Email, targetName string) (plan.Item, bool) {
	for _, it := range p.Items {
		if it.Email == email && it.Target == targetName {
			return it, true
		}
	}
	return plan.Item{}, false
}

// TestConsoleLinksConfirmSuggestion drives the identity view against the
// emulated site: open it, confirm the top suggestion (a member whose person
// on the terminal carries no e-mail), and check the store holds the link
// and the plan pairs them, without reading the terminals again.
func TestConsoleLinksConfirmSuggestion(t *testing.T) {
	s, cfgPath := startSite(t, 60)
	app, _, _ := newTestApp(s.Clock, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ses, err := app.openSession(ctx, &globalOptions{configPath: cfgPath}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ses.close()
	w := &watcher{}
	tm := teatest.NewTestModel(t, app.newConsole(ctx, ses, nil), teatest.WithInitialTermSize(160, 48),
		teatest.WithProgramOptions(tea.WithFilter(w.filter)))
	w.waitState(t, tm, "loaded from both sides", func(s tui.State) bool { return s.Loaded && !s.Refreshing && !s.Stored })

	// L opens the view on the table's first row when it misses an account
	// (rows with identity changes come first); g, once ranked, goes to the
	// best match.
	keys(tm, tea.KeyPressMsg{Code: 'l', ShiftedCode: 'L', Text: "L", Mod: tea.ModShift})
	w.waitState(t, tm, "links view ranked", func(s tui.State) bool { return s.Screen == "links" && s.Links.Ranked })
	keys(tm, key('g'))
	st := w.waitState(t, tm, "the best suggestion chosen", func(s tui.State) bool {
		return s.Screen == "links" && s.Links.Ranked && s.Links.Chosen != nil
	})
	sg := *st.Links.Chosen
	if sg.Score != identity.ScoreExact {
		t.Fatalf("the top suggestion is not an exact name match: %+v", sg)
	}
	if it, ok := findItem(st.Plan, sg.Email, sg.Target); !ok || it.Kind != plan.Missing {
		t.Fatalf("before: %s on %s is %+v", sg.Email, sg.Target, it)
	}
	person, ok := s.TerminalServers[sg.Target].Person(sg.Account)
	if !ok {
		t.Fatalf("%s has no person %s", sg.Target, sg.Account)
	}
	if len(person.Extends) != 0 {
		t.Fatalf("person %s on %s carries an e-mail: %+v", sg.Account, sg.Target, person.Extends)
	}
	if member.FoldName(person.Name) != member.FoldName(sg.MemberName) {
		t.Fatalf("suggested %q for member %q", person.Name, sg.MemberName)
	}
	before := terminalRequests(s)

	keys(tm, key('y'))
	st = w.waitState(t, tm, "the plan pairs them", func(s tui.State) bool {
		it, ok := findItem(s.Plan, sg.Email, sg.Target)
		return !s.Links.Busy && ok && it.Account == sg.Account
	})
	it, _ := findItem(st.Plan, sg.Email, sg.Target)
	if it.Kind == plan.Missing || it.LinkOrigin != string(identity.Confirmed) {
		t.Fatalf("after: %s on %s is %s (link %q)", sg.Email, sg.Target, it.Kind, it.LinkOrigin)
	}
	for _, x := range st.Plan.Items {
		if x.Kind == plan.Unlinked && x.Target == sg.Target && x.Account == sg.Account {
			t.Fatalf("account %s on %s is still without a member", sg.Account, sg.Target)
		}
	}
	if !strings.Contains(st.Status, "linked "+string(sg.Email)) {
		t.Fatalf("status %q", st.Status)
	}
	if n := terminalRequests(s) - before; n != 0 {
		t.Fatalf("confirming a link sent %d requests to the terminals", n)
	}
	keys(tm, tea.KeyPressMsg{Code: tea.KeyEscape}, key('q'))
	tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second))

	links, err := ses.store.Links(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 1 {
		t.Fatalf("store holds %d links: %+v", len(links), links)
	}
	l := links[0]
	if l.Email != sg.Email || l.Target != sg.Target || l.Account != sg.Account || l.Origin != identity.Confirmed ||
		l.CreatedBy != ses.svc.User() || l.CreatedBy == "" ||
		l.MemberID != sg.MemberID || l.MemberID == "" || l.MemberName != sg.MemberName || l.AccountName != sg.AccountName {
		t.Fatalf("stored link %+v, want %s → %s/%s confirmed by %q", l, sg.Email, sg.Target, sg.Account, ses.svc.User())
	}
}

// ImportLinks stores what an iVMS export links on the targets as read,
// reports counts and skips per target, and a re-plan pairs the rows; a
// target that was not read gets nothing.
func TestConsoleLinksImport(t *testing.T) {
	s, cfgPath := startSite(t, 40)
	app, _, _ := newTestApp(s.Clock, nil)
	ctx := context.Background()
	ses, err := app.openSession(ctx, &globalOptions{configPath: cfgPath}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ses.close()
	be := &consoleBackend{Service: ses.svc, ses: ses}
	d, err := be.Refresh(ctx, func(tui.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	// A member missing on the entrance and an account there without a member
	// nor an e-mail (not staff: their numbers start with 9).
	var email member.Email
	var account string
	for _, it := range d.Plan.Items {
		if email == "" && it.Kind == plan.Missing && it.Target == "entrance" {
			email = it.Email
		}
		if account == "" && it.Kind == plan.Unlinked && it.Target == "entrance" && it.Email == "" && !strings.HasPrefix(it.Account, "9") {
			account = it.Account
		}
	}
	if email == "" || account == "" {
		t.Fatalf("the data set has no pair to import (e-mail %q, account %q)", email, account)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "persons.csv")
	csv := "Person ID,Name,Email\n" + account + ",Uvožena Oseba," + string(email) + "\n77777,Nobody Here,nobody@example.si\n8888,No Mail,\n"
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	before := terminalRequests(s)
	read := append([]plan.TargetState(nil), d.Targets...)
	for i := range read {
		if read[i].Info.Name == "gym" {
			read[i].Err = errors.New("terminal gym: connection refused")
		}
	}
	sum, err := be.ImportLinks(ctx, path, read)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 3 || sum.Format == "" || len(sum.Targets) != len(read) {
		t.Fatalf("summary %+v", sum)
	}
	var ent, gym tui.ImportTarget
	for _, x := range sum.Targets {
		switch x.Target {
		case "entrance":
			ent = x
		case "gym":
			gym = x
		}
	}
	if ent.Target != "entrance" || ent.Linked != 1 || ent.Unchanged != 0 || ent.Skipped != 2 {
		t.Fatalf("entrance: %+v", ent)
	}
	if !slices.Contains(ent.Skips, "line 3: person 77777 (Nobody Here): not on target entrance") ||
		!slices.Contains(ent.Skips, "line 4: person 8888 (No Mail): no e-mail") {
		t.Fatalf("entrance skips %q", ent.Skips)
	}
	if gym.Target != "gym" || gym.Linked != 0 || !strings.Contains(gym.Err, "not read (terminal gym: connection refused)") {
		t.Fatalf("gym: %+v", gym)
	}
	links, err := ses.store.Links(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 1 || links[0].Email != email || links[0].Target != "entrance" || links[0].Account != account ||
		links[0].Origin != identity.Imported || links[0].CreatedBy != ses.svc.User() {
		t.Fatalf("stored links %+v", links)
	}
	nd, err := be.Replan(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	it, ok := findItem(nd.Plan, email, "entrance")
	if !ok || it.Account != account || it.Kind == plan.Missing || it.LinkOrigin != string(identity.Imported) {
		t.Fatalf("after the import %s on entrance: %+v", email, it)
	}
	if !nd.TakenAt.Equal(d.TakenAt) || nd.Plan.Source.Members != d.Plan.Source.Members || len(nd.Links) != 1 {
		t.Fatalf("re-plan changed more than the links: taken %v/%v, %d members, %d links", nd.TakenAt, d.TakenAt, nd.Plan.Source.Members, len(nd.Links))
	}
	if n := terminalRequests(s) - before; n != 0 {
		t.Fatalf("import and re-plan sent %d requests to the terminals", n)
	}
	// Importing again leaves the entrance's link as it is (and, the gym
	// read now, links there too); a missing file says which.
	again, err := be.ImportLinks(ctx, path, d.Targets)
	if err != nil || again.Targets[0].Target != "entrance" || again.Targets[0].Linked != 0 || again.Targets[0].Unchanged != 1 {
		t.Fatalf("second import: %+v %v", again, err)
	}
	if _, err := be.ImportLinks(ctx, filepath.Join(dir, "none.csv"), d.Targets); err == nil || !strings.Contains(err.Error(), "none.csv") {
		t.Fatalf("missing file: %v", err)
	}
	// Undo: a stored link is removed, a second removal says there was none.
	if err := be.RemoveLink(ctx, links[0]); err != nil {
		t.Fatal(err)
	}
	if err := be.RemoveLink(ctx, links[0]); err == nil || !strings.Contains(err.Error(), "no link <"+string(email)+">") {
		t.Fatalf("removing twice: %v", err)
	}
}

// assertRefusalReads checks that the console's detail reads the entrance's
// latest refusal ("not in validity period") as such, and returns it.
func assertRefusalReads(t *testing.T, s *site.Site, be *consoleBackend) hikemu.Event {
	t.Helper()
	var denied hikemu.Event
	for _, e := range s.TerminalServers["entrance"].Events() {
		if e.Minor == hikemu.MinorInvalidPeriod {
			denied = e
		}
	}
	if denied.EmployeeNo == "" {
		t.Fatal("the site seeded no refusal at the entrance")
	}
	res, err := be.Events(context.Background(), []tui.AccountRef{{Target: "entrance", Account: denied.EmployeeNo}}, 10)
	if err != nil || len(res.Entries) == 0 {
		t.Fatalf("events of %s: %+v, %v", denied.EmployeeNo, res, err)
	}
	if e := res.Entries[0]; !e.Time.Equal(denied.Time) || e.Outcome != target.OutcomeDenied || e.Reason != "not in validity period" ||
		e.Door != "door 1" || e.Code != "5/7" || e.Account != denied.EmployeeNo {
		t.Errorf("the refusal at %v reads %+v", denied.Time, e)
	}
	return denied
}

// The console's detail reads door events from the terminals and NEYROSS of
// the emulated site: the row's accounts, newest first across targets; a
// terminal that rejects the credentials is reported, the others still
// show, and after two rejections it is not asked again.
func TestConsoleDoorEvents(t *testing.T) {
	s, cfgPath := startSite(t, 40)
	app, _, _ := newTestApp(s.Clock, nil)
	ctx := context.Background()
	ses, err := app.openSession(ctx, &globalOptions{configPath: cfgPath}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ses.close()
	be := &consoleBackend{Service: ses.svc, ses: ses}
	d, err := be.Refresh(ctx, func(tui.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	// What the emulators hold for some accounts, newest first.
	type seen struct {
		target  string
		at      time.Time
		outcome target.Outcome
	}
	held := func(refs []tui.AccountRef) []seen {
		var out []seen
		for _, r := range refs {
			if term, ok := s.TerminalServers[r.Target]; ok {
				for _, e := range term.Events() {
					if e.EmployeeNo == r.Account {
						o := target.OutcomeGranted
						if e.Minor == hikemu.MinorInvalidPeriod || e.Minor == hikemu.MinorFaceNotMatched {
							o = target.OutcomeDenied
						}
						out = append(out, seen{r.Target, e.Time, o})
					}
				}
			}
			if r.Target == "neyross" {
				for _, e := range s.NeyrossServer.Events() {
					if e.Person == r.Account {
						o := target.OutcomeGranted
						if slices.Contains(e.Tags, "AccessDenied") {
							o = target.OutcomeDenied
						}
						out = append(out, seen{r.Target, e.Sent, o})
					}
				}
			}
		}
		slices.SortStableFunc(out, func(a, b seen) int { return b.at.Compare(a.at) })
		return out
	}
	// The row (an e-mail's accounts, as the console passes them) with the
	// most events on at least two targets.
	rows := map[member.Email][]tui.AccountRef{}
	for _, it := range d.Plan.Items {
		if it.Email != "" && it.Account != "" {
			rows[it.Email] = append(rows[it.Email], tui.AccountRef{Target: it.Target, Account: it.Account})
		}
	}
	var refs []tui.AccountRef
	var want []seen
	for _, e := range slices.Sorted(maps.Keys(rows)) {
		r := rows[e]
		w := held(r)
		targets := map[string]bool{}
		for _, x := range w {
			targets[x.target] = true
		}
		if len(targets) >= 2 && len(w) > len(want) {
			refs, want = r, w
		}
	}
	if len(want) < 3 {
		t.Fatalf("the site seeded no row with events on two targets (best %d events)", len(want))
	}
	want = want[:min(len(want), 10)]
	var asked []string
	for _, r := range refs {
		if !slices.Contains(asked, r.Target) && r.Target != "ntk" {
			asked = append(asked, r.Target)
		}
	}
	res, err := be.Events(ctx, refs, 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("accounts %v: read %v, %d events", refs, res.Read, len(res.Entries))
	if len(res.Failed) != 0 || !slices.Equal(res.Read, asked) {
		t.Fatalf("read %v, failed %v: want %v read", res.Read, res.Failed, asked)
	}
	if len(res.Entries) != len(want) {
		t.Fatalf("%d events, want %d", len(res.Entries), len(want))
	}
	for i, e := range res.Entries {
		if w := want[i]; e.Target != w.target || !e.Time.Equal(w.at) || e.Outcome != w.outcome {
			t.Errorf("event %d: %s %v %s, want %s %v %s", i, e.Target, e.Time, e.Outcome, w.target, w.at, w.outcome)
		}
	}

	denied := assertRefusalReads(t, s, be)

	// The gym's password changes on the device: the gym is reported, the
	// entrance still read; after two rejections the gym is not asked again.
	gym := s.TerminalServers["gym"]
	var gymAccount string
	for _, p := range gym.Persons() {
		gymAccount = p.EmployeeNo
		break
	}
	gym.SetPassword("changed-on-the-device")
	two := []tui.AccountRef{{Target: "entrance", Account: denied.EmployeeNo}, {Target: "gym", Account: gymAccount}, {Target: "ntk", Account: "12345678"}}
	for i := range 3 {
		before := s.Terminals[1].Log.Count(nil)
		res, err := be.Events(ctx, two, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Read, []string{"entrance"}) || len(res.Failed) != 1 || !strings.Contains(res.Failed[0], "terminal gym") ||
			strings.Contains(res.Failed[0], "term-secret-0815") || len(res.Entries) == 0 {
			t.Fatalf("call %d: read %v, failed %q, %d events", i+1, res.Read, res.Failed, len(res.Entries))
		}
		sent := s.Terminals[1].Log.Count(nil) - before
		// The terminal's refusal carries a userCheck body (attempts left):
		// each call's one login is a counted failure, the second stops the
		// client, and from then on nothing is sent.
		switch {
		case i == 0 && (sent != 1 || !strings.Contains(res.Failed[0], "login rejected (1 of 2")):
			t.Errorf("first call: %d requests: %q", sent, res.Failed[0])
		case i == 1 && (sent != 1 || !strings.Contains(res.Failed[0], "login rejected 2 times: stopped")):
			t.Errorf("second call: %d requests: %q", sent, res.Failed[0])
		case i == 2 && (sent != 0 || !strings.Contains(res.Failed[0], "not sent")):
			t.Errorf("call %d: a stopped terminal got %d requests: %q", i+1, sent, res.Failed[0])
		}
	}
	if n := gym.FailedLogins(); n > 2 {
		t.Errorf("the gym counted %d failed logins", n)
	}
}
