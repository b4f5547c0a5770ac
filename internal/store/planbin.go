package store

import (
	"fmt"
	"slices"
	"sync"

	"github.com/doorsync/doorsync/internal/plan"
)

// Last plan format 2 (1 lacked the identity fields; a plan kept in it is
// planned again): the plan the console draws before anything else, in
// the binary encoding of snapbin.go (varints, strings, symbols, gzip).
// Planning again from the stored snapshots takes some 500 ms at 50,000
// members; reading this back a fraction of that (BenchmarkLastPlan75k).
//
// The blob is a header part and item parts, each gzipped on its own so
// that the parts inflate and decode on all cores at once: the console
// waits for this read before its first frame, and on two cores parts take
// it from some 55 to 40 ms (120 to 100 ms in a fresh process, where most
// of the time goes to touching the new memory of the items).
//
//	blob:    parts(count of item parts) header_size
//	         (size items)… for each item part, then the gzipped parts
//	header:  'p' version created_at(time) today(date) timezone
//	         source(system* members error)
//	         summary(list of kind* count, by kind)
//	         guard(flags(1: tripped) reason revocations linked)
//	         targets(list of name* system* accounts error)
//	         items(list length: the item parts' items added up)
//	part:    'i' the items, nothing after
//	item:    flags id kind* [email member_id name] target* system* account
//	         [account_name*] source_end(date) [current_end] [desired_end]
//	         [current_end_ns] [desired_end_ns] reason* link_origin*
//	         [identity] [email_was] [was_member]
//	         (the current end is not written when it is the desired one)
//	end:     Unix seconds (an int); its nanoseconds only with itemSubSecond
//	(* a symbol, numbered in each part on its own; [] present or not by the
//	flags; lists a count plus one, 0 being nil, so that nil and empty come
//	back as saved)
//
// Ends are instants: they come back in the plan's zone, loaded by name,
// as plan.Build and plan.Decode place them.
const (
	lastPlanFormat = 2
	kindPlan       = 'p'
	kindPlanItems  = 'i'
	// partItems is about how many items go in one part: enough that a
	// part's own gzip header and symbols cost nothing, few enough that two
	// cores share the work evenly (75,000 items: 9 parts).
	partItems = 8192
	maxParts  = 64
)

// Item flags. Those almost every item has come first, so that the flags of
// most items fit in one byte.
const (
	// itemSameMember: e-mail, member id and name are those of the item
	// before (the same member on the next target: items are sorted by
	// e-mail, member, target).
	itemSameMember = 1 << iota
	itemCurrentEnd
	itemDesiredEnd
	// itemCurrentIsDesired: the current end is the desired one, not
	// written again (every in_sync item).
	itemCurrentIsDesired
	itemAuto
	// itemAccountIsName: the account name is the member's name.
	itemAccountIsName
	itemPermanent
	itemClamped
	itemDrift
	itemSubSecond  // an end has a fraction of a second
	itemIdentity   // an identity change holds the item (format 2)
	itemEmailWas   // the member's e-mail changed since the last run (format 2)
	itemWasMember  // an identity change's account had a member (format 2)
	itemFlagsKnown = itemWasMember<<1 - 1
)

// minItemBytes is the least an item takes encoded (flags, id, kind, target,
// system, account, a zero date, reason, link origin): a count beyond
// what is left divided by it is damage, refused before allocating.
const minItemBytes = 11

// Ends must have a year of 0–9999 in UTC, like every time the store keeps.
const (
	minUnix = -62167219200 // 0000-01-01T00:00:00Z
	maxUnix = 253402300799 // 9999-12-31T23:59:59Z
)

// partRange is the items [lo, hi) of one part.
type partRange struct{ lo, hi int }

// splitParts cuts n items into parts of about partItems.
func splitParts(n int) []partRange {
	if n == 0 {
		return nil
	}
	k := min(max((n+partItems/2)/partItems, 1), maxParts)
	out := make([]partRange, k)
	for i := range out {
		out[i] = partRange{n * i / k, n * (i + 1) / k}
	}
	return out
}

func encodeLastPlan(p plan.Plan) ([]byte, error) {
	// What the reader would refuse is refused here: a plan saved must read
	// back, or the console would find a damaged one at every start.
	seen := make(map[string]struct{}, len(p.Items))
	for i := range p.Items {
		if err := checkPlanItem(&p.Items[i], i); err != nil {
			return nil, err
		}
		if err := checkRepeated(&p.Items[i], i, seen); err != nil {
			return nil, err
		}
	}
	header, err := encodePlanHeader(p)
	if err != nil {
		return nil, err
	}
	parts := splitParts(len(p.Items))
	blobs, errs := make([][]byte, len(parts)), make([]error, len(parts))
	var wg sync.WaitGroup
	for k, r := range parts {
		wg.Go(func() { blobs[k], errs[k] = encodePlanItems(p.Items, r) })
	}
	wg.Wait()
	w := &binWriter{}
	w.uint(uint64(len(parts)))
	w.uint(uint64(len(header)))
	size := len(header)
	for k, r := range parts {
		if errs[k] != nil {
			return nil, errs[k]
		}
		w.uint(uint64(len(blobs[k])))
		w.uint(uint64(r.hi - r.lo))
		size += len(blobs[k])
	}
	out := slices.Grow(w.b, size)
	out = append(out, header...)
	for _, b := range blobs {
		out = append(out, b...)
	}
	return out, nil
}

func encodePlanHeader(p plan.Plan) ([]byte, error) {
	w := &binWriter{b: make([]byte, 0, 512)}
	w.b = append(w.b, kindPlan)
	w.int(int64(p.Version))
	if err := w.time(p.CreatedAt); err != nil {
		return nil, fmt.Errorf("created at: %w", err)
	}
	w.date(p.Today)
	w.str(p.Timezone)

	w.sym(p.Source.System)
	w.int(int64(p.Source.Members))
	w.str(p.Source.Error)

	w.list(len(p.Summary), p.Summary == nil)
	kinds := make([]plan.Kind, 0, len(p.Summary))
	for k := range p.Summary {
		if !k.Valid() {
			return nil, fmt.Errorf("summary: unknown kind %q", k)
		}
		kinds = append(kinds, k)
	}
	slices.Sort(kinds) // the same plan, the same bytes
	for _, k := range kinds {
		w.sym(string(k))
		w.int(int64(p.Summary[k]))
	}

	var guard uint64
	if p.Guard.Tripped {
		guard |= 1
	}
	w.uint(guard)
	w.str(p.Guard.Reason)
	w.int(int64(p.Guard.Revocations))
	w.int(int64(p.Guard.Linked))

	w.list(len(p.Targets), p.Targets == nil)
	for _, t := range p.Targets {
		w.sym(t.Name)
		w.sym(t.System)
		w.int(int64(t.Accounts))
		w.str(t.Error)
	}
	w.list(len(p.Items), p.Items == nil)
	return gzipBody(w.b)
}

func encodePlanItems(items []plan.Item, r partRange) ([]byte, error) {
	w := &binWriter{b: make([]byte, 0, 1+(r.hi-r.lo)*80)}
	w.b = append(w.b, kindPlanItems)
	for i := r.lo; i < r.hi; i++ {
		it := &items[i]
		var prev *plan.Item
		if i > r.lo {
			prev = &items[i-1]
		}
		if err := w.item(it, prev); err != nil {
			return nil, fmt.Errorf("item %d (%s): %w", i+1, itemLabel(it), err)
		}
	}
	return gzipBody(w.b)
}

// list writes a list's length (see the format above).
func (w *binWriter) list(n int, isNil bool) {
	if isNil {
		w.uint(0)
		return
	}
	w.uint(uint64(n) + 1)
}

// item writes one item; prev is the item before it in its part.
func (w *binWriter) item(it, prev *plan.Item) error {
	cur, curNs, err := unixOf(it.CurrentEnd)
	if err != nil {
		return fmt.Errorf("current end: %w", err)
	}
	des, desNs, err := unixOf(it.DesiredEnd)
	if err != nil {
		return fmt.Errorf("desired end: %w", err)
	}
	hasCur, hasDes := !it.CurrentEnd.IsZero(), !it.DesiredEnd.IsZero()
	var flags uint64
	set := func(on bool, bit uint64) {
		if on {
			flags |= bit
		}
	}
	set(prev != nil && prev.Email == it.Email && prev.MemberID == it.MemberID && prev.Name == it.Name, itemSameMember)
	set(hasCur, itemCurrentEnd)
	set(hasDes, itemDesiredEnd)
	set(hasCur && hasDes && cur == des && curNs == desNs, itemCurrentIsDesired)
	set(it.Auto, itemAuto)
	set(it.AccountName == it.Name, itemAccountIsName)
	set(it.Permanent, itemPermanent)
	set(it.Clamped, itemClamped)
	set(it.Drift, itemDrift)
	set(curNs != 0 || desNs != 0, itemSubSecond)
	set(it.Identity != "", itemIdentity)
	set(it.EmailWas != "", itemEmailWas)
	set(it.WasMember != "", itemWasMember)
	writeCur := hasCur && flags&itemCurrentIsDesired == 0

	w.uint(flags)
	w.str(it.ID)
	w.sym(string(it.Kind))
	if flags&itemSameMember == 0 {
		w.str(string(it.Email))
		w.str(it.MemberID)
		w.str(it.Name)
	}
	w.sym(it.Target)
	w.sym(it.System)
	w.str(it.Account)
	if flags&itemAccountIsName == 0 {
		w.sym(it.AccountName)
	}
	w.date(it.SourceEnd)
	if writeCur {
		w.int(cur)
	}
	if hasDes {
		w.int(des)
	}
	if flags&itemSubSecond != 0 {
		if writeCur {
			w.uint(uint64(curNs))
		}
		if hasDes {
			w.uint(uint64(desNs))
		}
	}
	w.sym(it.Reason)
	w.sym(it.LinkOrigin)
	if flags&itemIdentity != 0 {
		w.str(it.Identity)
	}
	if flags&itemEmailWas != 0 {
		w.str(string(it.EmailWas))
	}
	if flags&itemWasMember != 0 {
		w.str(it.WasMember)
	}
	return nil
}

// unixOf is an end as Unix seconds and nanoseconds (0, 0 for none).
func unixOf(t plan.LocalTime) (int64, int, error) {
	if t.IsZero() {
		return 0, 0, nil
	}
	sec := t.Unix()
	if sec < minUnix || sec > maxUnix {
		return 0, 0, fmt.Errorf("%s: year outside 0–9999", t.Time)
	}
	return sec, t.Nanosecond(), nil
}

// checkPlanItem refuses an item no plan has (with checkRepeated: ids are
// how items are found again). Unlike plan.Decode it asks no end of a
// writing item: the NTK access list's change card lists and have none.
func checkPlanItem(it *plan.Item, i int) error {
	if !it.Kind.Valid() {
		return fmt.Errorf("item %d (%s): unknown kind %q", i+1, itemLabel(it), it.Kind)
	}
	if it.ID == "" {
		return fmt.Errorf("item %d (%s): no id", i+1, itemLabel(it))
	}
	return nil
}

func checkRepeated(it *plan.Item, i int, seen map[string]struct{}) error {
	if _, dup := seen[it.ID]; dup {
		return fmt.Errorf("item %d (%s): id %s repeated", i+1, itemLabel(it), it.ID)
	}
	seen[it.ID] = struct{}{}
	return nil
}

// itemLabel names an item in errors: who and where, as far as known.
func itemLabel(it *plan.Item) string {
	who := string(it.Email)
	if who == "" {
		who = "member " + it.MemberID
		if it.MemberID == "" {
			who = "no member"
		}
	}
	if it.Target == "" {
		return who
	}
	if it.Account == "" {
		return who + ", " + it.Target
	}
	return who + ", " + it.Target + " account " + it.Account
}
