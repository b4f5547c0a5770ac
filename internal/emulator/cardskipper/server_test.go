package cardskipper

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/emulator"
)

const (
	user = "api-admin"
	pass = "s3cret"
)

func zone(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func orgs() []Organisation {
	return []Organisation{
		{ID: 1, Name: "Fitnes Center & Spa", Roles: []RoleType{{ID: 3126, Name: "Mesečna karta", Description: "Monthly membership"}, {ID: 3127, Name: "Letna karta"}},
			Units:    []Unit{{ID: 5, Value: "Youth"}},
			Children: []Organisation{{ID: 2, Name: "Sub club", Roles: []RoleType{{ID: 4100, Name: "Otroci"}}, Children: []Organisation{{ID: 3, Name: "Sub-sub"}}}}},
		{ID: 9, Name: "Other club"},
	}
}

type fixture struct {
	srv   *Server
	url   string
	clock *clock.Manual
	log   *emulator.RequestLog
}

func start(t *testing.T, mod ...func(*Config)) fixture {
	t.Helper()
	z := zone(t)
	mc := clock.NewManual(time.Date(2025, 11, 1, 10, 0, 0, 0, z))
	log := &emulator.RequestLog{}
	cfg := Config{Username: user, Password: pass, Organisations: orgs(), Zone: z, Clock: mc, Log: log}
	for _, f := range mod {
		f(&cfg)
	}
	s := New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return fixture{srv: s, url: ts.URL, clock: mc, log: log}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (f fixture) do(t *testing.T, method, path, body string, mod ...func(*http.Request)) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, pass)
	if body != "" {
		req.Header.Set("Content-Type", "application/xml")
	}
	for _, m := range mod {
		m(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func search(criteria ...string) string {
	return "<Cardskipper><SearchCriteriaMember>" + strings.Join(criteria, "") + "</SearchCriteriaMember></Cardskipper>"
}

// exported is the export document as a test reads it.
type exported struct {
	XMLName xml.Name `xml:"Cardskipper"`
	Members *struct {
		List []struct {
			MemberID             string `xml:"MemberId,attr"`
			UserID               string `xml:"UserId,attr"`
			MemberCode           string `xml:"MemberCode,attr"`
			OrganisationMemberID string `xml:"OrganisationMemberId,attr"`
			Firstname            string `xml:"Firstname,attr"`
			Inactive             string `xml:"Inactive,attr"`
			ContactInfo          struct {
				Attrs []xml.Attr `xml:",any,attr"`
			}
			Orgs []struct {
				ID    string `xml:"Id,attr"`
				Roles []struct {
					ID, Start, End, Name string
					Attrs                []xml.Attr `xml:",any,attr"`
				} `xml:"Roles>Role"`
				Tags []struct {
					Label string `xml:"Label,attr"`
				} `xml:"Tags>Tag"`
			} `xml:"Organisations>Organisation"`
		} `xml:"Member"`
	} `xml:"Members"`
}

func parseExport(t *testing.T, body string) exported {
	t.Helper()
	var e exported
	if err := xml.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("export is not XML: %v\n%s", err, body)
	}
	if e.Members == nil {
		t.Fatalf("no Members element:\n%s", body)
	}
	return e
}

func (e exported) ids() []string {
	out := []string{}
	for _, m := range e.Members.List {
		out = append(out, m.OrganisationMemberID)
	}
	return out
}

func role(org, id int, start, end string) MemberRole {
	return MemberRole{OrganisationID: org, RoleID: id, StartDate: start + "T00:00:00", EndDate: end + "T00:00:00"}
}

func TestRouting(t *testing.T) {
	f := start(t, func(c *Config) { c.DeniedCalls = []string{"/Organisation/Info/"} })
	ok := search(`<OrganisationId value="1"/>`)
	tests := []struct {
		name, method, path, body string
		mod                      func(*http.Request)
		status                   int
		bodyHas                  string
		header                   [2]string
	}{
		{name: "export", method: "POST", path: "/Member/Export/", body: ok, status: 200, bodyHas: "<Members/>"},
		{name: "no slash", method: "POST", path: "/Member/Export", body: ok, status: 200},
		{name: "any case", method: "POST", path: "/MEMBER/export/", body: ok, status: 200},
		{name: "no auth", method: "POST", path: "/Member/Export/", body: ok, mod: func(r *http.Request) { r.Header.Del("Authorization") },
			status: 401, bodyHas: "401 - Unauthorized", header: [2]string{"WWW-Authenticate", `Basic realm="Cardskipper"`}},
		{name: "wrong password", method: "GET", path: "/Organisation/Info/", mod: func(r *http.Request) { r.SetBasicAuth(user, "nope") },
			status: 401, header: [2]string{"WWW-Authenticate", `Basic realm="Cardskipper"`}},
		{name: "wrong user", method: "GET", path: "/Organisation/Info/", mod: func(r *http.Request) { r.SetBasicAuth("admin", pass) }, status: 401},
		{name: "bearer", method: "GET", path: "/Organisation/Info/", mod: func(r *http.Request) { r.Header.Set("Authorization", "Bearer x") }, status: 401},
		{name: "denied call", method: "GET", path: "/organisation/info", status: 403, bodyHas: "403 - Forbidden"},
		{name: "unknown path", method: "GET", path: "/Basedata/Country/", status: 404, bodyHas: "<title>The resource cannot be found.</title>"},
		{name: "GET export", method: "GET", path: "/Member/Export/", status: 405, header: [2]string{"Allow", "POST"}, bodyHas: "does not support http method &#39;GET&#39;"},
		{name: "wrong content type", method: "POST", path: "/Member/Export/", body: ok, mod: func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") },
			status: 415, bodyHas: "media type"},
		{name: "text/xml", method: "POST", path: "/Member/Export/", body: ok, mod: func(r *http.Request) { r.Header.Set("Content-Type", "text/xml; charset=utf-8") }, status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mods := []func(*http.Request){}
			if tt.mod != nil {
				mods = append(mods, tt.mod)
			}
			a := f.do(t, tt.method, tt.path, tt.body, mods...)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.body)
			}
			if !strings.Contains(a.body, tt.bodyHas) {
				t.Errorf("body %q lacks %q", a.body, tt.bodyHas)
			}
			if tt.header[0] != "" && a.header.Get(tt.header[0]) != tt.header[1] {
				t.Errorf("%s: %q, want %q", tt.header[0], a.header.Get(tt.header[0]), tt.header[1])
			}
			if tt.status == 401 && len(a.body) > 200 {
				t.Errorf("401 body is not short: %d bytes", len(a.body))
			}
		})
	}
	// Only the 200 answers to Member/Export count.
	if got := f.srv.Exports(); got != 4 {
		t.Errorf("Exports() = %d, want 4", got)
	}
}

// TestBadRequests: the service answers a body it cannot read with 400 and
// an ASP.NET HTML page, not XML.
func TestBadRequests(t *testing.T) {
	f := start(t)
	tests := []struct{ name, body, title string }{
		{"not XML", "OrganisationId=1", "There is an error in XML document"},
		{"empty", "", "There is an error in XML document"},
		{"wrong root", `<Search><SearchCriteriaMember><OrganisationId value="1"/></SearchCriteriaMember></Search>`, "&lt;Search xmlns=&#39;&#39;&gt; was not expected."},
		{"no criteria element", `<Cardskipper/>`, "SearchCriteriaMember is required."},
		{"no organisation", search(`<OnlyActive value="true"/>`), "OrganisationId is required."},
		{"empty organisation", search(`<OrganisationId value=""/>`), "OrganisationId is required."},
		{"child element instead of attribute", search(`<OrganisationId>1</OrganisationId>`), "Criterion OrganisationId has no value attribute."},
		{"bad number", search(`<OrganisationId value="one"/>`), "The value &#39;one&#39; is not valid for OrganisationId."},
		{"bad boolean", search(`<OrganisationId value="1"/><OnlyActive value="yes"/>`), "not valid for OnlyActive"},
		{"bad date", search(`<OrganisationId value="1"/><ChangedAt value="31.10.2025"/>`), "not valid for ChangedAt"},
		{"lower-case criterion", search(`<organisationId value="1"/>`), "&lt;organisationId xmlns=&#39;&#39;&gt; was not expected."},
		{"twice", search(`<OrganisationId value="1"/><OrganisationId value="2"/>`), "given twice"},
		{"unknown organisation", search(`<OrganisationId value="77"/>`), "Organisation 77 does not exist or is not accessible"},
		{"unsupported criterion", search(`<OrganisationId value="1"/><Firstname value="Ana"/>`), "Criterion Firstname is not supported by the emulator."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := f.do(t, "POST", "/Member/Export/", tt.body, func(r *http.Request) { r.Header.Set("Content-Type", "application/xml") })
			if a.status != 400 {
				t.Fatalf("status %d, want 400", a.status)
			}
			if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q, want HTML", ct)
			}
			if !strings.HasPrefix(a.body, "<!DOCTYPE html>") || !strings.Contains(a.body, "Server Error in '/' Application.") {
				t.Errorf("not an ASP.NET error page:\n%s", a.body)
			}
			if !strings.Contains(a.body, "<title>") || !strings.Contains(a.body, tt.title) {
				t.Errorf("page does not say %q:\n%s", tt.title, a.body)
			}
			// The page must not be mistaken for XML.
			if err := xml.Unmarshal([]byte(a.body), new(struct{})); err == nil {
				t.Error("the error page parses as XML")
			}
		})
	}
	if f.srv.Exports() != 0 {
		t.Errorf("Exports() = %d after only bad requests", f.srv.Exports())
	}
}

func TestExportFormat(t *testing.T) {
	f := start(t)
	f.srv.SetMembers([]Member{{
		OrganisationMemberID: "150002", MemberID: 42, FirstName: "Žiga", LastName: `Čeh "Ž" & <sin>`, Birthdate: "1990-04-21T00:00:00",
		Email: "Ziga.Ceh@Example.si", CellPhone: "+386 40 111 222", Address: Address{Line1: "Cesta 1", Zip: "1000", City: "Ljubljana"},
		Extra: [3]string{"0004123456", "", "a\nb"},
		Roles: []MemberRole{role(1, 3126, "2025-10-01", "2025-11-01"), role(9, 9001, "2025-01-01", "2025-12-31"), role(2, 4100, "2025-01-01", "2025-12-31")},
		Tags:  []string{"student"},
	}})
	a := f.do(t, "POST", "/Member/Export/", search(`<OrganisationId value="1"/>`))
	if a.status != 200 || a.header.Get("Content-Type") != "application/xml; charset=utf-8" {
		t.Fatalf("status %d, %q", a.status, a.header.Get("Content-Type"))
	}
	for _, want := range []string{
		`<?xml version="1.0" encoding="utf-8"?>`,
		`<Member MemberId="42" UserId="7000042" OrganisationMemberId="150002" MemberCode="CS42" Firstname="Žiga" Lastname="Čeh &#34;Ž&#34; &amp; &lt;sin&gt;" Birthdate="1990-04-21T00:00:00" Inactive="false">`,
		`<Extra Extra1="0004123456" Extra2="" Extra3="a&#xA;b"/>`,
		`<Address Line1="Cesta 1" Line2="" Zip="1000" City="Ljubljana"/>`,
		`<ContactInfo CellPhone1="+386 40 111 222" CellPhone2="" EMail="Ziga.Ceh@Example.si"/>`,
		`<Organisation Id="1" ClearTags="false">`,
		`<Role Id="3126" StartDate="2025-10-01T00:00:00" EndDate="2025-11-01T00:00:00" Type="" OrganisationUnit="" Name="Mesečna karta"/>`,
		`<Tags><Tag Label="student"/></Tags>`,
		`<Organisation Id="2" ClearTags="false">`,
	} {
		if !strings.Contains(a.body, want) {
			t.Errorf("export lacks %s:\n%s", want, a.body)
		}
	}
	if strings.Contains(a.body, `Id="9"`) {
		t.Errorf("organisation 9 is outside the search but exported:\n%s", a.body)
	}
	e := parseExport(t, a.body)
	if got := e.Members.List[0].Orgs; len(got) != 2 || got[0].ID != "1" || got[1].ID != "2" || len(got[1].Tags) != 0 {
		t.Errorf("organisations %+v: want 1 (with the tags) then 2", got)
	}
}

func TestExportEmail(t *testing.T) {
	f := start(t)
	r := []MemberRole{role(1, 3126, "2025-10-01", "2025-11-01")}
	f.srv.SetMembers([]Member{
		{OrganisationMemberID: "1", Email: "", Roles: r},
		{OrganisationMemberID: "2", Email: "", NoEmailAttribute: true, Roles: r},
		{OrganisationMemberID: "3", Email: "a@b.si", NoEmailAttribute: true, Roles: r},
	})
	a := f.do(t, "POST", "/Member/Export/", search(`<OrganisationId value="1"/>`))
	e := parseExport(t, a.body)
	got := map[string]string{}
	for _, m := range e.Members.List {
		v := "absent"
		for _, at := range m.ContactInfo.Attrs {
			if at.Name.Local == "EMail" {
				v = at.Value
			}
		}
		got[m.OrganisationMemberID] = v
	}
	want := map[string]string{"1": "", "2": "absent", "3": "a@b.si"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("EMail attributes %v, want %v", got, want)
	}
}

func TestExportFilters(t *testing.T) {
	f := start(t)
	z := zone(t)
	old := time.Date(2025, 9, 1, 0, 0, 0, 0, z)
	f.srv.SetMembers([]Member{
		{OrganisationMemberID: "a", MemberID: 1, UserID: 11, Roles: []MemberRole{role(1, 3126, "2025-10-01", "2025-11-01")}, ChangedAt: old},
		{OrganisationMemberID: "b", MemberID: 2, Roles: []MemberRole{role(1, 3127, "2024-01-01", "2024-12-31")}, ChangedAt: old},
		{OrganisationMemberID: "c", MemberID: 3, Inactive: true, Roles: []MemberRole{role(1, 3127, "2025-01-01", "2025-12-31")}, ChangedAt: old},
		{OrganisationMemberID: "d", MemberID: 4, Roles: []MemberRole{role(3, 4100, "2025-01-01", "2025-12-31")}, ChangedAt: old},
		{OrganisationMemberID: "e", MemberID: 5, Roles: []MemberRole{role(9, 3126, "2025-01-01", "2025-12-31"), role(1, 3127, "2020-01-01", "2020-12-31")}, ChangedAt: old},
		// Valid only from tomorrow; and a role with an unreadable date.
		{OrganisationMemberID: "f", MemberID: 6, Roles: []MemberRole{role(1, 3126, "2025-11-02", "2025-11-30")}, ChangedAt: old},
		{OrganisationMemberID: "g", MemberID: 7, Roles: []MemberRole{{OrganisationID: 1, RoleID: 3126, StartDate: "2025-10-01", EndDate: "soon"}}, ChangedAt: old},
		{OrganisationMemberID: "h", MemberID: 8, Roles: []MemberRole{role(9, 9001, "2025-01-01", "2025-12-31")}, ChangedAt: old},
	})
	// Renewed at 2025-11-01 10:00 local (the clock), via Upsert.
	f.srv.Upsert(Member{OrganisationMemberID: "b", Roles: []MemberRole{role(1, 3127, "2024-01-01", "2024-12-31"), role(1, 3127, "2025-01-01", "2025-12-31")}})

	tests := []struct {
		name     string
		criteria []string
		want     []string
	}{
		{"organisation subtree", []string{`<OrganisationId value="1"/>`}, []string{"a", "b", "c", "d", "e", "f", "g"}},
		{"child subtree", []string{`<OrganisationId value="2"/>`}, []string{"d"}},
		{"other organisation", []string{`<OrganisationId value="9"/>`}, []string{"e", "h"}},
		{"only active", []string{`<OrganisationId value="1"/>`, `<OnlyActive value="true"/>`}, []string{"a", "b", "d"}},
		{"only active False", []string{`<OrganisationId value="1"/>`, `<OnlyActive value="False"/>`}, []string{"a", "b", "c", "d", "e", "f", "g"}},
		// Member e's role in 9 is valid, but 9 is not searched.
		{"only active in 9", []string{`<OrganisationId value="9"/>`, `<OnlyActive value="true"/>`}, []string{"e", "h"}},
		{"changed after", []string{`<OrganisationId value="1"/>`, `<ChangedAt value="2025-11-01T09:59:59"/>`}, []string{"b"}},
		{"changed after, same second", []string{`<OrganisationId value="1"/>`, `<ChangedAt value="2025-11-01T10:00:00"/>`}, []string{}},
		{"changed after, RFC 3339", []string{`<OrganisationId value="1"/>`, `<ChangedAt value="2025-11-01T08:59:00Z"/>`}, []string{"b"}},
		{"role", []string{`<OrganisationId value="1"/>`, `<RoleId value="3127"/>`}, []string{"b", "c", "e"}},
		{"member id", []string{`<OrganisationId value="1"/>`, `<MemberId value="3"/>`}, []string{"c"}},
		{"user id", []string{`<OrganisationId value="1"/>`, `<UserId value="11"/>`}, []string{"a"}},
		{"organisation member id", []string{`<OrganisationId value="1"/>`, `<OrganisationMemberId value="f"/>`}, []string{"f"}},
		{"member of another organisation", []string{`<OrganisationId value="1"/>`, `<OrganisationMemberId value="h"/>`}, []string{}},
		{"empty criteria ignored", []string{`<OrganisationId value="1"/>`, `<RoleId value=""/>`, `<OnlyActive value=" "/>`}, []string{"a", "b", "c", "d", "e", "f", "g"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := f.do(t, "POST", "/Member/Export/", search(tt.criteria...))
			if a.status != 200 {
				t.Fatalf("status %d: %s", a.status, a.body)
			}
			got := parseExport(t, a.body).ids()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("members %v, want %v", got, tt.want)
			}
			if len(tt.want) == 0 && !strings.Contains(a.body, "<Members/>") {
				t.Errorf("no match but not <Members/>:\n%s", a.body)
			}
		})
	}
}

func TestUpsertAndMembers(t *testing.T) {
	f := start(t)
	f.srv.SetMembers([]Member{{OrganisationMemberID: "x", FirstName: "A", Tags: []string{"t"}}, {FirstName: "no number"}})
	ms := f.srv.Members()
	if len(ms) != 2 || ms[0].MemberID != 100001 || ms[1].MemberID != 100002 || ms[0].MemberCode != "CS100001" || ms[0].UserID != 7100001 {
		t.Fatalf("generated ids: %+v", ms)
	}
	if !ms[0].ChangedAt.IsZero() {
		t.Errorf("SetMembers changed ChangedAt: %v", ms[0].ChangedAt)
	}
	// The copy is the caller's.
	ms[0].Tags[0] = "changed"
	if f.srv.Members()[0].Tags[0] != "t" {
		t.Error("Members returned shared state")
	}
	f.clock.Advance(time.Hour)
	f.srv.Upsert(Member{OrganisationMemberID: "x", FirstName: "B"})
	f.srv.Upsert(Member{OrganisationMemberID: "y", FirstName: "C", ChangedAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
	ms = f.srv.Members()
	if len(ms) != 3 {
		t.Fatalf("%d members after upserts, want 3", len(ms))
	}
	if ms[0].FirstName != "B" || ms[0].MemberID != 100001 || !ms[0].ChangedAt.Equal(f.clock.Now()) {
		t.Errorf("replaced member %+v: want the same MemberID and ChangedAt = clock", ms[0])
	}
	if !ms[2].ChangedAt.Equal(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("given ChangedAt overwritten: %v", ms[2].ChangedAt)
	}
}

func TestOrganisationInfo(t *testing.T) {
	f := start(t)
	a := f.do(t, "GET", "/Organisation/Info", "")
	if a.status != 200 {
		t.Fatalf("status %d", a.status)
	}
	for _, want := range []string{
		`<Organisation Id="1" Name="Fitnes Center &amp; Spa">`,
		`<Role Id="3126" Name="Mesečna karta" Description="Monthly membership"/>`,
		`<Role Id="3127" Name="Letna karta"/>`,
		`<Children><CardskipperOrganisationChildren Id="2" Name="Sub club"/></Children>`,
		`<OrganisationUnits><OrganisationUnit Id="5" Value="Youth" OrganisationId="1"/></OrganisationUnits>`,
		`<Organisation Id="2" Name="Sub club">`,
		`<Children><CardskipperOrganisationChildren Id="3" Name="Sub-sub"/></Children>`,
		`<Organisation Id="3" Name="Sub-sub">`,
		`<Organisation Id="9" Name="Other club">`,
	} {
		if !strings.Contains(a.body, want) {
			t.Errorf("info lacks %s:\n%s", want, a.body)
		}
	}
	if err := xml.Unmarshal([]byte(a.body), new(struct{})); err != nil {
		t.Errorf("info is not XML: %v", err)
	}
}

func TestFaults(t *testing.T) {
	faults := emulator.NewFaults(1)
	f := start(t, func(c *Config) { c.Faults = faults })
	faults.Next(emulator.FaultGarbage, emulator.Fault5xx)
	a := f.do(t, "POST", "/Member/Export/", search(`<OrganisationId value="1"/>`))
	if a.status != 200 || !strings.Contains(a.body, "<title>Runtime Error</title>") {
		t.Errorf("garbage: %d %s", a.status, a.body)
	}
	if a := f.do(t, "GET", "/Organisation/Info/", ""); a.status != 503 {
		t.Errorf("5xx: %d", a.status)
	}
	if f.srv.Exports() != 0 {
		t.Errorf("a faulted export counted")
	}
	if got := f.log.Count(func(r emulator.Request) bool { return r.Fault != "" }); got != 2 {
		t.Errorf("%d faulted requests logged, want 2", got)
	}
	if a := f.do(t, "POST", "/Member/Export/", search(`<OrganisationId value="1"/>`)); a.status != 200 || f.srv.Exports() != 1 {
		t.Errorf("after the faults: %d, exports %d", a.status, f.srv.Exports())
	}
}

// TestConcurrentUse runs exports while members change; with -race this
// checks the locking.
func TestConcurrentUse(t *testing.T) {
	f := start(t)
	ms := make([]Member, 200)
	for i := range ms {
		ms[i] = Member{OrganisationMemberID: fmt.Sprint(i), Email: fmt.Sprintf("m%d@example.si", i), Roles: []MemberRole{role(1, 3126, "2025-10-01", "2025-11-30")}}
	}
	f.srv.SetMembers(ms)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				a := f.do(t, "POST", "/Member/Export/", search(`<OrganisationId value="1"/>`))
				if n := len(parseExport(t, a.body).Members.List); n < 200 {
					t.Errorf("export with %d members, want at least 200", n)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				f.srv.Upsert(Member{OrganisationMemberID: fmt.Sprint(1000 + w*100 + i), Roles: []MemberRole{role(1, 3126, "2025-10-01", "2025-11-30")}})
				_ = f.srv.Members()
			}
		}()
	}
	wg.Wait()
	if got := len(f.srv.Members()); got != 400 {
		t.Errorf("%d members, want 400", got)
	}
	if f.srv.Exports() != 20 {
		t.Errorf("Exports() = %d, want 20", f.srv.Exports())
	}
}

// TestExportControlCharacters: a name with characters XML does not allow
// (ESC, BEL, U+FFFE) goes out as character references, as a .NET service
// that does not check characters writes them; the rest of the document
// stays well-formed, and tab and line breaks stay as before.
func TestExportControlCharacters(t *testing.T) {
	f := start(t)
	f.srv.SetMembers([]Member{{OrganisationMemberID: "7", FirstName: "Ana\x1b[31m", LastName: "Novak\x07\uFFFE", Email: "ana@example.si",
		Extra: [3]string{"a\tb", "", ""}, Roles: []MemberRole{role(1, 3126, "2025-10-01", "2025-11-01")}}})
	a := f.do(t, "POST", "/Member/Export/", search(`<OrganisationId value="1"/>`))
	for _, want := range []string{`Firstname="Ana&#x1B;[31m"`, `Lastname="Novak&#x7;&#xFFFE;"`, `Extra1="a&#x9;b"`} {
		if !strings.Contains(a.body, want) {
			t.Errorf("export lacks %s:\n%s", want, a.body)
		}
	}
	if strings.ContainsAny(a.body, "\x1b\x07\uFFFE") {
		t.Errorf("export carries a raw forbidden character:\n%q", a.body)
	}
}
