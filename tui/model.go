package tui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/textclean"
)

// Options configure a console.
type Options struct {
	Backend Backend
	Clock   clock.Clock
	// Context bounds every background call (nil: context.Background()).
	Context context.Context
	// User is recorded as the approver of what the console applies.
	User string
	// Log receives errors and background events (--debug); nil: none.
	Log *slog.Logger
	// ExportDir is where reports go by default ("" : the working directory).
	ExportDir string
	// Dark picks the palette before the terminal reports its background.
	Dark bool
	// NoRefresh starts from the stored snapshot without reading both sides
	// (tests); the operator refreshes with r.
	NoRefresh bool
	// Home is the home directory a typed "~/…" path means (nil:
	// os.UserHomeDir).
	Home func() (string, error)
}

// Model is the console's root model: the only component that returns a
// tea.View. It routes messages to the screen that has the focus, answers
// the keys that apply everywhere, and composes the frame: title and status
// lines, the focused screen's View, and a footer of its ShortHelp. It is
// used through a pointer.
type Model struct {
	// c is what the screens share and read: options, keys, styles, zone.
	c *common
	// helpModel draws the footer (bubbles' help over a screen's ShortHelp).
	helpModel help.Model
	width     int
	height    int
	// bodySized is the body's height the screens were last given: the
	// status line's wrapped lines change it (fitBody).
	bodySized int

	// the screens (component), indexed by screen; screen has the focus,
	// prev is where help and export go back to
	screen   screen
	prev     screen
	screens  [screenCount]component
	table    tableScreen
	detail   detailScreen
	approve  approveScreen
	applying applyScreen
	help     helpScreen
	hist     historyScreen
	changes  changesScreen
	export   exportScreen
	links    linksScreen
	pick     pickScreen

	// the data shown (the screens are told of it: dataMsg)
	data *Data

	// background requests
	seq      int
	shownReq int // request whose data is shown
	// openFailed: what the last fetch saved could not be read (its plan,
	// if shown, stays until a refresh)
	openFailed bool
	refreshReq int
	refreshing bool
	refreshEnd context.CancelFunc
	progress   map[string]Progress
	sideOrder  []string

	// inbox holds what the screens told while a message was handled
	// (tell.go).
	inbox []tea.Msg

	// gen counts the data sets shown: work started on one generation
	// (suggestions, a re-plan) is not applied to another.
	gen int
	// linkChanges counts the link changes stored (linkStoredMsg);
	// refreshLinks is its value when the refresh started: a link changed
	// since then may be missing from the refresh's plan.
	linkChanges  int
	refreshLinks int
	replanReq    int
	status       string // last notice (export written, errors)
	statusOK     bool
	statusSeq    int // counts setStatus calls: a key that set none is told apart
	quitAsk      bool
	quitting     bool
}

// New builds a console.
func New(o Options) *Model {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	c := newCommon(o)
	m := &Model{c: c, helpModel: help.New(), progress: map[string]Progress{}}
	c.send, c.nextReq = m.send, m.nextReq
	m.helpModel.Styles = help.DefaultStyles(o.Dark)
	m.table = newTableScreen(c)
	m.detail = detailScreen{c: c}
	m.approve = approveScreen{c: c}
	m.applying = applyScreen{c: c}
	m.help = helpScreen{c: c}
	m.hist = historyScreen{c: c}
	m.export = newExportScreen(c)
	m.links = newLinksScreen(c)
	m.pick = newPickScreen(c)
	m.changes = changesScreen{c: c}
	m.screens = [screenCount]component{screenTable: &m.table, screenDetail: &m.detail, screenApprove: &m.approve,
		screenApply: &m.applying, screenHelp: &m.help, screenHistory: &m.hist, screenExport: &m.export, screenLinks: &m.links,
		screenPick: &m.pick, screenChanges: &m.changes}
	m.setSize(80, 24)
	return m
}

// Init loads the stored snapshot and starts a refresh of both sides at once.
func (m *Model) Init() tea.Cmd {
	// What the last fetch saved first; its request id is taken before the
	// refresh's: a refresh shown before it arrives must win.
	cmds := []tea.Cmd{tea.RequestBackgroundColor, m.open()}
	if !m.c.opt.NoRefresh {
		cmds = append(cmds, m.startRefresh())
	}
	return tea.Batch(cmds...)
}

func (m *Model) nextReq() int {
	m.seq++
	return m.seq
}

// open has the backend read what the last fetch saved: its plan comes
// first, to draw at once, then the whole data.
func (m *Model) open() tea.Cmd {
	req := m.nextReq()
	be, ctx, s := m.c.opt.Backend, m.c.ctx, newStream()
	go func() {
		d, err := be.Open(ctx, func(first Data) {
			// The rest is read once the plan is shown, so that the cheap
			// first frame does not share the two cores with it.
			shown := make(chan struct{})
			s.push(openedMsg{req: req, data: first, shown: shown})
			select {
			case <-shown:
			case <-ctx.Done():
			}
		})
		s.push(openedMsg{req: req, data: d, err: err, last: true})
	}()
	return s.next()
}

// waitsForData says so, and is true, while only the stored plan is shown:
// what needs the members and accounts waits for the rest.
func (m *Model) waitsForData() bool {
	if m.data == nil || !m.data.Partial {
		return false
	}
	if m.openFailed {
		m.setStatus(false, "the stored data could not be read: r reads both sides")
	} else {
		m.setStatus(false, "loading the stored data: a moment")
	}
	return true
}

// startRefresh reads both sides; a refresh already running is cancelled
// and its results are dropped.
func (m *Model) startRefresh() tea.Cmd {
	if m.refreshEnd != nil {
		m.refreshEnd()
	}
	req := m.nextReq()
	m.refreshReq, m.refreshing = req, true
	m.refreshLinks = m.linkChanges
	m.progress, m.sideOrder = map[string]Progress{}, nil
	ctx, cancel := context.WithCancel(m.c.ctx)
	m.refreshEnd = cancel
	be, s := m.c.opt.Backend, newStream()
	go func() {
		defer cancel()
		d, err := be.Refresh(ctx, func(p Progress) { s.push(refreshProgressMsg{req: req, p: p}) })
		s.push(refreshDoneMsg{req: req, data: d, err: err})
	}()
	return s.next()
}

// Update routes a message: the console's own (size, colours, the data and
// the apply), results meant for one screen to that screen whether it has
// the focus or not, keys to onKey, anything else to the focused screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	screen, tab, said := m.screen, m.table.tab, m.statusSeq
	c := m.deliver(m.route(msg))
	moved := m.screen != screen && !dialogScreen(m.screen)
	if _, key := msg.(tea.KeyPressMsg); key && (moved || m.table.tab != tab) && m.statusSeq == said {
		// What the status said was about where the operator was ("nothing
		// to apply" in a detail left, an export's error, a notice of
		// another tab): a key that goes to another screen or tab and says
		// nothing itself clears it. A dialog opened over the table (the
		// approval, the export, help) keeps it.
		m.setStatus(false, "")
	}
	m.fitBody() // a notice wrapped onto more lines, or fewer
	return m, c
}

// route is Update without delivering what the screens tell (deliver).
func (m *Model) route(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case statusMsg:
		m.setStatus(msg.ok, msg.text)
		return nil
	case focusMsg:
		m.focus(msg.to)
		return nil
	case askQuitMsg:
		return m.askQuit()
	case applyEndMsg:
		return m.onApplyEnd(msg)
	case waitingMsg:
		m.waitsForData()
		return nil
	case overlayMsg:
		m.overlay(msg.to)
		return nil
	case backMsg:
		m.back()
		return nil
	case linkStoredMsg:
		m.linkChanges++
		return nil
	case replannedMsg:
		if msg.gen != m.gen {
			return m.replan() // a refresh replaced the data meanwhile
		}
		m.shownReq = max(m.shownReq, msg.req)
		return m.setData(msg.data)
	case rowMsg, loadRowMsg:
		return m.detail.Update(msg)
	case stepRowMsg, toggleRowMsg, exportRowsMsg, showItemMsg:
		return m.table.Update(msg)
	case approveMsg:
		return m.approve.Update(msg)
	case openLinksMsg, addLinkMsg, nextLinkOpMsg:
		return m.links.Update(msg)
	case pickMsg:
		return m.pick.Update(msg)
	case writeReportMsg:
		return m.export.Update(msg)
	case applyMsg, stopApplyMsg:
		return m.applying.Update(msg)
	}
	_, c := m.update(msg)
	return c
}

func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.setSize(msg.Width, msg.Height)
		return m, nil
	case tea.BackgroundColorMsg:
		m.c.styles = NewStyles(msg.IsDark())
		m.helpModel.Styles = help.DefaultStyles(msg.IsDark())
		return m, nil
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	case streamMsg:
		return m, m.onStream(msg)
	case openedMsg:
		return m, m.onOpened(msg)
	case refreshProgressMsg:
		if msg.req == m.refreshReq {
			m.onProgress(msg.p)
		}
		return m, nil
	case refreshDoneMsg:
		return m, m.onRefreshed(msg)
	case applyProgressMsg, applyDoneMsg:
		return m, m.applying.Update(msg)
	case replanMsg:
		return m, m.onReplan(msg)
	case historyMsg, eventsMsg, whyMsg:
		return m, m.detail.Update(msg)
	case runsMsg, runItemsMsg:
		return m, m.hist.Update(msg)
	case exportDoneMsg:
		return m, m.export.Update(msg)
	case suggestMsg, linkOpMsg:
		return m, m.links.Update(msg)
	}
	return m, m.focused().Update(msg)
}

// setSize gives every screen the body's size: the screen less the title,
// status and footer lines.
func (m *Model) setSize(w, h int) {
	m.width, m.height = w, h
	m.helpModel.SetWidth(w)
	m.bodySized = m.bodyHeight()
	for _, c := range m.screens {
		c.SetSize(w, m.bodySized)
	}
}

// onStream feeds a stream's messages through Update and listens for more
// until the operation's last one.
func (m *Model) onStream(msg streamMsg) tea.Cmd {
	var cmds []tea.Cmd
	last := false
	for _, x := range msg.msgs {
		switch x := x.(type) {
		case refreshDoneMsg, applyDoneMsg:
			last = true
		case openedMsg:
			last = x.last
		}
		_, c := m.Update(x)
		cmds = append(cmds, c)
	}
	if !last {
		cmds = append(cmds, msg.s.next())
	}
	return tea.Batch(cmds...)
}

// onOpened shows what the last fetch saved, unless newer data is shown.
func (m *Model) onOpened(msg openedMsg) tea.Cmd {
	if msg.shown != nil {
		defer close(msg.shown)
	}
	if m.shownReq > msg.req {
		return nil // a refresh has already shown newer data
	}
	if msg.err != nil {
		m.openFailed = true
		m.c.logErr("stored snapshot", msg.err)
		if !errors.Is(msg.err, ErrNoSnapshot) {
			m.setStatus(false, "stored snapshot: "+msg.err.Error())
		}
		return nil
	}
	m.shownReq = msg.req
	return m.setData(msg.data)
}

func (m *Model) onProgress(p Progress) {
	if _, ok := m.progress[p.System]; !ok {
		m.sideOrder = append(m.sideOrder, p.System)
	}
	m.progress[p.System] = p
	if p.Err != nil {
		m.c.logErr("refresh "+p.System, p.Err)
	}
}

func (m *Model) onRefreshed(msg refreshDoneMsg) tea.Cmd {
	if msg.req != m.refreshReq {
		return nil
	}
	m.refreshing = false
	if msg.err != nil {
		m.c.logErr("refresh", msg.err)
		if !errors.Is(msg.err, context.Canceled) {
			m.setStatus(false, "refresh failed: "+msg.err.Error())
		}
		return nil
	}
	m.shownReq = msg.req
	cmds := []tea.Cmd{m.setData(msg.data)}
	if m.linkChanges != m.refreshLinks {
		// A link changed while the sides were read: its plan may predate it.
		cmds = append(cmds, m.replan())
	}
	if m.screen == screenDetail {
		m.send(loadRowMsg{})
	}
	return tea.Batch(cmds...)
}

// setData replaces the data shown and tells every screen: the table keeps
// its cursor's row and the selected items that still exist; the identity
// view, when open, follows (its suggestions come from the returned
// command).
func (m *Model) setData(d Data) tea.Cmd {
	m.gen++
	m.data = &d
	m.c.zone = time.Local
	if z := d.Plan.Zone(); z != nil {
		m.c.zone = z
	}
	msg := dataMsg{data: m.data, gen: m.gen}
	var cmds []tea.Cmd
	for _, c := range m.screens {
		cmds = append(cmds, c.Update(msg))
	}
	return tea.Batch(cmds...)
}

// setStatus shows a message; errors quote servers' replies and paths, so
// it never prints a control character or bidi override from outside.
func (m *Model) setStatus(ok bool, s string) {
	m.status, m.statusOK = textclean.Clean(s), ok
	m.statusSeq++
}

// onKey answers the keys that apply everywhere — unless the focused
// screen takes every key now (a dialog, a prompt, the search) — and gives
// the rest to the focused screen.
func (m *Model) onKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.c.keys.ForceQuit):
		switch {
		case m.applying.running() && m.quitAsk:
			return m.onQuitAnswer(k) // a second ctrl+c confirms
		case m.applying.running():
			return m.askQuit()
		}
		return m.quit()
	case m.quitAsk:
		return m.onQuitAnswer(k)
	case m.capturing() && !m.globalAfterApply(k):
		return m.focused().Update(k)
	}
	switch {
	case key.Matches(k, m.c.keys.Quit):
		return m.quit()
	case key.Matches(k, m.c.keys.Help):
		m.overlay(screenHelp)
		return m.help.open(m.helpSections())
	case key.Matches(k, m.c.keys.Refresh):
		m.setStatus(true, "")
		return m.startRefresh()
	case key.Matches(k, m.c.keys.Export):
		if m.waitsForData() {
			return nil
		}
		return m.export.open()
	case key.Matches(k, m.c.keys.History) && m.screen != screenHistory:
		m.links.Update(leaveMsg{}) // left, not covered as by help or export
		return m.hist.open()
	case key.Matches(k, m.c.keys.Changes) && m.screen != screenChanges:
		m.links.Update(leaveMsg{})
		m.focus(screenChanges)
		return nil
	}
	return m.focused().Update(k)
}

// dialogScreen: s opens over the screen it came from, whose notice stays.
func dialogScreen(s screen) bool {
	return s == screenApprove || s == screenExport || s == screenHelp || s == screenApply
}

// globalAfterApply: on the result of an apply that has ended, the keys
// help lists under "Anywhere" (H, c, ?, r, e) act as anywhere (they did
// nothing there); q and esc stay the screen's, back to the table.
func (m *Model) globalAfterApply(k tea.KeyPressMsg) bool {
	keys := &m.c.keys
	return m.screen == screenApply && !m.applying.running() &&
		key.Matches(k, keys.History, keys.Changes, keys.Help, keys.Refresh, keys.Export)
}

// onApplyEnd keeps the failed and cancelled items selected, and reads
// both sides again (or quits, when asked to while applying).
func (m *Model) onApplyEnd(msg applyEndMsg) tea.Cmd {
	m.table.Update(msg)
	m.detail.Update(msg)
	if msg.quit {
		return m.quit()
	}
	if m.quitAsk {
		// The question was about stopping this apply: it has ended.
		m.quitAsk = false
		m.setStatus(false, "the apply ended before the answer: the console stays open")
	}
	// The plan changed on the terminals: read both sides again.
	return m.startRefresh()
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	if m.refreshEnd != nil {
		m.refreshEnd()
	}
	return tea.Quit
}

func (m *Model) askQuit() tea.Cmd {
	m.quitAsk = true
	return nil
}

func (m *Model) onQuitAnswer(k tea.KeyPressMsg) tea.Cmd {
	m.quitAsk = false
	if key.Matches(k, m.c.keys.Confirm) || key.Matches(k, m.c.keys.ForceQuit) {
		if !m.applying.running() {
			return m.quit() // the apply ended while the question was shown
		}
		// Stop after the requests in flight; quit when the apply says it
		// has stopped, so the run is recorded.
		m.send(stopApplyMsg{quit: true})
		m.setStatus(false, "stopping after the requests in flight…")
	}
	return nil
}

// age words how old the shown data is.
func age(now, then time.Time) string {
	d := now.Sub(then)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// replan plans the data shown again with the links stored now.
func (m *Model) replan() tea.Cmd {
	if m.data == nil {
		return nil
	}
	req := m.nextReq()
	m.replanReq = req
	be, ctx, gen, d := m.c.opt.Backend, m.c.ctx, m.gen, *m.data
	return func() tea.Msg {
		nd, err := be.Replan(ctx, d)
		return replanMsg{req: req, gen: gen, data: nd, err: err}
	}
}

func (m *Model) onReplan(msg replanMsg) tea.Cmd {
	if msg.req != m.replanReq {
		return nil
	}
	if msg.err != nil {
		m.c.logErr("replan", msg.err)
		m.setStatus(false, fmt.Sprintf("the plan could not be made again after the link change (%v): r refreshes", msg.err))
		return nil
	}
	if msg.gen != m.gen {
		return m.replan()
	}
	m.shownReq = max(m.shownReq, msg.req)
	return m.setData(msg.data)
}
