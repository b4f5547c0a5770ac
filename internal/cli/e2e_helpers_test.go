package cli

// Helpers of the end-to-end tests of `doorsync --auto` (e2e_*_test.go): an
// emulated site on loopback, the plan as the CLI prints it, snapshots of what
// the terminals hold, the request logs, the database, and the real CLI in a
// child process that the test can kill.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/emulator"
	hikemu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	"github.com/doorsync/doorsync/internal/emulator/site"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/store"
)

const (
	e2eCSPassword   = "cs-secret-4711"
	e2eTermPassword = "term-secret-0815"
	// The only ISAPI call that changes a person's validity.
	e2eModifyPath = "/ISAPI/AccessControl/UserInfo/Modify"
	// How the terminal stores Valid.endTime.
	e2eTerminalLayout = "2006-01-02T15:04:05"
)

// e2eSite is a running emulated site and the files of one doorsync
// installation pointed at it.
type e2eSite struct {
	*site.Site
	cfg string // doorsync.toml
	db  string // the SQLite database the configuration names
}

// startE2ESite starts Cardskipper and two terminals on loopback with a
// generated data set of members (seed picks it) and writes a configuration
// for them. Latency is set per endpoint by the tests that need it.
func startE2ESite(t *testing.T, members int, seed uint64) *e2eSite {
	t.Helper()
	return startE2ESiteWith(t, site.Options{Members: members, Seed: seed})
}

// startE2ESiteOn is startE2ESite on the clock clk.
func startE2ESiteOn(t *testing.T, clk clock.Clock, members int, seed uint64) *e2eSite {
	t.Helper()
	return startE2ESiteWith(t, site.Options{Members: members, Seed: seed, Clock: clk})
}

// startE2ESiteWith is startE2ESite with more of the site's options (firmware
// profiles; a clock, which the CLI runs then take too — by default the
// suite's, clocktest.Start).
func startE2ESiteWith(t *testing.T, o site.Options) *e2eSite {
	t.Helper()
	o.CardskipperPassword, o.TerminalPassword = e2eCSPassword, e2eTermPassword
	s, cfg, db := launchSite(t, o)
	e := &e2eSite{Site: s, cfg: cfg, db: db}
	// These tests are about the terminals: NEYROSS and NTK, which the demo
	// site also runs, are left out of the configuration (startE2ESiteAll
	// keeps them).
	data, err := os.ReadFile(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i, j := strings.Index(text, "[neyross]"), strings.Index(text, "[policy]")
	if i < 0 || j < i {
		t.Fatalf("unexpected demo configuration:\n%s", text)
	}
	if err := os.WriteFile(e.cfg, []byte(text[:i]+text[j:]), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// startE2ESiteAll is startE2ESite with every system of the demo site
// configured (terminals, NEYROSS, NTK).
func startE2ESiteAll(t *testing.T, members int, seed uint64) *e2eSite {
	t.Helper()
	e := startE2ESite(t, members, seed)
	if err := e.WriteConfig(e.cfg, e.db); err != nil {
		t.Fatal(err)
	}
	return e
}

// editConfig rewrites the configuration: each pair replaces its first
// occurrence, which must exist (a silent no-op would test the wrong thing).
func (e *e2eSite) editConfig(t *testing.T, pairs ...string) {
	t.Helper()
	data, err := os.ReadFile(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(text, pairs[i]) {
			t.Fatalf("configuration lacks %q:\n%s", pairs[i], text)
		}
		text = strings.Replace(text, pairs[i], pairs[i+1], 1)
	}
	if err := os.WriteFile(e.cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// appendConfig adds a section to the configuration.
func (e *e2eSite) appendConfig(t *testing.T, section string) {
	t.Helper()
	f, err := os.OpenFile(e.cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, "\n"+section+"\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// raiseGuard lets every revocation of the data set through the guard, for
// tests about something else.
func (e *e2eSite) raiseGuard(t *testing.T) {
	t.Helper()
	e.editConfig(t, "max_revocations = 25", "max_revocations = 100000", "max_revocation_percent = 10", "max_revocation_percent = 100")
}

// run runs the CLI in-process against this site's configuration.
func (e *e2eSite) run(t *testing.T, args ...string) run {
	t.Helper()
	r := runApp(t, e.Clock, nil, append(args, "--config", e.cfg)...)
	for _, secret := range []string{e2eCSPassword, e2eTermPassword} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Fatalf("doorsync %s leaks a password:\n%s\n%s", strings.Join(args, " "), r.stdout, r.stderr)
		}
	}
	return r
}

// plan runs `doorsync plan --json --all` and decodes it the way `apply FILE`
// would, so the expectations come from what the CLI itself promises.
func (e *e2eSite) plan(t *testing.T) plan.Plan {
	t.Helper()
	r := e.run(t, "plan", "--json", "--all")
	if r.code != ExitOK {
		t.Fatalf("plan --json: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	p, err := plan.Decode(strings.NewReader(r.stdout), time.LoadLocation)
	if err != nil {
		t.Fatalf("plan --json does not decode: %v\n%s", err, r.stdout)
	}
	return p
}

// terminal returns the endpoint and the emulator of a terminal by name.
func (e *e2eSite) terminal(t *testing.T, name string) (site.Endpoint, *hikemu.Terminal) {
	t.Helper()
	for _, ep := range e.Terminals {
		if ep.Name == name {
			return ep, e.TerminalServers[name]
		}
	}
	t.Fatalf("no terminal %q", name)
	return site.Endpoint{}, nil
}

// setTerminalLatency slows every terminal's answers.
func (e *e2eSite) setTerminalLatency(d time.Duration) {
	for _, ep := range e.Terminals {
		ep.Faults.SetLatency(d)
	}
}

// modifies counts the Modify requests all terminals received.
func (e *e2eSite) modifies() int {
	n := 0
	for _, ep := range e.Terminals {
		n += ep.Log.Count(e2eIsModify)
	}
	return n
}

func e2eIsModify(q emulator.Request) bool {
	return q.Method == http.MethodPut && q.Path == e2eModifyPath
}

// e2ePersons is what every terminal holds: terminal → employeeNo → person.
type e2ePersons map[string]map[string]hikemu.Person

func (e *e2eSite) snapshot() e2ePersons {
	out := e2ePersons{}
	for name, term := range e.TerminalServers {
		m := map[string]hikemu.Person{}
		for _, p := range term.Persons() {
			m[p.EmployeeNo] = p
		}
		out[name] = m
	}
	return out
}

// e2eAutoWrites is what `--auto` must write: terminal → account → the plan's
// item (extend and reactivate items that policy applies unattended).
func e2eAutoWrites(p plan.Plan) map[string]map[string]plan.Item {
	out := map[string]map[string]plan.Item{}
	for _, it := range p.Items {
		if it.Kind.Writes() && it.Auto {
			if out[it.Target] == nil {
				out[it.Target] = map[string]plan.Item{}
			}
			out[it.Target][it.Account] = it
		}
	}
	return out
}

// e2eCount counts the accounts of e2eAutoWrites.
func e2eCount(w map[string]map[string]plan.Item) int {
	n := 0
	for _, m := range w {
		n += len(m)
	}
	return n
}

// e2eExpectedCode is the exit code of an --auto run that applies all of p's
// auto items: 4 when something is held for approval, else 0.
func e2eExpectedCode(p plan.Plan) int {
	if p.Guard.Tripped {
		return ExitHeld
	}
	for _, it := range p.Items {
		if (it.Kind.Writes() && !it.Auto) || it.Kind == plan.Ambiguous {
			return ExitHeld
		}
	}
	return ExitOK
}

// e2eWantEnd is how a terminal stores an end the plan wants.
func e2eWantEnd(it plan.Item) string { return it.DesiredEnd.Format(e2eTerminalLayout) }

// e2eAssertConverged checks the terminals against the plan: every auto item's
// account holds the desired end and nothing else about it changed; every
// other person is exactly as before.
func e2eAssertConverged(t *testing.T, before, after e2ePersons, writes map[string]map[string]plan.Item) {
	t.Helper()
	for term, was := range before {
		now := after[term]
		if len(now) != len(was) {
			t.Errorf("terminal %s held %d e2ePersons, now %d", term, len(was), len(now))
		}
		for no, p := range was {
			got, ok := now[no]
			if !ok {
				t.Errorf("terminal %s: person %s is gone", term, no)
				continue
			}
			it, written := writes[term][no]
			if !written {
				if !e2eSamePerson(p, got) {
					t.Errorf("terminal %s: person %s is not in the plan's writes but changed:\nbefore %+v\nafter  %+v", term, no, p, got)
				}
				continue
			}
			if got.Valid.EndTime != e2eWantEnd(it) {
				t.Errorf("terminal %s: %s (%s, %s) ends %s, the plan wants %s", term, no, it.Email, it.Kind, got.Valid.EndTime, e2eWantEnd(it))
			}
			// Only the end may change (and enable/timeType as a Modify
			// sends them): begin, rights, cards, PIN and extends stay.
			want := p
			want.Valid.EndTime, want.Valid.Enable, want.Valid.TimeType = got.Valid.EndTime, true, "local"
			if !e2eSamePerson(want, got) {
				t.Errorf("terminal %s: person %s changed beyond its end date:\nbefore %+v\nafter  %+v", term, no, p, got)
			}
		}
	}
}

func e2eSamePerson(a, b hikemu.Person) bool {
	return fmt.Sprintf("%#v", a) == fmt.Sprintf("%#v", b)
}

// e2eAssertModifies checks every Modify a terminal received: it names an
// account the plan writes on that terminal, carries only employeeNo,
// userType and a complete Valid, and the end the plan wants. It returns how
// many Modify requests were checked.
func e2eAssertModifies(t *testing.T, ep site.Endpoint, writes map[string]plan.Item) int {
	t.Helper()
	n := 0
	for _, q := range ep.Log.Entries() {
		if !e2eIsModify(q) {
			continue
		}
		n++
		var body map[string]map[string]json.RawMessage
		if err := json.Unmarshal(q.Body, &body); err != nil || len(body) != 1 || body["UserInfo"] == nil {
			t.Errorf("terminal %s: Modify body is not {\"UserInfo\":{…}}: %s", ep.Name, q.Body)
			continue
		}
		ui := body["UserInfo"]
		keys := slices.Sorted(maps.Keys(ui))
		if !slices.Equal(keys, []string{"Valid", "employeeNo", "userType"}) && !slices.Equal(keys, []string{"Valid", "employeeNo"}) {
			t.Errorf("terminal %s: Modify sends %v; only employeeNo, userType and Valid may be sent: %s", ep.Name, keys, q.Body)
		}
		var no string
		_ = json.Unmarshal(ui["employeeNo"], &no)
		it, ok := writes[no]
		if !ok {
			t.Errorf("terminal %s: Modify of employeeNo %q, which the plan does not write: %s", ep.Name, no, q.Body)
			continue
		}
		var valid map[string]any
		if err := json.Unmarshal(ui["Valid"], &valid); err != nil {
			t.Errorf("terminal %s: Modify %s: Valid is not an object: %s", ep.Name, no, q.Body)
			continue
		}
		if vk := slices.Sorted(maps.Keys(valid)); !slices.Equal(vk, []string{"beginTime", "enable", "endTime", "timeType"}) {
			t.Errorf("terminal %s: Modify %s: Valid has %v, want beginTime, enable, endTime, timeType", ep.Name, no, vk)
		}
		if valid["enable"] != true || valid["timeType"] != "local" || valid["endTime"] != e2eWantEnd(it) {
			t.Errorf("terminal %s: Modify %s sends Valid %v; want enable true, timeType local, endTime %s", ep.Name, no, valid, e2eWantEnd(it))
		}
	}
	return n
}

// e2eDB is what the database says between runs.
type e2eDB struct {
	ok       bool // the database exists and is readable
	lock     store.LockHolder
	locked   bool
	open     []store.JournalEntry
	runs     []store.Run
	journals map[int64][]store.JournalEntry
}

// readDB reads the database read-only, as `history` does. A database that
// does not exist or cannot be opened (a run killed while creating it) is
// fatal only when must is set.
func (e *e2eSite) readDB(t *testing.T, must bool) e2eDB {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenReadOnly(ctx, e.db, e.Clock)
	if err != nil {
		if must {
			t.Fatalf("open the database read-only: %v", err)
		}
		t.Logf("database not readable yet: %v", err)
		return e2eDB{}
	}
	defer st.Close()
	s := e2eDB{ok: true, journals: map[int64][]store.JournalEntry{}}
	if s.lock, _, s.locked, err = st.CurrentLock(ctx); err != nil {
		t.Fatal(err)
	}
	if s.open, err = st.OpenEntries(ctx); err != nil {
		t.Fatal(err)
	}
	if s.runs, err = st.Runs(ctx, 0); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.runs {
		if s.journals[r.ID], err = st.Journal(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// e2eWebhook records the notifications doorsync POSTs.
type e2eWebhook struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []e2eWebhookCall
	path string
}

type e2eWebhookCall struct {
	method, contentType string
	body                []byte
}

// e2eWebhookPayload is the part of notify's JSON body the tests read.
type e2eWebhookPayload struct {
	Version     int            `json:"version"`
	RunID       int64          `json:"run_id"`
	Outcome     string         `json:"outcome"`
	Mode        string         `json:"mode"`
	Counts      map[string]int `json:"counts"`
	Errors      []string       `json:"errors"`
	GuardReason string         `json:"guard_reason"`
	Text        string         `json:"text"`
	Identity    []string       `json:"identity"`
}

// startE2EWebhook serves a webhook on loopback whose URL path holds a token
// (which doorsync must never print).
func startE2EWebhook(t *testing.T) *e2eWebhook {
	t.Helper()
	w := &e2eWebhook{path: "/hooks/e2e-token-5150"}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		if r.URL.Path == w.path {
			w.got = append(w.got, e2eWebhookCall{r.Method, r.Header.Get("Content-Type"), b})
		}
		w.mu.Unlock()
		if r.URL.Path != w.path {
			http.NotFound(rw, r)
		}
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *e2eWebhook) url() string { return w.srv.URL + w.path }

func (w *e2eWebhook) calls() []e2eWebhookCall {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.got)
}

// e2eChild is the real CLI running in a child process: the test binary
// re-executed into TestHelperDoorsync.
type e2eChild struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan struct{}
	err    error // cmd.Wait's, valid after done
}

// e2eHelperEnv marks the child process.
const e2eHelperEnv = "DOORSYNC_E2E_HELPER"

// startE2EChild runs doorsync args in a child process on a clock that goes
// on from clk. Cleanup kills it if the test did not wait for it.
func startE2EChild(t *testing.T, clk clock.Clock, args ...string) *e2eChild {
	t.Helper()
	c := &e2eChild{done: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperDoorsync$", "--"}, args...)...)
	c.cmd.Env = append(os.Environ(), e2eHelperEnv+"=1", clocktest.Environ(clk))
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start the e2eChild: %v", err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

func (c *e2eChild) pid() int { return c.cmd.Process.Pid }

func (c *e2eChild) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and reaps the process (a zombie would still count as
// running for the stale-lock check). It reports whether the process was
// still running, i.e. whether the kill interrupted it.
func (c *e2eChild) kill(t *testing.T) bool {
	t.Helper()
	if c.exited() {
		return false
	}
	_ = c.cmd.Process.Kill()
	<-c.done
	st := c.cmd.ProcessState
	return st != nil && !st.Exited() // ended by the signal
}

// wait waits for the e2eChild to exit by itself and returns its exit code.
func (c *e2eChild) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(limit):
		t.Fatalf("the e2eChild doorsync did not finish within %v\nstdout:\n%s", limit, c.output())
	}
	return c.cmd.ProcessState.ExitCode()
}

// output is what the e2eChild printed; call it only after it ended.
func (c *e2eChild) output() string { return c.stdout.String() + c.stderr.String() }

// e2ePoll polls cond every millisecond until it holds or limit passes.
func e2ePoll(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit) // wall clock: a polling deadline
	for !cond() {
		if time.Now().After(deadline) { // wall clock: a polling deadline
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(time.Millisecond)
	}
}
