// Package target defines what the sync engine needs of an access-control
// system that receives member validity. Systems come in two shapes:
//
//   - Target: list its accounts, read some of them, and change their end of
//     validity (Hikvision terminals, NEYROSS);
//   - ListTarget: take the whole list at once, without a way to read it
//     back (NTK).
//
// A Target may also implement the small optional interfaces the engine
// asks for: SizeHinter (the cheapest read depends on the account count),
// Stopper (it stops itself after rejected credentials; a ListTarget may
// too), EventReader and EventNoter (it keeps a door-event log).
//
// Every failure is a classified *Error (errors.go: transient, busy, auth,
// permanent, not found, malformed), decided once in the client; the engine
// decides retries by class only (apply.Retry), and a target never retries
// on its own. A target asks the context's send gate (CheckSend, gate.go)
// right before each request that changes the system, so a run that lost
// the database's run lock stops between two requests.
//
// Where things live: target.go Target, Account, Info and the optional
// interfaces; list.go ListTarget; errors.go Error and its classes; gate.go
// the send gate. Each system implements its shape in its own sub-package,
// which imports neither the planner, the configuration, the store nor the
// engine (internal/archtest), and passes the conformance suite in
// targettest (RunUpload for the whole-list shape).
package target

import (
	"context"
	"time"

	"github.com/doorsync/doorsync/internal/member"
)

// Account is one person on a target as the engine sees it.
type Account struct {
	ID    string       // employeeNo (Hikvision), uuid (NEYROSS), card number (NTK)
	Name  string       // as the target spells it (often without diacritics)
	Email member.Email // an e-mail found on the target itself, if any (normalised)
	// Begin and End are the validity period in the site's zone. End is the
	// last instant of access (a date's T23:59:59). Zero End with Permanent
	// false means the target reports no period.
	Begin time.Time
	End   time.Time
	// Permanent: the target grants access with no end (Hikvision
	// Valid.enable=false). The sync never writes that state.
	Permanent bool
	// Attrs are system-specific values the apply step must send back
	// unchanged (Hikvision userType; NEYROSS keeps what its person carries).
	// Accounts read back from a stored snapshot may share one map: read only.
	Attrs map[string]string
	// Problems are data problems found while decoding this account (an
	// unparseable date, an e-mail that is not one); the planner reports such
	// an account as invalid instead of writing to it.
	Problems []string
}

// Label names the account in messages.
func (a Account) Label() string {
	if a.Name != "" {
		return a.ID + " (" + a.Name + ")"
	}
	return a.ID
}

// Info describes a target for plans, reports and the console.
type Info struct {
	Name   string // configured name, e.g. "entrance"
	System string // "hikvision", "neyross", "ntk"
	// Serial identifies the device/system instance when known (Hikvision
	// serial number); results are recorded per (serial, account).
	Serial string
	// MinEnd and MaxEnd bound the end dates the target can hold; a desired
	// end beyond MaxEnd is clamped (product.md). Zero means unbounded.
	MinEnd time.Time
	MaxEnd time.Time
}

// Progress reports how far a long read has come (pages read of pages
// expected, accounts so far). Total may be 0 while unknown.
type Progress struct {
	Target string
	Done   int
	Total  int
	Items  int
}

// Update asks a target to set one account's end of validity. Account is the
// copy read just before (so the write can send back the fields it must keep);
// End is the new last instant of access.
type Update struct {
	Account Account
	End     time.Time
}

// Target is an access-control system receiving member validity.
//
// Implementations serialise their own requests where the system needs it
// (Hikvision: one in flight per terminal) and classify failures with *Error.
type Target interface {
	// Info returns the description; Serial and the end bounds may be filled
	// only after the first successful call (Probe or Inventory).
	Info() Info
	// Probe checks reachability, credentials and capabilities without
	// changing anything, and fills Info.
	Probe(ctx context.Context) error
	// Inventory lists every account. It never returns a partial list as if
	// complete: any failure returns an error and no accounts.
	Inventory(ctx context.Context, progress func(Progress)) ([]Account, error)
	// Lookup reads the given accounts in as few requests as the system
	// allows. Accounts that do not exist are absent from the map.
	Lookup(ctx context.Context, ids []string) (map[string]Account, error)
	// Write changes the end of validity of each update's account. It returns
	// one error per update, in order (nil = the system accepted the write; the
	// caller reads back to confirm). After an authentication stop every
	// remaining update gets the stopping error.
	Write(ctx context.Context, updates []Update) []error
}

// SizeHinter is implemented by targets whose cheapest way to read a few
// accounts depends on how many they hold (NEYROSS: one read per person or
// the whole listing). The engine passes the account count of the saved plan
// it applies, so that a fresh process need not ask the system first; a
// stale count only makes the choice less cheap, never the result wrong.
type SizeHinter interface {
	HintSize(accounts int)
}

// Stopper is implemented by targets that stop themselves after
// authentication failures (terminals lock accounts out). Stopped returns the
// stop error (class Auth, with LockSeconds when the system said) or nil while
// the target may still be used. Long-running callers (watch) use it to keep a
// stopped target out of later passes instead of retrying it in a loop.
type Stopper interface {
	Stopped() error
}

// Outcome is what an access event says about the door.
type Outcome int

const (
	// OutcomeOther: not an access decision (door opened, exit button) or a
	// code this version does not know; Reason names it.
	OutcomeOther Outcome = iota
	// OutcomeGranted: the system let the person through.
	OutcomeGranted
	// OutcomeDenied: the system refused the person; Reason says why as far
	// as the system tells.
	OutcomeDenied
)

func (o Outcome) String() string {
	switch o {
	case OutcomeGranted:
		return "granted"
	case OutcomeDenied:
		return "denied"
	}
	return "other"
}

// Event is one access event of an account, as a target's event log holds
// it: the answer to "why can't this member get in?".
type Event struct {
	Time    time.Time // when it happened, by the target's clock, in the site's zone
	Account string    // the account's ID on the target
	Name    string    // the name the target logged, if any
	Outcome Outcome
	// Reason is the target's verdict in words ("face verified", "not in
	// validity period", "Доступ запрещен").
	Reason string
	// Door names where it happened ("door 1", an access point's name).
	Door string
	// Code is the system's own code, for support: Hikvision "major/minor"
	// ("5/75"), NEYROSS event id and tags.
	Code string
}

// EventQuery asks for the latest events of one account.
type EventQuery struct {
	Account string
	// Since and Until bound the registration time. Until is usually now.
	Since, Until time.Time
	// Limit is the most events wanted (the newest); at least 1.
	Limit int
}

// EventReader is implemented by targets that keep an access event log
// (Hikvision terminals, NEYROSS). It only reads.
type EventReader interface {
	// Events returns the account's newest events in the query's window,
	// newest first, at most q.Limit. It never returns a partial list as if
	// complete: a failure returns an error and no events.
	Events(ctx context.Context, q EventQuery) ([]Event, error)
}

// EventNoter is implemented by event readers that leave unusable events out
// of a read (a terminal's events dated 1970 after its clock was reset).
// EventsNoted is Events plus one line per kind of event left out, for the
// operator ("3 events with a reset clock (1970) left out"); callers that
// show events prefer it to Events.
type EventNoter interface {
	EventsNoted(ctx context.Context, q EventQuery) ([]Event, []string, error)
}

// Enrolment is what a person holds on a target to be recognised at the
// door: faces and cards (Hikvision numOfFace, numOfCard). A count the
// target did not report is -1.
type Enrolment struct {
	Faces int
	Cards int
}

// EnrolmentReader is implemented by targets that report, with a person's
// period, what the person is enrolled with (Hikvision terminals): "why
// can't this member get in?" needs both from one read. It only reads.
type EnrolmentReader interface {
	// LookupEnrolled is Lookup that also returns each account's
	// enrolment, by account id, in the same requests.
	LookupEnrolled(ctx context.Context, ids []string) (map[string]Account, map[string]Enrolment, error)
}
