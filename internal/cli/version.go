package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/doorsync/doorsync/internal/build"
)

func (a *App) versionCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			info := build.Read()
			if g.logFormat == "json" {
				return json.NewEncoder(a.Stdout).Encode(info)
			}
			_, err := fmt.Fprintln(a.Stdout, info.String())
			return err
		},
	}
}
