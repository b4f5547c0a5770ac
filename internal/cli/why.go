package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/service"
	"github.com/doorsync/doorsync/internal/textclean"
)

type whyOptions struct {
	json    bool
	timeout time.Duration
}

func (a *App) whyCommand(g *globalOptions) *cobra.Command {
	o := whyOptions{}
	cmd := &cobra.Command{
		Use:   "why EMAIL [--json]",
		Short: "Why can't this member get in? One answer per target, then the evidence (read-only)",
		Long: `why answers, for every member with this e-mail (a family may share one) and every
configured target: the answer first, in one line, then the evidence — the member's validity
in Cardskipper (the stored snapshot, with its age), which account and how it is linked, the
account's period now (read live within --timeout, else the last snapshot, said so), faces and
cards enrolled on a terminal, the latest door events, the target's state (reachable, held after
rejected credentials, busy), pending or held items and the last write with its read-back.
It writes nothing anywhere: no target, no run, no run lock.
Exit 0 when the member should get in everywhere, 1 when not, 2 when there is no answer
(a usage or configuration error, nothing stored yet, a database that cannot be read):
a script can tell a broken setup from a member who is locked out.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			email, err := member.NormalizeEmail(args[0])
			if err != nil || email == "" || !member.LooksLikeEmail(string(email)) {
				return usageError(fmt.Errorf("%s is not an e-mail address", quoteArg(args[0])))
			}
			if o.timeout <= 0 {
				return usageError(fmt.Errorf("--timeout must be positive, not %s", o.timeout))
			}
			ctx := cmd.Context()
			s, err := a.openSession(ctx, g, true)
			if err != nil {
				return noAnswer(err)
			}
			defer s.close()
			rep, err := s.svc.WhyWith(ctx, email, service.WhyOptions{Timeout: o.timeout})
			if err != nil {
				return noAnswer(err)
			}
			if o.json || g.logFormat == "json" {
				if err := writeWhyJSON(a.Stdout, rep); err != nil {
					return noAnswer(err)
				}
			} else {
				printWhy(a.Stdout, rep)
			}
			if !rep.GetsIn {
				return failedError(errSilent)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print the answer as JSON (versioned)")
	f.DurationVar(&o.timeout, "timeout", service.WhyTimeout, "how long each target may take to answer before the last snapshot is used")
	return cmd
}

// argShown is how many characters of an argument an error quotes.
const argShown = 80

// quoteArg quotes an argument as typed for an error: nothing removed
// (cleaned, "a\x1b[2Jb@x.si" read "ab@x.si", which looks valid), control
// and formatting characters escaped by %q, cut to argShown characters
// with "…" (a 100 KB argument was echoed in full).
func quoteArg(arg string) string {
	if r := []rune(arg); len(r) > argShown {
		return fmt.Sprintf("%q…", string(r[:argShown]))
	}
	return fmt.Sprintf("%q", arg)
}

// writeWhyJSON writes the report as indented JSON (backend.WhyVersion).
// JSON escapes control characters itself.
func writeWhyJSON(w io.Writer, rep backend.WhyReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// printWhy prints the report for people: per member, per target, the
// answer and then the evidence indented. Every text from outside is
// cleaned of control and formatting characters.
func printWhy(w io.Writer, rep backend.WhyReport) {
	if rep.Answer != "" {
		fmt.Fprintf(w, "%s: %s\n", textclean.Clean(string(rep.Email)), textclean.Clean(rep.Answer))
		return
	}
	for i, m := range rep.Members {
		if i > 0 {
			fmt.Fprintln(w)
		}
		verdict := "gets in everywhere"
		if !m.GetsIn {
			verdict = "does NOT get in everywhere"
		}
		fmt.Fprintf(w, "%s, member %s <%s>: %s\n", textclean.Clean(m.Name), textclean.Clean(m.ID), textclean.Clean(string(rep.Email)), verdict)
		// The snapshot's age, once per member (each target's evidence
		// repeats it for the JSON).
		fmt.Fprintf(w, "  Cardskipper: %s; members as read %s\n", textclean.Clean(m.Cardskipper.Answer),
			service.AgoText(rep.MembersAt, rep.At, rep.At.Location()))
		for _, t := range m.Targets {
			fmt.Fprintf(w, "  %-4s %s\n", t.Status.Mark(), textclean.Clean(t.Answer))
			for _, e := range t.Evidence {
				if strings.HasPrefix(e, "Cardskipper:") {
					continue // said once per member
				}
				fmt.Fprintf(w, "         %s\n", textclean.Clean(e))
			}
		}
	}
}

// noAnswer is why's exit when it has no answer: 2, never 1, which says the
// member cannot get in.
func noAnswer(err error) error {
	var ex *exitError
	if errors.As(err, &ex) {
		err = ex.err
	}
	return &exitError{code: ExitUsage, err: err}
}
