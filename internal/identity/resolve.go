package identity

import (
	"slices"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// Match is one account found for an e-mail on a target, and how.
type Match struct {
	Account  string
	MemberID string // set when the link pins one member
	Origin   Origin
	// At is the position, plus one, of the account in the target's
	// accounts given to NewResolver that the e-mail was found on (the
	// first, should they list its id twice; 0 for a stored link's match):
	// a caller can take the account from there instead of looking its id
	// up again (Position gives the last of a repeated id).
	At int
}

// Resolver answers "which accounts on target T belong to e-mail E" from the
// stored links and the e-mails found on the targets' accounts. Pure: built
// from values, no I/O.
type Resolver struct {
	// byTarget[target][email] → matches, confirmed/imported links first.
	byTarget map[string]map[member.Email][]Match
	// accounts[target][account]: where the account stands and the e-mail
	// it belongs to. Stored links are indexed first, so an e-mail found on
	// the terminal cannot move a linked account to another member.
	accounts map[string]map[string]accountEntry
	distinct map[string]int // target → how many ids its accounts hold
}

// accountEntry is what the resolver knows of one account id on a target.
type accountEntry struct {
	at    int          // position in the target's accounts plus one, of the last with the id; 0: only a link names it
	owner member.Email // the e-mail the account belongs to; "" none
}

// NewResolver indexes links and the accounts of each target.
//
// The indexes are sized from the accounts up front, and the matches of
// e-mails found on accounts share one array per target (almost every
// e-mail finds one account; a second match makes append copy out): on
// 3 × 50,000 accounts this took NewResolver from 150,000 allocations and
// its maps' growth to a handful (BenchmarkBuild50kThreeTargets).
func NewResolver(links []Link, accounts map[string][]target.Account) *Resolver {
	r := &Resolver{byTarget: make(map[string]map[member.Email][]Match, len(accounts)),
		accounts: make(map[string]map[string]accountEntry, len(accounts)), distinct: make(map[string]int, len(accounts))}
	index := func(t string) map[member.Email][]Match {
		m := r.byTarget[t]
		if m == nil {
			m = make(map[member.Email][]Match, len(accounts[t]))
			r.byTarget[t] = m
			r.accounts[t] = make(map[string]accountEntry, len(accounts[t]))
		}
		return m
	}
	for _, l := range links {
		if l.Email == "" || l.Account == "" {
			continue
		}
		m := index(l.Target)
		origin := l.Origin
		if origin == "" {
			origin = Confirmed
		}
		if slices.ContainsFunc(m[l.Email], func(x Match) bool { return x.Account == l.Account && x.MemberID == l.MemberID }) {
			continue
		}
		m[l.Email] = append(m[l.Email], Match{Account: l.Account, MemberID: l.MemberID, Origin: origin})
		r.accounts[l.Target][l.Account] = accountEntry{owner: l.Email}
	}
	for t, accs := range accounts {
		m := index(t)
		ids := r.accounts[t]
		spare := make([]Match, len(accs)) // one first match per account at most
		distinct := 0
		for i, a := range accs {
			e := ids[a.ID]
			if e.at == 0 {
				distinct++
			}
			e.at = i + 1
			// An account already owned (by a link, or listed before with
			// an e-mail) keeps its owner.
			if a.Email != "" && e.owner == "" {
				ms := m[a.Email]
				// A stored link for this e-mail wins over the terminal's field.
				if !hasStored(ms) {
					if ms == nil {
						ms, spare = spare[:0:1], spare[1:]
					}
					m[a.Email] = append(ms, Match{Account: a.ID, Origin: Terminal, At: i + 1})
					e.owner = a.Email
				}
			}
			ids[a.ID] = e
		}
		r.distinct[t] = distinct
	}
	return r
}

func hasStored(ms []Match) bool {
	return slices.ContainsFunc(ms, func(x Match) bool { return x.Origin != Terminal })
}

// Resolve returns the accounts on the target for the e-mail.
func (r *Resolver) Resolve(targetName string, email member.Email) []Match {
	if email == "" {
		return nil
	}
	return r.byTarget[targetName][email]
}

// Owner returns the e-mail an account belongs to (by stored link or by an
// e-mail found on it), if any.
func (r *Resolver) Owner(targetName, account string) (member.Email, bool) {
	e := r.accounts[targetName][account]
	return e.owner, e.owner != ""
}

// Position returns where the account with this id stands in the target's
// accounts given to NewResolver (the last, should they list one id twice),
// so that a caller needs no index of its own.
func (r *Resolver) Position(targetName, account string) (int, bool) {
	e := r.accounts[targetName][account]
	return e.at - 1, e.at > 0
}

// Distinct returns how many account ids the target's accounts hold (fewer
// than the accounts when one is listed twice).
func (r *Resolver) Distinct(targetName string) int { return r.distinct[targetName] }
