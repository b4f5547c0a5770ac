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

// newEngine builds one run's engine: fresh clients (terminals count
// authentication failures for their whole life, so one set per run).
func (s *Service) newEngine() (*engine.Engine, func(), error) {
	cfg, st := s.cfg, s.store
	src, err := NewCardskipper(cfg)
	if err != nil {
		return nil, nil, err
	}
	var targets []target.Target
	var closers []func()
	for _, h := range cfg.Hikvision {
		t, err := hikvision.NewTarget(HikvisionConfig(cfg, h, s.clock))
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
		Source: src, OrganisationID: cfg.Cardskipper.OrganisationID, Targets: targets, Store: st, Clock: s.clock, Zone: cfg.Zone,
		Rule: member.Rule{OrganisationIDs: orgs, RoleIDs: slices.Clone(cfg.Cardskipper.Roles)}, Policy: policy,
		ChildOrganisations: cfg.Cardskipper.IncludeChildren, User: s.user, Host: s.host,
		// The one retry policy: the clients send once, the engine retries
		// by error class within each target's budget per run.
		Retry: retryPolicy(cfg, s.clock),
	}
	if n := notifiersFrom(cfg.Notify, s.notifyHTTP, s.clock); len(n) > 0 {
		e.Notifier = n
	}
	if n := cfg.NTK; n != nil {
		nc := NTKClientConfig(*n)
		nc.Clock = s.clock
		client, err := ntk.NewClient(nc)
		if err != nil {
			return nil, nil, err
		}
		settings, err := NTKListSettings(*n)
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

// retryPolicy is the configured retry policy: the run's budget per target,
// time measured by clk.
func retryPolicy(cfg *config.Config, clk clock.Clock) apply.Retry {
	return apply.Retry{Budget: cfg.RetryBudget, Budgets: cfg.RetryBudgets(), Clock: clk}
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
