package tui

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

// row is one line of the table: an e-mail (or, without one, an account or
// a member) with its item on every target.
type row struct {
	key   string
	email member.Email
	name  string
	fold  string // folded e-mail and names, for search
	nfold string // folded name, for sorting
	src   member.Date
	cells []int32 // per target (Plan.Targets order): index into Plan.Items, -1 none
	items []int32 // every item of the row (a target may hold several for ambiguous e-mails)
	kind  plan.Kind
	kinds uint16 // bit per kind (kindBit)
	// head is kind's bit (the in-sync tab holds the rows whose every
	// item is in sync: those headed by it).
	head uint16
	// account names, for a row of one account with neither e-mail nor
	// member, its target and id ("entrance #9001"): the same person's
	// accounts on two terminals are two rows, told apart by it.
	account string
	// member is the id of the member the row is titled with ("": none).
	member string
	diff   int // the difference with the largest magnitude, in days
	drift  bool
	// autoHeld: an item of the row was held for approval by --auto.
	autoHeld bool
	// identity: an item's identity changed since the last run, or its
	// names differ (plan.Item.Identity): the row comes first (sortRows).
	identity bool
	// memberNamed: name is a member's (an item with a member id), never
	// replaced by an account's.
	memberNamed bool
}

// kindRank orders a row's kinds for its headline: the most consequential
// of its items wins (a kind this console does not know comes last).
func kindRank(k plan.Kind) int {
	switch k {
	case plan.Revoke:
		return 0
	case plan.Shorten:
		return 1
	case plan.Reactivate:
		return 2
	case plan.Extend:
		return 3
	case plan.Ambiguous:
		return 4
	case plan.Invalid:
		return 5
	case plan.Missing:
		return 6
	case plan.Unlinked:
		return 7
	case plan.NoEmail:
		return 8
	case plan.InSync:
		return 9
	}
	return 10
}

func kindBit(k plan.Kind) uint16 {
	for i, x := range plan.Kinds() {
		if x == k {
			return 1 << i
		}
	}
	return 0
}

// actionBits are the kinds "needs action" shows: what an operator can
// approve or must resolve.
func actionBits() uint16 {
	return kindBit(plan.Extend) | kindBit(plan.Reactivate) | kindBit(plan.Shorten) | kindBit(plan.Revoke) |
		kindBit(plan.Ambiguous) | kindBit(plan.Invalid)
}

// rowCount is the number of rows buildRows makes of items in the plan's
// order (by e-mail): one per e-mail, one per item without an e-mail.
func rowCount(items []plan.Item) int {
	n := 0
	for i := range items {
		if e := items[i].Email; e == "" || i == 0 || e != items[i-1].Email {
			n++
		}
	}
	return n
}

// buildRows groups the plan's items into rows keyed by e-mail; items without
// an e-mail get a row of their own (the account's or the member's).
func buildRows(p *plan.Plan) []row {
	tix := make(map[string]int, len(p.Targets))
	for i, t := range p.Targets {
		tix[t.Name] = i
	}
	// Sized once: growing the rows copied them several times at 50,000 members.
	n := rowCount(p.Items)
	byKey := make(map[string]int, n)
	rows := make([]row, 0, n)
	zone := p.Zone()
	for i := range p.Items {
		it := &p.Items[i]
		key := string(it.Email)
		switch {
		case key == "" && it.MemberID != "":
			key = "member:" + it.MemberID
		case key == "":
			key = "account:" + it.Target + "/" + it.Account
		}
		// The plan lists an e-mail's items together: most items belong to
		// the row just made.
		ri, ok := len(rows)-1, len(rows) > 0 && rows[len(rows)-1].key == key
		if !ok {
			ri, ok = byKey[key]
		}
		if !ok {
			ri = len(rows)
			byKey[key] = ri
			r := row{key: key, email: it.Email, cells: make([]int32, len(p.Targets)), kind: it.Kind}
			if it.Email == "" && it.MemberID == "" {
				r.account = it.Target + " #" + it.Account
			}
			for j := range r.cells {
				r.cells[j] = -1
			}
			rows = append(rows, r)
		}
		r := &rows[ri]
		// The row is titled with its member's name whenever it has a
		// member: an account the member's e-mail also finds (unlinked, no
		// member id) can come first, and its name belongs to its own cell.
		switch {
		case it.MemberID != "" && it.Name != "" && !r.memberNamed:
			r.name, r.memberNamed, r.member = it.Name, true, it.MemberID
		case r.name == "":
			r.name = cmp.Or(it.Name, it.AccountName)
		}
		if r.src.IsZero() {
			r.src = it.SourceEnd
		}
		if ti, ok := tix[it.Target]; ok && (r.cells[ti] < 0 || kindRank(it.Kind) < kindRank(p.Items[r.cells[ti]].Kind)) {
			r.cells[ti] = int32(i)
		}
		r.items = append(r.items, int32(i))
		r.kinds |= kindBit(it.Kind)
		if kindRank(it.Kind) < kindRank(r.kind) {
			r.kind = it.Kind
		}
		if zone != nil {
			if d := it.DaysDiff(zone); abs(d) > abs(r.diff) {
				r.diff = d
			}
		}
		r.drift = r.drift || it.Drift
		r.identity = r.identity || it.Identity != ""
	}
	f := folder{seen: map[string]string{}}
	var parts []string
	for i := range rows {
		r := &rows[i]
		r.head = kindBit(r.kind)
		r.nfold = f.fold(r.name)
		// The search text: e-mail, name and the accounts' names, each
		// folded once; an account named as the member (as iVMS-4200 spells
		// it) adds nothing.
		parts = append(parts[:0], f.fold(string(r.email)), r.nfold)
		for _, ix := range r.items {
			if n := p.Items[ix].AccountName; n != "" && n != r.name {
				if fn := f.fold(n); !slices.Contains(parts, fn) {
					parts = append(parts, fn)
				}
			}
		}
		r.fold = joinNonEmpty(parts)
	}
	return rows
}

// folder folds text as member.FoldName does, faster: ASCII (e-mails, and
// names as terminals store them) without FoldName's per-letter map
// lookups, the rest through FoldName once per distinct string (a club
// repeats its names).
type folder struct{ seen map[string]string }

func (f *folder) fold(s string) string {
	if isASCII(s) {
		return foldASCII(s)
	}
	if v, ok := f.seen[s]; ok {
		return v
	}
	v := member.FoldName(s)
	f.seen[s] = v
	return v
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// foldASCII is member.FoldName of ASCII text: letters and digits
// lower-cased, every run of anything else one space, none at either end.
func foldASCII(s string) string {
	b := make([]byte, 0, len(s))
	space := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			b, space = append(b, c), false
		case 'A' <= c && c <= 'Z':
			b, space = append(b, c+'a'-'A'), false
		case !space && len(b) > 0:
			b, space = append(b, ' '), true
		}
	}
	if space {
		b = b[:len(b)-1]
	}
	return string(b)
}

// joinNonEmpty joins the non-empty parts with single spaces.
func joinNonEmpty(parts []string) string {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return b.String()
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Sort orders of the table.
type sortKey int

const (
	sortEmail sortKey = iota
	sortName
	sortEnd
	sortDiff
	sortKeys
)

func (s sortKey) String() string {
	return [...]string{"e-mail", "name", "end date", "difference"}[s]
}

// sortRows orders rows in place by key; ties fall back to the e-mail so the
// order is stable across refreshes. Rows whose identity changed come first
// in every order: they are where the admin looks first (issue 10). They
// stay in their kind's tab rather than a tab of their own — a new first tab
// would move every tab's digit key — and the gutter marks them (I).
func sortRows(rows []row, by sortKey) {
	slices.SortStableFunc(rows, func(a, b row) int {
		if a.identity != b.identity {
			if a.identity {
				return -1
			}
			return 1
		}
		var c int
		switch by {
		case sortName:
			c = strings.Compare(a.nfold, b.nfold)
		case sortEnd:
			c = a.src.Compare(b.src)
		case sortDiff:
			c = cmp.Compare(abs(b.diff), abs(a.diff)) // largest first
		}
		return cmp.Or(c, strings.Compare(a.key, b.key))
	})
}

// tab is one narrowing of the table, counted in rows as the position and
// the selection are: a kind's tab holds the rows with an item of its kind
// (each marked with that kind's letter there, whatever else the row holds),
// the in-sync tab those whose every item is in sync.
type tab struct {
	label string
	// short is the label in a tab bar too narrow for every label (the
	// kind's letter, as in the K column).
	short string
	// kind is the kind whose tab it is ("": needs action, all): its rows
	// show its letter.
	kind plan.Kind
	bits uint16 // 0: every row
	// whole: only rows whose every item is of the tab's kind.
	whole bool
	// identity: rows with an identity change belong too, whatever their
	// kinds (an account that lost its member is unlinked, yet held).
	identity bool
}

// holds reports whether the row is in the tab.
func (t tab) holds(r *row) bool {
	switch {
	case t.whole:
		return r.head == t.bits
	case t.bits == 0:
		return true
	}
	return r.kinds&t.bits != 0 || (t.identity && r.identity)
}

func tabs() []tab {
	// "needs action" has no letter, and a shortening of it ("action") reads
	// as a label cut by the screen's edge: it keeps its label.
	t := []tab{{label: "needs action", short: "needs action", bits: actionBits(), identity: true}}
	for _, k := range []plan.Kind{plan.Extend, plan.Reactivate, plan.Shorten, plan.Revoke, plan.Missing,
		plan.Unlinked, plan.Ambiguous, plan.NoEmail, plan.Invalid, plan.InSync} {
		t = append(t, tab{label: kindLabel(k), short: kindLetter(k), kind: k, bits: kindBit(k), whole: k == plan.InSync})
	}
	return append(t, tab{label: "all", short: "all"})
}

// filterRows returns the indices of rows in the tab matching the folded
// query (every word must occur).
func filterRows(rows []row, t tab, words []string, dst []int32) []int32 {
	dst = dst[:0]
	for i := range rows {
		r := &rows[i]
		if t.holds(r) && matchesWords(r.fold, words) {
			dst = append(dst, int32(i))
		}
	}
	return dst
}

// filterCountRows is filterRows over the tab at cur of ts, counting also
// the matching rows of every tab into counts (one pass: the search is
// filtered on each key press at 50,000 rows).
func filterCountRows(rows []row, ts []tab, cur int, words []string, dst []int32, counts []int) ([]int32, []int) {
	dst = dst[:0]
	counts = append(counts[:0], make([]int, len(ts))...)
	for i := range rows {
		r := &rows[i]
		if !matchesWords(r.fold, words) {
			continue
		}
		for j := range ts {
			if ts[j].holds(r) {
				counts[j]++
				if j == cur {
					dst = append(dst, int32(i))
				}
			}
		}
	}
	return dst, counts
}

// matchesWords reports whether every folded query word (queryWords)
// occurs in the folded text (folder.fold): the table's search and the
// identity view's.
func matchesWords(fold string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(fold, w) {
			return false
		}
	}
	return true
}

// queryWords folds a search the way names are folded (case and diacritics).
func queryWords(q string) []string {
	return strings.Fields(member.FoldName(q))
}

// counts per tab for the tab bar.
func tabCounts(rows []row, ts []tab) []int {
	n := make([]int, len(ts))
	for i := range rows {
		for j, t := range ts {
			if t.holds(&rows[i]) {
				n[j]++
			}
		}
	}
	return n
}

// markAutoHeld flags the rows with an item an unattended run held.
func markAutoHeld(rows []row, p *plan.Plan, held map[string]time.Time) {
	if len(held) == 0 {
		return
	}
	for i := range rows {
		for _, ix := range rows[i].items {
			if _, ok := held[p.Items[ix].ID]; ok {
				rows[i].autoHeld = true
				break
			}
		}
	}
}
