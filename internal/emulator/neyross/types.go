// Package neyross emulates the HTTP API of the NEYROSS "EIS" plugin (ITRIUM's
// PACS platform, ../shared/specs/neyross-eis.md and the customer's Russian
// original): a bearer token on every request, JSON bodies, and the EIS subset
// rules — only access levels named with the "[И] " prefix are visible, only
// persons holding at least one of them are visible and changeable, upserts
// must name EIS levels only and keep everything they do not mention (non-EIS
// levels included). Persons are listed sorted by uuid with limit/offset; the
// single-person read is a POST as the seed writes it (RequireGET switches to
// a platform that wants GET). Access events carry strictly increasing ids and
// are pushed to subscribers and served by the history calls.
//
// The Server is an http.Handler with in-memory state behind the shared
// latency, fault injection and request log of package emulator.
package neyross

import (
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/emulator"
)

// Prefix is where the plugin's API lives on the platform.
const Prefix = "/plugin/eis-pacs-integration/"

// EISPrefix marks the access levels the EIS may see: Cyrillic capital И in
// square brackets followed by a space.
const EISPrefix = "[И] "

// Pass types (passType).
const (
	PassRegular   = "REGULAR"
	PassTemporary = "TEMPORARY"
	PassOneTime   = "ONETIME"
)

// GroupAll is the group persons created through the API land in.
const GroupAll = "Все"

// Event tags of interest.
const (
	TagPACS          = "PACS"
	TagAccessGranted = "AccessGranted"
	TagAccessDenied  = "AccessDenied"
)

// Config sets up an emulated platform. Zero values take the defaults noted.
type Config struct {
	Token  string        // the plugin's API token (required for any request to pass)
	Levels []AccessLevel // every access level of the platform, EIS or not (default DefaultLevels)
	Points []AccessPoint // access points listed in the plugin settings (default DefaultPoints)
	Zone   *time.Location
	Clock  clock.Clock // required (emulator.MustClock)
	// PageCap, when > 0, silently caps persons/search pages at this many
	// persons whatever limit was asked (a platform variant; the seed
	// documents no cap).
	PageCap int
	// DeliveryTimeout bounds one event push to a subscriber (the platform's
	// default is 10 s).
	DeliveryTimeout time.Duration
	Faults          *emulator.Faults
	Log             *emulator.RequestLog
}

// AccessLevel is one access level (УД). Only those whose name starts with
// EISPrefix are visible to the EIS.
type AccessLevel struct {
	UUID         string
	Name         string
	AccessPoints []string // access point tokens
}

// EIS reports whether the level belongs to the EIS subset.
func (l AccessLevel) EIS() bool {
	return strings.HasPrefix(l.Name, EISPrefix)
}

// AccessPoint is one access point (ТД) listed in the plugin settings.
type AccessPoint struct {
	Token string   // "uuid:<platform>:<point>"
	Name  string   // e.g. "Точка доступа 0.1"
	Tags  []string // AccessPointEntry / AccessPointExit, when the platform has the user tags
}

// Person is a pass holder as the platform stores it: every access level of
// the pass (EIS and not), every field, and what the EIS never sees (photo,
// group).
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
	Email          string
	AccessLevels   []string // uuids of every level the pass holds
	PassType       string   // "" is listed as nothing (the platform then means REGULAR)
	Activation     *int64   // Unix seconds
	Expiration     *int64   // Unix seconds
	Card           *int64   // read only for the EIS
	Facility       *int64   // read only for the EIS
	Info           map[string]string
	Photo          string // base64, as uploaded
	Group          string // "Все" for persons the EIS created
}

// Event is one access event.
type Event struct {
	ID          int64
	Headline    string
	Person      string
	Tags        []string
	Sent        time.Time // when the controller sent it
	Registered  time.Time // when the platform registered it
	AccessPoint string
}

// Int64 returns a pointer to v, for Person's optional numbers.
func Int64(v int64) *int64 { return &v }

// DefaultLevels are the seed's example levels plus two internal (non-EIS)
// ones, so a default platform has both kinds.
func DefaultLevels() []AccessLevel {
	return []AccessLevel{
		{UUID: "0dfb462d-d5c3-402d-9075-e726ea94bd49", Name: "[И] КПП 1", AccessPoints: []string{"uuid:fe53892b-2e0e-44a8-98e1-5de2795b289f:987f1ea2-93c9-449f-b38f-5e20d7e8edcd"}},
		{UUID: "820a1259-fbe0-4594-913e-4ab869e60b19", Name: "[И] КПП 2", AccessPoints: []string{"uuid:fe53892b-2e0e-44a8-98e1-5de2795b289f:6e71dce6-e1aa-4ff4-b213-55391c989b2c"}},
		{UUID: "3260b54b-03f9-48cc-8593-4387b9e867e6", Name: "[И] КПП 3", AccessPoints: []string{"uuid:fe53892b-2e0e-44a8-98e1-5de2795b289f:f5d4ba84-ab03-42e4-8e4d-2fc4e12de1ba"}},
		{UUID: "5a1e2f44-7c1b-4e0a-9d3e-2b8f6a9c0d11", Name: "Администрация", AccessPoints: []string{"uuid:fe53892b-2e0e-44a8-98e1-5de2795b289f:1e1614f2-372a-402a-90ee-13fa3c5899fe"}},
		{UUID: "9c4d1b7a-0e2f-4a6b-8c5d-3f1e7a2b9c44", Name: "Серверная", AccessPoints: []string{"uuid:fe53892b-2e0e-44a8-98e1-5de2795b289f:1e1614f2-372a-402a-90ee-13fa3c5899fe"}},
	}
}

// DefaultPoints are the access points of DefaultLevels' EIS levels, as the
// plugin settings would list them (the seed's examples).
func DefaultPoints() []AccessPoint {
	return []AccessPoint{
		{Token: "uuid:fe53892b-2e0e-44a8-98e1-5de2795b289f:987f1ea2-93c9-449f-b38f-5e20d7e8edcd", Name: "Точка доступа 0.1", Tags: []string{"AccessPointEntry"}},
		{Token: "uuid:fe53892b-2e0e-44a8-98e1-5de2795b289f:6e71dce6-e1aa-4ff4-b213-55391c989b2c", Name: "Точка доступа 1.1", Tags: []string{"AccessPointExit"}},
		{Token: "uuid:fe53892b-2e0e-44a8-98e1-5de2795b289f:f5d4ba84-ab03-42e4-8e4d-2fc4e12de1ba", Name: "Точка доступа 2.1"},
	}
}
