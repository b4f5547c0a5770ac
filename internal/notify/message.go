package notify

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/doorsync/doorsync/internal/textclean"
)

// timeLayout shows run times with their offset: the reader may be in
// another zone than the box.
const timeLayout = "2006-01-02 15:04:05 -07:00"

// Headline is the one-line description of the event, the e-mail subject and
// the webhook's "text":
//
//	doorsync: run 42 held — 3 items await approval (gym-box)
func Headline(e Event) string {
	var b strings.Builder
	b.WriteString("doorsync: ")
	if e.RunID != 0 {
		fmt.Fprintf(&b, "run %d ", e.RunID)
	} else {
		b.WriteString("run ")
	}
	b.WriteString(outcomeWord(e.Outcome))
	if d := detail(e); d != "" {
		b.WriteString(" — ")
		b.WriteString(d)
	}
	if h := oneLine(e.Host, 64); h != "" {
		fmt.Fprintf(&b, " (%s)", h)
	}
	return oneLine(b.String(), 200)
}

func outcomeWord(outcome string) string {
	switch outcome {
	case OutcomePartial:
		return "partly failed"
	case OutcomeGuard:
		return "held"
	case "":
		return "finished"
	}
	return oneLine(outcome, 32)
}

// detail says in a few words what the reader has to do or know.
func detail(e Event) string {
	if s := oneLine(e.Summary, 120); s != "" {
		return s
	}
	switch e.Outcome {
	case OutcomeGuard:
		if r := oneLine(e.GuardReason, 120); r != "" {
			return "guard tripped: " + r
		}
		return "the blast-radius guard tripped, nothing was applied"
	case OutcomeHeld:
		if n := e.Counts["held"]; n > 0 {
			return plural(n, "item awaits", "items await") + " approval"
		}
		return "items await approval"
	case OutcomePartial:
		s := plural(e.Counts["failed"], "item", "items") + " failed"
		if n := e.Counts["applied"]; n > 0 {
			s += fmt.Sprintf(", %d applied", n)
		}
		return s
	case OutcomeFailed:
		if len(e.Errors) > 0 {
			return oneLine(e.Errors[0], 120)
		}
	}
	return ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Body is the plain-text report of the event (the e-mail body).
func Body(e Event) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	run := "doorsync run"
	if e.RunID != 0 {
		run = fmt.Sprintf("doorsync run %d", e.RunID)
	}
	if e.Host != "" {
		run += " on " + oneLine(e.Host, 64)
	}
	p("%s: %s\n", run, outcomeWord(e.Outcome))
	if d := detail(e); d != "" {
		p("%s\n", d)
	}
	p("\n")
	if e.Mode != "" {
		p("Mode:     %s\n", oneLine(e.Mode, 32))
	}
	if !e.StartedAt.IsZero() {
		p("Started:  %s\n", e.StartedAt.Format(timeLayout))
	}
	if !e.FinishedAt.IsZero() {
		p("Finished: %s", e.FinishedAt.Format(timeLayout))
		if !e.StartedAt.IsZero() && !e.FinishedAt.Before(e.StartedAt) {
			p(" (took %s)", e.FinishedAt.Sub(e.StartedAt).Round(time.Second))
		}
		p("\n")
	}
	if e.GuardReason != "" {
		p("Guard:    %s\n", oneLine(e.GuardReason, 500))
	}
	if counts := sortedCounts(e.Counts); len(counts) > 0 {
		p("\nCounts:\n")
		width := 0
		for _, c := range counts {
			width = max(width, utf8.RuneCountInString(c.name))
		}
		for _, c := range counts {
			p("  %-*s %6d\n", width, c.name, c.n)
		}
	}
	if ids, more := firstErrors(e.Identity); len(ids) > 0 {
		p("\nIdentity changes held for approval (doorsync console, or links add):\n")
		for _, x := range ids {
			p("  - %s\n", x)
		}
		if more > 0 {
			p("  (%d more not shown)\n", more)
		}
	}
	shown, more := firstErrors(e.Errors)
	if len(shown) > 0 {
		p("\nFirst errors:\n")
		for _, err := range shown {
			p("  - %s\n", err)
		}
		if more > 0 {
			p("  (%d more not shown)\n", more)
		}
	}
	if e.RunID != 0 {
		p("\nDetails: doorsync history --run %d\n", e.RunID)
	}
	return b.String()
}

type namedCount struct {
	name string
	n    int
}

// countRank puts the apply results first, then plan kinds; anything else
// follows alphabetically.
func countRank(name string) int {
	order := []string{"applied", "failed", "stale", "skipped", "held",
		"in_sync", "extend", "reactivate", "shorten", "revoke", "missing", "unlinked", "ambiguous", "no_email", "invalid"}
	if i := slices.Index(order, name); i >= 0 {
		return i
	}
	return len(order)
}

func sortedCounts(m map[string]int) []namedCount {
	out := make([]namedCount, 0, len(m))
	for k, n := range m {
		out = append(out, namedCount{oneLine(k, 40), n})
	}
	slices.SortFunc(out, func(a, b namedCount) int {
		return cmp.Or(cmp.Compare(countRank(a.name), countRank(b.name)), cmp.Compare(a.name, b.name))
	})
	return out
}

// firstErrors returns at most MaxErrors errors, each on one line and capped,
// and how many were left out.
func firstErrors(errs []string) (shown []string, more int) {
	for _, e := range errs {
		if len(shown) == MaxErrors {
			more++
			continue
		}
		if s := oneLine(e, maxErrorLen); s != "" {
			shown = append(shown, s)
		}
	}
	return shown, more
}

// oneLine makes s safe for a header or a list line: valid UTF-8, control
// characters (CR/LF would start a new header) as spaces, runs of spaces
// collapsed, at most n runes.
func oneLine(s string, n int) string {
	s = textclean.Clean(s) // no control (a CR LF would start a mail header), no bidi override
	s = strings.Map(func(r rune) rune {
		if r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > n {
		r := []rune(s)
		s = string(r[:n-1]) + "…"
	}
	return s
}
