// Package identity decides which account on a target belongs to a member's
// e-mail. Terminals have no e-mail field (hikvision-isapi.md → The e-mail
// problem), so the sync keeps a link table; confirmed links win over an
// e-mail found on the terminal; name matches are only ever suggestions.
//
// Where things live: link.go Link and its origins; resolve.go the Resolver
// (links first, then e-mails found on the target); suggest.go and names.go
// the ranked, folded-name suggestions (Suggest, pure, so the console ranks
// them itself); recheck.go Owners, the check before a saved plan's write
// that the account still belongs to the item's member (a hand-edited plan
// cannot write one member's dates to someone else's account). Reading
// iVMS-4200 exports is in the sub-package ivms.
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
	// MemberID pins the link to one Cardskipper member: the link follows
	// that member through an e-mail change, and a family sharing an
	// e-mail is told apart by it. Links made before member ids were
	// recorded have none and match by e-mail alone.
	MemberID string
	// MemberName and AccountName are the names the operator was shown when
	// confirming the link. While both sides still carry them, names that
	// share no word do not hold the link's items (the operator saw that).
	MemberName  string
	AccountName string
	Origin      Origin
	CreatedAt   time.Time
	CreatedBy   string
	Note        string
}

// Resolution is what a run accepted: account Account on Target belongs to
// member MemberID (empty: to no member) whose e-mail and name were Email and
// Name, and the account was called AccountName. The next run compares its
// own resolutions with these; one that changed is held for the admin.
type Resolution struct {
	Target      string
	Account     string
	MemberID    string
	Email       member.Email
	Name        string
	AccountName string
	// IgnoredEmail is an e-mail found on the account that the admin set
	// aside: it finds no member here (AcceptResolutions keeps it apart
	// from the member; IgnoreEmail sets it).
	IgnoredEmail member.Email
}
