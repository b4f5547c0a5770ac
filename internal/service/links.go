package service

import (
	"context"
	"fmt"

	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// Links are the stored links.
func (s *Service) Links(ctx context.Context) ([]identity.Link, error) { return s.store.Links(ctx) }

// CheckTarget makes sure a target name is configured (and not held out of
// the session).
func (s *Service) CheckTarget(name string) error {
	var names []string
	for _, t := range s.session.clients.reading() {
		if t.Info().Name == name {
			return nil
		}
		names = append(names, t.Info().Name)
	}
	return fmt.Errorf("no target named %q is configured (targets: %v)", name, names)
}

// LinkAdded is a link `links add` stored, with what the operator should
// read.
type LinkAdded struct {
	Link     identity.Link
	Member   *member.Member  // nil when forced without one
	Account  *target.Account // nil when forced without reading the terminal
	Warnings []string
}

// Link stores an operator's link once engine.CheckLink anchored it to a
// member and found the account on its target; a link that makes an account
// another member's too is stored with a warning (the planner then holds
// both as ambiguous). The link is recorded as made by the service's user.
func (s *Service) Link(ctx context.Context, req engine.LinkRequest, note string) (LinkAdded, error) {
	checked, err := s.session.eng.CheckLink(ctx, req)
	if err != nil {
		return LinkAdded{}, fmt.Errorf("not linked: %w", err)
	}
	out := LinkAdded{Member: checked.Member, Account: checked.Account, Warnings: checked.Warnings}
	existing, err := s.store.Links(ctx)
	if err != nil {
		return out, err
	}
	for _, x := range existing {
		// Two members on one account: the planner holds both as
		// ambiguous. The same member's older link is no conflict.
		other := x.MemberID != checked.Link.MemberID && (x.MemberID != "" || x.Email != req.Email)
		if x.MemberID == "" && checked.Link.MemberID == "" {
			other = x.Email != req.Email
		}
		if x.Target == req.Target && x.Account == req.Account && other {
			out.Warnings = append(out.Warnings, fmt.Sprintf("account %s on %s is also linked to %s%s; until one link is removed both members are ambiguous and nothing is written to the account",
				req.Account, req.Target, x.Email, memberSuffix(x.MemberID)))
		}
	}
	l := checked.Link
	l.CreatedAt, l.CreatedBy, l.Note = s.clock.Now(), s.user, note
	if err := s.store.AddLink(ctx, l); err != nil {
		return out, err
	}
	out.Link = l
	return out, nil
}

func memberSuffix(id string) string {
	if id == "" {
		return ""
	}
	return " (member " + id + ")"
}

// RemoveLinks deletes the stored links of e-mail e to account on target
// and says how many there were.
func (s *Service) RemoveLinks(ctx context.Context, e member.Email, target, account string) (int, error) {
	return s.store.RemoveLink(ctx, e, target, account)
}

// AddLink stores a link the operator confirmed in the console, recorded
// as made by the service's user when the console did not say.
func (s *Service) AddLink(ctx context.Context, l identity.Link) error {
	if l.CreatedBy == "" {
		l.CreatedBy = s.user
	}
	return s.store.AddLink(ctx, l)
}

// RemoveLink deletes a stored link (the console's undo of a confirmation);
// an error when no such link is stored.
func (s *Service) RemoveLink(ctx context.Context, l identity.Link) error {
	n, err := s.store.RemoveLink(ctx, l.Email, l.Target, l.Account)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("no link <%s> → %s account %s is stored", l.Email, l.Target, l.Account)
	}
	return nil
}
