package neyross_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/clock/clocktest"
	"github.com/doorsync/doorsync/internal/emulator"
	emu "github.com/doorsync/doorsync/internal/emulator/neyross"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target/neyross"
	"github.com/doorsync/doorsync/internal/target/targettest"
)

const (
	token        = "ce6b228c-9f09-47bd-b5d6-933abc894905"
	levelKPP1    = "0dfb462d-d5c3-402d-9075-e726ea94bd49"
	levelKPP2    = "820a1259-fbe0-4594-913e-4ab869e60b19"
	levelAdmin   = "5a1e2f44-7c1b-4e0a-9d3e-2b8f6a9c0d11" // not an EIS level
	pathCount    = emu.Prefix + "persons/count/"
	pathSearch   = emu.Prefix + "persons/search/"
	pathMultiple = emu.Prefix + "persons/upsert/multiple"
	pathSingle   = emu.Prefix + "persons/upsert/"
)

// bench is one emulated platform on loopback and a target pointed at it.
type bench struct {
	srv    *emu.Server
	log    *emulator.RequestLog
	faults *emulator.Faults
	zone   *time.Location
	clock  clock.Clock // the platform's
	target *neyross.Target
	client *neyross.Client
	url    string

	mu       sync.Mutex
	authMark int // log length when BreakAuth was called
}

func zone(t testing.TB) *time.Location {
	t.Helper()
	z, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func newBench(t testing.TB, cfg emu.Config, mod ...func(*neyross.Config)) *bench {
	t.Helper()
	b := &bench{log: &emulator.RequestLog{}, faults: emulator.NewFaults(11), zone: zone(t)}
	cfg.Token, cfg.Zone, cfg.Log, cfg.Faults = token, b.zone, b.log, b.faults
	if cfg.Clock == nil {
		cfg.Clock = clocktest.Start(t)
	}
	b.clock = cfg.Clock
	b.srv = emu.New(cfg)
	t.Cleanup(b.srv.Close)
	hs := httptest.NewServer(b.srv)
	t.Cleanup(hs.Close)
	b.url = hs.URL
	nc := neyross.Config{Name: "pacs", BaseURL: hs.URL, Token: token, Zone: b.zone, Timeout: 10 * time.Second}
	for _, m := range mod {
		m(&nc)
	}
	var err error
	if b.target, err = neyross.NewTarget(nc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.target.Close)
	b.client = b.target.Client()
	return b
}

// uuidOf is a valid, sortable uuid for test person i.
func uuidOf(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", i+1, 0xabc000+i) }

// person is a full EIS person as an administrator would leave it: every
// optional field, an internal level beside the EIS one, card and a photo.
func (b *bench) person(i int, end time.Time) emu.Person {
	return emu.Person{
		UUID: uuidOf(i), Surname: "Аспидов", Name: "Иван", Patronymic: fmt.Sprintf("Сергеевич %d", i),
		Organization: "Фитнес-клуб «Атлет»", Division: "Зал", Post: "Клиент", ClockNumber: fmt.Sprint(1000 + i),
		DocumentNumber: "4510 123456", Phone: "+7 900 000-00-00", Email: fmt.Sprintf("Member%d@Example.ru", i),
		AccessLevels: []string{levelKPP1, levelAdmin}, PassType: emu.PassRegular,
		Activation: emu.Int64(member.NewDate(2024, 3, 4).StartOfDay(b.zone).Unix()),
		Expiration: emu.Int64(end.Unix()),
		Card:       emu.Int64(int64(12345 + i)), Facility: emu.Int64(17),
		Info:  map[string]string{"inactivity": "false", "Birthday": "1994-12-05", "pacs:folder": "c84e7f59"},
		Photo: "aGVsbG8=",
	}
}

// seed replaces the platform's persons with n EIS persons, ends spread over
// the year.
func (b *bench) seed(n int) []targettest.Seeded {
	ps := make([]emu.Person, 0, n)
	out := make([]targettest.Seeded, 0, n)
	first := member.NewDate(2025, 10, 1)
	for i := range n {
		end := first.AddDays(i % 200).EndOfDay(b.zone)
		ps = append(ps, b.person(i, end))
		out = append(out, targettest.Seeded{ID: uuidOf(i), End: end})
	}
	b.srv.SetPersons(ps)
	return out
}

func (b *bench) endOf(t *testing.T, id string) (time.Time, bool) {
	p, ok := b.srv.Person(id)
	if !ok || p.Expiration == nil {
		return time.Time{}, false
	}
	return time.Unix(*p.Expiration, 0).In(b.zone), true
}

func passed(r emulator.Request) bool { return r.Status != 401 && r.Status != 403 && r.Status != 0 }

func isWrite(r emulator.Request) bool { return r.Path == pathMultiple || r.Path == pathSingle }

// count counts answered requests to path.
func (b *bench) count(path string) int {
	return b.log.Count(func(r emulator.Request) bool { return r.Path == path && passed(r) })
}

// isSingleRead: persons/<uuid>, one path segment (count/, search/ and
// upsert/ have more).
func isSingleRead(r emulator.Request) bool {
	rel, ok := strings.CutPrefix(r.Path, emu.Prefix+"persons/")
	return ok && rel != "" && !strings.Contains(rel, "/")
}

// singleReads counts answered single-person reads.
func (b *bench) singleReads() int {
	return b.log.Count(func(r emulator.Request) bool { return isSingleRead(r) && passed(r) })
}

// personsWritten counts the persons carried by upserts that got past the
// token check.
func (b *bench) personsWritten() int {
	n := 0
	for _, r := range b.log.Entries() {
		if !isWrite(r) || !passed(r) {
			continue
		}
		if r.Path == pathSingle {
			n++
			continue
		}
		var items []json.RawMessage
		if json.Unmarshal(r.Body, &items) == nil {
			n += len(items)
		}
	}
	return n
}

// fixture wires the bench into the conformance suite; pageSize is how many
// persons a search page holds. NEYROSS batches
// writes, so Writes counts persons sent in upserts (one per update), not
// requests; list and lookup requests are the ones carrying persons (search
// pages and single reads) — the count is bookkeeping, counted in Requests.
func (b *bench) fixture(t *testing.T, pageSize int) targettest.Fixture {
	return targettest.Fixture{
		Target: b.target, Zone: b.zone, PageSize: pageSize, BatchSize: pageSize,
		Seed:              func(t *testing.T, n int) []targettest.Seeded { return b.seed(n) },
		EndOf:             b.endOf,
		InventoryRequests: func() int { return b.count(pathSearch) },
		LookupRequests:    func() int { return b.count(pathSearch) + b.singleReads() },
		Writes:            b.personsWritten,
		Requests:          func() int { return b.log.Count(nil) },
		InjectBusy: func(n int) {
			for range n {
				b.faults.Next(emulator.FaultBusy)
			}
		},
		Malformations: []targettest.Malformation{targettest.Garbage, targettest.Truncated},
		InjectMalformed: func(m targettest.Malformation) {
			switch m {
			case targettest.Garbage:
				b.faults.Next(emulator.FaultGarbage)
			case targettest.Truncated:
				b.srv.TruncateNext(1)
			default:
				t.Fatalf("unknown malformation %q", m)
			}
		},
		BreakAuth: func() {
			b.mu.Lock()
			b.authMark = len(b.log.Entries())
			b.mu.Unlock()
			b.srv.SetToken("regenerated-in-the-plugin-settings")
		},
		AuthAttempts: func() int {
			b.mu.Lock()
			mark := b.authMark
			b.mu.Unlock()
			n := 0
			for _, r := range b.log.Entries()[mark:] {
				if r.AuthScheme == "Bearer" {
					n++
				}
			}
			return n
		},
		CheckWrites: func(t *testing.T) { b.checkWrites(t) },
	}
}

// allowedKeys are the fields an upsert from doorsync may carry.
const allowedKeys = "uuid surname name patronymic organization division post clock_number document_number phone email accessLevels passType activation_date expiration_date info"

// checkWrites: every write is persons/upsert/multiple carrying persons that
// exist, with only documented writable fields (never photo, card, facility),
// each with an expiration_date; no person was created.
func (b *bench) checkWrites(t *testing.T) {
	t.Helper()
	allowed := map[string]bool{}
	for _, k := range strings.Fields(allowedKeys) {
		allowed[k] = true
	}
	for _, r := range b.log.Entries() {
		if !isWrite(r) && r.Method != "GET" && !isSingleRead(r) {
			t.Errorf("unexpected request %s %s", r.Method, r.Path)
		}
		if !isWrite(r) {
			continue
		}
		if r.Path != pathMultiple || r.Method != "POST" {
			t.Errorf("write through %s %s, want POST %s", r.Method, r.Path, pathMultiple)
			continue
		}
		var items []map[string]json.RawMessage
		if err := json.Unmarshal(r.Body, &items); err != nil || len(items) == 0 {
			t.Errorf("upsert body %s: %v", r.Body, err)
			continue
		}
		for _, it := range items {
			for k := range it {
				if !allowed[k] {
					t.Errorf("upsert sent field %q: %s", k, r.Body)
				}
			}
			for _, k := range []string{"uuid", "surname", "name", "accessLevels", "expiration_date"} {
				if _, ok := it[k]; !ok {
					t.Errorf("upsert lacks %s: %s", k, r.Body)
				}
			}
		}
	}
	for _, p := range b.srv.Persons() {
		if p.Group == emu.GroupAll {
			t.Errorf("person %s was created through the API", p.UUID)
		}
	}
}
