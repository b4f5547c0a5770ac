package plan

import (
	"slices"
	"testing"
)

func TestChanges(t *testing.T) {
	ext := func(id string) Item { return Item{ID: id, Kind: Extend} }
	rep := func(id string, k Kind) Item { return Item{ID: id, Kind: k} }
	pending := Record{}
	for _, tc := range []struct {
		name          string
		items         []Item
		known, latest map[string]Record
		want          []Change
	}{
		{name: "recorded by no run: new", items: []Item{ext("a"), rep("b", Missing)},
			want: []Change{{"a", ChangeNew}, {"b", ChangeNew}}},
		{name: "recorded pending before: not new", items: []Item{ext("a")},
			known: map[string]Record{"a": pending}, latest: map[string]Record{"a": pending}},
		// An incremental pass after the reference run recorded only "b":
		// "a", recorded earlier, stays known.
		{name: "an incremental pass makes nothing else new", items: []Item{ext("a"), ext("b")},
			known: map[string]Record{"a": pending}, latest: map[string]Record{"a": pending, "b": pending},
			want: []Change{{"b", ChangeNew}}},
		{name: "applied and back: new", items: []Item{ext("a")},
			known: map[string]Record{"a": {Resolved: true}}, latest: map[string]Record{"a": {Resolved: true}},
			want: []Change{{"a", ChangeNew}}},
		{name: "failed last time, known or not", items: []Item{ext("a"), ext("b")},
			known: map[string]Record{"a": {Failed: true}}, latest: map[string]Record{"a": {Failed: true}, "b": {Failed: true}},
			want: []Change{{"a", ChangeFailed}, {"b", ChangeFailed}}},
		{name: "failed, then applied, back: new", items: []Item{ext("a")},
			known: map[string]Record{"a": {Failed: true}}, latest: map[string]Record{"a": {Resolved: true}},
			want: []Change{{"a", ChangeNew}}},
		{name: "a report-only kind never failed", items: []Item{rep("a", Missing)},
			known: map[string]Record{"a": pending}, latest: map[string]Record{"a": {Failed: true}}},
		{name: "identity change: new, or changed text", items: []Item{
			{ID: "a", Kind: InSync, Identity: "account 7 now Ana's"},
			{ID: "b", Kind: Extend, Identity: "x"},
			{ID: "c", Kind: Extend, Identity: "y"},
		}, known: map[string]Record{"b": {Identity: "x"}, "c": {Identity: "old"}},
			want: []Change{{"a", ChangeIdentity}, {"c", ChangeIdentity}}},
		{name: "identity wins over failed", items: []Item{{ID: "a", Kind: Extend, Identity: "x"}},
			latest: map[string]Record{"a": {Failed: true}}, want: []Change{{"a", ChangeIdentity}}},
		{name: "drift: new, or not drift before", items: []Item{
			{ID: "a", Kind: Shorten, Drift: true}, {ID: "b", Kind: Shorten, Drift: true}, {ID: "c", Kind: Shorten, Drift: true},
		}, known: map[string]Record{"b": {Drift: true}, "c": {}},
			want: []Change{{"a", ChangeDrift}, {"c", ChangeDrift}}},
		// A stopped apply recorded the approved items cancelled: still to
		// do, after failed again, never for a report-only kind.
		{name: "cancelled last time", items: []Item{ext("a"), ext("b"), rep("c", Missing), ext("d")},
			known:  map[string]Record{"a": pending, "b": pending, "c": pending, "d": pending},
			latest: map[string]Record{"a": {Cancelled: true}, "b": {Failed: true}, "c": {Cancelled: true}, "d": {Resolved: true}},
			want:   []Change{{"a", ChangeCancelled}, {"b", ChangeFailed}, {"d", ChangeNew}}},
		{name: "identity wins over cancelled", items: []Item{{ID: "a", Kind: Extend, Identity: "x"}},
			latest: map[string]Record{"a": {Cancelled: true}}, want: []Change{{"a", ChangeIdentity}}},
		{name: "in sync never counts", items: []Item{rep("a", InSync)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Changes(ChangesInput{Items: tc.items, Known: tc.known, Latest: tc.latest})
			if !slices.Equal(got, tc.want) {
				t.Errorf("Changes = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDriftRepaired(t *testing.T) {
	for _, tc := range []struct {
		name  string
		items []Item
		since map[string]Record
		want  []string
	}{
		{name: "nothing since"},
		{name: "applied with drift, in sync now or gone from the plan",
			items: []Item{{ID: "a", Kind: InSync}},
			since: map[string]Record{"a": {Resolved: true, Drift: true}, "b": {Resolved: true, Drift: true}},
			want:  []string{"a", "b"}},
		{name: "applied without drift, or drift not applied",
			since: map[string]Record{"a": {Resolved: true}, "b": {Drift: true}, "c": {Drift: true, Failed: true}, "d": {Drift: true, Cancelled: true}}},
		// Drifted again, or held by an identity change: Changes tells it.
		{name: "needing attention again",
			items: []Item{{ID: "a", Kind: Shorten, Drift: true}, {ID: "b", Kind: InSync, Identity: "x"}},
			since: map[string]Record{"a": {Resolved: true, Drift: true}, "b": {Resolved: true, Drift: true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DriftRepaired(ChangesInput{Items: tc.items, Since: tc.since}); !slices.Equal(got, tc.want) {
				t.Errorf("DriftRepaired = %v, want %v", got, tc.want)
			}
		})
	}
}
