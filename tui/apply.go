package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/plan"
)

// applyState follows one apply: progress per target, the latest item
// results, and the summary.
type applyState struct {
	req       int
	running   bool
	stopping  bool
	quitAfter bool
	end       context.CancelFunc
	plan      plan.Plan // what is applied: its items name the results
	targets   map[string]ApplyProgress
	tally     map[string]map[string]int // per target, items by status
	order     []string
	results   []logEntry // newest last
	// back is how many lines of the log (as wrapped to the screen) are
	// scrolled back from the newest (0: the newest show, and new ones
	// come into view).
	back   int
	status map[string]string
	result *ApplyResult
	err    error
}

func (a *applyState) cancel() {
	if a.end != nil && a.running {
		a.stopping = true
		a.end()
	}
}

// start applies the items ids of the plan, streaming progress.
func (v *applyScreen) start(msg applyMsg) tea.Cmd {
	c := v.c
	req := c.nextReq()
	ctx, cancel := context.WithCancel(c.ctx)
	v.a = applyState{req: req, running: true, end: cancel, plan: msg.plan, targets: map[string]ApplyProgress{}, status: map[string]string{},
		tally: map[string]map[string]int{}}
	c.send(statusMsg{}) // what it said (e.g. "89 items selected") was about before the apply
	be, s, p, ids := c.opt.Backend, newStream(), msg.plan, msg.ids
	go func() {
		defer cancel()
		res, err := be.Apply(ctx, p, ids, func(ev ApplyProgress) { s.push(applyProgressMsg{req: req, p: ev}) })
		s.push(applyDoneMsg{req: req, res: res, err: err})
	}()
	return s.next()
}

const keepResults = 200

// onProgress follows the apply's progress.
func (v *applyScreen) onProgress(msg applyProgressMsg) {
	a := &v.a
	if msg.req != a.req {
		return
	}
	p := msg.p
	if _, ok := a.targets[p.Target]; !ok && p.Target != "" {
		a.order = append(a.order, p.Target)
	}
	if p.Target != "" {
		prev := a.targets[p.Target]
		if p.Total == 0 {
			// A note or a target's error says nothing of its count.
			p.Done, p.Total = prev.Done, prev.Total
		}
		if p.Phase == "" {
			// Nor an item's result of what the target does now.
			p.Phase = prev.Phase
		}
		if p.Sent == 0 {
			p.Sent = prev.Sent // only the gate's progress counts them
		}
		a.targets[p.Target] = p
	}
	switch {
	case p.ItemID != "":
		a.status[p.ItemID] = p.Status
		if a.tally == nil {
			a.tally = map[string]map[string]int{}
		}
		if a.tally[p.Target] == nil {
			a.tally[p.Target] = map[string]int{}
		}
		a.tally[p.Target][p.Status]++
		a.addResult(a.resultLine(p), v.width)
	case p.Err != nil:
		a.addResult(logEntry{text: fmt.Sprintf("%s: %v", p.Target, p.Err)}, v.width)
	case p.Note != "":
		a.addResult(logEntry{text: fmt.Sprintf("%s: %s", p.Target, p.Note)}, v.width)
	}
	if p.Err != nil {
		v.c.logErr("apply "+p.Target, p.Err)
	}
}

// onDone ends the apply: failed, skipped and cancelled items stay selected
// to approve again, applied ones leave the selection (the table is told);
// the root reads both sides again, or quits when asked to while applying.
func (v *applyScreen) onDone(msg applyDoneMsg) {
	a := &v.a
	if msg.req != a.req {
		return
	}
	a.running = false
	a.result, a.err = &msg.res, msg.err
	v.c.logErr("apply", msg.err)
	v.c.send(applyEndMsg{keep: slices.Concat(msg.res.FailedIDs, msg.res.CancelledIDs), status: a.status, quit: a.quitAfter})
}

// addResult keeps a result of the apply's log, the latest keepResults. A
// log scrolled back stays where it is as results come in (by as many
// lines as the result takes at w cells); at the newest, it follows them.
func (a *applyState) addResult(e logEntry, w int) {
	a.results = append(a.results, e)
	if a.back > 0 {
		a.back += len(e.wrap(w))
	}
	if len(a.results) > keepResults {
		a.results = slices.Delete(a.results, 0, len(a.results)-keepResults)
	}
}

// logEntry is one result of the apply's log: an item's status, padded to
// a column (lead: "" for a target's error or note), and what it says.
type logEntry struct{ lead, text string }

// logIndent starts a result's continuation lines: under its item, past
// the status ("cancelled" and a space).
const logIndent = "          "

// wrap is the result wrapped to w cells, its continuation lines indented.
func (e logEntry) wrap(w int) []string {
	return wrapHang(printable(e.text), max(20, w), e.lead, logIndent)
}

// logLines is the log as shown: every result wrapped to the width.
func (v *applyScreen) logLines() []string {
	var out []string
	for _, r := range v.a.results {
		out = append(out, r.wrap(v.width)...)
	}
	return out
}

// scroll moves the log by a movement key (up: back, towards the oldest);
// ok is false for any other key.
func (v *applyScreen) scroll(k tea.KeyPressMsg) bool {
	a := &v.a
	lines := len(v.logLines())
	room := v.logRoom(v.head(), lines)
	// moved counts from the oldest line shown; back from the newest.
	last := max(0, lines-room)
	first, ok := moved(v.c.keys, k, last-a.back, room, last)
	if ok {
		a.back = last - max(0, min(first, last))
	}
	return ok
}

// logRoom is how many of the log's lines lines fit under head, one of
// them taken by the log's position when it does not fit whole.
func (v *applyScreen) logRoom(head string, lines int) int {
	room := max(0, v.height-strings.Count(head, "\n"))
	if lines > room {
		room = max(1, room-1)
	}
	return room
}

// splitTargetLine keeps a target's line whole at width w: when it is
// wider, what follows the bar and count (the phase, the counts, an error)
// goes on the lines under it, wrapped and indented — "18 cancel…" hid what
// became of the items (review of issue 13).
func splitTargetLine(line string, w int) []string {
	if w <= 0 || ansi.StringWidth(line) <= w {
		return []string{line}
	}
	head, rest, ok := strings.Cut(line, "  ")
	for ok && !strings.Contains(head, "/") {
		// The name is padded with spaces: cut after the bar's count.
		var more string
		more, rest, ok = strings.Cut(rest, "  ")
		head += "  " + more
	}
	if !ok {
		return []string{line}
	}
	return append([]string{head}, wrapHang(rest, max(20, w), "    ", "    ")...)
}

// targetLine is a target's bar and counts: the bar fills with the items
// tried (applied, failed, stale), not with those cancelled, so that a
// stopped target does not look done; the counts say what became of each.
func (a *applyState) targetLine(name string) string {
	p, tally := a.targets[name], a.tally[name]
	tried := p.Done - tally["cancelled"]
	line := fmt.Sprintf("%-12s %s %d/%d", name, bar(tried, p.Total, 20), p.Done, p.Total)
	var counts []string
	if what := phaseLabel(p.Phase); what != "" && a.running && p.Done < p.Total {
		if p.Sent > p.Done && p.Phase == "write" {
			// Written before read back: the bar counts settled items,
			// this says how many have gone out (an Esc now leaves those).
			what += fmt.Sprintf(" (%d sent)", min(p.Sent, p.Total))
		}
		counts = append(counts, what)
	}
	for _, st := range []string{"applied", "failed", "stale", "skipped", "cancelled"} {
		if n := tally[st]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, st))
		}
	}
	if len(counts) > 0 {
		line += "  " + strings.Join(counts, " · ")
	}
	return line
}

// phaseLabel says what a target's writes do now (ApplyProgress.Phase),
// "" when nothing is said.
func phaseLabel(phase string) string {
	switch phase {
	case "waiting":
		return "waiting"
	case "read":
		return "re-reading"
	case "write":
		return "writing"
	case "verify":
		return "reading back"
	}
	return ""
}

func (a *applyState) resultLine(p ApplyProgress) logEntry {
	label := p.ItemID
	for i := range a.plan.Items {
		if it := &a.plan.Items[i]; it.ID == p.ItemID {
			label = fmt.Sprintf("%s %s → %s", rowLabelItem(it), kindLabel(it.Kind), endText(it.DesiredEnd, false))
			break
		}
	}
	e := logEntry{lead: fmt.Sprintf("%-9s ", p.Status), text: label + " on " + p.Target} // "cancelled" is the longest
	if p.Err != nil {
		e.text += ": " + p.Err.Error()
	}
	return e
}

// applyScreen shows the apply running or last run: a bar per target, the
// latest item results, then the summary.
type applyScreen struct {
	c             *common
	width, height int
	a             applyState // the apply running or last run
}

// running reports whether an apply runs (the root asks before quitting).
func (v *applyScreen) running() bool { return v.a.running }

// result is the last apply's (nil: none yet).
func (v *applyScreen) result() *ApplyResult { return v.a.result }

func (v *applyScreen) SetSize(w, h int) { v.width, v.height = w, h }

// capturing: while applying, q asks first; after, only back leaves.
func (v *applyScreen) capturing() bool { return true }

// Update starts an apply, follows it, stops it, and takes keys.
func (v *applyScreen) Update(msg tea.Msg) tea.Cmd {
	a := &v.a
	switch msg := msg.(type) {
	case applyMsg:
		return v.start(msg)
	case applyProgressMsg:
		v.onProgress(msg)
	case applyDoneMsg:
		v.onDone(msg)
	case stopApplyMsg:
		a.quitAfter = a.quitAfter || msg.quit
		a.cancel()
	case tea.KeyPressMsg:
		k, keys := msg, &v.c.keys
		switch {
		case a.running && key.Matches(k, keys.Quit):
			v.c.send(askQuitMsg{})
		case a.running && key.Matches(k, keys.Stop):
			a.cancel()
		case v.scroll(k):
		case !a.running && key.Matches(k, keys.Back, keys.Inspect, keys.Quit):
			v.c.send(focusMsg{screenTable})
		}
	}
	return nil
}

func (v *applyScreen) ShortHelp() []key.Binding {
	k := &v.c.keys
	var hs []hint
	if n := len(v.logLines()); n > v.logRoom(v.head(), n) {
		// The log's moves from where it is: back (up) while older lines
		// are hidden, forward (down) once scrolled back from the newest.
		last := max(0, n-v.logRoom(v.head(), n))
		if v.a.back < last {
			hs = append(hs, hint{k.Up, 2}, hint{k.PageUp, 3})
		}
		if v.a.back > 0 {
			hs = append(hs, hint{k.Down, 2}, hint{k.Bottom, 3})
		}
	}
	if v.a.running {
		return fitHints(append(always(k.Stop, k.Quit), hs...), v.width)
	}
	return fitHints(append(always(k.Back), hs...), v.width)
}

func (v *applyScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{{v.c.keys.Stop}}
}

func (v *applyScreen) View() string {
	head := v.head()
	lines := v.logLines()
	n := len(lines)
	room := v.logRoom(head, n)
	var b strings.Builder
	b.WriteString(head)
	end := max(min(room, n), n-v.a.back)
	start := max(0, end-room)
	for _, l := range lines[start:end] {
		b.WriteString(clip(l, v.width) + "\n")
	}
	if room < n {
		pos := fmt.Sprintf("log %d–%d of %d lines · ↑↓ pgup pgdn g G scroll", start+1, end, n)
		if end < n {
			pos += fmt.Sprintf(" · %d newer below", n-end)
		}
		b.WriteString(v.c.styles.Dim.Render(clip(pos, v.width)))
	}
	return strings.TrimRight(b.String(), "\n")
}

// head is what the apply screen shows above its log: the headline, a line
// per target, errors and what stays selected, each line ended.
func (v *applyScreen) head() string {
	a := &v.a
	s := v.c.styles
	var b strings.Builder
	switch {
	case a.running && a.stopping:
		b.WriteString(s.Warn.Render("Stopping after the requests in flight…") + "\n")
	case a.running:
		b.WriteString(s.Title.Render("Applying") + s.Dim.Render("   esc stops after the requests in flight") + "\n")
	case a.err != nil:
		for _, l := range wrapHang("Apply failed: "+printable(a.err.Error()), max(20, v.width), "", "  ") {
			b.WriteString(s.Err.Render(clip(l, v.width)) + "\n")
		}
		if a.result != nil && a.result.Summary != "" {
			// What was done before it failed is still done.
			b.WriteString(clip("  "+a.result.Summary, v.width) + "\n")
		}
	default:
		// The run's own summary (it counts the identity changes accepted
		// and the items cancelled), wrapped rather than cut.
		head, style := "Done: ", s.Title
		if a.result.Stopped {
			head, style = "Stopped: ", s.Warn
		}
		for _, l := range wrapHang(head+a.result.Summary, max(20, v.width), "", "  ") {
			b.WriteString(style.Render(clip(l, v.width)) + "\n")
		}
		if n := a.result.Acknowledged; n > 0 {
			for _, l := range wrapHang(fmt.Sprintf("%s accepted as shown: nothing written; the next runs compare with %s",
				plural(n, "identity change"), pick(n == 1, "it", "them")), max(20, v.width), "", "  ") {
				b.WriteString(s.Warn.Render(clip(l, v.width)) + "\n")
			}
		}
	}
	for _, t := range a.order {
		p := a.targets[t]
		line := a.targetLine(t)
		if p.Err != nil && p.ItemID == "" {
			line += "  " + s.Err.Render(printable(p.Err.Error()))
		}
		for _, l := range splitTargetLine(line, v.width) {
			b.WriteString(clip(l, v.width) + "\n")
		}
	}
	if a.result != nil {
		for _, e := range a.result.Errors {
			for _, l := range wrapHang(printable(e), max(20, v.width), "", "  ") {
				b.WriteString(s.Err.Render(clip(l, v.width)) + "\n")
			}
		}
		if line := keptSelected(len(a.result.FailedIDs), len(a.result.CancelledIDs)); line != "" {
			for _, l := range wrapHang(line, max(20, v.width), "", "  ") {
				b.WriteString(s.Warn.Render(clip(l, v.width)) + "\n")
			}
		}
	}
	return b.String()
}

// keptSelected says which items of the apply stay selected: "3 failed
// items stay selected…", "28 cancelled items…", "3 failed and 28
// cancelled items…" ("" when none).
func keptSelected(failed, cancelled int) string {
	n := failed + cancelled
	var what string
	switch {
	case n == 0:
		return ""
	case cancelled == 0:
		what = plural(failed, "failed item")
	case failed == 0:
		what = plural(cancelled, "cancelled item")
	default:
		what = fmt.Sprintf("%d failed and %d cancelled items", failed, cancelled)
	}
	return fmt.Sprintf("%s selected: a approves %s again", what+pick(n == 1, " stays", " stay"), pick(n == 1, "it", "them"))
}

// bar is a progress bar of plain characters (readable without colour).
func bar(done, total, w int) string {
	if total <= 0 {
		return "[" + strings.Repeat("·", w) + "]"
	}
	n := min(w, done*w/total)
	return "[" + strings.Repeat("#", n) + strings.Repeat("·", w-n) + "]"
}

// pick is a if cond, else b (singular and plural words).
func pick[T any](cond bool, a, b T) T {
	if cond {
		return a
	}
	return b
}
