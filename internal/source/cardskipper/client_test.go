package cardskipper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/emulator"
	csemu "github.com/doorsync/doorsync/internal/emulator/cardskipper"
	"github.com/doorsync/doorsync/internal/member"
)

func ids(ms []member.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	slices.Sort(out)
	return out
}

// clubMembers are the emulator's members for the criteria tests; "today" is
// 2025-11-01 (see startEmulator).
func clubMembers(changedOld, changedNew time.Time) []csemu.Member {
	r := func(org, id int, start, end string) csemu.MemberRole {
		return csemu.MemberRole{OrganisationID: org, RoleID: id, StartDate: start + "T00:00:00", EndDate: end + "T00:00:00"}
	}
	return []csemu.Member{
		// Valid today, monthly, changed recently.
		{OrganisationMemberID: "150001", MemberID: 501, FirstName: "Žiga", LastName: "Čeh", Email: "Ziga.Ceh@Example.si",
			Roles: []csemu.MemberRole{r(1, 3126, "2025-10-01", "2025-11-01")}, ChangedAt: changedNew},
		// Lapsed yearly member.
		{OrganisationMemberID: "150002", MemberID: 502, FirstName: "Špela", LastName: "Novak", Email: "spela@example.si",
			Roles: []csemu.MemberRole{r(1, 3127, "2024-01-01", "2024-12-31")}, ChangedAt: changedOld},
		// Inactive although the dates say valid.
		{OrganisationMemberID: "150003", MemberID: 503, FirstName: "Đorđe", LastName: "Ćirić", Email: "djordje@example.si", Inactive: true,
			Roles: []csemu.MemberRole{r(1, 3127, "2025-01-01", "2025-12-31")}, ChangedAt: changedOld},
		// Child organisation only; no e-mail attribute at all.
		{OrganisationMemberID: "150004", MemberID: 504, FirstName: "Črt", LastName: "Kos", NoEmailAttribute: true,
			Roles: []csemu.MemberRole{r(2, 4100, "2025-01-01", "2025-12-31")}, ChangedAt: changedOld},
		// Other club only: never in organisation 1's export.
		{OrganisationMemberID: "900001", MemberID: 505, FirstName: "Gost", LastName: "Tuji", Email: "guest@example.si",
			Roles: []csemu.MemberRole{r(9, 9001, "2025-01-01", "2025-12-31")}, ChangedAt: changedNew},
		// Both clubs, shared mixed-case family address, empty e-mail attribute
		// on the sibling below.
		{OrganisationMemberID: "150005", MemberID: 506, FirstName: "Maša", LastName: "Kovač", Email: "FAMILY.Kovac@example.si",
			Roles: []csemu.MemberRole{r(1, 3126, "2025-11-01", "2025-11-30"), r(9, 9001, "2025-01-01", "2025-12-31")}, Tags: []string{"družina"}, ChangedAt: changedNew},
		{OrganisationMemberID: "150006", MemberID: 507, FirstName: "Luka", LastName: "Kovač", Email: "family.kovac@example.si",
			Roles: []csemu.MemberRole{r(1, 3126, "2025-11-02", "2025-11-30")}, ChangedAt: changedOld},
		{OrganisationMemberID: "150007", MemberID: 508, FirstName: "Nataša", LastName: "Brez", Email: "",
			Roles: []csemu.MemberRole{r(1, 3126, "2025-10-01", "2025-12-31")}, ChangedAt: changedOld},
		// A role date the service holds in a broken form.
		{OrganisationMemberID: "150008", MemberID: 509, FirstName: "Tjaša", LastName: "Napaka", Email: "tjasa@example.si",
			Roles: []csemu.MemberRole{{OrganisationID: 1, RoleID: 3126, StartDate: "2025-10-01T00:00:00", EndDate: "31.12.2025"}}, ChangedAt: changedOld},
	}
}

// TestExportCriteria runs each criterion against the emulator and checks
// both what was sent and what came back.
func TestExportCriteria(t *testing.T) {
	zone := ljubljana(t)
	old := time.Date(2025, 9, 1, 12, 0, 0, 0, zone)
	recent := time.Date(2025, 10, 31, 14, 0, 30, 0, zone)
	log := &emulator.RequestLog{}
	emu := startEmulator(t, csemu.Config{Log: log})
	emu.SetMembers(clubMembers(old, recent))
	c := newClient(t, emu.URL+"/") // trailing slash tolerated

	// body is the request the documentation describes, with these criteria.
	body := func(criteria ...string) string {
		var b strings.Builder
		b.WriteString("<Cardskipper>\n  <SearchCriteriaMember>\n")
		for _, c := range criteria {
			b.WriteString("    " + c + "\n")
		}
		b.WriteString("  </SearchCriteriaMember>\n</Cardskipper>\n")
		return b.String()
	}
	tests := []struct {
		name     string
		q        ExportQuery
		wantBody string
		wantIDs  []string
	}{
		{name: "organisation with children",
			q:        ExportQuery{OrganisationID: 1},
			wantBody: body(`<OrganisationId value="1"/>`),
			wantIDs:  []string{"150001", "150002", "150003", "150004", "150005", "150006", "150007", "150008"}},
		{name: "child organisation",
			q:        ExportQuery{OrganisationID: 2},
			wantBody: body(`<OrganisationId value="2"/>`),
			wantIDs:  []string{"150004"}},
		{name: "only active",
			q:        ExportQuery{OrganisationID: 1, OnlyActive: true},
			wantBody: body(`<OrganisationId value="1"/>`, `<OnlyActive value="true"/>`),
			// 150006 starts tomorrow, 150002 lapsed, 150003 inactive,
			// 150008's end cannot be read.
			wantIDs: []string{"150001", "150004", "150005", "150007"}},
		{name: "changed at, sent as club-local time to the second",
			q:        ExportQuery{OrganisationID: 1, ChangedAt: time.Date(2025, 10, 31, 13, 0, 0, 999, time.UTC)},
			wantBody: body(`<OrganisationId value="1"/>`, `<ChangedAt value="2025-10-31T14:00:00"/>`),
			wantIDs:  []string{"150001", "150005"}},
		{name: "role",
			q:        ExportQuery{OrganisationID: 1, RoleID: 3127},
			wantBody: body(`<OrganisationId value="1"/>`, `<RoleId value="3127"/>`),
			wantIDs:  []string{"150002", "150003"}},
		{name: "member id",
			q:        ExportQuery{OrganisationID: 1, MemberID: 507},
			wantBody: body(`<OrganisationId value="1"/>`, `<MemberId value="507"/>`),
			wantIDs:  []string{"150006"}},
		{name: "organisation member id",
			q:        ExportQuery{OrganisationID: 1, OrganisationMemberID: " 150007 "},
			wantBody: body(`<OrganisationId value="1"/>`, `<OrganisationMemberId value="150007"/>`),
			wantIDs:  []string{"150007"}},
		{name: "all criteria, in documented order",
			q: ExportQuery{OrganisationID: 1, OnlyActive: true, ChangedAt: recent.Add(-time.Hour), RoleID: 3126},
			wantBody: body(`<OrganisationId value="1"/>`, `<OnlyActive value="true"/>`,
				`<ChangedAt value="2025-10-31T13:00:30"/>`, `<RoleId value="3126"/>`),
			wantIDs: []string{"150001", "150005"}},
		{name: "nothing matches",
			q:        ExportQuery{OrganisationID: 1, MemberID: 999},
			wantBody: body(`<OrganisationId value="1"/>`, `<MemberId value="999"/>`),
			wantIDs:  []string{}},
		{name: "value escaped",
			q:        ExportQuery{OrganisationID: 1, OrganisationMemberID: `a"<&>`},
			wantBody: body(`<OrganisationId value="1"/>`, `<OrganisationMemberId value="a&quot;&lt;&amp;&gt;"/>`),
			wantIDs:  []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log.Reset()
			ms, err := c.Export(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(ms); !reflect.DeepEqual(got, tt.wantIDs) {
				t.Errorf("members %v, want %v", got, tt.wantIDs)
			}
			reqs := log.Entries()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodPost || r.Path != "/Member/Export/" || r.AuthScheme != "Basic" {
				t.Errorf("sent %s %s with auth %q; want POST /Member/Export/ with Basic", r.Method, r.Path, r.AuthScheme)
			}
			// Exactly the documented form; only criteria with values.
			if string(r.Body) != tt.wantBody {
				t.Errorf("request body\n%s\nwant\n%s", r.Body, tt.wantBody)
			}
		})
	}
}

// TestExportDecodesEmulatorMembers checks the decoded members in detail:
// normalised and raw e-mails, missing ones, several organisations and roles,
// tags, and the member with the broken date (named in its problem).
func TestExportDecodesEmulatorMembers(t *testing.T) {
	zone := ljubljana(t)
	emu := startEmulator(t, csemu.Config{})
	emu.SetMembers(clubMembers(time.Time{}, time.Time{}))
	c := newClient(t, emu.URL)
	ms, err := c.Export(context.Background(), ExportQuery{OrganisationID: 1})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]member.Member{}
	for _, m := range ms {
		by[m.ID] = m
	}
	_ = zone
	tests := []struct {
		id   string
		want member.Member
	}{
		{"150001", member.Member{ID: "150001", Email: "ziga.ceh@example.si", RawEmail: "Ziga.Ceh@Example.si", FirstName: "Žiga", LastName: "Čeh",
			Roles: []member.Role{role(1, 3126, d(2025, 10, 1), d(2025, 11, 1))}}},
		{"150004", member.Member{ID: "150004", FirstName: "Črt", LastName: "Kos",
			Roles: []member.Role{role(2, 4100, d(2025, 1, 1), d(2025, 12, 31))}}},
		// Only organisation 1's subtree is exported: the role in 9 is not.
		{"150005", member.Member{ID: "150005", Email: "family.kovac@example.si", RawEmail: "FAMILY.Kovac@example.si", FirstName: "Maša", LastName: "Kovač",
			Roles: []member.Role{role(1, 3126, d(2025, 11, 1), d(2025, 11, 30))}, Tags: []string{"družina"}}},
		{"150006", member.Member{ID: "150006", Email: "family.kovac@example.si", RawEmail: "family.kovac@example.si", FirstName: "Luka", LastName: "Kovač",
			Roles: []member.Role{role(1, 3126, d(2025, 11, 2), d(2025, 11, 30))}}},
		{"150007", member.Member{ID: "150007", FirstName: "Nataša", LastName: "Brez",
			Roles: []member.Role{role(1, 3126, d(2025, 10, 1), d(2025, 12, 31))}}},
		{"150008", member.Member{ID: "150008", Email: "tjasa@example.si", RawEmail: "tjasa@example.si", FirstName: "Tjaša", LastName: "Napaka",
			Roles:    []member.Role{role(1, 3126, d(2025, 10, 1), member.Date{})},
			Problems: []string{`Tjaša Napaka member 150008 <tjasa@example.si>: organisation 1 role 3126: EndDate: date "31.12.2025": not a date (want YYYY-MM-DD, optionally with time and offset)`}}},
	}
	for _, tt := range tests {
		got, ok := by[tt.id]
		if !ok {
			t.Errorf("member %s missing", tt.id)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("member %s\n got %+v\nwant %+v", tt.id, got, tt.want)
		}
	}
	if emu.Exports() != 1 {
		t.Errorf("emulator answered %d exports, want 1", emu.Exports())
	}
}

func TestOrganisationInfo(t *testing.T) {
	emu := startEmulator(t, csemu.Config{})
	c := newClient(t, emu.URL)
	orgs, err := c.OrganisationInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Organisation{
		{ID: 1, Name: "Fitnes Center",
			Roles:    []RoleType{{ID: 3126, Name: "Mesečna karta", Description: "Monthly membership"}, {ID: 3127, Name: "Letna karta"}},
			Children: []Organisation{{ID: 2, Name: "Sub club"}},
			Units:    []Unit{{ID: 5, Value: "Youth", OrganisationID: 1}}},
		{ID: 2, Name: "Sub club", Roles: []RoleType{{ID: 4100, Name: "Otroci"}}},
		{ID: 9, Name: "Other club", Roles: []RoleType{{ID: 9001, Name: "Guest"}}},
	}
	if !reflect.DeepEqual(orgs, want) {
		t.Errorf("organisations\n got %+v\nwant %+v", orgs, want)
	}
	if got := Subtree(orgs, 1); !reflect.DeepEqual(got, []int{1, 2}) {
		t.Errorf("Subtree(1) = %v, want [1 2]", got)
	}
	if o, ok := Find(orgs, 2); !ok || o.Name != "Sub club" {
		t.Errorf("Find(2) = %+v, %v", o, ok)
	}
}

func TestDecodeOrganisationInfoFixtures(t *testing.T) {
	orgs, err := DecodeOrganisationInfo(bytes.NewReader(readFixture(t, "info-spec-example.xml")))
	if err != nil {
		t.Fatal(err)
	}
	want := []Organisation{{ID: 1, Name: "Fitnes Center",
		Roles:    []RoleType{{ID: 3126, Name: "Mesečna karta", Description: "Monthly membership"}, {ID: 3127, Name: "Letna karta"}},
		Children: []Organisation{{ID: 2, Name: "Sub club"}},
		Units:    []Unit{{ID: 5, Value: "Youth", OrganisationID: 1}}}}
	if !reflect.DeepEqual(orgs, want) {
		t.Errorf("got %+v\nwant %+v", orgs, want)
	}
	tests := []struct {
		name, doc string
		wantErr   error
		errHas    string
	}{
		{"bad role id", string(readFixture(t, "info-bad-id.xml")), ErrMalformed, `organisation 1 (Fitnes Center): role "Mesečna karta": Id: "31x6" is not a number`},
		{"missing organisation id", `<Cardskipper><Organisations><Organisation Name="X"/></Organisations></Cardskipper>`, ErrMalformed, `organisation "X": Id: missing`},
		{"truncated", `<Cardskipper><Organisations><Organisation Id="1" Name="X">`, ErrTruncated, "organisation info truncated"},
		{"wrong root", `<Organisations/>`, ErrMalformed, "root element is <Organisations>"},
		{"html", string(readFixture(t, "export-aspnet-error.html")), ErrHTML, "Object reference"},
		{"empty", ``, ErrNotXML, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orgs, err := DecodeOrganisationInfo(strings.NewReader(tt.doc))
			if err == nil || !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("error %v; want %v saying %q", err, tt.wantErr, tt.errHas)
			}
			if orgs != nil {
				t.Error("organisations returned with the error")
			}
		})
	}
	if ids := Subtree([]Organisation{{ID: 1, Children: []Organisation{{ID: 2}}}, {ID: 2, Children: []Organisation{{ID: 3}, {ID: 1}}}}, 1); !reflect.DeepEqual(ids, []int{1, 2, 3}) {
		t.Errorf("Subtree over references with a cycle = %v, want [1 2 3]", ids)
	}
	if ids := Subtree(nil, 7); !reflect.DeepEqual(ids, []int{7}) {
		t.Errorf("Subtree of an unknown id = %v", ids)
	}
}

// TestAuthFailures: wrong credentials and a missing per-call right.
func TestAuthFailures(t *testing.T) {
	t.Run("wrong password", func(t *testing.T) {
		emu := startEmulator(t, csemu.Config{})
		c := newClient(t, emu.URL, func(c *Config) { c.Password = "wrong-" + testPassword })
		_, err := c.Export(context.Background(), ExportQuery{OrganisationID: 1})
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("error %v, want ErrAuth", err)
		}
		var se *StatusError
		if !errors.As(err, &se) || se.Status != http.StatusUnauthorized {
			t.Fatalf("error %v is not a 401 StatusError", err)
		}
		msg := err.Error()
		if !strings.Contains(msg, `cardskipper: member export: HTTP 401 Unauthorized: credentials rejected for user "api-admin"`) {
			t.Errorf("message %q", msg)
		}
		noSecret(t, msg)
		if strings.Contains(msg, "wrong-") {
			t.Errorf("the wrong password appears in %q", msg)
		}
		if Retryable(err) {
			t.Error("an auth failure is retryable")
		}
		if emu.Exports() != 0 {
			t.Error("export answered")
		}
	})
	t.Run("403 for export while info works", func(t *testing.T) {
		emu := startEmulator(t, csemu.Config{DeniedCalls: []string{"/Member/Export/"}})
		c := newClient(t, emu.URL)
		if _, err := c.OrganisationInfo(context.Background()); err != nil {
			t.Fatalf("organisation info: %v", err)
		}
		_, err := c.Export(context.Background(), ExportQuery{OrganisationID: 1})
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("error %v, want ErrAuth", err)
		}
		if want := `HTTP 403 Forbidden: the account "api-admin" lacks the API right for Member/Export`; !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not say %q", err, want)
		}
		noSecret(t, err.Error())
	})
	t.Run("403 for info while export works", func(t *testing.T) {
		emu := startEmulator(t, csemu.Config{DeniedCalls: []string{"/organisation/info"}})
		c := newClient(t, emu.URL)
		if _, err := c.Export(context.Background(), ExportQuery{OrganisationID: 1}); err != nil {
			t.Fatalf("export: %v", err)
		}
		_, err := c.OrganisationInfo(context.Background())
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "cardskipper: organisation info: HTTP 403 Forbidden: the account \"api-admin\" lacks the API right for Organisation/Info") {
			t.Fatalf("error %v", err)
		}
	})
}

// serve starts a loopback server with handler h.
func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// TestBadReplies: every way a reply can be unusable fails the export with a
// message that says which, and returns no members.
func TestBadReplies(t *testing.T) {
	zone := ljubljana(t)
	doc := exportDocument(t, genMembers(40, time.Date(2025, 10, 1, 0, 0, 0, 0, zone)))
	page := readFixture(t, "export-aspnet-error.html")
	// cut is where the document is cut: inside the 11th member.
	cut := bytes.Index(doc, []byte(`OrganisationMemberId="150010"`))

	tests := []struct {
		name      string
		handler   http.HandlerFunc
		maxBody   int64
		wantErr   error
		errHas    []string
		retryable bool
	}{
		{name: "HTML error page with 500",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(500)
				w.Write(page)
			},
			errHas:    []string{"HTTP 500 Internal Server Error (server says: Object reference not set to an instance of an object.)"},
			retryable: true},
		{name: "HTML page with 200",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Write(page)
			},
			wantErr: ErrHTML, errHas: []string{`the reply is an HTML page, not XML (title "Object reference not set to an instance of an object.")`}},
		{name: "HTML page declared as XML",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/xml")
				w.Write(page)
			},
			wantErr: ErrHTML, errHas: []string{"Object reference"}},
		{name: "XML labelled text/html is believed",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Write(doc[:cut])
			},
			wantErr: ErrTruncated, errHas: []string{"after 10 members"}, retryable: true},
		{name: "plain text garbage",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				io.WriteString(w, "Maintenance until 22:00\n")
			},
			wantErr: ErrNotXML, errHas: []string{`it starts with "Maintenance until 22:00\n"`}},
		{name: "JSON",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				io.WriteString(w, `{"Message":"An error has occurred."}`)
			},
			wantErr: ErrNotXML, errHas: []string{"it is JSON"}},
		{name: "empty 200",
			handler: func(w http.ResponseWriter, _ *http.Request) {},
			wantErr: ErrNotXML, errHas: []string{"it is empty"}},
		{name: "stream cut, connection closed",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				// Promise the whole document, send part, drop the line.
				w.Header().Set("Content-Length", fmt.Sprint(len(doc)))
				w.Write(doc[:cut])
				hijackClose(w)
			},
			wantErr: ErrTruncated, errHas: []string{"export truncated after 10 members, the last one member 150009"}, retryable: true},
		{name: "stream cut, chunked end",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Write(doc[:cut])
				w.(http.Flusher).Flush()
			},
			wantErr: ErrTruncated, errHas: []string{"export truncated after 10 members"}, retryable: true},
		{name: "malformed",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Write(bytes.Replace(doc, []byte(`<Member MemberId="200020"`), []byte(`<Member MemberId="200020" Firstname=Unquoted`), 1))
			},
			wantErr: ErrMalformed, errHas: []string{"malformed XML at line", "after 20 members, the last one member 150019", "unquoted or missing attribute value"}},
		{name: "wrong root",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				io.WriteString(w, `<?xml version="1.0"?><Error><Message>Authorization has been denied</Message></Error>`)
			},
			wantErr: ErrMalformed, errHas: []string{"the root element is <Error>"}},
		{name: "too large, streamed",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Write(doc[:len(doc)/2])
				w.(http.Flusher).Flush()
				w.Write(doc[len(doc)/2:])
			},
			maxBody: 16 << 10,
			wantErr: ErrTooLarge, errHas: []string{"reply too large: more than 16 KiB"}},
		{name: "too large, by Content-Length",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(len(doc)))
				w.Write(doc)
			},
			maxBody: 16 << 10,
			wantErr: ErrTooLarge, errHas: []string{fmt.Sprintf("Content-Length %d is over the limit of 16 KiB", len(doc))}},
		{name: "503 text",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
			},
			errHas: []string{"HTTP 503 Service Unavailable (server says: Service Unavailable)"}, retryable: true},
		{name: "400 echoing the credentials",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(400)
				fmt.Fprintf(w, "bad request from %s with %s", testPassword, r.Header.Get("Authorization"))
			},
			errHas: []string{"HTTP 400 Bad Request (server says: bad request from [redacted] with Basic [redacted])"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, serve(t, tt.handler), func(c *Config) { c.MaxBody = tt.maxBody })
			ms, err := c.Export(context.Background(), ExportQuery{OrganisationID: 1})
			if err == nil {
				t.Fatalf("no error; %d members", len(ms))
			}
			if ms != nil {
				t.Errorf("%d members returned with the error", len(ms))
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %q is not %v", err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "cardskipper: member export: ") {
				t.Errorf("error %q lacks context", err)
			}
			for _, s := range tt.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if got := Retryable(err); got != tt.retryable {
				t.Errorf("Retryable = %v, want %v", got, tt.retryable)
			}
			noSecret(t, err.Error())
		})
	}
}

// hijackClose drops the connection without finishing the response.
func hijackClose(w http.ResponseWriter) {
	w.(http.Flusher).Flush()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

// TestEmulatorFaults: the emulator's injected faults reach the client as the
// right kinds of error.
func TestEmulatorFaults(t *testing.T) {
	tests := []struct {
		fault     emulator.Fault
		wantErr   error
		errHas    string
		retryable bool
	}{
		{emulator.FaultGarbage, ErrHTML, `title "Runtime Error"`, false},
		{emulator.Fault5xx, nil, "HTTP 503", true},
		{emulator.FaultReset, nil, "EOF", true},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			faults := emulator.NewFaults(1)
			emu := startEmulator(t, csemu.Config{Faults: faults})
			emu.SetMembers(genMembers(3, time.Time{}))
			c := newClient(t, emu.URL)
			faults.Next(tt.fault)
			_, err := c.Export(context.Background(), ExportQuery{OrganisationID: 1})
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("error %v; want %v saying %q", err, tt.wantErr, tt.errHas)
			}
			if Retryable(err) != tt.retryable {
				t.Errorf("Retryable(%v) = %v", err, !tt.retryable)
			}
			// The next call, without a fault, works.
			ms, err := c.Export(context.Background(), ExportQuery{OrganisationID: 1})
			if err != nil || len(ms) != 3 {
				t.Fatalf("after the fault: %d members, %v", len(ms), err)
			}
		})
	}
}

func TestExportHonoursContext(t *testing.T) {
	faults := emulator.NewFaults(1)
	faults.SetLatency(5 * time.Second)
	// The log reads the request body, which lets the server notice the
	// client going away (net/http watches the connection only after the
	// body was read) and end the emulated latency early.
	emu := startEmulator(t, csemu.Config{Faults: faults, Log: &emulator.RequestLog{}})
	c := newClient(t, emu.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Export(ctx, ExportQuery{OrganisationID: 1})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the deadline", err)
	}
	ctx1, cancel1 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel1()
	if _, err := c.OrganisationInfo(ctx1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("organisation info: error %v, want the deadline", err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := c.Export(ctx2, ExportQuery{OrganisationID: 1}); !errors.Is(err, context.Canceled) || Retryable(err) {
		t.Fatalf("cancelled: %v (retryable %v)", err, Retryable(err))
	}
}

// TestRequestHeaders: Basic auth, Accept-Language, Content-Type, paths.
func TestRequestHeaders(t *testing.T) {
	var mu sync.Mutex
	var got []*http.Request
	emu := startEmulator(t, csemu.Config{})
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Clone(context.Background()))
		mu.Unlock()
		emu.ServeHTTP(w, r)
	})
	for _, lang := range []string{"", "sv"} {
		c := newClient(t, url+"/", func(c *Config) { c.Language = lang })
		if _, err := c.Export(context.Background(), ExportQuery{OrganisationID: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.OrganisationInfo(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 4 {
		t.Fatalf("%d requests", len(got))
	}
	for i, r := range got {
		wantLang := "en"
		if i >= 2 {
			wantLang = "sv"
		}
		u, p, ok := r.BasicAuth()
		if !ok || u != testUser || p != testPassword {
			t.Errorf("request %d: Basic auth %q/%v", i, u, ok)
		}
		if l := r.Header.Get("Accept-Language"); l != wantLang {
			t.Errorf("request %d: Accept-Language %q, want %q", i, l, wantLang)
		}
		switch i % 2 {
		case 0:
			if r.Method != "POST" || r.URL.Path != "/Member/Export/" || r.Header.Get("Content-Type") != "application/xml" {
				t.Errorf("export sent as %s %s %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			}
		case 1:
			if r.Method != "GET" || r.URL.Path != "/Organisation/Info/" {
				t.Errorf("info sent as %s %s", r.Method, r.URL.Path)
			}
		}
	}
}

func TestBasePath(t *testing.T) {
	emu := startEmulator(t, csemu.Config{})
	var path string
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/api")
		emu.ServeHTTP(w, r)
	})
	c := newClient(t, url+"/api//")
	if _, err := c.OrganisationInfo(context.Background()); err != nil {
		t.Fatal(err)
	}
	if path != "/api/Organisation/Info/" {
		t.Errorf("path %q", path)
	}
}

func TestNewValidates(t *testing.T) {
	zone := ljubljana(t)
	ok := Config{BaseURL: "https://api.cardskipper.se", Username: "u", Password: testPassword, Zone: zone}
	tests := []struct {
		name   string
		mod    func(*Config)
		errHas string
	}{
		{"no URL", func(c *Config) { c.BaseURL = " " }, "no base URL"},
		{"ftp", func(c *Config) { c.BaseURL = "ftp://x" }, "want an http or https URL"},
		{"no host", func(c *Config) { c.BaseURL = "https://" }, "no host"},
		{"credentials in URL", func(c *Config) { c.BaseURL = "https://u:" + testPassword + "@api.cardskipper.se" }, "not in the URL"},
		{"query", func(c *Config) { c.BaseURL = "https://api.cardskipper.se/?x=1" }, "query"},
		{"no user", func(c *Config) { c.Username = "" }, "no username"},
		{"no password", func(c *Config) { c.Password = "" }, `no password for user "u"`},
		{"no zone", func(c *Config) { c.Zone = nil }, "no time zone"},
		{"negative bound", func(c *Config) { c.MaxBody = -1 }, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mod(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("error %v, want one saying %q", err, tt.errHas)
			}
			noSecret(t, err.Error())
		})
	}
	c, err := New(ok)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{c.String(), fmt.Sprint(ok), fmt.Sprintf("%+v", ok), fmt.Sprintf("%#v", ok)} {
		noSecret(t, s)
	}
	if _, err := c.Export(context.Background(), ExportQuery{}); err == nil || !strings.Contains(err.Error(), "organisation id 0") {
		t.Errorf("export without organisation: %v", err)
	}
}

func TestNetworkErrorNamesNoSecret(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c := newClient(t, "http://"+addr)
	_, err = c.Export(context.Background(), ExportQuery{OrganisationID: 1})
	if err == nil || !Retryable(err) {
		t.Fatalf("error %v, want a retryable one", err)
	}
	noSecret(t, err.Error())
}
