// Package dataset generates a deterministic, realistic data set for the
// emulators: Cardskipper members with Slovenian names, several roles,
// renewals, lapses, inactive members, shared and mixed-case e-mails and
// members without e-mail; and Hikvision terminals holding the matching persons
// the way iVMS-4200 leaves them (names stripped of diacritics, some e-mails in
// PersonInfoExtends, some dates not yet renewed, staff who are not members).
//
// The same options and seed always give the same data set, so tests and the
// demo can name members and expect outcomes.
package dataset

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	csemu "github.com/doorsync/doorsync/internal/emulator/cardskipper"
	hikemu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	"github.com/doorsync/doorsync/internal/member"
)

// Role ids of the generated organisation.
const (
	OrganisationID = 1
	RoleMonthly    = 3126
	RoleYearly     = 3127
	RoleStudent    = 3128
	ChildOrgID     = 2
	RoleChildKids  = 4100
)

// Options size and shape a data set.
type Options struct {
	Members   int         // number of Cardskipper members (default 300)
	Seed      uint64      // same seed, same data set
	Today     member.Date // the day the data set is "now" (required)
	Terminals []string    // terminal names (default "entrance", "gym")
}

// Set is a generated data set.
type Set struct {
	Organisations []csemu.Organisation
	Members       []csemu.Member
	// Terminals maps a terminal name to the persons it holds.
	Terminals map[string][]hikemu.Person
	// Truth records, per member number, the situation the generator gave the
	// member, so tests and the demo can check what a sync should do.
	Truth map[string]Situation
	// NoFace maps a terminal name to the employeeNos of members' persons
	// it holds with no face enrolled: a card only (numOfCard 1) on the
	// first terminal, neither face nor card on the others. Such a member
	// cannot get in by face ("entrance: no face enrolled").
	NoFace map[string][]string
}

// Situation is what the generator made of one member.
type Situation string

const (
	Current    Situation = "current"     // valid; terminals hold the same end
	Renewed    Situation = "renewed"     // renewed in Cardskipper; terminals hold the old end
	Lapsed     Situation = "lapsed"      // membership ended; terminals already expired too
	LapsedOpen Situation = "lapsed-open" // membership ended, terminals still valid (revoke)
	Returning  Situation = "returning"   // renewed after a lapse; terminals expired (reactivate)
	Inactive   Situation = "inactive"    // inactivated in Cardskipper
	NoEmail    Situation = "no-email"    // member has only a phone number
	Missing    Situation = "missing"     // valid member with no person on the terminals
	Shared     Situation = "shared"      // shares an e-mail with another member (family)
	BadDates   Situation = "bad-dates"   // a role that ends before it starts
)

func (o *Options) defaults() error {
	if o.Members <= 0 {
		o.Members = 300
	}
	if o.Today.IsZero() {
		return fmt.Errorf("dataset: Today is required")
	}
	if len(o.Terminals) == 0 {
		o.Terminals = []string{"entrance", "gym"}
	}
	return nil
}

// Generate builds the data set.
func Generate(o Options) (Set, error) {
	if err := o.defaults(); err != nil {
		return Set{}, err
	}
	g := generator{
		rng:   rand.New(rand.NewPCG(o.Seed, o.Seed*0x9e3779b97f4a7c15+1)),
		today: o.Today,
		set: Set{
			Organisations: organisations(),
			Terminals:     map[string][]hikemu.Person{},
			Truth:         map[string]Situation{},
			NoFace:        map[string][]string{},
		},
		used: map[string]int{},
	}
	for i := 0; i < o.Members; i++ {
		g.member(i, o.Terminals)
	}
	for ti, name := range o.Terminals {
		g.staff(name, ti)
	}
	return g.set, nil
}

func organisations() []csemu.Organisation {
	return []csemu.Organisation{{
		ID: OrganisationID, Name: "Fitnes Center Ljubljana",
		Roles: []csemu.RoleType{
			{ID: RoleMonthly, Name: "Mesečna karta", Description: "Monthly membership"},
			{ID: RoleYearly, Name: "Letna karta", Description: "Yearly membership"},
			{ID: RoleStudent, Name: "Študentska karta", Description: "Student membership"},
		},
		Children: []csemu.Organisation{{
			ID: ChildOrgID, Name: "Otroški klub",
			Roles: []csemu.RoleType{{ID: RoleChildKids, Name: "Otroška vadba"}},
		}},
	}}
}

type generator struct {
	rng       *rand.Rand
	today     member.Date
	set       Set
	used      map[string]int // e-mail local part → times used
	lastEmail string         // for families sharing an address
	nextEmpNo int
}

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// situation draws a member's situation with realistic weights.
func (g *generator) situation(i int) Situation {
	if i > 0 && i%97 == 0 {
		return BadDates
	}
	r := g.rng.IntN(1000)
	switch {
	case r < 620:
		return Current
	case r < 700:
		return Renewed
	case r < 790:
		return Lapsed
	case r < 800:
		return LapsedOpen
	case r < 830:
		return Returning
	case r < 845:
		return Inactive
	case r < 875:
		return NoEmail
	case r < 905:
		return Missing
	case r < 935:
		return Shared
	}
	return Current
}

func dateText(d member.Date) string { return d.String() + "T00:00:00" }

func (g *generator) member(i int, terminals []string) {
	first, last := g.pick(firstNames), g.pick(lastNames)
	sit := g.situation(i)
	if sit == Shared && g.lastEmail == "" {
		sit = Current
	}
	id := fmt.Sprintf("%d", 150000+i)
	m := csemu.Member{
		OrganisationMemberID: id,
		MemberID:             900000 + i,
		FirstName:            first,
		LastName:             last,
		Birthdate:            dateText(member.NewDate(1960+g.rng.IntN(45), time.Month(1+g.rng.IntN(12)), 1+g.rng.IntN(28))),
		CellPhone:            fmt.Sprintf("+386 40 %03d %03d", g.rng.IntN(1000), g.rng.IntN(1000)),
		ChangedAt:            g.today.AddDays(-g.rng.IntN(60)).StartOfDay(time.UTC),
	}
	// Desired end and what the terminals hold.
	var csEnd, termEnd member.Date
	start := g.today.AddDays(-30 - g.rng.IntN(300))
	role := RoleMonthly
	if g.rng.IntN(4) == 0 {
		role = RoleYearly
	}
	switch sit {
	case Current, Missing, Shared, NoEmail, Inactive:
		csEnd = g.today.AddDays(1 + g.rng.IntN(330))
		termEnd = csEnd
	case Renewed:
		termEnd = g.today.AddDays(g.rng.IntN(10))
		csEnd = termEnd.AddDays(28 + g.rng.IntN(340))
	case Lapsed:
		csEnd = g.today.AddDays(-1 - g.rng.IntN(200))
		termEnd = csEnd
	case LapsedOpen:
		csEnd = g.today.AddDays(-1 - g.rng.IntN(20))
		termEnd = g.today.AddDays(5 + g.rng.IntN(40))
	case Returning:
		termEnd = g.today.AddDays(-10 - g.rng.IntN(100))
		csEnd = g.today.AddDays(20 + g.rng.IntN(300))
	case BadDates:
		csEnd = g.today.AddDays(30)
		termEnd = csEnd
	}
	if start.After(csEnd) {
		start = csEnd.AddDays(-30)
	}
	// A renewal usually adds a new period rather than editing the old one.
	if sit == Renewed || sit == Returning {
		m.Roles = append(m.Roles, csemu.MemberRole{OrganisationID: OrganisationID, RoleID: role,
			StartDate: dateText(start), EndDate: dateText(termEnd)})
		m.Roles = append(m.Roles, csemu.MemberRole{OrganisationID: OrganisationID, RoleID: role,
			StartDate: dateText(termEnd.AddDays(1)), EndDate: dateText(csEnd)})
	} else {
		m.Roles = append(m.Roles, csemu.MemberRole{OrganisationID: OrganisationID, RoleID: role,
			StartDate: dateText(start), EndDate: dateText(csEnd)})
	}
	if sit == BadDates {
		m.Roles = append(m.Roles, csemu.MemberRole{OrganisationID: OrganisationID, RoleID: RoleMonthly,
			StartDate: dateText(g.today.AddDays(10)), EndDate: dateText(g.today.AddDays(-10))})
	}
	if g.rng.IntN(10) == 0 {
		m.Roles = append(m.Roles, csemu.MemberRole{OrganisationID: OrganisationID, RoleID: RoleStudent,
			StartDate: dateText(start), EndDate: dateText(csEnd)})
		m.Tags = append(m.Tags, "student")
	}
	if g.rng.IntN(20) == 0 {
		// A parent who also holds a children's-club role in the child organisation.
		m.Roles = append(m.Roles, csemu.MemberRole{OrganisationID: ChildOrgID, RoleID: RoleChildKids,
			StartDate: dateText(start), EndDate: dateText(csEnd.AddDays(-g.rng.IntN(20)))})
	}
	if sit == Inactive {
		m.Inactive = true
	}
	if g.rng.IntN(3) == 0 {
		m.Extra[0] = fmt.Sprintf("%08X", g.rng.Uint32())
	}
	switch sit {
	case NoEmail:
	case Shared:
		m.Email = strings.ToUpper(g.lastEmail[:1]) + g.lastEmail[1:]
	default:
		m.Email = g.email(first, last)
		g.lastEmail = m.Email
	}
	g.set.Members = append(g.set.Members, m)
	g.set.Truth[id] = sit

	if sit == Missing {
		return
	}
	// The member's person on each terminal, as iVMS-4200 pushed it.
	g.nextEmpNo++
	empNo := fmt.Sprintf("%d", 1000+g.nextEmpNo)
	name := member.FoldName(first) + " " + member.FoldName(last)
	name = strings.ToUpper(name[:1]) + name[1:]
	if g.rng.IntN(5) == 0 {
		name = strings.ToUpper(name)
	}
	var extends []hikemu.Extend
	if m.Email != "" && g.rng.IntN(10) < 6 {
		extends = []hikemu.Extend{{Value: strings.ToLower(m.Email)}}
	}
	for ti, tn := range terminals {
		if ti > 0 && g.rng.IntN(25) == 0 {
			continue // not pushed to this terminal yet
		}
		p := hikemu.Person{
			EmployeeNo: empNo, Name: name, UserType: "normal", Gender: g.pick([]string{"male", "female", "unknown"}),
			Valid:     hikemu.Valid{Enable: true, BeginTime: dateText(start), EndTime: terminalEnd(termEnd), TimeType: "local"},
			DoorRight: "1", RightPlan: []hikemu.RightPlan{{DoorNo: 1, PlanTemplateNo: "1"}},
			Extends: extends, NumOfCard: g.rng.IntN(2), NumOfFace: 1,
		}
		if noFace(g.nextEmpNo, ti) {
			// Enrolled at the desk with a card, the photo never taken
			// (first terminal), or pushed before the face was (others).
			// Chosen by number, not drawn: the rest of the set stays
			// as it was.
			p.NumOfFace, p.NumOfCard = 0, 0
			if ti == 0 {
				p.NumOfCard = 1
			}
			g.set.NoFace[tn] = append(g.set.NoFace[tn], empNo)
		}
		g.set.Terminals[tn] = append(g.set.Terminals[tn], p)
	}
}

// noFace says whether the person numbered n (the generator's count) is
// held with no face on terminal ti: one in 29 on the first terminal, one in
// 31 (others) on the rest.
func noFace(n, ti int) bool {
	if ti == 0 {
		return n%29 == 7
	}
	return n%31 == 11
}

// terminalEnd is how a terminal holds a membership ending on d: through
// the end of that day, but no later than the last instant it can hold
// (iVMS-4200 and doorsync cap ends there; memberships bought in 2037 run
// past it).
func terminalEnd(d member.Date) string {
	return min(d.String()+"T23:59:59", hikemu.LatestEnd)
}

// email makes a plausible, unique address from the name, in the forms members
// type: lower-case, Capitalised, with digits.
func (g *generator) email(first, last string) string {
	local := member.FoldName(first) + "." + strings.ReplaceAll(member.FoldName(last), " ", "")
	g.used[local]++
	if n := g.used[local]; n > 1 {
		local = fmt.Sprintf("%s%d", local, n)
	}
	addr := local + "@" + g.pick(domains)
	if g.rng.IntN(10) == 0 {
		addr = titleLocal(addr) // mixed case as typed on a phone: the key must still match
	}
	return addr
}

// titleLocal capitalises each dot-separated part of the local part:
// "ziga.ceh@x.si" → "Ziga.Ceh@x.si".
func titleLocal(addr string) string {
	at := strings.IndexByte(addr, '@')
	parts := strings.Split(addr[:at], ".")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, ".") + addr[at:]
}

// staff puts persons who are not members on a terminal.
func (g *generator) staff(terminal string, ti int) {
	for i, name := range staff {
		if ti > 0 && i%2 == 1 {
			continue
		}
		g.set.Terminals[terminal] = append(g.set.Terminals[terminal], hikemu.Person{
			EmployeeNo: fmt.Sprintf("9%03d", i+1), Name: name, UserType: "normal", Gender: "unknown",
			Valid:     hikemu.Valid{Enable: true, BeginTime: "2020-01-01T00:00:00", EndTime: hikemu.LatestEnd, TimeType: "local"},
			DoorRight: "1", RightPlan: []hikemu.RightPlan{{DoorNo: 1, PlanTemplateNo: "1"}}, NumOfFace: 1,
		})
	}
}
