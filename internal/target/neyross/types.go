package neyross

import (
	"encoding/json"
	"slices"
	"time"
)

// Person is one EIS pass holder as the platform lists it. Optional fields
// the platform did not send are empty (nil for numbers).
type Person struct {
	UUID           string
	Surname        string
	Name           string
	Patronymic     string
	Organization   string
	Division       string
	Post           string
	ClockNumber    string
	DocumentNumber string
	Phone          string
	Email          string   // as the platform holds it (not normalised)
	AccessLevels   []string // EIS levels only (the platform hides the others)
	PassType       string   // REGULAR, TEMPORARY, ONETIME, or "" (the platform then means REGULAR)
	Activation     *int64   // activation_date, Unix seconds
	Expiration     *int64   // expiration_date, Unix seconds
	Card           *int64   // read only
	Facility       *int64   // read only
	// Info holds the free key/value data; a value that is not a string is
	// kept as its JSON text.
	Info map[string]string
	// Problems are fields that could not be decoded, each naming the
	// person; such a person is reported and never written.
	Problems []string

	// raw is the object exactly as read: a write sends its fields back.
	raw map[string]json.RawMessage
	// badExpiration: expiration_date was sent but could not be read (so
	// a nil Expiration does not mean "no end").
	badExpiration bool
}

// FullName is "surname name patronymic", as the platform shows a person.
func (p Person) FullName() string {
	out := ""
	for _, s := range []string{p.Surname, p.Name, p.Patronymic} {
		if s == "" {
			continue
		}
		if out != "" {
			out += " "
		}
		out += s
	}
	return out
}

// FromPlatform reports whether p came from the platform (only such a person can
// be written back).
func (p Person) FromPlatform() bool { return p.raw != nil }

// AccessLevel is one EIS access level.
type AccessLevel struct {
	UUID         string
	Name         string // starts with "[И] "
	AccessPoints []string
}

// AccessPoint is one licensed EIS access point.
type AccessPoint struct {
	Token string
	Name  string
	Tags  []string // AccessPointEntry, AccessPointExit, when the platform sets them
}

// Event tags of interest.
const (
	TagAccessGranted = "AccessGranted"
	TagAccessDenied  = "AccessDenied"
)

// Event is one EIS access event.
type Event struct {
	ID          int64 // strictly increasing: a gap means missed events
	Headline    string
	Person      string // the person's uuid
	Tags        []string
	Sent        time.Time // sent by the controller
	Registered  time.Time // registered by the platform
	AccessPoint string    // may be empty
}

// Granted and Denied tell an access decision from other events.
func (e Event) Granted() bool { return slices.Contains(e.Tags, TagAccessGranted) }
func (e Event) Denied() bool  { return slices.Contains(e.Tags, TagAccessDenied) }

// UpsertResult is the answer to persons/upsert/multiple.
type UpsertResult struct {
	Success []string          // uuids changed (or created)
	Errors  map[string]string // uuid → the platform's reason
}

// Transaction is the answer to a remote credential presentation.
type Transaction struct {
	OK          bool
	Error       string // the platform's reason when not OK
	Person      string
	AccessPoint string
	Begin, End  time.Time
}
