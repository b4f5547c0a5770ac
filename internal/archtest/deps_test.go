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

func TestDependencyRules(t *testing.T) {
	for _, p := range listPackages(t) {
		r := rel(p.ImportPath)
		all := append(append([]string{}, p.Imports...), p.Deps...)
		for _, dep := range all {
			switch {
			// internal/cli reaches the Charm stack only through tui: its own
			// imports are checked, not its dependencies'.
			case strings.HasPrefix(r, "internal/") && strings.HasPrefix(dep, "charm.land/") &&
				(r != "internal/cli" || slices.Contains(p.Imports, dep)):
				t.Errorf("%s imports %s: nothing under internal/ may import the Charm stack", r, dep)
			case strings.HasPrefix(r, "tui") && (dep == "net/http" || dep == "database/sql"):
				t.Errorf("%s depends on %s: the console sees interfaces and messages only", r, dep)
			case dep == module+"/tui" && r != "internal/cli" && !strings.HasPrefix(r, "tui") && slices.Contains(p.Imports, dep):
				t.Errorf("%s imports tui: only internal/cli may", r)
			}
		}
		if r == "internal/member" || r == "internal/plan" || r == "internal/plan/accesslist" {
			// Direct imports only: fmt itself imports os.
			for _, dep := range p.Imports {
				for _, banned := range []string{"net", "net/http", "os", "database/sql", "os/exec", "io/ioutil", "io/fs"} {
					if dep == banned {
						t.Errorf("%s depends on %s: it must do no I/O", r, dep)
					}
				}
			}
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
