package tui

import (
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/plan"
)

// State is a read-only summary of the console, for tests and tooling that
// watch the program (read it only where Update runs, e.g. a tea.WithFilter).
type State struct {
	Loaded     bool // some data is shown
	Stored     bool // the data shown comes from the stored snapshot
	Partial    bool // the data shown is the stored last plan alone, before the rest of what was saved
	Refreshing bool
	Applying   bool
	Rows       int // rows visible in the current tab and search
	Selected   int // items selected for approval
	Plan       plan.Plan
	LastApply  *ApplyResult
	Status     string
	StatusOK   bool   // the status is news, not an error
	Screen     string // table, detail, approve, apply, help, history, export, links, pick
	Links      LinksState
}

// LinksState summarises the identity view.
type LinksState struct {
	Missing  int  // members without an account shown (per target)
	Unlinked int  // accounts without a member shown
	Ranked   bool // the suggestions are those of the data shown
	Busy     bool // a link change or an import is being stored
	// Chosen is the suggestion y would confirm (nil: none).
	Chosen *identity.Suggestion
	Import *ImportSummary
}

func (s screen) String() string {
	return [...]string{"table", "detail", "approve", "apply", "help", "history", "export", "links", "pick", "changes"}[s]
}

// State reports the console's state.
func (m *Model) State() State {
	s := State{Loaded: m.data != nil, Refreshing: m.refreshing, Applying: m.applying.running(), Rows: m.table.shown(),
		Selected: m.table.selectedCount(), LastApply: m.applying.result(), Status: m.status, StatusOK: m.statusOK, Screen: m.screen.String()}
	if m.data != nil {
		s.Stored, s.Partial, s.Plan = m.data.Stored, m.data.Partial, m.data.Plan
	}
	l := &m.links
	s.Links = LinksState{Missing: len(l.missing), Unlinked: len(l.unlinked), Ranked: l.sugGen == m.gen && !l.ranking,
		Busy: l.busy || len(l.queue) > 0, Import: l.imported}
	if c := l.chosen(); c != nil {
		cc := *c
		s.Links.Chosen = &cc
	}
	return s
}
