package member

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Member is one person of the source (Cardskipper), as the sync needs it.
type Member struct {
	ID        string // OrganisationMemberId: what the club calls the member number
	Email     Email  // normalised; "" if the member has none
	RawEmail  string // as exported, for messages
	FirstName string
	LastName  string
	Inactive  bool
	Roles     []Role
	Tags      []string
	Extra     [3]string // Extra1..3: free fields (e.g. a card number)
	Problems  []string  // data problems found while decoding (bad dates, bad e-mail)
}

// Name is "First Last" as the club wrote it.
func (m Member) Name() string {
	return strings.TrimSpace(m.FirstName + " " + m.LastName)
}

// Label names the member in messages: the name, the member number and the
// e-mail as exported, whichever are known.
func (m Member) Label() string {
	parts := []string{}
	if n := m.Name(); n != "" {
		parts = append(parts, n)
	}
	if m.ID != "" {
		parts = append(parts, "member "+m.ID)
	}
	if m.RawEmail != "" {
		parts = append(parts, "<"+m.RawEmail+">")
	}
	if len(parts) == 0 {
		return "unnamed member"
	}
	return strings.Join(parts, " ")
}

// Role is one membership period ("valid from/to") of one role in one
// organisation. End is inclusive.
type Role struct {
	OrganisationID int
	RoleID         int
	Start          Date
	End            Date
}

// Rule says which roles count toward validity (cardskipper-api.md →
// Validity rule).
type Rule struct {
	OrganisationIDs []int // the configured organisation and, if wanted, its children
	RoleIDs         []int // empty: every role of those organisations counts
}

// Counts reports whether r counts under the rule.
func (rule Rule) Counts(r Role) bool {
	if !slices.Contains(rule.OrganisationIDs, r.OrganisationID) {
		return false
	}
	return len(rule.RoleIDs) == 0 || slices.Contains(rule.RoleIDs, r.RoleID)
}

// Validity is what the rule makes of a member.
type Validity struct {
	// ValidToday: not inactive and some counting role has Start ≤ today ≤ End.
	ValidToday bool
	// End is the desired end: the latest End of the counting roles (zero if
	// none). It is set for inactive members too, so a caller can show it.
	End Date
	// Starts is the earliest start of a counting role that begins after
	// today (zero if none): a membership bought ahead opens the door then.
	Starts Date
	// Counting is the number of roles that count.
	Counting int
	// Invalid lists data errors in counting roles (an end before its start);
	// such roles are ignored for End and ValidToday.
	Invalid []string
}

// Evaluate applies the rule to the member on the given day.
func (rule Rule) Evaluate(m Member, today Date) Validity {
	var v Validity
	for _, r := range m.Roles {
		if !rule.Counts(r) {
			continue
		}
		if r.End.IsZero() || r.Start.IsZero() {
			v.Invalid = append(v.Invalid, fmt.Sprintf("role %d: missing start or end date", r.RoleID))
			continue
		}
		if r.End.Before(r.Start) {
			v.Invalid = append(v.Invalid, fmt.Sprintf("role %d: ends %s before it starts %s", r.RoleID, r.End, r.Start))
			continue
		}
		v.Counting++
		if r.End.After(v.End) {
			v.End = r.End
		}
		if !m.Inactive && !today.Before(r.Start) && !today.After(r.End) {
			v.ValidToday = true
		}
		if r.Start.After(today) && (v.Starts.IsZero() || r.Start.Before(v.Starts)) {
			v.Starts = r.Start
		}
	}
	return v
}

// Today is the calendar date of now in loc. Callers get now from an injected
// clock.
func Today(now time.Time, loc *time.Location) Date { return DateOf(now, loc) }
