package plan

import (
	"cmp"
	"slices"
	"sort"
	"sync"

	"github.com/doorsync/doorsync/internal/member"
)

// compareItems is the plan's order: e-mail, member, target, account.
// Each key is compared only when the ones before are equal (cmp.Or would
// compare all four first): it is called millions of times a large plan.
func compareItems(a, b *Item) int {
	if c := cmp.Compare(a.Email, b.Email); c != 0 {
		return c
	}
	if c := cmp.Compare(a.MemberID, b.MemberID); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Target, b.Target); c != 0 {
		return c
	}
	return cmp.Compare(a.Account, b.Account)
}

// itemsSorted reports whether items are in compareItems order. Unlike
// slices.IsSortedFunc it does not copy two ~320-byte items per comparison.
func itemsSorted(items []Item) bool {
	for i := 1; i < len(items); i++ {
		if compareItems(&items[i], &items[i-1]) < 0 {
			return false
		}
	}
	return true
}

// sortItems orders items by compareItems, keeping the planned order among
// equals; items already in order (the planner visits e-mails in order) are
// returned as they are. It sorts indices, not the items: moving ~250-byte items through a
// stable merge sort was most of a 50,000-member plan.
func sortItems(items []Item) []Item {
	if itemsSorted(items) {
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
//
// The two halves of the result are merged concurrently: every list is cut
// at the middle item of the longest, items before it go to the first half
// and the rest (equal ones too, so ties stay in list order) to the second.
// Merged on one goroutine, the 150,000 items of BenchmarkBuild50kThreeTargets
// took 11 % of its CPU profile, with the other core idle.
func mergeSorted(lists [][]Item) []Item {
	n := 0
	longest := 0
	for i, l := range lists {
		n += len(l)
		if len(l) > len(lists[longest]) {
			longest = i
		}
	}
	out := make([]Item, n)
	if n < 1000 {
		mergeInto(out, lists)
		return out
	}
	pivot := &lists[longest][len(lists[longest])/2]
	first := make([][]Item, len(lists))
	second := make([][]Item, len(lists))
	cut := 0
	for i, l := range lists {
		j := sort.Search(len(l), func(j int) bool { return compareItems(&l[j], pivot) >= 0 })
		first[i], second[i] = l[:j], l[j:]
		cut += j
	}
	var wg sync.WaitGroup
	wg.Go(func() { mergeInto(out[:cut], first) })
	mergeInto(out[cut:], second)
	wg.Wait()
	return out
}

// mergeInto merges sorted lists into out, which holds exactly their items.
func mergeInto(out []Item, lists [][]Item) {
	lists = slices.DeleteFunc(slices.Clone(lists), func(l []Item) bool { return len(l) == 0 })
	for k := range out {
		best := 0
		for li := 1; li < len(lists); li++ {
			if compareItems(&lists[li][0], &lists[best][0]) < 0 {
				best = li
			}
		}
		out[k] = lists[best][0]
		if lists[best] = lists[best][1:]; len(lists[best]) == 0 {
			lists = slices.Delete(lists, best, best+1)
		}
	}
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
