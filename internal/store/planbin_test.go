package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

// headerBody is a minimal header (zone UTC, no summary, no targets)
// announcing n items (-1: nil).
func headerBody(version int64, n int) []byte {
	w := headerStart(version)
	w.uint(0) // summary: nil
	w.uint(0) // guard: not tripped
	w.str("")
	w.int(0)
	w.int(0)
	w.uint(0) // targets: nil
	w.list(n, n < 0)
	return w.b
}

// headerStart writes a header up to the source (version, zero time and
// date, zone UTC, cardskipper with one member, no error).
func headerStart(version int64) *binWriter {
	w := &binWriter{}
	w.b = append(w.b, kindPlan)
	w.int(version)
	w.time(time.Time{})
	w.date(member.Date{})
	w.str("UTC")
	w.sym("cardskipper")
	w.int(1)
	w.str("")
	return w
}

// itemsBody is a part's body holding the items.
func itemsBody(items ...rawItem) []byte {
	w := &binWriter{}
	w.b = append(w.b, kindPlanItems)
	for _, it := range items {
		w.rawItem(it)
	}
	return w.b
}

// rawPart is a part's body and the number of items the blob says it holds.
type rawPart struct {
	body  []byte
	items int
}

// planBlob gzips the bodies and puts them together as encodeLastPlan does.
func planBlob(t testing.TB, header []byte, parts ...rawPart) []byte {
	t.Helper()
	hz := gzipBytes(t, string(header))
	w := &binWriter{}
	w.uint(uint64(len(parts)))
	w.uint(uint64(len(hz)))
	var zs [][]byte
	for _, p := range parts {
		z := gzipBytes(t, string(p.body))
		zs = append(zs, z)
		w.uint(uint64(len(z)))
		w.uint(uint64(p.items))
	}
	w.b = append(w.b, hz...)
	for _, z := range zs {
		w.b = append(w.b, z...)
	}
	return w.b
}

// onePart is a plan of the items in one part.
func onePart(t testing.TB, items ...rawItem) []byte {
	return planBlob(t, headerBody(plan.FormatVersion, len(items)), rawPart{itemsBody(items...), len(items)})
}

// rawItem is an item as written, flags and all, for damaged bodies.
type rawItem struct {
	flags         uint64
	id, kind      string
	email         string
	cur, des      int64
	curNs, desNs  uint64
	accountNameIs bool
}

func (w *binWriter) rawItem(it rawItem) {
	w.uint(it.flags)
	w.str(it.id)
	w.sym(it.kind)
	if it.flags&itemSameMember == 0 {
		w.str(it.email)
		w.str("150001")
		w.str("Ana Novak")
	}
	w.sym("entrance")
	w.sym("hikvision")
	w.str("1001")
	if it.flags&itemAccountIsName == 0 {
		w.sym("ANA NOVAK")
	}
	w.date(member.NewDate(2025, 12, 31))
	writeCur := it.flags&itemCurrentEnd != 0 && it.flags&itemCurrentIsDesired == 0
	if writeCur {
		w.int(it.cur)
	}
	if it.flags&itemDesiredEnd != 0 {
		w.int(it.des)
	}
	if it.flags&itemSubSecond != 0 {
		if writeCur {
			w.uint(it.curNs)
		}
		if it.flags&itemDesiredEnd != 0 {
			w.uint(it.desNs)
		}
	}
	w.sym("same end on both sides")
	w.sym("terminal")
}

const endOf2025 = 1767221999 // 2025-12-31T23:59:59+01:00

func item1(mod func(*rawItem)) rawItem {
	it := rawItem{flags: itemCurrentEnd | itemDesiredEnd, id: "a1", kind: "in_sync", email: "ana.novak@example.si",
		cur: endOf2025, des: endOf2025}
	if mod != nil {
		mod(&it)
	}
	return it
}

// Damaged plans are errors naming the item and what is wrong, never a
// partial plan.
func TestDecodeLastPlanRejects(t *testing.T) {
	second := func(mod func(*rawItem)) rawItem {
		return item1(func(it *rawItem) {
			it.id, it.flags = "a2", it.flags|itemSameMember
			if mod != nil {
				mod(it)
			}
		})
	}
	good := onePart(t, item1(nil), second(nil))
	goodBody := itemsBody(item1(nil), second(nil))
	one := func(mod func(*rawItem)) []byte { return onePart(t, item1(mod)) }
	header := func(mod func(w *binWriter)) []byte {
		w := headerStart(plan.FormatVersion)
		mod(w)
		return planBlob(t, w.b)
	}
	// item 3 of 3, in the second of two parts
	twoParts := func(third rawItem) []byte {
		return planBlob(t, headerBody(plan.FormatVersion, 3), rawPart{goodBody, 2}, rawPart{itemsBody(third), 1})
	}
	for _, tc := range []struct {
		name       string
		blob       []byte
		want       string
		noSnapshot bool
	}{
		{"empty", nil, "damaged plan: cut short", false},
		{"header not gzip", []byte{0, 1, 'p'}, "header: damaged snapshot", false},
		{"members", planBlob(t, []byte{kindMembers, 0}), "damaged plan: header: not a plan", false},
		{"too many parts", []byte{65, 0}, "65 parts, at most 64", false},
		{"parts beyond the data", good[:len(good)-1], "damaged plan: parts larger than the data", false},
		{"data after the parts", append(bytes.Clone(good), 0), "damaged plan: parts of", false},
		{"part without items", planBlob(t, headerBody(plan.FormatVersion, 0), rawPart{[]byte{kindPlanItems}, 0}), "part 1: ", false},
		{"header counts other items", planBlob(t, headerBody(plan.FormatVersion, 3), rawPart{goodBody, 2}), "the header says 3 items, the parts hold 2", false},
		{"nil items with parts", planBlob(t, headerBody(plan.FormatVersion, -1), rawPart{goodBody, 2}), "the header says 0 items, the parts hold 2", false},
		{"header after its end", planBlob(t, append(headerBody(plan.FormatVersion, 0), 0)), "damaged plan: header: data after the last entry", false},
		{"part not items", planBlob(t, headerBody(plan.FormatVersion, 1), rawPart{headerBody(1, 0), 1}), "damaged plan: items 1–1: not items", false},
		{"more items than the part holds", planBlob(t, headerBody(plan.FormatVersion, 1000), rawPart{goodBody, 1000}),
			"items 1–1000: 1000 items cannot fit", false},
		{"part not gzip", func() []byte { b := bytes.Clone(good); b[len(b)-20] ^= 0xff; return b }(), "items 1–2: damaged snapshot", false},
		{"cut short", planBlob(t, headerBody(plan.FormatVersion, 2), rawPart{goodBody[:len(goodBody)-3], 2}), "damaged plan: item 2: cut short", false},
		{"data after the items", planBlob(t, headerBody(plan.FormatVersion, 2), rawPart{append(bytes.Clone(goodBody), make([]byte, 30)...), 2}),
			"damaged plan: items 1–2: data after the last entry", false},
		{"other plan version", planBlob(t, headerBody(2, 0)), "plan version 2, this doorsync reads version 1", true},
		{"unknown kind", onePart(t, item1(nil), second(func(it *rawItem) { it.kind = "expire" })),
			`item 2 (ana.novak@example.si, entrance account 1001): unknown kind "expire"`, false},
		{"repeated id", onePart(t, item1(nil), second(func(it *rawItem) { it.id = "a1" })),
			"item 2 (ana.novak@example.si, entrance account 1001): id a1 repeated", false},
		{"repeated id across parts", twoParts(item1(func(it *rawItem) { it.id = "a1" })),
			"item 3 (ana.novak@example.si, entrance account 1001): id a1 repeated", false},
		{"damage in the second part", twoParts(item1(func(it *rawItem) { it.id, it.kind = "a3", "expire" })), "item 3 (", false},
		{"no id", one(func(it *rawItem) { it.id = "" }), "item 1 (ana.novak@example.si, entrance account 1001): no id", false},
		{"first refers back", one(func(it *rawItem) { it.flags |= itemSameMember }), "damaged plan: item 1: the first item of a part refers to the one before", false},
		{"first of a part refers back", twoParts(second(func(it *rawItem) { it.id = "a3" })), "damaged plan: item 3: the first item of a part refers", false},
		{"unknown flags", one(func(it *rawItem) { it.flags |= 1 << 13 }), "damaged plan: item 1: unknown flags", false},
		{"current is desired without desired", one(func(it *rawItem) { it.flags = itemCurrentEnd | itemCurrentIsDesired }),
			"damaged plan: item 1: flags 10: the current end is the desired one, but one is missing", false},
		{"end beyond 9999", one(func(it *rawItem) { it.cur = maxUnix + 1 }), "damaged plan: item 1: current end 253402300800: year outside 0–9999", false},
		{"end before year 0", one(func(it *rawItem) { it.des = minUnix - 1 }), "item 1: desired end -62167219201: year outside", false},
		{"nanoseconds", one(func(it *rawItem) { it.flags, it.desNs = it.flags|itemSubSecond, 1e9 }), "item 1: desired end: 1000000000 nanoseconds", false},
		{"zero end", one(func(it *rawItem) { it.cur = -62135596800 }), "item 1: current end is the zero time", false},
		{"e-mail not normalised", one(func(it *rawItem) { it.email = "Ana.Novak@Example.si" }),
			`item 1 (Ana.Novak@Example.si, entrance account 1001): e-mail "Ana.Novak@Example.si" is not a normalised address`, false},
		{"undefined symbol", planBlob(t, headerBody(plan.FormatVersion, 1), rawPart{append([]byte{kindPlanItems, 0, 2, 'a', '1', 7}, make([]byte, 20)...), 1}),
			"damaged plan: item 1: symbol 7", false},
		{"summary kind", header(func(w *binWriter) { w.uint(2); w.sym("expire"); w.int(1) }), `damaged plan: header: summary: unknown kind "expire"`, false},
		{"summary order", header(func(w *binWriter) { w.uint(3); w.sym("in_sync"); w.int(1); w.sym("extend"); w.int(1) }),
			`header: summary: kind "extend" out of order`, false},
		{"guard flags", header(func(w *binWriter) { w.uint(0); w.uint(2) }), "header: guard: unknown flags 2", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := decodeLastPlan(tc.blob, time.LoadLocation)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("decode = %v, want an error containing %q", err, tc.want)
			}
			if errors.Is(err, ErrNoSnapshot) != tc.noSnapshot {
				t.Errorf("errors.Is(%v, ErrNoSnapshot) = %v", err, !tc.noSnapshot)
			}
			if !reflect.DeepEqual(p, plan.Plan{}) {
				t.Errorf("an error came with a plan of %d items", len(p.Items))
			}
		})
	}

	// The good plan the cases damage is itself accepted, the second item
	// taking the first's member and the ends their zone.
	p, err := decodeLastPlan(good, time.LoadLocation)
	if err != nil || len(p.Items) != 2 {
		t.Fatalf("good plan: %d items, %v", len(p.Items), err)
	}
	if it := p.Items[1]; it.Email != "ana.novak@example.si" || it.MemberID != "150001" || it.Name != "Ana Novak" ||
		it.CurrentEnd.Location() != time.UTC || it.CurrentEnd.Format(time.RFC3339) != "2025-12-31T22:59:59Z" {
		t.Errorf("second item %+v", it)
	}
	if p, err := decodeLastPlan(twoParts(item1(func(it *rawItem) { it.id = "a3" })), time.LoadLocation); err != nil || len(p.Items) != 3 {
		t.Errorf("good plan in two parts: %d items, %v", len(p.Items), err)
	}
}

// Large plans are cut into parts (decoded at once on every core); where
// they are cut changes nothing read back.
func TestLastPlanParts(t *testing.T) {
	for _, tc := range []struct{ items, parts int }{{0, 0}, {1, 1}, {12_000, 1}, {12_289, 2}, {75_000, 9}, {2_000_000, maxParts}} {
		parts := splitParts(tc.items)
		if len(parts) != tc.parts {
			t.Errorf("%d items: %d parts, want %d", tc.items, len(parts), tc.parts)
		}
		next := 0
		for _, r := range parts {
			if r.lo != next || r.hi <= r.lo {
				t.Errorf("%d items: parts %v", tc.items, parts)
				break
			}
			next = r.hi
		}
		if next != tc.items {
			t.Errorf("%d items: parts %v end at %d", tc.items, parts, next)
		}
	}
	p := bigPlan(t, 20_000) // 29,960 items, 4 parts
	blob, err := encodeLastPlan(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeLastPlan(blob, zonesFor(p.Zone()))
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("a plan of %d items read back as %d, %v", len(p.Items), len(got.Items), err)
	}
}

// inflatedSize is how much the header and parts of a blob inflate to: the
// memory the strings of the plan read back share.
func inflatedSize(t testing.TB, blob []byte) int {
	t.Helper()
	header, parts, err := splitPlanBlob(blob)
	if err != nil {
		t.Fatal(err)
	}
	n := len(gunzipped(t, header))
	for _, p := range parts {
		n += len(gunzipped(t, p.data))
	}
	return n
}

// "compact": on disk, and in memory once read, since the strings of the
// items read back share the decompressed body (a plan file takes some 500
// bytes an item, 44 gzipped).
func TestLastPlanSize(t *testing.T) {
	p := bigPlan(t, 5_000)
	blob, err := encodeLastPlan(p)
	if err != nil {
		t.Fatal(err)
	}
	n := len(p.Items)
	if body := inflatedSize(t, blob); len(blob) > 32*n || body > 80*n {
		t.Errorf("%d items take %d bytes (%d decompressed), want < 32 (80) an item", n, len(blob), body)
	}
}

// FuzzDecodeLastPlan feeds its input as the whole blob, as the body of
// the header, and as the body of a part of two items (so that mutations
// reach the binary layer under the gzip of each part).
func FuzzDecodeLastPlan(f *testing.F) {
	good, err := encodeLastPlan(samplePlan(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-4])
	f.Add(append(bytes.Clone(good), 0))
	header, parts, err := splitPlanBlob(good)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(gunzipped(f, header))
	body := gunzipped(f, parts[0].data)
	f.Add(body)
	f.Add(body[:len(body)/2])
	f.Add(bytes.Replace(body, []byte("in_sync"), []byte("in_sunk"), 1))
	f.Add(itemsBody(item1(nil), item1(func(it *rawItem) { it.id, it.flags = "a2", it.flags|itemSameMember|itemSubSecond|itemClamped })))
	f.Add(itemsBody(item1(nil), item1(func(it *rawItem) { it.id, it.flags = "a2", itemCurrentEnd|itemDesiredEnd|itemCurrentIsDesired })))
	f.Add(itemsBody(item1(func(it *rawItem) { it.flags |= itemSameMember })))
	for _, s := range []string{"", "p", "i", "\x01\x00\x01\x01", "\x40\x00"} {
		f.Add([]byte(s))
	}
	zones := zonesFor(ljubljana(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkLastPlan(t, data, zones)
		checkLastPlan(t, planBlob(t, data), zones)
		checkLastPlan(t, planBlob(t, headerBody(plan.FormatVersion, 2), rawPart{data, 2}), zones)
	})
}

// checkLastPlan: a blob decodes to the whole plan or to an error and no
// plan; what is accepted survives encoding again unchanged.
func checkLastPlan(t *testing.T, blob []byte, zones func(string) (*time.Location, error)) {
	p, err := decodeLastPlan(blob, zones)
	if err != nil {
		if !reflect.DeepEqual(p, plan.Plan{}) {
			t.Fatalf("error %v with a plan of %d items", err, len(p.Items))
		}
		return
	}
	again, err := encodeLastPlan(p)
	if err != nil {
		t.Fatalf("re-encode an accepted plan: %v", err)
	}
	back, err := decodeLastPlan(again, zones)
	if err != nil {
		t.Fatalf("decode a re-encoded plan: %v", err)
	}
	if !reflect.DeepEqual(back, p) {
		t.Fatalf("round trip changed the plan:\n%+v\n%+v", p, back)
	}
}

// bigPlan is shaped like the plan of a club of members members and two
// Hikvision terminals: the entrance knows every member, the garage half of
// them plus 40 staff accounts no member owns. Most items are in_sync and
// extend with the same few reasons; names carry Slovenian diacritics.
func bigPlan(t testing.TB, members int) plan.Plan {
	loc := ljubljana(t)
	firsts := []string{"Žiga", "Ana", "Nejc", "Špela", "Matej", "Urška", "Luka", "Neža", "Jože", "Maša", "Tjaša", "Gašper"}
	lasts := []string{"Čeh", "Novak", "Horvat", "Kovačič", "Krajnc", "Zupančič", "Potočnik", "Kos", "Vidmar", "Šuštar", "Golob", "Žagar"}
	today := member.NewDate(2025, 11, 1)
	sourceEnd := func(i int) member.Date { return today.AddDays(30 + i%365) }
	endOf := func(d member.Date) plan.LocalTime { return plan.LocalTime{Time: d.EndOfDay(loc)} }
	garage := members/2 - 40
	items := make([]plan.Item, 0, members+garage+40)
	for i := range 40 {
		it := plan.Item{Kind: plan.Unlinked, Target: "garage", System: "hikvision", Account: fmt.Sprint(90000 + i),
			AccountName: "Trener " + lasts[i%len(lasts)], CurrentEnd: endOf(today.AddDays(900)),
			Reason: "account with no member (staff, trainer or unknown); never touched"}
		it.ID = plan.ItemID(it)
		items = append(items, it)
	}
	for i := range members {
		name := firsts[i%len(firsts)] + " " + lasts[(i/len(firsts))%len(lasts)]
		base := plan.Item{Email: member.Email(fmt.Sprintf("member%06d@example.si", i)), Name: name, MemberID: fmt.Sprint(150000 + i),
			System: "hikvision", SourceEnd: sourceEnd(i), LinkOrigin: "terminal"}
		for _, target := range []string{"entrance", "garage"} {
			if target == "garage" && i >= garage {
				break
			}
			it := base
			it.Target, it.Account, it.AccountName = target, fmt.Sprint(1000+i), name
			if target == "garage" {
				it.AccountName = strings.ToUpper(member.FoldName(name))
			}
			it.DesiredEnd = endOf(it.SourceEnd)
			switch {
			case i%100 < 78:
				it.Kind, it.CurrentEnd, it.Reason = plan.InSync, it.DesiredEnd, "same end on both sides"
			case i%100 < 96:
				it.Kind, it.CurrentEnd, it.Auto, it.Reason = plan.Extend, endOf(today.AddDays(-3)), true, "renewed in Cardskipper"
			case i%100 < 98:
				it.Kind, it.Account, it.AccountName, it.LinkOrigin = plan.Missing, "", "", ""
				it.Reason = "valid member with no account on this target (accounts are never created)"
			default:
				it.Kind, it.CurrentEnd, it.DesiredEnd = plan.Revoke, endOf(today.AddDays(200)), endOf(today.AddDays(-1))
				it.Reason = fmt.Sprintf("membership ended %s", today.AddDays(-1-i%30))
			}
			it.ID = plan.ItemID(it)
			items = append(items, it)
		}
	}
	summary := map[plan.Kind]int{}
	for _, k := range plan.Kinds() {
		summary[k] = 0
	}
	for _, it := range items {
		summary[it.Kind]++
	}
	return plan.WithZone(plan.Plan{
		Version: plan.FormatVersion, CreatedAt: t0(), Today: today, Timezone: loc.String(),
		Source:  plan.Source{System: "cardskipper", Members: members},
		Summary: summary, Guard: plan.Guard{Revocations: summary[plan.Revoke], Linked: members},
		Targets: []plan.TargetSummary{{Name: "entrance", System: "hikvision", Accounts: members},
			{Name: "garage", System: "hikvision", Accounts: garage + 40}},
		Items: items,
	}, loc)
}

// BenchmarkLastPlan75k saves and reads back the last plan of a
// 50,000-member club with two terminals (75,000 items): the read is what
// the console waits for before its first frame.
func BenchmarkLastPlan75k(b *testing.B) {
	ctx := context.Background()
	p := bigPlan(b, 50_000)
	if len(p.Items) != 75_000 {
		b.Fatalf("%d items", len(p.Items))
	}
	s, _, _ := newStore(b)
	if err := s.SaveLastPlan(ctx, p, t0()); err != nil { // for "read" run alone
		b.Fatal(err)
	}
	b.Run("save", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := s.SaveLastPlan(ctx, p, t0()); err != nil {
				b.Fatal(err)
			}
		}
	})
	blob, err := encodeLastPlan(p)
	if err != nil {
		b.Fatal(err)
	}
	zones := zonesFor(p.Zone())
	b.Run("read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got, _, err := s.LastPlan(ctx, zones)
			if err != nil || len(got.Items) != len(p.Items) {
				b.Fatalf("%d items, %v", len(got.Items), err)
			}
		}
		b.ReportMetric(float64(len(blob)), "blob-bytes")
		b.ReportMetric(float64(inflatedSize(b, blob)), "inflated-bytes")
	})
}

// A last plan an earlier version saved with a raw name (in the item, the
// account, the reason) is read back clean.
func TestLastPlanRawNamesAreReadClean(t *testing.T) {
	p := bigPlan(t, 10)
	// ESC [ 2 J and the C1 CSI "A" (cursor up) go whole.
	const raw, clean = "\x1b[2J\u009bAna\u202E", "na"
	p.Items[0].Name, p.Items[0].AccountName, p.Items[0].Reason = raw, raw+"X", "name differs: "+raw
	blob, err := encodeLastPlan(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeLastPlan(blob, zonesFor(p.Zone()))
	if err != nil {
		t.Fatal(err)
	}
	if it := got.Items[0]; it.Name != clean || it.AccountName != clean+"X" || it.Reason != "name differs: "+clean {
		t.Errorf("item read back as name %q, account name %q, reason %q", it.Name, it.AccountName, it.Reason)
	}
}
