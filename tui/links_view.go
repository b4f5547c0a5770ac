package tui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/plan"
)

// The identity view, top to bottom: a heading with the counts, the two
// lists side by side (members without an account │ accounts without a
// member), the ranked suggestions for the member under the cursor, and
// what the last iVMS import did.

// sugLines is how many suggestions show for a body of h lines.
func (l *linksScreen) sugLines(h int) int { return max(2, min(6, h/5)) }

// importLines is how many lines the last import's report takes.
func (l *linksScreen) importLines(h int) int { return len(l.importBlock(nil, h/4, 0)) }

func (l *linksScreen) View() string {
	s := l.c.styles
	w, h := l.width, l.height
	if l.data == nil {
		return s.Dim.Render("nothing loaded yet")
	}
	heading := l.headingLines()
	listH := l.listHeight()
	lw := max(10, (w-3)/2)
	rw := max(10, w-3-lw)
	out := heading
	count := func(n int) string {
		if len(l.words) > 0 {
			return fmt.Sprintf("(%d found)", n)
		}
		return fmt.Sprintf("(%d)", n)
	}
	// A row of a target with no accounts (NTK) shows why in place of the
	// accounts: none of them could be its member's.
	lk := l.linkingHere()
	var noAccounts []string
	// Only the accounts of the cursor row's target: no other could be its
	// member's.
	accs, on := l.accountsHere()
	right := "Accounts without a member " + count(len(accs))
	if on != "" {
		right = on + " accounts without a member " + count(len(accs))
		if ansi.StringWidth(right) > rw {
			right = on + ": without a member " + count(len(accs))
		}
	}
	if on != l.accTarget {
		l.accTarget, l.accOffset = on, 0
	}
	if r := l.current(); r != nil && !lk.Accounts {
		right = r.target + ": no accounts to link"
		noAccounts = wrap(lk.NoAccounts, rw, "  ")
	} else if len(accs) == 0 && on != "" && len(l.words) == 0 {
		noAccounts = wrap("none: every account on "+on+" has a member", rw, "  ")
	}
	out = append(out, s.Header.Render(fit("Members without an account "+count(len(l.missing)), lw))+" │ "+
		s.Header.Render(fit(right, rw)))

	// Keep the cursor's member and the chosen account in sight.
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+listH {
		l.offset = l.cursor - listH + 1
	}
	l.offset = max(0, min(l.offset, len(l.missing)-listH))
	marks := map[string]string{}
	if r := l.current(); r != nil {
		for i, sg := range r.sugs {
			k := accountKey(sg.Target, sg.Account)
			if i == l.pick {
				marks[k] = "◆"
				if ix := unlinkedIndex(accs, k); ix >= 0 {
					if ix < l.accOffset {
						l.accOffset = ix
					}
					if ix >= l.accOffset+listH {
						l.accOffset = ix - listH + 1
					}
				}
			} else {
				marks[k] = "◇"
			}
		}
	}
	l.accOffset = max(0, min(l.accOffset, len(accs)-listH))

	tw := targetWidth(l.data.Plan.Targets)
	for i := range listH {
		left, right := strings.Repeat(" ", lw), strings.Repeat(" ", rw)
		if mi := l.offset + i; mi < len(l.missing) {
			left = l.missingLine(&l.missing[mi], mi == l.cursor, lw, tw)
		} else if i == 0 && len(l.missing) == 0 && len(l.words) > 0 {
			left = s.Dim.Render(fit("  no member matches the search", lw))
		} else if i == 0 && len(l.missing) == 0 {
			left = s.Dim.Render(fit("  none: every member has an account", lw))
		}
		if noAccounts != nil {
			if i < len(noAccounts) {
				right = s.Dim.Render(fit(noAccounts[i], rw))
			}
		} else if ui := l.accOffset + i; ui < len(accs) {
			u := &accs[ui]
			right = l.unlinkedLine(u, marks[u.key], rw, tw)
		} else if i == 0 && len(accs) == 0 && len(l.words) > 0 {
			right = s.Dim.Render(fit("  no account matches the search", rw))
		} else if i == 0 && len(accs) == 0 {
			right = s.Dim.Render(fit("  none: every account has a member", rw))
		}
		out = append(out, left+" │ "+right)
	}
	if l.ask != nil {
		out = append(out, l.askLines(l.sugLines(h))...)
		l.askDrawn = true
	} else {
		out = append(out, l.suggestionLines(l.sugLines(h))...)
	}
	// What a link key acts on: the row and suggestion drawn now.
	l.drawn = drawnPick{gen: l.gen}
	if r := l.current(); r != nil {
		l.drawn.row = r.key
		if sg := l.chosen(); sg != nil && l.sugGen == l.gen && !l.ranking {
			l.drawn.sug, l.drawn.has = *sg, true
		}
	}
	out = append(out, l.importBlock(&l.c.styles, h/4, tw)...)
	for i, line := range out {
		out[i] = clip(line, w)
	}
	return strings.Join(out, "\n")
}

// headingLines is the heading wrapped to the view's width between its
// parts: every count is read whole.
func (l *linksScreen) headingLines() []string {
	title, parts := l.heading()
	var out []string
	line := title
	sep := "  "
	for _, p := range parts {
		if ansi.StringWidth(line)+ansi.StringWidth(sep)+ansi.StringWidth(p) > l.width && line != "" {
			out = append(out, line)
			line, sep = "  "+p, " · "
			continue
		}
		line += sep + p
		sep = " · "
	}
	return append(out, line)
}

// heading is the view's title and its counts.
func (l *linksScreen) heading() (title string, parts []string) {
	s := l.c.styles
	with := 0
	for i := range l.missing {
		if len(l.missing[i].sugs) > 0 {
			with++
		}
	}
	// what is under way first
	if l.busy || len(l.queue) > 0 {
		parts = append(parts, s.Warn.Render("saving…"))
	}
	if l.ranking {
		parts = append(parts, "ranking…")
	}
	if len(l.words) > 0 && !l.finding {
		parts = append(parts, s.Warn.Render("/"+l.search.Value()))
	}
	parts = append(parts, fmt.Sprintf("%d without an account", len(l.missing)), fmt.Sprintf("%d without a member", len(l.unlinked)),
		fmt.Sprintf("%d with suggestions", with))
	return s.Title.Render("Fix identities"), parts
}

func targetWidth(ts []plan.TargetSummary) int {
	w := 6
	for _, t := range ts {
		w = max(w, ansi.StringWidth(t.Name))
	}
	return min(w, 12)
}

// accountsHere are the accounts without a member the view lists beside
// the cursor's member: those of its row's target (on), or every one when
// no member row is shown (on ""). The list is sorted by target first
// (build), so they are one run of it.
func (l *linksScreen) accountsHere() (accs []unlinkedRow, on string) {
	r := l.current()
	if r == nil {
		return l.unlinked, ""
	}
	cmpTarget := func(u unlinkedRow, t string) int { return strings.Compare(u.target, t) }
	from, _ := slices.BinarySearchFunc(l.unlinked, r.target, cmpTarget)
	to := from
	for to < len(l.unlinked) && l.unlinked[to].target == r.target {
		to++
	}
	return l.unlinked[from:to], r.target
}

func unlinkedIndex(accs []unlinkedRow, k string) int {
	for i := range accs {
		if accs[i].key == k {
			return i
		}
	}
	return -1
}

// missingLine: cursor, name, e-mail (when wide enough), target, best score.
func (l *linksScreen) missingLine(r *missingRow, cur bool, w, tw int) string {
	score := "   —"
	if len(r.sugs) > 0 {
		score = fmt.Sprintf("%4.2f", r.sugs[0].Score)
	}
	rest := max(2, w-tw-8)
	who := fit(r.name, rest)
	if rest >= 40 { // room for the e-mail too; else it heads the suggestions
		nameW := rest * 45 / 100
		who = fit(r.name, nameW) + " " + fit(string(r.email), rest-nameW-1)
	}
	line := mark(cur) + " " + who + " " + fit(r.target, tw) + " " + score
	line = fit(line, w)
	if cur {
		return l.c.styles.Cursor.Render(line)
	}
	return line
}

// unlinkedLine: suggestion mark, target, account, name (and the e-mail
// found on it), end when there is room.
func (l *linksScreen) unlinkedLine(u *unlinkedRow, sugMark string, w, tw int) string {
	if sugMark == "" {
		sugMark = " "
	}
	name := u.name
	if u.owner != "" {
		name += " <" + string(u.owner) + ">"
	}
	line := sugMark + " " + fit(u.target, tw) + " " + fit(u.account, 8) + " "
	if w >= 60 {
		line += fit(name, w-ansi.StringWidth(line)-11) + " " + endText(u.end, u.permanent)
	} else {
		line += name
	}
	line = fit(line, w)
	if sugMark == "◆" {
		return l.c.styles.Selected.Render(line)
	}
	return line
}

func (l *linksScreen) suggestionLines(n int) []string {
	s := l.c.styles
	r := l.current()
	if r == nil {
		return append([]string{s.Bold.Render("Suggestions")}, make([]string, n)...)
	}
	lk := l.linkingHere()
	if !lk.Accounts {
		// Why the row is here (the plan's reason); why nothing links it
		// is beside the list.
		out := []string{s.Bold.Render(fmt.Sprintf("Nothing to link for %s <%s> on %s", r.name, r.email, r.target))}
		for _, line := range wrap(r.reason, l.width, "  ") {
			out = append(out, s.Dim.Render(line))
		}
		for len(out) < n+1 {
			out = append(out, "")
		}
		return out[:n+1]
	}
	out := []string{s.Bold.Render(fmt.Sprintf("Suggestions for %s <%s> on %s", r.name, r.email, r.target))}
	switch {
	case len(r.sugs) == 0 && l.ranking:
		out = append(out, s.Dim.Render("  ranking…"))
	case len(r.sugs) == 0 && lk.IVMS:
		out = append(out, s.Dim.Render(fmt.Sprintf("  no account on %s has a matching name; import an iVMS export (i)", r.target)))
	case len(r.sugs) == 0:
		out = append(out, s.Dim.Render(fmt.Sprintf("  no account on %s has a matching name; p links one by hand", r.target)))
	}
	start := max(0, l.pick-n+1)
	for i := start; i < len(r.sugs) && i < start+n; i++ {
		sg := r.sugs[i]
		line := fmt.Sprintf("%s %d. %.2f  %s %s %q — %s", mark(i == l.pick), i+1, sg.Score, sg.Target, sg.Account, sg.AccountName, sg.Why)
		if i == l.pick {
			line = s.Selected.Render(line)
		}
		out = append(out, line)
	}
	for len(out) < n+1 {
		out = append(out, "")
	}
	return out[:n+1]
}

// askLines is the question asked before linking a suggestion that other
// members match equally, in n+1 lines (the suggestions' place): the pair,
// how many match, and who they are.
func (l *linksScreen) askLines(n int) []string {
	s := l.c.styles
	a := l.ask
	out := []string{s.Warn.Render(fmt.Sprintf("Link %s <%s> → %s account %s %q?", a.sug.MemberName, a.sug.Email, a.sug.Target, a.sug.Account, a.sug.AccountName)),
		fmt.Sprintf("  %d members match this account equally; y links the one marked ›:", len(a.rivals))}
	room := max(1, n-1)
	for i, r := range a.rivals {
		if i == room-1 && len(a.rivals) > room {
			out = append(out, s.Dim.Render(fmt.Sprintf("    … and %d more", len(a.rivals)-i)))
			break
		}
		line := fmt.Sprintf("  %s %s <%s> member %s", mark(r.key == a.row), r.name, r.email, r.memberID)
		if r.key == a.row {
			line = s.Selected.Render(line)
		}
		out = append(out, line)
	}
	for len(out) < n+1 {
		out = append(out, "")
	}
	return out[:n+1]
}

// importBlock reports the import under way or the last one, in at most
// limit lines; st nil only measures.
func (l *linksScreen) importBlock(st *Styles, limit, tw int) []string {
	if l.importing == "" && l.imported == nil {
		return nil
	}
	bold, dim, errs := fmtFuncs(st)
	var out []string
	switch {
	case l.importing != "":
		out = append(out, bold("Importing "+l.importing+"…"))
	case l.imported != nil:
		sum := l.imported
		head := bold("Import of " + filepath.Base(sum.Path))
		if sum.Format != "" {
			head += dim(fmt.Sprintf(" — %s, %d rows", sum.Format, sum.Rows))
		}
		out = append(out, head)
		for _, t := range sum.Targets {
			if t.Err != "" {
				out = append(out, errs(fmt.Sprintf("  %s  nothing imported: %s", fit(t.Target, tw), t.Err)))
				continue
			}
			out = append(out, fmt.Sprintf("  %s  %d linked · %d unchanged · %d skipped", fit(t.Target, tw), t.Linked, t.Unchanged, t.Skipped))
		}
		if l.importErr != "" {
			out = append(out, errs("  "+l.importErr))
		}
		out = append(out, firstSkips(sum, max(0, limit-len(out)))...)
	}
	if len(out) > limit {
		out = out[:max(1, limit)]
	}
	return out
}

// firstSkips lists the first reasons rows were skipped, each once: a row
// the file itself rules out is skipped on every target alike.
func firstSkips(sum *ImportSummary, n int) []string {
	seen := map[string]int{}
	var order []string
	owner := map[string]string{}
	for _, t := range sum.Targets {
		for _, sk := range t.Skips {
			if seen[sk] == 0 {
				order = append(order, sk)
				owner[sk] = t.Target
			}
			seen[sk]++
		}
	}
	var out []string
	for _, sk := range order {
		if len(out) == n {
			break
		}
		if seen[sk] > 1 {
			out = append(out, "  "+sk)
		} else {
			out = append(out, "  "+owner[sk]+": "+sk)
		}
	}
	return out
}

// fmtFuncs styles text when st is set (st nil: measuring only).
func fmtFuncs(st *Styles) (bold, dim, errs func(string) string) {
	id := func(s string) string { return s }
	if st == nil {
		return id, id, id
	}
	return func(s string) string { return st.Bold.Render(s) },
		func(s string) string { return st.Dim.Render(s) },
		func(s string) string { return st.Err.Render(s) }
}
