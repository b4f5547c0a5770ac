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
)

// pickScreen resolves a row by hand where it is shown (p on an ambiguous
// or missing row in the table or the detail, or on a member of the
// identity view): which member on which target when the row holds several
// (a family sharing an e-mail), then which account of that target, from a
// list searched as the table is; then a question showing both names,
// whose y stores a confirmed link carrying the member id and the names
// shown. Like the identity view, it acts only on what it drew.
type pickScreen struct {
	c             *common
	width, height int

	back screen // where esc and a link return
	step pickStep
	gen  int // the data generation the lists were made from
	// the data shown and its generation (dataMsg)
	data    *Data
	dataGen int
	cands   []pickCand
	ci      int // the chosen candidate (stepAccount, stepConfirm)

	accs           []pickAcc
	view           []int // indices into accs matching the search
	cursor, offset int
	search         textinput.Model
	words          []string
	chosen         pickAcc // stepConfirm

	// drawn is what the last View drew under the cursor (the step and the
	// candidate or account): enter and y act only on that.
	drawn string
}

type pickStep int

const (
	stepMember pickStep = iota
	stepAccount
	stepConfirm
)

// pickCand is a member on a target to resolve: an item of the row.
type pickCand struct {
	email    member.Email
	memberID string
	name     string
	target   string
	kind     plan.Kind
	reason   string
	account  string // the item's account, if it names one
}

// pickAcc is an account of the candidate's target as the list shows it.
type pickAcc struct {
	id, name string
	email    member.Email // found on the account
	end      string
	owner    string // whose it is now ("" : nobody's)
	// group orders the list: 0 the member's own name (a name score, best
	// first), 1 the e-mail finds it, 2 the names share a word, 3 the rest.
	group int
	score float64 // the name score against the member's (identity.Name.Score)
	finds bool    // the member's e-mail (or the item) finds it
	fold  string  // folded name, for ordering
	find  string  // folded id, name, e-mail and owner, for the search
}

func newPickScreen(c *common) pickScreen {
	return pickScreen{c: c, search: newInput("/")}
}

// pickSearchHint is drawn in place of the empty search: the input's own
// placeholder shows only its first letter at width 0 ("/a"), which reads
// as typed text.
const pickSearchHint = "type to search by account name, id or e-mail"

// hasAccountList reports whether a target has a list of accounts to pick
// from: read, with accounts, and keeping accounts at all (not NTK: an
// access list doorsync writes, backend.LinkingOf).
func hasAccountList(d *Data, name string) bool {
	for _, t := range d.Plan.Targets {
		if t.Name == name && t.Error != "" {
			return false
		}
	}
	return backend.LinkingOfTarget(d.Plan.Targets, name).Accounts && len(d.Accounts[name]) > 0
}

// candidates are the row's items a link can resolve: ambiguous ones first,
// then members without an account; each needs an e-mail and a member id.
func candidates(d *Data, r *row) []pickCand {
	var out []pickCand
	for _, ix := range r.items {
		it := &d.Plan.Items[ix]
		if (it.Kind != plan.Ambiguous && it.Kind != plan.Missing) || it.Email == "" || it.MemberID == "" {
			continue
		}
		out = append(out, pickCand{email: it.Email, memberID: it.MemberID, name: cmp.Or(it.Name, memberName(d, it.MemberID)),
			target: it.Target, kind: it.Kind, reason: it.Reason, account: it.Account})
	}
	slices.SortStableFunc(out, func(a, b pickCand) int {
		return cmp.Or(cmp.Compare(kindRank(a.kind), kindRank(b.kind)), cmp.Compare(a.name, b.name),
			cmp.Compare(a.memberID, b.memberID), cmp.Compare(a.target, b.target))
	})
	return out
}

func memberName(d *Data, id string) string {
	for _, mb := range d.Members {
		if mb.ID == id {
			return mb.Name()
		}
	}
	return ""
}

// openPick starts resolving the candidates by hand over the screen from.
func (p *pickScreen) open(cands []pickCand, from screen, what string) tea.Cmd {
	if p.c.waits(p.data) {
		return nil
	}
	if len(cands) == 0 {
		p.c.status(false, what+": no ambiguous or missing member here to link by hand")
		return nil
	}
	// Only targets with accounts to pick from are offered; several are
	// asked about (the member step), never chosen here.
	var none []string
	kept := cands[:0:0]
	for _, c := range cands {
		if hasAccountList(p.data, c.target) {
			kept = append(kept, c)
		} else if !slices.Contains(none, c.target) {
			none = append(none, c.target)
		}
	}
	if len(kept) == 0 {
		p.c.status(false, fmt.Sprintf("%s: nothing to link by hand: %s %s no accounts to pick from", what, strings.Join(none, ", "),
			map[bool]string{true: "has", false: "have"}[len(none) == 1]))
		return nil
	}
	cands = kept
	p.back, p.cands, p.gen, p.ci, p.cursor, p.offset, p.drawn = from, cands, p.dataGen, 0, 0, 0, ""
	p.c.send(focusMsg{screenPick})
	p.c.status(true, "")
	if len(cands) == 1 {
		p.toAccounts()
		return p.search.Focus()
	}
	p.step = stepMember
	return nil
}

// toAccounts lists the chosen candidate's target's accounts: those named
// as the member (a name score, best first), then those its e-mail finds
// (a family's shared address finds the others' accounts too), then those
// whose names share a word with the member's, then the rest, each group
// by name.
func (p *pickScreen) toAccounts() {
	c := p.cands[p.ci]
	p.step, p.cursor, p.offset = stepAccount, 0, 0
	p.search.SetValue("")
	p.words = nil
	finds := map[string]bool{}
	if c.account != "" {
		finds[c.account] = true
	}
	for _, x := range identity.NewResolver(p.data.Links, p.data.Accounts).Resolve(c.target, c.email) {
		finds[x.Account] = true
	}
	owners := map[string][]string{}
	for i := range p.data.Plan.Items {
		it := &p.data.Plan.Items[i]
		if it.Target == c.target && it.Account != "" && it.Kind != plan.Unlinked && it.MemberID != c.memberID {
			// Named by e-mail, by name when it shares the member's (a family).
			o := cmp.Or(string(it.Email), it.Name)
			if it.Email == c.email {
				o = cmp.Or(it.Name, o)
			}
			if !slices.Contains(owners[it.Account], o) {
				owners[it.Account] = append(owners[it.Account], o)
			}
		}
	}
	who := identity.ParseName(c.name)
	zone := p.c.zone
	f := folder{seen: map[string]string{}}
	p.accs = p.accs[:0]
	for _, a := range p.data.Accounts[c.target] {
		pa := pickAcc{id: a.ID, name: a.Name, email: a.Email, end: accEnd(a, zone), owner: strings.Join(owners[a.ID], ", "),
			fold: f.fold(a.Name)}
		an := identity.ParseName(a.Name)
		pa.score, _ = who.Score(an)
		pa.finds = finds[a.ID]
		switch {
		case pa.score > 0:
			pa.group = 0
		case pa.finds:
			pa.group = 1
		case an.Agrees(who):
			pa.group = 2
		default:
			pa.group = 3
		}
		pa.find = joinNonEmpty([]string{f.fold(a.ID), pa.fold, f.fold(string(a.Email)), f.fold(pa.owner)})
		p.accs = append(p.accs, pa)
	}
	slices.SortFunc(p.accs, func(a, b pickAcc) int {
		return cmp.Or(cmp.Compare(a.group, b.group), cmp.Compare(b.score, a.score), cmp.Compare(a.fold, b.fold), cmp.Compare(a.id, b.id))
	})
	p.filter()
}

func (p *pickScreen) filter() {
	p.view = p.view[:0]
	for i := range p.accs {
		if matchesWords(p.accs[i].find, p.words) {
			p.view = append(p.view, i)
		}
	}
	p.cursor = max(0, min(p.cursor, len(p.view)-1))
}

func (p *pickScreen) current() *pickAcc {
	if p.cursor < 0 || p.cursor >= len(p.view) {
		return nil
	}
	return &p.accs[p.view[p.cursor]]
}

func (p *pickScreen) SetSize(w, h int) {
	p.width, p.height = w, h
	sizeInput(&p.search, w)
}

// capturing: the dialog answers every key (letters are the search's).
func (p *pickScreen) capturing() bool { return true }

func (p *pickScreen) close() {
	p.search.Blur()
	p.c.send(focusMsg{p.back})
}

func (p *pickScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dataMsg:
		p.data, p.dataGen = msg.data, msg.gen
	case pickMsg:
		return p.open(msg.cands, msg.from, msg.what)
	case tea.KeyPressMsg:
		return p.onKey(msg)
	case tea.PasteMsg:
		if p.step == stepAccount {
			var c tea.Cmd
			p.search, c = p.search.Update(msg)
			p.setWords()
			return c
		}
	}
	return nil
}

// drawnKey names what the cursor is on now, as View records it.
func (p *pickScreen) drawnKey() string {
	switch p.step {
	case stepMember:
		if p.ci < len(p.cands) {
			c := p.cands[p.ci]
			return fmt.Sprintf("m\x00%d\x00%s\x00%s", p.gen, c.memberID, c.target)
		}
	case stepAccount:
		if a := p.current(); a != nil {
			return fmt.Sprintf("a\x00%d\x00%s", p.gen, a.id)
		}
	case stepConfirm:
		return fmt.Sprintf("c\x00%d\x00%s", p.gen, p.chosen.id)
	}
	return ""
}

// seen reports whether what the cursor is on was drawn, and says so when
// not (two keys read in one go, or the data changed under the dialog).
func (p *pickScreen) seen() bool {
	switch {
	case p.gen != p.dataGen:
		p.c.status(false, "the data changed while picking: esc, then p to pick again")
		return false
	case p.drawn == "" || p.drawn != p.drawnKey():
		p.c.status(false, "the row under the cursor changed since it was drawn: look at it, then press the key again")
		return false
	}
	return true
}

func (p *pickScreen) onKey(k tea.KeyPressMsg) tea.Cmd {
	switch p.step {
	case stepMember:
		return p.onMemberKey(k)
	case stepAccount:
		return p.onAccountKey(k)
	}
	return p.onConfirmKey(k)
}

func (p *pickScreen) onMemberKey(k tea.KeyPressMsg) tea.Cmd {
	keys := &p.c.keys
	switch {
	case key.Matches(k, keys.Back):
		p.close()
	case key.Matches(k, keys.Up):
		p.ci = max(0, p.ci-1)
	case key.Matches(k, keys.Down):
		p.ci = min(len(p.cands)-1, p.ci+1)
	case key.Matches(k, keys.Choose):
		if !p.seen() {
			return nil
		}
		p.toAccounts()
		return p.search.Focus()
	}
	return nil
}

// onAccountKey: printable keys are the search's (j, k and y are letters
// of names); the rest move, choose or go back.
func (p *pickScreen) onAccountKey(k tea.KeyPressMsg) tea.Cmd {
	keys := &p.c.keys
	if k.Text != "" {
		var c tea.Cmd
		p.search, c = p.search.Update(k)
		p.setWords()
		return c
	}
	h := p.listHeight()
	switch {
	case key.Matches(k, keys.Back):
		if len(p.cands) > 1 {
			p.step = stepMember
			p.search.Blur()
			return nil
		}
		p.close()
	case key.Matches(k, keys.Up):
		p.cursor--
	case key.Matches(k, keys.Down):
		p.cursor++
	case key.Matches(k, keys.PageUp):
		p.cursor -= h
	case key.Matches(k, keys.PageDown):
		p.cursor += h
	case key.Matches(k, keys.Top):
		p.cursor = 0
	case key.Matches(k, keys.Bottom):
		p.cursor = len(p.view) - 1
	case key.Matches(k, keys.Choose):
		a := p.current()
		if a == nil {
			p.c.status(false, "no account matches the search")
			return nil
		}
		if !p.seen() {
			return nil
		}
		p.chosen, p.step = *a, stepConfirm
		p.search.Blur()
		return nil
	default:
		var c tea.Cmd
		p.search, c = p.search.Update(k) // backspace, the cursor's keys
		p.setWords()
		return c
	}
	p.cursor = max(0, min(p.cursor, len(p.view)-1))
	return nil
}

func (p *pickScreen) setWords() {
	words := queryWords(p.search.Value())
	if slices.Equal(words, p.words) {
		return
	}
	p.words, p.cursor, p.offset = words, 0, 0
	p.filter()
}

func (p *pickScreen) onConfirmKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, p.c.keys.Cancel):
		p.step = stepAccount
		return p.search.Focus()
	case key.Matches(k, p.c.keys.Confirm):
		if !p.seen() {
			return nil
		}
		c, a := p.cands[p.ci], p.chosen
		// The link is the member's (its id) and records the names shown
		// in the question: the member's and the account's as listed.
		ln := identity.Link{Email: c.email, Target: c.target, Account: a.id, MemberID: c.memberID,
			MemberName: c.name, AccountName: a.name, Origin: identity.Confirmed,
			CreatedAt: p.c.opt.Clock.Now(), CreatedBy: p.c.opt.User,
			Note: fmt.Sprintf("console: picked by hand (%s), account name %q", kindLabel(c.kind), a.name)}
		p.close()
		p.c.send(addLinkMsg{link: ln, rowKey: missingKey(c.email, c.memberID, c.target)})
		return nil
	}
	return nil
}

// listHeight is how many accounts the list shows (see View).
func (p *pickScreen) listHeight() int { return max(1, p.height-5) }

func (p *pickScreen) ShortHelp() []key.Binding {
	k := &p.c.keys
	switch p.step {
	case stepMember:
		return fitHints([]hint{{k.Choose, 0}, {k.Down, 2}, {k.Back, 0}}, p.width)
	case stepAccount:
		return fitHints([]hint{{k.Choose, 0}, {k.PageDown, 3}, {k.Back, 0}}, p.width)
	}
	return fitHints(always(k.Confirm, k.Cancel), p.width)
}

// FullHelp: choosing (the moves are the table's; typing searches).
func (p *pickScreen) FullHelp() [][]key.Binding {
	k := &p.c.keys
	return [][]key.Binding{{k.Choose}}
}

func (p *pickScreen) View() string {
	w, h := p.width, p.height
	var out []string
	switch p.step {
	case stepMember:
		out = p.memberLines()
	case stepAccount:
		out = p.accountLines()
	default:
		out = p.confirmLines()
	}
	if len(out) > h {
		last, n := out[len(out)-1], len(out)
		out = out[:h]
		if p.step == stepConfirm && h > 2 {
			// The answer stays (what y does), and a warning cut is said.
			out[h-2] = p.c.styles.Warn.Render(fmt.Sprintf("  … %s not shown: a taller window shows them", plural(n-h+1, "line")))
			out[h-1] = last
		}
	}
	for i, l := range out {
		out[i] = clip(l, w)
	}
	p.drawn = p.drawnKey()
	return strings.Join(out, "\n")
}

func (p *pickScreen) memberLines() []string {
	s := p.c.styles
	c0 := p.cands[0]
	question := "which member, on which target?"
	if !slices.ContainsFunc(p.cands, func(c pickCand) bool { return c.memberID != c0.memberID }) {
		question = "on which target?"
	}
	out := []string{s.Title.Render("Link by hand") + "  " + fmt.Sprintf("%s <%s>", question, c0.email), ""}
	nw := 6
	for _, c := range p.cands {
		nw = max(nw, min(24, len([]rune(c.name))))
	}
	for i, c := range p.cands {
		line := fmt.Sprintf("%s %s %s  member %-8s %s  %s", mark(i == p.ci), s.Badge(c.kind), fit(c.name, nw), c.memberID, fit(c.target, 10), s.Dim.Render(c.reason))
		if i == p.ci {
			line = s.Selected.Render(line)
		}
		out = append(out, line)
	}
	return out
}

func (p *pickScreen) accountLines() []string {
	s := p.c.styles
	c := p.cands[p.ci]
	w := p.width
	out := []string{s.Title.Render("Link by hand") + "  " + fmt.Sprintf("%s <%s>, member %s, on %s", c.name, c.email, c.memberID, c.target),
		s.Dim.Render("  " + c.reason),
		p.searchLine()}
	nameW := max(10, min(28, (w-30)/2))
	out = append(out, s.Header.Render(fit("  "+fit("account", 9)+fit("name", nameW+1)+fit("ends", 17)+"whose", w)))
	h := p.listHeight()
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+h {
		p.offset = p.cursor - h + 1
	}
	p.offset = max(0, min(p.offset, len(p.view)-h))
	for i := p.offset; i < len(p.view) && i < p.offset+h; i++ {
		a := &p.accs[p.view[i]]
		whose := a.owner
		switch {
		case a.finds && whose == "":
			whose = "found by this e-mail"
		case whose == "" && a.email != "":
			whose = "<" + string(a.email) + ">"
		case whose == "":
			whose = "nobody's"
		}
		line := mark(i == p.cursor) + " " + fit(a.id, 8) + " " + fit(a.name, nameW) + " " + fit(a.end, 16) + " " + whose
		line = fit(line, w)
		if i == p.cursor {
			line = s.Cursor.Render(line)
		}
		out = append(out, line)
	}
	if len(p.view) == 0 {
		out = append(out, s.Dim.Render("  no account matches the search"))
	}
	for len(out) < h+4 {
		out = append(out, "")
	}
	count := fmt.Sprintf("%s on %s", plural(len(p.accs), "account"), c.target)
	if len(p.words) > 0 {
		count = fmt.Sprintf("%d of %d accounts on %s", len(p.view), len(p.accs), c.target)
	}
	return append(out, s.Dim.Render(count+" · type to search"))
}

// searchLine is the search box, or a hint while nothing is typed.
func (p *pickScreen) searchLine() string {
	if p.search.Value() == "" {
		return p.search.Prompt + p.c.styles.Dim.Render("("+pickSearchHint+")")
	}
	return p.search.View()
}

func (p *pickScreen) confirmLines() []string {
	s := p.c.styles
	c, a := p.cands[p.ci], p.chosen
	out := []string{s.Title.Render("Link by hand") + "  " + s.Warn.Render("link this member to this account?"), "",
		fmt.Sprintf("  member   %s <%s>, member %s", c.name, c.email, c.memberID),
		fmt.Sprintf("  account  %s %s %q, ends %s", c.target, a.id, a.name, a.end), ""}
	// Warnings are wrapped, never cut: they are what the admin must read.
	warn := func(text string) {
		for _, l := range wrap(text, max(20, p.width), "  ") {
			out = append(out, s.Warn.Render(l))
		}
	}
	who, an := identity.ParseName(c.name), identity.ParseName(a.name)
	switch score, why := who.Score(an); {
	case who.Same(an):
	case score > 0:
		warn(fmt.Sprintf("the names are not the same (%s): is this %s's account?", why, c.name))
	case who.Agrees(an):
		warn(fmt.Sprintf("the names are not the same: %s ≠ %s share only a word (a family?): is this %s's account?", c.name, a.name, c.name))
	default:
		warn(fmt.Sprintf("the names share no word: %s ≠ %s: is this %s's account?", c.name, a.name, c.name))
	}
	if a.finds && !who.Same(an) {
		warn("the account was found through the e-mail, which a family may share")
	}
	if !who.Same(an) {
		out = append(out, "  the link records both names as shown here")
	}
	if a.owner != "" {
		// A confirmed link makes its member the account's owner at once
		// (docs/identity.md): the one it belonged to loses it.
		warn(fmt.Sprintf("account %s is %s's now: linking it takes it from them", a.id, a.owner))
	}
	return append(out, "  y stores a confirmed link by "+cmp.Or(p.c.opt.User, "you")+"; n goes back to the list")
}

// prompt asks the question of the last step.
func (p *pickScreen) prompt() string {
	if p.step == stepConfirm {
		return p.c.styles.Warn.Render("Link by hand? y/n")
	}
	return ""
}
