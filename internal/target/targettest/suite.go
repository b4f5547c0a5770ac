package targettest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// Run runs every conformance case, each against a fresh fixture.
func Run(t *testing.T, newFixture func(t *testing.T) Fixture) {
	runCases(t, newFixture, []testCase[Fixture]{
		{"Info", testInfo},
		{"InventoryPaging", testInventoryPaging},
		{"InventoryEmpty", testInventoryEmpty},
		{"LookupBatching", testLookupBatching},
		{"WriteReadBack", testWriteReadBack},
		{"WriteIdempotent", testWriteIdempotent},
		{"WriteMissingAccount", testWriteMissing},
		{"WriteCancelled", testWriteCancelled},
		{"BusyAnsweredAtOnce", testBusy},
		{"AuthFailureStops", testAuthStop},
		{"AuthBreaksMidRun", testAuthMidRun},
		{"MalformedReplies", testMalformed},
	})
}

type testCase[F any] struct {
	name string
	run  func(t *testing.T, f F)
}

// runCases runs each case as a subtest against a fresh, checked fixture.
func runCases[F interface{ check(*testing.T) }](t *testing.T, newFixture func(t *testing.T) F, cases []testCase[F]) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.check(t)
			c.run(t, f)
		})
	}
}

// ctx bounds every case: a hung target fails the case, not the whole run.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// endAfter is the end of day of the date days after the seeded end.
func endAfter(f Fixture, end time.Time, days int) time.Time {
	return member.DateOf(end, f.Zone).AddDays(days).EndOfDay(f.Zone)
}

func testInfo(t *testing.T, f Fixture) {
	if err := f.Target.Probe(ctx(t)); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	info := f.Target.Info()
	if info.Name == "" || info.System == "" {
		t.Errorf("Info %+v: want Name and System", info)
	}
	if !info.MaxEnd.IsZero() && !info.MinEnd.IsZero() && !info.MaxEnd.After(info.MinEnd) {
		t.Errorf("Info %+v: MaxEnd not after MinEnd", info)
	}
	if n := f.Writes(); n != 0 {
		t.Errorf("Probe wrote %d times", n)
	}
}

func testInventoryPaging(t *testing.T, f Fixture) {
	n := 7
	wantPages := 1
	if f.PageSize > 0 {
		n = 2*f.PageSize + f.PageSize/2 + 1 // two full pages and a partial one
		wantPages = ceilDiv(n, f.PageSize)
	}
	seeded := f.Seed(t, n)
	var prog []target.Progress
	accts, err := f.Target.Inventory(ctx(t), func(p target.Progress) { prog = append(prog, p) })
	if err != nil {
		t.Fatalf("Inventory: %v", err)
	}
	if got := f.InventoryRequests(); got != wantPages {
		t.Errorf("inventory requests = %d, want exactly %d for %d accounts", got, wantPages, n)
	}
	byID := map[string]target.Account{}
	for _, a := range accts {
		if _, dup := byID[a.ID]; dup {
			t.Errorf("account %s listed twice", a.ID)
		}
		byID[a.ID] = a
	}
	if len(accts) != n {
		t.Errorf("Inventory returned %d accounts, want %d", len(accts), n)
	}
	for _, s := range seeded {
		a, ok := byID[s.ID]
		switch {
		case !ok:
			t.Errorf("account %s missing from the inventory", s.ID)
		case !a.End.Equal(s.End):
			t.Errorf("account %s: End %v, want %v", s.ID, a.End, s.End)
		case len(a.Problems) > 0:
			t.Errorf("account %s: unexpected problems %v", s.ID, a.Problems)
		}
	}
	if len(prog) == 0 {
		t.Fatal("no progress reported")
	}
	for i := 1; i < len(prog); i++ {
		if prog[i].Done < prog[i-1].Done {
			t.Errorf("progress went back: %+v", prog)
		}
	}
	if last := prog[len(prog)-1]; last.Done != last.Total || last.Items != n {
		t.Errorf("last progress %+v: want Done == Total and Items %d", last, n)
	}
	if w := f.Writes(); w != 0 {
		t.Errorf("Inventory wrote %d times", w)
	}
}

func testInventoryEmpty(t *testing.T, f Fixture) {
	f.Seed(t, 0)
	accts, err := f.Target.Inventory(ctx(t), nil)
	if err != nil || len(accts) != 0 {
		t.Fatalf("empty inventory: %d accounts, %v", len(accts), err)
	}
}

func testLookupBatching(t *testing.T, f Fixture) {
	b := f.BatchSize
	seeded := f.Seed(t, 2*b+5)
	ids := []string{}
	for _, s := range seeded[:2*b+3] {
		ids = append(ids, s.ID)
	}
	missing := []string{"doorsync-missing-1", "doorsync-missing-2"}
	ids = append(ids, missing...)
	before := f.LookupRequests()
	got, err := f.Target.Lookup(ctx(t), ids)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if n, want := f.LookupRequests()-before, ceilDiv(len(ids), b); n != want {
		t.Errorf("lookup requests = %d, want ⌈%d/%d⌉ = %d", n, len(ids), b, want)
	}
	if len(got) != 2*b+3 {
		t.Errorf("Lookup found %d accounts, want %d", len(got), 2*b+3)
	}
	for _, s := range seeded[:2*b+3] {
		if a, ok := got[s.ID]; !ok || !a.End.Equal(s.End) {
			t.Errorf("account %s: got %+v, want End %v", s.ID, a, s.End)
		}
	}
	for _, id := range missing {
		if _, ok := got[id]; ok {
			t.Errorf("missing account %s reported as found", id)
		}
	}
	for _, s := range seeded[2*b+3:] {
		if _, ok := got[s.ID]; ok {
			t.Errorf("account %s was not asked for but returned", s.ID)
		}
	}
}

// readAccounts looks the ids up, as the apply step does before writing.
func readAccounts(t *testing.T, f Fixture, ids ...string) map[string]target.Account {
	t.Helper()
	got, err := f.Target.Lookup(ctx(t), ids)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if len(got) != len(ids) {
		t.Fatalf("Lookup found %d of %d", len(got), len(ids))
	}
	return got
}

func testWriteReadBack(t *testing.T, f Fixture) {
	seeded := f.Seed(t, 6)
	read := readAccounts(t, f, seeded[0].ID, seeded[1].ID, seeded[2].ID)
	// An extension, a shortening, and a date in another DST season.
	want := map[string]time.Time{
		seeded[0].ID: endAfter(f, seeded[0].End, 31),
		seeded[1].ID: endAfter(f, seeded[1].End, -10),
		seeded[2].ID: endAfter(f, seeded[2].End, 183),
	}
	var ups []target.Update
	for _, s := range seeded[:3] {
		ups = append(ups, target.Update{Account: read[s.ID], End: want[s.ID]})
	}
	writesBefore := f.Writes()
	for i, err := range f.Target.Write(ctx(t), ups) {
		if err != nil {
			t.Fatalf("update %d (%s): %v", i, ups[i].Account.ID, err)
		}
	}
	if n := f.Writes() - writesBefore; n != len(ups) {
		t.Errorf("%d write requests for %d updates", n, len(ups))
	}
	for id, end := range want {
		if got, ok := f.EndOf(t, id); !ok || !got.Equal(end) {
			t.Errorf("emulator: %s ends %v, want %v", id, got, end)
		}
	}
	for _, s := range seeded[3:] {
		if got, _ := f.EndOf(t, s.ID); !got.Equal(s.End) {
			t.Errorf("untouched account %s changed: %v, want %v", s.ID, got, s.End)
		}
	}
	back := readAccounts(t, f, seeded[0].ID, seeded[1].ID, seeded[2].ID)
	for id, end := range want {
		if !back[id].End.Equal(end) {
			t.Errorf("read-back: %s ends %v, want %v", id, back[id].End, end)
		}
	}
	f.CheckWrites(t)
}

func testWriteIdempotent(t *testing.T, f Fixture) {
	seeded := f.Seed(t, 2)
	read := readAccounts(t, f, seeded[0].ID)
	end := endAfter(f, seeded[0].End, 30)
	for round := range 2 {
		errs := f.Target.Write(ctx(t), []target.Update{{Account: read[seeded[0].ID], End: end}})
		if errs[0] != nil {
			t.Fatalf("round %d: %v", round, errs[0])
		}
		if got, _ := f.EndOf(t, seeded[0].ID); !got.Equal(end) {
			t.Fatalf("round %d: ends %v, want %v", round, got, end)
		}
	}
	f.CheckWrites(t)
}

func testWriteMissing(t *testing.T, f Fixture) {
	seeded := f.Seed(t, 2)
	read := readAccounts(t, f, seeded[0].ID)
	ghost := read[seeded[0].ID]
	ghost.ID = "doorsync-missing-1"
	end := endAfter(f, seeded[0].End, 5)
	errs := f.Target.Write(ctx(t), []target.Update{{Account: ghost, End: end}, {Account: read[seeded[0].ID], End: end}})
	if len(errs) != 2 {
		t.Fatalf("Write returned %d errors for 2 updates", len(errs))
	}
	if target.ClassOf(errs[0]) != target.NotFound {
		t.Errorf("missing account: want class not found, got %v", errs[0])
	}
	if errs[1] != nil {
		t.Errorf("the update after a missing account failed: %v", errs[1])
	}
	if got, _ := f.EndOf(t, seeded[0].ID); !got.Equal(end) {
		t.Errorf("ends %v, want %v", got, end)
	}
	f.CheckWrites(t)
}

func testWriteCancelled(t *testing.T, f Fixture) {
	seeded := f.Seed(t, 2)
	read := readAccounts(t, f, seeded[0].ID, seeded[1].ID)
	c, cancel := context.WithCancel(context.Background())
	cancel()
	before := f.Writes()
	errs := f.Target.Write(c, []target.Update{
		{Account: read[seeded[0].ID], End: endAfter(f, seeded[0].End, 1)},
		{Account: read[seeded[1].ID], End: endAfter(f, seeded[1].End, 1)},
	})
	for i, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("update %d: want context.Canceled, got %v", i, err)
		}
	}
	if n := f.Writes() - before; n != 0 {
		t.Errorf("%d writes after cancellation", n)
	}
}

// testBusy: a busy answer comes back at once, as one request and a
// classified error the engine can retry by class (Busy, or Transient for
// an overload the system words as a 5xx) — targets never retry on their
// own, so retries are not stacked — and nothing is changed or half-listed.
// Called again, the target does the work.
func testBusy(t *testing.T, f Fixture) {
	seeded := f.Seed(t, 3)
	read := readAccounts(t, f, seeded[0].ID)
	end := endAfter(f, seeded[0].End, 14)
	write := func() error {
		return f.Target.Write(ctx(t), []target.Update{{Account: read[seeded[0].ID], End: end}})[0]
	}

	busyOnce(t, f, "Write", write)
	if got, _ := f.EndOf(t, seeded[0].ID); !got.Equal(seeded[0].End) {
		t.Errorf("a busy write changed the account: ends %v", got)
	}
	if err := write(); err != nil {
		t.Fatalf("write after the busy answer: %v", err)
	}
	if got, _ := f.EndOf(t, seeded[0].ID); !got.Equal(end) {
		t.Errorf("ends %v, want %v", got, end)
	}

	var accts []target.Account
	inventory := func() error {
		var err error
		accts, err = f.Target.Inventory(ctx(t), nil)
		if err != nil && accts != nil {
			return fmt.Errorf("a failed inventory returned %d accounts", len(accts))
		}
		return err
	}
	busyOnce(t, f, "Inventory", inventory)
	if err := inventory(); err != nil || len(accts) != 3 {
		t.Fatalf("inventory after the busy answer: %d accounts, %v", len(accts), err)
	}

	var got map[string]target.Account
	lookup := func() error {
		var err error
		got, err = f.Target.Lookup(ctx(t), []string{seeded[1].ID})
		if err != nil && got != nil {
			return fmt.Errorf("a failed lookup returned %d accounts", len(got))
		}
		return err
	}
	busyOnce(t, f, "Lookup", lookup)
	if err := lookup(); err != nil || len(got) != 1 {
		t.Fatalf("lookup after the busy answer: %v, %v", got, err)
	}
}

// busyOnce makes the next request busy and checks that call fails with a
// retryable class after exactly that one request.
func busyOnce(t *testing.T, f Fixture, what string, call func() error) {
	t.Helper()
	f.InjectBusy(1)
	before := f.Requests()
	err := call()
	if c := target.ClassOf(err); err == nil || (c != target.Busy && c != target.Transient) {
		t.Fatalf("%s answered busy: want class busy or transient, got %v", what, err)
	}
	var te *target.Error
	if !errors.As(err, &te) || te.Target == "" || te.Op == "" {
		t.Errorf("%s: a busy error must be a *target.Error that says where: %v", what, err)
	}
	if n := f.Requests() - before; n != 1 {
		t.Errorf("%s: %d requests for one busy answer, want 1 (the engine retries, not the target)", what, n)
	}
}

// assertStopped checks that every call fails with class Auth without a
// single request reaching the emulator.
func assertStopped(t *testing.T, f Fixture, update target.Update) {
	t.Helper()
	before := f.Requests()
	if _, err := f.Target.Inventory(ctx(t), nil); target.ClassOf(err) != target.Auth {
		t.Errorf("Inventory after the stop: want class auth, got %v", err)
	}
	if _, err := f.Target.Lookup(ctx(t), []string{update.Account.ID}); target.ClassOf(err) != target.Auth {
		t.Errorf("Lookup after the stop: want class auth, got %v", err)
	}
	for i, err := range f.Target.Write(ctx(t), []target.Update{update, update}) {
		if target.ClassOf(err) != target.Auth || !errors.Is(err, target.ErrStopped) {
			t.Errorf("Write update %d after the stop: want class auth and ErrStopped, got %v", i, err)
		}
	}
	if err := f.Target.Probe(ctx(t)); target.ClassOf(err) != target.Auth {
		t.Errorf("Probe after the stop: want class auth, got %v", err)
	}
	if n := f.Requests() - before; n != 0 {
		t.Errorf("a stopped target still sent %d requests", n)
	}
}

func testAuthStop(t *testing.T, f Fixture) {
	seeded := f.Seed(t, 3)
	f.BreakAuth()
	// Call until the target stops; it must take at most two rejected
	// logins, and it must stop (never retry in a loop).
	var err error
	for i := 0; i < 4 && !errors.Is(err, target.ErrStopped); i++ {
		_, err = f.Target.Inventory(ctx(t), nil)
		if target.ClassOf(err) != target.Auth {
			t.Fatalf("Inventory with wrong credentials: want class auth, got %v", err)
		}
	}
	if !errors.Is(err, target.ErrStopped) {
		t.Fatalf("the target did not stop after repeated authentication failures: %v", err)
	}
	if n := f.AuthAttempts(); n > 2 {
		t.Errorf("%d authenticated attempts reached the emulator, want at most 2", n)
	}
	acct := target.Account{ID: seeded[0].ID}
	assertStopped(t, f, target.Update{Account: acct, End: endAfter(f, seeded[0].End, 1)})
	if n := f.AuthAttempts(); n > 2 {
		t.Errorf("%d authenticated attempts reached the emulator, want at most 2", n)
	}
	if n := f.Writes(); n != 0 {
		t.Errorf("%d writes with wrong credentials", n)
	}
}

func testAuthMidRun(t *testing.T, f Fixture) {
	seeded := f.Seed(t, 4)
	ids := []string{seeded[0].ID, seeded[1].ID, seeded[2].ID, seeded[3].ID}
	read := readAccounts(t, f, ids...)
	f.BreakAuth()
	var ups []target.Update
	for _, id := range ids {
		ups = append(ups, target.Update{Account: read[id], End: endAfter(f, read[id].End, 20)})
	}
	errs := f.Target.Write(ctx(t), ups)
	for i, err := range errs {
		if target.ClassOf(err) != target.Auth {
			t.Errorf("update %d: want class auth, got %v", i, err)
		}
	}
	if !slices.ContainsFunc(errs, func(err error) bool { return errors.Is(err, target.ErrStopped) }) {
		t.Error("no update reports that the target stopped")
	}
	for _, s := range seeded {
		if got, _ := f.EndOf(t, s.ID); !got.Equal(s.End) {
			t.Errorf("account %s changed with wrong credentials", s.ID)
		}
	}
	// Make sure the stop is final, then count.
	for range 3 {
		_, _ = f.Target.Inventory(ctx(t), nil)
	}
	if n := f.AuthAttempts(); n > 2 {
		t.Errorf("%d authenticated attempts reached the emulator, want at most 2", n)
	}
	assertStopped(t, f, ups[0])
}

func testMalformed(t *testing.T, f Fixture) {
	// All malformations run on one target: it must recover by itself once
	// the replies are sane again.
	for _, m := range f.Malformations {
		t.Run(string(m), func(t *testing.T) {
			seeded := f.Seed(t, max(f.PageSize+3, 5))
			f.InjectMalformed(m)
			before := f.Writes()
			accts, err := f.Target.Inventory(ctx(t), nil)
			assertMalformedErr(t, "Inventory", err)
			if accts != nil {
				t.Errorf("Inventory returned %d accounts with its error", len(accts))
			}
			f.InjectMalformed(m)
			got, err := f.Target.Lookup(ctx(t), []string{seeded[0].ID, seeded[1].ID})
			assertMalformedErr(t, "Lookup", err)
			if got != nil {
				t.Errorf("Lookup returned %d accounts with its error", len(got))
			}
			if n := f.Writes() - before; n != 0 {
				t.Errorf("%d writes reached the emulator after a malformed reply", n)
			}
			for _, s := range seeded {
				if end, _ := f.EndOf(t, s.ID); !end.Equal(s.End) {
					t.Errorf("account %s changed", s.ID)
				}
			}
			// The target is still usable once the replies are sane again.
			if accts, err := f.Target.Inventory(ctx(t), nil); err != nil || len(accts) != len(seeded) {
				t.Errorf("Inventory after recovery: %d accounts, %v", len(accts), err)
			}
		})
	}
}

func assertMalformedErr(t *testing.T, call string, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: a malformed reply was accepted", call)
		return
	}
	var te *target.Error
	if !errors.As(err, &te) {
		t.Errorf("%s: unclassified error %v", call, err)
		return
	}
	if te.Class != target.Malformed && te.Class != target.Transient {
		t.Errorf("%s: want class malformed or transient, got %v", call, err)
	}
	if te.Target == "" || te.Op == "" {
		t.Errorf("%s: error does not say where: %v", call, err)
	}
}
