// Package plan turns what both sides hold into work: one item per (member
// e-mail, target) of one kind, with a reason, whether --auto may apply it, and
// the blast-radius guard. It is pure: no I/O, no clock — today, the zone and
// every input are arguments, so a plan can be tested from fixture files.
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
