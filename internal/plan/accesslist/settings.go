package accesslist

import (
	"fmt"
	"time"
)

// Settings say how members become the lines of one target's list. The
// composition root makes them of the configuration; this package knows no
// configuration format.
type Settings struct {
	// Name and System are the target's (target.Info): they name the plan
	// items and the messages.
	Name   string
	System string
	// CardField is the member field holding the card number: "extra1",
	// "extra2" or "extra3" (member.Member.Extra[0..2]).
	CardField string
	// Zones maps a role id to the zones its holders get (0..MaxZone).
	Zones map[int][]int
	// StudentRoles: holders of these roles (today, in one of the rule's
	// organisations) are students and get StudentZone.
	StudentRoles []int
	// StudentTags: members with one of these tags are students too
	// (compared without regard to case or surrounding space).
	StudentTags []string
	// MinInterval is the least time between two uploads of a changed list
	// (ShouldUpload); not positive: DefaultMinInterval.
	MinInterval time.Duration
}

// cardField is the index into member.Member.Extra of the card field.
func (s Settings) cardField() (int, error) {
	switch s.CardField {
	case "extra1":
		return 0, nil
	case "extra2":
		return 1, nil
	case "extra3":
		return 2, nil
	}
	return 0, fmt.Errorf("card_field %q: want extra1, extra2 or extra3", s.CardField)
}
