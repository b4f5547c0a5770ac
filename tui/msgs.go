package tui

import "github.com/doorsync/doorsync/internal/identity"

// Every result of a background call carries the id of the request that
// asked for it; the console drops results of requests it has since
// replaced (a refresh after a refresh, history of a row no longer shown).

// openedMsg carries what the last fetch saved (Backend.Open): its plan
// alone first (Data.Partial), then the whole data (last).
type openedMsg struct {
	req  int
	data Data
	err  error
	last bool
	// shown, with the plan alone, is closed once the console shows it (or
	// drops it): Open reads the rest then.
	shown chan struct{}
}

type refreshProgressMsg struct {
	req int
	p   Progress
}

type refreshDoneMsg struct {
	req  int
	data Data
	err  error
}

type applyProgressMsg struct {
	req int
	p   ApplyProgress
}

type applyDoneMsg struct {
	req int
	res ApplyResult
	err error
}

type historyMsg struct {
	req     int
	entries []HistoryEntry
	err     error
}

type eventsMsg struct {
	req int
	res EventsResult
	err error
}

type runsMsg struct {
	req  int
	runs []RunEntry
	err  error
}

type runItemsMsg struct {
	req     int
	run     int64
	entries []HistoryEntry
	err     error
}

type exportDoneMsg struct {
	path  string
	rows  int // the console's rows written
	items int // their items: the report's lines
	err   error
}

// suggestMsg carries the ranked suggestions for the data of generation gen.
type suggestMsg struct {
	req  int
	gen  int
	sugs []identity.Suggestion
}

// linkOpMsg is the end of one change to the links (confirm, undo, import)
// and, when it succeeded, the plan made again from the data of generation
// gen.
type linkOpMsg struct {
	req       int
	gen       int
	op        linkOp
	sum       ImportSummary
	err       error
	data      Data
	replanned bool
	replanErr error
}

// replanMsg is a plan made again from the data of generation gen.
type replanMsg struct {
	req  int
	gen  int
	data Data
	err  error
}
