package identity

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// Suggestion proposes linking a member's e-mail to an account found by name.
// It is never applied by itself: an operator confirms it (or the config
// allows auto-confirming, which is the caller's decision).
type Suggestion struct {
	Email       member.Email
	MemberID    string
	MemberName  string
	Target      string
	Account     string
	AccountName string
	Score       float64 // one of the Score* constants
	Why         string
}

// Suggest pairs members that found no account on a target with accounts
// that no member claims, by folded name (see the Score* constants). Per
// member and target it skips targets where the member's e-mail already
// resolves to an account; it never suggests an account that is linked,
// carries an e-mail, or is named for a role (staff). A member without an
// e-mail gets no suggestion: there is nothing to link. Suggestions come per
// member in the order of members, best first (score, then target, account
// name, account ID), at most limitPerMember each (≤ 0: no limit). resolver
// may be nil (no links yet).
//
// Accounts are indexed by name part, so a member is compared only with the
// accounts sharing a part of its name: every rule needs one in common.
func Suggest(members []member.Member, unmatched map[string][]target.Account, resolver *Resolver, limitPerMember int) []Suggestion {
	targets := make([]string, 0, len(unmatched))
	for t := range unmatched {
		targets = append(targets, t)
	}
	slices.Sort(targets)
	indexes := make([]*accountIndex, 0, len(targets))
	for _, t := range targets {
		if ix := newAccountIndex(t, unmatched[t], resolver); len(ix.accs) > 0 {
			indexes = append(indexes, ix)
		}
	}
	if len(indexes) == 0 {
		return nil
	}
	var (
		out     []Suggestion
		per     []int // out[per[i]:per[i+1]] belong to one member
		touched []int32
	)
	done := map[[2]string]bool{} // a member listed twice is suggested once
	for _, m := range members {
		id := [2]string{m.ID, string(m.Email)}
		if m.Email == "" || done[id] {
			continue
		}
		done[id] = true
		key := makeKey(m.Name())
		if len(key.tokens) == 0 {
			continue
		}
		start := len(out)
		for _, ix := range indexes {
			if resolvesFor(resolver, ix.target, m) {
				continue
			}
			touched = ix.candidates(&key, touched[:0])
			for _, c := range touched {
				shared := ix.hits[c]
				ix.hits[c] = 0
				other := &ix.keys[c]
				// Every rule but "one name has more parts" needs as many
				// parts on both sides; that one needs two in common.
				if len(other.tokens) != len(key.tokens) && shared < 2 {
					continue
				}
				score, why := compareNames(&key, other)
				if score == 0 {
					continue
				}
				a := ix.accs[c]
				out = append(out, Suggestion{
					Email: m.Email, MemberID: m.ID, MemberName: m.Name(),
					Target: ix.target, Account: a.ID, AccountName: a.Name, Score: score, Why: why,
				})
			}
		}
		if len(out) > start {
			slices.SortStableFunc(out[start:], rank)
			per = append(per, start)
		}
	}
	per = append(per, len(out))
	markShared(out)
	if limitPerMember <= 0 {
		return out
	}
	kept := out[:0]
	for i := 0; i+1 < len(per); i++ {
		group := out[per[i]:per[i+1]]
		kept = append(kept, group[:min(len(group), limitPerMember)]...)
	}
	return kept
}

// rank orders one member's suggestions: best score first, then by target,
// account name and ID so ties always come out the same way.
func rank(a, b Suggestion) int {
	return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Target, b.Target),
		cmp.Compare(a.AccountName, b.AccountName), cmp.Compare(a.Account, b.Account))
}

// markShared says so when several members match one account equally well
// (two members called Marko Novak): the operator must pick.
func markShared(out []Suggestion) {
	type key struct {
		target, account string
		score           float64
	}
	n := map[key]int{}
	for _, s := range out {
		n[key{s.Target, s.Account, s.Score}]++
	}
	for i := range out {
		if c := n[key{out[i].Target, out[i].Account, out[i].Score}]; c > 1 {
			out[i].Why += fmt.Sprintf("; %d members match this account equally", c)
		}
	}
}

// resolvesFor reports whether the member already has an account on the
// target: a match of its e-mail not pinned to another member.
func resolvesFor(r *Resolver, targetName string, m member.Member) bool {
	if r == nil {
		return false
	}
	for _, x := range r.Resolve(targetName, m.Email) {
		if x.MemberID == "" || x.MemberID == m.ID {
			return true
		}
	}
	return false
}

// accountIndex holds one target's suggestible accounts by name part.
type accountIndex struct {
	target  string
	accs    []target.Account
	keys    []nameKey
	posting map[string][]int32 // spelling-merged name part → accounts
	hits    []uint16           // scratch: shared parts per account for the current member
}

func newAccountIndex(targetName string, accounts []target.Account, r *Resolver) *accountIndex {
	ix := &accountIndex{target: targetName, posting: map[string][]int32{}}
	seen := map[string]bool{}
	for _, a := range accounts {
		if a.ID == "" || seen[a.ID] || a.Email != "" {
			continue
		}
		seen[a.ID] = true
		if r != nil {
			if _, linked := r.Owner(targetName, a.ID); linked {
				continue
			}
		}
		k := makeKey(a.Name)
		if len(k.tokens) == 0 || isStaffName(&k) {
			continue
		}
		i := int32(len(ix.accs))
		ix.accs = append(ix.accs, a)
		ix.keys = append(ix.keys, k)
		for j, t := range k.vtokens {
			if j > 0 && t == k.vtokens[j-1] {
				continue
			}
			ix.posting[t] = append(ix.posting[t], i)
		}
	}
	ix.hits = make([]uint16, len(ix.accs))
	return ix
}

// candidates appends the accounts sharing a name part with key, counting
// the shared parts in hits (the caller resets them).
func (ix *accountIndex) candidates(key *nameKey, dst []int32) []int32 {
	for j, t := range key.vtokens {
		if j > 0 && t == key.vtokens[j-1] {
			continue
		}
		for _, c := range ix.posting[t] {
			if ix.hits[c] == 0 {
				dst = append(dst, c)
			}
			ix.hits[c]++
		}
	}
	return dst
}
