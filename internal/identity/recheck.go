package identity

import (
	"fmt"
	"slices"
	"strings"

	"github.com/doorsync/doorsync/internal/member"
)

// OtherAnchor says which member other than id an account is anchored to by
// member id. pin is the member a link pins the account to ("" for none);
// accepted the member an earlier run accepted it for ("" for none or no
// member). A pin decides alone (the admin linked the account since);
// otherwise the accepted member, when it is not id. The planner (which
// counts an accepted member only while it is in the export) and the
// re-check of a saved plan (Owners.Recheck) both ask this.
func OtherAnchor(id, pin, accepted string) (owner string, pinned bool) {
	if pin != "" {
		if pin == id {
			return "", true
		}
		return pin, true
	}
	if accepted != "" && accepted != id {
		return accepted, false
	}
	return "", false
}

// Claim is what one write item of a saved plan says: account Account on
// Target belongs to member MemberID ("" in plans made before member ids),
// whose e-mail is Email.
type Claim struct {
	Target   string
	Account  string
	MemberID string
	Email    member.Email
	// EmailWas is the member's e-mail at the last run when the plan noted
	// a change (plan.Item.EmailWas).
	EmailWas member.Email
	Name     string
	// IdentityChange: the item carries an identity change (plan.Item.Identity)
	// that the admin approves by applying it — exactly that change: the
	// account was WasMember's ("" none) when the plan was made.
	IdentityChange bool
	WasMember      string
}

// Owners indexes the stored links and the accepted resolutions, to check
// before writing that a saved plan's account still belongs to its member.
// Pure: built from values, no I/O; safe for concurrent use once built.
type Owners struct {
	// pin: target → account → the link pinning it to a member (the last
	// in link order, as the planner takes it).
	pin map[string]map[string]Link
	// byAccount: target → account → the links naming it.
	byAccount map[string]map[string][]Link
	// emailLinked: target → e-mail → it has a stored link there (then
	// an e-mail found on the terminal does not resolve it: Resolver).
	emailLinked map[string]map[member.Email]bool
	// accepted: target → account → what the last runs accepted.
	accepted map[string]map[string]Resolution
	// own: target → member id → the accounts anchored to the member
	// (accepted or pinned), in input order.
	own map[string]map[string][]string
	// members: member id → e-mail in Cardskipper (WithMembers); nil:
	// unknown.
	members map[string]member.Email
	// present: target → the accounts on it as last read (WithAccounts);
	// a target missing here: unknown.
	present map[string]map[string]bool
}

// WithMembers tells the check the members Cardskipper holds (the last
// export: id → e-mail): an item of a member not among them, or with an
// e-mail that is not the member's, is nobody's; an account accepted for a
// member still among them is never handed to another by e-mail (as the
// planner decides).
func (o *Owners) WithMembers(members map[string]member.Email) *Owners {
	o.members = members
	return o
}

// WithAccounts tells the check which accounts each target held when last
// read: an account anchored to a member that is gone from its target is
// not the member's account there any more.
func (o *Owners) WithAccounts(present map[string]map[string]bool) *Owners {
	o.present = present
	return o
}

// isMember reports whether id is in Cardskipper (true when unknown).
func (o *Owners) isMember(id string) bool {
	if o.members == nil {
		return true
	}
	_, ok := o.members[id]
	return ok
}

// onTarget reports whether the account is on the target (true when
// unknown).
func (o *Owners) onTarget(targetName, account string) bool {
	p, ok := o.present[targetName]
	return !ok || p[account]
}

func (o *Owners) addOwn(targetName, id, account string) {
	if o.own[targetName] == nil {
		o.own[targetName] = map[string][]string{}
	}
	if !slices.Contains(o.own[targetName][id], account) {
		o.own[targetName][id] = append(o.own[targetName][id], account)
	}
}

// NewOwners indexes links and accepted resolutions.
func NewOwners(links []Link, accepted []Resolution) *Owners {
	o := &Owners{pin: map[string]map[string]Link{}, byAccount: map[string]map[string][]Link{},
		emailLinked: map[string]map[member.Email]bool{}, accepted: map[string]map[string]Resolution{},
		own: map[string]map[string][]string{}}
	for _, l := range links {
		if l.Account == "" {
			continue
		}
		if o.byAccount[l.Target] == nil {
			o.byAccount[l.Target] = map[string][]Link{}
			o.pin[l.Target] = map[string]Link{}
			o.emailLinked[l.Target] = map[member.Email]bool{}
		}
		o.byAccount[l.Target][l.Account] = append(o.byAccount[l.Target][l.Account], l)
		if l.Email != "" {
			o.emailLinked[l.Target][l.Email] = true
		}
		if l.MemberID != "" {
			o.pin[l.Target][l.Account] = l
			o.addOwn(l.Target, l.MemberID, l.Account)
		}
	}
	for _, r := range accepted {
		if o.accepted[r.Target] == nil {
			o.accepted[r.Target] = map[string]Resolution{}
		}
		o.accepted[r.Target][r.Account] = r
		if r.MemberID != "" {
			o.addOwn(r.Target, r.MemberID, r.Account)
		}
	}
	return o
}

// NotOwnedError says that a saved plan's account no longer belongs to the
// item's member, and who it belongs to now.
type NotOwnedError struct {
	Claim Claim
	Now   string // who or what the account belongs to now
}

func (e *NotOwnedError) Error() string {
	who := fmt.Sprintf("<%s>", e.Claim.Email)
	if e.Claim.MemberID != "" {
		who = fmt.Sprintf("member %s %s", e.Claim.MemberID, who)
	}
	return fmt.Sprintf("account %s on %s no longer belongs to %s: %s", e.Claim.Account, e.Claim.Target, who, e.Now)
}

// Recheck decides whether c's account still belongs to c's member, from
// the links, the accepted resolutions, and field: the e-mail the account
// holds on the target as read just now ("" for none). Nil: it does;
// otherwise a *NotOwnedError saying whose it is now.
//
// By member id first: a link pinning the account decides; an earlier run's
// acceptance for this member ties it; one for another member refuses it,
// unless the item is the identity change the admin approves and the e-mail
// still ties the account. Then by e-mail: a link of the item's e-mail not
// pinned to a member, or the account's e-mail field (when no stored link
// says otherwise, as the planner resolves it). An item without a member id
// is checked by e-mail alone.
func (o *Owners) Recheck(c Claim, field member.Email) error {
	stale := func(now string) error { return &NotOwnedError{Claim: c, Now: now} }
	if c.MemberID != "" {
		if !o.isMember(c.MemberID) {
			return stale(fmt.Sprintf("there is no member %s in Cardskipper", c.MemberID))
		}
		if e, ok := o.members[c.MemberID]; ok && e != c.Email {
			return stale(fmt.Sprintf("member %s's e-mail in Cardskipper is %s, not %s: the item's member id and e-mail disagree",
				c.MemberID, emailOrNone(e), emailOrNone(c.Email)))
		}
		pin := o.pin[c.Target][c.Account]
		acc, seen := o.accepted[c.Target][c.Account]
		owner, pinned := OtherAnchor(c.MemberID, pin.MemberID, acc.MemberID)
		switch {
		case pinned && owner == "" && seen && acc.MemberID != "" && acc.MemberID != c.MemberID &&
			(!c.IdentityChange || acc.MemberID != c.WasMember):
			// A link gives the account to this member while the runs have
			// it as another's: only the change the plan showed (an import
			// taking it, held and approved), with the owner it showed.
			return stale(fmt.Sprintf("a link gives it to member %s, but the runs have it as member %s's%s and the plan did not show that change",
				c.MemberID, acc.MemberID, resolutionText(acc)))
		case pinned && owner == "":
			return o.sameMember(c, acc, seen)
		case pinned:
			return stale(fmt.Sprintf("a link pins it to member %s%s", owner, emailText(pin.Email)))
		case seen && acc.MemberID == c.MemberID:
			return o.sameMember(c, acc, seen)
		case c.IdentityChange && acc.MemberID != c.WasMember:
			// The change approved was from someone else: the account's
			// owner changed since the plan was made.
			return stale(fmt.Sprintf("it was %s when the plan was made and is %s now", memberOrNone(c.WasMember), memberOrNone(acc.MemberID)))
		case owner != "" && (!c.IdentityChange || (o.members != nil && o.isMember(owner)) || !o.emailTies(c, field)):
			// Another member's by an earlier run: only the change the plan
			// showed, from a member gone from Cardskipper, may take it.
			return stale(fmt.Sprintf("an earlier run accepted it as member %s's%s", owner, resolutionText(acc)))
		}
		// A member anchored to another account here has that one (the
		// planner never gives them a second by e-mail).
		var others []string
		for _, a := range o.own[c.Target][c.MemberID] {
			if o.onTarget(c.Target, a) {
				others = append(others, a)
			}
		}
		if len(others) > 0 && !slices.Contains(others, c.Account) {
			return stale(fmt.Sprintf("member %s's account here is %s", c.MemberID, strings.Join(others, ", ")))
		}
	} else if acc, ok := o.accepted[c.Target][c.Account]; ok && acc.MemberID != "" && acc.Email != c.Email {
		// An item without a member id (a plan from before them, or the id
		// edited out) ties by e-mail alone: not to another member's account.
		return stale(fmt.Sprintf("an earlier run accepted it as member %s's%s", acc.MemberID, resolutionText(acc)))
	}
	if o.emailTies(c, field) {
		return nil
	}
	return stale(o.notTied(c, field))
}

// sameMember checks, for an account anchored to c's member, that c's
// e-mail is the one the runs accepted for that member here (or the one the
// plan says it changed from). An item naming one member's id with another's
// e-mail (a hand edit) is refused: it is nobody's item. A link's e-mail is
// not asked: it stays as typed while the member's changes.
func (o *Owners) sameMember(c Claim, acc Resolution, seen bool) error {
	if !seen || acc.MemberID != c.MemberID || acc.Email == "" {
		return nil
	}
	known := acc.Email
	if _, ok := o.members[c.MemberID]; ok {
		return nil // checked against the member's e-mail in Cardskipper
	}
	if c.Email == known || (c.EmailWas != "" && c.EmailWas == known) {
		return nil
	}
	return &NotOwnedError{Claim: c, Now: fmt.Sprintf("member %s's e-mail here is %s, not %s: the item's member id and e-mail disagree",
		c.MemberID, known, emailOrNone(c.Email))}
}

// emailTies: a link of c's e-mail names the account (for an item with a
// member id, one pinned to no member: a pinned one was decided by member
// id), or the account's e-mail field is c's e-mail and no stored link ties
// the account to another e-mail or the e-mail to another account.
func (o *Owners) emailTies(c Claim, field member.Email) bool {
	if c.Email == "" {
		return false
	}
	if acc, ok := o.accepted[c.Target][c.Account]; ok && acc.IgnoredEmail == c.Email {
		return false // set aside by the admin: it finds no member here
	}
	links := o.byAccount[c.Target][c.Account]
	for _, l := range links {
		if l.Email == c.Email && (l.MemberID == "" || c.MemberID == "") {
			return true
		}
	}
	return field == c.Email && len(links) == 0 && !o.emailLinked[c.Target][c.Email]
}

// notTied says whose the account is when c's e-mail does not tie it.
func (o *Owners) notTied(c Claim, field member.Email) string {
	if acc, ok := o.accepted[c.Target][c.Account]; ok && c.Email != "" && acc.IgnoredEmail == c.Email {
		return fmt.Sprintf("the admin set the e-mail %s aside on it: it finds no member there", c.Email)
	}
	for _, l := range o.byAccount[c.Target][c.Account] {
		if l.Email != c.Email {
			return fmt.Sprintf("it is linked to %s", l.Email)
		}
	}
	switch {
	case field != "" && field != c.Email:
		return fmt.Sprintf("no link ties it to %s and its e-mail field holds %s", emailOrNone(c.Email), field)
	case field == c.Email && c.Email != "":
		return fmt.Sprintf("its e-mail field holds %s, but a stored link ties that e-mail to another account here", field)
	}
	return fmt.Sprintf("no link and no e-mail field on the target ties it to %s", emailOrNone(c.Email))
}

func memberOrNone(id string) string {
	if id == "" {
		return "no member's"
	}
	return "member " + id + "'s"
}

func emailText(e member.Email) string {
	if e == "" {
		return ""
	}
	return fmt.Sprintf(" <%s>", e)
}

func emailOrNone(e member.Email) string {
	if e == "" {
		return "the item (it has no e-mail)"
	}
	return string(e)
}

func resolutionText(r Resolution) string {
	switch {
	case r.Name != "" && r.Email != "":
		return fmt.Sprintf(" (%s <%s>)", r.Name, r.Email)
	case r.Email != "":
		return fmt.Sprintf(" <%s>", r.Email)
	case r.Name != "":
		return fmt.Sprintf(" (%s)", r.Name)
	}
	return ""
}
