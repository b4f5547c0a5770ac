package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/emulator"
)

// Overview on the emulated site: one row per system in configuration
// order, each with its typed counts, the counts as the site holds them and
// in the detail; nothing is written, NTK gets no request. On the manual
// clock twenty years on, no member is valid today and only permanent
// accounts are valid now.
func TestOverviewCountsEverySystemReadOnly(t *testing.T) {
	r := newRig(t, 40)
	rows, err := Overview(context.Background(), r.cfg, OverviewOptions{Clock: r.clk})
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, row := range rows {
		subjects = append(subjects, row.Subject()+": "+row.Name)
	}
	want := []string{"cardskipper: members", "terminal entrance: persons", "terminal gym: persons", "neyross: persons", "ntk: access list"}
	if !slices.Equal(subjects, want) {
		t.Fatalf("rows %v, want %v", subjects, want)
	}

	m := rows[0].Members
	if m == nil || rows[0].Accounts != nil || rows[0].AccessList != nil {
		t.Fatalf("cardskipper row: %+v", rows[0])
	}
	if m.Exported != len(r.site.Data.Members) || m.ValidToday == 0 || m.ValidToday > m.Exported ||
		m.DistinctEmails == 0 || m.DistinctEmails > m.WithEmail || m.WithEmail > m.Exported {
		t.Errorf("member counts %+v for %d generated members", *m, len(r.site.Data.Members))
	}
	if want := fmt.Sprintf("%d exported, %d valid today, %d with e-mail (%d distinct), %d with data problems",
		m.Exported, m.ValidToday, m.WithEmail, m.DistinctEmails, m.WithProblems); rows[0].Detail != want {
		t.Errorf("cardskipper detail %q, want %q", rows[0].Detail, want)
	}

	held := map[string]int{
		"terminal entrance": len(r.site.TerminalServers["entrance"].Persons()),
		"terminal gym":      len(r.site.TerminalServers["gym"].Persons()),
		"neyross":           r.site.NeyrossServer.Visible(), // what the EIS sees
	}
	for _, row := range rows[1:4] {
		a := row.Accounts
		if a == nil || row.Members != nil || row.AccessList != nil {
			t.Fatalf("%s row: %+v", row.Subject(), row)
		}
		if a.Accounts != held[row.Subject()] || a.ValidNow == 0 || a.ValidNow > a.Accounts ||
			a.KnownEmail == 0 || a.KnownEmail > a.WithEmail || a.WithEmail > a.Accounts {
			t.Errorf("%s: counts %+v, the site holds %d", row.Subject(), *a, held[row.Subject()])
		}
		if !strings.HasPrefix(row.Detail, fmt.Sprintf("%d ", a.Accounts)) ||
			!strings.Contains(row.Detail, fmt.Sprintf("%d valid now, %d carry an e-mail (%d of them a member's)", a.ValidNow, a.WithEmail, a.KnownEmail)) {
			t.Errorf("%s: detail %q does not say %+v", row.Subject(), row.Detail, *a)
		}
	}

	l := rows[4].AccessList
	if l == nil || rows[4].Members != nil || rows[4].Accounts != nil {
		t.Fatalf("ntk row: %+v", rows[4])
	}
	if l.Lines == 0 || l.Cards == 0 || l.Cards > l.Lines {
		t.Errorf("access list counts %+v", *l)
	}
	if !strings.HasPrefix(rows[4].Detail, fmt.Sprintf("%d line(s) for %d card(s) of members valid today; left out: %d missing, %d ambiguous, %d invalid; not uploaded",
		l.Lines, l.Cards, l.Missing, l.Ambiguous, l.Invalid)) {
		t.Errorf("ntk detail %q does not say %+v", rows[4].Detail, *l)
	}

	for _, ep := range r.site.Terminals {
		if n := ep.Log.Count(func(q emulator.Request) bool { return q.Method == "PUT" || q.Method == "DELETE" || isModify(q) }); n != 0 {
			t.Errorf("terminal %s received %d write requests", ep.Name, n)
		}
	}
	if n := r.site.Neyross.Log.Count(func(q emulator.Request) bool { return strings.Contains(q.Path, "upsert") }); n != 0 {
		t.Errorf("NEYROSS received %d upserts", n)
	}
	if n := r.site.NTK.Log.Count(nil); n != 0 {
		t.Errorf("NTK received %d requests; the overview builds the list, it never uploads", n)
	}

	// The clock is the one given: twenty years on, nobody is valid.
	r.clk.Advance(20 * 365 * 24 * time.Hour)
	later, err := Overview(context.Background(), r.cfg, OverviewOptions{Clock: r.clk})
	if err != nil {
		t.Fatal(err)
	}
	if got := later[0].Members.ValidToday; got != 0 {
		t.Errorf("%d members valid twenty years on", got)
	}
	if got := later[4].AccessList.Lines; got != 0 {
		t.Errorf("%d access-list lines twenty years on", got)
	}
	for _, row := range later[1:4] {
		if row.Accounts.ValidNow >= rows[slices.IndexFunc(rows, func(x OverviewRow) bool { return x.Subject() == row.Subject() })].Accounts.ValidNow {
			t.Errorf("%s: %d valid now twenty years on, as many as today", row.Subject(), row.Accounts.ValidNow)
		}
	}
}
