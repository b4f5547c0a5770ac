package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/emulator/site"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/source/cardskipper"
	"github.com/doorsync/doorsync/internal/target/hikvision"
)

// demoZone is the zone of the built-in site: the customer's.
const demoZone = "Europe/Ljubljana"

type demoOptions struct {
	serve       bool
	summary     bool
	writeConfig string
	members     int
	seed        uint64
	latency     time.Duration
}

func (a *App) demoCommand(g *globalOptions) *cobra.Command {
	o := demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run built-in emulators of Cardskipper and two Hikvision terminals with a generated data set",
		Long: `demo starts emulators of Cardskipper and two Hikvision terminals on loopback ports, filled
with a generated data set (Slovenian names, renewals, lapses, shared and mixed-case e-mails,
members without e-mail, staff on the terminals). No configuration and no network are needed.

On a terminal it opens the console on them. With --summary (or without a terminal) it checks
the emulators like "doorsync doctor" would, reads both sides and prints what each holds, then
stops them. With --serve it prints their URLs and credentials and
keeps running until interrupted; --write-config writes a doorsync.toml for them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.members < 1 || o.members > 100_000 {
				return usageError(fmt.Errorf("--members must be between 1 and 100000, not %d", o.members))
			}
			if o.latency < 0 {
				return usageError(fmt.Errorf("--latency must not be negative"))
			}
			return a.runDemo(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.serve, "serve", false, "keep the emulators running until interrupted")
	f.BoolVar(&o.summary, "summary", false, "print a doctor check and an overview instead of opening the console (the default without a terminal)")
	f.StringVar(&o.writeConfig, "write-config", "", "write a doorsync.toml for the emulators to this `file` (mode 0600)")
	f.IntVar(&o.members, "members", 300, "number of Cardskipper members to generate (1…100000)")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the data set (same seed, same data)")
	f.DurationVar(&o.latency, "latency", 0, "latency added to every emulated request, e.g. 20ms")
	return cmd
}

func (a *App) runDemo(ctx context.Context, g *globalOptions, o demoOptions) error {
	zone, err := time.LoadLocation(demoZone)
	if err != nil {
		return failedError(fmt.Errorf("demo: time zone %s: %w", demoZone, err))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := site.Start(ctx, site.Options{Members: o.members, Seed: o.seed, Zone: zone, Clock: a.Clock, Latency: o.latency})
	if err != nil {
		return failedError(err)
	}
	defer s.Close()

	dir, err := os.MkdirTemp("", "doorsync-demo-")
	if err != nil {
		return failedError(err)
	}
	defer os.RemoveAll(dir)
	cfgPath := o.writeConfig
	if cfgPath == "" {
		cfgPath = filepath.Join(dir, "doorsync.toml")
	}
	database := g.dbPath
	if database == "" {
		database = filepath.Join(dir, "doorsync.db")
		if o.writeConfig != "" {
			database = "doorsync-demo.db" // next to the written config
		}
	}
	if err := s.WriteConfig(cfgPath, database); err != nil {
		return failedError(err)
	}
	// The demo's config goes through the same loader as a real one.
	cfg, err := config.Load(cfgPath, a.LookupEnv)
	if err != nil {
		return failedError(fmt.Errorf("demo: generated configuration does not load: %w", err))
	}

	if o.serve {
		a.printEndpoints(s, o.writeConfig)
		if a.Ready != nil {
			a.Ready(s)
		}
		<-ctx.Done()
		fmt.Fprintln(a.Stderr, "doorsync demo: stopping the emulators")
		return nil
	}

	if !o.summary && isTerminal(a.Stdout) && isTerminal(a.Stderr) {
		cg := *g
		cg.configPath, cg.dbPath = cfgPath, database
		return a.runConsole(ctx, &cg)
	}

	fmt.Fprintf(a.Stdout, "doorsync demo: emulated Cardskipper with %d members and %d terminals on loopback (seed %d)\n\n",
		len(s.Data.Members), len(s.Terminals), o.seed)
	p := newPrinter(g.logFormat, a.Stdout, a.Clock)
	if failed := a.doctor(ctx, cfg, p); failed > 0 {
		return failedError(fmt.Errorf("demo: %d check(s) failed against the emulators", failed))
	}
	fmt.Fprintln(a.Stdout)
	if err := a.demoOverview(ctx, cfg, p); err != nil {
		return failedError(err)
	}
	fmt.Fprintln(a.Stdout, "\nRun `doorsync demo` on a terminal for the console, or `doorsync demo --serve --write-config demo.toml` to keep the emulators up.")
	return nil
}

func (a *App) printEndpoints(s *site.Site, written string) {
	w := a.Stdout
	fmt.Fprintf(w, "doorsync demo: emulators running on loopback (Ctrl-C stops them)\n\n")
	fmt.Fprintf(w, "  %-12s %-10s %-28s %-10s %s\n", "name", "system", "url", "username", "password")
	fmt.Fprintf(w, "  %-12s %-10s %-28s %-10s %s\n", s.Cardskipper.Name, s.Cardskipper.System, s.Cardskipper.URL, s.Cardskipper.Username, s.Cardskipper.Password)
	for _, t := range s.Terminals {
		fmt.Fprintf(w, "  %-12s %-10s %-28s %-10s %s\n", t.Name, t.System, t.URL, t.Username, t.Password)
	}
	fmt.Fprintf(w, "\n  organisation_id = 1, %d members, time zone %s\n", len(s.Data.Members), s.Zone)
	if written != "" {
		fmt.Fprintf(w, "  configuration written to %s — try: doorsync doctor --config %s\n", written, written)
	}
}

// demoOverview reads both sides through the real clients and says what each
// holds: the raw material the planner (next release) works on.
func (a *App) demoOverview(ctx context.Context, cfg *config.Config, p Printer) error {
	client, err := newCardskipper(cfg)
	if err != nil {
		return err
	}
	members, err := client.Export(ctx, cardskipper.ExportQuery{OrganisationID: cfg.Cardskipper.OrganisationID})
	if err != nil {
		return err
	}
	today := member.Today(a.Clock.Now(), cfg.Zone)
	rule := member.Rule{OrganisationIDs: []int{cfg.Cardskipper.OrganisationID}, RoleIDs: cfg.Cardskipper.Roles}
	var withEmail, valid, problems int
	emails := map[member.Email]bool{}
	for _, m := range members {
		if m.Email != "" {
			withEmail++
			emails[m.Email] = true
		}
		v := rule.Evaluate(m, today)
		if v.ValidToday {
			valid++
		}
		if len(m.Problems) > 0 || len(v.Invalid) > 0 {
			problems++
		}
	}
	p.Print(Line{Status: StatusInfo, Subject: "cardskipper", Check: "members",
		Detail: fmt.Sprintf("%d exported, %d valid today, %d with e-mail (%d distinct), %d with data problems", len(members), valid, withEmail, len(emails), problems)})
	for _, h := range cfg.Hikvision {
		t, err := hikvision.NewTarget(hikvisionConfig(cfg, h, a.Clock))
		if err != nil {
			return err
		}
		accounts, err := t.Inventory(ctx, nil)
		if err != nil {
			return err
		}
		var mailed, known, validNow int
		now := a.Clock.Now()
		for _, acc := range accounts {
			if acc.Email != "" {
				mailed++
				if emails[acc.Email] {
					known++
				}
			}
			if acc.Permanent || acc.End.After(now) {
				validNow++
			}
		}
		p.Print(Line{Status: StatusInfo, Subject: "terminal " + h.Name, Check: "persons",
			Detail: fmt.Sprintf("%d persons, %d valid now, %d carry an e-mail (%d of them a member's); the rest need links", len(accounts), validNow, mailed, known)})
	}
	return nil
}
