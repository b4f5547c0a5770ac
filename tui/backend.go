package tui

import "github.com/doorsync/doorsync/internal/backend"

// The console's view of the outside world is package backend's, so that the
// application service implements it without importing the console. The
// names stay here as aliases: the console's code reads tui.Data, tui.Backend.
type (
	Backend       = backend.Backend
	HistoryQuery  = backend.HistoryQuery
	AccountRef    = backend.AccountRef
	EventEntry    = backend.EventEntry
	EventsResult  = backend.EventsResult
	Data          = backend.Data
	ImportSummary = backend.ImportSummary
	ImportTarget  = backend.ImportTarget
	Progress      = backend.Progress
	ApplyProgress = backend.ApplyProgress
	ApplyResult   = backend.ApplyResult
	HistoryEntry  = backend.HistoryEntry
	RunEntry      = backend.RunEntry
	Changes       = backend.Changes
	RepairedDrift = backend.RepairedDrift
	WhyReport     = backend.WhyReport
	WhyMember     = backend.WhyMember
	WhyStatus     = backend.WhyStatus
)

// The statuses of a target in Backend.Why's answer.
const (
	whyIn   = backend.WhyIn
	whyOut  = backend.WhyOut
	whyOpen = backend.WhyOpen
)

// ErrNoSnapshot is returned (wrapped) by Backend.Open when nothing was
// saved yet: the console then waits for the first refresh.
var ErrNoSnapshot = backend.ErrNoSnapshot
