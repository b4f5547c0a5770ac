package plan

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/doorsync/doorsync/internal/member"
)

// FormatVersion is the version of the plan JSON (product.md → plan --json).
const FormatVersion = 1

// localLayout is how end times appear in plans: terminal local time without
// an offset, as ISAPI's timeType "local" writes them.
const localLayout = "2006-01-02T15:04:05"

// Plan is the work for one run.
type Plan struct {
	Version   int             `json:"version"`
	CreatedAt time.Time       `json:"created_at"`
	Today     member.Date     `json:"today"`
	Timezone  string          `json:"timezone"`
	Source    Source          `json:"source"`
	Summary   map[Kind]int    `json:"summary"`
	Guard     Guard           `json:"guard"`
	Targets   []TargetSummary `json:"targets"`
	Items     []Item          `json:"items"`
	zone      *time.Location  // not serialised: Timezone names it
	_         struct{}        // keep composite literals keyed
}

// Source describes the source side of the plan.
type Source struct {
	System  string `json:"system"`
	Members int    `json:"members"`
	// Error is set when the export failed: then the plan holds no writes.
	Error string `json:"error,omitempty"`
}

// TargetSummary says what was read of one target.
type TargetSummary struct {
	Name     string `json:"name"`
	System   string `json:"system"`
	Accounts int    `json:"accounts"`
	// Error is set when the target could not be read: it gets no items.
	Error string `json:"error,omitempty"`
}

// Guard is the blast-radius guard (product.md): when tripped, --auto applies
// nothing at all.
type Guard struct {
	Tripped bool   `json:"tripped"`
	Reason  string `json:"reason,omitempty"`
	// Revocations is the number of MEMBERS (not items) with a shorten or
	// revoke item on any target: one person, one decision, however many
	// terminals hold them. Linked is the number of members with at least
	// one account. plan --json: guard.revocations, guard.linked.
	Revocations int `json:"revocations"`
	Linked      int `json:"linked"`
}

// Item is one (member e-mail, target) pair and what to do about it.
type Item struct {
	ID          string       `json:"id"`
	Kind        Kind         `json:"kind"`
	Email       member.Email `json:"email,omitempty"`
	Name        string       `json:"name,omitempty"`
	MemberID    string       `json:"member_id,omitempty"`
	Target      string       `json:"target,omitempty"`
	System      string       `json:"system,omitempty"`
	Account     string       `json:"account,omitempty"`
	AccountName string       `json:"account_name,omitempty"`
	SourceEnd   member.Date  `json:"source_end,omitzero"`
	CurrentEnd  LocalTime    `json:"current_end,omitzero"`
	Permanent   bool         `json:"permanent,omitempty"` // the account has no end (Valid.enable=false)
	DesiredEnd  LocalTime    `json:"desired_end,omitzero"`
	Auto        bool         `json:"auto"`
	Reason      string       `json:"reason"`
	Clamped     bool         `json:"clamped,omitempty"`
	// Drift: the sync set this account's end earlier and it changed since
	// (iVMS-4200 "Apply to Device"); the item re-asserts the date.
	Drift bool `json:"drift,omitempty"`
	// LinkOrigin says how the account was found for the e-mail ("accepted":
	// by member id, from what an earlier run accepted).
	LinkOrigin string `json:"link,omitempty"`
	// Identity, when set, says what changed in who this account belongs
	// to since the last run, or that the names differ; the reason starts
	// with it. No policy applies such an item: it waits for the admin.
	Identity string `json:"identity,omitempty"`
	// EmailWas is the member's e-mail at the last run, when it changed and
	// the account stayed the member's (noted, applied as usual).
	EmailWas member.Email `json:"email_was,omitempty"`
	// WasMember is, for an identity change, the member id the account was
	// accepted for when the plan was made ("": none): applying the change
	// later is refused if that changed since (identity.Owners.Recheck).
	WasMember string `json:"was_member,omitempty"`
}

// DaysDiff is desired minus current in calendar days (0 when either is
// missing), for sorting and the console's "difference" column.
func (it Item) DaysDiff(zone *time.Location) int {
	if it.CurrentEnd.IsZero() || it.DesiredEnd.IsZero() {
		return 0
	}
	return member.DateOf(it.CurrentEnd.Time, zone).DaysUntil(member.DateOf(it.DesiredEnd.Time, zone))
}

// LocalTime is an instant written as local wall-clock time without an
// offset ("2025-11-01T23:59:59"), in the plan's zone.
type LocalTime struct{ time.Time }

func (t LocalTime) MarshalText() ([]byte, error) {
	if t.IsZero() {
		return nil, nil
	}
	return []byte(t.Format(localLayout)), nil
}

// UnmarshalText reads the wall-clock text as UTC; Decode moves it into the
// plan's zone.
func (t *LocalTime) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*t = LocalTime{}
		return nil
	}
	v, err := time.Parse(localLayout, string(b))
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// MarshalJSON and UnmarshalJSON are needed because the embedded time.Time's
// own JSON methods would otherwise win over the text ones (and write an offset).
func (t LocalTime) MarshalJSON() ([]byte, error) {
	b, _ := t.MarshalText()
	return json.Marshal(string(b))
}

func (t *LocalTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("end time: %w", err)
	}
	return t.UnmarshalText([]byte(s))
}

// Zone is the plan's time zone.
func (p *Plan) Zone() *time.Location { return p.zone }

// WithZone returns p placed in zone, which must be the location its
// Timezone names: for plans restored from storage other than Decode.
func WithZone(p Plan, zone *time.Location) Plan {
	p.zone = zone
	return p
}

// AppliedUnattended says whether an unattended run (--auto, watch) writes
// it without an operator: a write its kind's policy allows (Item.Auto, never
// set for an identity change), in a plan whose source was read and whose
// guard did not trip. The one place that rule stands: the engine decides by
// it, and the plan's text and reports say what it decided.
func (p *Plan) AppliedUnattended(it Item) bool {
	return it.Kind.Writes() && it.Auto && !p.Guard.Tripped && p.Source.Error == ""
}
