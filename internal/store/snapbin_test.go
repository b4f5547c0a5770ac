package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// A database written before format 2 still starts the console from its
// snapshots; the next save writes format 2.
func TestFormat1SnapshotsStillRead(t *testing.T) {
	ctx := context.Background()
	s, _, path := newStore(t)
	db := rawDB(t, path)
	members, accounts := sampleMembers(), sampleAccounts(t)
	mustExec(t, db, `INSERT INTO snapshots (side, taken_at, count, format, data) VALUES (?, ?, ?, 1, ?)`,
		membersSide, "2025-11-01T09:02:13.000000000Z", len(members), membersJSON(t, members))
	mustExec(t, db, `INSERT INTO snapshots (side, taken_at, count, format, data) VALUES (?, ?, ?, 1, ?)`,
		targetSidePrefix+"entrance", "2025-11-01T09:02:13.000000000Z", len(accounts), accountsJSON(t, accounts))

	got, at, err := s.Members(ctx)
	if err != nil || !at.Equal(t0()) || !reflect.DeepEqual(got, members) {
		t.Fatalf("format-1 members = %+v, %v, %v", got, at, err)
	}
	accs, _, err := s.Accounts(ctx, "entrance")
	if err != nil || len(accs) != len(accounts) {
		t.Fatalf("format-1 accounts = %d, %v", len(accs), err)
	}
	for i, a := range accs {
		w := accounts[i]
		if !a.Begin.Equal(w.Begin) || !a.End.Equal(w.End) {
			t.Errorf("account %s: period %v–%v, want %v–%v", w.ID, a.Begin, a.End, w.Begin, w.End)
		}
		a.Begin, a.End, w.Begin, w.End = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(a, w) {
			t.Errorf("account %d:\n got %+v\nwant %+v", i, a, w)
		}
	}

	if err := s.SaveMembers(ctx, got, t0()); err != nil {
		t.Fatal(err)
	}
	var format int
	if err := db.QueryRow(`SELECT format FROM snapshots WHERE side = ?`, membersSide).Scan(&format); err != nil || format != 2 {
		t.Fatalf("saved as format %d (%v), want 2", format, err)
	}
	again, _, err := s.Members(ctx)
	if err != nil || !reflect.DeepEqual(again, members) {
		t.Fatalf("format-2 members after format 1 = %+v, %v", again, err)
	}
}

// Damaged binary snapshots are errors naming the entry and what is wrong,
// never a partial list.
func TestBinaryDecodeRejects(t *testing.T) {
	member1 := func(w *binWriter, email string, start member.Date) {
		w.str("150001")
		w.str(email)
		w.uint(0) // flags: active, raw e-mail as normalised
		w.sym("Ana")
		w.sym("Novak")
		w.uint(1) // one role
		w.int(1)
		w.int(7)
		w.date(start)
		w.date(member.Date{})
		w.uint(0) // tags
		w.str("")
		w.str("")
		w.str("")
		w.uint(0) // problems
	}
	account1 := func(w *binWriter, id string, attrs [][2]string, flags uint64) {
		w.str(id)
		w.sym("ANA NOVAK")
		w.str("")
		w.uint(0) // begin
		w.uint(0) // end
		w.uint(flags)
		w.uint(uint64(len(attrs)))
		for _, kv := range attrs {
			w.sym(kv[0])
			w.sym(kv[1])
		}
		w.uint(0)
	}
	body := func(kind byte, n int, entries func(w *binWriter)) []byte {
		w := &binWriter{}
		w.b = append(w.b, kind)
		w.uint(uint64(n))
		entries(w)
		return w.b
	}
	good := member.NewDate(2025, 1, 1)
	goodMember := body(kindMembers, 1, func(w *binWriter) { member1(w, "ana@example.si", good) })
	for _, tc := range []struct {
		name     string
		body     []byte
		accounts bool
		want     string
	}{
		{"empty", nil, false, "not a snapshot of members"},
		{"accounts read as members", body(kindAccounts, 0, func(*binWriter) {}), false, "not a snapshot of members"},
		{"members read as accounts", goodMember, true, "not a snapshot of accounts"},
		{"cut short", goodMember[:len(goodMember)-3], false, "entry 1: cut short"},
		{"trailing data", append(goodMember[:len(goodMember):len(goodMember)], 0), false, "data after the last entry"},
		{"count beyond the data", body(kindMembers, 1<<40, func(*binWriter) {}), false, "exceeds the data"},
		{"second entry missing", body(kindMembers, 2, func(w *binWriter) { member1(w, "ana@example.si", good) }), false, "entry 2: cut short"},
		{"bad e-mail", body(kindMembers, 1, func(w *binWriter) { member1(w, "Ana@Example.si", good) }), false,
			`entry 1 (Ana Novak member 150001 <Ana@Example.si>): e-mail "Ana@Example.si" is not a normalised address`},
		{"impossible date", body(kindMembers, 1, func(w *binWriter) {
			member1(w, "ana@example.si", member.Date{Year: 2025, Month: 2, Day: 30})
		}), false, "entry 1: date 2025-02-30 does not exist"},
		{"month 13", body(kindMembers, 1, func(w *binWriter) {
			member1(w, "ana@example.si", member.Date{Year: 2025, Month: 13, Day: 1})
		}), false, "not a date"},
		{"account without id", body(kindAccounts, 1, func(w *binWriter) { account1(w, "", nil, 0) }), true, "entry 1: account without id"},
		{"attributes out of order", body(kindAccounts, 1, func(w *binWriter) {
			account1(w, "7", [][2]string{{"userType", "normal"}, {"timeType", "local"}}, 0)
		}), true, `entry 1: attribute "timeType" out of order`},
		{"unknown flags", body(kindAccounts, 1, func(w *binWriter) { account1(w, "7", nil, 6) }), true, "entry 1: unknown flags 6"},
		{"symbol not defined", body(kindAccounts, 1, func(w *binWriter) {
			w.str("7")
			w.uint(3) // a name that is symbol 3 of none
		}), true, "entry 1: symbol 3 at byte 5 is not defined yet"},
		{"varint overflow", append([]byte{kindMembers}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), false, "number too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			blob, err := gzipBody(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if tc.accounts {
				var as []target.Account
				as, err = decodeAccounts(blob)
				n = len(as)
			} else {
				var ms []member.Member
				ms, err = decodeMembers(blob)
				n = len(ms)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || n != 0 {
				t.Errorf("decode = %d entries, %v; want an error containing %q", n, err, tc.want)
			}
		})
	}
	// The good body itself decodes: the cases above fail for their reason.
	blob, err := gzipBody(goodMember)
	if err != nil {
		t.Fatal(err)
	}
	if ms, err := decodeMembers(blob); err != nil || len(ms) != 1 || ms[0].Roles[0].Start != good {
		t.Fatalf("good body = %+v, %v", ms, err)
	}
}

// A blob whose gzip trailer claims a huge size is read by its real size.
func TestGunzipDistrustsTheTrailer(t *testing.T) {
	blob, err := encodeMembers(sampleMembers())
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), blob...)
	copy(bad[len(bad)-4:], []byte{0xff, 0xff, 0xff, 0x7f})
	if _, err := decodeMembers(bad); err == nil || !strings.Contains(err.Error(), "damaged snapshot") {
		t.Fatalf("trailer with a wrong size = %v, want a damaged snapshot", err)
	}
}

// membersJSON and accountsJSON write format 1 as the store did before
// format 2: the old databases these tests read.
func membersJSON(t testing.TB, ms []member.Member) []byte {
	t.Helper()
	out := make([]memberJSON, len(ms))
	for i, m := range ms {
		j := memberJSON{ID: m.ID, Email: string(m.Email), RawEmail: m.RawEmail, First: m.FirstName, Last: m.LastName,
			Inactive: m.Inactive, Tags: m.Tags, Extra: m.Extra, Problems: m.Problems}
		for _, r := range m.Roles {
			j.Roles = append(j.Roles, roleJSON{Org: r.OrganisationID, Role: r.RoleID, Start: r.Start, End: r.End})
		}
		out[i] = j
	}
	return jsonBlob(t, out)
}

func accountsJSON(t testing.TB, as []target.Account) []byte {
	t.Helper()
	out := make([]accountJSON, len(as))
	for i, a := range as {
		out[i] = accountJSON{ID: a.ID, Name: a.Name, Email: string(a.Email), Begin: a.Begin, End: a.End,
			Permanent: a.Permanent, Attrs: a.Attrs, Problems: a.Problems}
	}
	return jsonBlob(t, out)
}

func jsonBlob(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return gzipBytes(t, string(b))
}

// bigClub is the snapshot of a 50,000-member club and one terminal of
// 25,000 accounts carrying the Hikvision attributes.
func bigClub(t testing.TB) ([]member.Member, []target.Account) {
	loc := ljubljana(t)
	ms := make([]member.Member, 50_000)
	as := make([]target.Account, 25_000)
	for i := range ms {
		ms[i] = member.Member{ID: fmt.Sprint(150000 + i), Email: member.Email(fmt.Sprintf("member%d@example.si", i)),
			RawEmail: fmt.Sprintf("Member%d@example.si", i), FirstName: "Žiga", LastName: "Čeh", Roles: []member.Role{
				{OrganisationID: 1, RoleID: 10, Start: member.NewDate(2025, 1, 1), End: member.NewDate(2025, 12, 31)},
				{OrganisationID: 1, RoleID: 11, Start: member.NewDate(2024, 1, 1), End: member.NewDate(2024, 12, 31)}}}
	}
	for i := range as {
		end := member.NewDate(2025, 12, 31)
		as[i] = target.Account{ID: fmt.Sprint(1000 + i), Name: "ZIGA CEH", Email: ms[i].Email,
			Begin: member.NewDate(2025, 1, 1).StartOfDay(loc), End: end.EndOfDay(loc), Attrs: map[string]string{
				"userType": "normal", "timeType": "local", "enable": "true", "beginTime": "2025-01-01T00:00:00",
				"endTime": "2025-12-31T23:59:59"}}
	}
	return ms, as
}

// BenchmarkSnapshotRead50k reads back what the console starts from: the
// members and one terminal's accounts, in each format.
func BenchmarkSnapshotRead50k(b *testing.B) {
	ms, as := bigClub(b)
	binM, err := encodeMembers(ms)
	if err != nil {
		b.Fatal(err)
	}
	binA, err := encodeAccounts(as)
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range []struct {
		name     string
		mb, ab   []byte
		members  func([]byte) ([]member.Member, error)
		accounts func([]byte) ([]target.Account, error)
	}{
		{"format1-json", membersJSON(b, ms), accountsJSON(b, as), decodeMembersJSON, decodeAccountsJSON},
		{"format2-binary", binM, binA, decodeMembers, decodeAccounts},
	} {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				gm, err := f.members(f.mb)
				if err != nil || len(gm) != len(ms) {
					b.Fatalf("%d members, %v", len(gm), err)
				}
				ga, err := f.accounts(f.ab)
				if err != nil || len(ga) != len(as) {
					b.Fatalf("%d accounts, %v", len(ga), err)
				}
			}
			b.ReportMetric(float64(len(f.mb)+len(f.ab)), "blob-bytes")
		})
	}
}

// daysIn agrees with the calendar time.Date keeps, leap years included,
// negative years too (the decoder accepts what the formats can hold).
func TestDaysIn(t *testing.T) {
	for _, y := range []int{-401, -400, -100, -4, -1, 0, 1, 1900, 2000, 2024, 2025, 2100, 2400, 9999} {
		for m := time.January; m <= time.December; m++ {
			want := time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Day()
			if got := daysIn(y, m); got != want {
				t.Errorf("daysIn(%d, %s) = %d, want %d", y, m, got, want)
			}
		}
	}
}

// Names, tags and attributes that repeat are written once and read back
// in every entry that has them, raw e-mails too when they differ.
func TestBinaryRoundTripOfRepeats(t *testing.T) {
	ms, as := bigClub(t)
	ms, as = ms[:300], as[:300]
	ms[7].RawEmail = " Member7@Example.si "
	ms[8].Tags = []string{"student", "fitnes"}
	ms[9].Tags = []string{"fitnes"}
	ms[10].Email, ms[10].RawEmail = "", "no e-mail"
	as[5].Attrs = map[string]string{"userType": "visitor"}
	as[6].Attrs = nil
	bm, err := encodeMembers(ms)
	if err != nil {
		t.Fatal(err)
	}
	gm, err := decodeMembers(bm)
	if err != nil || !reflect.DeepEqual(gm, ms) {
		t.Fatalf("members: %v\n got %+v\nwant %+v", err, gm[5:11], ms[5:11])
	}
	ba, err := encodeAccounts(as)
	if err != nil {
		t.Fatal(err)
	}
	ga, err := decodeAccounts(ba)
	if err != nil || len(ga) != len(as) {
		t.Fatalf("accounts: %d, %v", len(ga), err)
	}
	for i := range as {
		g, w := ga[i], as[i]
		if !g.Begin.Equal(w.Begin) || !g.End.Equal(w.End) {
			t.Fatalf("account %d: period %v–%v, want %v–%v", i, g.Begin, g.End, w.Begin, w.End)
		}
		g.Begin, g.End, w.Begin, w.End = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("account %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

// Names a version before issue 11 stored raw (escape sequences, C1, bidi
// overrides) are read back clean, from snapshots and from the last plan:
// the console and every output then start from clean text.
func TestRawNamesOfEarlierVersionsAreReadClean(t *testing.T) {
	ms, as := bigClub(t)
	ms, as = ms[:3], as[:3]
	const raw, clean = "\x1b]8;;https://evil.example/\x1b\\Ana\u009b\u202E", "Ana"
	ms[1].FirstName, ms[2].LastName, as[1].Name = raw, raw, raw
	bm, err := encodeMembers(ms)
	if err != nil {
		t.Fatal(err)
	}
	gm, err := decodeMembers(bm)
	if err != nil {
		t.Fatal(err)
	}
	if gm[1].FirstName != clean || gm[2].LastName != clean {
		t.Errorf("member names read as %q, %q; want %q", gm[1].FirstName, gm[2].LastName, clean)
	}
	ba, err := encodeAccounts(as)
	if err != nil {
		t.Fatal(err)
	}
	ga, err := decodeAccounts(ba)
	if err != nil {
		t.Fatal(err)
	}
	if ga[1].Name != clean {
		t.Errorf("account name read as %q; want %q", ga[1].Name, clean)
	}
}
