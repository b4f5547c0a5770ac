package tui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/doorsync/doorsync/internal/homepath"
	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/plan"
)

// Changes to the links from the identity view: confirm, reject, undo and
// import. Each change that stores something runs in a command, one at a
// time, and ends with the plan made again from the data shown.
type linkOpKind int

const (
	opAdd linkOpKind = iota
	opRemove
	opImport
)

// linkOp is one change to the stored links. Changes run one at a time, in
// the order asked, so each re-plan sees every change before it.
type linkOp struct {
	kind   linkOpKind
	link   identity.Link      // opAdd, opRemove
	rowKey string             // opAdd: the member row hidden until the plan follows
	path   string             // opImport
	read   []plan.TargetState // opImport: the targets as last read
}

// confirm stores the chosen suggestion as a confirmed link made by the
// console's user; the member leaves the list at once and the plan follows
// when the link is stored. It acts only on what the admin saw: not while
// the suggestions are being ranked (the list reorders when they come), and
// only on the row and suggestion the view last drew under the cursor. A
// suggestion that other members match equally asks first.
func (l *linksScreen) confirm() tea.Cmd {
	if l.ranking || l.sugGen != l.gen {
		l.c.status(false, "suggestions are still being ranked: y links once they are drawn")
		return nil
	}
	r := l.current()
	s := l.chosen()
	switch {
	case r == nil:
		l.c.status(false, "no member without an account")
		return nil
	case s == nil:
		l.c.status(false, fmt.Sprintf("%s on %s: no suggestion to confirm; p picks the account by hand", r.email, r.target))
		return nil
	case !l.drawn.has || l.drawn.gen != l.gen || l.drawn.row != r.key || l.drawn.sug != *s:
		l.c.status(false, "the row under the cursor changed since it was drawn: look at it, then press y again")
		return nil
	}
	if rivals := l.rivalsOf(*s); len(rivals) > 1 {
		l.ask, l.askDrawn = &rivalAsk{row: r.key, sug: *s, rivals: rivals}, false
		l.c.status(false, fmt.Sprintf("%d members match %s %s equally: link %s? y/n", len(rivals), s.Target, s.Account, s.MemberName))
		return nil
	}
	return l.link(r.key, *s)
}

// rivalsOf are the members (rows, search or not) offered the suggestion's
// account with the same score, s's own row among them, in list order.
func (l *linksScreen) rivalsOf(s identity.Suggestion) []missingRow {
	var out []missingRow
	for _, r := range l.baseMissing {
		if l.pending[r.key] {
			continue
		}
		for _, sg := range l.sugs[r.key] {
			if sg.Target == s.Target && sg.Account == s.Account && sg.Score == s.Score && !l.rejected[rejectKey(sg)] {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// onAskKey answers the rivals' question: y links once the question was
// drawn and the suggestion is still open; n or esc drops it.
func (l *linksScreen) onAskKey(k tea.KeyPressMsg) tea.Cmd {
	a := l.ask
	switch {
	case key.Matches(k, l.c.keys.Cancel):
		l.ask = nil
		l.c.status(true, fmt.Sprintf("not linked: %s → %s account %s", a.sug.Email, a.sug.Target, a.sug.Account))
	case key.Matches(k, l.c.keys.Confirm):
		if !l.askDrawn {
			return nil // not seen yet: the question stays
		}
		l.ask = nil
		if !l.stillOpen(a.row, a.sug) {
			l.c.status(false, fmt.Sprintf("%s account %s is no longer suggested for %s: nothing linked", a.sug.Target, a.sug.Account, a.sug.Email))
			return nil
		}
		return l.link(a.row, a.sug)
	}
	return nil
}

// stillOpen reports whether the member row is listed with the suggestion.
func (l *linksScreen) stillOpen(rowKey string, s identity.Suggestion) bool {
	for _, r := range l.missing {
		if r.key == rowKey {
			return slices.Contains(r.sugs, s)
		}
	}
	return false
}

// link stores the suggestion as a confirmed link of its member (id and the
// names shown); the member row is hidden until the plan follows.
func (l *linksScreen) link(rowKey string, s identity.Suggestion) tea.Cmd {
	// The link is the member's (its id) and records the names the admin
	// was shown: the suggestion's member and account names.
	ln := identity.Link{Email: s.Email, Target: s.Target, Account: s.Account, MemberID: s.MemberID,
		MemberName: s.MemberName, AccountName: s.AccountName, Origin: identity.Confirmed,
		CreatedAt: l.c.opt.Clock.Now(), CreatedBy: l.c.opt.User,
		Note: fmt.Sprintf("console: name match %.2f (%s), account name %q", s.Score, s.Why, s.AccountName)}
	return l.queueAdd(ln, rowKey)
}

// queueAdd stores a link made here (a suggestion confirmed, an account
// picked by hand): rowKey, when set, is the member row hidden meanwhile.
func (l *linksScreen) queueAdd(ln identity.Link, rowKey string) tea.Cmd {
	op := linkOp{kind: opAdd, link: ln, rowKey: rowKey}
	if rowKey != "" {
		l.pending[rowKey] = true
	}
	l.pendingAcc[accountKey(ln.Target, ln.Account)] = true
	l.follow, l.pick = "", 0 // the next member takes the row
	l.arrange()
	l.c.status(true, fmt.Sprintf("linking %s → %s account %s…", ln.Email, ln.Target, ln.Account))
	l.queue = append(l.queue, op)
	return l.next()
}

func (l *linksScreen) reject() {
	s := l.chosen()
	if s == nil {
		l.c.status(false, "no suggestion to reject")
		return
	}
	l.rejected[rejectKey(*s)] = true
	if r := l.current(); r != nil {
		l.follow = r.key // stay on the member: its next suggestion is the question now
	}
	l.c.status(true, fmt.Sprintf("rejected %s ↔ %s account %s (%s) for this session", s.Email, s.Target, s.Account, s.AccountName))
	l.arrange()
}

func (l *linksScreen) undo() tea.Cmd {
	if len(l.done) == 0 {
		l.c.status(false, "no link confirmed here to undo")
		return nil
	}
	ln := l.done[len(l.done)-1]
	l.done = l.done[:len(l.done)-1]
	l.c.status(true, fmt.Sprintf("removing the link %s → %s account %s…", ln.Email, ln.Target, ln.Account))
	l.queue = append(l.queue, linkOp{kind: opRemove, link: ln})
	return l.next()
}

func (l *linksScreen) startImport(path string) tea.Cmd {
	if path == "" {
		l.c.status(false, "import: no file name")
		return nil
	}
	path, err := homepath.Expand(path, l.c.home()) // ~/persons.csv: in the home directory
	if err != nil {
		l.c.status(false, "import: "+err.Error())
		return nil
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	read := l.importTargets()
	if len(read) == 0 {
		l.c.status(false, l.noImportText())
		return nil
	}
	l.input.SetValue(path)
	l.importing = path
	l.c.status(true, "importing "+path+"…")
	l.queue = append(l.queue, linkOp{kind: opImport, path: path, read: read})
	return l.next()
}

// next starts the first queued change unless one is running. The command
// stores the change, then plans again from the data shown.
func (l *linksScreen) next() tea.Cmd {
	if l.busy || len(l.queue) == 0 || l.data == nil {
		return nil
	}
	op := l.queue[0]
	l.queue = l.queue[1:]
	l.busy = true
	req := l.c.nextReq()
	l.opReq = req
	be, ctx, gen, d := l.c.opt.Backend, l.c.ctx, l.gen, *l.data
	return func() tea.Msg {
		out := linkOpMsg{req: req, gen: gen, op: op}
		switch op.kind {
		case opAdd:
			out.err = be.AddLink(ctx, op.link)
		case opRemove:
			out.err = be.RemoveLink(ctx, op.link)
		case opImport:
			out.sum, out.err = be.ImportLinks(ctx, op.path, op.read)
		}
		if out.err == nil || out.sum.Linked() > 0 {
			out.data, out.replanErr = be.Replan(ctx, d)
			out.replanned = out.replanErr == nil
		}
		return out
	}
}

func (l *linksScreen) onOp(msg linkOpMsg) tea.Cmd {
	if msg.req != l.opReq {
		return nil
	}
	// said is the notice given last: a failed re-plan adds to it.
	said := ""
	say := func(ok bool, text string) {
		said = text
		l.c.status(ok, text)
	}
	l.busy = false
	op, ln := msg.op, msg.op.link
	switch op.kind {
	case opAdd:
		delete(l.pending, op.rowKey)
		delete(l.pendingAcc, accountKey(ln.Target, ln.Account))
		if msg.err != nil {
			l.c.logErr("add link", msg.err)
			say(false, fmt.Sprintf("link %s → %s account %s: %v", ln.Email, ln.Target, ln.Account, msg.err))
			break
		}
		l.done = append(l.done, ln)
		l.c.send(linkStoredMsg{})
		say(true, "linked "+linkText(ln))
	case opRemove:
		if msg.err != nil {
			l.done = append(l.done, ln) // still stored: undo may be tried again
			l.c.logErr("remove link", msg.err)
			say(false, fmt.Sprintf("remove link %s → %s account %s: %v", ln.Email, ln.Target, ln.Account, msg.err))
			break
		}
		l.c.send(linkStoredMsg{})
		say(true, fmt.Sprintf("removed the link %s → %s account %s", ln.Email, ln.Target, ln.Account))
	case opImport:
		l.importing = ""
		sum := msg.sum
		l.imported, l.importErr = &sum, ""
		if sum.Linked() > 0 {
			l.c.send(linkStoredMsg{})
		}
		if msg.err != nil {
			l.c.logErr("import links", msg.err)
			l.importErr = msg.err.Error()
			say(false, fmt.Sprintf("import of %s: %v", op.path, msg.err))
			break
		}
		var unread []string
		for _, t := range sum.Targets {
			if t.Err != "" {
				unread = append(unread, t.Target)
			}
		}
		msgText := fmt.Sprintf("imported %s: %s stored", filepath.Base(op.path), plural(sum.Linked(), "link"))
		if len(unread) > 0 {
			msgText += "; nothing imported to " + strings.Join(unread, ", ") + " (not read)"
		}
		say(len(unread) == 0, msgText)
	}
	switch {
	case msg.replanErr != nil:
		l.c.logErr("replan", msg.replanErr)
		say(false, said+fmt.Sprintf("; the plan could not be made again (%v): r refreshes", msg.replanErr))
	case msg.replanned:
		// The root shows it (or plans again when a refresh replaced the
		// data meanwhile); the next change starts from the data shown then.
		l.c.send(replannedMsg{req: msg.req, gen: msg.gen, data: msg.data})
		l.c.send(nextLinkOpMsg{})
		return nil
	default:
		l.arrange() // nothing changed: the pending row comes back
	}
	return l.next()
}

// linkText names a link as `links add` prints it: the e-mail, the member
// (id and name) and the account (with its name), as far as it knows them:
// "maja@… (member 2001, Maja Novak) → entrance account 3004 (Maja Linked)".
func linkText(ln identity.Link) string {
	who := string(ln.Email)
	if ln.MemberID != "" {
		who += " (member " + ln.MemberID
		if ln.MemberName != "" {
			who += ", " + ln.MemberName
		}
		who += ")"
	}
	acc := fmt.Sprintf("%s account %s", ln.Target, ln.Account)
	if ln.AccountName != "" {
		acc += " (" + ln.AccountName + ")"
	}
	return who + " → " + acc
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// pickByHand links the cursor's member to an account chosen from its
// target's list (p): for a member no suggestion fits.
func (l *linksScreen) pickByHand() tea.Cmd {
	r := l.current()
	if r == nil {
		l.c.status(false, "no member without an account")
		return nil
	}
	if l.drawn.gen != l.gen || !l.drawnRow(r.key) {
		l.c.status(false, "the row under the cursor changed since it was drawn: look at it, then press p again")
		return nil
	}
	c := pickCand{email: r.email, memberID: r.memberID, name: r.name, target: r.target, kind: plan.Missing,
		reason: "valid member with no account on this target"}
	l.c.send(pickMsg{cands: []pickCand{c}, from: screenLinks, what: string(r.email)})
	return nil
}
