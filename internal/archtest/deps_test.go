// Package archtest enforces the dependency rules of docs/architecture.md by
// reading `go list -deps` and the sources: the rules hold or the build fails.
package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/doorsync/doorsync"

type pkg struct {
	ImportPath   string
	Dir          string
	GoFiles      []string
	TestGoFiles  []string
	XTestGoFiles []string
	Imports      []string
	Deps         []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "-deps=false", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

func rel(p string) string { return strings.TrimPrefix(strings.TrimPrefix(p, module), "/") }

// forbidden is the one-way flow of docs/architecture.md as a table: a
// package matching from must not depend on (import, directly or through
// others) a package matching dep. Patterns are module-relative; "x/..."
// is x and everything under it.
var forbidden = []struct {
	from, dep string
	direct    bool // only its own imports count (fmt imports os, for one)
	why       string
}{
	{from: "internal/source/...", dep: "internal/plan", why: "sources read a system; the planner is above them"},
	{from: "internal/source/...", dep: "internal/config", why: "a source takes its own settings; the service (internal/service compose.go) translates the configuration"},
	{from: "internal/source/...", dep: "internal/store", why: "sources do no bookkeeping; the engine keeps what they read"},
	{from: "internal/source/...", dep: "internal/engine", why: "the engine uses sources, never the reverse"},
	{from: "internal/target/...", dep: "internal/plan", why: "targets read and write a system; the planner is above them"},
	{from: "internal/target/...", dep: "internal/config", why: "a target takes its own settings; the service (internal/service compose.go) translates the configuration"},
	{from: "internal/target/...", dep: "internal/store", why: "targets do no bookkeeping; the engine journals what they write"},
	{from: "internal/target/...", dep: "internal/engine", why: "the engine uses targets, never the reverse"},
	{from: "internal/source/...", dep: "internal/identity/...", why: "who is who is decided above the clients"},
	{from: "internal/target/...", dep: "internal/identity/...", why: "who is who is decided above the clients"},
	{from: "internal/source/...", dep: "internal/homepath", why: "a client touches no files of ours"},
	{from: "internal/target/...", dep: "internal/homepath", why: "a client touches no files of ours"},
	{from: "internal/notify", dep: "internal/config", why: "the service builds the notifiers from the configuration"},
	{from: "internal/member", dep: "net", direct: true, why: "the domain does no I/O"},
	{from: "internal/member", dep: "net/http", direct: true, why: "the domain does no I/O"},
	{from: "internal/member", dep: "os", direct: true, why: "the domain does no I/O"},
	{from: "internal/member", dep: "database/sql", direct: true, why: "the domain does no I/O"},
	{from: "internal/member", dep: "os/exec", direct: true, why: "the domain does no I/O"},
	{from: "internal/member", dep: "io/fs", direct: true, why: "the domain does no I/O"},
	{from: "internal/plan/...", dep: "net", direct: true, why: "the planner is pure: same input, same plan"},
	{from: "internal/plan/...", dep: "net/http", direct: true, why: "the planner is pure: same input, same plan"},
	{from: "internal/plan/...", dep: "os", direct: true, why: "the planner is pure: same input, same plan"},
	{from: "internal/plan/...", dep: "database/sql", direct: true, why: "the planner is pure: same input, same plan"},
	{from: "internal/plan/...", dep: "os/exec", direct: true, why: "the planner is pure: same input, same plan"},
	{from: "internal/plan/...", dep: "io/fs", direct: true, why: "the planner is pure: same input, same plan"},
	{from: "internal/plan/...", dep: "internal/store", why: "the planner is pure: the engine loads what it plans"},
	// The pure packages depend on none of the project's I/O packages, at
	// any depth (the rows above see the standard library's only directly).
	{from: "internal/plan/...", dep: "internal/httpx", why: "the planner is pure: it sends nothing"},
	{from: "internal/plan/...", dep: "internal/config", why: "the planner is pure: the service translates the configuration"},
	{from: "internal/plan/...", dep: "internal/source/...", why: "the planner is pure: the engine reads the source"},
	{from: "internal/plan/...", dep: "internal/target/hikvision", why: "the planner is pure: it sees accounts, not clients"},
	{from: "internal/plan/...", dep: "internal/target/neyross", why: "the planner is pure: it sees accounts, not clients"},
	{from: "internal/plan/...", dep: "internal/target/ntk", why: "the planner is pure: it sees lists, not the upload client"},
	{from: "internal/plan/...", dep: "internal/emulator/...", why: "the planner is pure, and emulators are for tests"},
	{from: "internal/member", dep: "internal/httpx", why: "the domain does no I/O"},
	{from: "internal/member", dep: "internal/store", why: "the domain does no I/O"},
	{from: "internal/member", dep: "internal/config", why: "the domain does no I/O"},
	{from: "internal/notify", dep: "internal/store", why: "a notifier sends what the engine hands it; it reads no database"},
	{from: "tui/...", dep: "internal/store", why: "the console sees the service's interface, not its storage"},
	{from: "tui/...", dep: "internal/apply", why: "the console collects intent; the engine applies"},
	{from: "tui/...", dep: "internal/engine", why: "the console sees its Backend interface only"},
	{from: "tui/...", dep: "internal/cli", why: "the composition root uses the console, never the reverse"},
	{from: "tui/...", dep: "net/http", why: "the console sees interfaces and messages only"},
	{from: "tui/...", dep: "database/sql", why: "the console sees interfaces and messages only"},
	{from: "tui/...", dep: "internal/service", why: "the console sees its Backend interface; the service implements it"},
	{from: "internal/backend", dep: "internal/store", why: "the console's types are a leaf: the console must not reach storage through them"},
	{from: "internal/backend", dep: "internal/engine", why: "the console's types are a leaf: the service maps the engine's results into them"},
	{from: "internal/backend", dep: "internal/config", why: "the console's types are a leaf: the configuration is the service's"},
	{from: "internal/backend", dep: "internal/apply", why: "the console's types are a leaf: the service maps apply's events into them"},
	{from: "internal/backend", dep: "internal/service", why: "the service implements the backend, never the reverse"},
	{from: "internal/backend", dep: "internal/source/...", why: "the console's types are a leaf: no client behind them"},
	{from: "internal/backend", dep: "net/http", why: "the console's types are a leaf: no network behind them"},
	{from: "internal/backend", dep: "database/sql", why: "the console's types are a leaf: no database behind them"},
	{from: "internal/service", dep: "internal/cli", why: "the composition root builds the service, never the reverse"},
	{from: "internal/service", dep: "tui/...", why: "the service serves the console through backend.Backend without knowing it"},
	{from: "internal/engine", dep: "internal/service", why: "a run is below the application that builds it"},
	{from: "internal/engine", dep: "internal/config", why: "the service translates the configuration into a run's engine"},
}

// onlyImportedBy names packages only one package may import, with why.
var onlyImportedBy = map[string]struct{ by, why string }{
	"internal/service": {"internal/cli", "the application is built once, by the composition root, and handed to a face; " +
		"other packages are below it (engine, store, clients) or see it through an interface (tui: backend.Backend)"},
}

// allowedForNow lists violations of the table being removed, each with the
// issue that removes it: the test fails when one is fixed, so that it is
// struck off here too.
var allowedForNow = map[[2]string]string{}

// matches reports whether the module-relative package path p matches
// pattern ("x/..." is x and everything under it).
func matches(pattern, p string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return p == base || strings.HasPrefix(p, base+"/")
	}
	return p == pattern
}

func TestDependencyRules(t *testing.T) {
	seen := map[[2]string]bool{}
	for _, p := range listPackages(t) {
		r := rel(p.ImportPath)
		deps := map[bool][]string{true: p.Imports, false: p.Deps} // Deps holds the imports too
		for _, rule := range forbidden {
			if !matches(rule.from, r) {
				continue
			}
			for _, dep := range deps[rule.direct] {
				d := rel(dep)
				if dep == d && strings.HasPrefix(rule.dep, "internal/") {
					continue // a standard library internal/… package
				}
				if !matches(rule.dep, d) {
					continue
				}
				if _, ok := allowedForNow[[2]string{r, d}]; ok {
					seen[[2]string{r, d}] = true
					continue
				}
				t.Errorf("%s depends on %s: %s", r, d, rule.why)
			}
		}
		for _, dep := range append(append([]string{}, p.Imports...), p.Deps...) {
			switch {
			// internal/cli reaches the Charm stack only through tui: its own
			// imports are checked, not its dependencies'.
			case strings.HasPrefix(r, "internal/") && strings.HasPrefix(dep, "charm.land/") &&
				(r != "internal/cli" || slices.Contains(p.Imports, dep)):
				t.Errorf("%s imports %s: nothing under internal/ may import the Charm stack", r, dep)
			case dep == module+"/tui" && r != "internal/cli" && !strings.HasPrefix(r, "tui") && slices.Contains(p.Imports, dep):
				t.Errorf("%s imports tui: only the composition root (internal/cli) may", r)
			}
		}
		for _, dep := range p.Imports {
			if only, ok := onlyImportedBy[rel(dep)]; ok && dep != rel(dep) && r != only.by {
				t.Errorf("%s imports %s: only %s may (%s)", r, rel(dep), only.by, only.why)
			}
		}
	}
	for v, why := range allowedForNow {
		if !seen[v] {
			t.Errorf("%s no longer depends on %s (%s): strike it off allowedForNow", v[0], v[1], why)
		}
	}
}

// TestPurePackagesNeverReadTheClock: today and the zone are arguments.
func TestPurePackagesNeverReadTheClock(t *testing.T) {
	for _, p := range listPackages(t) {
		r := rel(p.ImportPath)
		if r != "internal/member" && r != "internal/plan" && r != "internal/plan/accesslist" {
			continue
		}
		// No note excuses a read here.
		for _, read := range wallClockReads(t, p, p.GoFiles) {
			t.Errorf("%s:%d: %s reads the wall clock; take the time as an argument", read.file, read.line, read.what)
		}
	}
}
