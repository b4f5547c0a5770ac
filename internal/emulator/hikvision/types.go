// Package hikvision emulates a Hikvision access-control (face) terminal's
// ISAPI: Digest auth with expiring and single-use nonces, lockout after failed
// logins with the real failure body, UserInfo Search paging with the 30-record
// cap silently applied, Modify, deviceBusy under concurrent requests, errors
// inside HTTP 200 bodies, firmware that ignores EmployeeNoList, and the access
// event log that AcsEvent searches (by person, type and time, oldest or
// newest first, paged like Search). See
// ../shared/specs/hikvision-isapi.md.
package hikvision

import (
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/emulator"
)

// Config sets up one emulated terminal. Zero values take the defaults noted.
type Config struct {
	Username string
	Password string
	Realm    string // default "DS-K1T671M"-style realm per model, e.g. "IP Camera"
	Model    string // default "DS-K1T671MF"
	Serial   string // default derived from the model and Username
	Firmware string // default "V3.2.30 build 220812"

	Zone      *time.Location // terminal local zone (default Europe/Ljubljana)
	Clock     clock.Clock    // required (emulator.MustClock)
	ClockSkew time.Duration  // the terminal's clock is this far ahead of Clock

	MaxResults int // Search page cap, silently applied (default 30)
	MaxRecords int // maxRecordNum capability (default 1500; demo/bench raise it)

	NonceTTL       time.Duration // a nonce older than this gets a stale=true challenge (default 5 min)
	SingleUseNonce bool          // every nonce is valid for one request only
	LockAfter      int           // failed logins before lockout (default 5)
	LockFor        time.Duration // lockout duration (default 30 min)

	IgnoreEmployeeNoList bool // firmware bug: Search ignores EmployeeNoList

	// MaxEvents is the event log's capacity (default 100000, a face
	// terminal's order of magnitude); beyond it the oldest events are
	// overwritten, as terminals do.
	MaxEvents int
	// EventsOldestFirst is older firmware: AcsEvent ignores
	// timeReverseOrder and always lists the oldest event first.
	EventsOldestFirst bool
	// IgnoreEventEmployeeNo is firmware that predates employeeNoString in
	// AcsEventCond: every person's events are listed.
	IgnoreEventEmployeeNo bool

	// OfferSHA256 adds a SHA-256 Digest challenge in front of the MD5 one
	// (newer firmware); either algorithm is accepted.
	OfferSHA256 bool
	// StringBooleans makes Search encode closeDelayEnabled, localUIRight and
	// Valid.enable as the strings "true"/"false", as some firmware does, so
	// clients must decode leniently.
	StringBooleans bool
	// ProcessTime is how long the terminal works on each authenticated
	// request while holding its single request slot (default 0). A request
	// arriving meanwhile gets deviceBusy.
	ProcessTime time.Duration

	// Quirks are the firmware variants this terminal plays (firmware.go);
	// Profile.Apply sets them with the model and firmware of a real device.
	Quirks  Quirks
	Profile string // the name of the profile applied (Profile.Apply sets it)

	// A request arriving while another is being served gets deviceBusy
	// (terminals answer one request at a time).
	Faults *emulator.Faults
	Log    *emulator.RequestLog
}

// Person is one UserInfo record as the terminal stores it.
type Person struct {
	EmployeeNo string
	Name       string
	UserType   string // "normal", "visitor", "blackList"
	Gender     string
	Valid      Valid
	DoorRight  string
	RightPlan  []RightPlan
	Extends    []Extend // PersonInfoExtends
	NumOfCard  int
	NumOfFace  int
	NumOfFP    int

	CloseDelayEnabled bool
	BelongGroup       string
	// Password is the person's keypad PIN. Search always answers "" (the
	// terminal never reveals it) but a Modify that sends one stores it, so a
	// test can see that a client overwrote it.
	Password        string
	LocalUIRight    bool
	MaxOpenDoorTime int
	OpenDoorTime    int
}

// Valid is the person's validity period as stored ("2006-01-02T15:04:05",
// local terminal time when TimeType is "local").
type Valid struct {
	Enable    bool
	BeginTime string
	EndTime   string
	TimeType  string
}

// RightPlan assigns a door to a plan template.
type RightPlan struct {
	DoorNo         int
	PlanTemplateNo string
}

// Extend is one PersonInfoExtends entry.
type Extend struct {
	Name  string
	Value string
}
