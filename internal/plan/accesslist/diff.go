package accesslist

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/doorsync/doorsync/internal/plan"
)

// change is what happens to one card between the last accepted list and
// the built one.
type change struct {
	card     string
	kind     plan.Kind
	holder   *state // the member the item is about; nil when none is known
	memberID string // from the list's member-id column when holder is nil
	reason   string
}

// Diff compares the built list with the last list NTK accepted and returns
// one plan item per card (the Account is the card number) plus one per
// problem, for the target of the Settings it was built with. The kinds:
//
//   - reactivate: the card is not on the accepted list and is on the new one;
//   - revoke: the card is on the accepted list and no longer on the new one
//     (the reason says why: membership ended, card moved, now ambiguous …);
//   - in_sync: same zones;
//   - extend: zones only added (more access, like a later end date);
//   - shorten: any zone removed (less access, like an earlier end date), so
//     that policy holds it for approval and the blast-radius guard counts it;
//   - invalid, ambiguous, missing: the Problems, reported, never sent.
//
// Auto is set for writing kinds listed in auto (the policy), as plan.Build
// does. Items are sorted by card, then kind, then member.
func Diff(res Result, last List, auto []plan.Kind) []plan.Item {
	changes := res.changes(last)
	items := make([]plan.Item, 0, len(changes)+len(res.Problems))
	for _, c := range changes {
		it := plan.Item{Kind: c.kind, Target: res.name, System: res.system, Account: c.card, MemberID: c.memberID, Reason: c.reason}
		if s := c.holder; s != nil {
			it.Email, it.Name, it.MemberID, it.SourceEnd = s.email, s.name(), s.id, s.end
		}
		items = append(items, finish(it, auto))
	}
	for _, p := range res.Problems {
		it := plan.Item{Kind: p.Kind, Email: p.Email, Name: p.Name, MemberID: p.MemberID, Target: res.name, System: res.system,
			Account: p.Card, SourceEnd: p.End, Reason: p.Reason}
		items = append(items, finish(it, auto))
	}
	slices.SortStableFunc(items, func(a, b plan.Item) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.MemberID, b.MemberID))
	})
	return items
}

func finish(it plan.Item, auto []plan.Kind) plan.Item {
	it.ID = plan.ItemID(it)
	it.Auto = it.Kind.Writes() && slices.Contains(auto, it.Kind)
	return it
}

// changes lists the per-card changes in card order, merging the two
// lists (both sorted by card).
func (r Result) changes(last List) []change {
	old, cur := last.lines, r.List.lines
	var byID map[string]*state      // made on the first revoke
	var oldCardOf map[string]string // member id → card on the accepted list; made on the first reactivate
	out := make([]change, 0, max(len(old), len(cur)))
	for len(old) > 0 || len(cur) > 0 {
		var o, n entry
		var card string
		switch {
		case len(cur) == 0 || len(old) > 0 && old[0].Card < cur[0].Card:
			card = old[0].Card
			o, old = takeCard(old)
		case len(old) == 0 || cur[0].Card < old[0].Card:
			card = cur[0].Card
			n, cur = takeCard(cur)
		default:
			card = old[0].Card
			o, old = takeCard(old)
			n, cur = takeCard(cur)
		}
		c := change{card: card}
		switch {
		case o.zones == nil:
			c.kind, c.holder = plan.Reactivate, r.listedHolder(card)
			c.reason = "card added to the NTK list with zone(s) " + zoneList(n.zones)
			if oldCardOf == nil {
				oldCardOf = last.cardOfMember()
			}
			if prev, ok := oldCardOf[n.memberID]; ok && n.memberID != "" && prev != card {
				c.reason = fmt.Sprintf("card changed from %s; added to the NTK list with zone(s) %s", prev, zoneList(n.zones))
			}
		case n.zones == nil:
			c.kind = plan.Revoke
			if byID == nil {
				byID = r.byID()
			}
			c.holder, c.reason = r.revokeReason(card, o.memberID, byID)
			if c.holder == nil {
				c.memberID = o.memberID
			}
		default:
			c.holder = r.listedHolder(card)
			c.kind, c.reason = zoneChange(o.zones, n.zones)
		}
		out = append(out, c)
	}
	return out
}

// takeCard splits off the lines of the first card.
func takeCard(lines []Line) (entry, []Line) {
	e := entry{memberID: lines[0].MemberID}
	i := 0
	for ; i < len(lines) && lines[i].Card == lines[0].Card; i++ {
		e.zones = append(e.zones, lines[i].Zone)
	}
	return e, lines[i:]
}

// revokeReason finds whom a card leaving the list belonged to and why it
// leaves.
func (r Result) revokeReason(card, lastID string, byID map[string]*state) (*state, string) {
	const lead = "card leaves the NTK list: "
	head := r.byCard[card]
	for s := head; s != nil; s = s.next {
		if s.id == lastID || lastID == "" || (s == head && s.next == nil) {
			return s, lead + why(s)
		}
	}
	if s, ok := byID[lastID]; ok {
		switch {
		case s.card != "":
			return s, fmt.Sprintf("%sthe member's %s now holds card %s", lead, r.field, s.card)
		case strings.TrimSpace(s.rawCard) == "":
			return s, fmt.Sprintf("%sthe card number was removed from the member's %s", lead, r.field)
		default:
			return s, fmt.Sprintf("%sthe member's %s now holds %q, which is not a valid card number", lead, r.field, clip(s.rawCard))
		}
	}
	if head != nil {
		return head, lead + why(head)
	}
	if lastID != "" {
		return nil, lead + "member " + lastID + " is no longer in the Cardskipper export"
	}
	return nil, lead + "no member has this card number any more"
}

// byID indexes the members by id (the first of a repeated id).
func (r Result) byID() map[string]*state {
	m := make(map[string]*state, len(r.states))
	for i := range r.states {
		s := &r.states[i]
		if _, dup := m[s.id]; !dup && s.id != "" {
			m[s.id] = s
		}
	}
	return m
}

func why(s *state) string {
	if s.why != "" {
		return s.why
	}
	return "the member is not listed"
}

// zoneChange classifies a card on both lists.
func zoneChange(old, cur []int) (plan.Kind, string) {
	var added, removed []int
	for _, z := range cur {
		if !slices.Contains(old, z) {
			added = append(added, z)
		}
	}
	for _, z := range old {
		if !slices.Contains(cur, z) {
			removed = append(removed, z)
		}
	}
	now := " (now " + zoneList(cur) + ")"
	switch {
	case len(added) == 0 && len(removed) == 0:
		return plan.InSync, "on the accepted NTK list with zone(s) " + zoneList(cur)
	case len(removed) == 0:
		return plan.Extend, "zone(s) added: " + zoneList(added) + now
	case len(added) == 0:
		return plan.Shorten, "zone(s) removed: " + zoneList(removed) + now
	}
	return plan.Shorten, "zones changed: added " + zoneList(added) + ", removed " + zoneList(removed) + now
}

// Skipped is an item NextList did not apply.
type Skipped struct {
	Item   plan.Item
	Reason string
}

// NextList is the list to upload when the given items are applied: the last
// accepted list with the approved changes and nothing else. A card whose
// change is held (a revoke or shorten awaiting approval, or the guard
// tripped) keeps its accepted lines; a new card not approved stays off.
// Unchanged cards take the built lines (the member-id column may have been
// refreshed).
//
// An item is applied only if it still describes the change: same target,
// same kind and, for cards that stay on the list, the same reason (which
// spells out the zones); otherwise it is returned as skipped (stale) and its
// card keeps its accepted lines. Items of kinds that do not write are ignored.
func NextList(res Result, last List, apply []plan.Item) (List, []Skipped) {
	changes := res.changes(last)
	byCard := make(map[string]change, len(changes))
	for _, c := range changes {
		byCard[c.card] = c
	}
	approved := map[string]bool{}
	var skipped []Skipped
	for _, it := range apply {
		if !it.Kind.Writes() {
			continue
		}
		c, ok := byCard[it.Account]
		switch {
		case it.Target != res.name || it.System != res.system:
			skipped = append(skipped, Skipped{it, fmt.Sprintf("item of %s %q, not of NTK %q", it.System, it.Target, res.name)})
		case !ok:
			skipped = append(skipped, Skipped{it, fmt.Sprintf("stale: card %s is on neither list now", it.Account)})
		case c.kind != it.Kind:
			skipped = append(skipped, Skipped{it, fmt.Sprintf("stale: card %s is now %s (%s)", it.Account, c.kind, c.reason)})
		case c.kind != plan.Revoke && c.reason != it.Reason:
			skipped = append(skipped, Skipped{it, fmt.Sprintf("stale: card %s changed since planning (now: %s)", it.Account, c.reason)})
		default:
			approved[it.Account] = true
		}
	}
	// changes are in card order and each card's lines in zone order, so
	// the result is canonical as it is built.
	lines := make([]Line, 0, max(last.Len(), res.List.Len()))
	for _, c := range changes {
		if approved[c.card] || c.kind == plan.InSync {
			lines = append(lines, res.List.cardLines(c.card)...)
		} else {
			lines = append(lines, last.cardLines(c.card)...)
		}
	}
	return List{lines: lines}, skipped
}
