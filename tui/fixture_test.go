package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
)

// fixtureNow is the fixed "now" of every console test.
var fixtureNow = time.Date(2025, 11, 1, 10, 0, 0, 0, time.UTC)

func fixtureZone(t testing.TB) *time.Location {
	t.Helper()
	z, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// fixtureNames mixes Slovenian, Cyrillic and long names to test alignment.
var fixtureNames = [][2]string{
	{"Žiga", "Čeh"}, {"Ana", "Novak"}, {"Дмитрий", "Иванов"}, {"Špela", "Kovačič"}, {"Jože", "Žagar"},
	{"Maximiliana-Theodora", "Wolkenstein-Rodenegg"}, {"Luka", "Horvat"}, {"Nika", "Krajnc"},
}

// fixtureData builds a plan of n members over two terminals, with every
// kind represented: member i's kind cycles through in sync, extend,
// reactivate, shorten, revoke, missing; plus staff (unlinked), a member
// without e-mail and a shared e-mail (ambiguous).
func fixtureData(t testing.TB, n int) Data {
	t.Helper()
	return dataOf(fixtureInput(t, n))
}

// dataOf plans the input as the console's backend would.
func dataOf(in plan.Input) Data {
	p := plan.Build(in)
	accs := map[string][]target.Account{}
	for _, ts := range in.Targets {
		accs[ts.Info.Name] = ts.Accounts
	}
	return Data{Plan: p, Members: in.Members, Accounts: accs, Targets: in.Targets, TakenAt: fixtureNow.Add(-5 * time.Minute),
		LastSync: fixtureNow.Add(-2 * time.Hour),
		Links:    []identity.Link{{Email: "ana.1@example.si", Target: "gym", Account: "1001", Origin: identity.Confirmed, CreatedBy: "admin", CreatedAt: fixtureNow.Add(-48 * time.Hour)}}}
}

// fixtureInput is the input of fixtureData.
func fixtureInput(t testing.TB, n int) plan.Input {
	t.Helper()
	return fixtureInputOn(t, n, "entrance", "gym")
}

// fixtureInputOn is fixtureInput over the named targets (the second misses
// every sixth member's account).
func fixtureInputOn(t testing.TB, n int, targets ...string) plan.Input {
	t.Helper()
	zone := fixtureZone(t)
	today := member.DateOf(fixtureNow, zone)
	in := plan.Input{Zone: zone, Today: today, Now: fixtureNow,
		Rule:   member.Rule{OrganisationIDs: []int{1}},
		Policy: plan.Policy{Auto: []plan.Kind{plan.Extend, plan.Reactivate}, MaxRevocations: n, MaxRevocationPercent: 100}}
	accs := map[string][]target.Account{}
	role := func(start, end member.Date) []member.Role {
		return []member.Role{{OrganisationID: 1, RoleID: 7, Start: start, End: end}}
	}
	for i := range n {
		nm := fixtureNames[i%len(fixtureNames)]
		email := member.Email(fmt.Sprintf("%s.%d@example.si", []string{"ziga", "ana", "dmitrij", "spela", "joze", "maximiliana.theodora.wolkenstein", "luka", "nika"}[i%8], i))
		m := member.Member{ID: fmt.Sprint(150000 + i), Email: email, RawEmail: string(email), FirstName: nm[0], LastName: nm[1]}
		end := today.AddDays(30)
		acctEnd := end
		switch i % 6 {
		case 1: // extend
			acctEnd = today.AddDays(3)
		case 2: // reactivate
			acctEnd = today.AddDays(-10)
		case 3: // shorten
			acctEnd = today.AddDays(60)
		case 4: // revoke
			end = today.AddDays(-5)
			acctEnd = today.AddDays(20)
		}
		m.Roles = role(today.AddDays(-300), end)
		in.Members = append(in.Members, m)
		for ti, tn := range targets {
			if i%6 == 5 && ti == 1 {
				continue // missing on the gym
			}
			accs[tn] = append(accs[tn], target.Account{ID: fmt.Sprint(1000 + i), Name: member.FoldName(m.Name()), Email: email,
				Begin: today.AddDays(-300).StartOfDay(zone), End: acctEnd.EndOfDay(zone)})
		}
	}
	// staff, a member without e-mail, a shared e-mail
	accs["entrance"] = append(accs["entrance"], target.Account{ID: "9001", Name: "Trener Marko", End: today.AddDays(100).EndOfDay(zone)})
	in.Members = append(in.Members,
		member.Member{ID: "990001", FirstName: "Brez", LastName: "Pošte", Roles: role(today.AddDays(-10), today.AddDays(20))},
		member.Member{ID: "990002", Email: "druzina@example.si", FirstName: "Mama", LastName: "Kos", Roles: role(today.AddDays(-10), today.AddDays(20))},
		member.Member{ID: "990003", Email: "druzina@example.si", FirstName: "Sin", LastName: "Kos", Roles: role(today.AddDays(-10), today.AddDays(40))},
	)
	for _, tn := range targets {
		sys := "hikvision"
		if tn == "neyross" || tn == "ntk" {
			sys = tn
		}
		in.Targets = append(in.Targets, plan.TargetState{Info: target.Info{Name: tn, System: sys}, Accounts: accs[tn]})
	}
	return in
}

// fakeBackend serves fixed data and records what the console asked.
type fakeBackend struct {
	mu         sync.Mutex
	stored     Data
	storedErr  error
	applyGate  chan struct{}     // when set, Apply starts once it is closed (or its context ends)
	applyCtxs  []context.Context // each Apply's context: done once the console stopped it
	stopAfter  int               // Apply: the items after the first stopAfter are cancelled, as after Esc (0: none)
	lastPlan   *Data             // Open's first answer; nil: none stored
	openGate   chan struct{}     // when set, Open returns the stored data once it is closed
	fresh      Data
	refreshErr error
	// gate, when set, holds Refresh until closed (stale-result tests).
	gate     chan struct{}
	refresh  int
	applied  [][]string
	applyErr error
	failIDs  map[string]bool
	history  []HistoryEntry
	// historyAsked records whose history was asked for.
	historyAsked []HistoryQuery
	runs         []RunEntry
	runsErr      error
	// runItems answers RunItems by run (nil: history for every run);
	// itemsAsked records the runs it was asked for.
	runItems   map[int64][]HistoryEntry
	itemsAsked []int64
	progress   []Progress

	// door events: what Events answers, the accounts it was asked for,
	// and a gate that, when set, holds it until closed or cancelled.
	events      EventsResult
	eventsErr   error
	eventsAsked [][]AccountRef
	eventsGate  chan struct{}
	eventsEnded []error // ctx.Err() of each call as it returned

	// why: the canned answers by e-mail, an error for every call, the
	// e-mails asked, a gate as the events' and how each call ended
	why      map[member.Email]backend.WhyReport
	whyErr   error
	whyAsked []member.Email
	whyGate  chan struct{}
	whyEnded []error

	// identity view: base holds the rule, policy and zone Replan plans
	// with; links are the stored links.
	base       plan.Input
	links      []identity.Link
	addErr     error
	replanErr  error
	replans    int
	imports    []string
	importSum  ImportSummary
	importAdds []identity.Link // links the import stores
	importErr  error
	importRead [][]string // the targets each import was run against
}

// Open gives the last plan alone first when the test set one (marked, as
// the service marks it), then, once openGate (when set) is closed, the
// stored data.
func (f *fakeBackend) Open(ctx context.Context, first func(Data)) (Data, error) {
	if f.lastPlan != nil && first != nil {
		d := *f.lastPlan
		d.Partial = true
		first(d)
	}
	if f.openGate != nil {
		select {
		case <-f.openGate:
		case <-ctx.Done():
			return Data{}, ctx.Err()
		}
	}
	return f.stored, f.storedErr
}

func (f *fakeBackend) Refresh(ctx context.Context, progress func(Progress)) (Data, error) {
	f.mu.Lock()
	f.refresh++
	gate := f.gate
	f.mu.Unlock()
	for _, p := range f.progress {
		progress(p)
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return Data{}, ctx.Err()
		}
	}
	return f.fresh, f.refreshErr
}

func (f *fakeBackend) Apply(ctx context.Context, p plan.Plan, ids []string, progress func(ApplyProgress)) (ApplyResult, error) {
	f.mu.Lock()
	f.applied = append(f.applied, ids)
	f.applyCtxs = append(f.applyCtxs, ctx)
	gate := f.applyGate
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
		}
	}
	var res ApplyResult
	byID := map[string]plan.Item{}
	for _, it := range p.Items {
		byID[it.ID] = it
	}
	// Counted per target, as the engine reports them.
	total, done := map[string]int{}, map[string]int{}
	for _, id := range ids {
		if it, ok := byID[id]; ok && (it.Identity == "" || it.Kind.Writes()) {
			total[it.Target]++
		}
	}
	for i, id := range ids {
		it, ok := byID[id]
		if !ok {
			return res, fmt.Errorf("item %s is not in the plan", id)
		}
		if it.Identity != "" && !it.Kind.Writes() {
			res.Acknowledged++ // accepted as shown: nothing written, no progress (as the engine)
			continue
		}
		st := "applied"
		var err error
		switch {
		case f.stopAfter > 0 && i >= f.stopAfter:
			// Stopped (Esc): what was not sent is cancelled, as the
			// engine records and reports it.
			st, err = "cancelled", errors.New("cancelled before it was sent")
			res.Stopped = true
			res.Cancelled++
			res.CancelledIDs = append(res.CancelledIDs, id)
		case f.failIDs[id]:
			st, err = "failed", errors.New("deviceBusy")
			res.Failed++
			res.FailedIDs = append(res.FailedIDs, id)
		default:
			res.Applied++
		}
		done[it.Target]++
		progress(ApplyProgress{Target: it.Target, Done: done[it.Target], Total: total[it.Target], ItemID: id, Status: st, Err: err})
	}
	res.Summary = fmt.Sprintf("%d applied, %d failed, 0 stale, 0 held", res.Applied, res.Failed)
	if res.Cancelled > 0 {
		res.Summary += fmt.Sprintf(", %d cancelled", res.Cancelled)
	}
	if res.Acknowledged > 0 {
		res.Summary += ", " + plural(res.Acknowledged, "identity change") + " accepted"
	}
	return res, f.applyErr
}

func (f *fakeBackend) History(_ context.Context, q HistoryQuery, _ int) ([]HistoryEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.historyAsked = append(f.historyAsked, q)
	return f.history, nil
}
func (f *fakeBackend) Runs(context.Context, int) ([]RunEntry, error) { return f.runs, f.runsErr }
func (f *fakeBackend) RunItems(_ context.Context, id int64) ([]HistoryEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.itemsAsked = append(f.itemsAsked, id)
	if f.runItems != nil {
		return f.runItems[id], nil
	}
	return f.history, nil
}

// gated records a call (ask, under the lock), holds it until its gate
// (when set) is closed or ctx ends, and records how it ended in ended:
// ctx's error, which it returns.
func (f *fakeBackend) gated(ctx context.Context, gate *chan struct{}, ended *[]error, ask func()) error {
	f.mu.Lock()
	ask()
	g := *gate
	f.mu.Unlock()
	if g != nil {
		select {
		case <-g:
		case <-ctx.Done():
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	*ended = append(*ended, ctx.Err())
	return ctx.Err()
}

func (f *fakeBackend) Events(ctx context.Context, refs []AccountRef, limit int) (EventsResult, error) {
	if err := f.gated(ctx, &f.eventsGate, &f.eventsEnded, func() { f.eventsAsked = append(f.eventsAsked, slices.Clone(refs)) }); err != nil {
		return EventsResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	res := f.events
	res.Entries = res.Entries[:min(len(res.Entries), limit)]
	return res, f.eventsErr
}

// Why gives the canned answer for the e-mail (an error when the test set
// none), once whyGate (when set) is closed or the call is cancelled.
func (f *fakeBackend) Why(ctx context.Context, email member.Email) (backend.WhyReport, error) {
	if err := f.gated(ctx, &f.whyGate, &f.whyEnded, func() { f.whyAsked = append(f.whyAsked, email) }); err != nil {
		return backend.WhyReport{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.whyErr != nil {
		return backend.WhyReport{}, f.whyErr
	}
	rep, ok := f.why[email]
	if !ok {
		return backend.WhyReport{}, fmt.Errorf("fake backend: no answer for %s", email)
	}
	return rep, nil
}

func (f *fakeBackend) AddLink(_ context.Context, l identity.Link) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.addErr != nil {
		return f.addErr
	}
	f.links = append(f.links, l)
	return nil
}

func (f *fakeBackend) RemoveLink(_ context.Context, l identity.Link) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.links)
	f.links = slices.DeleteFunc(f.links, func(x identity.Link) bool {
		return x.Email == l.Email && x.Target == l.Target && x.Account == l.Account
	})
	if len(f.links) == n {
		return fmt.Errorf("no link <%s> → %s account %s is stored", l.Email, l.Target, l.Account)
	}
	return nil
}

func (f *fakeBackend) ImportLinks(_ context.Context, path string, read []plan.TargetState) (ImportSummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.imports = append(f.imports, path)
	var names []string
	for _, ts := range read {
		names = append(names, ts.Info.Name)
	}
	f.importRead = append(f.importRead, names)
	sum := f.importSum
	sum.Path = path
	if len(read) == 0 {
		return sum, errors.New("no target was read")
	}
	f.links = append(f.links, f.importAdds...)
	return sum, f.importErr
}

// Replan really plans again: the data's members and targets with the
// links stored now.
func (f *fakeBackend) Replan(_ context.Context, d Data) (Data, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replans++
	if f.replanErr != nil {
		return Data{}, f.replanErr
	}
	if f.base.Zone == nil {
		return Data{}, errors.New("fake backend: no rule to plan with")
	}
	in := f.base
	in.Members, in.Targets, in.Links = d.Members, d.Targets, slices.Clone(f.links)
	in.Now = d.Plan.CreatedAt
	in.Today = member.DateOf(in.Now, in.Zone)
	out := d
	out.Plan, out.Links = plan.Build(in), in.Links
	return out, nil
}

// newTestModel is a console on the fake backend at a size, fed the stored
// snapshot (no refresh unless asked).
func newTestModel(t testing.TB, be *fakeBackend, w, h int) *Model {
	t.Helper()
	return newTestModelWith(t, be, w, h, nil)
}

// newTestModelWith is newTestModel with options changed by set (the
// user, the home directory).
func newTestModelWith(t testing.TB, be *fakeBackend, w, h int, set func(*Options)) *Model {
	t.Helper()
	o := Options{Backend: be, Clock: clock.NewManual(fixtureNow), NoRefresh: true, ExportDir: t.TempDir()}
	if set != nil {
		set(&o)
	}
	m := New(o)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	run(t, m, m.open()) // request 1
	return m
}

// run executes a command and feeds its messages back, as the program would,
// until nothing is left (batches and streams included); quit: one of them
// quit the program.
func run(t testing.TB, m *Model, c tea.Cmd) (quit bool) {
	t.Helper()
	queue := []tea.Cmd{c}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 10000 {
			t.Fatal("commands do not settle")
		}
		c, queue = queue[0], queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
			quit = true
		default:
			if _, isSeq := msg.(interface{ isSequence() }); isSeq {
				continue
			}
			_, next := m.Update(msg)
			m.Render() // the program draws after every message
			queue = append(queue, next)
		}
	}
	return quit
}

// press sends keys (names as key.Binding uses them) and runs what they ask.
func press(t testing.TB, m *Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, c := m.Update(keyMsg(k))
		m.Render() // the program draws after every message
		run(t, m, c)
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "alt+esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape, Mod: tea.ModAlt}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "ctrl+a":
		return tea.KeyPressMsg{Code: 'a', Mod: tea.ModCtrl}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	r := []rune(k)
	if len(r) != 1 {
		panic("keyMsg: unknown key " + k)
	}
	if r[0] >= 'A' && r[0] <= 'Z' {
		return tea.KeyPressMsg{Code: r[0] + 32, ShiftedCode: r[0], Text: k, Mod: tea.ModShift}
	}
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

func typeText(t testing.TB, m *Model, s string) {
	t.Helper()
	for _, r := range s {
		_, c := m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		m.Render()
		run(t, m, c)
	}
}

// setPrompt replaces what the focused prompt holds (the report's path,
// the iVMS export's path) by text, typed.
func setPrompt(t testing.TB, m *Model, text string) {
	t.Helper()
	press(t, m, "end", "ctrl+u")
	typeText(t, m, text)
}

// cursorTo moves the table's cursor, by keys, to the first row shown that
// ok accepts; false: no row shown is.
func cursorTo(t testing.TB, m *Model, ok func(r *row) bool) bool {
	t.Helper()
	press(t, m, "home")
	for i := range m.State().Rows {
		if i > 0 {
			press(t, m, "down")
		}
		if r := m.cursorRow(); r != nil && ok(r) {
			return true
		}
	}
	return false
}

// heldApply approves every row of the extend tab and starts their apply,
// which the fake backend holds at its applyGate: it returns once the
// backend was asked, with the apply's command (run it once the gate is
// closed or the apply was stopped) and the context the backend got (done
// once the console stops the apply).
func heldApply(t testing.TB, m *Model, be *fakeBackend) (next tea.Cmd, ctx context.Context) {
	t.Helper()
	if be.applyGate == nil {
		t.Fatal("heldApply: the backend has no applyGate")
	}
	press(t, m, "2", "A", "a")
	if m.focusedScreen() != screenApprove {
		t.Fatalf("heldApply: a opened %v (%q)", m.focusedScreen(), m.State().Status)
	}
	_, next = m.Update(keyMsg("y"))
	m.Render()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) { // wall clock: a polling deadline for the apply's goroutine
		be.mu.Lock()
		n := len(be.applyCtxs)
		if n > 0 {
			ctx = be.applyCtxs[n-1]
		}
		be.mu.Unlock()
		if ctx != nil {
			break
		}
		if time.Now().After(deadline) { // wall clock: as above
			t.Fatal("heldApply: the backend was never asked to apply")
		}
	}
	if !m.State().Applying || m.focusedScreen() != screenApply {
		t.Fatalf("heldApply: applying %v on %v", m.State().Applying, m.focusedScreen())
	}
	return next, ctx
}

// refreshing starts a refresh (r) and tells its progress per side, by
// messages: Cardskipper read, the entrance half read, the gym refusing.
func refreshing(m *Model) {
	m.Update(keyMsg("r")) // its command is not run: the progress is told here
	req := m.requests().refresh
	for _, p := range []Progress{{System: "cardskipper", Done: 43, Total: 43, Over: true},
		{System: "entrance", Done: 20, Total: 41}, {System: "gym", Err: errors.New("connection refused")}} {
		m.Update(refreshProgressMsg{req: req, p: p})
	}
}

func tea_WindowSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

// loadStoredReq registers a stored-snapshot request without running it.
// opened is what the backend's Open returns, as the console receives it
// for a request taken now.
func (m *Model) opened(d Data) openedMsg {
	return openedMsg{req: m.nextReq(), data: d, last: true}
}

// identityInput is fixtureInput(40) with accounts on the gym that carry no
// e-mail, named as iVMS-4200 pushed them, for the members missing there:
// the identity view's suggestions.
//
//	2011 SPELA KOVACIC   exact for Špela Kovačič — who is two members (11, 35)
//	2017 NOVAK ANA       Ana Novak, names in another order
//	2023 NIKA KRAJNC     exact for Nika Krajnc
//	2024 NIKA KRAJN      Nika Krajnc with a letter lost
//	2099 PETER ZUPAN     nobody's
func identityInput(t testing.TB) plan.Input {
	t.Helper()
	in := fixtureInput(t, 40)
	today := member.DateOf(fixtureNow, in.Zone)
	for i, ts := range in.Targets {
		if ts.Info.Name != "gym" {
			continue
		}
		for _, a := range [][2]string{{"2011", "SPELA KOVACIC"}, {"2017", "NOVAK ANA"}, {"2023", "NIKA KRAJNC"},
			{"2024", "NIKA KRAJN"}, {"2099", "PETER ZUPAN"}} {
			in.Targets[i].Accounts = append(slices.Clone(in.Targets[i].Accounts), target.Account{ID: a[0], Name: a[1],
				Begin: today.AddDays(-100).StartOfDay(in.Zone), End: today.AddDays(30).EndOfDay(in.Zone)})
		}
	}
	return in
}

// newLinksBackend is a fake backend holding the identity fixture, able to
// plan again with the links stored through it.
func newLinksBackend(t testing.TB) *fakeBackend {
	t.Helper()
	in := identityInput(t)
	d := dataOf(in)
	d.Links = nil
	return &fakeBackend{stored: d, fresh: d, base: plan.Input{Rule: in.Rule, Policy: in.Policy, Zone: in.Zone}}
}

// ambiguousBackend is the identity fixture with the family of
// druzina@example.si (Mama Kos 990002 and Sin Kos 990003, ambiguous on both
// terminals) given accounts on the gym, named as iVMS-4200 pushed them:
// 2031 MAMA KOS and 2032 SIN KOS.
func ambiguousBackend(t testing.TB) *fakeBackend {
	t.Helper()
	in := identityInput(t)
	today := member.DateOf(fixtureNow, in.Zone)
	for i, ts := range in.Targets {
		if ts.Info.Name != "gym" {
			continue
		}
		for _, a := range [][2]string{{"2031", "MAMA KOS"}, {"2032", "SIN KOS"}} {
			in.Targets[i].Accounts = append(slices.Clone(in.Targets[i].Accounts), target.Account{ID: a[0], Name: a[1],
				Begin: today.AddDays(-100).StartOfDay(in.Zone), End: today.AddDays(10).EndOfDay(in.Zone)})
		}
	}
	d := dataOf(in)
	d.Links = nil
	return &fakeBackend{stored: d, fresh: d, base: plan.Input{Rule: in.Rule, Policy: in.Policy, Zone: in.Zone}}
}

// identityChangesInput is fixtureInput(12) planned after a run that
// accepted account 1002 on the entrance for Franc Friend and account 1006
// on the gym for a Luka Horvat of another member id, both gone from
// Cardskipper: Dmitrij's claim on 1002 is an identity change on a write
// (reactivate), Luka's on 1006 one on an item in sync (nothing to write).
func identityChangesInput(t testing.TB) plan.Input {
	t.Helper()
	in := fixtureInput(t, 12)
	in.Previous = []identity.Resolution{
		{Target: "entrance", Account: "1002", MemberID: "150999", Email: "franc.friend@example.si", Name: "Franc Friend", AccountName: "FRANC FRIEND"},
		{Target: "gym", Account: "1006", MemberID: "150998", Email: "old.owner@example.si", Name: "Luka Horvat", AccountName: "LUKA HORVAT"},
	}
	return in
}

// stoppedBackend applies the first two items of an apply, the first of
// them failing, and cancels the rest: the operator pressed Esc.
func stoppedBackend(t testing.TB) *fakeBackend {
	t.Helper()
	d := fixtureData(t, 12)
	be := &fakeBackend{stored: d, fresh: d, stopAfter: 2, failIDs: map[string]bool{}}
	for _, it := range d.Plan.Items {
		if it.Kind == plan.Extend {
			be.failIDs[it.ID] = true
			break
		}
	}
	return be
}

func identityChangesBackend(t testing.TB) *fakeBackend {
	t.Helper()
	d := dataOf(identityChangesInput(t))
	return &fakeBackend{stored: d, fresh: d}
}

// familyBackend is the identity fixture with the Kralj family sharing
// kralj@example.si (Mama Kralj 990010, Sin Kralj 990011) and the gym's
// accounts 2041 MAMA KRALJ, carrying that e-mail, and 2042 SIN KRALJ,
// carrying none: the shared address finds the mother's account for the
// son too.
func familyBackend(t testing.TB) *fakeBackend {
	t.Helper()
	in := identityInput(t)
	today := member.DateOf(fixtureNow, in.Zone)
	role := []member.Role{{OrganisationID: 1, RoleID: 7, Start: today.AddDays(-10), End: today.AddDays(20)}}
	in.Members = append(in.Members,
		member.Member{ID: "990010", Email: "kralj@example.si", FirstName: "Mama", LastName: "Kralj", Roles: role},
		member.Member{ID: "990011", Email: "kralj@example.si", FirstName: "Sin", LastName: "Kralj", Roles: role})
	for i, ts := range in.Targets {
		if ts.Info.Name != "gym" {
			continue
		}
		in.Targets[i].Accounts = append(slices.Clone(in.Targets[i].Accounts),
			target.Account{ID: "2041", Name: "MAMA KRALJ", Email: "kralj@example.si",
				Begin: today.AddDays(-100).StartOfDay(in.Zone), End: today.AddDays(10).EndOfDay(in.Zone)},
			target.Account{ID: "2042", Name: "SIN KRALJ", Begin: today.AddDays(-100).StartOfDay(in.Zone), End: today.AddDays(10).EndOfDay(in.Zone)})
	}
	d := dataOf(in)
	d.Links = nil
	return &fakeBackend{stored: d, fresh: d, base: plan.Input{Rule: in.Rule, Policy: in.Policy, Zone: in.Zone}}
}

// withoutAccount is fixtureInputOn(12, targets) with member 150005's
// account left out of the named targets (missing there).
func withoutAccount(t testing.TB, targets []string, from ...string) *fakeBackend {
	t.Helper()
	in := fixtureInputOn(t, 12, targets...)
	for i, ts := range in.Targets {
		if !slices.Contains(from, ts.Info.Name) {
			continue
		}
		in.Targets[i].Accounts = slices.DeleteFunc(slices.Clone(ts.Accounts), func(a target.Account) bool { return a.ID == "1005" })
	}
	d := dataOf(in)
	return &fakeBackend{stored: d, fresh: d}
}

// alsoFindsInput is identityChangesInput with an account 1099 named
// "Franc Friend" on the entrance carrying Ana Novak's e-mail
// (ana.1@example.si, member 150001), no member's at the last run, while
// her own account there (1001) was accepted for her: her e-mail now also
// finds 1099, an unlinked identity change (no member id) that the plan
// lists before her own items — the row of her e-mail holds it.
func alsoFindsInput(t testing.TB) plan.Input {
	t.Helper()
	in := identityChangesInput(t)
	today := member.DateOf(fixtureNow, in.Zone)
	for i := range in.Targets {
		if in.Targets[i].Info.Name == "entrance" {
			in.Targets[i].Accounts = append(slices.Clone(in.Targets[i].Accounts), target.Account{ID: "1099", Name: "Franc Friend",
				Email: "ana.1@example.si", Begin: today.AddDays(-100).StartOfDay(in.Zone), End: today.AddDays(30).EndOfDay(in.Zone)})
		}
	}
	in.Previous = append(slices.Clone(in.Previous),
		identity.Resolution{Target: "entrance", Account: "1001", MemberID: "150001", Email: "ana.1@example.si", Name: "Ana Novak", AccountName: "ana novak"},
		identity.Resolution{Target: "entrance", Account: "1099", AccountName: "Franc Friend"})
	return in
}

func alsoFindsBackend(t testing.TB) *fakeBackend {
	t.Helper()
	d := dataOf(alsoFindsInput(t))
	return &fakeBackend{stored: d, fresh: d}
}

// longErrorBackend is fixtureData(40) whose refresh fails with an error
// wider than two lines of 80 columns (a server's reply and a path).
func longErrorBackend(t testing.TB) *fakeBackend {
	t.Helper()
	d := fixtureData(t, 40)
	return &fakeBackend{stored: d, fresh: d, refreshErr: errors.New("cardskipper: reading the export: open " +
		"/var/lib/doorsync/cache/cardskipper-export-2025-11-01T09-55-00.xml.partial: permission denied " +
		"(the service runs as doorsync; the cache directory belongs to root: chown it, then refresh)")}
}

// identityFourBackend is the identity fixture over four targets — the
// terminals entrance and gym, NEYROSS and NTK — for what the identity view
// offers by target: on neyross members 150007 (Nika Krajnc) and 150013
// (Maximiliana-Theodora Wolkenstein-Rodenegg) have no account, and 4007
// NIKA KRAJNC carries no e-mail (a suggestion); NTK, a whole list with no
// accounts, misses members 150003 (Špela Kovačič) and 150009 (Ana Novak):
// cards not on the list it accepted last.
func identityFourBackend(t testing.TB) *fakeBackend {
	t.Helper()
	in := fixtureInputOn(t, 40, "entrance", "gym", "neyross")
	today := member.DateOf(fixtureNow, in.Zone)
	for i, ts := range in.Targets {
		if ts.Info.Name != "neyross" {
			continue
		}
		accs := slices.DeleteFunc(slices.Clone(ts.Accounts), func(a target.Account) bool { return a.ID == "1007" || a.ID == "1013" })
		in.Targets[i].Accounts = append(accs, target.Account{ID: "4007", Name: "NIKA KRAJNC",
			Begin: today.AddDays(-100).StartOfDay(in.Zone), End: today.AddDays(30).EndOfDay(in.Zone)})
	}
	ntk := plan.ListPlan{Target: plan.TargetSummary{Name: "ntk", System: "ntk", Accounts: 38}}
	for _, id := range []string{"150003", "150009"} {
		for _, mb := range in.Members {
			if mb.ID == id {
				ntk.Items = append(ntk.Items, plan.Item{ID: "ntk-" + id, Kind: plan.Missing, Email: mb.Email, Name: mb.Name(),
					MemberID: mb.ID, Target: "ntk", System: "ntk", Account: "0047" + id[4:],
					Reason: "the member's card is not on the list NTK accepted last"})
			}
		}
	}
	in.Lists = []plan.ListPlan{ntk}
	d := dataOf(in)
	d.Links = nil
	return &fakeBackend{stored: d, fresh: d, base: plan.Input{Rule: in.Rule, Policy: in.Policy, Zone: in.Zone, Lists: in.Lists}}
}
