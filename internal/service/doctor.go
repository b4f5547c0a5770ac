package service

// doctor: every system checked read-only — the configuration, the database
// path, Cardskipper, each terminal, NEYROSS and NTK — one Check each.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/source/cardskipper"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/hikvision"
	"github.com/doorsync/doorsync/internal/target/neyross"
	"github.com/doorsync/doorsync/internal/target/ntk"
)

// CheckStatus is the outcome of one check.
type CheckStatus string

const (
	CheckOK   CheckStatus = "ok"
	CheckWarn CheckStatus = "warn"
	CheckFail CheckStatus = "fail"
	// CheckInfo is information, not a fault (a nonce limit the client
	// works with, what NTK leaves unchecked).
	CheckInfo CheckStatus = "info"
)

// The systems a Check is about.
const (
	SystemConfig      = "config"
	SystemDatabase    = "database"
	SystemCardskipper = "cardskipper"
	SystemTerminal    = "terminal"
	SystemNeyross     = "neyross"
	SystemNTK         = "ntk"
)

// Check is the result of one of doctor's checks. Detail never holds a
// secret (the clients scrub what they quote).
type Check struct {
	System string // SystemConfig, SystemTerminal, …
	// Target is the configured name of a terminal, NEYROSS or NTK; "" for
	// the others.
	Target string
	Name   string // "credentials", "clock"
	Status CheckStatus
	Detail string // what was found, or what is wrong and what to do
}

// Subject names what the check is about in printed lines: "cardskipper",
// "terminal entrance", "neyross", "neyross main".
func (c Check) Subject() string { return CheckSubject(c.System, c.Target) }

// CheckSubject names a system and target as doctor's lines do: a terminal
// always with its name, NEYROSS and NTK with theirs when it differs from
// the system's.
func CheckSubject(system, name string) string {
	switch {
	case name == "":
		return system
	case system == SystemTerminal:
		return system + " " + name
	case name == system:
		return system
	}
	return system + " " + name
}

// Clock skew limits for terminals: end times are local wall-clock times on
// the terminal, so a terminal whose clock is off opens or closes the door
// that much early or late around midnight.
const (
	skewWarn = time.Minute
	skewFail = 5 * time.Minute
)

// DoctorOptions are what Doctor takes besides the configuration.
type DoctorOptions struct {
	Clock clock.Clock
	// Report, when set, is given every check as soon as it and all checks
	// before it are known, in the order Doctor returns them.
	Report func(Check)
}

// Doctor checks every configured system without changing anything
// anywhere and returns the checks in configuration order: the
// configuration and the database path (looked at, never opened or
// created), Cardskipper's credentials, organisation, roles and export
// right; each terminal's reachability, authentication, capabilities,
// person count and clock (reads only, each terminal with fresh clients
// that stop after a rejected login, as a run's do); NEYROSS's token and
// EIS access levels; for NTK, whose only call is the list upload, the
// upload settings and that the host accepts a connection — no request.
//
// The systems are checked concurrently (an unreachable terminal costs its
// timeout). A terminal's reads are retried by the one retry policy
// (apply.Retry) within InteractiveRetry, one budget per terminal: a
// terminal busy for a few seconds (iVMS-4200 pushing faces) is asked
// again, as a run would, and one that does not answer is reported after
// one timeout. Doctor needs no service: it runs before a database exists.
func Doctor(ctx context.Context, cfg *config.Config, opts DoctorOptions) []Check {
	report := opts.Report
	if report == nil {
		report = func(Check) {}
	}
	clk := opts.Clock
	if clk == nil {
		clk = clock.System{}
	}
	var all []Check
	emit := func(cs []Check) {
		for _, c := range cs {
			report(c)
		}
		all = append(all, cs...)
	}
	emit(configChecks(cfg, clk.Now()))

	type group struct {
		done   chan struct{}
		checks []Check
	}
	var groups []*group
	start := func(f func() []Check) {
		g := &group{done: make(chan struct{})}
		groups = append(groups, g)
		go func() {
			defer close(g.done)
			g.checks = f()
		}()
	}
	start(func() []Check { return cardskipperChecks(ctx, cfg, clk.Now()) })
	retry := retryPolicy(cfg, clk)
	for _, h := range cfg.Hikvision {
		start(func() []Check {
			return terminalChecks(ctx, HikvisionConfig(cfg, h, clk), retry.Interactive(h.Name, InteractiveRetry).Start())
		})
	}
	if cfg.Neyross != nil {
		start(func() []Check { return neyrossChecks(ctx, cfg) })
	}
	if cfg.NTK != nil {
		start(func() []Check { return ntkChecks(ctx, cfg) })
	}
	for _, g := range groups {
		<-g.done
		emit(g.checks)
	}
	return all
}

func configChecks(cfg *config.Config, now time.Time) []Check {
	line := func(st CheckStatus, name, detail string) Check {
		return Check{System: SystemConfig, Name: name, Status: st, Detail: detail}
	}
	checks := []Check{line(CheckOK, "loaded", cfg.Path)}
	for _, w := range cfg.Warnings {
		checks = append(checks, line(CheckWarn, "warning", w))
	}
	checks = append(checks, line(CheckOK, "time zone",
		fmt.Sprintf("%s, local time now %s", cfg.Timezone, now.In(cfg.Zone).Format("2006-01-02 15:04 MST"))))
	return append(checks, databaseCheck(cfg.Database))
}

// databaseCheck looks at the database path without opening or creating
// anything.
func databaseCheck(path string) Check {
	c := Check{System: SystemDatabase, Name: "path"}
	if path == "" {
		c.Status, c.Detail = CheckFail, "no database path configured"
		return c
	}
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		c.Status, c.Detail = CheckFail, path+" is a directory"
	case err == nil && st.Mode().Perm()&0o077 != 0:
		c.Status, c.Detail = CheckWarn, fmt.Sprintf("%s has mode %04o; it holds member e-mails: chmod 600 it", path, st.Mode().Perm())
	case err == nil:
		c.Status, c.Detail = CheckOK, path+" exists"
	case errors.Is(err, os.ErrNotExist):
		dir := filepath.Dir(path)
		if dst, derr := os.Stat(dir); derr != nil || !dst.IsDir() {
			c.Status, c.Detail = CheckFail, fmt.Sprintf("%s does not exist and neither does its directory %s", path, dir)
		} else {
			c.Status, c.Detail = CheckOK, path+" will be created on the first run"
		}
	default:
		c.Status, c.Detail = CheckFail, err.Error()
	}
	return c
}

func cardskipperChecks(ctx context.Context, cfg *config.Config, now time.Time) []Check {
	line := func(st CheckStatus, name, detail string) Check {
		return Check{System: SystemCardskipper, Name: name, Status: st, Detail: detail}
	}
	client, err := NewCardskipper(cfg)
	if err != nil {
		return []Check{line(CheckFail, "client", err.Error())}
	}
	orgs, err := client.OrganisationInfo(ctx)
	if err != nil {
		return []Check{line(CheckFail, "credentials", err.Error())}
	}
	checks := []Check{line(CheckOK, "credentials",
		fmt.Sprintf("%s accepted %q; %d organisation(s) visible", cfg.Cardskipper.URL, cfg.Cardskipper.Username, countOrgs(orgs)))}
	org, ok := findOrg(orgs, cfg.Cardskipper.OrganisationID)
	if !ok {
		return append(checks, line(CheckFail, "organisation",
			fmt.Sprintf("organisation %d is not visible to this account; visible: %s", cfg.Cardskipper.OrganisationID, listOrgs(orgs))))
	}
	checks = append(checks, line(CheckOK, "organisation",
		fmt.Sprintf("%d %q with %d role(s), %d child organisation(s)", org.ID, org.Name, len(org.Roles), len(org.Children))))
	checks = append(checks, roleCheck(orgs, org, cfg.Cardskipper.Roles, cfg.Cardskipper.IncludeChildren))
	// The export right is granted per call: ask for members changed after
	// now, which is cheap and changes nothing.
	if _, err := client.Export(ctx, cardskipper.ExportQuery{OrganisationID: org.ID, ChangedAt: now}); err != nil {
		checks = append(checks, line(CheckFail, "member export", err.Error()))
	} else {
		checks = append(checks, line(CheckOK, "member export", "allowed"))
	}
	return checks
}

func roleCheck(all []cardskipper.Organisation, org cardskipper.Organisation, want []int, children bool) Check {
	c := Check{System: SystemCardskipper, Name: "roles", Status: CheckOK}
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
			if ch, ok := findOrg(all, ref.ID); ok {
				collect(ch)
			}
		}
	}
	if len(want) == 0 {
		c.Detail = fmt.Sprintf("all %d role(s) count", len(known))
		return c
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
		c.Status = CheckFail
		c.Detail = fmt.Sprintf("role(s) %s not found in organisation %d; it has %s", strings.Join(unknown, ", "), org.ID, listRoles(known))
		return c
	}
	c.Detail = "counting " + strings.Join(names, ", ")
	return c
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

// tryRead is one read of a terminal within its doctor's retry budget.
func tryRead[T any](ctx context.Context, retries *apply.Retries, name string, op func(context.Context) (T, error)) (T, error) {
	var v T
	_, err := retries.Do(ctx, name, func() error {
		var err error
		v, err = op(ctx)
		return err
	})
	return v, err
}

// terminalChecks reads a terminal, never writes: its device information
// (reachability and authentication), capabilities, person count and
// clock. The client is fresh and stops after a rejected login, so a wrong
// password costs at most the failed logins a run's client would.
func terminalChecks(ctx context.Context, hc hikvision.Config, retries *apply.Retries) []Check {
	line := func(st CheckStatus, name, detail string) Check {
		return Check{System: SystemTerminal, Target: hc.Name, Name: name, Status: st, Detail: detail}
	}
	client, err := hikvision.NewClient(hc)
	if err != nil {
		return []Check{line(CheckFail, "client", err.Error())}
	}
	info, err := tryRead(ctx, retries, hc.Name, client.DeviceInfo)
	if err != nil {
		if target.ClassOf(err) == target.Auth {
			return []Check{
				line(CheckOK, "reachability", hc.BaseURL+" answered"),
				line(CheckFail, "authentication", err.Error()),
			}
		}
		return []Check{line(CheckFail, "reachability", err.Error())}
	}
	checks := []Check{
		line(CheckOK, "reachability", hc.BaseURL+" answered"),
		line(CheckOK, "authentication", fmt.Sprintf("%q accepted; %s serial %s, firmware %s", hc.Username, info.Model, info.SerialNumber, info.FirmwareVersion)),
	}
	caps, err := tryRead(ctx, retries, hc.Name, client.Capabilities)
	switch {
	case err != nil:
		checks = append(checks, line(CheckFail, "capabilities", err.Error()))
	case !caps.Supports("put"):
		checks = append(checks, line(CheckFail, "capabilities",
			fmt.Sprintf("the terminal does not offer UserInfo/Modify (supportFunction %s): doorsync cannot change dates on it", strings.Join(caps.Functions, ","))))
	default:
		checks = append(checks, line(CheckOK, "capabilities", fmt.Sprintf("search pages of %d, %d employee numbers per lookup, validity %s … %s",
			caps.MaxResults, caps.EmployeeNoListMax, caps.TimeRangeBegin.Format("2006-01-02"), caps.TimeRangeEnd.Format("2006-01-02T15:04:05"))))
	}
	if n, err := tryRead(ctx, retries, hc.Name, client.Count); err != nil {
		checks = append(checks, line(CheckFail, "persons", err.Error()))
	} else {
		detail := fmt.Sprintf("%d person(s)", n)
		if caps.MaxRecordNum > 0 {
			detail += fmt.Sprintf(" (capacity %d)", caps.MaxRecordNum)
		}
		checks = append(checks, line(CheckOK, "persons", detail))
	}
	checks = append(checks, skewCheck(ctx, client, retries, hc.Name, line))
	if n := client.NonceLimit(); n > 0 {
		// Information, not a fault: the client works with the limit.
		checks = append(checks, line(CheckInfo, "nonce", nonceLimitDetail(n)))
	}
	return checks
}

// nonceLimitDetail explains a nonce limit the client met during the checks.
func nonceLimitDetail(n int) string {
	times := "once"
	if n > 1 {
		times = fmt.Sprintf("%d times", n)
	}
	return fmt.Sprintf("Digest nonce accepted %s, then refused: doorsync fetches a fresh one before use %d (an unsigned request; not a failed login)", times, n+1)
}

func skewCheck(ctx context.Context, client *hikvision.Client, retries *apply.Retries, name string, line func(CheckStatus, string, string) Check) Check {
	t, err := tryRead(ctx, retries, name, client.Time)
	if err != nil {
		return line(CheckFail, "clock", err.Error())
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
		return line(CheckFail, "clock", detail+fmt.Sprintf("; more than %s: doors open or close that much off around midnight — set NTP on the terminal", skewFail))
	case abs > skewWarn:
		return line(CheckWarn, "clock", detail+"; consider NTP on the terminal")
	}
	return line(CheckOK, "clock", detail)
}

// neyrossChecks checks the EIS plugin: the token, the EIS access levels the
// plugin exposes, and the number of persons it lets doorsync see.
func neyrossChecks(ctx context.Context, cfg *config.Config) []Check {
	n := cfg.Neyross
	line := func(st CheckStatus, name, detail string) Check {
		return Check{System: SystemNeyross, Target: n.Name, Name: name, Status: st, Detail: detail}
	}
	c, err := neyross.NewClient(NeyrossConfig(cfg))
	if err != nil {
		return []Check{line(CheckFail, "client", err.Error())}
	}
	defer c.Close()
	count, err := c.Count(ctx)
	if err != nil {
		return []Check{line(CheckFail, "token", err.Error())}
	}
	checks := []Check{line(CheckOK, "token", fmt.Sprintf("%s accepted the token; %d EIS person(s) visible", n.URL, count))}
	levels, err := c.AccessLevels(ctx)
	switch {
	case err != nil:
		checks = append(checks, line(CheckFail, "access levels", err.Error()))
	case len(levels) == 0:
		checks = append(checks, line(CheckFail, "access levels", `no EIS access level: the NEYROSS admin must mark levels with the "[И] " prefix`))
	default:
		checks = append(checks, line(CheckOK, "access levels", fmt.Sprintf("%d EIS access level(s), e.g. %q", len(levels), levels[0].Name)))
	}
	return checks
}

// ntkChecks checks what can be checked of NTK without uploading a list:
// that doorsync's upload client accepts the configuration (it refuses plain
// http:// except to loopback, where the config only warns) and that the
// endpoint's host accepts a connection (for https, a TLS handshake with a
// verified certificate). NTK's only call is the upload, which would replace
// the access list; so no request is sent, and the upload path and the
// credentials stay unchecked — the check says so.
func ntkChecks(ctx context.Context, cfg *config.Config) []Check {
	n := cfg.NTK
	line := func(st CheckStatus, name, detail string) Check {
		return Check{System: SystemNTK, Target: n.Name, Name: name, Status: st, Detail: detail}
	}
	c, err := ntk.NewClient(NTKClientConfig(*n))
	if err != nil {
		return []Check{line(CheckFail, "client", err.Error())}
	}
	c.Close()
	u, err := url.Parse(n.URL)
	if err != nil {
		return []Check{line(CheckFail, "reachability", err.Error())}
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), map[bool]string{true: "443", false: "80"}[u.Scheme == "https"])
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	what := "accepted a TCP connection"
	if err == nil && u.Scheme == "https" {
		tc := tls.Client(conn, &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12})
		err = tc.HandshakeContext(ctx)
		conn = tc
		what = "completed a TLS handshake with a valid certificate for " + u.Hostname()
	}
	if err != nil {
		if conn != nil {
			_ = conn.Close()
		}
		return []Check{line(CheckFail, "reachability", fmt.Sprintf("%s: %v", host, err))}
	}
	_ = conn.Close()
	return []Check{
		line(CheckOK, "reachability", host+" "+what+"; no request was sent"),
		line(CheckInfo, "credentials", "not checked, nor the upload path: NTK's only call is the list upload, which doctor never makes; the first sync shows whether they work"),
	}
}
