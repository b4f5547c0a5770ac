package cli

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/service"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/hikvision"
	"github.com/doorsync/doorsync/tui"
)

// Size of the first-frame benchmark: a large club and two terminals that
// each hold the members who may enter.
const (
	benchMembers  = 50_000
	benchAccounts = 25_000 // per terminal
)

func benchTerminals() []string { return []string{"entrance", "gym"} }

// benchSite writes a configuration and a database holding the snapshots a
// fetch of benchMembers members and benchAccounts accounts on each of two
// terminals leaves behind, and returns the configuration's path. Nothing
// listens at the configured addresses: a start from the stored snapshot
// must not contact either side.
func benchSite(b *testing.B) (string, clock.Clock) {
	b.Helper()
	ctx := context.Background()
	zone, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	db := filepath.Join(dir, "doorsync.db")
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "timezone = %q\ndatabase = %q\n\n", zone.String(), db)
	fmt.Fprintf(&cfg, "[cardskipper]\nurl = \"http://127.0.0.1:9/\"\nusername = \"club\"\npassword = \"cs-secret-4711\"\norganisation_id = 1\nroles = []\n\n")
	for i, t := range benchTerminals() {
		fmt.Fprintf(&cfg, "[[hikvision]]\nname = %q\nurl = \"http://127.0.0.%d:9/\"\nusername = \"admin\"\npassword = \"term-secret-0815\"\nemail_field = \"extension\"\n\n", t, i+2)
	}
	cfgPath := filepath.Join(dir, "doorsync.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		b.Fatal(err)
	}

	clk := clocktest.Start(b)
	now := clk.Now()
	st, err := store.Open(ctx, db, clk)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	members, accounts := benchData(now, zone)
	if err := st.SaveMembers(ctx, members, now.Add(-3*time.Minute)); err != nil {
		b.Fatal(err)
	}
	for _, t := range benchTerminals() {
		if err := st.SaveAccounts(ctx, t, accounts[t], now.Add(-3*time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	st.Close()
	// The last plan, as the fetch that saved these snapshots kept it: an
	// engine built as the service builds a run's keeps the plan of the
	// stored snapshots.
	app, _, _ := newTestApp(clk, nil)
	ses, err := app.openSession(ctx, &globalOptions{configPath: cfgPath}, false)
	if err != nil {
		b.Fatal(err)
	}
	defer ses.close()
	be := &consoleBackend{Service: ses.svc, ses: ses}
	d, err := be.Open(ctx, nil) // nothing kept yet: planned
	if err != nil {
		b.Fatal(err)
	}
	warnings := &warningsSeen{}
	eng := benchEngine(b, ses, clk, warnings)
	eng.RememberPlan(ctx, d.Plan, now.Add(-3*time.Minute))
	if warnings.first != nil {
		b.Fatal(warnings.first)
	}
	if ok, err := eng.KeptPlanCurrent(ctx); !ok || err != nil {
		b.Fatalf("the kept plan is not current: %v", err)
	}
	// The console's start reuses it: the plan the first frame draws is the
	// one the stored snapshots give.
	shown, reused := be.open(b)
	if len(shown.Plan.Items) == 0 || &reused.Plan.Items[0] != &shown.Plan.Items[0] {
		b.Fatal("the console's start does not reuse the kept plan")
	}
	return cfgPath, clk
}

// benchData is a club as the sync meets it: Slovenian names with
// diacritics, one to three roles, lapsed members, members without e-mail,
// families sharing one; each terminal holds benchAccounts accounts: 40
// staff and the members of the last years, named without diacritics as
// iVMS-4200 writes them, most dates in step and some not (renewals, lapses,
// a few shortened), some members missing on the gym.
func benchData(now time.Time, zone *time.Location) ([]member.Member, map[string][]target.Account) {
	first := []string{"Žiga", "Ana", "Špela", "Jože", "Luka", "Nika", "Matej", "Maša", "Tjaša", "Črt", "Urška", "Gašper", "Nejc", "Eva", "Klemen", "Ajda"}
	last := []string{"Novak", "Horvat", "Kovačič", "Krajnc", "Zupančič", "Potočnik", "Kovač", "Mlakar", "Kos", "Vidmar", "Golob", "Turk", "Božič", "Kralj", "Zupan", "Bizjak", "Hribar", "Korošec", "Rozman", "Kotnik"}
	const staff = 40
	today := member.DateOf(now, zone)
	members := make([]member.Member, 0, benchMembers)
	for i := range benchMembers {
		f, l := first[i%len(first)], last[(i/len(first))%len(last)]
		m := member.Member{ID: fmt.Sprint(150000 + i), FirstName: f, LastName: l}
		if i%40 != 7 { // a few have only a phone number
			e := member.Email(fmt.Sprintf("%s.%s.%d@example.si", strings.ToLower(member.FoldName(f)), strings.ToLower(member.FoldName(l)), i))
			if i%50 == 9 {
				e = members[i-1].Email // families sharing an address
			}
			m.Email, m.RawEmail = e, string(e)
		}
		start := today.AddDays(-400 - i%300)
		end := today.AddDays(30 + i%200)
		if i >= benchAccounts {
			end = today.AddDays(-60 - i%900) // lapsed long ago
		}
		m.Roles = append(m.Roles, member.Role{OrganisationID: 1, RoleID: 3126 + i%3, Start: start, End: end})
		if i%3 == 0 {
			m.Roles = append(m.Roles, member.Role{OrganisationID: 1, RoleID: 3127, Start: start.AddDays(-365), End: start.AddDays(-1)})
		}
		if i%11 == 0 {
			m.Roles = append(m.Roles, member.Role{OrganisationID: 2, RoleID: 4100, Start: start, End: end})
		}
		m.Inactive = i%97 == 13
		members = append(members, m)
	}
	account := func(i int) target.Account {
		m := members[i]
		start, end := m.Roles[0].Start, m.Roles[0].End
		switch i % 10 {
		case 1: // renewed in Cardskipper only
			end = end.AddDays(-30)
		case 2: // lapsed on the terminal, renewed since
			end = today.AddDays(-10)
		case 3: // the terminal grants more than paid for
			end = end.AddDays(45)
		}
		a := target.Account{ID: fmt.Sprint(1000 + i), Name: strings.ToUpper(member.FoldName(m.Name())),
			Begin: start.StartOfDay(zone), End: end.EndOfDay(zone), Attrs: map[string]string{"userType": "normal"}}
		if i%6 != 4 { // most carry the e-mail in PersonInfoExtends
			a.Email = m.Email
		}
		return a
	}
	accounts := map[string][]target.Account{}
	for ti, t := range benchTerminals() {
		for i := 0; len(accounts[t]) < benchAccounts-staff; i++ {
			if ti == 1 && i%29 == 5 {
				continue // not on the gym
			}
			accounts[t] = append(accounts[t], account(i))
		}
		for j := range staff { // staff who are not members
			accounts[t] = append(accounts[t], target.Account{ID: fmt.Sprint(90000 + j), Name: fmt.Sprintf("TRENER %d", j),
				End: today.AddDays(365).EndOfDay(zone), Attrs: map[string]string{"userType": "normal"}})
		}
	}
	return members, accounts
}

// startConsole is what `doorsync` does until its first frame, without the
// terminal: open the session (configuration, database, clients), build
// the console, run its start commands (the stored last plan, then the
// stored snapshots planned again; not the refresh, which would read both
// sides) and draw. It returns the first frame with data (the stored last
// plan), when it was drawn, and the console's state once everything
// stored is loaded.
type consoleStart struct {
	first      string
	firstState tui.State
	firstAt    time.Duration // from the start to the first frame with data
	final      tui.State
	close      func()
}

func startConsole(b testing.TB, ctx context.Context, clk clock.Clock, cfgPath string) consoleStart {
	start := time.Now() // wall clock: measuring how long the start takes
	app, _, _ := newTestApp(clk, nil)
	ses, err := app.openSession(ctx, &globalOptions{configPath: cfgPath}, false)
	if err != nil {
		b.Fatal(err)
	}
	var cs consoleStart
	m := firstFrame(b, ctx, app, ses, func(m *tui.Model) {
		cs.first, cs.firstState, cs.firstAt = m.Render(), m.State(), time.Since(start) // wall clock: measuring
	})
	cs.final, cs.close = m.State(), ses.close
	return cs
}

// firstFrame builds the console on an open session and runs its start
// commands until none is left; drawn is called once, as soon as the
// console has data to draw.
func firstFrame(b testing.TB, ctx context.Context, app *App, ses *session, drawn func(*tui.Model)) *tui.Model {
	m := tui.New(tui.Options{Backend: &consoleBackend{Service: ses.svc, ses: ses}, Clock: app.Clock, Context: ctx,
		User: ses.svc.User(), Dark: true, NoRefresh: true})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	cmds := []tea.Cmd{m.Init()}
	for len(cmds) > 0 {
		c := cmds[0]
		cmds = cmds[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			cmds = append(cmds, msg...)
		case nil:
		default:
			_, next := m.Update(msg)
			cmds = append(cmds, next)
			if drawn != nil && m.State().Loaded {
				drawn(m)
				drawn = nil
			}
		}
	}
	return m
}

// BenchmarkConsoleFirstFrame50k: from the start of `doorsync` to its first
// frame with data, the stored last plan of 50,000 members and two
// terminals of 25,000 accounts: session opened, plan read from SQLite and
// decoded, rows built, frame drawn. The target is under 300 ms. stored-ms
// is when the stored snapshots, read and planned again, replace it.
func BenchmarkConsoleFirstFrame50k(b *testing.B) {
	cfgPath, clk := benchSite(b)
	ctx := context.Background()
	check := func(cs consoleStart) {
		st, frame := cs.firstState, cs.first
		if !st.Loaded || !st.Stored || !st.Partial || st.Plan.Source.Members != benchMembers || st.Rows == 0 ||
			!strings.Contains(frame, fmt.Sprintf("%d members", benchMembers)) {
			b.Fatalf("first frame not from the stored last plan: loaded %v stored %v partial %v, %d members, %d rows\n%s",
				st.Loaded, st.Stored, st.Partial, st.Plan.Source.Members, st.Rows, frame)
		}
		if f := cs.final; f.Partial || !f.Stored || f.Plan.Source.Members != benchMembers || len(f.Plan.Items) != len(st.Plan.Items) {
			b.Fatalf("the stored snapshots did not replace the preview: partial %v, %d members, %d items (preview %d)",
				f.Partial, f.Plan.Source.Members, len(f.Plan.Items), len(st.Plan.Items))
		}
		for _, tg := range st.Plan.Targets {
			if tg.Error != "" {
				b.Fatalf("target %s: %s", tg.Name, tg.Error)
			}
		}
	}
	cs := startConsole(b, ctx, clk, cfgPath) // warm the page cache as a second start would
	cs.close()
	check(cs)
	var first, all []time.Duration
	for b.Loop() {
		start := time.Now() // wall clock: measuring how long the start takes
		cs = startConsole(b, ctx, clk, cfgPath)
		all = append(all, time.Since(start)) // wall clock: measuring
		first = append(first, cs.firstAt)
		b.StopTimer()
		cs.close()
		check(cs)
		b.StartTimer()
	}
	reportPercentiles(b, first, "ms", time.Millisecond)
	s := slices.Clone(all)
	slices.Sort(s)
	b.ReportMetric(float64(s[len(s)/2])/float64(time.Millisecond), "stored-ms")
}

// reportPercentiles adds the median and the 95th percentile of the
// durations to the benchmark's line, in the unit given.
func reportPercentiles(b *testing.B, d []time.Duration, unit string, per time.Duration) {
	if len(d) == 0 {
		return
	}
	s := slices.Clone(d)
	slices.Sort(s)
	p := func(q float64) float64 { return float64(s[min(len(s)-1, int(q*float64(len(s))))]) / float64(per) }
	b.ReportMetric(p(0.50), "p50-"+unit)
	b.ReportMetric(p(0.95), "p95-"+unit)
}

// The first frame's parts, to see where its time goes: the snapshots read
// from SQLite and decoded, and the plan built from them (the rows and the
// frame are tui's BenchmarkFirstFrame).

// BenchmarkStoredSnapshotsRead50k: the members and both terminals' accounts
// read back from the database.
func BenchmarkStoredSnapshotsRead50k(b *testing.B) {
	ses, _, done := benchSession(b)
	defer done()
	ctx := context.Background()
	for b.Loop() {
		ms, _, err := ses.store.Members(ctx)
		if err != nil || len(ms) != benchMembers {
			b.Fatalf("%d members, %v", len(ms), err)
		}
		for _, t := range benchTerminals() {
			as, _, err := ses.store.Accounts(ctx, t)
			if err != nil || len(as) != benchAccounts {
				b.Fatalf("%s: %d accounts, %v", t, len(as), err)
			}
		}
	}
}

// BenchmarkStoredPlan50k: the plan built from the stored snapshots, as the
// console's backend builds it (links and last written ends read from the
// database too).
func BenchmarkStoredPlan50k(b *testing.B) {
	ses, clk, done := benchSession(b)
	defer done()
	ctx := context.Background()
	ms, _, err := ses.store.Members(ctx)
	if err != nil {
		b.Fatal(err)
	}
	eng := benchEngine(b, ses, clk, nil)
	snap := engine.Snapshot{Members: ms, TakenAt: clk.Now(), Organisations: service.EngineConfig(ses.cfg).Rule.OrganisationIDs}
	for _, t := range benchTargets(b, ses, clk) {
		as, _, err := ses.store.Accounts(ctx, t.Info().Name)
		if err != nil {
			b.Fatal(err)
		}
		snap.Targets = append(snap.Targets, plan.TargetState{Info: t.Info(), Accounts: as})
	}
	for b.Loop() {
		p, err := eng.Plan(ctx, snap)
		if err != nil || p.Source.Members != benchMembers || len(p.Items) < benchAccounts {
			b.Fatalf("plan of %d members, %d items: %v", p.Source.Members, len(p.Items), err)
		}
	}
}

func benchSession(b *testing.B) (*session, clock.Clock, func()) {
	cfgPath, clk := benchSite(b)
	app, _, _ := newTestApp(clk, nil)
	ses, err := app.openSession(context.Background(), &globalOptions{configPath: cfgPath}, false)
	if err != nil {
		b.Fatal(err)
	}
	return ses, clk, ses.close
}

// benchTargets are the configured terminals' targets; nothing is asked of
// them.
func benchTargets(b testing.TB, ses *session, clk clock.Clock) []target.Target {
	var targets []target.Target
	for _, h := range ses.cfg.Hikvision {
		t, err := hikvision.NewTarget(service.HikvisionConfig(ses.cfg, h, clk))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(t.Close)
		targets = append(targets, t)
	}
	return targets
}

// benchEngine is an engine over the session's database built from the
// configuration as the service builds a run's (the benchmark's
// configuration has terminals only), told what happens by obs: it keeps
// and plans what a fetch would, without one.
func benchEngine(b testing.TB, ses *session, clk clock.Clock, obs engine.Observer) *engine.Engine {
	return engine.New(service.EngineConfig(ses.cfg), engine.Deps{Targets: benchTargets(b, ses, clk), Store: ses.store, Clock: clk, Observer: obs})
}

// warningsSeen keeps the first warning a run reported.
type warningsSeen struct {
	engine.NopObserver
	mu    sync.Mutex
	first error
}

func (w *warningsSeen) Warning(x engine.Warning) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.first = cmp.Or(w.first, x.Err)
}
