package tui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/plan"
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
}

type screen int

const (
	screenTable screen = iota
	screenDetail
	screenApprove
	screenApply
	screenHelp
	screenHistory
	screenExport
	screenLinks
)

// Model is the console's root model: the only component that returns a
// tea.View. It is used through a pointer.
type Model struct {
	opt    Options
	ctx    context.Context
	keys   KeyMap
	styles Styles
	help   help.Model
	width  int
	height int
	screen screen
	prev   screen // where esc goes back to from help and export
	// helpTop is the first line of the help shown (it scrolls when the
	// screen is short).
	helpTop int

	// data shown and the table over it
	data    *Data
	rows    []row
	view    []int32 // indices into rows: the current tab and search
	tabs    []tab
	tab     int
	counts  []int
	sortBy  sortKey
	words   []string
	search  textinput.Model
	finding bool
	cursor  int
	offset  int
	sel     map[string]bool // approved item ids

	// background requests
	seq        int
	shownReq   int // request whose data is shown
	storedReq  int
	refreshReq int
	refreshing bool
	refreshEnd context.CancelFunc
	progress   map[string]Progress
	sideOrder  []string

	apply applyState

	detail detailState
	hist   historyState
	links  linksState
	// gen counts the data sets shown: work started on one generation
	// (suggestions, a re-plan) is not applied to another.
	gen int
	// refreshLinks is links.seq when the refresh started: a link changed
	// since then may be missing from the refresh's plan.
	refreshLinks int
	export       exportState
	status       string // last notice (export written, errors)
	statusOK     bool
	quitAsk      bool
	quitting     bool
}

// New builds a console.
func New(o Options) *Model {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	ctx := o.Context
	if ctx == nil {
		ctx = context.Background()
	}
	m := &Model{opt: o, ctx: ctx, keys: DefaultKeyMap(), styles: NewStyles(o.Dark), help: help.New(),
		tabs: tabs(), sel: map[string]bool{}, progress: map[string]Progress{}, width: 80, height: 24}
	m.help.Styles = help.DefaultStyles(o.Dark)
	m.search = newInput("/")
	m.search.Placeholder = "e-mail or name"
	m.counts = make([]int, len(m.tabs))
	m.export = newExportState()
	m.links = newLinksState()
	return m
}

// Init loads the stored snapshot and starts a refresh of both sides at once.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, m.loadStored()}
	if !m.opt.NoRefresh {
		cmds = append(cmds, m.startRefresh())
	}
	return tea.Batch(cmds...)
}

func (m *Model) nextReq() int {
	m.seq++
	return m.seq
}

func (m *Model) logErr(what string, err error) {
	if m.opt.Log != nil && err != nil {
		m.opt.Log.Error(what, "err", err)
	}
}

func (m *Model) loadStored() tea.Cmd {
	req := m.nextReq()
	m.storedReq = req
	be, ctx := m.opt.Backend, m.ctx
	return func() tea.Msg {
		d, err := be.Stored(ctx)
		return storedMsg{req: req, data: d, err: err}
	}
}

// startRefresh reads both sides; a refresh already running is cancelled
// and its results are dropped.
func (m *Model) startRefresh() tea.Cmd {
	if m.refreshEnd != nil {
		m.refreshEnd()
	}
	req := m.nextReq()
	m.refreshReq, m.refreshing = req, true
	m.refreshLinks = m.links.seq
	m.progress, m.sideOrder = map[string]Progress{}, nil
	ctx, cancel := context.WithCancel(m.ctx)
	m.refreshEnd = cancel
	be, s := m.opt.Backend, newStream()
	go func() {
		defer cancel()
		d, err := be.Refresh(ctx, func(p Progress) { s.push(refreshProgressMsg{req: req, p: p}) })
		s.push(refreshDoneMsg{req: req, data: d, err: err})
	}()
	return s.next()
}

// Update routes a message: results of background work first, then keys to
// the screen that has the focus.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.clampCursor()
		return m, nil
	case tea.BackgroundColorMsg:
		m.styles = NewStyles(msg.IsDark())
		m.help.Styles = help.DefaultStyles(msg.IsDark())
		return m, nil
	case streamMsg:
		var cmds []tea.Cmd
		last := false
		for _, x := range msg.msgs {
			switch x.(type) {
			case refreshDoneMsg, applyDoneMsg:
				last = true
			}
			_, c := m.Update(x)
			cmds = append(cmds, c)
		}
		if !last {
			cmds = append(cmds, msg.s.next())
		}
		return m, tea.Batch(cmds...)
	case storedMsg:
		return m, m.onStored(msg)
	case refreshProgressMsg:
		if msg.req == m.refreshReq {
			m.onProgress(msg.p)
		}
		return m, nil
	case refreshDoneMsg:
		return m, m.onRefreshed(msg)
	case applyProgressMsg, applyDoneMsg:
		return m, m.apply.update(m, msg)
	case historyMsg:
		m.detail.onHistory(msg)
		return m, nil
	case eventsMsg:
		m.detail.onEvents(msg)
		return m, nil
	case runsMsg, runItemsMsg:
		m.hist.update(msg)
		return m, nil
	case exportDoneMsg:
		m.onExported(msg)
		return m, nil
	case suggestMsg:
		m.links.onSuggestions(msg)
		return m, nil
	case linkOpMsg:
		return m, m.links.onOp(m, msg)
	case replanMsg:
		return m, m.onReplan(msg)
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	}
	if m.finding {
		var c tea.Cmd
		m.search, c = m.search.Update(msg)
		return m, c
	}
	return m, nil
}

func (m *Model) onStored(msg storedMsg) tea.Cmd {
	if msg.req != m.storedReq || m.shownReq > msg.req {
		return nil // a refresh has already shown newer data
	}
	if msg.err != nil {
		m.logErr("stored snapshot", msg.err)
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
		m.logErr("refresh "+p.System, p.Err)
	}
}

func (m *Model) onRefreshed(msg refreshDoneMsg) tea.Cmd {
	if msg.req != m.refreshReq {
		return nil
	}
	m.refreshing = false
	if msg.err != nil {
		m.logErr("refresh", msg.err)
		if !errors.Is(msg.err, context.Canceled) {
			m.setStatus(false, "refresh failed: "+msg.err.Error())
		}
		return nil
	}
	m.shownReq = msg.req
	cmds := []tea.Cmd{m.setData(msg.data)}
	if m.links.seq != m.refreshLinks {
		// A link changed while the sides were read: its plan may predate it.
		cmds = append(cmds, m.replan())
	}
	if m.screen == screenDetail {
		cmds = append(cmds, m.detail.load(m))
	}
	return tea.Batch(cmds...)
}

// setData replaces the plan shown, keeping the cursor on the same row and
// only the selected items that still exist and still write. The identity
// view, when open, follows (its suggestions come from the returned command).
func (m *Model) setData(d Data) tea.Cmd {
	m.gen++
	var curKey string
	if r := m.current(); r != nil {
		curKey = r.key
	}
	m.data = &d
	m.rows = buildRows(&m.data.Plan)
	sortRows(m.rows, m.sortBy)
	m.counts = tabCounts(m.rows, m.tabs)
	keep := map[string]bool{}
	for _, it := range m.data.Plan.Items {
		if m.sel[it.ID] && it.Kind.Writes() {
			keep[it.ID] = true
		}
	}
	m.sel = keep
	m.refilter()
	if curKey != "" {
		for i, ri := range m.view {
			if m.rows[ri].key == curKey {
				m.cursor = i
				break
			}
		}
	}
	m.clampCursor()
	if m.links.active {
		return m.links.onData(m)
	}
	return nil
}

// refilter recomputes the visible rows after a tab, search or data change.
func (m *Model) refilter() {
	m.view = filterRows(m.rows, m.tabs[m.tab].bits, m.words, m.view)
	m.clampCursor()
}

func (m *Model) current() *row {
	if m.cursor < 0 || m.cursor >= len(m.view) {
		return nil
	}
	return &m.rows[m.view[m.cursor]]
}

func (m *Model) item(ix int32) *plan.Item { return &m.data.Plan.Items[ix] }

func (m *Model) setStatus(ok bool, s string) { m.status, m.statusOK = s, ok }

// onKey handles the keys that apply everywhere, then the focused screen's.
func (m *Model) onKey(k tea.KeyPressMsg) tea.Cmd {
	if key.Matches(k, m.keys.ForceQuit) {
		if m.apply.running {
			return m.askQuit()
		}
		return m.quit()
	}
	if m.quitAsk {
		return m.onQuitAnswer(k)
	}
	switch m.screen {
	case screenApprove:
		return m.onApproveKey(k)
	case screenApply:
		return m.apply.onKey(m, k)
	case screenHelp:
		return m.onHelpKey(k)
	case screenExport:
		return m.export.onKey(m, k)
	case screenLinks:
		if m.links.typing {
			return m.links.onInputKey(m, k)
		}
	}
	if m.finding {
		return m.onSearchKey(k)
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return m.quit()
	case key.Matches(k, m.keys.Help):
		m.prev, m.screen, m.helpTop = m.screen, screenHelp, 0
		return nil
	case key.Matches(k, m.keys.Refresh):
		m.setStatus(true, "")
		return m.startRefresh()
	case key.Matches(k, m.keys.Export):
		return m.export.open(m)
	case key.Matches(k, m.keys.History) && m.screen != screenHistory:
		m.links.active = false
		m.screen = screenHistory
		return m.hist.load(m)
	}
	switch m.screen {
	case screenLinks:
		return m.links.onKey(m, k)
	case screenDetail:
		return m.detail.onKey(m, k)
	case screenHistory:
		return m.hist.onKey(m, k)
	}
	return m.onTableKey(k)
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
	if key.Matches(k, m.keys.Confirm) || key.Matches(k, m.keys.ForceQuit) {
		// Stop after the requests in flight; quit when the apply says it
		// has stopped, so the run is recorded.
		m.apply.quitAfter = true
		m.apply.cancel()
		m.setStatus(false, "stopping after the requests in flight…")
	}
	return nil
}

func (m *Model) onSearchKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.ClearSearch):
		m.finding = false
		m.search.Blur()
		m.search.SetValue("")
		m.words = nil
		m.refilter()
		return nil
	case key.Matches(k, m.keys.EndSearch):
		// enter (or an arrow) keeps the filter and gives the keys back to
		// the table; letters (j, k) are typed (see EndSearch).
		m.finding = false
		m.search.Blur()
		return nil
	}
	var c tea.Cmd
	m.search, c = m.search.Update(k)
	m.words = queryWords(m.search.Value())
	m.cursor, m.offset = 0, 0
	m.refilter()
	return c
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
