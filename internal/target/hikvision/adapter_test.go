package hikvision

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

func userFrom(t *testing.T, obj string) UserInfo {
	t.Helper()
	p, err := decodeSearch([]byte(searchReply("OK", 1, 1, obj)))
	if err != nil {
		t.Fatal(err)
	}
	return p.Users[0]
}

func TestAccountFromUserInfo(t *testing.T) {
	zone := testZone(t)
	cases := []struct {
		name      string
		field     string
		obj       string
		email     member.Email
		end       time.Time
		begin     time.Time
		permanent bool
		problem   string
		attrs     map[string]string
	}{
		{name: "extension e-mail", field: EmailInExtension, obj: person("1042", "Ziga Ceh", "2025-10-01T23:59:59"),
			email: "1042@example.si", begin: time.Date(2024, 3, 4, 0, 0, 0, 0, zone), end: time.Date(2025, 10, 1, 23, 59, 59, 0, zone),
			attrs: map[string]string{"userType": "normal"}},
		{name: "first extension value that is an e-mail", field: EmailInExtension,
			obj:   `{"employeeNo":"7","PersonInfoExtends":[{"name":"card","value":"00123"},{"value":" Ziga.Ceh@Example.SI "},{"value":"b@x.si"}]}`,
			email: "ziga.ceh@example.si", problem: "employeeNo 7: the terminal sent no Valid period"},
		{name: "extension ignored when the name is configured", field: EmailInName, obj: person("1042", "Ziga Ceh", "2025-10-01T23:59:59"),
			end: time.Date(2025, 10, 1, 23, 59, 59, 0, zone), begin: time.Date(2024, 3, 4, 0, 0, 0, 0, zone)},
		{name: "name e-mail", field: EmailInName, obj: `{"employeeNo":"8","name":"Ana@Example.si","Valid":{"enable":true,"endTime":"2025-12-31T23:59:59"}}`,
			email: "ana@example.si", end: time.Date(2025, 12, 31, 23, 59, 59, 0, zone)},
		{name: "none", field: EmailNone, obj: `{"employeeNo":"8","name":"ana@example.si"}`, problem: "employeeNo 8: the terminal sent no Valid period"},
		{name: "enabled without an end", field: EmailNone, obj: `{"employeeNo":"13","Valid":{"enable":true,"beginTime":"2024-01-01T00:00:00","endTime":""}}`,
			begin: time.Date(2024, 1, 1, 0, 0, 0, 0, zone), problem: "employeeNo 13: Valid.enable is true but endTime is empty"},
		{name: "permanent", field: EmailNone, obj: `{"employeeNo":"9","Valid":{"enable":false,"beginTime":"2024-01-01T00:00:00","endTime":"2037-12-31T23:59:59"}}`,
			permanent: true, begin: time.Date(2024, 1, 1, 0, 0, 0, 0, zone), end: time.Date(2037, 12, 31, 23, 59, 59, 0, zone)},
		{name: "permanent as a string", field: EmailNone, obj: `{"employeeNo":"9","Valid":{"enable":"false"}}`, permanent: true},
		{name: "bad end date", field: EmailNone, obj: `{"employeeNo":"10","Valid":{"enable":true,"beginTime":"2024-01-01T00:00:00","endTime":"2025-02-30T23:59:59"}}`,
			begin: time.Date(2024, 1, 1, 0, 0, 0, 0, zone), problem: `employeeNo 10: Valid.endTime: time "2025-02-30T23:59:59"`},
		{name: "end before begin", field: EmailNone, obj: `{"employeeNo":"11","Valid":{"enable":true,"beginTime":"2025-01-01T00:00:00","endTime":"2024-12-31T23:59:59"}}`,
			begin: time.Date(2025, 1, 1, 0, 0, 0, 0, zone), end: time.Date(2024, 12, 31, 23, 59, 59, 0, zone), problem: "employeeNo 11: Valid.endTime 2024-12-31T23:59:59 is before beginTime"},
		{name: "UTC-labelled times", field: EmailNone, obj: `{"employeeNo":"12","Valid":{"enable":true,"endTime":"2025-11-01T22:59:59","timeType":"UTC"}}`,
			end: time.Date(2025, 11, 1, 23, 59, 59, 0, zone)},
		{name: "undecodable field named", field: EmailNone, obj: `{"employeeNo":"13","userType":["x"]}`, problem: "employeeNo 13: userType: want a string, got an array"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, "http://127.0.0.1:1")
			cfg.EmailField = tc.field
			tg, err := NewTarget(cfg)
			if err != nil {
				t.Fatal(err)
			}
			a := tg.account(userFrom(t, tc.obj))
			if a.Email != tc.email || !a.End.Equal(tc.end) || !a.Begin.Equal(tc.begin) || a.Permanent != tc.permanent {
				t.Errorf("got email %q begin %v end %v permanent %v", a.Email, a.Begin, a.End, a.Permanent)
			}
			probs := strings.Join(a.Problems, "; ")
			if (tc.problem == "") != (probs == "") || !strings.Contains(probs, tc.problem) {
				t.Errorf("problems %q, want %q", probs, tc.problem)
			}
			if tc.attrs != nil && !maps.Equal(a.Attrs, tc.attrs) {
				t.Errorf("Attrs = %v, want %v", a.Attrs, tc.attrs)
			}
		})
	}
}

func newTestTarget(t *testing.T, m *modifier) *Target {
	_, srv := newFake(t, m.handler)
	cfg := testConfig(t, srv.URL)
	tg, err := NewTarget(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tg.Close)
	return tg
}

func TestTargetInventoryFillsInfo(t *testing.T) {
	p := newPager(75)
	tg := newTestTarget(t, &modifier{pager: p})
	var prog []target.Progress
	accts, err := tg.Inventory(context.Background(), func(pr target.Progress) { prog = append(prog, pr) })
	if err != nil || len(accts) != 75 {
		t.Fatalf("Inventory: %d, %v", len(accts), err)
	}
	info := tg.Info()
	zone := testZone(t)
	if info.Serial != "DS-K1T671MF20220812CCWRJ12345678" || info.System != "hikvision" || info.Name != "entrance" ||
		!info.MaxEnd.Equal(time.Date(2037, 12, 31, 23, 59, 59, 0, zone)) || !info.MinEnd.Equal(time.Date(2000, 1, 1, 0, 0, 0, 0, zone)) {
		t.Errorf("Info %+v", info)
	}
	if len(prog) != 3 || prog[2].Done != 3 || prog[2].Total != 3 || prog[2].Items != 75 || prog[0].Items != 30 {
		t.Errorf("progress %+v", prog)
	}
	got, err := tg.Lookup(context.Background(), []string{"1001", "1074", "nope"})
	if err != nil || len(got) != 2 || got["1074"].ID != "1074" {
		t.Errorf("Lookup %v, %v", got, err)
	}
}

func TestTargetWrite(t *testing.T) {
	zone := testZone(t)
	end := time.Date(2025, 11, 1, 23, 59, 59, 0, zone)
	acct := func(id string) target.Account {
		return target.Account{ID: id, Begin: time.Date(2024, 3, 4, 0, 0, 0, 0, zone), Attrs: map[string]string{"userType": "normal"}}
	}
	t.Run("per-update errors", func(t *testing.T) {
		m := &modifier{pager: newPager(0), replies: [][2]string{
			{"200", okEnvelope},
			{"200", `{"statusCode":6,"subStatusCode":"employeeNoNotExist","errorMsg":"employeeNo"}`},
			{"200", okEnvelope},
		}}
		tg := newTestTarget(t, m)
		bad := acct("13")
		bad.Problems = []string{"employeeNo 13: Valid.endTime: nonsense"}
		errs := tg.Write(context.Background(), []target.Update{
			{Account: acct("1"), End: end},
			{Account: acct("2"), End: end},
			{Account: acct("3"), End: time.Date(2038, 1, 1, 23, 59, 59, 0, zone)}, // beyond the terminal: not sent
			{Account: bad, End: end},                                              // data problems: not sent
			{Account: acct("4"), End: end},
		})
		wantClass := []target.Class{-1, target.NotFound, target.Permanent, target.Permanent, -1}
		for i, err := range errs {
			if wantClass[i] == -1 {
				if err != nil {
					t.Errorf("update %d: %v", i, err)
				}
				continue
			}
			if target.ClassOf(err) != wantClass[i] {
				t.Errorf("update %d: want %v, got %v", i, wantClass[i], err)
			}
		}
		if !strings.Contains(errs[2].Error(), "after the latest the terminal holds (2037-12-31T23:59:59)") {
			t.Errorf("clamp message: %v", errs[2])
		}
		if n := len(m.sent()); n != 3 {
			t.Errorf("%d Modify requests, want 3", n)
		}
	})
	t.Run("auth stop ends the batch", func(t *testing.T) {
		m := &modifier{pager: newPager(0)}
		f, srv := newFake(t, m.handler)
		tg, err := NewTarget(testConfig(t, srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(tg.Close)
		f.set(func(f *fake) { f.pass = "rotated" })
		var ups []target.Update
		for _, id := range []string{"1", "2", "3", "4", "5"} {
			ups = append(ups, target.Update{Account: acct(id), End: end})
		}
		errs := tg.Write(context.Background(), ups)
		for i, err := range errs {
			if target.ClassOf(err) != target.Auth {
				t.Errorf("update %d: want auth, got %v", i, err)
			}
		}
		// The first rejection is not yet a stop; everything after it is
		// not attempted at all.
		if errors.Is(errs[0], target.ErrStopped) || !errors.Is(errs[1], target.ErrStopped) || !strings.Contains(errs[4].Error(), "modify 5: auth") {
			t.Errorf("errors: %v", errs)
		}
		if _, rejected, _ := f.counts(); rejected != 1 {
			t.Errorf("rejected logins = %d, want 1", rejected)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		m := &modifier{pager: newPager(0)}
		tg := newTestTarget(t, m)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		errs := tg.Write(ctx, []target.Update{{Account: acct("1"), End: end}, {Account: acct("2"), End: end}})
		for i, err := range errs {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("update %d: %v", i, err)
			}
		}
		if len(m.sent()) != 0 {
			t.Error("a write was sent after cancellation")
		}
	})
}
