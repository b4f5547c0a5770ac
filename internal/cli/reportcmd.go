package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/doorsync/doorsync/internal/report"
)

type reportOptions struct {
	format string
	out    string
	run    int64
	all    bool
}

func (a *App) reportCommand(g *globalOptions) *cobra.Command {
	o := reportOptions{}
	cmd := &cobra.Command{
		Use:   "report [--format csv|json|md|html] [--out FILE] [--run ID]",
		Short: "Mismatch report of the current plan, or of a past run",
		Long: `report writes the mismatch report of the current plan (both sides are read now), or with
--run ID of what a past run did. The format comes from --format, else from the --out file's
extension; to stdout the default is Markdown. Files are written atomically with mode 0640.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if o.out, err = a.expandHome(o.out); err != nil {
				return usageError(fmt.Errorf("--out: %w", err))
			}
			format, err := o.resolveFormat()
			if err != nil {
				return usageError(err)
			}
			var r report.Report
			if o.run > 0 {
				r, err = a.runReport(cmd, g, o.run)
			} else {
				p, perr := a.computePlan(cmd.Context(), g)
				if perr != nil {
					return perr
				}
				r = report.FromPlan(p, o.all)
				if p.Source.Error != "" {
					// Still write the report (it shows the failure), but do
					// not let a script read it as "nothing to do".
					defer func() { err = failedError(fmt.Errorf("the Cardskipper export failed: %s", p.Source.Error)) }()
				}
			}
			if err != nil {
				return err
			}
			if o.out == "" {
				return report.Write(a.Stdout, r, format)
			}
			if err := report.WriteFile(o.out, r, format); err != nil {
				return failedError(err)
			}
			fmt.Fprintf(a.Stderr, "doorsync: %s report written to %s (%d rows)\n", format, o.out, len(r.Rows))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "", "csv, json, md or html")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"csv", "json", "md", "html"}, cobra.ShellCompDirectiveNoFileComp))
	f.StringVar(&o.out, "out", "", "write to this `file` instead of stdout")
	f.Int64Var(&o.run, "run", 0, "report what run ID did instead of the current plan")
	f.BoolVar(&o.all, "all", false, "include in_sync rows")
	return cmd
}

func (o reportOptions) resolveFormat() (report.Format, error) {
	if o.format != "" {
		return report.ParseFormat(o.format)
	}
	if o.out != "" {
		if f, ok := report.FormatFromPath(o.out); ok {
			return f, nil
		}
		return "", fmt.Errorf("cannot tell the format from %q: add --format csv|json|md|html", o.out)
	}
	return report.Markdown, nil
}

// runReport builds the report of a recorded run from its items.
func (a *App) runReport(cmd *cobra.Command, g *globalOptions, id int64) (report.Report, error) {
	cfg, err := a.loadConfig(g)
	if err != nil {
		return report.Report{}, err
	}
	s, err := a.sessionOn(cmd.Context(), g, cfg, true)
	if err != nil {
		return report.Report{}, err
	}
	defer s.close()
	r, err := s.svc.RunReport(cmd.Context(), id)
	if err != nil {
		return report.Report{}, failedError(err)
	}
	return r, nil
}
