package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// lastPlanInputsKey holds InputsTag of the plan RememberPlan kept.
const lastPlanInputsKey = "lastplan.inputs"

// InputsTag fingerprints what a plan is made of besides the snapshots and
// the day: the links, the rule, the policy, the zone, the targets (read or
// held), the whole-list targets' settings and the lists they last
// accepted. A kept plan whose
// tag differs from the current one would mislead (a link removed since, a
// target taken out). The ends the sync wrote are left out on purpose: its
// own writes after the plan was made change them, and planning the same
// snapshots again would only mark those accounts as drifted.
func (e *Engine) InputsTag(ctx context.Context) (string, error) {
	h := sha256.New()
	links, err := e.store.Links(ctx)
	if err != nil {
		return "", fmt.Errorf("inputs of the plan: %w", err)
	}
	for _, l := range links {
		fmt.Fprintf(h, "link %q %q %q %q %q\n", l.Email, l.Target, l.Account, l.MemberID, l.Origin)
	}
	fmt.Fprintf(h, "rule %v %v %v\npolicy %v\nzone %s\n", e.rule.OrganisationIDs, e.rule.RoleIDs, e.children, e.policy, e.zone)
	for _, t := range e.targets {
		// Name and system only: the range a terminal advertises is known
		// only once it was asked (the kept plan had it).
		i := t.Info()
		if e.held[i.Name] != nil {
			fmt.Fprintf(h, "held %q\n", i.Name)
			continue
		}
		fmt.Fprintf(h, "target %q %q\n", i.Name, i.System)
	}
	for _, l := range e.lists {
		s := l.settings()
		fmt.Fprintf(h, "%s %q %q %v %v %v %v\n", s.System, s.Name, s.CardField, s.Zones, s.StudentRoles, s.StudentTags, l.held != nil)
		accepted, _, err := e.store.State(ctx, l.keys().accepted)
		if err != nil {
			return "", fmt.Errorf("inputs of the plan: %w", err)
		}
		fmt.Fprintf(h, "accepted %x\n", sha256.Sum256([]byte(accepted)))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// KeptPlanCurrent says whether the plan RememberPlan kept was made from the
// inputs the engine would use now (InputsTag).
func (e *Engine) KeptPlanCurrent(ctx context.Context) (bool, error) {
	kept, ok, err := e.store.State(ctx, lastPlanInputsKey)
	if err != nil || !ok {
		return false, err
	}
	now, err := e.InputsTag(ctx)
	return err == nil && now == kept, err
}
