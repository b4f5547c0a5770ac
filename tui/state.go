package tui

import "github.com/doorsync/doorsync/internal/plan"

// State is a read-only summary of the console, for tests and tooling that
// watch the program (read it only where Update runs, e.g. a tea.WithFilter).
type State struct {
	Loaded     bool // some data is shown
	Stored     bool // the data shown comes from the stored snapshot
	Refreshing bool
	Applying   bool
	Rows       int // rows visible in the current tab and search
	Selected   int // items selected for approval
	Plan       plan.Plan
	LastApply  *ApplyResult
	Status     string
}

// State reports the console's state.
func (m *Model) State() State {
	s := State{Loaded: m.data != nil, Refreshing: m.refreshing, Applying: m.apply.running, Rows: len(m.view),
		Selected: len(m.sel), LastApply: m.apply.result, Status: m.status}
	if m.data != nil {
		s.Stored, s.Plan = m.data.Stored, m.data.Plan
	}
	return s
}
