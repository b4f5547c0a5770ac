// Package tui is the reconciliation console (`doorsync`, `doorsync demo`):
// the admin sees Cardskipper's members and every target's accounts side by
// side, inspects a row, links accounts to members, approves and applies
// changes, reads the history and exports a report. It is a Bubble Tea v2
// program over the Backend interface of internal/backend (aliased here in
// backend.go, so the code reads tui.Backend, tui.Data), which the
// application service (internal/service) implements with the engine and the
// store. The console therefore imports neither net/http, database/sql, the
// store, the engine nor the service; internal/archtest enforces it, and only
// the composition root (internal/cli) imports this package.
//
// # Shape
//
// Model (model.go) is the root and the only component returning a tea.View
// (view.go). Each screen is a component (component.go, soft-serve's
// contract: Update(msg) tea.Cmd, View() string, SetSize, help.KeyMap) that
// owns its state and holds one common value (common.go) for what all read:
// the options (backend, clock, user), the context, the keys, the styles,
// the data's zone and the logger; only the root writes it. The table owns
// the rows, their filter (tab, search words, sort), the cursor and the
// selection; the apply screen owns the apply. Screens tell each other what
// changed by messages (tell.go) that the root routes before the Update that
// sent them returns: new data is announced to every screen (dataMsg), the
// table gives the detail its row (rowMsg) and the approval dialog the
// selected ids (approveMsg), the detail moves and toggles the table's row
// (stepRowMsg, toggleRowMsg), the approval starts the apply (applyMsg),
// whose end says which items stay selected (applyEndMsg), the export asks
// the table for the rows shown (exportRowsMsg), the picker hands a link to
// the identity view (addLinkMsg), whose re-plan goes to the root
// (replannedMsg). The root keeps what is the console's own — the data
// shown and the order of requests, focus, quitting, the refresh's progress,
// the status line — routes (a result meant for one screen to that screen
// even when it lacks the focus, the keys that apply everywhere to itself
// unless the focused screen takes every key: capturer, the rest to the
// focused screen) and composes the frame: the title line, the status line
// (a screen's prompt: prompter), the focused screen's View, and a footer of
// its ShortHelp drawn by bubbles' help. Every screen gets SetSize with the
// body's size on each tea.WindowSizeMsg and draws to it. The status line
// is one line for a prompt (its input scrolls); a notice or an error wider
// than the screen wraps onto as many lines as it needs, up to a third of
// the screen, and the body shrinks by as many (fitBody sizes the screens
// again), so a server's reply or a path is read whole.
//
// Where things live:
//
//	model.go      Model, Options, start-up, routing of messages and keys
//	view.go       the frame: title, status, body, footer
//	component.go  the screen contract
//	common.go     what every screen reads (common)
//	tell.go       the messages screens tell each other, and their delivery
//	keys.go       KeyMap: every key, declared once
//	styles.go     Styles for the terminal's background
//	rows.go       rows of the table (one per e-mail, an item per target), filter, sort
//	table.go      the home screen: tabs per kind, the table, the search
//	table_state.go  the table's rows, cursor and selection as told and asked
//	detail.go     one row: accounts, roles, link origin, drift, history, door events,
//	              scrolled by every move key; detail_lines.go draws it wrapped (a
//	              row several members share: each member with its own items),
//	              detail_why.go asks and shows why the member can or cannot get in
//	approve.go    the approval dialog
//	apply.go      a running apply: progress per target, item results, summary
//	history.go    past runs and the items of one (narrowed by kind, target)
//	changes.go    what changed since the last run (Data.Changes), its headline
//	export.go     the report prompt
//	links*.go     the identity view: members without an account beside
//	              accounts without a member, suggestions, confirm, reject,
//	              undo, iVMS import (links_view.go draws, links_ops.go changes)
//	pick.go       linking a row by hand
//	help.go       the help screen and the footer's hints
//	msgs.go       results of background calls, each with its request id
//	stream.go     progress of a refresh or an apply carried to the program
//	state.go      a read-only summary (State: the table, the identity view, the
//	              picker, the detail's reads, the apply, the export) for tests
//	              and tooling
//	read.go       small read methods beside State (focus, rows, selection, the
//	              identity view's lists, request ids), each returning a copy
//	run.go        Run: the program on a terminal
//
// # What the operator can do
//
// The console starts at once from what the last fetch stored, shows its
// age, and refreshes both sides concurrently with progress per system and
// errors per side (in the status line while it runs). The header names the
// last sync, or says the last run failed. The table has one column per
// target, or, when the screen is narrow, one column all targets share with
// the cursor row's targets listed under the table: the shared cell shows
// their end when every target agrees, else how many targets are of each
// kind, the most consequential first ("3M 1="), so one target's date never
// stands for targets that differ. The Cardskipper column says why a member
// whose role still runs is not valid today ("inactive") rather than that
// role's end. Badges carry a letter per kind. There are tabs per kind, a
// search that folds case and diacritics, and sorting; tabs, the position
// and the selection all count rows (one per e-mail): a kind's tab holds the
// rows with an item of that kind, each marked with its letter there, the
// in-sync tab only rows whose every item is in sync, and the selection says
// "N rows selected (M items)"; while a search is active each tab counts the
// rows that match, and an empty tab says where the matches are. At 80×24
// the footer takes two lines when one cannot hold every key, and a tab bar
// too narrow for its labels shows the other kinds' letters, scrolling to
// the active tab (‹ › where tabs are cut).
// A row opens its detail: accounts, roles, link origin, drift, its history
// (followed by member id: Backend.History, HistoryQuery), the door
// events of its accounts and, per member and target, why the member can or
// cannot get in (Backend.Why, asked when the row is opened or moved to and
// cancelled when it is left: the answer first in one line, then the
// evidence). Its text wraps, a row several members share lists each member
// with its own items, and every move key the help lists scrolls it.
//
// Rows are selected and approved in a dialog with counts per kind and
// target that lists every write, the revocations and shortenings first,
// then those --auto would hold, then the rest; it fits the screen, wrapping
// and scrolling, and applies only once every line was shown. Items held by an
// unattended run are marked (H). An apply shows progress per target from its
// first frame (each target with items "waiting", then "re-reading",
// "writing", "reading back"; a whole-list target such as NTK too, with its
// notes), counts per status, and each item's
// result in a log that scrolls; Esc stops it after the requests in flight,
// the rest recorded cancelled, and the failed and cancelled items stay
// selected for a retry. Quitting asks while it runs, and the question goes
// with the apply it was about.
//
// The identity view (L) lists members without an account
// beside accounts without a member, with identity.Suggest's suggestions
// ranked per member with score and why; a suggestion is confirmed (a
// confirmed link by the console's user), rejected (hidden for the session)
// or undone, and an iVMS-4200 export is imported by path; after each change
// the plan is made again at once from the data already read
// (Backend.Replan). The view offers on a row only what its target takes
// (backend.Linking): a terminal's row linking and the iVMS import, which
// runs against the terminals only; a NEYROSS row linking but no import;
// an NTK row (a whole list, no accounts) neither, and no accounts beside
// it. A key refused there says why in the status line.
//
// The history screen lists runs and their items, narrowed by kind (tab)
// and target (t). What changed since the last run (c: new
// mismatches, items that failed again, identity changes held, drift, as
// the service found them in Data.Changes, naming the run compared with) is
// counted in the status line and listed in a view, failed again first,
// whose enter opens the item's row in the detail even when the table's tab
// hides it. The apply's log scrolls (↑↓ pgup pgdn g G), also after the
// apply; the export writes the rows shown or all of them; help and refresh
// are a key away.
//
// Linking by hand (pick.go, links*.go): an ambiguous or missing row is
// linked where it is shown (p in the table, the detail or the identity
// view): first the member and target when the row holds several (a family
// sharing an e-mail), then an account from the target's list, searched as
// the table is, then a question showing both names; every link the console
// stores carries the member id and the names shown. The picker lists the
// member's own name first (identity.Name.Score), then what the e-mail finds,
// then names sharing a word; it warns when the names are not the same, asks
// which target when several have accounts, and never offers a target
// without an account list (a whole-list target such as NTK). The identity
// view searches both lists (/). A suggestion that other members match
// equally asks first, naming them.
//
// # Rules it keeps, and why
//
//   - A key that links acts only on what was drawn: View records the row
//     (and the suggestion or account) under the cursor, and the key is
//     refused with a message while suggestions are ranked or when the
//     cursor's row changed since the last frame: a link stored for the
//     wrong row would give one member's validity to another's account.
//   - Identity changes (plan.Item.Identity) are where the admin looks
//     first: such rows sort first in every order and in every tab that holds
//     them, are marked I and counted under the table, and the detail shows
//     the change in full. An identity change is selectable whatever its kind;
//     approving one that writes nothing (in sync, unlinked, invalid,
//     ambiguous on an account) accepts it as shown (the engine's
//     acknowledged). A row is titled with its member's name, never with that
//     of an account the member's e-mail also finds.
//   - The approval dialog names every identity change it approves with its
//     text and says plainly what approving does (the account given to the
//     member, or the e-mail set aside on an account it also finds), counts
//     those accepted with nothing written apart from the writes, wraps every
//     line to its width (never wider than the screen) and scrolls (↓/j, pgdn,
//     space, G; ↑/k, pgup, g) keeping a change's header above its text. It
//     applies only once every line was drawn in full: y before that only says
//     what is left to read. The run's summary (with
//     ApplyResult.Acknowledged), wrapped, is shown after it.
//   - Keys are declared once (KeyMap: one binding per meaning, so esc is
//     Back, ClearSearch and Stop) and matched with key.Matches, never
//     compared as strings (TestKeysMatchedThroughKeyMap). The help lists
//     every binding with all its keys and every kind's letter, scrolling at
//     80×24; the footer drops its least important hints first, so "? help"
//     and "q quit" stay on every screen where they work.
//   - Nothing blocks Update: every call that waits runs in a tea.Cmd; a
//     refresh and an apply send their progress through a stream, which never
//     blocks the engine's goroutines and never drops a result. Every result
//     carries its request id, so a stale one (a refresh after a refresh, the
//     history of a row no longer shown) is dropped.
//   - Suggestions are ranked in the console (identity.Suggest is pure),
//     inside a command; the iVMS import runs behind Backend.ImportLinks
//     because package ivms imports net/http through excelize.
//   - Text from outside never steers the terminal: names and messages are
//     cleaned where they enter (textclean), and the whole frame is cleaned
//     again before it is drawn (view.go, textclean.Frame: a database written
//     by an older version may still hold raw names), so only the console's
//     own colours stay.
//   - Lists (the table, the identity view, history runs and a run's items)
//     clamp their cursors, so an empty list is drawn and moved in safely.
//   - Styles are built per console (NewStyles) for the terminal's
//     background; they start from COLORFGBG (dark when unset) until the
//     terminal reports its background. Nothing depends on colour alone.
//   - No mouse support: the console is used over SSH.
//
// # Start-up
//
// What the last fetch saved is drawn first (Backend.Open: first its plan
// alone, a Data with Partial set, so what needs members and accounts
// waits; then the whole data — how it is kept and when it is planned again
// is the service's business), while the refresh reads both sides. Open's
// request id is taken before the refresh's, so a refresh shown first is
// never replaced by older data.
//
// # Where it is measured and tested
//
// Speed at 50,000 members: key presses in BenchmarkKeypress50k (and
// BenchmarkKey*, BenchmarkLinks*, BenchmarkFirstFrame here); the first
// frame and the console process's resident memory against the service and
// the store in internal/cli (BenchmarkConsoleFirstFrame50k,
// BenchmarkConsoleResident50k). Tests drive the console as the program
// does, by key presses and by the messages its commands would bring (the
// fake backend holds a refresh, an apply or a read at a gate), and read it
// through State and read.go, never through a screen's fields. Screens are
// pinned by golden frames at 80×24 and 160×48 (TestGolden, which also
// checks that every screen is shown by one, TestGoldenANSI16; testdata,
// `make golden`); colours are checked for contrast on common themes and for
// meaning without colour (colour_test.go); hostile names from outside are
// checked never to reach the terminal (TestHostileNamesNeverReachTheTerminal);
// the start-up order in preview_test.go. internal/cli drives the console end
// to end against the emulated site (TestConsoleEndToEnd and the other
// TestConsole tests).
package tui
