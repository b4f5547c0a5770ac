// Package cardskipper emulates the Cardskipper External API (XML over HTTPS,
// HTTP Basic auth): Organisation/Info and Member/Export, with the attribute
// style XML, optional e-mails, lenient paths and the error pages of the real
// service. See ../shared/specs/cardskipper-api.md.
package cardskipper

import (
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/emulator"
)

// Config sets up an emulated Cardskipper service.
type Config struct {
	Username string
	Password string
	// Organisations the API account may see (Organisation/Info).
	Organisations []Organisation
	// Zone is the club's zone: dates are exported as local calendar values
	// and OnlyActive is evaluated on today's date there.
	Zone  *time.Location
	Clock clock.Clock
	// DeniedCalls lists paths ("/Member/Export/") for which the account
	// lacks the per-call right: they answer 403 while others work.
	DeniedCalls []string
	Faults      *emulator.Faults
	Log         *emulator.RequestLog
}

// Organisation is one organisation with its roles (membership types).
type Organisation struct {
	ID       int
	Name     string
	Roles    []RoleType
	Children []Organisation
	Units    []Unit // OrganisationUnits
}

// Unit is an organisation unit (a section such as "Youth").
type Unit struct {
	ID    int
	Value string
}

// RoleType is a membership type of an organisation.
type RoleType struct {
	ID          int
	Name        string
	Description string
}

// Member is one member as the emulator stores it. Date fields hold the text
// exactly as it is exported (normally .NET style "2006-01-02T15:04:05"), so a
// test can put odd or broken values on the wire.
type Member struct {
	OrganisationMemberID string
	MemberID             int
	FirstName            string
	LastName             string
	Birthdate            string
	Email                string // may be empty, mixed case, shared with other members
	// NoEmailAttribute leaves the EMail attribute out when Email is empty
	// (the real export may write it empty or not at all).
	NoEmailAttribute bool
	CellPhone        string
	// UserID and MemberCode are exported as extra attributes a lenient
	// client ignores; zero values are filled in when the member is stored.
	UserID     int
	MemberCode string
	Address    Address
	Inactive   bool
	Extra      [3]string
	Roles      []MemberRole
	Tags       []string
	// ChangedAt is when the member last changed (for the ChangedAt criterion).
	ChangedAt time.Time
}

// Address is a member's postal address.
type Address struct {
	Line1, Line2, Zip, City string
}

// MemberRole is one membership period of a role in an organisation.
type MemberRole struct {
	OrganisationID int
	RoleID         int
	StartDate      string
	EndDate        string
}
