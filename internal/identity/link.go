// Package identity decides which account on a target belongs to a member's
// e-mail. Terminals have no e-mail field (hikvision-isapi.md → The e-mail
// problem), so the sync keeps a link table; confirmed links win over an
// e-mail found on the terminal; name matches are only ever suggestions.
package identity

import (
	"time"

	"github.com/doorsync/doorsync/internal/member"
)

// Origin says how a link was made.
type Origin string

const (
	// Confirmed: an operator added or confirmed it (CLI or console).
	Confirmed Origin = "confirmed"
	// Imported: read from an iVMS-4200 person export.
	Imported Origin = "import"
	// Terminal: the e-mail was found on the target itself (extension or
	// name field). Such links are derived on every run, not stored.
	Terminal Origin = "terminal"
)

// Link ties a member e-mail to one account on one target.
type Link struct {
	Email   member.Email
	Target  string
	Account string
	// MemberID optionally pins the link to one member, for families that
	// share an e-mail address: without it a shared e-mail is ambiguous.
	MemberID  string
	Origin    Origin
	CreatedAt time.Time
	CreatedBy string
	Note      string
}
