package tui

import (
	"maps"
	"slices"
	"time"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

// State is a read-only summary of the console, for tests and tooling that
// watch the program (read it only where Update runs, e.g. a tea.WithFilter).
// It holds copies: changing it changes nothing in the console.
type State struct {
	Loaded     bool // some data is shown
	Stored     bool // the data shown comes from the stored snapshot
	Partial    bool // the data shown is the stored last plan alone, before the rest of what was saved
	Refreshing bool
	Applying   bool
	TakenAt    time.Time // when the data shown was read
	// Sides is the refresh's progress per system (Cardskipper, each
	// target), of the refresh running or the last one.
	Sides     map[string]Progress
	Rows      int // rows visible in the current tab and search
	AllRows   int // rows in every tab
	Selected  int // items selected for approval
	Plan      plan.Plan
	LastApply *ApplyResult
	Status    string
	StatusOK  bool   // the status is news, not an error
	Screen    string // table, detail, approve, apply, help, history, export, links, pick, changes
	Table     TableState
	Links     LinksState
	Pick      PickState
	Detail    DetailState
	Apply     ApplyState
	Export    ExportState
}

// TableState summarises the table.
type TableState struct {
	Tab     string // the tab's label ("needs action", "extend", …, "all")
	Counts  []int  // rows per tab, as the tab bar counts them (tabs in order; those matching the search while one narrows)
	Sort    string // what the rows are sorted by ("e-mail", "name", …)
	Search  string // the search as typed
	Finding bool   // the search is being typed
	// Compact: one column for every target, the details under the table
	// (the screen is too narrow for a column per target).
	Compact bool
}

// LinksState summarises the identity view.
type LinksState struct {
	Open     bool // the view is open (also under help or export)
	Missing  int  // members without an account shown (per target)
	Unlinked int  // accounts without a member shown
	Cursor   int  // the member row under the cursor
	Ranked   bool // the suggestions are those of the data shown
	Ranking  bool // suggestions are being ranked
	Busy     bool // a link change or an import is being stored or waits to be
	Storing  bool // a link change or an import is being stored now
	Queued   int  // link changes waiting for the one being stored
	Finding  bool // the search is being typed
	Words    []string
	Typing   bool // the path of an iVMS export is being typed
	// Chosen is the suggestion y would confirm (nil: none).
	Chosen *identity.Suggestion
	// Asking is the suggestion the question about equal rivals is about
	// (nil: none is asked).
	Asking *identity.Suggestion
	Import *ImportSummary
}

// PickState summarises the picker (zero unless it has the focus).
type PickState struct {
	Step string // "member", "account" or "confirm"
	// Members are the member and target pairs the row offers; Chosen is
	// the one under the cursor (step member) or chosen (after).
	Members []PickMember
	Chosen  int
	// Accounts are the ids of the target's accounts the search shows, in
	// order; Cursor the one under the cursor; Confirm the one the question
	// is about (step confirm).
	Accounts []string
	Cursor   string
	Confirm  string
}

// PickMember is a member on a target the picker offers to link.
type PickMember struct {
	Email    member.Email
	MemberID string
	Name     string
	Target   string
}

// DetailState summarises the detail's background reads.
type DetailState struct {
	EventsLoading bool  // door events are being read
	EventsErr     error // the door events' read failed
	WhyLoading    bool  // the targets are being asked why
}

// ApplyState summarises the apply running or last run.
type ApplyState struct {
	Running   bool
	Stopping  bool // told to stop after the requests in flight
	QuitAfter bool // the console quits once it has stopped
}

// ExportState summarises the report prompt.
type ExportState struct {
	Path string // as typed
	All  bool   // every item, not the rows shown
}

func (s screen) String() string {
	return [...]string{"table", "detail", "approve", "apply", "help", "history", "export", "links", "pick", "changes"}[s]
}

func (s pickStep) String() string { return [...]string{"member", "account", "confirm"}[s] }

// State reports the console's state.
func (m *Model) State() State {
	t := &m.table
	s := State{Loaded: m.data != nil, Refreshing: m.refreshing, Applying: m.applying.running(), Sides: maps.Clone(m.progress),
		Rows: t.shown(), AllRows: len(t.rows), Selected: t.selectedCount(), LastApply: m.applying.result(), Status: m.status,
		StatusOK: m.statusOK, Screen: m.screen.String(),
		Table: TableState{Tab: t.tabs[t.tab].label, Counts: slices.Clone(t.counts), Sort: t.sortBy.String(), Search: t.search.Value(), Finding: t.finding,
			Compact: !t.layout().perTarget}}
	if m.data != nil {
		s.Stored, s.Partial, s.Plan, s.TakenAt = m.data.Stored, m.data.Partial, m.data.Plan, m.data.TakenAt
	}
	s.Links = m.linksState()
	if m.screen == screenPick {
		s.Pick = m.pickState()
	}
	d := &m.detail
	s.Detail = DetailState{EventsLoading: d.ev.loading, EventsErr: d.evErr, WhyLoading: d.why.loading}
	a := &m.applying.a
	s.Apply = ApplyState{Running: a.running, Stopping: a.stopping, QuitAfter: a.quitAfter}
	s.Export = ExportState{Path: m.export.input.Value(), All: m.export.all}
	return s
}

func (m *Model) linksState() LinksState {
	l := &m.links
	s := LinksState{Open: l.active, Missing: len(l.missing), Unlinked: len(l.unlinked), Cursor: l.cursor,
		Ranked: l.sugGen == m.gen && !l.ranking, Ranking: l.ranking, Busy: l.busy || len(l.queue) > 0, Storing: l.busy, Queued: len(l.queue),
		Finding: l.finding, Words: append([]string(nil), l.words...), Typing: l.typing, Import: l.imported}
	if c := l.chosen(); c != nil {
		cc := *c
		s.Chosen = &cc
	}
	if l.ask != nil {
		sug := l.ask.sug
		s.Asking = &sug
	}
	return s
}

func (m *Model) pickState() PickState {
	p := &m.pick
	s := PickState{Step: p.step.String(), Chosen: p.ci, Confirm: p.chosen.id}
	for _, c := range p.cands {
		s.Members = append(s.Members, PickMember{Email: c.email, MemberID: c.memberID, Name: c.name, Target: c.target})
	}
	for _, i := range p.view {
		s.Accounts = append(s.Accounts, p.accs[i].id)
	}
	if a := p.current(); a != nil {
		s.Cursor = a.id
	}
	return s
}
