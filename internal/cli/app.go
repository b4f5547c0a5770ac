// Package cli is the composition root and the command-line face. It builds
// the commands (cobra), finds and reads the configuration, opens the
// database, builds the application service (internal/service) once over
// them (session.go) and hands it to a command or to the console (tui), and
// maps outcomes to the documented exit codes (exit.go, internal/exitcode).
// Each command is an options struct plus a run function with injected I/O
// (App: the output streams, the environment, the clock, the configuration
// directories, who owns what), so tests drive it without a process.
//
// Where things live: app.go the root command and its global options;
// sync.go --auto, the engine.Observer that prints a run's progress
// (progressPrinter) and how every run ends (finishRun); plancmd.go plan
// and apply FILE; watch.go watch's loop,
// timer and printing (the pass itself is the service's); links.go,
// history.go, reportcmd.go, backup.go their commands; console.go the console's start
// (a terminal is needed; the background's colour; the --debug log that
// wraps the service's backend); doctor.go doctor's options and the
// printing of the service's checks (service.Doctor); demo.go the demo (the emulated site of
// internal/emulator/site, its configuration, an overview); printer.go the
// headless Printer (text or JSON lines); loadconfig.go the configuration's
// search order; rootguard.go the refusal to open, as root, a database
// another user owns (ownership_*.go ask the system who owns what).
//
// Most end-to-end tests of doorsync live here (e2e_*_test.go, against the
// emulated site), with the console's end to end tests and its first-frame
// and resident-memory benchmarks (console_bench_test.go,
// console_rss_test.go).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/homepath"
)

// App holds everything a command may touch from the outside world.
type App struct {
	Stdout    io.Writer
	Stderr    io.Writer
	LookupEnv func(string) (string, bool)
	Clock     clock.Clock
	// Ownership tells who runs doorsync and who owns the database, for
	// the refusal to open another user's database as root (rootguard.go);
	// nil refuses nothing.
	Ownership Ownership
	// UserConfigDir and SystemConfigDir are searched for doorsync.toml after
	// --config, $DOORSYNC_CONFIG and ./doorsync.toml.
	UserConfigDir   string
	SystemConfigDir string
	// Ready, when set, receives a note once a long-running command (demo
	// --serve) is serving; tests use it to know when to connect.
	Ready func(any)
}

// NewApp is the production App.
func NewApp() *App {
	ucd, _ := os.UserConfigDir()
	if ucd != "" {
		ucd += string(os.PathSeparator) + "doorsync"
	}
	return &App{
		Stdout: os.Stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv, Clock: clock.System{},
		Ownership: systemOwnership{}, UserConfigDir: ucd, SystemConfigDir: config.SystemDir,
	}
}

// globalOptions are the flags every command takes.
type globalOptions struct {
	configPath string
	dbPath     string
	logFormat  string
	debug      bool
	auto       bool
	args       []string // the command line after "doorsync", for messages that suggest running it differently
}

// Run executes the command line and returns the process exit code.
func (a *App) Run(ctx context.Context, args []string) int {
	g := &globalOptions{args: args}
	root := a.rootCommand(g)
	root.SetArgs(args)
	root.SetOut(a.Stdout)
	root.SetErr(a.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := codeOf(err)
	var ee *exitError
	if !errors.As(err, &ee) && isUsage(err) {
		code = ExitUsage
	}
	if !errors.Is(err, errSilent) {
		fmt.Fprintf(a.Stderr, "doorsync: %v\n", err)
	}
	return code
}

// errSilent marks an error whose message was already printed (e.g. doctor's
// failing checks); only its exit code matters.
var errSilent = errors.New("already reported")

func (a *App) rootCommand(g *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "doorsync",
		Short: "Keep door terminals' validity equal to Cardskipper's, keyed by e-mail",
		Long: `doorsync keeps every door terminal's end dates equal to Cardskipper's, keyed by e-mail,
with a full history in a local SQLite database.

Start with "doorsync demo" to see it against built-in emulators, and
"doorsync doctor" to check a configuration against the real systems.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if g.auto {
				return a.runAuto(cmd.Context(), g, engine.ModeAuto, 0)
			}
			return a.runConsole(cmd.Context(), g)
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.configPath, "config", "", "configuration file (default: $DOORSYNC_CONFIG, ./doorsync.toml, user then system config dir)")
	pf.StringVar(&g.dbPath, "db", "", "SQLite database file (overrides `database` in the configuration)")
	pf.StringVar(&g.logFormat, "log-format", "text", "headless output format: text or json")
	pf.BoolVar(&g.debug, "debug", false, "more detail: plan and report print every read error on stderr (plan --out also prints the plan), sync --auto, apply and watch add every read error and the result of each terminal or NEYROSS write to their output, and the console logs what it does to a new file (mode 0600) whose path it prints on exit")
	root.Flags().BoolVar(&g.auto, "auto", false, "unattended sync for cron: the same as `doorsync sync --auto`")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if g.logFormat != "text" && g.logFormat != "json" {
			return usageError(fmt.Errorf("--log-format must be text or json, not %q", g.logFormat))
		}
		// Where no shell expanded ~ (systemd's ExecStart, --db=~/x.db).
		for _, f := range []struct {
			flag string
			path *string
		}{{"--config", &g.configPath}, {"--db", &g.dbPath}} {
			p, err := a.expandHome(*f.path)
			if err != nil {
				return usageError(fmt.Errorf("%s: %w", f.flag, err))
			}
			*f.path = p
		}
		return nil
	}
	// Completions (doorsync completion bash|zsh|fish) offer only what fits.
	_ = root.RegisterFlagCompletionFunc("log-format", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	_ = root.MarkPersistentFlagFilename("config", "toml")
	_ = root.MarkPersistentFlagFilename("db", "db")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	root.AddCommand(
		a.versionCommand(g),
		a.demoCommand(g),
		a.doctorCommand(g),
		a.syncCommand(g),
		a.planCommand(g),
		a.applyCommand(g),
		a.reportCommand(g),
		a.historyCommand(g),
		a.linksCommand(g),
		a.watchCommand(g),
		a.whyCommand(g),
		a.backupCommand(g),
		a.manCommand(g),
	)
	return root
}

// isUsage recognises cobra's own argument errors (unknown command, wrong
// number of arguments), which it returns as plain errors.
func isUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "accepts ", "requires ", "invalid argument", "unknown shorthand"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// expandHome makes a leading ~ of a path given on the command line the home
// directory ($HOME), as a shell would.
func (a *App) expandHome(p string) (string, error) {
	return homepath.Expand(p, func() (string, error) {
		h, _ := a.LookupEnv("HOME")
		return h, nil
	})
}
