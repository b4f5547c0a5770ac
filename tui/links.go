package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/target"
)

// missingRow is a member that found no account on one target (an item of
// kind missing), with the suggestions for it that are still open.
type missingRow struct {
	key      string // e-mail, member id and target
	email    member.Email
	name     string
	memberID string
	target   string
	sugs     []identity.Suggestion // best first, without rejected ones
	find     string                // folded e-mail, name and target, for the search
	reason   string                // the plan's: why the member has no account there
}

// unlinkedRow is an account no member resolved to (an item of kind
// unlinked).
type unlinkedRow struct {
	key       string // target and account
	target    string
	account   string
	name      string
	owner     member.Email // an e-mail found on the account that belongs to no member
	end       plan.LocalTime
	permanent bool
	fold      string // folded name, for ordering
	find      string // folded account id, name, e-mail found on it and target, for the search
}

func missingKey(email member.Email, memberID, targetName string) string {
	return string(email) + "\x00" + memberID + "\x00" + targetName
}

func accountKey(targetName, account string) string { return targetName + "\x00" + account }

func suggestionKey(s identity.Suggestion) string { return missingKey(s.Email, s.MemberID, s.Target) }

// rejectKey names one suggested pair: rejected pairs stay hidden for the
// session.
func rejectKey(s identity.Suggestion) string {
	return suggestionKey(s) + "\x00" + s.Account
}

// linksScreen is the identity view: members without an account beside
// accounts without a member, name-match suggestions per member to confirm
// or reject, and the import of an iVMS-4200 export.
type linksScreen struct {
	c             *common
	width, height int

	active bool // open (also under help or export): follows data changes

	data *Data // the data shown (dataMsg), of generation gen
	gen  int

	// rows built from the plan (base) and what is shown (without rows whose
	// link is being stored)
	builtGen     int
	baseMissing  []missingRow
	baseUnlinked []unlinkedRow
	missing      []missingRow
	unlinked     []unlinkedRow
	free         map[string]bool // accountKey of the unlinked accounts

	cursor, offset int
	follow         string // the member row the cursor stays on ("" : keep the position)
	pick           int    // the chosen suggestion of the cursor's member
	accOffset      int
	accTarget      string // the target whose accounts the view lists (accountsHere)

	// suggestions of data generation sugGen, by missingKey
	sugs      map[string][]identity.Suggestion
	sugGen    int
	sugReq    int
	sugForGen int // the generation being ranked
	ranking   bool

	rejected   map[string]bool // rejectKey: hidden for this session
	pending    map[string]bool // missingKey: a link is being stored
	pendingAcc map[string]bool // accountKey: a link to it is being stored

	queue     []linkOp
	busy      bool
	opReq     int
	replanReq int
	done      []identity.Link // confirmed in this session, newest last (undo)

	// drawn is what the last View showed under the cursor: a key that
	// links acts only on that (confirm refuses anything else).
	drawn drawnPick
	// ask: the chosen suggestion has equal-ranked rivals; y links it once
	// the question was drawn (askDrawn), n drops it.
	ask      *rivalAsk
	askDrawn bool

	// the search over both lists (/): folded words, as the table's
	finding bool
	search  textinput.Model
	words   []string

	typing    bool
	input     textinput.Model
	importing string // the path being imported
	imported  *ImportSummary
	importErr string
}

// drawnPick is the member row and the suggestion the view drew under the
// cursor, for the data and the ranking of generation gen.
type drawnPick struct {
	gen int
	row string
	sug identity.Suggestion
	has bool // a suggestion was drawn (sug)
}

func (l *linksScreen) drawnRow(k string) bool { return l.drawn.row == k }

// rivalAsk is the question asked before a suggestion that other members
// match equally is linked.
type rivalAsk struct {
	row    string
	sug    identity.Suggestion
	rivals []missingRow // every member it matches equally, this one included
}

func newLinksScreen(c *common) linksScreen {
	in := newInput("iVMS export: ")
	in.Placeholder = "path of the iVMS-4200 person export (.csv or .xlsx)"
	search := newInput("/")
	search.Placeholder = "member name or e-mail, account name or id"
	return linksScreen{c: c, builtGen: -1, sugGen: -1, sugForGen: -1, sugs: map[string][]identity.Suggestion{}, rejected: map[string]bool{},
		pending: map[string]bool{}, pendingAcc: map[string]bool{}, free: map[string]bool{}, input: in, search: search}
}

// open shows the view, on the member row follow (the table's row's member
// when it has no account somewhere; "": from the top).
func (l *linksScreen) open(follow string) tea.Cmd {
	if l.data == nil {
		l.c.status(false, "nothing loaded yet")
		return nil
	}
	l.c.send(focusMsg{screenLinks})
	l.active = true
	l.cursor, l.offset, l.pick, l.accOffset, l.follow = 0, 0, 0, 0, follow
	return l.onData()
}

// onMsg takes what the root and the other screens tell the view.
func (l *linksScreen) onMsg(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dataMsg:
		l.data, l.gen = msg.data, msg.gen
		if l.active {
			return l.onData()
		}
	case openLinksMsg:
		return l.open(msg.follow)
	case leaveMsg:
		l.active = false
	case addLinkMsg:
		return l.queueAdd(msg.link, msg.rowKey)
	}
	return nil
}

func (l *linksScreen) close() {
	l.active, l.typing, l.finding, l.ask = false, false, false, nil
	l.input.Blur()
	l.search.Blur()
	l.c.send(focusMsg{screenTable})
}

// onData rebuilds the lists from the data shown and asks for its
// suggestions (unless they are the data's already).
func (l *linksScreen) onData() tea.Cmd {
	if l.builtGen != l.gen {
		l.build(l.data)
		l.builtGen = l.gen
	}
	l.arrange()
	if l.sugGen == l.gen || (l.ranking && l.sugForGen == l.gen) {
		return nil // ranked, or being ranked, for this data already
	}
	return l.suggest()
}

func (l *linksScreen) build(d *Data) {
	l.baseMissing, l.baseUnlinked = l.baseMissing[:0], l.baseUnlinked[:0]
	clear(l.free)
	f := folder{seen: map[string]string{}}
	for i := range d.Plan.Items {
		it := &d.Plan.Items[i]
		switch it.Kind {
		case plan.Missing:
			l.baseMissing = append(l.baseMissing, missingRow{key: missingKey(it.Email, it.MemberID, it.Target),
				email: it.Email, name: it.Name, memberID: it.MemberID, target: it.Target, reason: it.Reason,
				find: joinNonEmpty([]string{f.fold(string(it.Email)), f.fold(it.Name), f.fold(it.Target)})})
		case plan.Unlinked:
			k := accountKey(it.Target, it.Account)
			l.free[k] = true
			fold := f.fold(it.AccountName)
			l.baseUnlinked = append(l.baseUnlinked, unlinkedRow{key: k, target: it.Target, account: it.Account,
				name: it.AccountName, owner: it.Email, end: it.CurrentEnd, permanent: it.Permanent, fold: fold,
				find: joinNonEmpty([]string{f.fold(it.Account), fold, f.fold(string(it.Email)), f.fold(it.Target)})})
		}
	}
	slices.SortFunc(l.baseUnlinked, func(a, b unlinkedRow) int {
		return cmp.Or(cmp.Compare(a.target, b.target), cmp.Compare(a.fold, b.fold), cmp.Compare(a.account, b.account))
	})
}

// arrange makes the shown lists: rows whose link is being stored and rows
// the search leaves out are left out, every member gets its open
// suggestions (accounts still without a member, pairs not rejected), and
// members with the best matches come first so confirming runs down the
// list.
func (l *linksScreen) arrange() {
	l.missing = l.missing[:0]
	for _, r := range l.baseMissing {
		if l.pending[r.key] || !matchesWords(r.find, l.words) {
			continue
		}
		r.sugs = nil
		for _, s := range l.sugs[r.key] {
			ak := accountKey(s.Target, s.Account)
			if l.rejected[rejectKey(s)] || l.pendingAcc[ak] || !l.free[ak] {
				continue
			}
			r.sugs = append(r.sugs, s)
		}
		l.missing = append(l.missing, r)
	}
	slices.SortStableFunc(l.missing, func(a, b missingRow) int {
		return cmp.Or(cmp.Compare(bestScore(b), bestScore(a)), cmp.Compare(a.email, b.email),
			cmp.Compare(a.memberID, b.memberID), cmp.Compare(a.target, b.target))
	})
	l.unlinked = l.unlinked[:0]
	for _, u := range l.baseUnlinked {
		if !l.pendingAcc[u.key] && matchesWords(u.find, l.words) {
			l.unlinked = append(l.unlinked, u)
		}
	}
	if l.follow != "" {
		for i := range l.missing {
			if l.missing[i].key == l.follow {
				l.cursor = i
				break
			}
		}
	}
	l.clamp()
}

func bestScore(r missingRow) float64 {
	if len(r.sugs) == 0 {
		return 0
	}
	return r.sugs[0].Score
}

func (l *linksScreen) clamp() {
	l.cursor = max(0, min(l.cursor, len(l.missing)-1))
	if r := l.current(); r != nil {
		l.pick = max(0, min(l.pick, len(r.sugs)-1))
	} else {
		l.pick = 0
	}
}

func (l *linksScreen) current() *missingRow {
	if l.cursor < 0 || l.cursor >= len(l.missing) {
		return nil
	}
	return &l.missing[l.cursor]
}

// chosen is the suggestion the cursor's member would be linked by.
func (l *linksScreen) chosen() *identity.Suggestion {
	r := l.current()
	if r == nil || l.pick >= len(r.sugs) {
		return nil
	}
	return &r.sugs[l.pick]
}

// suggest ranks name matches for the data shown in a command: the pairing
// is cheap, but never on the keystroke's path.
func (l *linksScreen) suggest() tea.Cmd {
	req, gen, d := l.c.nextReq(), l.gen, l.data
	l.sugReq, l.sugForGen, l.ranking = req, gen, true
	return func() tea.Msg {
		return suggestMsg{req: req, gen: gen, sugs: suggestFor(d)}
	}
}

// suggestFor pairs the members of the plan's missing items with the
// accounts of its unlinked items, resolving e-mails as the plan did (the
// stored links and the e-mails found on the accounts).
func suggestFor(d *Data) []identity.Suggestion {
	want := map[string]bool{}
	free := map[string]map[string]bool{}
	for i := range d.Plan.Items {
		it := &d.Plan.Items[i]
		switch it.Kind {
		case plan.Missing:
			want[it.MemberID+"\x00"+string(it.Email)] = true
		case plan.Unlinked:
			if free[it.Target] == nil {
				free[it.Target] = map[string]bool{}
			}
			free[it.Target][it.Account] = true
		}
	}
	if len(want) == 0 || len(free) == 0 {
		return nil
	}
	var members []member.Member
	for _, mb := range d.Members {
		if want[mb.ID+"\x00"+string(mb.Email)] {
			members = append(members, mb)
		}
	}
	unmatched := make(map[string][]target.Account, len(free))
	for t, ids := range free {
		for _, a := range d.Accounts[t] {
			if ids[a.ID] {
				unmatched[t] = append(unmatched[t], a)
			}
		}
	}
	return identity.Suggest(members, unmatched, identity.NewResolver(d.Links, d.Accounts), 0)
}

func (l *linksScreen) onSuggestions(msg suggestMsg) {
	if msg.req != l.sugReq {
		return // asked for older data
	}
	l.ranking = false
	clear(l.sugs)
	for _, s := range msg.sugs {
		k := suggestionKey(s)
		l.sugs[k] = append(l.sugs[k], s)
	}
	l.sugGen = msg.gen
	l.arrange()
}

// SetSize sizes the view and its inputs (drawn in the status line).
func (l *linksScreen) SetSize(w, h int) {
	l.width, l.height = w, h
	sizeInput(&l.input, w)
	sizeInput(&l.search, w)
}

// capturing: a path or a search is being typed, or a question asked.
func (l *linksScreen) capturing() bool { return l.typing || l.finding || l.ask != nil }

// Update takes the suggestions and the end of each link change as they
// come (open or not), and keys: the path's while one is typed.
func (l *linksScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case suggestMsg:
		l.onSuggestions(msg)
	case linkOpMsg:
		return l.onOp(msg)
	case dataMsg, openLinksMsg, leaveMsg, addLinkMsg:
		return l.onMsg(msg)
	case nextLinkOpMsg:
		return l.next()
	case tea.KeyPressMsg:
		switch {
		case l.ask != nil:
			return l.onAskKey(msg)
		case l.typing:
			return l.onInputKey(msg)
		case l.finding:
			return l.onSearchKey(msg)
		}
		return l.onKey(msg)
	case tea.PasteMsg:
		// The path of an iVMS-4200 export, pasted over SSH; a name searched.
		switch {
		case l.typing:
			var c tea.Cmd
			l.input, c = l.input.Update(msg)
			return c
		case l.finding:
			var c tea.Cmd
			l.search, c = l.search.Update(msg)
			l.setWords()
			return c
		}
	}
	return nil
}

// ShortHelp: the prompt's keys while a path is typed; else the view's,
// with undo once a link was made here.
func (l *linksScreen) ShortHelp() []key.Binding {
	k := &l.c.keys
	switch {
	case l.ask != nil:
		return fitHints(always(k.Confirm, k.Cancel), l.width)
	case l.typing:
		return fitHints(always(k.Submit, k.Back), l.width)
	case l.finding:
		return fitHints(always(k.EndSearch, k.ClearSearch), l.width)
	}
	// Only what applies to the target of the cursor's row (linkingHere).
	lk := l.linkingHere()
	var h []hint
	if lk.Accounts {
		h = append(h, hint{k.Link, 1}, hint{k.Reject, 2}, hint{k.NextSuggestion, 3})
	}
	h = append(h, hint{k.Search, 3})
	if lk.Accounts {
		h = append(h, hint{k.Pick, 3})
	}
	if lk.IVMS {
		h = append(h, hint{k.Import, 4})
	}
	if len(l.done) > 0 {
		h = append(h, hint{k.Undo, 2})
	}
	return fitHints(withHelpQuit(k, append(h, hint{k.Back, 1})...), l.width)
}

func (l *linksScreen) FullHelp() [][]key.Binding {
	k := &l.c.keys
	return [][]key.Binding{{k.Link, k.Reject, k.NextSuggestion, k.PrevSuggestion, k.Import, k.Submit, k.Undo}}
}

func (l *linksScreen) onKey(k tea.KeyPressMsg) tea.Cmd {
	keys := l.c.keys
	h := l.listHeight()
	move := func(to int) {
		l.cursor, l.pick = to, 0
		l.clamp()
		if r := l.current(); r != nil {
			l.follow = r.key
		}
	}
	switch {
	case key.Matches(k, keys.ClearSearch) && len(l.words) > 0:
		l.search.SetValue("")
		l.setWords()
	case key.Matches(k, keys.Back), key.Matches(k, keys.Links):
		l.close()
	case key.Matches(k, keys.Search):
		l.finding = true
		l.search.CursorEnd()
		return l.search.Focus()
	case key.Matches(k, keys.Up):
		move(l.cursor - 1)
	case key.Matches(k, keys.Down):
		move(l.cursor + 1)
	case key.Matches(k, keys.PageUp):
		move(l.cursor - h)
	case key.Matches(k, keys.PageDown):
		move(l.cursor + h)
	case key.Matches(k, keys.Top):
		move(0)
	case key.Matches(k, keys.Bottom):
		move(len(l.missing) - 1)
	case key.Matches(k, keys.NextSuggestion):
		if r := l.current(); r != nil && len(r.sugs) > 0 {
			l.pick = (l.pick + 1) % len(r.sugs)
		}
	case key.Matches(k, keys.PrevSuggestion):
		if r := l.current(); r != nil && len(r.sugs) > 0 {
			l.pick = (l.pick + len(r.sugs) - 1) % len(r.sugs)
		}
	case (key.Matches(k, keys.Link) || key.Matches(k, keys.Pick) || key.Matches(k, keys.Reject)) && !l.linkingHere().Accounts:
		l.c.status(false, l.current().target+": "+l.linkingHere().NoAccounts)
	case key.Matches(k, keys.Link):
		return l.confirm()
	case key.Matches(k, keys.Pick):
		return l.pickByHand()
	case key.Matches(k, keys.Reject):
		l.reject()
	case key.Matches(k, keys.Undo):
		return l.undo()
	case key.Matches(k, keys.Import) && !l.linkingHere().IVMS:
		l.c.status(false, l.noImportText())
	case key.Matches(k, keys.Import):
		l.typing = true
		l.input.CursorEnd()
		return l.input.Focus()
	}
	return nil
}

// onSearchKey: enter (or an arrow) keeps the filter, esc drops it, the
// rest is typed (j and k too: names).
func (l *linksScreen) onSearchKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, l.c.keys.ClearSearch):
		l.finding = false
		l.search.Blur()
		l.search.SetValue("")
		l.setWords()
		return nil
	case key.Matches(k, l.c.keys.EndSearch):
		l.finding = false
		l.search.Blur()
		return nil
	}
	var c tea.Cmd
	l.search, c = l.search.Update(k)
	l.setWords()
	return c
}

// setWords filters both lists by the search typed, folded as the table's
// search folds (queryWords), from the top.
func (l *linksScreen) setWords() {
	words := queryWords(l.search.Value())
	if slices.Equal(words, l.words) {
		return
	}
	l.words = words
	l.cursor, l.offset, l.accOffset, l.pick, l.follow = 0, 0, 0, 0, ""
	l.arrange()
}

func (l *linksScreen) onInputKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, l.c.keys.Back):
		l.typing = false
		l.input.Blur()
		return nil
	case key.Matches(k, l.c.keys.Submit):
		l.typing = false
		l.input.Blur()
		return l.startImport(strings.TrimSpace(l.input.Value()))
	}
	var c tea.Cmd
	l.input, c = l.input.Update(k)
	return c
}

// linkingHere is what can link the cursor's member on its row's target
// (backend.LinkingOf: accounts to link, an iVMS import); without a row,
// what the targets shown offer: the import when one takes it.
func (l *linksScreen) linkingHere() backend.Linking {
	if l.data == nil {
		return backend.Linking{}
	}
	if r := l.current(); r != nil {
		return backend.LinkingOfTarget(l.data.Plan.Targets, r.target)
	}
	lk := backend.Linking{Accounts: true, NoIVMS: backend.LinkingOf("").NoIVMS}
	if len(l.importTargets()) > 0 {
		lk.IVMS, lk.NoIVMS = true, ""
	}
	return lk
}

// noImportText says why i imports nothing on the cursor's row, and what
// links its member instead.
func (l *linksScreen) noImportText() string {
	lk := l.linkingHere()
	r := l.current()
	if r == nil {
		return "import: " + lk.NoIVMS + ", and no such terminal was read"
	}
	text := fmt.Sprintf("%s: no iVMS import: %s", r.target, lk.NoIVMS)
	if lk.Accounts {
		return text + "; link this member by a suggestion (y) or by hand (p)"
	}
	return text + "; " + lk.NoAccounts
}

// importTargets are the targets as read that an iVMS-4200 export lists
// the persons of: the import is run against those only.
func (l *linksScreen) importTargets() []plan.TargetState {
	var out []plan.TargetState
	for _, ts := range l.data.Targets {
		if backend.LinkingOf(ts.Info.System).IVMS {
			out = append(out, ts)
		}
	}
	return out
}

// listHeight is how many member rows the view shows (see View).
func (l *linksScreen) listHeight() int {
	h := l.height
	return max(1, h-2-len(l.headingLines())-l.sugLines(h)-l.importLines(h))
}

// prompt is the path or the search being typed.
func (l *linksScreen) prompt() string {
	switch {
	case l.typing:
		return l.input.View()
	case l.finding:
		return l.search.View()
	}
	return ""
}
