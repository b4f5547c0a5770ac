package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/service"
)

func (a *App) doctorCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check configuration, credentials, reachability, terminal capabilities and clocks (read-only)",
		Long: `doctor loads the configuration and checks, without changing anything anywhere:
Cardskipper credentials, organisation, roles and the member-export right; each terminal's
reachability, authentication, capabilities, person count and clock skew; NEYROSS's token,
its EIS access levels and the persons it shows; for NTK, whose only call is the list upload,
only the upload settings and that the host accepts a connection (TLS handshake for https) —
its credentials cannot be checked without uploading.
One line per check; secrets are never printed. Exit 1 if any check fails, 2 if the
configuration cannot be loaded.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig(g)
			if err != nil {
				return err
			}
			p := newPrinter(g.logFormat, a.Stdout, a.Clock)
			failed := a.doctor(cmd.Context(), cfg, p)
			// doctor opens no database, but the commands after it would
			// refuse to as root: better said now.
			if err := a.checkDatabaseOwner(g, cfg.Database); err != nil {
				p.Print(Line{Status: StatusWarn, Subject: service.SystemDatabase, Check: "owner", Detail: err.Error()})
			}
			if failed > 0 {
				return failedError(fmt.Errorf("doctor: %d check(s) failed", failed))
			}
			return nil
		},
	}
}

// doctor prints the service's checks (service.Doctor) one line each, as
// they come, and returns the number of failed checks.
func (a *App) doctor(ctx context.Context, cfg *config.Config, p Printer) int {
	failed := 0
	service.Doctor(ctx, cfg, service.DoctorOptions{Clock: a.Clock, Report: func(c service.Check) {
		p.Print(Line{Status: Status(c.Status), Subject: c.Subject(), Check: c.Name, Detail: c.Detail})
		if c.Status == service.CheckFail {
			failed++
		}
	}})
	return failed
}
