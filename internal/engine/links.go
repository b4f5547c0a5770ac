package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/source/cardskipper"
	"github.com/doorsync/doorsync/internal/target"
)

// LinkRequest is an operator's "account Account on Target is the member's
// with e-mail Email" (links add).
type LinkRequest struct {
	Email   member.Email
	Target  string
	Account string
	// MemberID names the member when several share the e-mail; when set
	// it must be a member with that e-mail.
	MemberID string
	// Force links although no member has the e-mail, the member's e-mail
	// differs, the terminal cannot be read, or the names share no word
	// (the refusal showed them).
	Force bool
}

// CheckedLink is a link ready to store, with what the operator should read.
type CheckedLink struct {
	Link     identity.Link
	Member   *member.Member  // nil when forced without one
	Account  *target.Account // nil when forced without reading the terminal
	Warnings []string
}

// CheckLink anchors an operator's link to a member: it reads the members
// (Cardskipper, else the last run's snapshot) and the account on its
// target, and returns the link with the member id and the names shown, or
// an error saying why not (naming the members, the account, the names).
// Nothing is stored.
func (e *Engine) CheckLink(ctx context.Context, req LinkRequest) (CheckedLink, error) {
	var out CheckedLink
	t := e.targetByName(req.Target)
	if t == nil {
		return out, fmt.Errorf("no target named %q is configured", req.Target)
	}
	members, warn, err := e.CurrentMembers(ctx)
	if err != nil && !req.Force {
		return out, fmt.Errorf("%w; add --force to link without checking the member", err)
	}
	if warn != "" {
		out.Warnings = append(out.Warnings, warn)
	}
	if err == nil {
		m, err := pickMember(members, req)
		var shared *sharedEmailError
		switch {
		case err != nil && errors.As(err, &shared):
			return out, err // --force cannot say which member
		case err != nil && !req.Force:
			return out, fmt.Errorf("%w; add --force to link it anyway", err)
		case err != nil:
			out.Warnings = append(out.Warnings, err.Error()+"; linked anyway (--force)")
		}
		out.Member = m
	}
	var found map[string]target.Account
	err = e.Try(ctx, req.Target, linkCheckLimit, func() error {
		var err error
		found, err = t.Lookup(ctx, []string{req.Account})
		return err
	})
	switch {
	case err != nil && !req.Force:
		return out, fmt.Errorf("read account %s on %s: %w; add --force to link without checking the account", req.Account, req.Target, err)
	case err != nil:
		out.Warnings = append(out.Warnings, fmt.Sprintf("account %s on %s was not checked (%v): linked anyway (--force)", req.Account, req.Target, err))
	default:
		a, ok := found[req.Account]
		if !ok {
			return out, fmt.Errorf("there is no account %s on %s", req.Account, req.Target)
		}
		out.Account = &a
	}
	l := identity.Link{Email: req.Email, Target: req.Target, Account: req.Account, Origin: identity.Confirmed}
	switch {
	case out.Member != nil:
		l.MemberID = out.Member.ID
	case req.MemberID != "":
		// Forced for a member not (or not yet) in Cardskipper: pinned to
		// the id asked for, never to whoever holds the e-mail.
		l.MemberID = req.MemberID
	}
	if owner, err := e.accountOwner(ctx, req.Target, req.Account, members); err != nil {
		return out, err
	} else if owner != nil && owner.ID != l.MemberID {
		taken := fmt.Sprintf("account %s on %s is %s's (member %s, %s): linking it to %s takes it from them",
			req.Account, req.Target, owner.Name(), owner.ID, emailText(owner.Email), linkedName(out.Member, req))
		if !req.Force {
			return out, fmt.Errorf("%s; add --force to do so", taken)
		}
		out.Warnings = append(out.Warnings, taken+" (--force)")
	}
	if out.Member != nil && out.Account != nil {
		mn, an := out.Member.Name(), out.Account.Name
		if !identity.ParseName(mn).Agrees(identity.ParseName(an)) && !req.Force {
			return out, fmt.Errorf("names differ: %s ≠ %s (member %s, account %s on %s); if they are the same person, add --force",
				mn, an, out.Member.ID, req.Account, req.Target)
		}
		// The operator has seen both names (here, or in the refusal):
		// the planner accepts them while both sides keep them.
		l.MemberName, l.AccountName = mn, an
	}
	out.Link = l
	return out, nil
}

// accountOwner is the member still in Cardskipper that the account on the
// target belongs to now — by a link pinning it, or by what the runs
// accepted — or nil.
func (e *Engine) accountOwner(ctx context.Context, targetName, account string, members []member.Member) (*member.Member, error) {
	if e.store == nil {
		return nil, nil
	}
	links, err := e.store.Links(ctx)
	if err != nil {
		return nil, err
	}
	accepted, err := e.store.Resolutions(ctx)
	if err != nil {
		return nil, err
	}
	var pin, acc string
	for _, l := range links {
		if l.Target == targetName && l.Account == account && l.MemberID != "" {
			pin = l.MemberID
		}
	}
	for _, r := range accepted {
		if r.Target == targetName && r.Account == account {
			acc = r.MemberID
		}
	}
	id := cmp.Or(pin, acc)
	for i := range members {
		if id != "" && members[i].ID == id {
			return &members[i], nil
		}
	}
	return nil, nil
}

func linkedName(m *member.Member, req LinkRequest) string {
	if m != nil {
		return fmt.Sprintf("%s (member %s)", m.Name(), m.ID)
	}
	return string(req.Email)
}

// linkCheckLimit bounds how long an operator waits for one terminal.
const linkCheckLimit = 15 * time.Second

// CurrentMembers reads the members for linking: Cardskipper now, else the
// snapshot of the last run (with a warning saying so).
func (e *Engine) CurrentMembers(ctx context.Context) ([]member.Member, string, error) {
	var ms []member.Member
	err := e.Try(ctx, "cardskipper", linkCheckLimit, func() error {
		var err error
		ms, err = e.source.Export(ctx, cardskipper.ExportQuery{OrganisationID: e.orgID})
		return err
	})
	if err == nil && len(ms) > 0 {
		return ms, "", nil
	}
	if err == nil {
		err = errors.New("Cardskipper returned no members")
	}
	if e.store == nil {
		return nil, "", fmt.Errorf("read the members: %w", err)
	}
	stored, taken, serr := e.store.Members(ctx)
	if serr != nil || len(stored) == 0 {
		return nil, "", fmt.Errorf("read the members: %w", err)
	}
	return stored, fmt.Sprintf("Cardskipper could not be read (%v): the members of %s were used", err, taken.In(e.zone).Format("2006-01-02 15:04")), nil
}

// pickMember finds the one member a link belongs to.
func pickMember(members []member.Member, req LinkRequest) (*member.Member, error) {
	var same []*member.Member
	var byID *member.Member
	for i := range members {
		m := &members[i]
		if m.Email == req.Email {
			same = append(same, m)
		}
		if req.MemberID != "" && m.ID == req.MemberID {
			byID = m
		}
	}
	switch {
	case req.MemberID != "" && byID == nil:
		return nil, fmt.Errorf("no member %s in Cardskipper", req.MemberID)
	case req.MemberID != "" && byID.Email != req.Email:
		return byID, fmt.Errorf("member %s (%s) has the e-mail %s, not %s", byID.ID, byID.Name(), emailText(byID.Email), req.Email)
	case req.MemberID != "":
		return byID, nil
	case len(same) == 1:
		return same[0], nil
	case len(same) == 0:
		return nil, fmt.Errorf("no member in Cardskipper has the e-mail %s", req.Email)
	}
	who := make([]string, len(same))
	for i, m := range same {
		who[i] = fmt.Sprintf("%s (%s)", m.ID, m.Name())
	}
	return nil, &sharedEmailError{fmt.Sprintf("%d members share the e-mail %s: %s; say which with --member", len(same), req.Email, strings.Join(who, ", "))}
}

// sharedEmailError: several members have the e-mail and none was named.
type sharedEmailError struct{ msg string }

func (e *sharedEmailError) Error() string { return e.msg }

func emailText(e member.Email) string {
	if e == "" {
		return "(none)"
	}
	return string(e)
}

// PinMembers sets each link's member id from the one member with its
// e-mail (an import's links), and says which could not be pinned.
func PinMembers(links []identity.Link, members []member.Member) (notes []string) {
	byEmail := map[member.Email][]*member.Member{}
	for i := range members {
		if m := &members[i]; m.Email != "" {
			byEmail[m.Email] = append(byEmail[m.Email], m)
		}
	}
	for i := range links {
		l := &links[i]
		if l.MemberID != "" {
			continue
		}
		switch ms := byEmail[l.Email]; len(ms) {
		case 1:
			l.MemberID = ms[0].ID
		case 0:
			notes = append(notes, fmt.Sprintf("%s → account %s: no member has this e-mail; linked by e-mail only", l.Email, l.Account))
		default:
			notes = append(notes, fmt.Sprintf("%s → account %s: %d members share this e-mail; link each with links add --member", l.Email, l.Account, len(ms)))
		}
	}
	return notes
}
