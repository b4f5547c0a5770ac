package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/doorsync/doorsync/internal/config"
	hikemu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	neyemu "github.com/doorsync/doorsync/internal/emulator/neyross"
	"github.com/doorsync/doorsync/internal/emulator/site"
	"github.com/doorsync/doorsync/internal/service"
	"github.com/doorsync/doorsync/internal/target/ntk"
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
	firmware    []string // terminal=profile
}

func (a *App) demoCommand(g *globalOptions) *cobra.Command {
	o := demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run built-in emulators of Cardskipper, two Hikvision terminals, NEYROSS and NTK with a generated data set",
		Long: `demo starts emulators of Cardskipper, two Hikvision terminals, a NEYROSS platform (EIS
plugin) and the NTK access-list endpoint on loopback ports, filled with a generated data set
(Slovenian names, renewals, lapses, shared and mixed-case e-mails, members without e-mail, staff
on the terminals, Cyrillic names on NEYROSS, card numbers for NTK). No configuration and no
network are needed.

On a terminal it opens the console on them. With --summary (or without a terminal) it checks
the emulators like "doorsync doctor" would, reads every side and prints what each holds (for
NTK, which cannot be read, the access list doorsync would upload), then stops them. With
--serve it prints every emulator's URL and credentials (NEYROSS's API token, NTK's upload
login) and keeps running until interrupted; --write-config writes a doorsync.toml for them.

--firmware makes a terminal play the firmware of a real device, with that device's quirks
(e.g. --firmware entrance=k1t342mwx). Profiles:
` + firmwareHelp(),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.members < 1 || o.members > 100_000 {
				return usageError(fmt.Errorf("--members must be between 1 and 100000, not %d", o.members))
			}
			if o.latency < 0 {
				return usageError(fmt.Errorf("--latency must not be negative"))
			}
			if _, err := parseFirmware(o.firmware); err != nil {
				return usageError(err)
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
	f.StringArrayVar(&o.firmware, "firmware", nil, "`terminal=profile`: the terminal plays that firmware profile (repeatable; profiles: "+
		strings.Join(hikemu.ProfileNames(), ", ")+")")
	return cmd
}

func (a *App) runDemo(ctx context.Context, g *globalOptions, o demoOptions) error {
	zone, err := time.LoadLocation(demoZone)
	if err != nil {
		return failedError(fmt.Errorf("demo: time zone %s: %w", demoZone, err))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	firmware, err := parseFirmware(o.firmware)
	if err != nil {
		return usageError(err)
	}
	s, err := site.Start(ctx, site.Options{Members: o.members, Seed: o.seed, Zone: zone, Clock: a.Clock, Latency: o.latency,
		Firmware: firmware})
	if err != nil {
		return failedError(err)
	}
	defer s.Close()

	dir, err := os.MkdirTemp("", "doorsync-demo-")
	if err != nil {
		return failedError(err)
	}
	defer os.RemoveAll(dir)
	if o.writeConfig, err = a.expandHome(o.writeConfig); err != nil {
		return usageError(fmt.Errorf("--write-config: %w", err))
	}
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

	fmt.Fprintf(a.Stdout, "doorsync demo: emulated Cardskipper with %d members, %d terminals, NEYROSS and NTK on loopback (seed %d)\n",
		len(s.Data.Members), len(s.Terminals), o.seed)
	for _, l := range firmwareLines(s) {
		fmt.Fprintf(a.Stdout, "  %s\n", l)
	}
	fmt.Fprintln(a.Stdout)
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

// printEndpoints lists every emulator with the throwaway credentials of
// this start, so the admin can point doorsync (or curl) at them without
// --write-config. They are the demo's own random values, printed on purpose.
func (a *App) printEndpoints(s *site.Site, written string) {
	w := a.Stdout
	fmt.Fprintf(w, "doorsync demo: emulators running on loopback (Ctrl-C stops them)\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  name\tsystem\turl\tusername\tpassword")
	row := func(ep site.Endpoint, user string) {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", ep.Name, ep.System, ep.URL, user, ep.Password)
	}
	row(s.Cardskipper, s.Cardskipper.Username)
	for _, t := range s.Terminals {
		row(t, t.Username)
	}
	// NEYROSS has no user: its "password" is the EIS plugin's API token.
	row(s.Neyross, "(token)")
	row(s.NTK, s.NTK.Username)
	_ = tw.Flush()
	fmt.Fprintf(w, "\n  organisation_id = 1, %d members, time zone %s\n", len(s.Data.Members), s.Zone)
	for _, l := range firmwareLines(s) {
		fmt.Fprintf(w, "  %s\n", l)
	}
	fmt.Fprintf(w, "  neyross: the password column is the API token, sent as \"Authorization: Bearer <token>\"; the EIS API is under %s%s\n",
		s.Neyross.URL, neyemu.Prefix)
	fmt.Fprintf(w, "  ntk: the url is the upload address: POST the list as multipart field %q with Basic authentication\n", ntk.FormField)
	if written != "" {
		fmt.Fprintf(w, "  configuration written to %s — try: doorsync doctor --config %s\n", written, written)
	}
}

// demoOverview prints what each system holds (service.Overview), one line
// each; the rows read before an error are printed before it is returned.
func (a *App) demoOverview(ctx context.Context, cfg *config.Config, p Printer) error {
	rows, err := service.Overview(ctx, cfg, service.OverviewOptions{Clock: a.Clock})
	for _, r := range rows {
		p.Print(Line{Status: StatusInfo, Subject: r.Subject(), Check: r.Name, Detail: r.Detail})
	}
	return err
}

// parseFirmware reads --firmware terminal=profile values.
func parseFirmware(values []string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range values {
		name, profile, ok := strings.Cut(v, "=")
		name, profile = strings.TrimSpace(name), strings.TrimSpace(profile)
		if !ok || name == "" || profile == "" {
			return nil, fmt.Errorf("--firmware %q: want terminal=profile, e.g. entrance=k1t342mwx", v)
		}
		p, err := hikemu.LookupProfile(profile)
		if err != nil {
			return nil, fmt.Errorf("--firmware %s: %w", v, err)
		}
		i := slices.IndexFunc(site.DefaultTerminals(), func(t string) bool { return strings.EqualFold(t, name) })
		if i < 0 {
			return nil, fmt.Errorf("--firmware %s: the demo has no terminal %q (terminals: %s)", v, name, strings.Join(site.DefaultTerminals(), ", "))
		}
		name = site.DefaultTerminals()[i]
		if prev, dup := out[name]; dup && prev != p.Name {
			return nil, fmt.Errorf("--firmware: terminal %s given twice (%s and %s)", name, prev, p.Name)
		}
		out[name] = p.Name
	}
	return out, nil
}

// firmwareLines says which terminals play a real device's firmware.
func firmwareLines(s *site.Site) []string {
	var out []string
	for _, t := range s.Terminals {
		name := s.TerminalServers[t.Name].Profile()
		if name == "" || name == hikemu.ProfileNone {
			continue
		}
		if p, err := hikemu.LookupProfile(name); err == nil {
			out = append(out, fmt.Sprintf("%s plays firmware %s (%s): %s", t.Name, p.Name, p.Device, p.Does))
		}
	}
	return out
}

// firmwareHelp lists the profiles for the command's help.
func firmwareHelp() string {
	var b strings.Builder
	for _, p := range hikemu.Profiles() {
		fmt.Fprintf(&b, "  %-10s %s: %s\n", p.Name, p.Device, p.Does)
	}
	return strings.TrimRight(b.String(), "\n")
}
