package accesslist

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

// diffFixture: the list NTK accepted last time and today's members.
func diffFixture(t *testing.T) (Result, List) {
	t.Helper()
	last := mustList(t, strings.Join([]string{
		"000000A1;55;1",  // unchanged
		"000000A2;55;2",  // member 2 expired
		"000000A3;55;3",  // member 3 gained zone 56
		"000000A4;55;4",  // member 4 lost zone 56
		"000000A4;56;4",  //
		"000000A5;0;5",   // member 5: student and 55 → zone 7 only
		"000000A5;55;5",  //
		"000000A6;55;6",  // member 6 changed card to A7
		"000000A8;55;8",  // member 8 left Cardskipper
		"000000A9;55",    // nobody's
		"000000AA;55;10", // member 10 inactive
		"000000AB;55;11", // now on members 11 and 12
		"000000AC;55;13", // member 13's card field cleared
		"000000AD;55;14", // member 14's card field now invalid
	}, "\n")+"\n")
	inactive := mem("10", "000000AA", role(10))
	inactive.Inactive = true
	res := build(t,
		mem("1", "000000A1", role(10)),
		mem("2", "000000A2", ended(10)),
		mem("3", "000000A3", role(11)),
		mem("4", "000000A4", role(10)),
		mem("5", "000000A5", role(12)),
		mem("6", "000000A7", role(10)),
		inactive,
		mem("11", "000000AB", role(10)),
		mem("12", "000000AB", role(10)),
		mem("13", "", role(99)),
		mem("14", "xx", role(10)),
		mem("15", "000000B1", role(10), role(20)),
	)
	return res, last
}

type wantItem struct {
	kind     plan.Kind
	card     string
	memberID string
	auto     bool
	reason   string
}

func TestDiffKinds(t *testing.T) {
	res, last := diffFixture(t)
	items := Diff(res, last, []plan.Kind{plan.Extend, plan.Reactivate})
	want := []wantItem{
		{"", "", "14", false, "extra2"}, // the invalid card: no account (sorted first)
		{plan.InSync, "000000A1", "1", false, "on the accepted NTK list with zone(s) 55"},
		{plan.Revoke, "000000A2", "2", false, "card leaves the NTK list: the membership ended 2025-10-31"},
		{plan.Extend, "000000A3", "3", true, "zone(s) added: 56 (now 55, 56)"},
		{plan.Shorten, "000000A4", "4", false, "zone(s) removed: 56 (now 55)"},
		{plan.Shorten, "000000A5", "5", false, "zones changed: added 7, removed 0, 55 (now 7)"},
		{plan.Revoke, "000000A6", "6", false, "the member's extra2 now holds card 000000A7"},
		{plan.Reactivate, "000000A7", "6", true, "card changed from 000000A6; added to the NTK list with zone(s) 55"},
		{plan.Revoke, "000000A8", "8", false, "member 8 is no longer in the Cardskipper export"},
		{plan.Revoke, "000000A9", "", false, "no member has this card number any more"},
		{plan.Revoke, "000000AA", "10", false, "the member is inactive in Cardskipper"},
		{plan.Ambiguous, "000000AB", "11", false, "also on Member 12"},
		{plan.Ambiguous, "000000AB", "12", false, "also on Member 11"},
		{plan.Revoke, "000000AB", "11", false, "the card is on 2 members valid today"},
		{plan.Revoke, "000000AC", "13", false, "the card number was removed from the member's extra2"},
		{plan.Revoke, "000000AD", "14", false, `the member's extra2 now holds "xx", which is not a valid card number`},
		{plan.Reactivate, "000000B1", "15", true, "card added to the NTK list with zone(s) 0, 55"},
	}
	want[0].kind = plan.Invalid
	if len(items) != len(want) {
		for _, it := range items {
			t.Logf("%s %s %s %s", it.Kind, it.Account, it.MemberID, it.Reason)
		}
		t.Fatalf("got %d items, want %d", len(items), len(want))
	}
	ids := map[string]bool{}
	idForm := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for i, w := range want {
		it := items[i]
		if it.Kind != w.kind || it.Account != w.card || it.MemberID != w.memberID || it.Auto != w.auto || !strings.Contains(it.Reason, w.reason) {
			t.Errorf("item %d = {%s %s member %q auto %v %q}\nwant {%s %s member %q auto %v …%q…}",
				i, it.Kind, it.Account, it.MemberID, it.Auto, it.Reason, w.kind, w.card, w.memberID, w.auto, w.reason)
		}
		if it.Target != "library" || it.System != "ntk" {
			t.Errorf("item %d: target %q system %q", i, it.Target, it.System)
		}
		if !idForm.MatchString(it.ID) || ids[it.ID] {
			t.Errorf("item %d: id %q malformed or repeated", i, it.ID)
		}
		ids[it.ID] = true
		if w.memberID != "" && w.memberID != "8" {
			if it.Email != member.Email("m"+w.memberID+"@example.si") || it.Name != "Member "+w.memberID {
				t.Errorf("item %d: email %q name %q do not identify member %s", i, it.Email, it.Name, w.memberID)
			}
		}
	}
	// A member still in Cardskipper carries its desired end; the one that
	// left carries none.
	if items[2].SourceEnd != member.NewDate(2025, 10, 31) || !items[8].SourceEnd.IsZero() {
		t.Errorf("source ends: %v, %v", items[2].SourceEnd, items[8].SourceEnd)
	}
	// Ids are stable across runs.
	again := Diff(res, last, []plan.Kind{plan.Extend, plan.Reactivate})
	for i := range items {
		if again[i].ID != items[i].ID {
			t.Fatalf("item %d id changed between runs", i)
		}
	}
}

func TestDiffFirstUploadAndEmpty(t *testing.T) {
	res := build(t, mem("1", "44491AD2", role(10)))
	items := Diff(res, List{}, nil)
	if len(items) != 1 || items[0].Kind != plan.Reactivate || items[0].Auto {
		t.Fatalf("first upload: %+v", items)
	}
	// A member set that empties the list revokes every card: the plan's
	// guard counts them.
	items = Diff(build(t), mustList(t, "44491AD2;55;1\n44491AD3;55;2\n"), []plan.Kind{plan.Revoke})
	if len(items) != 2 || items[0].Kind != plan.Revoke || items[1].Kind != plan.Revoke || !items[0].Auto {
		t.Fatalf("emptied: %+v", items)
	}
}

func TestNextList(t *testing.T) {
	res, last := diffFixture(t)
	items := Diff(res, last, []plan.Kind{plan.Extend, plan.Reactivate})
	pick := func(kinds ...plan.Kind) []plan.Item {
		var out []plan.Item
		for _, it := range items {
			if slices.Contains(kinds, it.Kind) {
				out = append(out, it)
			}
		}
		return out
	}
	t.Run("nothing approved keeps the accepted list", func(t *testing.T) {
		got, skipped := NextList(res, last, nil)
		if !got.Equal(last) || len(skipped) != 0 {
			t.Fatalf("got\n%s\nskipped %v", got.Bytes(), skipped)
		}
	})
	t.Run("auto kinds only: held revokes and shortens keep their lines", func(t *testing.T) {
		got, skipped := NextList(res, last, pick(plan.Extend, plan.Reactivate, plan.InSync, plan.Invalid))
		if len(skipped) != 0 {
			t.Fatalf("skipped %v", skipped)
		}
		want := strings.Join([]string{
			"000000A1;55;1", "000000A2;55;2", "000000A3;55;3", "000000A3;56;3", "000000A4;55;4", "000000A4;56;4",
			"000000A5;0;5", "000000A5;55;5", "000000A6;55;6", "000000A7;55;6", "000000A8;55;8", "000000A9;55",
			"000000AA;55;10", "000000AB;55;11", "000000AC;55;13", "000000AD;55;14", "000000B1;0;15", "000000B1;55;15",
		}, "\n") + "\n"
		if string(got.Bytes()) != want {
			t.Fatalf("got\n%s\nwant\n%s", got.Bytes(), want)
		}
	})
	t.Run("everything approved is the built list", func(t *testing.T) {
		got, skipped := NextList(res, last, items)
		if len(skipped) != 0 || string(got.Bytes()) != string(res.List.Bytes()) {
			t.Fatalf("got\n%s\nwant\n%s\nskipped %v", got.Bytes(), res.List.Bytes(), skipped)
		}
	})
	t.Run("stale and foreign items are skipped, their cards kept", func(t *testing.T) {
		ext := pick(plan.Extend)[0] // 000000A3
		wrongKind := ext
		wrongKind.Kind = plan.Reactivate
		changed := ext
		changed.Reason = "zone(s) added: 57 (now 55, 57)"
		foreign := pick(plan.Revoke)[0]
		foreign.Target = "entrance"
		gone := ext
		gone.Account = "FFFFFFFF"
		got, skipped := NextList(res, last, []plan.Item{wrongKind, changed, foreign, gone})
		if !got.Equal(last) {
			t.Errorf("a skipped item changed the list:\n%s", got.Bytes())
		}
		want := []string{"stale: card 000000A3 is now extend", "stale: card 000000A3 changed since planning", `not of NTK "library"`, "stale: card FFFFFFFF is on neither list"}
		if len(skipped) != len(want) {
			t.Fatalf("skipped %v", skipped)
		}
		for i, w := range want {
			if !strings.Contains(skipped[i].Reason, w) {
				t.Errorf("skipped[%d] = %q, want %q", i, skipped[i].Reason, w)
			}
		}
	})
}
