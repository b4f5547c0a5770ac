package neyross

import "sync"

// recentReads keeps the persons of the latest Lookup so that a Write right
// after it (the apply engine re-reads each chunk, then writes it) sends
// those copies back instead of reading every person a second time: writing
// k persons of N costs at most min(k, ⌈N/limit⌉+1) reads before the write
// (the budget BenchmarkWriteK holds it to), not twice that. Entries
// are used once and only from the latest Lookup; anything else is re-read.
type recentReads struct {
	mu      sync.Mutex
	persons map[string]Person
}

// remember replaces the cache with the persons of a Lookup.
func (r *recentReads) remember(ps map[string]Person) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.persons = make(map[string]Person, len(ps))
	for id, p := range ps {
		r.persons[id] = p
	}
}

// take returns and forgets the cached copies of ids; missing lists the ids
// that must be read again.
func (r *recentReads) take(ids []string) (got map[string]Person, missing []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	got = map[string]Person{}
	for _, id := range ids {
		if p, ok := r.persons[id]; ok {
			got[id] = p
			delete(r.persons, id)
		} else {
			missing = append(missing, id)
		}
	}
	return got, missing
}
