package accesslist

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

// maxMemberIDColumn bounds the member-id column: a longer id is left out of
// the line rather than sent (the column is only for our own tracing).
const maxMemberIDColumn = 64

// Problem is a member that should be on the list and is not, and why.
type Problem struct {
	// Kind is plan.Invalid (bad card number or zone), plan.Ambiguous (the
	// card is on several members valid today) or plan.Missing (valid today
	// with NTK zones but without a card number).
	Kind     plan.Kind
	MemberID string
	Name     string
	Email    member.Email
	Label    string      // names the member in messages (member.Member.Label)
	Card     string      // the normalised card number; "" when there is none or it is invalid
	End      member.Date // the member's desired end (member.Validity.End)
	Reason   string
}

func (p Problem) String() string { return p.Label + ": " + p.Reason }

// Result is an access list built from the members, with what was left out.
type Result struct {
	List     List
	Problems []Problem
	Today    member.Date

	name   string            // the target's name and system (Settings), for the items
	system string            //
	field  string            // the card field, for messages ("extra2")
	states []state           // one per member, in member order
	byCard map[string]*state // normalised card → first member holding it (valid or not), chained by next
}

// state is one member as the builder saw it. It keeps the member's strings
// (no copies) and makes names only when a message needs them: a list of
// 100,000 members must build in well under a second.
type state struct {
	id, first, last, rawEmail string
	email                     member.Email
	end                       member.Date
	rawCard                   string
	card                      string // normalised; "" when empty or invalid
	zones                     []int  // zones granted today (zone 0 for students)
	valid                     bool   // valid today with a card: competes for it
	listed                    bool
	why                       string // why not listed, for revoke reasons
	next                      *state // the next member with the same card
}

func (s *state) name() string {
	return member.Member{FirstName: s.first, LastName: s.last}.Name()
}

func (s *state) label() string {
	return member.Member{ID: s.id, FirstName: s.first, LastName: s.last, RawEmail: s.rawEmail}.Label()
}

// Build makes the access list of the day: the members valid today (rule),
// each card from the configured member field with the zones of its roles
// valid today (set.Zones, union over the roles) plus zone 0 for students
// (set.StudentRoles held today, or a tag in set.StudentTags). Every line is
// validated by the spec; members whose data cannot make a valid line are
// reported in Problems instead and never sent.
//
// Only a misconfiguration (an unknown card field) is an error; bad member
// data never is. The Result refers to the members' strings; it does not
// keep the slice.
func Build(members []member.Member, set Settings, rule member.Rule, today member.Date) (Result, error) {
	fieldIdx, err := set.cardField()
	if err != nil {
		return Result{}, err
	}
	zr := newZoneRule(set, rule)
	r := Result{Today: today, name: set.Name, system: set.System, field: set.CardField, states: make([]state, len(members)),
		byCard: make(map[string]*state, len(members))}
	tails := make(map[string]*state) // last member of each card's chain, when it has more than one
	var arena []int                  // backing store of every member's zones
	for i := range members {
		m := &members[i]
		s := &r.states[i]
		v := rule.Evaluate(*m, today)
		*s = state{id: m.ID, first: m.FirstName, last: m.LastName, rawEmail: m.RawEmail, email: m.Email,
			end: v.End, rawCard: m.Extra[fieldIdx]}
		card, cerr := NormalizeCard(s.rawCard)
		if cerr == nil && card != "" {
			s.card = card
			if head, ok := r.byCard[card]; !ok {
				r.byCard[card] = s
			} else {
				tail := tails[card]
				if tail == nil {
					tail = head
				}
				tail.next, tails[card] = s, s
			}
		}
		if !v.ValidToday {
			s.why = notValid(m, v, today)
			continue
		}
		start := len(arena)
		arena = zr.appendZones(arena, m, today)
		s.zones = arena[start:len(arena):len(arena)]
		switch {
		case cerr != nil:
			s.why = "its card number in " + set.CardField + " is invalid"
			r.report(s, plan.Invalid, "", fmt.Sprintf("%s: %v; not on the NTK list", set.CardField, cerr))
		case card == "" && len(s.zones) > 0:
			r.report(s, plan.Missing, "", fmt.Sprintf("valid today with NTK zone(s) %s but no card number in %s; not on the NTK list",
				zoneList(s.zones), set.CardField))
		case card == "":
			// Valid, but neither a card nor a zone: not an NTK user at all.
			s.why = "no card number in " + set.CardField + " and no role valid today that grants an NTK zone"
		default:
			// Every member valid today competes for the card, with or
			// without zones: a card belongs to one person.
			s.valid = true
		}
	}
	lines := make([]Line, 0, len(members)+len(members)/8)
	var buf []byte
	for i := range r.states {
		s := &r.states[i]
		if !s.valid || r.firstValid(s.card) != s {
			continue
		}
		if holders := r.validHolders(s.card); len(holders) > 1 {
			for _, h := range holders {
				h.why = "the card is on " + strconv.Itoa(len(holders)) + " members valid today"
				r.report(h, plan.Ambiguous, h.card, fmt.Sprintf("card %s is also on %s; left out of the NTK list until only one member has it",
					h.card, others(holders, h)))
			}
			continue
		}
		if len(s.zones) == 0 {
			// A card, but no role valid today that grants an NTK zone:
			// not eligible, so not missing either (issue 13 §15); only a
			// card that leaves the list says why.
			s.why = "none of its roles valid today maps to an NTK zone"
			continue
		}
		col := memberColumn(s.id)
		n := len(lines)
		var bad []string
		for _, z := range s.zones {
			l := Line{Card: s.card, Zone: z, MemberID: col}
			buf = l.append(buf[:0])
			// Every line is checked exactly as NTK checks it, whatever
			// produced it (a hand-built config can hold zone 100000).
			if err := checkLine(buf); err != nil {
				bad = append(bad, err.Error())
				continue
			}
			lines = append(lines, l)
		}
		if len(bad) > 0 {
			r.report(s, plan.Invalid, s.card, "line(s) left out of the NTK list: "+strings.Join(bad, "; "))
		}
		if len(lines) > n {
			s.listed = true
		} else {
			s.why = "none of its lines is valid"
		}
	}
	// Lines are unique per (card, zone) here: no stable sort needed.
	slices.SortFunc(lines, compareLines)
	r.List = List{lines: lines}
	slices.SortStableFunc(r.Problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.MemberID, b.MemberID), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Card, b.Card))
	})
	return r, nil
}

// firstValid is the first member valid today holding card.
// Why says why the member with this id is not on the list, in a reader's
// words ("none of its roles valid today maps to an NTK zone"); "" when it
// is listed, or not known to the list.
func (r *Result) Why(memberID string) string {
	for i := range r.states {
		if s := &r.states[i]; s.id == memberID && !s.listed {
			return s.why
		}
	}
	return ""
}

func (r *Result) firstValid(card string) *state {
	for s := r.byCard[card]; s != nil; s = s.next {
		if s.valid {
			return s
		}
	}
	return nil
}

// validHolders are the members valid today holding card, ordered by member
// id so that messages do not depend on the export's order.
func (r *Result) validHolders(card string) []*state {
	var hs []*state
	for s := r.byCard[card]; s != nil; s = s.next {
		if s.valid {
			hs = append(hs, s)
		}
	}
	if len(hs) > 1 {
		slices.SortStableFunc(hs, func(a, b *state) int { return cmp.Compare(a.id, b.id) })
	}
	return hs
}

// listedHolder is the member whose lines for card are on the list.
func (r *Result) listedHolder(card string) *state {
	for s := r.byCard[card]; s != nil; s = s.next {
		if s.listed {
			return s
		}
	}
	return nil
}

func (r *Result) report(s *state, kind plan.Kind, card, reason string) {
	r.Problems = append(r.Problems, Problem{Kind: kind, MemberID: s.id, Name: s.name(), Email: s.email,
		Label: s.label(), Card: card, End: s.end, Reason: reason})
}

// zoneRule turns a member's roles and tags into zones.
type zoneRule struct {
	rule         member.Rule
	zones        map[int][]int // role id → zones (Settings.Zones)
	studentRoles []int
	studentTags  map[string]bool
}

func newZoneRule(set Settings, rule member.Rule) zoneRule {
	zr := zoneRule{rule: rule, zones: set.Zones, studentRoles: set.StudentRoles,
		studentTags: make(map[string]bool, len(set.StudentTags))}
	for _, t := range set.StudentTags {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			zr.studentTags[t] = true
		}
	}
	return zr
}

// appendZones appends the union of the zones of the member's roles that
// count and are valid today, plus zone 0 for a student: one holding a
// student role today (in one of the rule's organisations; the role need not
// be in the rule's role list, the operator named it on purpose) or carrying
// a student tag (compared without regard to case or surrounding space, as
// tags are typed by hand). Ascending, no repeats.
func (zr zoneRule) appendZones(dst []int, m *member.Member, today member.Date) []int {
	start := len(dst)
	student := false
	for _, role := range m.Roles {
		if role.Start.IsZero() || role.End.IsZero() || role.End.Before(role.Start) ||
			today.Before(role.Start) || today.After(role.End) {
			continue
		}
		if zr.rule.Counts(role) {
			dst = append(dst, zr.zones[role.RoleID]...)
		}
		if slices.Contains(zr.studentRoles, role.RoleID) && slices.Contains(zr.rule.OrganisationIDs, role.OrganisationID) {
			student = true
		}
	}
	for _, t := range m.Tags {
		if len(zr.studentTags) > 0 && zr.studentTags[strings.ToLower(strings.TrimSpace(t))] {
			student = true
		}
	}
	if student {
		dst = append(dst, StudentZone)
	}
	own := dst[start:]
	slices.Sort(own)
	return dst[:start+len(slices.Compact(own))]
}

func notValid(m *member.Member, v member.Validity, today member.Date) string {
	switch {
	case m.Inactive:
		return "the member is inactive in Cardskipper"
	case v.Counting == 0 && len(v.Invalid) > 0:
		return "the member has no usable role (" + strings.Join(v.Invalid, "; ") + ")"
	case v.Counting == 0:
		return "the member has no counting role"
	case v.End.Before(today):
		return "the membership ended " + v.End.String()
	case !v.Starts.IsZero():
		return "the membership starts " + v.Starts.String()
	}
	return "the membership is not valid today"
}

// memberColumn is the member id as the third column, or "" when it could be
// misread (a ';', non-ASCII, surrounding space, too long).
func memberColumn(id string) string {
	if id == "" || len(id) > maxMemberIDColumn || id[0] == ' ' || id[len(id)-1] == ' ' {
		return ""
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x20 || c > 0x7e || c == ';' {
			return ""
		}
	}
	return id
}

func others(all []*state, self *state) string {
	var names []string
	for _, s := range all {
		if s != self {
			names = append(names, s.label())
		}
	}
	return strings.Join(names, " and ")
}

func zoneList(zones []int) string {
	s := make([]string, len(zones))
	for i, z := range zones {
		s[i] = strconv.Itoa(z)
	}
	return strings.Join(s, ", ")
}
