package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/emulator"
	neyemu "github.com/doorsync/doorsync/internal/emulator/neyross"
	ntkemu "github.com/doorsync/doorsync/internal/emulator/ntk"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/plan/accesslist"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/neyross"
	"github.com/doorsync/doorsync/internal/target/ntk"
)

const (
	unitToken     = "unit-right-token-1111"
	unitBadToken  = "unit-wrong-token-2222"
	unitNTKPass   = "unit-ntk-pass-3333"
	unitBadNTKPwd = "unit-ntk-wrong-4444"
)

// holdBench is one installation with NEYROSS and NTK emulators that refuse
// the configured credentials, a database and a manual clock.
type holdBench struct {
	clk   *clock.Manual
	st    *store.Store
	cfg   *config.Config
	stops []Stop            // what the rejected run recorded
	keys  map[string]string // where the holds were stored, by target
	h     *holds
	neyLg *emulator.RequestLog
	ntkLg *emulator.RequestLog
}

func newHoldBench(t *testing.T) *holdBench {
	t.Helper()
	zone, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewManual(time.Date(2025, 11, 1, 9, 0, 0, 0, zone))
	b := &holdBench{clk: clk, neyLg: &emulator.RequestLog{}, ntkLg: &emulator.RequestLog{}}
	ney := neyemu.New(neyemu.Config{Token: unitToken, Zone: zone, Clock: clk, Log: b.neyLg})
	t.Cleanup(ney.Close)
	neySrv := httptest.NewServer(ney)
	t.Cleanup(neySrv.Close)
	nt := ntkemu.New(ntkemu.Config{Username: "gym", Password: unitNTKPass, Clock: clk, Log: b.ntkLg})
	ntkSrv := httptest.NewServer(nt)
	t.Cleanup(ntkSrv.Close)

	b.cfg = &config.Config{Zone: zone,
		Neyross: &config.Neyross{Name: "neyross", URL: neySrv.URL, Token: config.NewSecret(unitBadToken, "literal")},
		NTK:     &config.NTK{Name: "ntk", URL: ntkSrv.URL + nt.Path(), Username: "gym", Password: config.NewSecret(unitBadNTKPwd, "literal")},
	}
	b.st, err = store.Open(context.Background(), filepath.Join(t.TempDir(), "doorsync.db"), clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.st.Close() })
	return b
}

// holds is the policy over the configuration as it is now, in this
// process.
func (b *holdBench) holds() *holds {
	if b.h == nil {
		b.h = newHolds(b.cfg, b.st, b.clk)
	}
	return b.h
}

// holdKeyOf is where the hold of the target's credentials as configured
// now is kept.
func (b *holdBench) holdKeyOf(t *testing.T, name string) string {
	t.Helper()
	return holdKeyNow(t, b.st, b.cfg, name)
}

// holdKeyNow is where the hold of the credentials cfg gives the target
// called name is kept in st.
func holdKeyNow(t *testing.T, st *store.Store, cfg *config.Config, name string) string {
	t.Helper()
	c, ok := credentialsOf(cfg, name)
	if !ok {
		t.Fatalf("no target %s", name)
	}
	tag, err := credentialTag(context.Background(), st, c)
	if err != nil {
		t.Fatal(err)
	}
	return holdKey(name, tag)
}

// clients builds one run's clients from the configuration as it is now.
func (b *holdBench) clients(t *testing.T) *clients {
	t.Helper()
	nt, err := neyross.NewTarget(NeyrossConfig(b.cfg))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nt.Close)
	nc, err := ntk.NewClient(NTKClientConfig(*b.cfg.NTK))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return &clients{targets: []target.Target{nt}, lists: []engine.ListTarget{{Target: nc}}, held: map[string]error{}, tell: map[string]bool{}, close: func() {}}
}

// reject runs one session in which both targets refuse the credentials
// (NEYROSS while writing, so only its client knows) and records the holds.
func (b *holdBench) reject(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	c := b.clients(t)
	if _, err := b.holds().apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	if len(c.reading()) != 1 || c.held["ntk"] != nil {
		t.Fatalf("a fresh database holds something: %d targets, NTK held %v", len(c.reading()), c.held["ntk"])
	}
	errs := c.reading()[0].Write(ctx, []target.Update{{Account: target.Account{ID: "21e10f5d-7af7-44ba-b1a3-d0b9cf429437"}, End: b.clk.Now()}})
	if target.ClassOf(errs[0]) != target.Auth {
		t.Fatalf("NEYROSS write with a wrong token: %v", errs[0])
	}
	list, err := accesslist.NewList([]accesslist.Line{{Card: "44491AD2", Zone: 55}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.lists[0].Target.Upload(ctx, list.Bytes()); target.ClassOf(err) != target.Auth {
		t.Fatalf("NTK upload with a wrong password: %v", err)
	}
	b.stops = b.holds().record(ctx, c, runFacts{})
	b.keys = map[string]string{"neyross": b.holdKeyOf(t, "neyross"), "ntk": b.holdKeyOf(t, "ntk")}
}

// TestAuthHoldLifecycle: holds of NEYROSS and NTK keep them out of later
// runs (no request) while they log in with the credentials that failed;
// the hold ends when its time runs out; other credentials (the
// configuration fixed) are not held and leave the hold of the old ones
// alone, for a process that may still run with them.
func TestAuthHoldLifecycle(t *testing.T) {
	tests := []struct {
		name   string
		change func(b *holdBench)
		free   []string // targets no longer held
		lifted bool     // their holds ended (else: other credentials)
	}{
		{"nothing changed, 5h59m later", func(b *holdBench) { b.clk.Advance(6*time.Hour - time.Minute) }, nil, false},
		{"6 hours later", func(b *holdBench) { b.clk.Advance(6 * time.Hour) }, []string{"neyross", "ntk"}, true},
		{"NEYROSS token corrected", func(b *holdBench) { b.cfg.Neyross.Token = config.NewSecret(unitToken, "literal") }, []string{"neyross"}, false},
		{"NEYROSS url changed", func(b *holdBench) { b.cfg.Neyross.URL += "/" }, []string{"neyross"}, false},
		{"NTK password corrected", func(b *holdBench) { b.cfg.NTK.Password = config.NewSecret(unitNTKPass, "literal") }, []string{"ntk"}, false},
		{"NTK username changed", func(b *holdBench) { b.cfg.NTK.Username = "gym2" }, []string{"ntk"}, false},
		{"another NTK endpoint", func(b *holdBench) { b.cfg.NTK.URL += "?x=1" }, []string{"ntk"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			b := newHoldBench(t)
			b.reject(t)
			said := map[string]string{}
			for _, st := range b.stops {
				if st.Err != nil {
					t.Errorf("%s: the hold was not remembered: %v", st.Subject, st.Err)
				}
				said[st.Subject] = st.Detail
			}
			for subject, want := range map[string]string{"NEYROSS": "stopped after it rejected the API token", "NTK": "stopped after it refused the upload credentials"} {
				if !strings.Contains(said[subject], want) {
					t.Errorf("the stop of %s says %q, lacks %q (stops %+v)", subject, said[subject], want, b.stops)
				}
			}
			if n := b.neyLg.Count(nil); n != 1 {
				t.Errorf("%d requests reached NEYROSS in the rejected run, want 1", n)
			}
			b.neyLg.Reset()
			b.ntkLg.Reset()
			for _, name := range []string{"neyross", "ntk"} {
				raw, ok, err := b.st.State(ctx, b.keys[name])
				if err != nil || !ok {
					t.Fatalf("no hold stored for %s: %v", name, err)
				}
				for _, secret := range []string{unitBadToken, unitBadNTKPwd, unitToken, unitNTKPass} {
					if strings.Contains(raw, secret) {
						t.Errorf("the hold of %s stores a secret: %s", name, raw)
					}
				}
			}

			tt.change(b)
			c := b.clients(t)
			lifted, err := b.holds().apply(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			var wantLifted []string
			if tt.lifted {
				wantLifted = tt.free
			}
			if strings.Join(lifted, ",") != strings.Join(wantLifted, ",") {
				t.Errorf("lifted %v, want %v", lifted, wantLifted)
			}
			neyErr, ntkHeld := c.held["neyross"], c.held["ntk"]
			neyHeld := neyErr != nil && len(c.reading()) == 0
			if neyHeld == slices.Contains(tt.free, "neyross") {
				t.Errorf("NEYROSS held %v (%v, targets %d), free %v", neyHeld, neyErr, len(c.reading()), tt.free)
			}
			if (ntkHeld != nil) == slices.Contains(tt.free, "ntk") {
				t.Errorf("NTK held: %v, free %v", ntkHeld, tt.free)
			}
			if neyHeld {
				msg := neyErr.Error()
				for _, want := range []string{"NEYROSS: not contacted: it rejected the API token at 2025-11-01 09:00 (API token rejected)",
					"until 2025-11-01 15:00 or until its token in the configuration changes"} {
					if !strings.Contains(msg, want) {
						t.Errorf("NEYROSS hold says %q, lacks %q", msg, want)
					}
				}
			}
			if ntkHeld != nil {
				want := "NTK: not contacted: it refused the upload credentials at 2025-11-01 09:00 (upload login rejected); doorsync leaves it alone until 2025-11-01 15:00 or until its password in the configuration changes"
				if msg := ntkHeld.Error(); !strings.HasPrefix(msg, want) {
					t.Errorf("NTK hold says %q, want it to start with %q", msg, want)
				}
			}
			for _, name := range tt.free {
				if _, ok, _ := b.st.State(ctx, b.keys[name]); ok == tt.lifted {
					t.Errorf("the hold of %s stored: %v; want it kept only while it lasts, for a process with the old credentials", name, ok)
				}
			}
			if n := b.neyLg.Count(nil) + b.ntkLg.Count(nil); n != 0 {
				t.Errorf("%d requests while only checking holds", n)
			}
		})
	}
}

// TestCredentialTag: one tag function for every system. A terminal's tag is
// the one earlier versions stored (HMAC of url, user and password), so their
// holds survive an upgrade; other systems hash their name too.
func TestCredentialTag(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "doorsync.db"), clocktest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	base := credentials{system: hikvisionSystem, name: "entrance", url: "http://10.0.0.20", user: "admin", secret: "pw"}
	tag := func(c credentials) string {
		t.Helper()
		v, err := credentialTag(ctx, st, c)
		if err != nil || len(v) != 64 {
			t.Fatalf("credentialTag: %q, %v", v, err)
		}
		return v
	}
	if _, ok, err := st.State(ctx, authSaltKey); err != nil || ok {
		t.Fatalf("a fresh database has a salt (%v) or fails: %v", ok, err)
	}
	first := tag(base) // makes the salt
	salt, ok, err := st.State(ctx, authSaltKey)
	if err != nil || !ok || len(salt) != 32 {
		t.Fatalf("salt %q, %v, %v", salt, ok, err)
	}
	m := hmac.New(sha256.New, []byte(salt))
	m.Write([]byte("http://10.0.0.20\x00admin\x00pw"))
	if legacy := hex.EncodeToString(m.Sum(nil)); first != legacy {
		t.Errorf("terminal tag %s, earlier versions stored %s", first, legacy)
	}
	if tag(base) != first {
		t.Error("the tag is not stable")
	}
	with := func(f func(*credentials)) credentials { c := base; f(&c); return c }
	for what, c := range map[string]credentials{
		"password": with(func(c *credentials) { c.secret = "pw2" }),
		"user":     with(func(c *credentials) { c.user = "admin2" }),
		"url":      with(func(c *credentials) { c.url = "http://10.0.0.21" }),
		"system":   with(func(c *credentials) { c.system = ntk.System }),
	} {
		if tag(c) == tag(base) {
			t.Errorf("changing the %s leaves the tag as it was", what)
		}
	}
}

func TestTargetSubject(t *testing.T) {
	for _, tt := range []struct{ system, name, want string }{
		{"hikvision", "entrance", "terminal entrance"},
		{"neyross", "neyross", "NEYROSS"},
		{"neyross", "main", "NEYROSS main"},
		{"ntk", "ntk", "NTK"},
		{"ntk", "prague", "NTK prague"},
	} {
		if got := targetSubject(tt.system, tt.name); got != tt.want {
			t.Errorf("targetSubject(%q, %q) = %q, want %q", tt.system, tt.name, got, tt.want)
		}
	}
}
