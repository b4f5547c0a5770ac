package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/doorsync/doorsync/internal/atomicfile"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/service"
	"github.com/doorsync/doorsync/internal/textclean"
)

type planOptions struct {
	json bool
	all  bool
	out  string
}

func (a *App) planCommand(g *globalOptions) *cobra.Command {
	o := planOptions{}
	cmd := &cobra.Command{
		Use:   "plan [--json] [--all] [--out FILE]",
		Short: "Compute the plan: read both sides and show what a sync would do (writes nothing but the local database)",
		Long: `plan reads Cardskipper and every terminal and prints a summary per kind and the items that
need attention, or the whole plan as JSON (--json). --out FILE saves the plan as JSON for
"doorsync apply FILE". in_sync items are counted but listed only with --all.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := a.expandHome(o.out)
			if err != nil {
				return usageError(fmt.Errorf("--out: %w", err))
			}
			o.out = out
			p, err := a.computePlan(cmd.Context(), g)
			if err != nil {
				return err
			}
			if o.out != "" {
				if err := writePlanFile(o.out, p, o.all); err != nil {
					return failedError(err)
				}
				fmt.Fprintf(a.Stderr, "doorsync: plan saved to %s (%d items); apply it with: doorsync apply %s\n", o.out, len(p.Items), o.out)
			}
			if o.json {
				if err := plan.Encode(a.Stdout, p, o.all); err != nil {
					return failedError(err)
				}
			} else if o.out == "" || g.debug {
				printPlanText(a.Stdout, p, o.all)
			}
			// A plan without the source is no plan: scripts must not read
			// it as "nothing to do".
			if p.Source.Error != "" {
				return failedError(fmt.Errorf("the Cardskipper export failed: %s", p.Source.Error))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print the plan as JSON (stable, versioned)")
	f.BoolVar(&o.all, "all", false, "list in_sync items too")
	f.StringVar(&o.out, "out", "", "save the plan as JSON to this `file` (for doorsync apply)")
	return cmd
}

// computePlan fetches both sides and plans, holding no run lock: it writes
// only snapshots to the local database. Progress and holds go to stderr.
func (a *App) computePlan(ctx context.Context, g *globalOptions) (plan.Plan, error) {
	s, err := a.openSession(ctx, g, false)
	if err != nil {
		return plan.Plan{}, err
	}
	defer s.close()
	pr := newPrinter(g.logFormat, a.Stderr, a.Clock)
	p, stops, err := s.svc.Plan(ctx, a.progressPrinter(pr, s.cfg, g.debug))
	if err != nil {
		return plan.Plan{}, serviceError(err)
	}
	printStops(pr, stops)
	return p, nil
}

// writePlanFile saves the plan atomically; plans hold member e-mails.
func writePlanFile(path string, p plan.Plan, all bool) error {
	return atomicfile.Write(path, 0o600, func(w io.Writer) error { return plan.Encode(w, p, all) })
}

func printPlanText(w io.Writer, p plan.Plan, all bool) {
	fmt.Fprintf(w, "Plan for %s (%s), %d Cardskipper members\n", p.Today, p.Timezone, p.Source.Members)
	if p.Source.Error != "" {
		fmt.Fprintf(w, "  Cardskipper export FAILED: %s\n", p.Source.Error)
	}
	for _, t := range p.Targets {
		if t.Error != "" {
			fmt.Fprintf(w, "  %-12s %-9s FAILED: %s\n", t.Name, t.System, t.Error)
		} else {
			fmt.Fprintf(w, "  %-12s %-9s %d accounts\n", t.Name, t.System, t.Accounts)
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "kind\titems\tin --auto")
	for _, k := range plan.Kinds() {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", k, p.Summary[k], autoText(&p, k))
	}
	tw.Flush()
	if p.Guard.Tripped {
		fmt.Fprintf(w, "\nGUARD TRIPPED: %s\n", p.Guard.Reason)
	}
	if n := identityCount(p); n > 0 {
		fmt.Fprintf(w, "\nIDENTITY CHANGED: %d items held until the admin confirms who the account belongs to (reasons start with \"identity:\")\n", n)
	}
	var rows []plan.Item
	for _, it := range p.Items {
		if all || it.Kind != plan.InSync || it.Identity != "" || it.EmailWas != "" {
			rows = append(rows, it)
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "kind\temail\tname\ttarget\taccount\tcurrent end\tdesired end\treason")
	for _, it := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.Kind, cell(string(it.Email)), cell(it.Name), cell(it.Target), cell(it.Account),
			endText(it.CurrentEnd, it.Permanent), endText(it.DesiredEnd, false), lastCell(it.Reason))
	}
	tw.Flush()
}

// autoText says what --auto does with the items of kind k, by the rule the
// engine decides with (plan.AppliedUnattended).
func autoText(p *plan.Plan, k plan.Kind) string {
	identity := 0
	auto, held := 0, 0
	for _, it := range p.Items {
		if it.Kind != k {
			continue
		}
		switch {
		case it.Identity != "":
			identity++
		case p.AppliedUnattended(it):
			auto++
		default:
			held++
		}
	}
	var s string
	switch {
	case !k.Writes():
		switch k {
		case plan.InSync:
			s = "nothing to do"
		case plan.Ambiguous:
			s = "held: link to resolve"
		default:
			s = "reported"
		}
	case p.Guard.Tripped:
		s = "held (guard)"
	case auto > 0 && held > 0:
		s = fmt.Sprintf("%d applied, %d held for approval", auto, held)
	case auto > 0:
		s = "applied"
	case held > 0:
		s = "held for approval"
	default:
		s = "-"
	}
	if identity > 0 {
		// An identity change holds its item whatever its kind.
		s += fmt.Sprintf("; %d held: identity changed", identity)
	}
	return s
}

func endText(t plan.LocalTime, permanent bool) string {
	switch {
	case permanent:
		return "permanent"
	case t.IsZero():
		return "-"
	}
	return t.Format(time.DateTime)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine keeps a value on its line and in its column (line breaks and
// tabs, which would start a new tabwriter column, become spaces) and keeps
// escape sequences from outside off the operator's terminal.
func oneLine(s string) string { return textclean.Clean(s) }

// maxLastCell bounds the last column of a row (a reason, a note), which is
// not padded: a reason that quotes a 20,000-character name must not make a
// line of 20,000 (plan --json keeps it whole).
const maxLastCell = 400

// lastCell is a value for the last column of a row: one line, at most
// maxLastCell characters (cut with …).
func lastCell(s string) string { return cut(oneLine(s), maxLastCell) }

// cut shortens s to n characters, the last one "…", when it is longer.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// maxCell is the widest a text column gets in the tables printed (plan,
// history, links): one 20,000-character name padded every row to it.
const maxCell = 60

// cell is a value for a padded column: one line, "-" when empty, at most
// maxCell characters (cut with …). The last column of a row (a reason, a
// note) is not padded: lastCell.
func cell(s string) string { return cut(dash(oneLine(s)), maxCell) }

type applyOptions struct {
	lockWait time.Duration
	force    bool
}

func (a *App) applyCommand(g *globalOptions) *cobra.Command {
	o := applyOptions{}
	cmd := &cobra.Command{
		Use:   "apply FILE",
		Short: "Apply exactly the write items of a saved plan (items whose account changed since are skipped as stale)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := a.expandHome(args[0])
			if err != nil {
				return usageError(err)
			}
			f, err := os.Open(path)
			if err != nil {
				return usageError(err)
			}
			p, err := plan.Decode(f, time.LoadLocation)
			f.Close()
			if err != nil {
				return usageError(fmt.Errorf("%s: %w", args[0], err))
			}
			s, err := a.openSession(cmd.Context(), g, false)
			if err != nil {
				return err
			}
			defer s.close()
			if err := s.svc.CheckSavedPlan(p, o.force); err != nil {
				return usageError(fmt.Errorf("%s %w", args[0], err))
			}
			pr := newPrinter(g.logFormat, a.Stdout, a.Clock)
			out, stops, err := s.svc.Sync(cmd.Context(), service.SyncRequest{Mode: engine.ModeApply, Saved: &p,
				LockWait: o.lockWait, Observer: a.progressPrinter(pr, s.cfg, g.debug)})
			return a.finishRun(pr, out, stops, err, "nothing was applied")
		},
	}
	cmd.Flags().DurationVar(&o.lockWait, "lock-wait", 0, "wait this long for another run to finish instead of exiting")
	cmd.Flags().BoolVar(&o.force, "force", false, "apply a plan made on an earlier day")
	return cmd
}

func identityCount(p plan.Plan) int {
	n := 0
	for _, it := range p.Items {
		if it.Identity != "" {
			n++
		}
	}
	return n
}
