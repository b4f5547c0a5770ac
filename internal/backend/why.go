package backend

import (
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

// WhyVersion is the version of `doorsync why --json` (the WhyReport as
// JSON); a field renamed or removed raises it.
const WhyVersion = 1

// WhyReport answers "why can't this member get in?" for one e-mail: per
// member holding it (a family shares one), per configured target, the
// answer first and then the evidence. It is built by reading only.
type WhyReport struct {
	Version int          `json:"version"`
	Email   member.Email `json:"email"`
	// At is when the question was answered; Today the site's date then.
	At    time.Time   `json:"at"`
	Today member.Date `json:"today"`
	// MembersAt is when the stored member snapshot the answer uses was
	// read from Cardskipper (zero: none stored).
	MembersAt time.Time `json:"members_at,omitzero"`
	// GetsIn: some member holds the e-mail, and every one of them is
	// valid in Cardskipper and gets in on every configured target it is
	// meant for (WhyIn or WhyNotApplicable).
	GetsIn bool `json:"gets_in"`
	// Answer is one line when no member answers ("no Cardskipper member
	// has this e-mail"), else empty.
	Answer  string      `json:"answer,omitempty"`
	Members []WhyMember `json:"members"`
}

// WhyMember is one member holding the e-mail.
type WhyMember struct {
	ID     string `json:"member_id"`
	Name   string `json:"name"`
	GetsIn bool   `json:"gets_in"`
	// Cardskipper is the member's validity today under the rule.
	Cardskipper WhySource   `json:"cardskipper"`
	Targets     []WhyTarget `json:"targets"`
}

// WhySource is what Cardskipper (the stored snapshot) says of the member.
type WhySource struct {
	Valid    bool `json:"valid"`
	Inactive bool `json:"inactive,omitempty"`
	// Until is the end of the latest counting role (zero: none); Starts a
	// counting role that begins after today.
	Until  member.Date `json:"until,omitzero"`
	Starts member.Date `json:"starts,omitzero"`
	// Roles are the counting roles covering today, or else the latest.
	Roles    []WhyRole `json:"roles,omitempty"`
	Problems []string  `json:"problems,omitempty"`
	// Answer says it in one line ("valid today to 2027-01-31 (role 3126)").
	Answer string `json:"answer"`
}

// WhyRole is one membership period of the member.
type WhyRole struct {
	OrganisationID int         `json:"organisation_id"`
	RoleID         int         `json:"role_id"`
	Start          member.Date `json:"start"`
	End            member.Date `json:"end"`
}

// WhyStatus is the verdict on one target.
type WhyStatus string

const (
	// WhyIn: the member gets in there now, as Cardskipper says they should.
	WhyIn WhyStatus = "in"
	// WhyOut: the member cannot get in there now.
	WhyOut WhyStatus = "out"
	// WhyOpen: the member gets in there now although Cardskipper says
	// they should not (a revoke or shorten not applied).
	WhyOpen WhyStatus = "open"
	// WhyNotApplicable: the target is not for this member (NTK: no zone
	// for the member's roles) and the member is not on it.
	WhyNotApplicable WhyStatus = "not_applicable"
	// WhyUnknown: nothing read tells (the target was never read).
	WhyUnknown WhyStatus = "unknown"
)

// Mark is the status in a word at the start of an answer line, readable
// without colour (the CLI's why and the console's detail).
func (s WhyStatus) Mark() string {
	switch s {
	case WhyIn:
		return "ok"
	case WhyNotApplicable:
		return "n/a"
	case WhyOpen:
		return "open"
	case WhyUnknown:
		return "?"
	}
	return "NO"
}

// WhyState is how a target stood when asked.
type WhyState string

const (
	WhyReachable   WhyState = "reachable"   // the live read answered
	WhyHeld        WhyState = "held"        // held after rejected credentials: not contacted
	WhyBusy        WhyState = "busy"        // answered busy until the read gave up
	WhyUnreachable WhyState = "unreachable" // no answer in time, or an error
	WhyNotRead     WhyState = "not_read"    // cannot be read (NTK), or nothing to read
)

// WhyTarget is the answer for one member on one target.
type WhyTarget struct {
	Target string    `json:"target"`
	System string    `json:"system"`
	Status WhyStatus `json:"status"`
	// Answer is the one line that comes first: "entrance: no face
	// enrolled", "gym: expired 2026-11-30; Cardskipper valid to
	// 2027-01-31 — extend waiting for approval".
	Answer string `json:"answer"`
	// Evidence are the lines that back it, in order: Cardskipper, the
	// account and its link, the period, enrolment, the target's state,
	// what is pending, the last write, door events.
	Evidence []string `json:"evidence"`
	State    WhyState `json:"state"`
	// StateDetail says why the target is held, busy or unreachable.
	StateDetail string      `json:"state_detail,omitempty"`
	Account     *WhyAccount `json:"account,omitempty"`
	// Kind is what a plan made now would do (empty: the plan has no item
	// of the member here); Reason its reason; Auto whether an unattended
	// run would apply it.
	Kind   plan.Kind `json:"kind,omitempty"`
	Reason string    `json:"reason,omitempty"`
	Auto   bool      `json:"auto,omitempty"`
	// Pending is the member's latest recorded item here when it waits
	// (held for approval) or a write of it is still open in the journal.
	Pending *WhyRecord `json:"pending,omitempty"`
	// LastWrite is the latest write of the member's here that was
	// attempted (applied or failed), with its read-back.
	LastWrite *WhyRecord `json:"last_write,omitempty"`
	Events    []WhyEvent `json:"events,omitempty"`
}

// WhyAccount is the member's account on a target and how it was found.
type WhyAccount struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Link is how the e-mail found it: "terminal" (the e-mail is on the
	// account), "confirmed" or "import" (a stored link), "accepted" (a
	// run accepted it for the member id).
	Link string `json:"link,omitempty"`
	// LinkedAt is when the link was stored or the resolution accepted;
	// LinkedBy who stored the link.
	LinkedAt time.Time `json:"linked_at,omitzero"`
	LinkedBy string    `json:"linked_by,omitempty"`
	// Begin and End are the period (End the last instant of access);
	// Permanent: no end. Gone: the live read found no such account.
	Begin     time.Time `json:"begin,omitzero"`
	End       time.Time `json:"end,omitzero"`
	Permanent bool      `json:"permanent,omitempty"`
	Gone      bool      `json:"gone,omitempty"`
	// Read is where the period comes from: "live" (read now) or
	// "snapshot" (the last inventory, at ReadAt).
	Read   string    `json:"read"`
	ReadAt time.Time `json:"read_at"`
	// Faces and Cards enrolled (terminals, live read only; nil: unknown).
	Faces *int `json:"faces,omitempty"`
	Cards *int `json:"cards,omitempty"`
}

// WhyRecord is one recorded item of a run.
type WhyRecord struct {
	RunID  int64     `json:"run_id"`
	At     time.Time `json:"at"`
	Kind   plan.Kind `json:"kind"`
	Status string    `json:"status"`
	// Before is the end read before the write, Desired what was to be
	// written, ReadBack what the read-back found.
	Before   time.Time `json:"before,omitzero"`
	Desired  time.Time `json:"desired,omitzero"`
	ReadBack time.Time `json:"read_back,omitzero"`
	Error    string    `json:"error,omitempty"`
}

// WhyEvent is one door event of the member's account.
type WhyEvent struct {
	Time    time.Time `json:"time"`
	Outcome string    `json:"outcome"` // granted, denied, other
	Reason  string    `json:"reason,omitempty"`
	Door    string    `json:"door,omitempty"`
	Code    string    `json:"code,omitempty"`
}
