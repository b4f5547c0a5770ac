package cli

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/user"
	"slices"
	"strconv"
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/notify"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/plan/accesslist"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/hikvision"
	"github.com/doorsync/doorsync/internal/target/neyross"
	"github.com/doorsync/doorsync/internal/target/ntk"
)

// session is everything one command needs from the configuration: the
// store, the engine with its clients, and how to close them.
type session struct {
	cfg    *config.Config
	store  *store.Store
	engine *engine.Engine
	close  func()
}

// openSession loads the configuration, opens the database (read-only when
// asked) and builds the clients. Configuration problems are usage errors.
func (a *App) openSession(ctx context.Context, g *globalOptions, readOnly bool) (*session, error) {
	cfg, err := a.loadConfig(g)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(a.Stderr, "doorsync: warning: %s\n", w)
	}
	var st *store.Store
	if readOnly {
		st, err = store.OpenReadOnly(ctx, cfg.Database, a.Clock)
	} else {
		st, err = store.Open(ctx, cfg.Database, a.Clock)
	}
	if err != nil {
		return nil, failedError(fmt.Errorf("database %s: %w", cfg.Database, err))
	}
	eng, closeTargets, err := a.newEngine(cfg, st)
	if err != nil {
		_ = st.Close()
		return nil, usageError(err)
	}
	s := &session{cfg: cfg, store: st, engine: eng, close: func() { closeTargets(); _ = st.Close() }}
	if !readOnly {
		if _, err := a.holdTargets(ctx, s); err != nil {
			s.close()
			return nil, failedError(err)
		}
	}
	return s, nil
}

// newEngine builds one run's engine: fresh clients (terminals count
// authentication failures for their whole life, so one set per run).
func (a *App) newEngine(cfg *config.Config, st *store.Store) (*engine.Engine, func(), error) {
	src, err := newCardskipper(cfg)
	if err != nil {
		return nil, nil, err
	}
	var targets []target.Target
	var closers []func()
	for _, h := range cfg.Hikvision {
		t, err := hikvision.NewTarget(hikvisionConfig(cfg, h, a.Clock))
		if err != nil {
			return nil, nil, err
		}
		targets = append(targets, t)
		closers = append(closers, t.Close)
	}
	if n := cfg.Neyross; n != nil {
		t, err := neyross.NewTarget(neyross.Config{Name: n.Name, BaseURL: n.URL, Token: n.Token.Value(), Zone: cfg.Zone,
			Timeout: n.Timeout, Batch: n.Batch})
		if err != nil {
			return nil, nil, err
		}
		targets = append(targets, t)
		closers = append(closers, t.Close)
	}
	orgs := []int{cfg.Cardskipper.OrganisationID}
	policy := plan.Policy{MaxRevocations: cfg.Policy.MaxRevocations, MaxRevocationPercent: cfg.Policy.MaxRevocationPercent}
	for _, k := range cfg.Policy.Auto {
		policy.Auto = append(policy.Auto, plan.Kind(k))
	}
	e := &engine.Engine{
		Source: src, OrganisationID: cfg.Cardskipper.OrganisationID, Targets: targets, Store: st, Clock: a.Clock, Zone: cfg.Zone,
		Rule: member.Rule{OrganisationIDs: orgs, RoleIDs: slices.Clone(cfg.Cardskipper.Roles)}, Policy: policy,
		ChildOrganisations: cfg.Cardskipper.IncludeChildren, User: a.currentUser(), Host: hostname(),
		// The one retry policy: the clients send once, the engine retries
		// by error class within each target's budget per run.
		Retry: apply.Retry{Budget: cfg.RetryBudget, Budgets: cfg.RetryBudgets(), Clock: a.Clock},
	}
	if n := notifiersFrom(cfg.Notify, &http.Client{Timeout: 30 * time.Second}, a.Clock); len(n) > 0 {
		e.Notifier = n
	}
	if n := cfg.NTK; n != nil {
		nc := ntkClientConfig(*n)
		nc.Clock = a.Clock
		client, err := ntk.NewClient(nc)
		if err != nil {
			return nil, nil, err
		}
		settings, err := ntkListSettings(*n)
		if err != nil {
			return nil, nil, err
		}
		e.Lists = append(e.Lists, &engine.ListTarget{Target: client, List: settings})
		closers = append(closers, client.Close)
	}
	return e, func() {
		for _, c := range closers {
			c()
		}
	}, nil
}

func (a *App) currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	v, _ := a.LookupEnv("USER")
	return v
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

// ntkClientConfig makes the NTK client's Config of the [ntk] table (the
// client knows no configuration).
func ntkClientConfig(n config.NTK) ntk.Config {
	return ntk.Config{Name: n.Name, URL: n.URL, Username: n.Username, Password: n.Password.Value(), Timeout: n.Timeout}
}

// ntkListSettings makes the settings of NTK's access list of the [ntk]
// table (plan/accesslist knows no configuration). The loader has checked
// the zone map's keys; one that is not a role id is still an error here,
// never a silently lost zone.
func ntkListSettings(n config.NTK) (accesslist.Settings, error) {
	zones := make(map[int][]int, len(n.Zones))
	for k, zs := range n.Zones {
		id, err := strconv.Atoi(k)
		if err != nil {
			return accesslist.Settings{}, fmt.Errorf("ntk %s: zones: %q is not a role id", n.Name, k)
		}
		zones[id] = slices.Clone(zs)
	}
	return accesslist.Settings{Name: n.Name, System: ntk.System, CardField: n.CardField, Zones: zones,
		StudentRoles: slices.Clone(n.StudentRoles), StudentTags: slices.Clone(n.StudentTags), MinInterval: n.MinInterval}, nil
}

// notifiersFrom builds the notifiers of the [notify] table (notify knows
// no configuration); an empty table gives an empty Multi, which notifies
// no one. client may be nil.
func notifiersFrom(n config.Notify, client *http.Client, clk clock.Clock) notify.Multi {
	var m notify.Multi
	if n.Webhook != "" {
		m = append(m, notify.Webhook{URL: n.Webhook, Client: client})
	}
	if s := n.SMTP; s != nil {
		m = append(m, notify.SMTP{
			Host: s.Host, Port: s.Port, Username: s.Username, Password: s.Password.Value(),
			From: s.From, To: append([]string(nil), s.To...), Clock: clk,
		})
	}
	return m
}
