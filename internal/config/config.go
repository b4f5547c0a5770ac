package config

import (
	"slices"
	"strconv"
	"time"
)

// Defaults. docs/configuration.md explains each choice.
const (
	// DefaultTimezone: the product is for a Slovenian gym. An explicit zone
	// beats the host's (small Linux boxes often run in UTC, which would move
	// end dates across midnight).
	DefaultTimezone = "Europe/Ljubljana"
	// DefaultDatabase is where a system install keeps its state (FHS; the
	// directory systemd's StateDirectory=doorsync creates). A relative
	// `database` is taken relative to the configuration file instead.
	DefaultDatabase = "/var/lib/doorsync/doorsync.db"

	DefaultCardskipperURL     = "https://api.cardskipper.se"
	DefaultCardskipperTimeout = 60 * time.Second // large organisations: one big export
	DefaultHikvisionTimeout   = 20 * time.Second // hikvision-isapi.md: 10–30 s per request
	DefaultNeyrossTimeout     = 30 * time.Second
	DefaultNTKTimeout         = 60 * time.Second // one upload of the whole list
	DefaultNeyrossName        = "neyross"
	DefaultNeyrossBatch       = 100
	DefaultNTKName            = "ntk"
	DefaultNTKMinInterval     = time.Hour
	DefaultMaxRevocations     = 25
	DefaultMaxRevocationPct   = 10
	DefaultSMTPPort           = 587
	// DefaultRetryBudget: a terminal busy for seconds at a time while
	// iVMS-4200 pushes faces gets minutes of retries, and a cron run of a
	// few terminals still ends well within its interval.
	DefaultRetryBudget = 3 * time.Minute

	// E-mail fields of a Hikvision terminal (where it may hold an e-mail).
	EmailFieldExtension = "extension" // PersonInfoExtends value
	EmailFieldName      = "name"
	EmailFieldNone      = "none"
)

// Plan kinds that policy.auto may name: the only ones that change an
// existing account's end date.
const (
	KindExtend     = "extend"
	KindReactivate = "reactivate"
	KindShorten    = "shorten"
	KindRevoke     = "revoke"
)

// Config is a validated configuration with defaults applied.
type Config struct {
	Path string // file it was loaded from
	// EnvFile is the env_file whose variables filled the ${VAR}s the
	// environment did not set; "" for none.
	EnvFile  string
	Timezone string // IANA name, e.g. "Europe/Ljubljana"
	Zone     *time.Location
	Database string // SQLite file; relative paths are already joined to the config's directory
	// RetryBudget is how long retries of busy or failing requests may take
	// per target and run; a target's own RetryBudget overrides it.
	RetryBudget time.Duration

	Cardskipper Cardskipper
	Hikvision   []Hikvision // one per terminal, in file order
	Neyross     *Neyross    // nil: not configured
	NTK         *NTK        // nil: not configured
	Policy      Policy
	Notify      Notify

	// Warnings are problems that do not stop a run (a world-readable file
	// holding a literal password, a password sent over plain HTTP).
	Warnings []string

	// literals lists the keys whose secret was written literally in the
	// file (not ${VAR}, not *_file); Load warns about them when the file is
	// readable by others. It holds key names only, never values.
	literals []literalSecret
	// secretFiles lists the files secrets were read from (paths only).
	secretFiles []secretFile
}

type literalSecret struct {
	key  string // "cardskipper.password", "notify.webhook (in the URL)"
	what string // "password" or "token"
	use  string // what would replace it: "${VAR} or password_file"
}

// secretFile is a *_file a secret was read from; Load warns when it is
// readable by others.
type secretFile struct {
	key  string // "hikvision.password_file"
	what string // "password" or "token"
	name string // the file's path
}

// Cardskipper is the membership system (source).
type Cardskipper struct {
	URL             string
	Username        string
	Password        Secret
	OrganisationID  int
	Roles           []int // role ids that count; empty = every role
	IncludeChildren bool  // roles in child organisations count too
	Timeout         time.Duration
}

// Hikvision is one door terminal.
type Hikvision struct {
	Name       string // unique target name: letters, digits, - and _
	URL        string // http(s)://host[:port], no trailing slash
	Username   string
	Password   Secret
	EmailField string // EmailFieldExtension, EmailFieldName or EmailFieldNone
	// TLSFingerprint pins a self-signed certificate: "sha256:" followed by
	// 64 lower-case hex digits (colons removed), or "" for none.
	TLSFingerprint string
	Timeout        time.Duration
	RetryBudget    time.Duration // 0: Config.RetryBudget
}

// Neyross is a NEYROSS platform reached through its EIS plugin.
type Neyross struct {
	Name        string
	URL         string
	Token       Secret
	Batch       int // persons per upsert/multiple request, 1..1000
	Timeout     time.Duration
	RetryBudget time.Duration // 0: Config.RetryBudget
}

// NTK is the NTK access-list endpoint.
type NTK struct {
	Name      string
	URL       string
	Username  string
	Password  Secret
	CardField string // "extra1", "extra2" or "extra3": the Cardskipper field holding the card number
	// Zones maps a Cardskipper role id (decimal, canonical: "3126") to the
	// NTK zones its holders get (0..99999, sorted, no duplicates).
	Zones        map[string][]int
	StudentRoles []int    // holders of these roles are students (zone 0)
	StudentTags  []string // members with one of these tags are students (zone 0)
	MinInterval  time.Duration
	Timeout      time.Duration
	RetryBudget  time.Duration // 0: Config.RetryBudget
}

// CardExtra returns the index into member.Member.Extra of the card field
// (0 for extra1 …).
func (n NTK) CardExtra() int {
	i, _ := strconv.Atoi(n.CardField[len("extra"):])
	return i - 1
}

// ZonesFor returns the zones a role grants (nil if none).
func (n NTK) ZonesFor(roleID int) []int { return n.Zones[strconv.Itoa(roleID)] }

// Policy decides what --auto applies.
type Policy struct {
	Auto                 []string // kinds applied unattended (KindExtend …)
	MaxRevocations       int      // guard: more members with a shorten or revoke than this holds everything
	MaxRevocationPercent float64  // guard: same, as a percentage of linked members (0..100)
}

// Allows reports whether --auto may apply items of the kind.
func (p Policy) Allows(kind string) bool { return slices.Contains(p.Auto, kind) }

// Notify says whom to tell about failed, partial and held runs.
type Notify struct {
	Webhook string // "" = none
	SMTP    *SMTP  // nil = none
}

// SMTP is an e-mail relay.
type SMTP struct {
	Host     string
	Port     int
	Username string // "" = no authentication
	Password Secret
	From     string
	To       []string
}

// RetryBudgets returns the retry budget of every target whose own
// retry_budget overrides the global one, by target name.
func (c *Config) RetryBudgets() map[string]time.Duration {
	m := map[string]time.Duration{}
	for _, h := range c.Hikvision {
		if h.RetryBudget > 0 {
			m[h.Name] = h.RetryBudget
		}
	}
	if n := c.Neyross; n != nil && n.RetryBudget > 0 {
		m[n.Name] = n.RetryBudget
	}
	if n := c.NTK; n != nil && n.RetryBudget > 0 {
		m[n.Name] = n.RetryBudget
	}
	return m
}

// HikvisionNamed returns the terminal configured under name.
func (c *Config) HikvisionNamed(name string) (Hikvision, bool) {
	for _, h := range c.Hikvision {
		if h.Name == name {
			return h, true
		}
	}
	return Hikvision{}, false
}
