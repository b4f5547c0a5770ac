package store

import (
	"fmt"
	"hash/maphash"
	"slices"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/textclean"
)

// Reading the last plan (format: planbin.go). Everything read is checked:
// a damaged blob is an error naming the item, never a panic, never part of
// a plan.

// planPart is one item part: where it lies in the blob, its items, and
// once inflated its body.
type planPart struct {
	data  []byte
	items partRange
	body  string
}

// decodeLastPlan reads a blob of encodeLastPlan: the whole plan or an
// error naming the item, never part of a plan. The strings of the plan
// share the inflated parts (see bodyString), not data.
func decodeLastPlan(data []byte, zoneFor func(string) (*time.Location, error)) (plan.Plan, error) {
	header, parts, err := splitPlanBlob(data)
	if err != nil {
		return plan.Plan{}, fmt.Errorf("damaged plan: %w", err)
	}
	raw, err := gunzip(header)
	if err != nil {
		return plan.Plan{}, fmt.Errorf("header: %w", err)
	}
	r := &binReader{s: bodyString(raw)}
	p, n := r.planHeader()
	if err := r.end(); err != nil {
		return plan.Plan{}, fmt.Errorf("damaged plan: header: %w", err)
	}
	if p.Version != plan.FormatVersion {
		// Another doorsync's plan: its fields may mean something else.
		// Planning again is the way, as when none was saved.
		return plan.Plan{}, fmt.Errorf("plan version %d, this doorsync reads version %d: %w", p.Version, plan.FormatVersion, ErrNoSnapshot)
	}
	if total := partsEnd(parts); total != max(n, 0) {
		return plan.Plan{}, fmt.Errorf("damaged plan: the header says %d items, the parts hold %d", max(n, 0), total)
	}
	zone, err := zoneFor(p.Timezone)
	if err == nil && zone == nil {
		err = fmt.Errorf("no location")
	}
	if err != nil {
		return plan.Plan{}, fmt.Errorf("plan time zone %q: %w", p.Timezone, err)
	}

	// Inflate every part, then (the counts checked against what was
	// inflated, so that damage cannot allocate gigabytes) decode them.
	if err := eachPart(parts, inflatePart); err != nil {
		return plan.Plan{}, err
	}
	if n >= 0 {
		p.Items = make([]plan.Item, n)
	}
	seed := maphash.MakeSeed()
	hashes := make([]uint64, len(p.Items))
	if err := eachPart(parts, func(part *planPart) error {
		lo, hi := part.items.lo, part.items.hi
		return decodePlanItems(part, p.Items[lo:hi], hashes[lo:hi], seed, zone)
	}); err != nil {
		return plan.Plan{}, err
	}
	if i := firstRepeated(p.Items, hashes, seed); i >= 0 {
		it := &p.Items[i]
		return plan.Plan{}, fmt.Errorf("item %d (%s): id %s repeated", i+1, itemLabel(it), it.ID)
	}
	return plan.WithZone(p, zone), nil
}

// firstRepeated is the first item whose id an item before it has, or -1.
// hashes are the ids' (maphash.String with seed), and get sorted: in a
// fresh process, where all memory is new, a map of 75,000 ids took 13 ms
// to fill, sorting their hashes 5.
func firstRepeated(items []plan.Item, hashes []uint64, seed maphash.Seed) int {
	slices.Sort(hashes)
	var twice map[uint64]bool
	for i := 1; i < len(hashes); i++ {
		if hashes[i] == hashes[i-1] {
			if twice == nil {
				twice = map[uint64]bool{}
			}
			twice[hashes[i]] = true
		}
	}
	if twice == nil {
		return -1
	}
	seen := map[string]bool{}
	for i := range items {
		if id := items[i].ID; twice[maphash.String(seed, id)] {
			if seen[id] {
				return i
			}
			seen[id] = true
		}
	}
	return -1 // only the hashes were the same
}

// eachPart runs fn on every part at once and returns the error of the
// first part that failed (the lowest item number, whichever ended first).
func eachPart(parts []planPart, fn func(*planPart) error) error {
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for k := range parts {
		wg.Go(func() { errs[k] = fn(&parts[k]) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// splitPlanBlob reads the sizes before the parts and cuts the blob.
func splitPlanBlob(data []byte) ([]byte, []planPart, error) {
	// Only numbers are read here: no string may share data, which the
	// caller may reuse.
	r := &binReader{s: bodyString(data)}
	k := r.uint()
	if r.err == nil && k > maxParts {
		r.fail("%d parts, at most %d", k, maxParts)
	}
	sizes := []uint64{r.uint()} // the header's, then each part's
	var parts []planPart
	items := 0
	for j := uint64(0); r.err == nil && j < k; j++ {
		n, c := r.uint(), r.uint()
		if r.err == nil && (n == 0 || c == 0 || c > maxSnapshotBytes/minItemBytes) {
			r.fail("part %d: %d bytes, %d items", j+1, n, c)
		}
		sizes = append(sizes, n)
		parts = append(parts, planPart{items: partRange{items, items + int(c)}})
		items += int(c)
	}
	if r.err != nil {
		return nil, nil, r.err
	}
	rest, total := uint64(len(data)-r.off), uint64(0)
	for _, n := range sizes {
		if n > rest-total {
			return nil, nil, fmt.Errorf("parts larger than the data")
		}
		total += n
	}
	if total != rest {
		return nil, nil, fmt.Errorf("parts of %d bytes in %d", total, rest)
	}
	at := r.off
	cut := func(n uint64) []byte {
		b := data[at : at+int(n) : at+int(n)]
		at += int(n)
		return b
	}
	header := cut(sizes[0])
	for i := range parts {
		parts[i].data = cut(sizes[i+1])
	}
	return header, parts, nil
}

func partsEnd(parts []planPart) int {
	if len(parts) == 0 {
		return 0
	}
	return parts[len(parts)-1].items.hi
}

// inflatePart gunzips a part and checks that its items can fit in it.
func inflatePart(part *planPart) error {
	lo, hi := part.items.lo+1, part.items.hi
	raw, err := gunzip(part.data)
	if err != nil {
		return fmt.Errorf("items %d–%d: %w", lo, hi, err)
	}
	part.body = bodyString(raw)
	switch {
	case part.body == "" || part.body[0] != kindPlanItems:
		return fmt.Errorf("damaged plan: items %d–%d: not items", lo, hi)
	case hi-lo+1 > (len(part.body)-1)/minItemBytes:
		return fmt.Errorf("damaged plan: items %d–%d: %d items cannot fit in %d bytes", lo, hi, hi-lo+1, len(part.body)-1)
	}
	return nil
}

// decodePlanItems reads an inflated part into out, its items, and the
// hashes of their ids into hashes.
func decodePlanItems(part *planPart, out []plan.Item, hashes []uint64, seed maphash.Seed, zone *time.Location) error {
	r := &binReader{s: part.body, off: 1}
	for j := range out {
		i := part.items.lo + j
		it := &out[j]
		var prev *plan.Item
		if j > 0 {
			prev = &out[j-1]
		}
		r.item(it, prev, zone)
		if r.err != nil {
			return fmt.Errorf("damaged plan: item %d: %w", i+1, r.err)
		}
		if err := checkPlanItem(it, i); err != nil {
			return err
		}
		hashes[j] = maphash.String(seed, it.ID)
		if prev == nil || it.Email != prev.Email { // a copy was checked already
			if err := checkEmail(it.Email); err != nil {
				return fmt.Errorf("item %d (%s): %w", i+1, itemLabel(it), err)
			}
		}
	}
	if err := r.end(); err != nil {
		return fmt.Errorf("damaged plan: items %d–%d: %w", part.items.lo+1, part.items.hi, err)
	}
	return nil
}

// planHeader reads the header and returns the number of items (-1: nil).
func (r *binReader) planHeader() (plan.Plan, int) {
	var p plan.Plan
	if len(r.s) == 0 || r.s[0] != kindPlan {
		r.fail("not a plan")
		return p, -1
	}
	r.off = 1
	p.Version = int(r.int())
	p.CreatedAt = r.time()
	p.Today = r.date()
	p.Timezone = r.str()
	p.Source = plan.Source{System: r.sym(), Members: int(r.int()), Error: r.str()}

	if n := r.list(2); n >= 0 {
		p.Summary = make(map[plan.Kind]int, n)
		prev := plan.Kind("")
		for j := range n {
			k, c := plan.Kind(r.sym()), int(r.int())
			if r.err != nil {
				break
			}
			if !k.Valid() {
				r.fail("summary: unknown kind %q", k)
			} else if j > 0 && k <= prev {
				r.fail("summary: kind %q out of order", k)
			}
			p.Summary[k], prev = c, k
		}
	}

	if flags := r.uint(); flags > 1 {
		r.fail("guard: unknown flags %d", flags)
	} else {
		p.Guard.Tripped = flags&1 != 0
	}
	p.Guard.Reason = r.str()
	p.Guard.Revocations, p.Guard.Linked = int(r.int()), int(r.int())

	if n := r.list(4); n >= 0 {
		p.Targets = make([]plan.TargetSummary, n)
		for j := range p.Targets {
			p.Targets[j] = plan.TargetSummary{Name: r.sym(), System: r.sym(), Accounts: int(r.int()), Error: r.str()}
		}
	}
	n := r.uint()
	if r.err == nil && n > uint64(maxSnapshotBytes/minItemBytes) {
		r.fail("%d items", n-1)
	}
	return p, int(n) - 1
}

// list reads a list's length (-1: nil), refusing one whose elements, each
// at least minBytes long, could not fit in what is left.
func (r *binReader) list(minBytes int) int {
	n := r.uint()
	switch {
	case r.err != nil || n == 0:
		return -1
	case n-1 > uint64(len(r.s)-r.off)/uint64(minBytes):
		r.fail("count %d at byte %d exceeds the data", n-1, r.off)
		return -1
	}
	return int(n - 1)
}

// item reads one item; prev is the item before it in its part.
func (r *binReader) item(it, prev *plan.Item, zone *time.Location) {
	flags := r.uint()
	it.ID = r.str()
	it.Kind = plan.Kind(r.sym())
	if flags&itemSameMember != 0 {
		if prev == nil {
			r.fail("the first item of a part refers to the one before")
			return
		}
		it.Email, it.MemberID, it.Name = prev.Email, prev.MemberID, prev.Name
	} else {
		it.Email, it.MemberID, it.Name = member.Email(r.str()), r.str(), textclean.Clean(r.str())
	}
	it.Target, it.System, it.Account = r.sym(), r.sym(), r.str()
	it.AccountName = it.Name
	if flags&itemAccountIsName == 0 {
		it.AccountName = r.sym()
	}
	it.SourceEnd = r.date()
	hasCur, hasDes := flags&itemCurrentEnd != 0, flags&itemDesiredEnd != 0
	curIsDes := flags&itemCurrentIsDesired != 0
	readCur := hasCur && !curIsDes
	var cur, des int64
	var curNs, desNs uint64
	if readCur {
		cur = r.int()
	}
	if hasDes {
		des = r.int()
	}
	if flags&itemSubSecond != 0 {
		if readCur {
			curNs = r.uint()
		}
		if hasDes {
			desNs = r.uint()
		}
	}
	it.Reason, it.LinkOrigin = r.sym(), r.sym()
	if flags&itemIdentity != 0 {
		it.Identity = r.str()
	}
	if flags&itemEmailWas != 0 {
		it.EmailWas = member.Email(r.str())
	}
	if flags&itemWasMember != 0 {
		it.WasMember = r.str()
	}
	switch {
	case r.err != nil:
		return
	case flags > itemFlagsKnown:
		r.fail("unknown flags %d", flags)
		return
	case curIsDes && !(hasCur && hasDes):
		r.fail("flags %d: the current end is the desired one, but one is missing", flags)
		return
	}
	it.Permanent, it.Auto = flags&itemPermanent != 0, flags&itemAuto != 0
	it.Clamped, it.Drift = flags&itemClamped != 0, flags&itemDrift != 0
	if hasDes {
		it.DesiredEnd = r.instant(des, desNs, zone, "desired end")
	}
	if readCur {
		it.CurrentEnd = r.instant(cur, curNs, zone, "current end")
	} else if curIsDes {
		it.CurrentEnd = it.DesiredEnd
	}
}

// instant is an end read as Unix seconds and nanoseconds, in the plan's zone.
func (r *binReader) instant(sec int64, ns uint64, zone *time.Location, what string) plan.LocalTime {
	switch {
	case sec < minUnix || sec > maxUnix:
		r.fail("%s %d: year outside 0–9999", what, sec)
	case ns >= uint64(time.Second):
		r.fail("%s: %d nanoseconds", what, ns)
	}
	if r.err != nil {
		return plan.LocalTime{}
	}
	t := time.Unix(sec, int64(ns))
	if t.IsZero() {
		// The zero instant is how "no end" is written: a flag saying
		// otherwise is damage.
		r.fail("%s is the zero time", what)
		return plan.LocalTime{}
	}
	return plan.LocalTime{Time: t.In(zone)}
}
