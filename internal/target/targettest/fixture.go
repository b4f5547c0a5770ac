// Package targettest is the conformance suite every target.Target passes
// against its emulator (rclone's fstests idea): inventory paging, lookup
// batching, write + read-back, busy answers (returned at once, classified:
// the engine retries, never the target), the authentication stop and
// malformed replies. A target's package runs it from a test:
//
//	func TestConformance(t *testing.T) { targettest.Run(t, newFixture) }
//
// newFixture starts a fresh emulator on loopback and returns the target
// pointed at it with the hooks below. The suite knows nothing of any one
// system: what is system-specific (ids, page sizes, which writes are
// allowed) comes from the Fixture.
//
// A target that cannot be read and takes its whole list in one upload (NTK)
// runs the part of the contract that applies to it, RunUpload with an
// UploadFixture: the emulator's record of accepted lists is the read-back,
// and busy answers, refusals, the authentication stop, cancellation and
// malformed replies are checked as for every other target.
package targettest

import (
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/target"
)

// Seeded is an account a fixture put on its emulator.
type Seeded struct {
	ID  string
	End time.Time // its end of validity (a date's T23:59:59 in Zone)
}

// Malformation is a way a reply can be broken.
type Malformation string

// Malformations the suite knows. A fixture lists those its system can
// produce; each makes the next read reply broken that way.
const (
	// Garbage: a body that is not the expected format at all.
	Garbage Malformation = "garbage body"
	// Truncated: a JSON (or XML) document cut off mid-way.
	Truncated Malformation = "truncated document"
	// EmptyMorePage: a list page that says more follows but holds nothing.
	EmptyMorePage Malformation = "page claiming more with no items"
)

// Fixture is one target wired to a fresh emulator, with the hooks the suite
// needs to set the emulator up and to see what reached it. Every func is
// required unless its comment says otherwise.
type Fixture struct {
	Target target.Target
	Zone   *time.Location // the site zone the target works in

	// PageSize is how many accounts one inventory request returns (the
	// emulator's cap); 0 if the system lists everything in one request.
	PageSize int
	// BatchSize is how many ids one Lookup request carries.
	BatchSize int

	// Seed replaces the emulator's accounts with n new ones, each with a
	// known end of validity, and returns them.
	Seed func(t *testing.T, n int) []Seeded
	// EndOf reads an account's end straight from the emulator's state.
	EndOf func(t *testing.T, id string) (time.Time, bool)

	// Request counters, counting what reached the emulator since it
	// started. InventoryRequests, LookupRequests and Writes count list,
	// lookup and write requests that got past authentication (a challenge
	// or a rejected login is not a write), whatever the answer; Requests
	// counts everything.
	InventoryRequests func() int
	LookupRequests    func() int
	Writes            func() int
	Requests          func() int

	// InjectBusy makes the next n requests get the system's busy answer.
	InjectBusy func(n int)
	// Malformations lists what InjectMalformed can do (at least one).
	Malformations []Malformation
	// InjectMalformed makes the next read reply broken the given way.
	InjectMalformed func(m Malformation)

	// BreakAuth makes the target's credentials wrong from now on.
	BreakAuth func()
	// AuthAttempts counts requests carrying credentials that reached the
	// emulator since BreakAuth.
	AuthAttempts func() int

	// CheckWrites asserts that every write the emulator received sent only
	// the fields this system's sync may send (system-specific).
	CheckWrites func(t *testing.T)
}

// check fails the test early if the fixture is incomplete.
func (f Fixture) check(t *testing.T) {
	t.Helper()
	missing := []string{}
	for name, ok := range map[string]bool{
		"Target": f.Target != nil, "Zone": f.Zone != nil, "BatchSize": f.BatchSize > 0,
		"Seed": f.Seed != nil, "EndOf": f.EndOf != nil,
		"InventoryRequests": f.InventoryRequests != nil, "LookupRequests": f.LookupRequests != nil,
		"Writes": f.Writes != nil, "Requests": f.Requests != nil, "InjectBusy": f.InjectBusy != nil,
		"Malformations": len(f.Malformations) > 0, "InjectMalformed": f.InjectMalformed != nil,
		"BreakAuth": f.BreakAuth != nil, "AuthAttempts": f.AuthAttempts != nil, "CheckWrites": f.CheckWrites != nil,
	} {
		if !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("targettest: fixture lacks %v", missing)
	}
}
