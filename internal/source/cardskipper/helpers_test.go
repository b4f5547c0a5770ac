package cardskipper

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the machine's zone database

	"github.com/doorsync/doorsync/internal/clock"
	csemu "github.com/doorsync/doorsync/internal/emulator/cardskipper"
)

const (
	testUser     = "api-admin"
	testPassword = "s3cret-Pa55!word"
)

func ljubljana(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// testOrgs is a club with a child organisation and one the account also sees.
func testOrgs() []csemu.Organisation {
	return []csemu.Organisation{
		{ID: 1, Name: "Fitnes Center", Roles: []csemu.RoleType{
			{ID: 3126, Name: "Mesečna karta", Description: "Monthly membership"},
			{ID: 3127, Name: "Letna karta"},
		}, Units: []csemu.Unit{{ID: 5, Value: "Youth"}},
			Children: []csemu.Organisation{{ID: 2, Name: "Sub club", Roles: []csemu.RoleType{{ID: 4100, Name: "Otroci"}}}}},
		{ID: 9, Name: "Other club", Roles: []csemu.RoleType{{ID: 9001, Name: "Guest"}}},
	}
}

var (
	firstNames = []string{"Žiga", "Špela", "Črt", "Nataša", "Đorđe", "Matej", "Ana", "Luka", "Maša", "Ćiril", "Tjaša", "Urška"}
	lastNames  = []string{"Čeh", "Kovač", "Horvat", "Novak", "Krajnc", "Zupančič", "Potočnik", "Kos", "Vidmar", "Golob", "Šturm", "Đurić"}
)

// genMembers makes n realistic members (about 1.3 KB each on the wire):
// Slovenian names, an address, a phone, two or three role periods, tags.
func genMembers(n int, changed time.Time) []csemu.Member {
	ms := make([]csemu.Member, n)
	for i := range ms {
		fn, ln := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
		m := csemu.Member{
			OrganisationMemberID: fmt.Sprint(150000 + i),
			MemberID:             200000 + i,
			FirstName:            fn,
			LastName:             ln,
			Birthdate:            fmt.Sprintf("19%02d-%02d-%02dT00:00:00", 50+i%50, 1+i%12, 1+i%28),
			Email:                fmt.Sprintf("%s.%s%d@Example.si", fn, ln, i),
			CellPhone:            fmt.Sprintf("+386 40 %03d %03d", i%1000, (i/1000)%1000),
			Address:              csemu.Address{Line1: fmt.Sprintf("Celovška cesta %d", 1+i%300), Zip: "1000", City: "Ljubljana"},
			Extra:                [3]string{fmt.Sprintf("%010d", 4000000000+i), "", "Opomba: plačano z nakazilom"},
			Roles: []csemu.MemberRole{
				{OrganisationID: 1, RoleID: 3127, StartDate: "2024-01-01T00:00:00", EndDate: "2024-12-31T00:00:00"},
				{OrganisationID: 1, RoleID: 3126, StartDate: "2025-10-01T00:00:00", EndDate: fmt.Sprintf("2025-11-%02dT00:00:00", 1+i%28)},
			},
			Tags:      []string{"student", "jutranji termin"},
			ChangedAt: changed,
		}
		if i%3 == 0 {
			m.Roles = append(m.Roles, csemu.MemberRole{OrganisationID: 2, RoleID: 4100, StartDate: "2025-01-01T00:00:00", EndDate: "2025-12-31T00:00:00"})
		}
		ms[i] = m
	}
	return ms
}

// testEmulator is an emulator on a loopback listener.
type testEmulator struct {
	*csemu.Server
	URL   string
	Clock *clock.Manual
}

func startEmulator(tb testing.TB, cfg csemu.Config) *testEmulator {
	tb.Helper()
	if cfg.Username == "" {
		cfg.Username, cfg.Password = testUser, testPassword
	}
	if cfg.Organisations == nil {
		cfg.Organisations = testOrgs()
	}
	if cfg.Zone == nil {
		cfg.Zone = ljubljana(tb)
	}
	var mc *clock.Manual
	if cfg.Clock == nil {
		mc = clock.NewManual(time.Date(2025, 11, 1, 10, 0, 0, 0, cfg.Zone))
		cfg.Clock = mc
	}
	s := csemu.New(cfg)
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return &testEmulator{Server: s, URL: ts.URL, Clock: mc}
}

func newClient(tb testing.TB, url string, mod ...func(*Config)) *Client {
	tb.Helper()
	cfg := Config{BaseURL: url, Username: testUser, Password: testPassword, Zone: ljubljana(tb)}
	for _, f := range mod {
		f(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// exportDocument renders members through the emulator, in memory.
func exportDocument(tb testing.TB, ms []csemu.Member) []byte {
	tb.Helper()
	s := csemu.New(csemu.Config{Username: testUser, Password: testPassword, Organisations: testOrgs(), Zone: ljubljana(tb),
		Clock: clock.NewManual(time.Date(2025, 11, 1, 10, 0, 0, 0, ljubljana(tb)))})
	s.SetMembers(ms)
	req := httptest.NewRequest(http.MethodPost, "/Member/Export/",
		strings.NewReader(`<Cardskipper><SearchCriteriaMember><OrganisationId value="1"/></SearchCriteriaMember></Cardskipper>`))
	req.Header.Set("Content-Type", "application/xml")
	req.SetBasicAuth(testUser, testPassword)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		tb.Fatalf("emulator export: HTTP %d: %s", rec.Code, rec.Body.String())
	}
	return bytes.Clone(rec.Body.Bytes())
}

// noSecret fails if s holds the password.
func noSecret(tb testing.TB, s string) {
	tb.Helper()
	if strings.Contains(s, testPassword) {
		tb.Fatalf("the password appears in %q", s)
	}
}
