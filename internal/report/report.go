package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

// Version is the version of the JSON report; it changes only when a field
// changes meaning or disappears.
const Version = 1

// DefaultTitle is the title FromPlan gives a report.
const DefaultTitle = "doorsync mismatch report"

// endLayout is how end times appear: the target's wall-clock time without an
// offset, as in `plan --json` and on the terminals themselves.
const endLayout = "2006-01-02T15:04:05"

// Status values FromPlan sets; rows of a past run carry the apply statuses
// instead (applied, failed, stale, skipped).
const (
	StatusAuto   = "auto"   // --auto applies it
	StatusHeld   = "held"   // awaits approval (or, for ambiguous, a link)
	StatusGuard  = "guard"  // would be applied, but the blast-radius guard holds everything
	StatusReport = "report" // reported only: the sync never writes it
	StatusOK     = "ok"     // in sync
)

// PermanentEnd is what CurrentEnd says for an account with no end of
// validity (Hikvision Valid.enable=false).
const PermanentEnd = "permanent"

// Row is one item of the report.
type Row struct {
	Kind        string `json:"kind"`
	Email       string `json:"email"`
	Name        string `json:"name"`
	MemberID    string `json:"member_id"`
	Target      string `json:"target"`
	System      string `json:"system"`
	Account     string `json:"account"`
	AccountName string `json:"account_name"`
	SourceEnd   string `json:"source_end"`  // the Cardskipper end date, YYYY-MM-DD
	CurrentEnd  string `json:"current_end"` // the target's end, wall-clock; "permanent"; or ""
	DesiredEnd  string `json:"desired_end"`
	Status      string `json:"status"`
	Reason      string `json:"reason"`
	DaysDiff    int    `json:"days_diff"` // desired − current in calendar days; 0 when either is missing
	Auto        bool   `json:"auto"`
	Drift       bool   `json:"drift"`
}

// TargetLine says what was read of one target.
type TargetLine struct {
	Name     string `json:"name"`
	System   string `json:"system"`
	Accounts int    `json:"accounts"`
	Error    string `json:"error"` // the target could not be read: it has no rows
}

// Report is everything a report shows, in any format.
type Report struct {
	Title       string
	GeneratedAt time.Time
	Timezone    string // IANA name; times are shown in it
	Today       string // YYYY-MM-DD in Timezone
	RunID       int64  // 0: the current plan, not a recorded run
	Summary     map[string]int
	// Guard is the reason the blast-radius guard tripped; "" when it did not.
	Guard string
	// SourceError is why the Cardskipper export failed; "" when it did not.
	SourceError string
	Targets     []TargetLine
	Rows        []Row
}

// FromPlan turns a plan into a report. Items of kind in_sync are counted in
// the summary but listed only when includeInSync is set (like `plan --all`).
// Rows are ordered by kind (plan.Kinds order), then as the plan orders them
// (e-mail, target, account). GeneratedAt is the plan's creation time; the
// caller may overwrite it and the title.
func FromPlan(p plan.Plan, includeInSync bool) Report {
	r := Report{
		Title: DefaultTitle, GeneratedAt: p.CreatedAt, Timezone: p.Timezone, Today: p.Today.String(),
		Summary: make(map[string]int, len(p.Summary)), SourceError: p.Source.Error,
		Targets: make([]TargetLine, 0, len(p.Targets)), Rows: []Row{},
	}
	for k, n := range p.Summary {
		r.Summary[string(k)] = n
	}
	if p.Guard.Tripped {
		r.Guard = cmp.Or(p.Guard.Reason, "tripped")
	}
	for _, t := range p.Targets {
		r.Targets = append(r.Targets, TargetLine{Name: t.Name, System: t.System, Accounts: t.Accounts, Error: t.Error})
	}
	for _, it := range p.Items {
		if it.Kind == plan.InSync && !includeInSync {
			continue
		}
		r.Rows = append(r.Rows, rowOf(&p, it))
	}
	slices.SortStableFunc(r.Rows, func(a, b Row) int { return cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)) })
	return r
}

func rowOf(p *plan.Plan, it plan.Item) Row {
	zone := p.Zone()
	r := Row{
		Kind: string(it.Kind), Email: string(it.Email), Name: it.Name, MemberID: it.MemberID,
		Target: it.Target, System: it.System, Account: it.Account, AccountName: it.AccountName,
		SourceEnd: it.SourceEnd.String(), Reason: it.Reason, Auto: it.Auto, Drift: it.Drift,
		CurrentEnd: formatEnd(it.CurrentEnd), DesiredEnd: formatEnd(it.DesiredEnd),
	}
	if it.Permanent && it.CurrentEnd.IsZero() {
		r.CurrentEnd = PermanentEnd
	}
	if zone != nil {
		r.DaysDiff = it.DaysDiff(zone)
	} else if !it.CurrentEnd.IsZero() && !it.DesiredEnd.IsZero() {
		// A plan decoded from JSON has no zone; each end's own location
		// (its offset or wall clock) gives its calendar day.
		cur, des := it.CurrentEnd.Time, it.DesiredEnd.Time
		r.DaysDiff = member.DateOf(cur, cur.Location()).DaysUntil(member.DateOf(des, des.Location()))
	}
	r.Status = statusOf(p, it)
	return r
}

func formatEnd(t plan.LocalTime) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(endLayout)
}

func statusOf(p *plan.Plan, it plan.Item) string {
	switch {
	case it.Kind == plan.InSync:
		return StatusOK
	case it.Kind.Writes() && p.Guard.Tripped:
		return StatusGuard
	case p.AppliedUnattended(it):
		return StatusAuto
	case it.Kind.Writes() || it.Kind == plan.Ambiguous:
		return StatusHeld
	default:
		return StatusReport
	}
}

// kindRank orders kinds as plan.Kinds does; unknown kinds (from a newer
// database) come last.
func kindRank(k string) int {
	for i, x := range plan.Kinds() {
		if string(x) == k {
			return i
		}
	}
	return len(plan.Kinds())
}
