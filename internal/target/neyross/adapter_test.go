package neyross_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	emu "github.com/doorsync/doorsync/internal/emulator/neyross"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/neyross"
)

func TestInfo(t *testing.T) {
	b := newBench(t, emu.Config{})
	info := b.target.Info()
	if info.Name != "pacs" || info.System != "neyross" {
		t.Errorf("info %+v", info)
	}
	if want := time.Date(9999, 12, 31, 23, 59, 59, 0, b.zone); !info.MaxEnd.Equal(want) {
		t.Errorf("MaxEnd %v, want %v", info.MaxEnd, want)
	}
	if !info.MinEnd.Equal(time.Unix(0, 0)) {
		t.Errorf("MinEnd %v", info.MinEnd)
	}
}

func TestAccountMapping(t *testing.T) {
	b := newBench(t, emu.Config{})
	end := member.NewDate(2025, 11, 1).EndOfDay(b.zone)
	full := b.person(0, end)
	bare := emu.Person{UUID: uuidOf(1), Surname: "Петров", Name: "Пётр", AccessLevels: []string{levelKPP2}}
	badMail := b.person(2, end)
	badMail.Email = "ivanov@"
	twins := [2]emu.Person{b.person(3, end), b.person(4, end)}
	twins[0].Email, twins[1].Email = "Shared@Example.ru", " shared@example.ru"
	b.srv.SetPersons([]emu.Person{full, bare, badMail, twins[0], twins[1]})

	accts, err := b.target.Inventory(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]target.Account{}
	for _, a := range accts {
		byID[a.ID] = a
	}
	a := byID[uuidOf(0)]
	if a.Name != "Аспидов Иван Сергеевич 0" || a.Email != "member0@example.ru" {
		t.Errorf("name %q, email %q", a.Name, a.Email)
	}
	if !a.End.Equal(end) || a.Permanent || !a.Begin.Equal(member.NewDate(2024, 3, 4).StartOfDay(b.zone)) {
		t.Errorf("begin %v end %v permanent %v", a.Begin, a.End, a.Permanent)
	}
	if a.End.Location() != b.zone {
		t.Errorf("end in %v, want the site zone", a.End.Location())
	}
	want := map[string]string{"passType": "REGULAR", "accessLevels": levelKPP1, "organization": "Фитнес-клуб «Атлет»",
		"division": "Зал", "post": "Клиент", "clockNumber": "1000", "card": "12345", "facility": "17"}
	for k, v := range want {
		if a.Attrs[k] != v {
			t.Errorf("Attrs[%s] = %q, want %q", k, a.Attrs[k], v)
		}
	}
	if len(a.Problems) != 0 {
		t.Errorf("problems %v", a.Problems)
	}

	bareA := byID[uuidOf(1)]
	if bareA.Name != "Петров Пётр" || bareA.Email != "" || !bareA.Permanent || !bareA.End.IsZero() || len(bareA.Problems) != 0 {
		t.Errorf("a person without expiration_date: %+v", bareA)
	}
	bad := byID[uuidOf(2)]
	if len(bad.Problems) != 1 || !strings.Contains(bad.Problems[0], "person "+uuidOf(2)) || !strings.Contains(bad.Problems[0], `"ivanov@"`) {
		t.Errorf("a bad e-mail: problems %v", bad.Problems)
	}
	// Two persons with one e-mail are reported faithfully: the planner
	// calls that ambiguous.
	if byID[uuidOf(3)].Email != "shared@example.ru" || byID[uuidOf(4)].Email != "shared@example.ru" {
		t.Errorf("twins: %q, %q", byID[uuidOf(3)].Email, byID[uuidOf(4)].Email)
	}
}

// rawPerson reads a person's JSON exactly as the platform serves it.
func (b *bench) rawPerson(t *testing.T, id string) map[string]json.RawMessage {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.url+emu.Prefix+"persons/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("person %s: %v: %s", id, err, body)
	}
	return m
}

// upserted returns every person object sent in upserts so far.
func (b *bench) upserted(t *testing.T) []map[string]json.RawMessage {
	t.Helper()
	var out []map[string]json.RawMessage
	for _, r := range b.log.Entries() {
		if r.Path != pathMultiple {
			continue
		}
		var items []map[string]json.RawMessage
		if err := json.Unmarshal(r.Body, &items); err != nil {
			t.Fatalf("upsert body %s: %v", r.Body, err)
		}
		out = append(out, items...)
	}
	return out
}

func compact(t *testing.T, raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return b.String()
}

// The write sends the person back exactly as read, field by field, but
// for expiration_date; never photo, card or facility; and the platform keeps
// what it was not sent (photo, internal levels).
func TestWriteSendsPersonBackAsRead(t *testing.T) {
	b := newBench(t, emu.Config{})
	seeded := b.seed(3)
	bare := emu.Person{UUID: uuidOf(7), Surname: "Петров", Name: "Пётр", AccessLevels: []string{levelKPP2, levelAdmin}}
	b.srv.SetPersons(append(b.srv.Persons(), bare))
	ctx := ctxT(t)
	ids := []string{seeded[1].ID, bare.UUID}
	before := map[string]map[string]json.RawMessage{}
	for _, id := range ids {
		before[id] = b.rawPerson(t, id)
	}
	read, err := b.target.Lookup(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	newEnd := member.NewDate(2026, 3, 31).EndOfDay(b.zone) // across the DST change
	var ups []target.Update
	for _, id := range ids {
		ups = append(ups, target.Update{Account: read[id], End: newEnd})
	}
	for i, err := range b.target.Write(ctx, ups) {
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	sent := b.upserted(t)
	if len(sent) != 2 {
		t.Fatalf("%d persons upserted, want 2", len(sent))
	}
	for _, got := range sent {
		var id string
		_ = json.Unmarshal(got["uuid"], &id)
		was := before[id]
		for k, v := range was {
			switch k {
			case "card", "facility":
				if _, ok := got[k]; ok {
					t.Errorf("%s: read-only %s sent", id, k)
				}
			case "expiration_date":
			default:
				if compact(t, got[k]) != compact(t, v) {
					t.Errorf("%s: %s sent as %s, read as %s", id, k, got[k], v)
				}
			}
		}
		for k := range got {
			if _, ok := was[k]; !ok && k != "expiration_date" {
				t.Errorf("%s: sent %s, which was not read", id, k)
			}
		}
		if string(got["expiration_date"]) != "1774994399" { // 2026-03-31T23:59:59+02:00 (summer time)
			t.Errorf("%s: expiration_date %s", id, got["expiration_date"])
		}
	}
	for _, id := range ids {
		p, _ := b.srv.Person(id)
		if *p.Expiration != newEnd.Unix() {
			t.Errorf("%s: stored end %d", id, *p.Expiration)
		}
		if !slices.Contains(p.AccessLevels, levelAdmin) {
			t.Errorf("%s lost its internal access level: %v", id, p.AccessLevels)
		}
	}
	if p, _ := b.srv.Person(seeded[1].ID); p.Photo != "aGVsbG8=" || *p.Card != 12346 || p.Info["pacs:folder"] != "c84e7f59" {
		t.Errorf("fields not sent were not kept: %+v", p)
	}
	b.checkWrites(t)
}

// k updates go out in ⌈k/Batch⌉ upserts of at most Batch persons.
func TestWriteBatches(t *testing.T) {
	b := newBench(t, emu.Config{}, func(c *neyross.Config) { c.Batch = 3; c.PageLimit = 5 })
	seeded := b.seed(20)
	ctx := ctxT(t)
	var ids []string
	for _, s := range seeded[:7] {
		ids = append(ids, s.ID)
	}
	read, err := b.target.Lookup(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	var ups []target.Update
	for _, s := range seeded[:7] {
		ups = append(ups, target.Update{Account: read[s.ID], End: s.End.AddDate(0, 1, 0)})
	}
	b.log.Reset()
	for i, err := range b.target.Write(ctx, ups) {
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	var sizes []int
	for _, r := range b.log.Entries() {
		if r.Path == pathMultiple {
			var items []json.RawMessage
			_ = json.Unmarshal(r.Body, &items)
			sizes = append(sizes, len(items))
		}
	}
	if !slices.Equal(sizes, []int{3, 3, 1}) {
		t.Errorf("batch sizes %v, want [3 3 1]", sizes)
	}
	// The persons come from the Lookup just before (the apply engine's
	// re-read of the chunk): they are sent back as read, not read again.
	if n := b.count(pathSearch) + b.count(pathCount) + b.log.Count(isSingleRead); n != 0 {
		t.Errorf("%d reads before the write, want 0 (the Lookup just before read them)", n)
	}
	// Written again without a Lookup just before: 7 persons among 20 with
	// pages of 5, so the listing (count + 4 pages) beats 7 single reads.
	b.log.Reset()
	for i := range ups {
		ups[i].End = ups[i].End.AddDate(0, 0, 1)
	}
	for i, err := range b.target.Write(ctx, ups) {
		if err != nil {
			t.Fatalf("second write, update %d: %v", i, err)
		}
	}
	if n := b.count(pathSearch) + b.count(pathCount); n != 5 {
		t.Errorf("%d reads before the second write, want 5", n)
	}
	for _, s := range seeded[:7] {
		if got, _ := b.endOf(t, s.ID); !got.Equal(s.End.AddDate(0, 1, 1)) {
			t.Errorf("%s ends %v", s.ID, got)
		}
	}
}

// successList/errorList map to the updates: an errorList entry is
// Permanent with the platform's words, a person in neither list Malformed.
func TestWriteMapsTheAnswer(t *testing.T) {
	b := newBench(t, emu.Config{})
	seeded := b.seed(3)
	ctx := ctxT(t)
	read, err := b.target.Lookup(ctx, []string{seeded[0].ID, seeded[1].ID, seeded[2].ID})
	if err != nil {
		t.Fatal(err)
	}
	b.srv.ScriptReply(pathMultiple, 200, `{"successList":["`+strings.ToUpper(seeded[0].ID)+`"],"errorList":[{"uuid":"`+seeded[1].ID+`","error":"транзакция не завершена"}]}`)
	var ups []target.Update
	for _, s := range seeded {
		ups = append(ups, target.Update{Account: read[s.ID], End: s.End.AddDate(0, 0, 10)})
	}
	errs := b.target.Write(ctx, ups)
	if errs[0] != nil {
		t.Errorf("update 0 (in successList, other case): %v", errs[0])
	}
	if te := classOf(t, errs[1]); te.Class != target.Permanent || !strings.Contains(errs[1].Error(), "транзакция не завершена") || te.Op != "upsert "+seeded[1].ID {
		t.Errorf("update 1: %v", errs[1])
	}
	if te := classOf(t, errs[2]); te.Class != target.Malformed || !strings.Contains(errs[2].Error(), "neither successList nor errorList") {
		t.Errorf("update 2: %v", errs[2])
	}
}

// The platform's own refusals come back per person: a person whose EIS
// levels were taken away meanwhile is not found (and not re-created).
func TestWriteRefusals(t *testing.T) {
	b := newBench(t, emu.Config{})
	seeded := b.seed(4)
	ctx := ctxT(t)
	ids := []string{seeded[0].ID, seeded[1].ID, seeded[2].ID, seeded[3].ID}
	read, err := b.target.Lookup(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	// A later Lookup of another person replaces what Write may reuse, so
	// the write below re-reads (as it does whenever it was not handed the
	// copies of the Lookup just before).
	if _, err := b.target.Lookup(ctx, []string{seeded[3].ID}); err != nil {
		t.Fatal(err)
	}
	// Meanwhile: person 1 is moved to internal levels only (out of the
	// EIS subset), person 2 is deleted by an administrator.
	ps := b.srv.Persons()
	ps[1].AccessLevels = []string{levelAdmin}
	ps = slices.Delete(ps, 2, 3)
	b.srv.SetPersons(ps)

	withProblem := read[seeded[3].ID]
	withProblem.Problems = []string{"person x: e-mail \"a@\": no local part or domain"}
	ups := []target.Update{
		{Account: read[seeded[0].ID], End: seeded[0].End.AddDate(0, 0, 1)},
		{Account: read[seeded[1].ID], End: seeded[1].End.AddDate(0, 0, 1)},
		{Account: read[seeded[2].ID], End: seeded[2].End.AddDate(0, 0, 1)},
		{Account: withProblem, End: seeded[3].End.AddDate(0, 0, 1)},
		{Account: read[seeded[0].ID], End: seeded[0].End.AddDate(0, 0, 2)},
		{Account: read[seeded[0].ID], End: time.Date(10000, 1, 1, 0, 0, 0, 0, b.zone)},
		{Account: target.Account{}, End: seeded[0].End},
	}
	b.log.Reset()
	errs := b.target.Write(ctx, ups)
	if errs[0] != nil {
		t.Errorf("update 0: %v", errs[0])
	}
	for i, want := range []struct {
		class target.Class
		has   string
	}{
		1: {target.NotFound, "no longer in the EIS subset"},
		2: {target.NotFound, "would create it anew"},
		3: {target.Permanent, "data problems"},
		4: {target.Permanent, "the same person is update #1 too"},
		5: {target.Permanent, "should have been clamped"},
		6: {target.Permanent, "without an account id"},
	} {
		if i == 0 {
			continue
		}
		if te := classOf(t, errs[i]); te.Class != want.class || !strings.Contains(errs[i].Error(), want.has) {
			t.Errorf("update %d: want %v with %q, got %v", i, want.class, want.has, errs[i])
		}
	}
	if sent := b.upserted(t); len(sent) != 1 {
		t.Errorf("%d persons sent, want only person 0", len(sent))
	}
	if _, ok := b.srv.Person(seeded[2].ID); ok {
		t.Error("the deleted person was re-created")
	}
	if p, _ := b.srv.Person(seeded[1].ID); *p.Expiration != seeded[1].End.Unix() {
		t.Error("the person outside the EIS subset was changed")
	}
}

func TestWriteTransientUpsert(t *testing.T) {
	b := newBench(t, emu.Config{}, func(c *neyross.Config) { c.Batch = 2 })
	seeded := b.seed(4)
	ctx := ctxT(t)
	ids := []string{seeded[0].ID, seeded[1].ID, seeded[2].ID}
	read, err := b.target.Lookup(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	b.srv.ScriptReply(pathMultiple, 503, `{"error":"перезапуск"}`)
	var ups []target.Update
	for _, id := range ids {
		ups = append(ups, target.Update{Account: read[id], End: read[id].End.AddDate(0, 0, 5)})
	}
	errs := b.target.Write(ctx, ups)
	for i := range 2 {
		if te := classOf(t, errs[i]); te.Class != target.Transient {
			t.Errorf("update %d in the failed batch: %v", i, errs[i])
		}
	}
	if errs[2] != nil {
		t.Errorf("update 2 in the next batch: %v", errs[2])
	}
	// Writes are not retried inside the client: the engine does that.
	if n := b.count(pathMultiple); n != 2 {
		t.Errorf("%d upserts, want 2", n)
	}
}

// Lookup picks per-person reads or the listing, whichever is cheaper.
func TestLookupCost(t *testing.T) {
	cases := []struct {
		name      string
		inventory bool // count known from an earlier inventory
		hint      int  // count passed by the engine from a saved plan (0: none)
		ask       int
		reads     int // requests
		listing   bool
	}{
		{"count unknown, two persons: single reads", false, 0, 2, 2, false},
		{"count unknown, three persons: count, then single reads", false, 0, 3, 4, false},
		{"count unknown, many persons: count, then pages", false, 0, 12, 1 + 5, true},
		{"count hinted by a saved plan, three persons: single reads", false, 20, 3, 3, false},
		{"count hinted by a saved plan, many persons: count, then pages", false, 20, 12, 1 + 5, true},
		{"count known, few persons: single reads", true, 0, 4, 4, false},
		{"count known, tie: single reads", true, 0, 6, 6, false},
		{"count known, many persons: the listing", true, 0, 7, 1 + 5, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(t, emu.Config{}, func(c *neyross.Config) { c.PageLimit = 4 })
			seeded := b.seed(20) // listing: count + 5 pages
			ctx := ctxT(t)
			if tc.inventory {
				if _, err := b.target.Inventory(ctx, nil); err != nil {
					t.Fatal(err)
				}
			}
			if tc.hint > 0 {
				b.target.HintSize(tc.hint)
			}
			b.log.Reset()
			var ids []string
			for _, s := range seeded[:tc.ask] {
				ids = append(ids, s.ID)
			}
			ids = append(ids, ids[0]) // a repeat costs nothing
			got, err := b.target.Lookup(ctx, ids)
			if err != nil || len(got) != tc.ask {
				t.Fatalf("%d accounts, %v", len(got), err)
			}
			if n := b.log.Count(nil); n != tc.reads {
				t.Errorf("%d requests, want %d", n, tc.reads)
			}
			if listed := b.count(pathSearch) > 0; listed != tc.listing {
				t.Errorf("listing used: %v, want %v", listed, tc.listing)
			}
		})
	}
}

func TestWriteCancelledSendsNothing(t *testing.T) {
	b := newBench(t, emu.Config{})
	seeded := b.seed(1)
	c, cancel := context.WithCancel(context.Background())
	cancel()
	errs := b.target.Write(c, []target.Update{{Account: target.Account{ID: seeded[0].ID}, End: seeded[0].End}})
	if !errors.Is(errs[0], context.Canceled) {
		t.Errorf("error %v", errs[0])
	}
	if n := b.log.Count(nil); n != 0 {
		t.Errorf("%d requests after cancellation", n)
	}
}
