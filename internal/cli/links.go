package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/identity/ivms"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/service"
)

func (a *App) linksCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "links",
		Short: "The identity table: which account on which terminal belongs to which member e-mail",
		Long: `Terminals hold no e-mail, so doorsync keeps links: a Cardskipper member (id and e-mail) ↔
(terminal, Person ID). A link follows its member through an e-mail change, wins over an e-mail
found on the terminal and survives renames on either side (identity.md in the documentation:
docs/ in the source, /usr/share/doc/doorsync/ in the packages).`,
	}
	cmd.AddCommand(a.linksListCommand(g), a.linksAddCommand(g), a.linksRemoveCommand(g), a.linksImportCommand(g))
	return cmd
}

func (a *App) linksListCommand(g *globalOptions) *cobra.Command {
	var targetName string
	cmd := &cobra.Command{
		Use:   "list [--target NAME]",
		Short: "List stored links",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.openSession(cmd.Context(), g, true)
			if err != nil {
				return err
			}
			defer s.close()
			links, err := s.svc.Links(cmd.Context())
			if err != nil {
				return failedError(err)
			}
			var shown []identity.Link
			for _, l := range links {
				if targetName == "" || l.Target == targetName {
					shown = append(shown, l)
				}
			}
			if g.logFormat == "json" {
				return json.NewEncoder(a.Stdout).Encode(shown)
			}
			if len(shown) == 0 {
				fmt.Fprintln(a.Stdout, "no links stored")
				return nil
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "email\ttarget\taccount\tmember\torigin\tcreated\tby\tnote")
			for _, l := range shown {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cell(string(l.Email)), cell(l.Target), cell(l.Account), cell(l.MemberID), l.Origin,
					timeText(l.CreatedAt, s.cfg.Zone), cell(l.CreatedBy), lastCell(l.Note))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&targetName, "target", "", "only links to this target")
	return cmd
}

// checkTarget makes sure a target name is configured.
func (s *session) checkTarget(name string) error {
	if err := s.svc.CheckTarget(name); err != nil {
		return usageError(err)
	}
	return nil
}

// linkSession checks the e-mail argument of links add/remove and opens a
// writing session.
func (a *App) linkSession(cmd *cobra.Command, g *globalOptions, arg string) (member.Email, *session, error) {
	e, err := member.NormalizeEmail(arg)
	if err != nil || e == "" {
		return "", nil, usageError(fmt.Errorf("%q is not an e-mail address", arg))
	}
	s, err := a.openSession(cmd.Context(), g, false)
	return e, s, err
}

func (a *App) linksAddCommand(g *globalOptions) *cobra.Command {
	var memberID, note string
	var force bool
	cmd := &cobra.Command{
		Use:   "add EMAIL TARGET ACCOUNT",
		Short: "Confirm that ACCOUNT (Person ID) on TARGET belongs to the member with EMAIL",
		Long: `add links an account to a Cardskipper member. The link records the member's id (taken from
the one member with EMAIL; --member when several share it) and follows that member through an
e-mail change. It checks that the account is on the target, and shows both names: names that
share no word are refused until you add --force (the link then records that you saw them).`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, s, err := a.linkSession(cmd, g, args[0])
			if err != nil {
				return err
			}
			defer s.close()
			if err := s.checkTarget(args[1]); err != nil {
				return err
			}
			added, err := s.svc.Link(cmd.Context(), engine.LinkRequest{Email: e, Target: args[1], Account: args[2], MemberID: memberID, Force: force}, note)
			for _, w := range added.Warnings {
				fmt.Fprintf(a.Stderr, "doorsync: warning: %s\n", w)
			}
			if err != nil {
				return failedError(err)
			}
			who, acc := string(e), args[2]
			if m := added.Member; m != nil {
				who = fmt.Sprintf("%s (member %s, %s)", e, m.ID, m.Name())
			}
			if x := added.Account; x != nil && x.Name != "" {
				acc += " (" + x.Name + ")"
			}
			fmt.Fprintf(a.Stdout, "linked %s → %s account %s\n", who, args[1], acc)
			return nil
		},
	}
	cmd.Flags().StringVar(&memberID, "member", "", "the Cardskipper member number, when several members share the e-mail")
	cmd.Flags().BoolVar(&force, "force", false, "link although no member has the e-mail, the terminal cannot be read, or the names differ")
	cmd.Flags().StringVar(&note, "note", "", "why")
	return cmd
}

func (a *App) linksRemoveCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "remove EMAIL TARGET ACCOUNT",
		Short: "Remove a stored link",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, s, err := a.linkSession(cmd, g, args[0])
			if err != nil {
				return err
			}
			defer s.close()
			n, err := s.svc.RemoveLinks(cmd.Context(), e, args[1], args[2])
			if err != nil {
				return failedError(err)
			}
			if n == 0 {
				return failedError(fmt.Errorf("no link %s → %s account %s is stored", e, args[1], args[2]))
			}
			fmt.Fprintf(a.Stdout, "removed %d link(s) %s → %s account %s\n", n, e, args[1], args[2])
			return nil
		},
	}
}

func (a *App) linksImportCommand(g *globalOptions) *cobra.Command {
	var onlyTarget string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Link e-mails to accounts from an iVMS-4200 person export (CSV or XLSX)",
		Long: `import reads an iVMS-4200 person export (columns found by header: Person ID, Email, Name …;
see links-import.md in the documentation: docs/ in the source, /usr/share/doc/doorsync/ in the
packages), reads each terminal's persons, and links every row whose Person ID is on the
terminal. It reports what it linked, left unchanged and skipped, and why.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := a.expandHome(args[0])
			if err != nil {
				return usageError(err)
			}
			res, err := service.ReadExport(path)
			if err != nil {
				return usageError(err)
			}
			s, err := a.openSession(cmd.Context(), g, false)
			if err != nil {
				return err
			}
			defer s.close()
			if onlyTarget != "" {
				if err := s.checkTarget(onlyTarget); err != nil {
					return err
				}
			}
			return a.importLinks(cmd.Context(), s, res, onlyTarget, dryRun)
		},
	}
	cmd.Flags().StringVar(&onlyTarget, "target", "", "link to this target only (default: every terminal)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would be linked, store nothing")
	return cmd
}

// importLinks imports the export to every target read now (or the one
// asked for) and says, per target, what it linked, left unchanged and
// skipped.
func (a *App) importLinks(ctx context.Context, s *session, res ivms.ImportResult, onlyTarget string, dryRun bool) error {
	// Rows the file itself rules out are carried into every target's
	// import plan and reported there, once per target.
	fmt.Fprintf(a.Stdout, "export: %d rows read (%s, header on line %d)\n", len(res.Rows)+len(res.Skipped), res.Format, res.HeaderLine)
	rep, err := s.svc.Import(ctx, service.ImportRequest{Export: res, Only: onlyTarget, DryRun: dryRun})
	if rep.MembersNote != "" {
		fmt.Fprintf(a.Stderr, "doorsync: warning: %s\n", rep.MembersNote)
	}
	if rep.MembersErr != nil {
		fmt.Fprintf(a.Stderr, "doorsync: warning: %v: the links are not pinned to members (they match by e-mail until a run accepts them)\n", rep.MembersErr)
	}
	verb := "linked"
	if dryRun {
		verb = "would link"
	}
	failed := false
	for _, t := range rep.Targets {
		if t.Err != nil {
			fmt.Fprintf(a.Stdout, "%s: cannot read the terminal: %v\n", t.Target, t.Err)
			failed = true
			continue
		}
		for _, n := range t.PinNotes {
			fmt.Fprintf(a.Stdout, "  %s: %s\n", t.Target, n)
		}
		for _, l := range t.Added {
			fmt.Fprintf(a.Stdout, "  %s: %s %s → account %s\n", t.Target, verb, l.Email, l.Account)
		}
		for _, sk := range t.Skipped {
			fmt.Fprintf(a.Stdout, "  %s: skipped %s\n", t.Target, sk)
		}
		fmt.Fprintf(a.Stdout, "%s: %d %s, %d unchanged, %d skipped\n", t.Target, len(t.Added), verb, t.Unchanged, len(t.Skipped))
	}
	if err != nil {
		return failedError(err)
	}
	if failed {
		return failedError(fmt.Errorf("some terminals could not be read; their links were not imported"))
	}
	return nil
}
