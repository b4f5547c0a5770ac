// Package plan turns what both sides hold into work: one item per (member
// e-mail, target) of one kind, with a reason, whether --auto may apply it, and
// the blast-radius guard. It is pure: no I/O, no clock — today, the zone and
// every input are arguments, so a plan can be tested from fixture files
// (internal/archtest keeps it so).
//
// Build(Input) Plan is deterministic: the same input gives the same plan,
// items sorted by e-mail, member, target, account. Each target is planned
// on its own goroutine and the sorted lists merged, which nearly halves the
// console's first frame at 50,000 members on two cores.
//
// Where things live: kind.go the kinds (product.md → Core model); plan.go
// Plan, Item and the summaries; build.go Build, Input and Policy, the kinds,
// reasons, clamping to a target's range, drift and the guard; identity.go
// who owns an account — by member id first (links pinned to a member, the
// resolutions earlier runs accepted: Input.Previous), e-mail second, so an
// account stays with its member through an e-mail change and an e-mail
// that moves to another member brings no one else's account — and the
// identity changes an operator must approve; sort.go the items' order;
// decode.go Encode and Decode, the saved plan (`plan --out`, `apply FILE`).
// Whole-list targets (NTK) are planned beside it in plan/accesslist and
// reach Build as Input.Lists, so their items are counted, sorted and
// guarded like the rest.
//
// Tests: every testdata/*.json holds an input and the expected plan
// together (fixture_test.go; -update rewrites the expected sections after a
// deliberate change, for review). BenchmarkBuild50kThreeTargets measures
// Build on 50,000 members with an account each on three terminals (budget
// 200 ms on 2 cores).
package plan

// Kind classifies an item (product.md → Core model).
type Kind string

const (
	InSync     Kind = "in_sync"
	Extend     Kind = "extend"
	Reactivate Kind = "reactivate"
	Shorten    Kind = "shorten"
	Revoke     Kind = "revoke"
	Missing    Kind = "missing"
	Unlinked   Kind = "unlinked"
	Ambiguous  Kind = "ambiguous"
	NoEmail    Kind = "no_email"
	Invalid    Kind = "invalid"
)

// Kinds lists every kind in report order.
func Kinds() []Kind {
	return []Kind{InSync, Extend, Reactivate, Shorten, Revoke, Missing, Unlinked, Ambiguous, NoEmail, Invalid}
}

// Writes reports whether items of the kind change an account's end date.
func (k Kind) Writes() bool {
	return k == Extend || k == Reactivate || k == Shorten || k == Revoke
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, x := range Kinds() {
		if x == k {
			return true
		}
	}
	return false
}
