package plan

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// Input is everything a plan is built from.
type Input struct {
	Members []member.Member
	// SourceErr is set when the export failed: the plan then holds no
	// writes and the guard is tripped (a broken export never locks the gym out).
	SourceErr error
	Targets   []TargetState
	Links     []identity.Link
	Rule      member.Rule
	Policy    Policy
	Today     member.Date
	Zone      *time.Location
	Now       time.Time // the plan's creation time
	// LastWritten maps target → account → the end the sync last wrote and
	// read back; an account now holding something else has drifted.
	LastWritten map[string]map[string]time.Time
	// Previous are the resolutions the last runs accepted (member id ↔
	// account per target): an item whose resolution differs is held with
	// what changed (identity.go).
	Previous []identity.Resolution
	// Lists are the whole-list targets (target.ListTarget), planned on
	// their own: their list is compared with the last one they accepted
	// (plan/accesslist), not accounts by e-mail. Their items are counted,
	// sorted and guarded like the rest.
	Lists []ListPlan
}

// ListPlan is a whole-list target as planned for this plan: its summary
// and its items (none when it failed or is held, or the source failed).
type ListPlan struct {
	Target TargetSummary
	Items  []Item
}

// TargetState is one target as read for this plan.
type TargetState struct {
	Info     target.Info
	Accounts []target.Account
	Err      error // the target could not be read: no items for it
}

// Policy decides what --auto may apply and when the guard trips.
type Policy struct {
	Auto                 []Kind
	MaxRevocations       int
	MaxRevocationPercent float64
}

// Build computes the plan. It is deterministic: the same input gives the
// same plan, items sorted by e-mail, member, target, account. Each target is
// planned on its own goroutine (they share only read-only state) and the
// sorted lists are merged: at 50,000 members this nearly halves the
// console's first frame on two cores.
func Build(in Input) Plan {
	p := Plan{
		Version: FormatVersion, CreatedAt: in.Now, Today: in.Today, Timezone: in.Zone.String(),
		Source:  Source{System: "cardskipper", Members: len(in.Members)},
		Summary: map[Kind]int{}, Items: []Item{}, zone: in.Zone,
	}
	for _, k := range Kinds() {
		p.Summary[k] = 0
	}
	b := builder{in: in}
	p.Targets = b.targets()
	linked := 0
	if in.SourceErr != nil {
		p.Source.Error = in.SourceErr.Error()
	} else {
		var lists [][]Item
		lists, linked = b.plan()
		p.Items = mergeSorted(lists)
	}
	for _, l := range in.Lists {
		p.Targets = append(p.Targets, l.Target)
	}
	for i := range p.Items { // by index: ranging by value copies each item
		p.Summary[p.Items[i].Kind]++
	}
	p.Guard = guard(in, p.Items, linked)
	return p
}

// builder holds what every target's planning reads and none writes.
type builder struct {
	in   Input
	live []*targetPlan // targets that could be read
	// exists: the member ids of the export.
	exists map[string]bool
	// sorted are the members with an e-mail (or an account anchored to
	// their member id), by e-mail and member id:
	// visiting them in this order makes each target's items come out in
	// the plan's order, and the members sharing an e-mail stand together.
	sorted []entry
	// The inputs by target name, made once for all targets: each target's
	// planning reads its own instead of every link, resolution and account.
	// linksOf and previousOf keep the input's order; accountsOf holds
	// what the identity resolver indexes for the name (the last readable
	// target of that name: names are unique in a valid configuration).
	linksOf    map[string][]identity.Link
	previousOf map[string][]identity.Resolution
	accountsOf map[string][]target.Account
}

// entry is a member as planned: its name and validity are made once, not
// per target.
type entry struct {
	*member.Member
	name string
	v    member.Validity
}

// targetPlan is the planning of one readable target.
type targetPlan struct {
	*builder
	info     target.Info
	resolver *identity.Resolver // this target's
	list     []target.Account
	// byID: account id → position in list, made only when the resolver
	// indexed another list (a target of the same name): else the resolver
	// answers (position).
	byID     map[string]int
	distinct int // how many ids list holds
	// resolvedAt: the resolver's match positions (identity.Match.At) are
	// positions in list, and position would give the same: the resolver
	// indexed this very list, whose ids are unique.
	resolvedAt bool
	anchors
	used []bool // by position: accounts some member resolved to
	// mayShare: some account was resolved to twice, or a family shares
	// an e-mail, so sharedAccounts must look. Every item with an account
	// got it through use (or is a family's): when mayShare is false no
	// account is on two items, and the look, a map of 50,000 accounts to
	// their items, is skipped.
	mayShare bool
	// linked are the e-mails with an account here, in order (e-mails are
	// visited in order), to count the linked members across targets.
	linked        []member.Email
	items         []Item // the members', in order
	unlinkedItems []Item // the accounts no member resolved to, in order
	// extraItems are accounts a member's e-mail finds besides the
	// member's own (identity.go, alsoFound), held.
	extraItems []Item
}

func (b *builder) targets() []TargetSummary {
	var sums []TargetSummary
	b.accountsOf = map[string][]target.Account{}
	for _, t := range b.in.Targets {
		s := TargetSummary{Name: t.Info.Name, System: t.Info.System, Accounts: len(t.Accounts)}
		if t.Err != nil {
			s.Error = t.Err.Error()
			s.Accounts = 0
			sums = append(sums, s)
			continue
		}
		sums = append(sums, s)
		b.live = append(b.live, &targetPlan{builder: b, info: t.Info, list: t.Accounts})
		b.accountsOf[t.Info.Name] = t.Accounts
	}
	b.linksOf = map[string][]identity.Link{}
	for _, l := range b.in.Links {
		b.linksOf[l.Target] = append(b.linksOf[l.Target], l)
	}
	b.previousOf = map[string][]identity.Resolution{}
	for _, r := range b.in.Previous {
		b.previousOf[r.Target] = append(b.previousOf[r.Target], r)
	}
	return sums
}

// indexMembers makes exists.
func (b *builder) indexMembers() {
	b.exists = make(map[string]bool, len(b.in.Members))
	for i := range b.in.Members {
		b.exists[b.in.Members[i].ID] = true
	}
}

// plan returns the sorted item lists (members without e-mail, each target,
// the targets that plan on their own) and the number of linked e-mails.
func (b *builder) plan() ([][]Item, int) {
	// The indexes need not wait for the members to be sorted: they are
	// made meanwhile, on the other core.
	var wg sync.WaitGroup
	wg.Go(b.indexMembers)
	for _, tp := range b.live {
		wg.Go(tp.index)
	}
	noEmail := b.group()
	setIDs(noEmail) // never writes: no decision to make
	wg.Wait()
	for _, tp := range b.live {
		wg.Go(tp.plan)
	}
	wg.Wait()
	lists := [][]Item{sortItems(noEmail)}
	linked := make([][]member.Email, len(b.live))
	for i, tp := range b.live {
		lists = append(lists, tp.items, tp.unlinkedItems)
		linked[i] = tp.linked
	}
	var listItems []Item
	for _, l := range b.in.Lists {
		listItems = append(listItems, l.Items...)
	}
	return append(lists, sortItems(listItems)), countDistinct(linked)
}

// group collects the members by e-mail and plans those without one.
func (b *builder) group() []Item {
	var noEmail []Item
	planned := make([]int32, 0, len(b.in.Members)) // positions in Input.Members
	anchored := b.anchoredMembers()
	for i := range b.in.Members {
		m := &b.in.Members[i]
		if m.Email == "" && !anchored[m.ID] {
			kind, reason := NoEmail, "member has no e-mail in Cardskipper: add one to sync this member"
			if len(m.Problems) > 0 {
				reason = "member has no usable e-mail: " + strings.Join(m.Problems, "; ")
				if strings.TrimSpace(m.RawEmail) != "" {
					// An e-mail that is there but refused (a look-alike
					// letter, an invisible character) is bad data.
					kind = Invalid
				}
			}
			noEmail = append(noEmail, Item{Kind: kind, Name: m.Name(), MemberID: m.ID, Reason: reason})
			continue
		}
		planned = append(planned, int32(i))
	}
	// Equal e-mail and id keep the export's order. Sorting with that as
	// the last key rather than with a stable sort: on 50,000 members in
	// the store's order, the stable sort was 10 % of the CPU profile of
	// BenchmarkStoredPlan50k. Positions are sorted, not entries: moving
	// 120-byte entries was most of the sort's time.
	slices.SortFunc(planned, func(x, y int32) int {
		mx, my := &b.in.Members[x], &b.in.Members[y]
		if c := cmp.Compare(mx.Email, my.Email); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(mx.ID, my.ID), cmp.Compare(x, y))
	})
	b.sorted = make([]entry, len(planned))
	for k, i := range planned {
		m := &b.in.Members[i]
		b.sorted[k] = entry{Member: m, name: m.Name(), v: b.in.Rule.Evaluate(*m, b.in.Today)}
	}
	return noEmail
}

// index makes what planning this target looks accounts up in: its
// resolver, its accounts by id and its anchors.
func (tp *targetPlan) index() {
	// The resolver of this target alone, made on the target's own
	// goroutine: it answers for this target as one of all targets would.
	name := tp.info.Name
	tp.resolver = identity.NewResolver(tp.linksOf[name], map[string][]target.Account{name: tp.accountsOf[name]})
	if indexed := tp.accountsOf[name]; len(indexed) == len(tp.list) && (len(tp.list) == 0 || &indexed[0] == &tp.list[0]) {
		tp.distinct = tp.resolver.Distinct(name)
	} else { // the resolver indexed another target of this name
		tp.byID = make(map[string]int, len(tp.list))
		for i, a := range tp.list {
			tp.byID[a.ID] = i
		}
		tp.distinct = len(tp.byID)
	}
	tp.resolvedAt = tp.byID == nil && tp.distinct == len(tp.list)
	tp.makeAnchors()
}

// plan plans every e-mail against this target, then its shared and
// unlinked accounts, and sorts the result.
func (tp *targetPlan) plan() {
	tp.used = make([]bool, len(tp.list))
	tp.linked = make([]member.Email, 0, len(tp.list))
	tp.items = make([]Item, 0, len(tp.sorted)) // at most one per member
	for i := 0; i < len(tp.sorted); {
		j := i + 1
		// Members without an e-mail (planned by member id alone) share
		// nothing: each stands on its own.
		for tp.sorted[i].Email != "" && j < len(tp.sorted) && tp.sorted[j].Email == tp.sorted[i].Email {
			j++
		}
		tp.email(tp.sorted[i:j])
		i = j
	}
	tp.sharedAccounts()
	setIDs(tp.items)
	tp.items = sortItems(tp.items)
	unlinked := append(tp.unlinked(), tp.extraItems...)
	setIDs(unlinked)
	tp.unlinkedItems = sortItems(unlinked)
}

// decide sets whether --auto may apply an item. Its id is set when its
// list is complete (setIDs): the kind may still change (sharedAccounts).
func (b *builder) decide(it *Item) {
	if it.Kind.Writes() {
		// An identity the admin has not seen is never applied by policy.
		it.Auto = it.Identity == "" && slices.Contains(b.in.Policy.Auto, it.Kind)
	}
}

// ItemID is stable across runs for the same pair, so a saved plan's items
// can be found again (apply FILE) and history grouped. Targets that plan on
// their own (NTK) use it too.
func ItemID(it Item) string {
	var buf [itemIDLen]byte
	return string(appendItemID(buf[:0], &it))
}

// itemIDLen is the length of an ItemID: 8 bytes of SHA-256 in hex.
const itemIDLen = 16

func appendItemID(dst []byte, it *Item) []byte {
	var buf [256]byte // most keys fit: no allocation for them
	key := buf[:0]
	for i, part := range []string{string(it.Email), it.MemberID, it.Target, it.Account, string(it.Kind)} {
		if i > 0 {
			key = append(key, 0)
		}
		key = append(key, part...)
	}
	h := sha256.Sum256(key)
	return hex.AppendEncode(dst, h[:itemIDLen/2])
}

// setIDs sets the ids of a finished list of items, all cut from one
// string: one allocation for a target's 50,000 ids instead of one each
// (they live as long as the plan anyway).
func setIDs(items []Item) {
	var all strings.Builder // its String() does not copy
	all.Grow(itemIDLen * len(items))
	for i := range items {
		var id [itemIDLen]byte
		all.Write(appendItemID(id[:0], &items[i]))
	}
	ids := all.String()
	for i := range items {
		items[i].ID = ids[i*itemIDLen : (i+1)*itemIDLen]
	}
}

// email plans one e-mail against this target.
func (tp *targetPlan) email(ms []entry) {
	matches := tp.resolver.Resolve(tp.info.Name, ms[0].Email)
	if len(ms) == 1 {
		tp.resolve(ms[0], matches)
		return
	}
	// A shared e-mail (a family): a link pinned to a member id (or what an
	// earlier run accepted for it) resolves that member; every other
	// member of the address is ambiguous.
	tp.mayShare = true
	for _, m := range ms {
		if pinned := tp.anchors.byMember[m.ID]; len(pinned) > 0 {
			tp.pair(m, pinned, nil)
			continue
		}
		it := tp.newItem(m)
		it.Kind = Ambiguous
		it.SourceEnd = m.v.End // the member's end still shows (the row read "—")
		it.Reason = fmt.Sprintf("%d members share this e-mail: %s; link each member to its account", len(ms), memberNames(ms))
		for _, x := range matches {
			tp.use(x)
		}
		// The accounts a sibling is linked to are not this member's
		// candidates: naming one would make both ambiguous.
		if cands := tp.free(matches, m); len(cands) == 1 {
			it.Account = cands[0].Account
			if a, ok := tp.account(it.Account); ok {
				it.AccountName = a.Name
			}
		}
		tp.decide(it)
	}
}

// AccountDataReason opens the reason of an invalid item whose account's
// record on the target is what is wrong (not the member's data).
const AccountDataReason = "account data: "

func memberNames(ms []entry) string {
	// By name and id: the e-mail they share does not tell them apart, an id
	// alone tells the admin nothing.
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.name + " (" + m.ID + ")"
		if m.name == "" {
			names[i] = m.ID
		}
	}
	return strings.Join(names, ", ")
}

// newItem appends the member's item on this target, to be filled where it
// lies: an item is ~330 bytes, and each copy of it costs at 150,000 items.
// Nothing else may be appended to items until it is complete.
func (tp *targetPlan) newItem(m entry) *Item {
	tp.items = append(tp.items, Item{})
	it := &tp.items[len(tp.items)-1]
	it.Email, it.Name, it.MemberID, it.Target, it.System = m.Email, m.name, m.ID, tp.info.Name, tp.info.System
	return it
}

// pair plans one member against the accounts it resolved to on one
// target; changes are the identity changes that hold the item.
func (tp *targetPlan) pair(m entry, matches []identity.Match, changes []string) {
	v := m.v
	// Accounts named by links that are gone from the target.
	var one [1]identity.Match
	present := one[:0]      // almost always one account: not allocated
	var acc *target.Account // present[0]'s
	var gone []string
	for _, x := range matches {
		if a := tp.use(x); a != nil {
			if len(present) == 0 {
				acc = a
			}
			present = append(present, x)
		} else {
			gone = append(gone, x.Account)
		}
	}
	invalid := len(m.Problems) > 0 || len(v.Invalid) > 0
	active := !m.Inactive && !v.End.IsZero() && !v.End.Before(tp.in.Today)
	if !invalid && len(present) == 0 && !active {
		return // not a member any more and no account: nothing to do
	}
	it := tp.newItem(m)
	it.SourceEnd = v.End
	if invalid {
		it.Kind = Invalid
		it.Reason = strings.Join(append(slices.Clone(m.Problems), v.Invalid...), "; ")
		if len(present) == 1 {
			tp.setAccount(it, present[0], acc)
		}
		tp.hold(it, changes)
		tp.decide(it)
		return
	}
	switch {
	case len(present) > 1:
		it.Kind = Ambiguous
		ids := make([]string, len(present))
		for i, x := range present {
			ids[i] = x.Account + " (" + string(x.Origin) + ")"
		}
		slices.Sort(ids) // not the order the target happens to list them in
		it.Reason = "e-mail matches several accounts: " + strings.Join(ids, ", ") + "; confirm one link"
		tp.link(m.linkKey())
		tp.hold(it, changes)
		tp.decide(it)
		return
	case len(present) == 0: // an active member: others returned above
		it.Kind = Missing
		it.Reason = "valid member with no account on this target (accounts are never created)"
		if !v.ValidToday {
			it.Reason = fmt.Sprintf("the membership starts %s; the member has no account on this target (accounts are never created)", v.Starts)
		}
		if len(gone) > 0 {
			it.Reason = fmt.Sprintf("linked account %s is no longer on the target", strings.Join(gone, ", "))
		}
		it.DesiredEnd = LocalTime{v.End.EndOfDay(tp.in.Zone)}
		tp.decide(it)
		return
	}
	tp.link(m.linkKey())
	tp.setAccount(it, present[0], acc)
	tp.compare(it, m, v, acc)
	tp.checkIdentity(it, m, accountRef{it.Account, it.AccountName}, changes)
	tp.decide(it)
}

// account is the account with this id (the last, should the target list
// one id twice).
func (tp *targetPlan) account(id string) (*target.Account, bool) {
	i, ok := tp.position(id)
	if !ok {
		return &target.Account{}, false
	}
	return &tp.list[i], true
}

// position is where the account with this id stands in list (the last,
// should the target list one id twice).
func (tp *targetPlan) position(id string) (int, bool) {
	if tp.byID == nil {
		return tp.resolver.Position(tp.info.Name, id)
	}
	i, ok := tp.byID[id]
	return i, ok
}

// use marks the account of a match as resolved to a member and returns it
// (as account does); nil when it is not on the target.
func (tp *targetPlan) use(x identity.Match) *target.Account {
	i, ok := x.At-1, x.At > 0 && tp.resolvedAt // no second look-up by id
	if !ok {
		i, ok = tp.position(x.Account)
	}
	if !ok {
		return nil
	}
	tp.mayShare = tp.mayShare || tp.used[i]
	tp.used[i] = true
	return &tp.list[i]
}

// linkKey counts a member among the linked: by e-mail, or by member id
// for a member planned without one (sorted before every e-mail, in the
// order the members are visited).
func (m entry) linkKey() member.Email {
	if m.Email == "" {
		return member.Email("\x00" + m.ID)
	}
	return m.Email
}

// link records that the e-mail has an account here.
func (tp *targetPlan) link(e member.Email) {
	if n := len(tp.linked); n == 0 || tp.linked[n-1] != e {
		tp.linked = append(tp.linked, e)
	}
}

// setAccount puts account a, found as x, on the item.
func (tp *targetPlan) setAccount(it *Item, x identity.Match, a *target.Account) {
	it.Account = a.ID
	it.AccountName = a.Name
	it.LinkOrigin = string(x.Origin)
	it.Permanent = a.Permanent
	if !a.End.IsZero() {
		it.CurrentEnd = LocalTime{a.End.In(tp.in.Zone)}
	}
}

// compare classifies a member against its one account, acc.
func (tp *targetPlan) compare(it *Item, m entry, v member.Validity, acc *target.Account) {
	info := tp.info
	zone := tp.in.Zone
	startOfToday := tp.in.Today.StartOfDay(zone)
	if len(acc.Problems) > 0 {
		it.Kind = Invalid
		it.Reason = AccountDataReason + strings.Join(acc.Problems, "; ")
		return
	}
	accountValid := acc.Permanent || !acc.End.Before(startOfToday)
	// The validity rule: valid today means a counting role covers today. A
	// membership bought ahead (it starts after a gap) opens the door on its
	// first day, not before; the plan of that day reactivates the account.
	memberValid := v.ValidToday
	startsLater := !m.Inactive && !v.Starts.IsZero()

	if !memberValid {
		if !accountValid {
			it.Kind = InSync
			it.Reason = "expired on both sides"
			if startsLater {
				it.Reason += fmt.Sprintf("; the membership starts %s and is reactivated then", v.Starts)
			}
			return
		}
		// Close access: the member's own end if it is already past, else
		// yesterday (inactivated members may still hold future dates).
		end := tp.in.Today.AddDays(-1)
		if !v.End.IsZero() && v.End.Before(end) {
			end = v.End
		}
		it.DesiredEnd = LocalTime{end.EndOfDay(zone)}
		it.Kind = Revoke
		switch {
		case m.Inactive:
			it.Reason = "member is inactive in Cardskipper"
		case startsLater:
			it.Reason = fmt.Sprintf("the membership starts %s: no access before then (the account is reactivated that day)", v.Starts)
		case v.Counting == 0:
			it.Reason = "member holds no counting role"
		default:
			it.Reason = fmt.Sprintf("membership ended %s", v.End)
		}
		tp.clamp(info, it)
		tp.drift(it, acc)
		return
	}

	desired := v.End.EndOfDay(zone)
	it.DesiredEnd = LocalTime{desired}
	tp.clamp(info, it)
	desired = it.DesiredEnd.Time
	switch {
	case !acc.Permanent && EndHeld(acc.End, desired, info.MaxEnd):
		it.Kind = InSync
		it.Reason = "same end on both sides"
		switch {
		case !acc.End.Equal(desired):
			it.Reason = fmt.Sprintf("the account holds %s, a day below the target's maximum, which counts as the maximum (the target refuses the maximum itself)",
				acc.End.In(zone).Format(localLayout))
		case it.Clamped:
			it.Reason = "same end on both sides (clamped to the target's maximum)"
		}
		return
	case acc.Permanent:
		it.Kind = Shorten
		it.Reason = "account has permanent access; the membership ends " + v.End.String()
	case !accountValid:
		it.Kind = Reactivate
		it.Reason = fmt.Sprintf("renewed in Cardskipper; account expired %s", member.DateOf(acc.End, zone))
	case desired.After(acc.End):
		it.Kind = Extend
		it.Reason = "renewed in Cardskipper"
	default:
		it.Kind = Shorten
		it.Reason = fmt.Sprintf("Cardskipper ends %s, earlier than the account", v.End)
	}
	if it.Clamped {
		it.Reason += fmt.Sprintf("; clamped to the target's range (%s)", it.DesiredEnd.Format(localLayout))
	}
	tp.drift(it, acc)
}

// EndHeld reports whether a target holding end held gives the access that
// desired asks for: the same end, or — when desired is the target's
// maximum — an end up to one calendar day below it. Some firmware refuses
// its own advertised maximum (DS-KV6124-E1: badJsonContent "beginTime and
// endTime") and its adapter writes the day before; wanting the extreme
// again on every run would never settle. Plan and apply's read-back use
// this one rule.
func EndHeld(held, desired, maxEnd time.Time) bool {
	if held.Equal(desired) {
		return true
	}
	return !maxEnd.IsZero() && desired.Equal(maxEnd) && held.Before(desired) && !held.Before(desired.AddDate(0, 0, -1))
}

// clamp keeps the desired end inside what the target can hold.
func (tp *targetPlan) clamp(info target.Info, it *Item) {
	d := it.DesiredEnd.Time
	if !info.MaxEnd.IsZero() && d.After(info.MaxEnd) {
		it.DesiredEnd = LocalTime{info.MaxEnd.In(tp.in.Zone)}
		it.Clamped = true
	}
	if !info.MinEnd.IsZero() && d.Before(info.MinEnd) {
		it.DesiredEnd = LocalTime{info.MinEnd.In(tp.in.Zone)}
		it.Clamped = true
	}
}

// drift marks an account whose end the sync wrote earlier and that changed since.
func (tp *targetPlan) drift(it *Item, acc *target.Account) {
	last, ok := tp.in.LastWritten[tp.info.Name][acc.ID]
	if ok && !acc.End.Equal(last) {
		it.Drift = true
		// The target's end is what changed: the reason says that first,
		// then what Cardskipper gives — "renewed in Cardskipper" blamed
		// the wrong side when it had not changed, or moved earlier
		// (review of issue 13).
		drift := fmt.Sprintf("drift: the sync set %s, the target now holds %s", last.In(tp.in.Zone).Format(localLayout), formatEnd(*acc, tp.in.Zone))
		renewal := it.Kind == Extend || it.Kind == Reactivate
		switch {
		case last.Equal(it.DesiredEnd.Time):
			it.Reason = drift + "; Cardskipper's end is written back"
		case renewal && !it.DesiredEnd.After(last):
			// Not a renewal: Cardskipper's end did not pass what the sync
			// wrote; the target dropped below it.
			it.Reason = drift + "; Cardskipper now gives " + it.DesiredEnd.Format(localLayout)
		default:
			it.Reason += "; " + drift // a real change in Cardskipper too
		}
	}
}

func formatEnd(a target.Account, zone *time.Location) string {
	if a.Permanent {
		return "permanent access"
	}
	if a.End.IsZero() {
		return "no end"
	}
	return a.End.In(zone).Format(localLayout)
}

// sharedAccounts turns every item on an account that several members
// resolved to (two e-mails linked to one Person ID, a mistyped link) into
// ambiguous: writing both would let one member's lapse lock the other out.
func (tp *targetPlan) sharedAccounts() {
	if !tp.mayShare {
		return // no account was resolved twice: none is on two items
	}
	owners := make(map[string][]int, len(tp.list))
	for i, it := range tp.items {
		if it.Account != "" && it.Kind != Unlinked {
			owners[it.Account] = append(owners[it.Account], i)
		}
	}
	for account, idx := range owners {
		if len(idx) < 2 {
			continue
		}
		var who []string
		for _, i := range idx {
			it := tp.items[i]
			// By name: the members share the e-mail that found the
			// account, so it would not tell them apart.
			name := it.Name
			if name == "" {
				name = string(it.Email)
			}
			who = append(who, fmt.Sprintf("%s (member %s)", name, it.MemberID))
		}
		for _, i := range idx {
			it := &tp.items[i]
			it.Kind = Ambiguous
			it.Auto = false
			it.DesiredEnd = LocalTime{}
			it.Clamped = false
			it.Reason = fmt.Sprintf("account %s on %s is found for several members: %s; link it to one", account, tp.info.Name, strings.Join(who, ", "))
		}
	}
}

// unlinked reports accounts no member resolved to.
func (tp *targetPlan) unlinked() []Item {
	n := 0
	for _, u := range tp.used {
		if !u {
			n++
		}
	}
	items := make([]Item, 0, n)
	unique := tp.distinct == len(tp.list) // no id listed twice
	for i, a := range tp.list {
		if !unique {
			i, _ = tp.position(a.ID) // the last of an id listed twice stands for all
		}
		if tp.used[i] {
			continue
		}
		it := Item{Kind: Unlinked, Target: tp.info.Name, System: tp.info.System, Account: a.ID, AccountName: a.Name,
			Permanent: a.Permanent, Reason: "account with no member (staff, trainer or unknown); never touched"}
		if owner, ok := tp.resolver.Owner(tp.info.Name, a.ID); ok {
			it.Email = owner
			it.Reason = "account's e-mail " + string(owner) + " belongs to no member; never touched"
			if tp.setAside(a.ID, owner) {
				it.Reason = "the admin set the account's e-mail " + string(owner) + " aside: it finds no member here; never touched"
			}
		}
		if !a.End.IsZero() {
			it.CurrentEnd = LocalTime{a.End.In(tp.in.Zone)}
		}
		items = append(items, it) // never writes: no decision to make
	}
	return items
}

// guard applies the blast-radius rule.
func guard(in Input, items []Item, linked int) Guard {
	// Members, not items: one lapsed member on three terminals is one
	// revocation, compared with the number of linked members.
	g := Guard{Linked: linked}
	revoked := map[string]bool{}
	for i := range items {
		if it := &items[i]; it.Kind == Shorten || it.Kind == Revoke {
			revoked[string(it.Email)+"\x00"+it.MemberID] = true
		}
	}
	g.Revocations = len(revoked)
	switch {
	case in.SourceErr != nil:
		g.Tripped, g.Reason = true, "the Cardskipper export failed: nothing is applied"
	case len(in.Members) == 0:
		g.Tripped, g.Reason = true, "Cardskipper returned no members: nothing is applied (a broken export must not lock the gym out)"
	case in.Policy.MaxRevocations >= 0 && g.Revocations > in.Policy.MaxRevocations:
		g.Tripped, g.Reason = true, fmt.Sprintf("%d members to shorten or revoke exceed the limit of %d", g.Revocations, in.Policy.MaxRevocations)
	case linked > 0 && float64(g.Revocations)*100 > in.Policy.MaxRevocationPercent*float64(linked):
		g.Tripped, g.Reason = true, fmt.Sprintf("%d members to shorten or revoke are more than %g %% of %d linked members", g.Revocations, in.Policy.MaxRevocationPercent, linked)
	}
	return g
}
