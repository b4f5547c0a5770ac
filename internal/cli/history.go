package cli

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/store"
)

type historyOptions struct {
	run   int64
	email string
	limit int
}

func (a *App) historyCommand(g *globalOptions) *cobra.Command {
	o := historyOptions{}
	cmd := &cobra.Command{
		Use:   "history [--run ID] [--email E]",
		Short: "Past runs and what each did; one run's items; one member's history",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := a.loadConfig(g)
			if err != nil {
				return err
			}
			s, err := a.sessionOn(ctx, g, cfg, true)
			if err != nil {
				return err
			}
			defer s.close()
			switch {
			case o.email != "":
				e, err := member.NormalizeEmail(o.email)
				if err != nil || e == "" {
					return usageError(fmt.Errorf("--email %q is not an e-mail address", o.email))
				}
				items, err := s.svc.ItemsForEmail(ctx, e, o.limit)
				if err != nil {
					return failedError(err)
				}
				return a.printItems(g, items, cfg.Zone)
			case o.run > 0:
				run, items, err := s.svc.Run(ctx, o.run)
				if err != nil {
					return failedError(err)
				}
				if g.logFormat == "json" {
					return json.NewEncoder(a.Stdout).Encode(struct {
						Run   store.Run          `json:"run"`
						Items []store.ItemRecord `json:"items"`
					}{run, items})
				}
				a.printRuns([]store.Run{run}, cfg.Zone)
				fmt.Fprintln(a.Stdout)
				return a.printItems(g, items, cfg.Zone)
			}
			runs, err := s.svc.RunLog(ctx, o.limit)
			if err != nil {
				return failedError(err)
			}
			if g.logFormat == "json" {
				return json.NewEncoder(a.Stdout).Encode(runs)
			}
			a.printRuns(runs, cfg.Zone)
			return nil
		},
	}
	f := cmd.Flags()
	f.Int64Var(&o.run, "run", 0, "show the items of this run")
	f.StringVar(&o.email, "email", "", "show the history of this member e-mail")
	f.IntVar(&o.limit, "limit", 50, "at most this many runs or items")
	return cmd
}

func (a *App) printRuns(runs []store.Run, zone *time.Location) {
	if len(runs) == 0 {
		fmt.Fprintln(a.Stdout, "no runs recorded yet")
		return
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tstarted\tmode\tuser@host\toutcome\texit\tmembers\tcounts\tnote")
	for _, r := range runs {
		note := r.Error
		if r.GuardTripped {
			note = "guard: " + r.GuardReason
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s@%s\t%s\t%d\t%d\t%s\t%s\n", r.ID, r.StartedAt.In(zone).Format("2006-01-02 15:04"), r.Mode,
			cell(r.User), cell(r.Host), r.Outcome, r.ExitCode, r.Members, countsText(r.Counts), lastCell(note))
	}
	tw.Flush()
}

func countsText(c map[string]int) string {
	keys := make([]string, 0, len(c))
	for k, n := range c {
		if n > 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, c[k])
	}
	return strings.Join(parts, ", ")
}

func (a *App) printItems(g *globalOptions, items []store.ItemRecord, zone *time.Location) error {
	if g.logFormat == "json" {
		return json.NewEncoder(a.Stdout).Encode(items)
	}
	if len(items) == 0 {
		fmt.Fprintln(a.Stdout, "no items")
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tkind\tstatus\temail\ttarget\taccount\tbefore\tafter\tdesired\tattempts\tapproved by\tnote")
	for _, it := range items {
		note := it.Error
		if note == "" {
			note = it.Reason
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", it.RunID, it.Kind, it.Status, cell(string(it.Email)),
			cell(it.Target), cell(it.Account), timeText(it.Before, zone), timeText(it.After, zone), timeText(it.Desired, zone),
			it.Attempts, cell(it.ApprovedBy), lastCell(note))
	}
	return tw.Flush()
}

func timeText(t time.Time, zone *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(zone).Format(time.DateTime)
}
