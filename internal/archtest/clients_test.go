package archtest

import (
	"strings"
	"testing"
)

// TestClientsStayBelowThePlanner: sources and targets are clients of other
// systems. They know nothing of the plan, the configuration, the
// database or the engine (issue 12 §6): the composition root makes their
// configs, the engine plans and records what they read and write.
func TestClientsStayBelowThePlanner(t *testing.T) {
	banned := map[string]string{
		"internal/plan":     "planning is the engine's, with the pure planner",
		"internal/config":   "the composition root (internal/cli) makes the client's Config",
		"internal/store":    "the engine keeps what a client read or accepted",
		"internal/engine":   "the engine drives the clients, not the other way",
		"internal/identity": "who is who is decided above the clients",
		"internal/homepath": "a client touches no files of ours",
	}
	for _, p := range listPackages(t) {
		r := rel(p.ImportPath)
		if !strings.HasPrefix(r, "internal/target/") && !strings.HasPrefix(r, "internal/source/") {
			continue
		}
		// Deps holds the direct imports too; targettest is held to the
		// rule as well.
		for _, dep := range p.Deps {
			d := rel(dep)
			for b, why := range banned {
				if d == b || strings.HasPrefix(d, b+"/") {
					t.Errorf("%s depends on %s: %s", r, d, why)
				}
			}
		}
	}
}
