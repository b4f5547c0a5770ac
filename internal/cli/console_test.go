package cli

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/plan"
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
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
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
	app, _, _ := newTestApp(nil)
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
	_, cfgPath := startSite(t, 30)
	app, _, _ := newTestApp(nil)
	ctx := context.Background()
	ses, err := app.openSession(ctx, &globalOptions{configPath: cfgPath}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ses.close()
	be := &consoleBackend{app: app, ses: ses}
	if _, err := be.Stored(ctx); !errors.Is(err, tui.ErrNoSnapshot) {
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
	stored, err := be.Stored(ctx)
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
	r := runApp(t, nil)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "the console needs a terminal") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}
