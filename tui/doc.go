// Package tui is the reconciliation console (`doorsync`, `doorsync demo`): a
// Bubble Tea v2 program over the Backend interface of internal/backend, which
// the application service implements with the engine and the store
// (internal/service), so this package imports neither net/http nor
// database/sql.
//
// Shape: Model is the root and the only component returning a tea.View.
// Each screen (table, detail, approval, apply, help, history, export,
// identity view) is a component (component.go, soft-serve's contract:
// Update(msg) tea.Cmd, View() string, SetSize, help.KeyMap) holding a
// pointer to the root for what the screens share: the data, the rows as
// filtered with the cursor and the selection, the keymap, the styles, the
// backend. The root only routes — its own messages (size, colours, the
// data, the apply) to itself, a result meant for one screen to that
// screen, the keys that apply everywhere to itself unless the focused
// screen takes every key (a dialog, a prompt, the search: capturer), the
// rest to the focused screen — and composes the frame: title and status
// lines, the focused screen's View, and a footer of its ShortHelp drawn by
// bubbles' help. Every screen gets SetSize with the body's size on each
// tea.WindowSizeMsg and draws to it; the help screen is the root's keys
// and every screen's FullHelp under titles. Keys are declared once
// (KeyMap: one binding per meaning, so esc is Back, ClearSearch and Stop)
// and matched with key.Matches, never compared as strings
// (TestKeysMatchedThroughKeyMap); the help lists every binding with all
// its keys and every kind's letter, scrolling at 80×24, and the footer
// drops its least important hints first so "? help" and "q quit" stay on
// every screen where they work. Lists (table, identity view, history runs
// and a run's items) clamp their cursors for empty lists. Styles are built
// per console (NewStyles) for the terminal's background. Every call that waits
// runs in a tea.Cmd; refresh and apply stream their progress through a
// stream (never blocking the engine's goroutines, never dropping a
// result), and every result carries its request id so stale ones are
// dropped.
//
// Done (issue 4, items 1–10): instant start from the stored snapshot with
// its age, concurrent refresh with progress per system and per-side errors;
// the side-by-side table (one column per target, or a compact column with
// details under the table when narrow), badges with letters, counts per
// kind, last sync; tabs per kind, search folding case and diacritics, sort;
// row inspection with accounts, roles, link origin, drift and history;
// selection, approval dialog with counts per kind and target and --auto
// holds; live apply with per-target progress, per-item results, cancel
// after the requests in flight, failed items kept selected; the identity
// view (L: links.go) with members without an account beside accounts
// without a member, identity.Suggest suggestions ranked per member with
// score and why, confirm (a confirmed link by the console's user), reject
// (hidden for the session), undo, import of an iVMS-4200 export by path,
// the plan made again at once from the data already read (Backend.Replan);
// runs history with items; report export of the view or all; help, quit
// that asks while applying, refresh.
//
// Suggestions are ranked in the console (identity.Suggest is pure) inside a
// command; the iVMS import runs behind Backend.ImportLinks because package
// ivms imports net/http through excelize.
//
// Start: the stored last plan is drawn first (Backend.LastPlan, a
// Data with Preview set: what needs members and accounts waits), then the
// stored snapshots (Backend.Stored, given the plan shown so that it can be
// reused), while the refresh reads both sides; request ids keep a newer
// result from being replaced by an older one.
//
// Speed at 50,000 members (benchmarks): key presses in tui's
// BenchmarkKeypress50k; the first frame and the console process's resident
// memory in internal/cli (BenchmarkConsoleFirstFrame50k,
// BenchmarkConsoleResident50k).
// The styles start from COLORFGBG (dark when unset) until the terminal
// reports its background.
//
// Issue 10 §6 (pick.go, links*.go): an ambiguous or missing row is linked
// by hand where it is shown (p in the table, the detail or the identity
// view): the member and target when the row holds several (a family), then
// an account from the target's list searched as the table is, then a
// question with both names; every link the console stores carries the
// member id and the names shown. The identity view searches both lists
// (/). A suggestion other members match equally asks first, naming them.
// A key that links acts only on what was drawn: View records the row (and
// suggestion or account) under the cursor, and the key is refused with a
// message while suggestions are ranked or when the cursor's row changed
// since the last frame. Rows with an identity change (plan.Item.Identity)
// sort first in every order and tab that holds them, marked I, counted
// under the table; the detail shows the change in full. An identity
// change is selectable whatever its kind (approvable): approving one that
// writes nothing (in sync, unlinked, invalid, ambiguous on an account)
// accepts it as shown (the engine's acknowledged); the approval dialog
// names every identity change it approves with its text and says plainly
// what approving does (the account given to the member, or the e-mail set
// aside on an account it also finds), counts those accepted with nothing
// written apart from the writes, wraps every line to its width (never
// wider than the screen), scrolls (↓/j, pgdn, space, G; ↑/k, pgup, g)
// keeping a change's header above its text, and applies only once every
// line was drawn in full: y before only says what is left; the run's
// summary (with ApplyResult.Acknowledged), wrapped, is shown after it. A
// row is titled with its member's name, never with that of an account
// the member's e-mail also finds. The picker lists the
// member's own name first (identity.Name.Score), then what the e-mail
// finds (a family shares it), then names sharing a word; it warns when the
// names are not the same, asks which target when several have accounts,
// and never offers one without an account list (NTK). A row's history
// follows its members by id (Backend.History, HistoryQuery).
//
// Left open:
//   - mouse support (not needed over SSH).
package tui
