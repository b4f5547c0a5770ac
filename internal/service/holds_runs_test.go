package service

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/exitcode"
	"github.com/doorsync/doorsync/internal/store"
)

// serviceWith builds a second service over the rig's database, with its
// own store handle and configuration, as another process would.
func (r *rig) serviceWith(t *testing.T, cfg *config.Config) *Service {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(r.dir, "doorsync.db"), r.clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := New(ctx, cfg, Deps{Store: st, Clock: r.clk, User: "tester", Host: "box"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return svc
}

// withTerminalPassword is a copy of cfg whose terminal called name logs in
// with password.
func withTerminalPassword(cfg *config.Config, name, password string) *config.Config {
	c := *cfg
	c.Hikvision = slices.Clone(cfg.Hikvision)
	for i := range c.Hikvision {
		if c.Hikvision[i].Name == name {
			c.Hikvision[i].Password = config.NewSecret(password, "literal")
		}
	}
	return &c
}

// A `watch` started before the password was fixed keeps the old one; the
// fixed configuration's runs go on. The stale watch never tries the old
// password again — not even when its hold would have ended — and the two
// no longer lift each other's hold (issue 12 review: each saw "credentials
// changed" against the other's and cleared it, so the stale watch retried
// the wrong password after every fixed run).
func TestStaleWatchStaysHeldWhileTheFixedRunGoesOn(t *testing.T) {
	r := newRig(t, 30)
	const right, wrong = "term-secret-0815", "old-pass-1234"
	gym := r.terminal(t, "gym")
	stale := r.serviceWith(t, withTerminalPassword(r.cfg, "gym", wrong))
	fixed := r.serviceWith(t, r.cfg)
	ctx := context.Background()
	w := stale.Watch(WatchOptions{Interval: time.Minute, FullEvery: time.Hour, Overlap: time.Minute, MaxWait: 10 * time.Minute})
	rejected := func() int {
		return gym.Log.Count(func(q emulator.Request) bool { return q.AuthScheme == "Digest" && q.Status == http.StatusUnauthorized })
	}

	first, err := w.Pass(ctx, nil)
	if err != nil || len(first.Stops) != 1 {
		t.Fatalf("the stale watch's first pass: %v, stops %+v", err, first.Stops)
	}
	refused := rejected()
	if refused == 0 {
		t.Fatal("the wrong password was not refused")
	}
	syncFixed := func(step string) {
		t.Helper()
		gym.Log.Reset()
		out, stops, err := fixed.Sync(ctx, SyncRequest{Mode: engine.ModeAuto})
		if err != nil || len(stops) != 0 {
			t.Fatalf("%s: the fixed run: %v, stops %+v", step, err, stops)
		}
		if n := gym.Log.Count(nil); n == 0 || rejected() != 0 {
			t.Fatalf("%s: the fixed run sent the gym %d requests, %d refused; want it read", step, n, rejected())
		}
		for _, ts := range out.Plan.Targets {
			if ts.Error != "" {
				t.Fatalf("%s: the fixed run's %s: %s", step, ts.Name, ts.Error)
			}
		}
	}
	passStale := func(step string) Pass {
		t.Helper()
		gym.Log.Reset()
		r.clk.Advance(time.Minute)
		p, err := w.Pass(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n := gym.Log.Count(nil); n != 0 {
			t.Fatalf("%s: the stale watch sent the gym %d requests (%d refused): it tried the old password again", step, n, rejected())
		}
		return p
	}

	syncFixed("after the stale watch was refused")
	passStale("after the fixed run")
	syncFixed("again")
	passStale("again")
	// The old password's hold would end now: the stale watch still leaves
	// the gym alone (another password works: the old one is wrong), and
	// says to restart it.
	r.clk.Advance(authHoldMin)
	syncFixed("after the hold's time")
	p := passStale("after the hold's time")
	if p.Outcome != nil {
		for _, ts := range p.Outcome.Plan.Targets {
			if ts.Name == "gym" && !strings.Contains(ts.Error, "restart it") {
				t.Errorf("the stale watch's gym says %q, want it to say to restart", ts.Error)
			}
		}
	}
	if _, _, err := stale.Plan(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := gym.Log.Count(nil); n != 0 {
		t.Errorf("the stale process's plan sent the gym %d requests", n)
	}
	syncFixed("at last")
}

// webhookCounter is a loopback webhook that counts the notifications.
func webhookCounter(t *testing.T) (*atomic.Int32, string) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return &n, srv.URL
}

// A held target is told once, when it is refused, and reminded once a day
// while the hold lasts; the runs in between are partial (the terminal is
// not in sync) but notify no one (issue 12 review: every cron run and
// watch pass notified).
func TestHeldTargetIsNotifiedOnceThenDaily(t *testing.T) {
	r := newRig(t, 30)
	r.cfg.Policy.MaxRevocations, r.cfg.Policy.MaxRevocationPercent = 100000, 100
	// NEYROSS's data holds an ambiguous item, held for approval: each run
	// would notify of it (a notification of its own, not the hold's).
	r.cfg.Neyross = nil
	posts, url := webhookCounter(t)
	r.cfg.Notify.Webhook = url
	r.setTerminalPassword("gym", "wrong-pass-1234")
	svc, st := r.service(t, "doorsync.db")
	ctx := context.Background()
	auto := func(step string, wantPosts int32) engine.Outcome {
		t.Helper()
		r.clk.Advance(5 * time.Minute)
		out, _, err := svc.Sync(ctx, SyncRequest{Mode: engine.ModeAuto})
		if err != nil {
			t.Fatal(err)
		}
		if got := posts.Load(); got != wantPosts {
			t.Fatalf("%s: %d notifications in all, want %d (run %s: %s)", step, got, wantPosts, out.Status, out.Summary())
		}
		return out
	}
	if out := auto("the refused run", 1); out.Code != exitcode.Partial {
		t.Fatalf("the refused run: exit %d", out.Code)
	}
	for i := range 3 {
		out := auto("a run with the gym held", 1)
		if out.Code != exitcode.Partial || out.Notified {
			t.Fatalf("held run %d: exit %d, notified %v; want partial, quiet", i+1, out.Code, out.Notified)
		}
	}
	// A day later, the hold still on (a long lockout): one reminder, then
	// quiet again.
	key := holdKeyNow(t, st, r.cfg, "gym")
	raw, ok, err := st.State(ctx, key)
	if err != nil || !ok {
		t.Fatalf("no hold stored: %v", err)
	}
	var hold authHold
	if err := json.Unmarshal([]byte(raw), &hold); err != nil {
		t.Fatal(err)
	}
	if hold.Told.IsZero() {
		t.Fatal("the hold does not remember that its refusal was told")
	}
	r.clk.Advance(authRemindEvery)
	hold.Until = r.clk.Now().Add(2 * time.Hour)
	b, _ := json.Marshal(hold)
	if err := st.SetState(ctx, key, string(b)); err != nil {
		t.Fatal(err)
	}
	if out := auto("a day later", 2); !out.Notified {
		t.Fatal("the reminder run says it did not notify")
	}
	auto("after the reminder", 2)
	// Anything else worth telling is still told with the gym held: the
	// source fails.
	r.cfg.Cardskipper.Password = config.NewSecret("rotated-1234", "literal")
	if out := auto("the source refuses", 3); out.Code != exitcode.Failed {
		t.Fatalf("the source refused: exit %d", out.Code)
	}
}
