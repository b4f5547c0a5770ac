package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/doorsync/doorsync/internal/store"
)

type backupOptions struct {
	file  string
	force bool
}

func (a *App) backupCommand(g *globalOptions) *cobra.Command {
	o := backupOptions{}
	cmd := &cobra.Command{
		Use:   "backup FILE [--force]",
		Short: "Copy the database into FILE, consistently, even while a run writes it",
		Long: `backup copies the database (database in the configuration, or --db) into FILE as one
consistent snapshot, with SQLite's VACUUM INTO: a run writing meanwhile (cron's --auto, the
watch service) is neither blocked nor stopped, and the copy holds what was committed when the
backup began. It takes no run lock and never writes the database.

The copy is written next to FILE with mode 0600 (it names members and e-mails), checked
(PRAGMA quick_check) and only then renamed to FILE; an interrupted or failed backup leaves
nothing behind. An existing FILE is replaced only with --force.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.file = args[0]
			return a.runBackup(cmd.Context(), g, o)
		},
	}
	cmd.Flags().BoolVar(&o.force, "force", false, "replace FILE if it exists")
	return cmd
}

func (a *App) runBackup(ctx context.Context, g *globalOptions, o backupOptions) error {
	switch o.file {
	case "-":
		return usageError(fmt.Errorf("backup: FILE - (standard output) is not supported: name a file"))
	case "":
		return usageError(fmt.Errorf("backup: FILE is empty: name a file"))
	}
	file, err := a.expandHome(o.file)
	if err != nil {
		return usageError(fmt.Errorf("backup: %w", err))
	}
	cfg, err := a.loadConfigWarned(g)
	if err != nil {
		return err
	}
	// Read-only, but a reader of a WAL database may create its -shm.
	if err := a.checkDatabaseOwner(g, cfg.Database); err != nil {
		return err
	}
	info, err := store.Backup(ctx, cfg.Database, file, o.force)
	switch {
	case errors.Is(err, store.ErrBackupExists):
		return usageError(fmt.Errorf("%w; --force replaces it", err))
	case errors.Is(err, store.ErrBackupOntoDatabase), errors.Is(err, store.ErrBackupNotAFile):
		return usageError(err)
	case err != nil:
		return failedError(err)
	}
	if g.logFormat == "json" {
		return json.NewEncoder(a.Stdout).Encode(info)
	}
	schema := fmt.Sprint(info.Schema)
	if latest := store.LatestVersion(); info.Schema > latest {
		schema += fmt.Sprintf(" (newer than this doorsync's %d)", latest)
	}
	runs := "runs"
	if info.Runs == 1 {
		runs = "run"
	}
	_, err = fmt.Fprintf(a.Stdout, "backup: %s — %s, %d %s, schema %s, checked ok\n", info.Path, sizeText(info.Bytes), info.Runs, runs, schema)
	return err
}

// sizeText writes a file's size the way people read it: "12.3 MiB".
func sizeText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	v, prefix := float64(n)/unit, "KMGT"
	i := 0
	for v >= unit && i < len(prefix)-1 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, prefix[i])
}
