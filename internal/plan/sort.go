package plan

import (
	"cmp"
	"slices"

	"github.com/doorsync/doorsync/internal/member"
)

// compareItems is the plan's order: e-mail, member, target, account.
func compareItems(a, b *Item) int {
	return cmp.Or(cmp.Compare(a.Email, b.Email), cmp.Compare(a.MemberID, b.MemberID),
		cmp.Compare(a.Target, b.Target), cmp.Compare(a.Account, b.Account))
}

// sortItems orders items by compareItems, keeping the planned order among
// equals; items already in order (the planner visits e-mails in order) are
// returned as they are. It sorts indices, not the items: moving ~250-byte items through a
// stable merge sort was most of a 50,000-member plan.
func sortItems(items []Item) []Item {
	if slices.IsSortedFunc(items, func(a, b Item) int { return compareItems(&a, &b) }) {
		return items
	}
	order := make([]int32, len(items))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int {
		return cmp.Or(compareItems(&items[x], &items[y]), cmp.Compare(x, y))
	})
	sorted := make([]Item, len(items))
	for i, j := range order {
		sorted[i] = items[j]
	}
	return sorted
}

// mergeSorted merges sorted lists into one; among equal items the earlier
// list comes first, as if the lists had been concatenated and stably sorted.
func mergeSorted(lists [][]Item) []Item {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	out := make([]Item, 0, n)
	heads := make([]int, len(lists))
	for len(out) < n {
		best := -1
		for li, l := range lists {
			if heads[li] == len(l) {
				continue
			}
			if best < 0 || compareItems(&l[heads[li]], &lists[best][heads[best]]) < 0 {
				best = li
			}
		}
		out = append(out, lists[best][heads[best]])
		heads[best]++
	}
	return out
}

// countDistinct counts the distinct e-mails in lists that are each sorted
// and free of repeats.
func countDistinct(lists [][]member.Email) int {
	heads := make([]int, len(lists))
	n := 0
	for {
		best := -1
		for li, l := range lists {
			if heads[li] < len(l) && (best < 0 || l[heads[li]] < lists[best][heads[best]]) {
				best = li
			}
		}
		if best < 0 {
			return n
		}
		e := lists[best][heads[best]]
		n++
		for li, l := range lists {
			if heads[li] < len(l) && l[heads[li]] == e {
				heads[li]++
			}
		}
	}
}
