package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
)

// anchors are what ties accounts on one target to members by member id
// rather than by e-mail: links pinned to a member, and what the last runs
// accepted (Input.Previous). Resolution goes by member id first, e-mail
// second, so an account stays with its member through an e-mail change
// (a revoke cannot be dodged that way), and an e-mail that moves to
// another member does not bring that member someone else's account.
type anchors struct {
	// prev: account → what the last runs accepted for it; known says the
	// target has been seen by an earlier run at all (else every account
	// is new and nothing counts as a change).
	prev  map[string]identity.Resolution
	known bool
	// pinned: account → the member id a link pins it to.
	pinned map[string]string
	// byMember: member id → its accounts here: pinned by a link (present
	// or not: a linked account gone is reported) or accepted earlier
	// (present only), in account order.
	byMember map[string][]identity.Match
	// prevOf: member id → the accounts accepted for it, present or not.
	prevOf map[string][]string
	// confirmed: account → the confirmed links naming it (the names the
	// admin was shown).
	confirmed map[string][]identity.Link
}

// identityOrigin marks a match found by member id from what an earlier
// run accepted (the member's e-mail no longer finds the account): shown as
// "link: accepted".
const identityOrigin identity.Origin = "accepted"

func (tp *targetPlan) makeAnchors() {
	name := tp.info.Name
	a := anchors{prev: map[string]identity.Resolution{}, pinned: map[string]string{},
		byMember: map[string][]identity.Match{}, prevOf: map[string][]string{}, confirmed: map[string][]identity.Link{}}
	for _, l := range tp.linksOf[name] {
		if l.Account == "" {
			continue
		}
		if l.Origin == identity.Confirmed || l.Origin == "" {
			a.confirmed[l.Account] = append(a.confirmed[l.Account], l)
		}
		if l.MemberID == "" {
			continue
		}
		a.pinned[l.Account] = l.MemberID
		origin := cmpOrigin(l.Origin)
		if !slices.ContainsFunc(a.byMember[l.MemberID], func(x identity.Match) bool { return x.Account == l.Account }) {
			a.byMember[l.MemberID] = append(a.byMember[l.MemberID], identity.Match{Account: l.Account, MemberID: l.MemberID, Origin: origin})
		}
	}
	for _, r := range tp.previousOf[name] {
		a.known = true
		a.prev[r.Account] = r
		if r.MemberID == "" {
			continue
		}
		a.prevOf[r.MemberID] = append(a.prevOf[r.MemberID], r.Account)
		if pin, ok := a.pinned[r.Account]; ok && pin != r.MemberID {
			continue // the admin linked it to someone else since
		}
		if _, ok := tp.position(r.Account); !ok {
			continue // gone from the target: history, not an account
		}
		if !slices.ContainsFunc(a.byMember[r.MemberID], func(x identity.Match) bool { return x.Account == r.Account }) {
			a.byMember[r.MemberID] = append(a.byMember[r.MemberID], identity.Match{Account: r.Account, MemberID: r.MemberID, Origin: identityOrigin})
		}
	}
	tp.anchors = a
}

func cmpOrigin(o identity.Origin) identity.Origin {
	if o == "" {
		return identity.Confirmed
	}
	return o
}

// claimed reports whether account belongs to a member other than id: a
// link pins it to them, or an earlier run accepted it for a member still in
// the export.
// identity.OtherAnchor is the one rule, shared with the re-check of a saved
// plan before writing (identity.Owners).
func (tp *targetPlan) claimed(account, id string) bool {
	owner, pinned := identity.OtherAnchor(id, tp.anchors.pinned[account], tp.anchors.prev[account].MemberID)
	return owner != "" && (pinned || tp.exists[owner])
}

// setAside reports whether the admin set email aside on account: it finds
// no member there.
func (tp *targetPlan) setAside(account string, email member.Email) bool {
	p, ok := tp.anchors.prev[account]
	return ok && email != "" && p.IgnoredEmail == email
}

// free are the e-mail's matches that may be member id's: unpinned, or
// pinned to it, and not another member's.
func (tp *targetPlan) free(matches []identity.Match, m entry) []identity.Match {
	id := m.ID
	ok := func(x identity.Match) bool {
		return (x.MemberID == "" || x.MemberID == id) && !tp.claimed(x.Account, id) && !tp.setAside(x.Account, m.Email)
	}
	i := 0
	for i < len(matches) && ok(matches[i]) {
		i++
	}
	if i == len(matches) {
		return matches[:i:i] // all free, as almost always: no copy (callers append to a full slice only)
	}
	out := slices.Clone(matches[:i])
	for _, x := range matches[i+1:] {
		if ok(x) {
			out = append(out, x)
		}
	}
	return out
}

// resolve plans a member with an e-mail of its own: by member id first;
// by e-mail when nothing is anchored to the member. What changed since the
// accepted resolutions is said in the item and holds it.
func (tp *targetPlan) resolve(m entry, matches []identity.Match) {
	byID := slices.Clone(tp.anchors.byMember[m.ID])
	byEmail := tp.free(matches, m)
	var changes []string
	if len(byID) > 0 {
		var extra []string
		for _, x := range byEmail {
			if i := slices.IndexFunc(byID, func(y identity.Match) bool { return y.Account == x.Account }); i >= 0 {
				if byID[i].Origin == identityOrigin {
					byID[i].Origin = x.Origin // still found by its e-mail: say how
				}
				continue
			}
			if tp.use(x) != nil {
				extra = append(extra, x.Account)
			}
		}
		// A link (an import: a confirmed link made the runs' record
		// follow it at once) that takes an account from a member still
		// in Cardskipper is a change to hold.
		for _, x := range byID {
			if p, ok := tp.anchors.prev[x.Account]; ok && p.MemberID != "" && p.MemberID != m.ID && tp.exists[p.MemberID] {
				changes = append(changes, fmt.Sprintf("account %s was %s at the last run; now %s gives it to %s",
					tp.accountText(x.Account), prevMember(p, tp.exists), originText(x.Origin, m), memberText(m)))
			}
		}
		n := len(tp.items)
		tp.pair(m, byID, changes)
		if len(extra) > 0 {
			// The member's own account goes on as usual; each other
			// account the e-mail now finds is held on its own, never
			// written, until the admin settles it (approving it sets the
			// e-mail aside there, IgnoreEmail).
			own := tp.accountsText(accountsOf(byID))
			for _, a := range extra {
				tp.extraItems = append(tp.extraItems, tp.alsoFound(m, a, own))
			}
			if it := tp.itemSince(n); it != nil {
				it.Reason += fmt.Sprintf("; its e-mail also finds %s, held there for the admin", tp.accountsText(extra))
			}
		}
		return
	}
	if tp.anchors.known {
		for _, x := range byEmail {
			p, seen := tp.anchors.prev[x.Account]
			if !seen || p.MemberID == m.ID {
				continue
			}
			changes = append(changes, fmt.Sprintf("account %s was %s at the last run; now %s claims it through %s",
				tp.accountText(x.Account), prevMember(p, tp.exists), memberText(m), originText(x.Origin, m)))
		}
		if olds := tp.anchors.prevOf[m.ID]; len(olds) > 0 && len(byEmail) > 0 {
			changes = append(changes, fmt.Sprintf("the member's account here was %s, no longer on the target; now %s",
				strings.Join(olds, ", "), tp.accountsText(accountsOf(byEmail))))
		}
	}
	n := len(tp.items)
	tp.pair(m, byEmail, changes)
	if len(byEmail) == 0 && len(matches) > 0 {
		// The e-mail finds accounts that are someone else's: say whose,
		// so that a missing item does not look like a forgotten link.
		if last := tp.itemSince(n); last != nil && last.Kind == Missing {
			var whose []string
			for _, x := range matches {
				whose = append(whose, fmt.Sprintf("%s, which is %s", tp.accountText(x.Account), tp.ownerText(x.Account, m.Email)))
			}
			last.Reason += fmt.Sprintf("; the e-mail %s finds %s", m.Email, strings.Join(whose, "; "))
		}
	}
}

// itemSince is the item pair added for the member after the target's
// list held n items, nil when it added none (an inactive member with no
// account here gets none: the item before is another member's, or there
// is none at all).
func (tp *targetPlan) itemSince(n int) *Item {
	if len(tp.items) == n {
		return nil
	}
	return &tp.items[len(tp.items)-1]
}

// ownerText says whose an account claimed by another member is.
func (tp *targetPlan) ownerText(account string, email member.Email) string {
	if tp.setAside(account, email) {
		return "no member's: the admin set the e-mail aside there"
	}
	if pin, ok := tp.anchors.pinned[account]; ok {
		return fmt.Sprintf("member %s's by a confirmed link", pin)
	}
	if p, ok := tp.anchors.prev[account]; ok && p.MemberID != "" {
		return prevMember(p, tp.exists)
	}
	return "another member's"
}

// alsoFound is the held item of an account that a member's e-mail finds
// besides the member's own: who it was, and that it is never written.
func (tp *targetPlan) alsoFound(m entry, account, own string) Item {
	a, _ := tp.account(account)
	it := Item{Kind: Unlinked, Email: m.Email, Target: tp.info.Name, System: tp.info.System, Account: a.ID, AccountName: a.Name,
		Permanent: a.Permanent, Reason: "never touched"}
	if !a.End.IsZero() {
		it.CurrentEnd = LocalTime{a.End.In(tp.in.Zone)}
	}
	was := "seen for the first time"
	if p, ok := tp.anchors.prev[account]; ok {
		was = prevMember(p, tp.exists) + " at the last run"
	}
	tp.hold(&it, []string{fmt.Sprintf("the e-mail %s of %s now also finds this account (%s), but their account here is %s; "+
		"approve to set the e-mail aside on this account, or fix it on the terminal", m.Email, memberText(m), was, own)})
	return it // never writes: no decision to make
}

func accountsOf(ms []identity.Match) []string {
	out := make([]string, len(ms))
	for i, x := range ms {
		out[i] = x.Account
	}
	return out
}

func (tp *targetPlan) accountText(id string) string {
	if a, ok := tp.account(id); ok && a.Name != "" {
		return fmt.Sprintf("%s (%s)", id, a.Name)
	}
	return id
}

func (tp *targetPlan) accountsText(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = tp.accountText(id)
	}
	return strings.Join(out, ", ")
}

func memberText(m entry) string {
	return fmt.Sprintf("%s (member %s)", m.name, m.ID)
}

// prevMember says who an account belonged to at the last run.
func prevMember(p identity.Resolution, exists map[string]bool) string {
	if p.MemberID == "" {
		return "no member's"
	}
	s := fmt.Sprintf("%s's (member %s, %s", p.Name, p.MemberID, p.Email)
	if !exists[p.MemberID] {
		s += ", no longer in Cardskipper"
	}
	return s + ")"
}

func originText(o identity.Origin, m entry) string {
	switch o {
	case identity.Terminal:
		return fmt.Sprintf("the e-mail %s found on the terminal", m.Email)
	case identity.Imported:
		return fmt.Sprintf("the imported link of %s", m.Email)
	default:
		return fmt.Sprintf("the link of %s", m.Email)
	}
}

// checkIdentity adds what the accepted resolutions and the names say about
// a member's one account: an e-mail changed under the same resolution is
// noted; names that share no part hold the item unless the admin was shown
// them when the link was confirmed (or approved such an item before).
func (tp *targetPlan) checkIdentity(it *Item, m entry, acc accountRef, changes []string) {
	p, seen := tp.anchors.prev[acc.ID]
	if seen && p.MemberID == m.ID && p.Email != "" && p.Email != m.Email {
		it.EmailWas = p.Email
		if m.Email == "" {
			it.Reason += fmt.Sprintf("; the member's e-mail %s was removed in Cardskipper: the account stays theirs", p.Email)
		} else {
			it.Reason += fmt.Sprintf("; e-mail changed from %s to %s: same member, same account", p.Email, m.Email)
		}
	}
	// Most names are typed alike, or differ in case and diacritics only
	// (ZIGA CEH): no keys are made for them.
	if acc.Name != "" && !strings.EqualFold(m.name, acc.Name) && !member.SameFoldedName(m.name, acc.Name) {
		mk, ak := identity.ParseName(m.name), identity.ParseName(acc.Name)
		if !mk.Agrees(ak) && !tp.namesShown(m, mk, acc, ak) {
			changes = append(changes, fmt.Sprintf("name differs: %s ≠ %s", m.name, acc.Name))
		}
	}
	tp.hold(it, changes)
}

// hold marks an item whose identity the admin must confirm: its reason
// starts with what changed, and no policy applies it.
func (tp *targetPlan) hold(it *Item, changes []string) {
	if len(changes) == 0 {
		return
	}
	it.Identity = strings.Join(changes, "; ")
	it.Reason = "identity: " + it.Identity + "; " + it.Reason
	if it.Account != "" {
		it.WasMember = tp.anchors.prev[it.Account].MemberID
	}
}

// accountRef is the account an item is about.
type accountRef struct{ ID, Name string }

// namesShown: the admin confirmed this member ↔ account with these names
// in front of them (a confirmed link recording them), or approved it so
// at an earlier run.
func (tp *targetPlan) namesShown(m entry, memberName identity.Name, acc accountRef, accName identity.Name) bool {
	for _, l := range tp.anchors.confirmed[acc.ID] {
		if (l.MemberID == m.ID || (l.MemberID == "" && l.Email == m.Email)) && (l.MemberName != "" || l.AccountName != "") &&
			identity.ParseName(l.MemberName).Same(memberName) && identity.ParseName(l.AccountName).Same(accName) {
			return true
		}
	}
	p, ok := tp.anchors.prev[acc.ID]
	return ok && p.MemberID == m.ID && identity.ParseName(p.Name).Same(memberName) && identity.ParseName(p.AccountName).Same(accName)
}

// anchoredMembers are the member ids some target anchors an account to: a
// member without a usable e-mail is still planned by id on those (an
// e-mail removed in Cardskipper must not free the account).
func (b *builder) anchoredMembers() map[string]bool {
	live := map[string]bool{}
	for _, tp := range b.live {
		live[tp.info.Name] = true
	}
	out := map[string]bool{}
	for _, l := range b.in.Links {
		if l.MemberID != "" && live[l.Target] {
			out[l.MemberID] = true
		}
	}
	for _, r := range b.in.Previous {
		if r.MemberID != "" && live[r.Target] {
			out[r.MemberID] = true
		}
	}
	return out
}
