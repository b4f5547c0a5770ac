package service

// Building the clients and a run's engine from the configuration: the
// clients know no configuration, so the translation of each table is here.

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/notify"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/plan/accesslist"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/hikvision"
	"github.com/doorsync/doorsync/internal/target/neyross"
	"github.com/doorsync/doorsync/internal/target/ntk"
)

// clients are one set of clients built from the configuration, and the
// targets the credential holds leave out of the run they serve (holds.go).
// The service keeps them beside the engine it builds of them: the holds,
// the console's stored snapshots, door events and imports name targets.
type clients struct {
	source  engine.Source
	targets []target.Target
	lists   []engine.ListTarget
	// held says, by target name, why a target is left out (nil: none).
	held map[string]error
	// tell says, by target name, that the admin is to be told of its hold
	// in this run (else it is left out quietly: engine.Quiet).
	tell  map[string]bool
	close func()
}

// reading are the targets read and written account by account that are
// not held, in the configuration's order.
func (c *clients) reading() []target.Target {
	var out []target.Target
	for _, t := range c.targets {
		if c.held[t.Info().Name] == nil {
			out = append(out, t)
		}
	}
	return out
}

// newClients builds fresh clients (terminals count authentication
// failures for their whole life, so one set per run).
func (s *Service) newClients() (*clients, error) {
	cfg := s.cfg
	src, err := NewCardskipper(cfg)
	if err != nil {
		return nil, err
	}
	c := &clients{source: src, held: map[string]error{}, tell: map[string]bool{}}
	var closers []func()
	c.close = func() {
		for _, f := range closers {
			f()
		}
	}
	fail := func(err error) (*clients, error) { c.close(); return nil, err }
	for _, h := range cfg.Hikvision {
		t, err := hikvision.NewTarget(HikvisionConfig(cfg, h, s.clock))
		if err != nil {
			return fail(err)
		}
		c.targets = append(c.targets, t)
		closers = append(closers, t.Close)
	}
	if n := cfg.Neyross; n != nil {
		t, err := neyross.NewTarget(NeyrossConfig(cfg))
		if err != nil {
			return fail(err)
		}
		c.targets = append(c.targets, t)
		closers = append(closers, t.Close)
	}
	if n := cfg.NTK; n != nil {
		nc := NTKClientConfig(*n)
		nc.Clock = s.clock
		client, err := ntk.NewClient(nc)
		if err != nil {
			return fail(err)
		}
		closers = append(closers, client.Close)
		settings, err := NTKListSettings(*n)
		if err != nil {
			return fail(err)
		}
		c.lists = append(c.lists, engine.ListTarget{Target: client, List: settings})
	}
	return c, nil
}

// EngineConfig makes a run's settings of the configuration (the engine
// knows no configuration): the rule, the policy, the zone and the one
// retry policy. Who runs (User, Host) is the caller's to add.
func EngineConfig(cfg *config.Config) engine.Config {
	policy := plan.Policy{MaxRevocations: cfg.Policy.MaxRevocations, MaxRevocationPercent: cfg.Policy.MaxRevocationPercent}
	for _, k := range cfg.Policy.Auto {
		policy.Auto = append(policy.Auto, plan.Kind(k))
	}
	return engine.Config{
		OrganisationID:     cfg.Cardskipper.OrganisationID,
		ChildOrganisations: cfg.Cardskipper.IncludeChildren,
		Rule:               member.Rule{OrganisationIDs: []int{cfg.Cardskipper.OrganisationID}, RoleIDs: slices.Clone(cfg.Cardskipper.Roles)},
		Policy:             policy,
		Zone:               cfg.Zone,
		// The one retry policy: the clients send once, the engine retries
		// by error class within each target's budget per run.
		// (its Clock is the engine's unless the caller sets one).
		Retry: retryPolicy(cfg, nil),
	}
}

// newEngine builds an engine of the clients, told what happens by obs
// (nil: nobody), with the targets they hold left out.
func (s *Service) newEngine(c *clients, obs engine.Observer) *engine.Engine {
	ec := EngineConfig(s.cfg)
	ec.Retry.Clock = s.clock
	ec.User, ec.Host = s.user, s.host
	deps := engine.Deps{Source: c.source, Targets: c.targets, Lists: c.lists, Store: s.store, Clock: s.clock, Observer: obs}
	if n := notifiersFrom(s.cfg.Notify, s.notifyHTTP, s.clock); len(n) > 0 {
		deps.Notifier = n
	}
	eng := engine.New(ec, deps)
	var names []string
	for _, t := range c.targets {
		names = append(names, t.Info().Name)
	}
	for _, l := range c.lists {
		names = append(names, l.Target.Info().Name)
	}
	for _, name := range names {
		eng.Hold(name, c.held[name])
		if c.held[name] != nil && !c.tell[name] {
			eng.Quiet(name)
		}
	}
	return eng
}

// retryPolicy is the configured retry policy: the run's budget per target,
// time measured by clk.
func retryPolicy(cfg *config.Config, clk clock.Clock) apply.Retry {
	return apply.Retry{Budget: cfg.RetryBudget, Budgets: cfg.RetryBudgets(), Clock: clk}
}

// NeyrossConfig makes the NEYROSS client's Config of the [neyross] table
// and the site's zone (the client knows no configuration): one translation
// for runs, doctor and the demo's overview. cfg.Neyross must be set.
func NeyrossConfig(cfg *config.Config) neyross.Config {
	n := cfg.Neyross
	return neyross.Config{Name: n.Name, BaseURL: n.URL, Token: n.Token.Value(), Zone: cfg.Zone, Timeout: n.Timeout, Batch: n.Batch}
}

// NTKClientConfig makes the NTK client's Config of the [ntk] table (the
// client knows no configuration).
func NTKClientConfig(n config.NTK) ntk.Config {
	return ntk.Config{Name: n.Name, URL: n.URL, Username: n.Username, Password: n.Password.Value(), Timeout: n.Timeout}
}

// NTKListSettings makes the settings of NTK's access list of the [ntk]
// table (plan/accesslist knows no configuration). The loader has checked
// the zone map's keys; one that is not a role id is still an error here,
// never a silently lost zone.
func NTKListSettings(n config.NTK) (accesslist.Settings, error) {
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
