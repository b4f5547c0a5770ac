package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

func sampleMembers() []member.Member {
	return []member.Member{
		{ID: "150002", Email: "ziga.ceh@example.si", RawEmail: " Ziga.Ceh@Example.si", FirstName: "Žiga", LastName: "Čeh",
			Roles: []member.Role{
				{OrganisationID: 1, RoleID: 10, Start: member.NewDate(2025, 1, 1), End: member.NewDate(2025, 11, 1)},
				{OrganisationID: 2, RoleID: 11, Start: member.NewDate(2024, 2, 29)}, // no end: a problem the planner reports
			},
			Tags: []string{"fitnes", "savna"}, Extra: [3]string{"0012345678", "", "locker 7"}},
		{ID: "150099", FirstName: "Анна", LastName: "Иванова", Inactive: true,
			Problems: []string{`e-mail "anna@@example": more than one @`, "role 3: ends 2025-01-01 before it starts 2025-02-01"}},
		{}, // nothing at all: still a member the planner must see
	}
}

func sampleAccounts(t testing.TB) []target.Account {
	loc := ljubljana(t)
	return []target.Account{
		{ID: "1042", Name: "Ziga Ceh", Email: "ziga.ceh@example.si",
			Begin: time.Date(2024, 1, 1, 0, 0, 0, 0, loc), End: member.NewDate(2025, 11, 1).EndOfDay(loc),
			Attrs: map[string]string{"userType": "normal", "timeType": "local", "gender": ""}},
		{ID: "1", Name: "Trener", Permanent: true, Attrs: map[string]string{"userType": "visitor"}},
		{ID: "2001", Problems: []string{`endTime "2025-13-01T00:00:00": not a date`}},
	}
}

func TestMembersSnapshotRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	if _, _, err := s.Members(ctx); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("Members before any save = %v, want ErrNoSnapshot", err)
	}
	in := sampleMembers()
	taken := time.Date(2025, 11, 1, 10, 0, 0, 5, ljubljana(t))
	if err := s.SaveMembers(ctx, in, taken); err != nil {
		t.Fatal(err)
	}
	got, at, err := s.Members(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !at.Equal(taken) {
		t.Errorf("taken at %v, want %v", at, taken)
	}
	if !reflect.DeepEqual(got, in) {
		t.Errorf("members:\n got %+v\nwant %+v", got, in)
	}

	// A new snapshot replaces the old one; an empty export is a snapshot
	// of no members, not "no snapshot".
	if err := s.SaveMembers(ctx, nil, taken.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, at, err = s.Members(ctx)
	if err != nil || len(got) != 0 || !at.Equal(taken.Add(time.Minute)) {
		t.Errorf("empty snapshot = %v, %v, %v", got, at, err)
	}
}

func TestAccountsSnapshotRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	in := sampleAccounts(t)
	if err := s.SaveAccounts(ctx, "entrance", in, t0()); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAccounts(ctx, "exit", in[:1], t0().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	got, at, err := s.Accounts(ctx, "entrance")
	if err != nil || !at.Equal(t0()) || len(got) != len(in) {
		t.Fatalf("Accounts(entrance) = %d, %v, %v", len(got), at, err)
	}
	for i := range in {
		g, w := got[i], in[i]
		if !g.Begin.Equal(w.Begin) || !g.End.Equal(w.End) {
			t.Errorf("account %s: period %v–%v, want %v–%v", w.ID, g.Begin, g.End, w.Begin, w.End)
		}
		g.Begin, g.End, w.Begin, w.End = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("account %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	if ex, _, err := s.Accounts(ctx, "exit"); err != nil || len(ex) != 1 {
		t.Errorf("Accounts(exit) = %v, %v", ex, err)
	}
	if _, _, err := s.Accounts(ctx, "garage"); !errors.Is(err, ErrNoSnapshot) || !strings.Contains(err.Error(), "garage") {
		t.Errorf("Accounts(garage) = %v, want ErrNoSnapshot naming the target", err)
	}
}

func TestSnapshotErrors(t *testing.T) {
	ctx := context.Background()
	s, _, path := newStore(t)
	bad := []target.Account{{ID: "1"}, {ID: "1042", Name: "Ziga Ceh", End: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}
	if err := s.SaveAccounts(ctx, "entrance", bad, t0()); err == nil || !strings.Contains(err.Error(), "1042 (Ziga Ceh)") {
		t.Errorf("saving a year-10000 end = %v, want an error naming the account", err)
	}
	if err := s.SaveAccounts(ctx, "entrance", []target.Account{{Name: "nobody"}}, t0()); err == nil || !strings.Contains(err.Error(), "account without id") {
		t.Errorf("saving an account without id = %v", err)
	}
	if err := s.SaveAccounts(ctx, "", nil, t0()); err == nil {
		t.Error("saving without a target name succeeded")
	}
	if err := s.SaveMembers(ctx, nil, time.Time{}); err == nil {
		t.Error("saving without a time succeeded")
	}

	// A damaged blob is an error, never a partial list.
	if err := s.SaveAccounts(ctx, "entrance", sampleAccounts(t), t0()); err != nil {
		t.Fatal(err)
	}
	mustExec(t, rawDB(t, path), `UPDATE snapshots SET data = substr(data, 1, length(data) - 9) WHERE side = 'target:entrance'`)
	got, _, err := s.Accounts(ctx, "entrance")
	if err == nil || got != nil || !strings.Contains(err.Error(), "damaged snapshot") || !strings.Contains(err.Error(), "entrance") {
		t.Errorf("damaged snapshot = %v, %v", got, err)
	}
	// A format this binary does not know reads as no snapshot.
	if err := s.SaveMembers(ctx, sampleMembers(), t0()); err != nil {
		t.Fatal(err)
	}
	mustExec(t, rawDB(t, path), `UPDATE snapshots SET format = 99 WHERE side = 'members'`)
	if _, _, err := s.Members(ctx); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("unknown format = %v, want ErrNoSnapshot", err)
	}
}

// Format 1 (JSON) blobs of older databases are still read, as strictly.
func TestDecodeRejects(t *testing.T) {
	for _, tc := range []struct {
		name, json, want string
		accounts         bool
	}{
		{"not json", `<xml/>`, "damaged snapshot", false},
		{"trailing data", `[] []`, "data after the value", false},
		{"bad e-mail", `[{"id":"1","email":"Ziga@Example.si"}]`, `entry 1 (member 1): e-mail "Ziga@Example.si"`, false},
		{"impossible date", `[{"roles":[{"org":1,"role":1,"end":"2025-02-30"}]}]`, "2025-02-30", false},
		{"account without id", `[{"name":"x"}]`, "entry 1: account without id", true},
		{"account e-mail", `[{"id":"7","email":"no-at"}]`, `account 7: e-mail "no-at"`, true},
		{"account time", `[{"id":"7","end":"yesterday"}]`, "yesterday", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			blob := gzipBytes(t, tc.json)
			var err error
			if tc.accounts {
				_, err = decodeAccountsJSON(blob)
			} else {
				_, err = decodeMembersJSON(blob)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("decode = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// gzipBytes compresses hand-written text as a snapshot blob.
func gzipBytes(t testing.TB, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSnapshotSize(t *testing.T) {
	// "compact": 5000 members must not take megabytes.
	ms := make([]member.Member, 5000)
	for i := range ms {
		ms[i] = member.Member{ID: fmt.Sprint(150000 + i), Email: member.Email(fmt.Sprintf("member%d@example.si", i)),
			FirstName: "Žiga", LastName: "Čeh", Roles: []member.Role{{OrganisationID: 1, RoleID: 10,
				Start: member.NewDate(2025, 1, 1), End: member.NewDate(2025, 12, 31)}}}
	}
	blob, err := encodeMembers(ms)
	if err != nil {
		t.Fatal(err)
	}
	if len(blob) > 200<<10 {
		t.Errorf("5000 members take %d bytes, want < 200 KiB", len(blob))
	}
}
