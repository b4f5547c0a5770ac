package hikvision

import (
	"fmt"
	"strings"
	"time"
)

// Firmware quirks of real terminals (../shared/specs/hikvision-isapi.md →
// "Firmware variants seen on real devices"). Each is a field of Quirks; a
// Profile is the set one real device shows. Tests, `doorsync demo --serve
// --firmware NAME=PROFILE` and the conformance suite pick profiles by name,
// so every variant the client must survive is played by the emulator.
type Quirks struct {
	// NonceUses is how many signed requests one nonce is good for (0: no
	// limit). The request after the last use is refused with a 401 that has
	// NO WWW-Authenticate header and a ResponseStatus body with
	// subStatusCode invalidOperation ("old nonce"); it is not a failed
	// login. A request without credentials gets a fresh challenge.
	NonceUses int
	// RealmFlipAfter: after this many challenges the realm changes case
	// (upper ↔ lower hex digits), and back after as many more, as the same
	// device did between firmware versions (DS-6E392E44 → DS-6e392e44). A
	// response is checked against the realm of the challenge it answers.
	// 0: the realm never changes.
	RealmFlipAfter int

	// EventNoTimeRange: AcsEventCond with startTime/endTime is refused with
	// badJsonContent; the search works only without them.
	EventNoTimeRange bool
	// EventMajorRequired: AcsEventCond without major is refused with
	// MessageParametersLack naming "major".
	EventMajorRequired bool
	// ClockResetEvents: every this-many-th event is logged with the year
	// 1970 (the terminal's clock was reset). 0: none.
	ClockResetEvents int

	// ValidOffset is printed after the local digits of Valid.beginTime and
	// endTime in Search replies with timeType "local" (e.g. "+00:00" while
	// the terminal's zone is UTC+1/+2). The digits stay the wall clock.
	ValidOffset string
	// RejectBounds refuses a Valid whose beginTime or endTime is the
	// advertised extreme (timeRangeBegin / timeRangeEnd) with badJsonContent,
	// errorMsg "beginTime and endTime".
	RejectBounds bool

	// BusyBurst makes the terminal busy for BusyBurst.For out of every
	// BusyBurst.Every (by the terminal's clock): requests then get deviceBusy,
	// as while iVMS-4200 pushes faces.
	BusyBurst BusyBurst

	// TrimPage: Search pages carry at most this many persons although
	// maxResults (capability 30) allows more; the reply's numOfMatches says
	// so and MORE continues. 0: no trimming beyond MaxResults.
	TrimPage int
}

// BusyBurst is a recurring busy period.
type BusyBurst struct {
	Every time.Duration
	For   time.Duration
}

// Profile is a named set of quirks imitating one real device.
type Profile struct {
	Name     string // short name used on the command line: "k1t342mwx"
	Device   string // the device and firmware it imitates
	Model    string // Config.Model it sets
	Firmware string // Config.Firmware it sets
	Realm    string // Config.Realm it sets ("" keeps the model)
	Does     string // what it does, in one line (doorsync demo --help lists it)
	Quirks   Quirks
}

// ProfileNone is the terminal as the vendor guide describes it.
const ProfileNone = "guide"

// Profiles lists every firmware profile, the guide's terminal first.
func Profiles() []Profile {
	return []Profile{
		{Name: ProfileNone, Device: "DS-K1T671MF V3.2.30 (as the ISAPI guide describes it)",
			Model: "DS-K1T671MF", Firmware: "V3.2.30 build 220812",
			Does: "no quirks beyond the guide's: 30-record pages, single request slot, lockout"},
		{Name: "k1t342mwx", Device: "DS-K1T342MWX V4.48.40",
			Model: "DS-K1T342MWX", Firmware: "V4.48.40 build 231107", Realm: "DS-6E392E44",
			Does:   "a nonce is good for two signed requests (the third gets a 401 without a challenge, invalidOperation); the realm changes case",
			Quirks: Quirks{NonceUses: 2, RealmFlipAfter: 3}},
		{Name: "kv6124e1", Device: "DS-KV6124-E1 V3.9.0 build 260115",
			Model: "DS-KV6124-E1", Firmware: "V3.9.0 build 260115",
			Does:   "nonces good for two requests; Valid times printed with +00:00 after local digits; permanent bounds refused",
			Quirks: Quirks{NonceUses: 2, ValidOffset: "+00:00", RejectBounds: true}},
		{Name: "k1t341am", Device: "DS-K1T341AM V3.2.30",
			Model: "DS-K1T341AM", Firmware: "V3.2.30 build 210315",
			Does:   "event search refuses startTime/endTime and needs major; some events dated 1970 after a clock reset",
			Quirks: Quirks{EventNoTimeRange: true, EventMajorRequired: true, ClockResetEvents: 7}},
		{Name: "k1t8003mf", Device: "DS-K1T8003MF (while iVMS-4200 pushes faces)",
			Model: "DS-K1T8003MF", Firmware: "V1.4.0 build 200924",
			Does:   "busy for 2 s out of every 5 s; search pages trimmed to 20 persons",
			Quirks: Quirks{BusyBurst: BusyBurst{Every: 5 * time.Second, For: 2 * time.Second}, TrimPage: 20}},
	}
}

// ProfileNames lists the names Profiles knows.
func ProfileNames() []string {
	var names []string
	for _, p := range Profiles() {
		names = append(names, p.Name)
	}
	return names
}

// LookupProfile finds a profile by name (case-insensitive).
func LookupProfile(name string) (Profile, error) {
	for _, p := range Profiles() {
		if strings.EqualFold(p.Name, strings.TrimSpace(name)) {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("unknown firmware profile %q (known: %s)", name, strings.Join(ProfileNames(), ", "))
}

// Apply sets the profile's model, firmware, realm and quirks on cfg.
func (p Profile) Apply(cfg Config) Config {
	cfg.Model, cfg.Firmware = p.Model, p.Firmware
	if p.Realm != "" {
		cfg.Realm = p.Realm
	}
	cfg.Quirks, cfg.Profile = p.Quirks, p.Name
	return cfg
}

// inBusyBurst reports whether the terminal is inside a busy period now, by
// its own clock: the first For of every Every, counted from the Unix epoch,
// so that the bursts are where the clock says whichever request comes.
func (t *Terminal) inBusyBurst() bool {
	b := t.cfg.Quirks.BusyBurst
	if b.Every <= 0 || b.For <= 0 {
		return false
	}
	phase := time.Duration(t.localNow().UnixNano() % int64(b.Every))
	if phase < 0 {
		phase += b.Every
	}
	return phase < b.For
}

// pageCap is how many persons one Search page may carry: the capability's
// maxResults, or fewer on firmware that trims pages (Quirks.TrimPage).
func (t *Terminal) pageCap() int {
	if n := t.cfg.Quirks.TrimPage; n > 0 && n < t.cfg.MaxResults {
		return n
	}
	return t.cfg.MaxResults
}

// flipRealm swaps the case of the part after the first dash, as the same
// device printed DS-6E392E44 and later DS-6e392e44 (RealmFlipAfter).
func flipRealm(realm string) string {
	prefix, rest, ok := strings.Cut(realm, "-")
	if !ok {
		return strings.ToLower(realm)
	}
	if strings.ToLower(rest) == rest {
		return prefix + "-" + strings.ToUpper(rest)
	}
	return prefix + "-" + strings.ToLower(rest)
}

// Model is the model the terminal reports (a profile's device).
func (t *Terminal) Model() string { return t.cfg.Model }

// Profile names the firmware profile the terminal plays ("" for none set).
func (t *Terminal) Profile() string { return t.cfg.Profile }

// Quirks returns the firmware quirks the terminal plays.
func (t *Terminal) Quirks() Quirks { return t.cfg.Quirks }
