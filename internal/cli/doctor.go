package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/backoff"
	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/service"
	"github.com/doorsync/doorsync/internal/source/cardskipper"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/hikvision"
)

// Clock skew limits for terminals: end times are local wall-clock times on
// the terminal, so a terminal whose clock is off opens or closes the door
// that much early or late around midnight.
const (
	skewWarn = time.Minute
	skewFail = 5 * time.Minute
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
			if failed := a.doctor(cmd.Context(), cfg, p); failed > 0 {
				return failedError(fmt.Errorf("doctor: %d check(s) failed", failed))
			}
			return nil
		},
	}
}

// doctor prints one line per check and returns the number of failed checks.
func (a *App) doctor(ctx context.Context, cfg *config.Config, p Printer) int {
	var lines []Line
	lines = append(lines, configChecks(cfg, a.Clock.Now())...)

	// Every system is checked concurrently (an unreachable terminal costs
	// its timeout); lines are printed in configuration order.
	groups := make([][]Line, 3+len(cfg.Hikvision))
	var wg sync.WaitGroup
	wg.Add(len(groups))
	go func() {
		defer wg.Done()
		if cfg.Neyross != nil {
			groups[len(groups)-2] = neyrossChecks(ctx, cfg)
		}
	}()
	go func() {
		defer wg.Done()
		if cfg.NTK != nil {
			groups[len(groups)-1] = ntkChecks(ctx, cfg)
		}
	}()
	go func() {
		defer wg.Done()
		groups[0] = cardskipperChecks(ctx, cfg, a.Clock.Now())
	}()
	for i, h := range cfg.Hikvision {
		go func() {
			defer wg.Done()
			groups[i+1] = terminalChecks(ctx, service.HikvisionConfig(cfg, h, a.Clock), doctorRetry(a.Clock))
		}()
	}
	wg.Wait()
	for _, g := range groups {
		lines = append(lines, g...)
	}
	failed := 0
	for _, l := range lines {
		p.Print(l)
		if l.Status == StatusFail {
			failed++
		}
	}
	return failed
}

func configChecks(cfg *config.Config, now time.Time) []Line {
	lines := []Line{{Status: StatusOK, Subject: "config", Check: "loaded", Detail: cfg.Path}}
	for _, w := range cfg.Warnings {
		lines = append(lines, Line{Status: StatusWarn, Subject: "config", Check: "warning", Detail: w})
	}
	lines = append(lines, Line{Status: StatusOK, Subject: "config", Check: "time zone",
		Detail: fmt.Sprintf("%s, local time now %s", cfg.Timezone, now.In(cfg.Zone).Format("2006-01-02 15:04 MST"))})
	lines = append(lines, databaseCheck(cfg.Database))
	return lines
}

// databaseCheck looks at the database path without creating anything.
func databaseCheck(path string) Line {
	l := Line{Subject: "database", Check: "path"}
	if path == "" {
		l.Status, l.Detail = StatusFail, "no database path configured"
		return l
	}
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		l.Status, l.Detail = StatusFail, path+" is a directory"
	case err == nil && st.Mode().Perm()&0o077 != 0:
		l.Status, l.Detail = StatusWarn, fmt.Sprintf("%s has mode %04o; it holds member e-mails: chmod 600 it", path, st.Mode().Perm())
	case err == nil:
		l.Status, l.Detail = StatusOK, path+" exists"
	case errors.Is(err, os.ErrNotExist):
		dir := filepath.Dir(path)
		if dst, derr := os.Stat(dir); derr != nil || !dst.IsDir() {
			l.Status, l.Detail = StatusFail, fmt.Sprintf("%s does not exist and neither does its directory %s", path, dir)
		} else {
			l.Status, l.Detail = StatusOK, path+" will be created on the first run"
		}
	default:
		l.Status, l.Detail = StatusFail, err.Error()
	}
	return l
}

func cardskipperChecks(ctx context.Context, cfg *config.Config, now time.Time) []Line {
	const subject = "cardskipper"
	fail := func(check string, err error) Line {
		return Line{Status: StatusFail, Subject: subject, Check: check, Detail: err.Error()}
	}
	client, err := service.NewCardskipper(cfg)
	if err != nil {
		return []Line{fail("client", err)}
	}
	orgs, err := client.OrganisationInfo(ctx)
	if err != nil {
		return []Line{fail("credentials", err)}
	}
	lines := []Line{{Status: StatusOK, Subject: subject, Check: "credentials",
		Detail: fmt.Sprintf("%s accepted %q; %d organisation(s) visible", cfg.Cardskipper.URL, cfg.Cardskipper.Username, countOrgs(orgs))}}
	org, ok := findOrg(orgs, cfg.Cardskipper.OrganisationID)
	if !ok {
		return append(lines, Line{Status: StatusFail, Subject: subject, Check: "organisation",
			Detail: fmt.Sprintf("organisation %d is not visible to this account; visible: %s", cfg.Cardskipper.OrganisationID, listOrgs(orgs))})
	}
	lines = append(lines, Line{Status: StatusOK, Subject: subject, Check: "organisation",
		Detail: fmt.Sprintf("%d %q with %d role(s), %d child organisation(s)", org.ID, org.Name, len(org.Roles), len(org.Children))})
	lines = append(lines, roleCheck(orgs, org, cfg.Cardskipper.Roles, cfg.Cardskipper.IncludeChildren))
	// The export right is granted per call: ask for members changed after
	// now, which is cheap and changes nothing.
	if _, err := client.Export(ctx, cardskipper.ExportQuery{OrganisationID: org.ID, ChangedAt: now}); err != nil {
		lines = append(lines, fail("member export", err))
	} else {
		lines = append(lines, Line{Status: StatusOK, Subject: subject, Check: "member export", Detail: "allowed"})
	}
	return lines
}

func roleCheck(all []cardskipper.Organisation, org cardskipper.Organisation, want []int, children bool) Line {
	l := Line{Status: StatusOK, Subject: "cardskipper", Check: "roles"}
	known := map[int]string{}
	collect := func(o cardskipper.Organisation) {
		for _, r := range o.Roles {
			known[r.ID] = r.Name
		}
	}
	collect(org)
	if children {
		// Children appear as references under the parent; their roles are
		// on their own entry.
		for _, ref := range org.Children {
			if c, ok := findOrg(all, ref.ID); ok {
				collect(c)
			}
		}
	}
	if len(want) == 0 {
		l.Detail = fmt.Sprintf("all %d role(s) count", len(known))
		return l
	}
	var names, unknown []string
	for _, id := range want {
		if n, ok := known[id]; ok {
			names = append(names, fmt.Sprintf("%d %q", id, n))
		} else {
			unknown = append(unknown, fmt.Sprint(id))
		}
	}
	if len(unknown) > 0 {
		l.Status = StatusFail
		l.Detail = fmt.Sprintf("role(s) %s not found in organisation %d; it has %s", strings.Join(unknown, ", "), org.ID, listRoles(known))
		return l
	}
	l.Detail = "counting " + strings.Join(names, ", ")
	return l
}

// findOrg prefers a full entry at this level over a reference further down.
func findOrg(orgs []cardskipper.Organisation, id int) (cardskipper.Organisation, bool) {
	for _, o := range orgs {
		if o.ID == id {
			return o, true
		}
	}
	for _, o := range orgs {
		if c, ok := findOrg(o.Children, id); ok {
			return c, true
		}
	}
	return cardskipper.Organisation{}, false
}

// countOrgs counts distinct organisations: Organisation/Info may list a
// child both at the top level and as a reference under its parent.
func countOrgs(orgs []cardskipper.Organisation) int {
	seen := map[int]bool{}
	var walk func([]cardskipper.Organisation)
	walk = func(list []cardskipper.Organisation) {
		for _, o := range list {
			seen[o.ID] = true
			walk(o.Children)
		}
	}
	walk(orgs)
	return len(seen)
}

func listOrgs(orgs []cardskipper.Organisation) string {
	if len(orgs) == 0 {
		return "none"
	}
	var parts []string
	for _, o := range orgs {
		parts = append(parts, fmt.Sprintf("%d (%s)", o.ID, o.Name))
	}
	return strings.Join(parts, ", ")
}

func listRoles(known map[int]string) string {
	ids := make([]int, 0, len(known))
	for id := range known {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("%d %q", id, known[id]))
	}
	if len(parts) == 0 {
		return "no roles"
	}
	return strings.Join(parts, ", ")
}

// doctorRetry is the retry budget of one system's checks: a terminal that
// is busy for a few seconds (iVMS-4200 pushing faces) is asked again, as a
// run would, but the operator is not kept waiting for minutes, and a
// terminal that does not answer at all is reported after one timeout.
func doctorRetry(clk clock.Clock) *backoff.Budget {
	return backoff.Policy{Budget: service.InteractiveRetry, Clock: clk}.NewBudget()
}

// doctorTry calls op within the doctor's budget: busy and failing answers
// are retried, silence and everything else are reported at once.
func doctorTry[T any](ctx context.Context, b *backoff.Budget, op func(context.Context) (T, error)) (T, error) {
	var v T
	_, err := b.Do(ctx, func() error {
		var err error
		v, err = op(ctx)
		return err
	}, func(err error) backoff.Verdict {
		if target.Unanswered(err) {
			return backoff.Stop
		}
		return apply.Classify(err)
	})
	return v, err
}

func terminalChecks(ctx context.Context, hc hikvision.Config, retry *backoff.Budget) []Line {
	subject := "terminal " + hc.Name
	line := func(st Status, check, detail string) Line {
		return Line{Status: st, Subject: subject, Check: check, Detail: detail}
	}
	client, err := hikvision.NewClient(hc)
	if err != nil {
		return []Line{line(StatusFail, "client", err.Error())}
	}
	info, err := doctorTry(ctx, retry, client.DeviceInfo)
	if err != nil {
		if target.ClassOf(err) == target.Auth {
			return []Line{
				line(StatusOK, "reachability", hc.BaseURL+" answered"),
				line(StatusFail, "authentication", err.Error()),
			}
		}
		return []Line{line(StatusFail, "reachability", err.Error())}
	}
	lines := []Line{
		line(StatusOK, "reachability", hc.BaseURL+" answered"),
		line(StatusOK, "authentication", fmt.Sprintf("%q accepted; %s serial %s, firmware %s", hc.Username, info.Model, info.SerialNumber, info.FirmwareVersion)),
	}
	caps, err := doctorTry(ctx, retry, client.Capabilities)
	switch {
	case err != nil:
		lines = append(lines, line(StatusFail, "capabilities", err.Error()))
	case !caps.Supports("put"):
		lines = append(lines, line(StatusFail, "capabilities",
			fmt.Sprintf("the terminal does not offer UserInfo/Modify (supportFunction %s): doorsync cannot change dates on it", strings.Join(caps.Functions, ","))))
	default:
		lines = append(lines, line(StatusOK, "capabilities", fmt.Sprintf("search pages of %d, %d employee numbers per lookup, validity %s … %s",
			caps.MaxResults, caps.EmployeeNoListMax, caps.TimeRangeBegin.Format("2006-01-02"), caps.TimeRangeEnd.Format("2006-01-02T15:04:05"))))
	}
	if n, err := doctorTry(ctx, retry, client.Count); err != nil {
		lines = append(lines, line(StatusFail, "persons", err.Error()))
	} else {
		detail := fmt.Sprintf("%d person(s)", n)
		if caps.MaxRecordNum > 0 {
			detail += fmt.Sprintf(" (capacity %d)", caps.MaxRecordNum)
		}
		lines = append(lines, line(StatusOK, "persons", detail))
	}
	lines = append(lines, skewCheck(ctx, client, retry, line))
	if n := client.NonceLimit(); n > 0 {
		// Information, not a fault: the client works with the limit.
		lines = append(lines, line(StatusInfo, "nonce", nonceLimitDetail(n)))
	}
	return lines
}

// nonceLimitDetail explains a nonce limit the client met during the checks.
func nonceLimitDetail(n int) string {
	times := "once"
	if n > 1 {
		times = fmt.Sprintf("%d times", n)
	}
	return fmt.Sprintf("Digest nonce accepted %s, then refused: doorsync fetches a fresh one before use %d (an unsigned request; not a failed login)", times, n+1)
}

func skewCheck(ctx context.Context, client *hikvision.Client, retry *backoff.Budget, line func(Status, string, string) Line) Line {
	t, err := doctorTry(ctx, retry, client.Time)
	if err != nil {
		return line(StatusFail, "clock", err.Error())
	}
	skew := t.Skew
	abs := skew.Abs().Round(time.Second)
	dir := "ahead"
	if skew < 0 {
		dir = "behind"
	}
	detail := fmt.Sprintf("%s %s (mode %s)", abs, dir, t.Mode)
	switch {
	case abs > skewFail:
		return line(StatusFail, "clock", detail+fmt.Sprintf("; more than %s: doors open or close that much off around midnight — set NTP on the terminal", skewFail))
	case abs > skewWarn:
		return line(StatusWarn, "clock", detail+"; consider NTP on the terminal")
	}
	return line(StatusOK, "clock", detail)
}
