// Package backend holds what the console and the application service say to
// each other: the Backend interface and every type it carries. It is a leaf
// (plan, member, identity and target types only), so the console (tui)
// depends on it and never on the service, the store or the network, and the
// service (internal/service) implements it without knowing the console.
package backend

import (
	"context"
	"errors"
	"time"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
)

// Backend is everything the console asks of the outside world. The
// application service implements it (internal/service) over the engine and
// the store, so the console needs neither net/http nor database/sql. Every
// method may block; the console calls each one inside a tea.Cmd, never in
// Update.
type Backend interface {
	// Open is what the last fetch saved, for an instant start: members,
	// accounts and their plan. Before it returns, first (when not nil) gets
	// the stored last plan alone as soon as it is read (Data.Partial), to
	// draw while the rest is read. ErrNoSnapshot (wrapped) when nothing was
	// saved yet.
	Open(ctx context.Context, first func(Data)) (Data, error)
	// Refresh reads the source and every target concurrently and plans.
	// progress is called from several goroutines. A failing side is part of
	// the Data (Plan.Source.Error, Plan.Targets[i].Error), not an error; an
	// error means nothing could be planned.
	Refresh(ctx context.Context, progress func(Progress)) (Data, error)
	// Apply writes the approved items of p. Cancelling ctx stops after the
	// requests in flight.
	Apply(ctx context.Context, p plan.Plan, approved []string, progress func(ApplyProgress)) (ApplyResult, error)
	// History lists the most recent recorded items of a row: those of its
	// members (by member id, whatever e-mail they had), and the items with
	// no member id and the row's e-mail (records made before items carried
	// one). Without members, every item of the e-mail.
	History(ctx context.Context, q HistoryQuery, limit int) ([]HistoryEntry, error)
	// Runs lists the most recent runs, newest first.
	Runs(ctx context.Context, limit int) ([]RunEntry, error)
	// RunItems lists what one run did.
	RunItems(ctx context.Context, runID int64) ([]HistoryEntry, error)
	// AddLink stores a link the operator confirmed (identity view).
	AddLink(ctx context.Context, l identity.Link) error
	// RemoveLink deletes a stored link (undo of a confirmation); an error
	// when no such link is stored.
	RemoveLink(ctx context.Context, l identity.Link) error
	// ImportLinks reads the iVMS-4200 person export at path and stores the
	// links it adds to each target of read (the targets as last read: no
	// network). A target that was not read gets nothing. On an error after
	// some links were stored, the summary says what was done so far.
	ImportLinks(ctx context.Context, path string, read []plan.TargetState) (ImportSummary, error)
	// Replan plans d again from what it holds (d.Members, d.Targets) with
	// the links stored now: what changed after a link was added, removed or
	// imported, without reading either side again.
	Replan(ctx context.Context, d Data) (Data, error)
	// Events reads the latest door events of the given accounts from the
	// targets that keep an event log, newest first, at most limit in all.
	// A target that cannot be read is named in the result's Failed while
	// the others still count; an error means nothing could be asked.
	Events(ctx context.Context, accounts []AccountRef, limit int) (EventsResult, error)
	// Why answers "why can't this member get in?" for one e-mail: per
	// member holding it, per configured target, the answer first and the
	// evidence (why.go). It reads only: it writes to no target and records
	// no run. An error means nothing could be answered.
	Why(ctx context.Context, email member.Email) (WhyReport, error)
}

// HistoryQuery names whose history the detail shows: the row's members
// and its e-mail.
type HistoryQuery struct {
	Members []string
	Email   member.Email
}

// AccountRef names one account on one target.
type AccountRef struct {
	Target  string
	Account string
}

// EventEntry is one door event of an account, as the detail shows it.
type EventEntry struct {
	Target string
	target.Event
}

// EventsResult is what Backend.Events found.
type EventsResult struct {
	Since   time.Time    // the start of the window read
	Entries []EventEntry // newest first
	// Read are the targets read (those keeping an event log), in the
	// order of the accounts; Failed has one line per target that keeps one
	// but could not be read, naming it.
	Read   []string
	Failed []string
	// Notes say what a target left out of what it read, one line each,
	// naming it ("entrance: 3 events of 1042 with a reset clock (1970)
	// left out"): the events shown are not all the terminal logged.
	Notes []string
}

// Data is one planned picture of both sides.
type Data struct {
	Plan     plan.Plan
	Members  []member.Member
	Accounts map[string][]target.Account // by target name
	Links    []identity.Link
	// TakenAt is when the sides were read; Stored marks a plan built from
	// saved snapshots (shown with its age until a refresh replaces it).
	TakenAt  time.Time
	Stored   bool
	LastSync time.Time // the last finished run, zero if none
	// LastOutcome is the last run's outcome ("ok", "failed", "partial",
	// "held", "guard", "abandoned"; "": none).
	LastOutcome string
	// What the plan was built from besides Members: the targets as read
	// (info, accounts, error) and the organisations whose roles count.
	// Replan plans again from them.
	Targets       []plan.TargetState
	Organisations []int
	// Partial marks the stored last plan given before the rest of what
	// was saved (Backend.Open): Members, Accounts, Links and Targets are
	// empty, so what needs them waits.
	Partial bool
	// AutoHeld maps the ids of items that an unattended run (--auto,
	// watch) held for approval to when the latest such run started: they
	// wait for an operator, and the console marks them.
	AutoHeld map[string]time.Time
	// NotValid says, by member id, why a member whose counting role ends
	// today or later is not valid today ("inactive", "not started"): the
	// console shows it instead of that end. Empty while Partial.
	NotValid map[string]string
	// Changes is what changed since the last run (empty while Partial).
	Changes Changes
}

// Changes is what the plan holds that changed since the last run: the run
// compared with, and the items (the service says which run that is and
// why: internal/service/changes.go).
type Changes struct {
	// RunID is the run compared with (0: none recorded yet); RunMode and
	// RunAt (its start) name it for the admin.
	RunID   int64
	RunMode string
	RunAt   time.Time
	// Items are the plan's items that changed, in plan order.
	Items []plan.Change
	// NewUntold: no unattended run (--auto, watch) recorded the whole plan
	// up to the run compared with, so what is new cannot be told; Items
	// hold no plan.ChangeNew then.
	NewUntold bool
	// Repaired is the drift that runs since the run compared with wrote
	// back (plan.DriftRepaired): no longer in what the plan shows.
	Repaired []RepairedDrift
}

// RepairedDrift is an item found drifted and written back by a run since
// the run compared with.
type RepairedDrift struct {
	ItemID string
	// PlanItemID is the plan's item of the same account now ("": the plan
	// holds none), the row to open.
	PlanItemID string
	Kind       plan.Kind
	Email      member.Email
	Target     string
	Account    string
	// RunID is the run that wrote it back; RunMode and RunAt (its start)
	// name it.
	RunID   int64
	RunMode string
	RunAt   time.Time
}

// None says nothing changed: no item, no drift repaired.
func (c Changes) None() bool { return len(c.Items) == 0 && len(c.Repaired) == 0 }

// Count is the number of items changed for why.
func (c Changes) Count(why plan.ChangeWhy) int {
	n := 0
	for _, ch := range c.Items {
		if ch.Why == why {
			n++
		}
	}
	return n
}

// ImportSummary is what importing an iVMS-4200 export did.
type ImportSummary struct {
	Path    string
	Format  string // "CSV (UTF-8, semicolon-delimited)"
	Rows    int    // person rows in the file, usable or not
	Targets []ImportTarget
}

// ImportTarget is what an import did on one target.
type ImportTarget struct {
	Target    string
	Linked    int
	Unchanged int
	Skipped   int
	// Skips are the reasons, in file order ("line 7: person 1044 (Ana
	// Novak): not on target gym").
	Skips []string
	// Err is set when nothing was imported to the target (it was not read).
	Err string
}

// Linked is the number of links the import stored on every target.
func (s ImportSummary) Linked() int {
	n := 0
	for _, t := range s.Targets {
		n += t.Linked
	}
	return n
}

// Progress is one step of a refresh: System is "cardskipper" or a target's
// name.
type Progress struct {
	System string
	Done   int
	Total  int
	Err    error
	Over   bool // this side finished (successfully when Err is nil)
}

// ApplyProgress is one step of applying.
type ApplyProgress struct {
	Target string
	Done   int
	Total  int
	ItemID string // set when one item finished
	Status string // applied, failed, stale, skipped, cancelled
	Err    error  // the item's or the target's error
	// Sent is how many write requests went out to the target so far (0:
	// not told by this progress); items settle after their read-back.
	Sent int
	// Note says what became of a whole-list target's list (sent,
	// accepted, waiting for its minimum interval), with no item.
	Note string
	// Phase is what the target's writes do now, told as they move on
	// ("" with an item's result, a note or an error: unchanged): "waiting"
	// (told for every target with items before any is written), "read"
	// (re-reading the accounts before writing), "write", "verify"
	// (reading back what was written).
	Phase string
}

// ApplyResult is what an apply did.
type ApplyResult struct {
	RunID   int64
	Applied int
	Failed  int
	Stale   int
	// Cancelled counts the items not sent because the apply was stopped
	// (Stopped): the requests in flight finished and were read back.
	Cancelled int
	Stopped   bool
	// Acknowledged counts the identity changes approved with nothing to
	// write: the run accepted them as shown (engine.Outcome.Acknowledged).
	Acknowledged int
	// Summary is the run's own account ("… 2 identity changes accepted").
	Summary string
	// FailedIDs lists the items that failed or were skipped, CancelledIDs
	// those not sent because the apply was stopped: the console keeps
	// both selected to approve again.
	FailedIDs    []string
	CancelledIDs []string
	Errors       []string
}

// HistoryEntry is one recorded item of a past run.
type HistoryEntry struct {
	RunID      int64
	At         time.Time
	Kind       plan.Kind
	Email      member.Email
	Target     string
	Account    string
	Status     string
	Before     string
	After      string
	Error      string
	ApprovedBy string
	Drift      bool
}

// RunEntry is one past run.
type RunEntry struct {
	ID         int64
	Mode       string
	User       string
	StartedAt  time.Time
	FinishedAt time.Time
	Outcome    string
	Counts     map[string]int
	Error      string
}

// ErrNoSnapshot is returned (wrapped) by Backend.Open when nothing was
// saved yet: the console then waits for the first refresh.
var ErrNoSnapshot = errors.New("no stored snapshot yet")
