package cli

// The identity attacks of issue 10, end to end: two --auto runs against the
// emulators with a member's data changed in between, asserting what was
// written to which account, what was held, the exit code and the
// notification.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	csemu "github.com/doorsync/doorsync/internal/emulator/cardskipper"
	"github.com/doorsync/doorsync/internal/emulator/dataset"
	hikemu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	"github.com/doorsync/doorsync/internal/exitcode"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/tui"
)

// identitySite is a site whose Cardskipper and terminals hold only what the
// test puts there, with a webhook to catch the notifications.
type identitySite struct {
	*e2eSite
	hook  *e2eWebhook
	term  *hikemu.Terminal // entrance
	today member.Date
}

func startIdentitySite(t *testing.T) *identitySite {
	t.Helper()
	e := startE2ESite(t, 10, 1010)
	hook := startE2EWebhook(t)
	e.appendConfig(t, fmt.Sprintf("[notify]\nwebhook = %q", hook.url()))
	_, entrance := e.terminal(t, "entrance")
	_, gym := e.terminal(t, "gym")
	gym.SetPersons(nil)
	return &identitySite{e2eSite: e, hook: hook, term: entrance, today: member.DateOf(e.Clock.Now(), e.Zone)}
}

// member is a Cardskipper member with one monthly role ending on end (a day
// relative to today).
func (s *identitySite) member(id, first, last, email string, endInDays int) csemu.Member {
	return csemu.Member{OrganisationMemberID: id, FirstName: first, LastName: last, Email: email,
		Roles: []csemu.MemberRole{{OrganisationID: dataset.OrganisationID, RoleID: dataset.RoleMonthly,
			StartDate: s.today.AddDays(-200).String() + "T00:00:00", EndDate: s.today.AddDays(endInDays).String() + "T00:00:00"}}}
}

// person is a terminal account ending at the end of the day endInDays from
// today, carrying email in its extension field.
func (s *identitySite) person(id, name, email string, endInDays int) hikemu.Person {
	p := hikemu.Person{EmployeeNo: id, Name: name, UserType: "normal", NumOfFace: 1,
		Valid: hikemu.Valid{Enable: true, BeginTime: "2020-01-01T00:00:00", TimeType: "local",
			EndTime: s.end(endInDays)}}
	if email != "" {
		p.Extends = []hikemu.Extend{{Value: email}}
	}
	return p
}

func (s *identitySite) end(inDays int) string {
	return s.today.AddDays(inDays).EndOfDay(s.Zone).Format(e2eTerminalLayout)
}

func (s *identitySite) endOf(t *testing.T, account string) string {
	t.Helper()
	p, ok := s.term.Person(account)
	if !ok {
		t.Fatalf("account %s is gone from entrance", account)
	}
	return p.Valid.EndTime
}

// auto runs --auto and returns its exit code and output.
func (s *identitySite) auto(t *testing.T) run {
	t.Helper()
	r := s.run(t, "--auto")
	if r.code == exitcode.Usage || r.code == exitcode.Failed {
		t.Fatalf("--auto: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return r
}

// lastNotification is the webhook body of the last run that notified.
func (s *identitySite) lastNotification(t *testing.T) e2eWebhookPayload {
	t.Helper()
	calls := s.hook.calls()
	if len(calls) == 0 {
		t.Fatal("no notification was sent")
	}
	var p e2eWebhookPayload
	if err := json.Unmarshal(calls[len(calls)-1].body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (s *identitySite) item(t *testing.T, memberID, account string) plan.Item {
	t.Helper()
	for _, it := range s.plan(t).Items {
		if it.Target == "entrance" && it.MemberID == memberID && it.Account == account {
			return it
		}
	}
	t.Fatalf("no item of member %s on entrance account %s", memberID, account)
	return plan.Item{}
}

func TestIdentityTakeoverOfAnExpiredAccountIsHeld(t *testing.T) {
	for _, tt := range []struct {
		name     string
		own      bool   // the attacker has an account of their own
		held     string // the item that is held, by account
		identity string
	}{
		{name: "member with an account of their own", own: true, held: "3005",
			identity: "the e-mail franc.friend@example.si of Ana Novak (member 1001) now also finds this account (no member's at the last run), but their account here is 3001 (Ana Novak)"},
		{name: "member without an account", held: "3005",
			identity: "account 3005 (Franc Friend) was no member's at the last run; now Ana Novak (member 1001) claims it through the e-mail franc.friend@example.si found on the terminal; name differs: Ana Novak ≠ Franc Friend"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := startIdentitySite(t)
			ana := s.member("1001", "Ana", "Novak", "ana@example.si", 40)
			s.CardskipperServer.SetMembers([]csemu.Member{ana})
			persons := []hikemu.Person{s.person("3005", "Franc Friend", "franc.friend@example.si", -100)}
			if tt.own {
				persons = append(persons, s.person("3001", "Ana Novak", "ana@example.si", 40))
			}
			s.term.SetPersons(persons)
			if r := s.auto(t); r.code != exitcode.OK {
				t.Fatalf("first run: exit %d, want 0\n%s", r.code, r.stdout)
			}

			// Ana renews and takes Franc's old address.
			ana.Email = "franc.friend@example.si"
			ana.Roles[0].EndDate = s.today.AddDays(90).String() + "T00:00:00"
			s.CardskipperServer.Upsert(ana)
			owner := "1001"
			if tt.own {
				owner = "" // the account Ana's e-mail also finds is not hers
			}
			it := s.item(t, owner, tt.held)
			if !strings.HasPrefix(it.Identity, tt.identity) || it.Auto {
				t.Fatalf("item on %s: identity %q (auto %v)\nwant %q", tt.held, it.Identity, it.Auto, tt.identity)
			}
			if text := s.run(t, "plan").stdout; !strings.Contains(text, "IDENTITY CHANGED: 1 items held") || !strings.Contains(text, "identity: "+firstWords(tt.identity, 8)) {
				t.Errorf("plan does not show the identity change first:\n%s", text)
			}
			r := s.auto(t)
			if r.code != exitcode.Held {
				t.Fatalf("second run: exit %d, want 4 (held)\n%s", r.code, r.stdout)
			}
			if got := s.endOf(t, "3005"); got != s.end(-100) {
				t.Errorf("Franc's expired account 3005 was written: ends %s", got)
			}
			if tt.own {
				// Her own account is hers by member id: her renewal goes on.
				if got := s.endOf(t, "3001"); got != s.end(90) {
					t.Errorf("Ana's own account 3001 ends %s, want her renewal %s", got, s.end(90))
				}
			}
			n := s.lastNotification(t)
			if n.Outcome != "held" || len(n.Identity) != 1 || !strings.Contains(n.Identity[0], tt.identity) {
				t.Errorf("notification: outcome %q, identity %q; want held naming %q", n.Outcome, n.Identity, tt.identity)
			}
			if !strings.Contains(r.stdout, "(1 identity change)") {
				t.Errorf("the run's summary does not count the identity change:\n%s", r.stdout)
			}
		})
	}
}

func TestIdentityConfirmedLinkFollowsTheMember(t *testing.T) {
	s := startIdentitySite(t)
	maja := s.member("2001", "Maja", "Novak", "maja@example.si", 30)
	katja := s.member("2002", "Katja", "Kos", "katja@example.si", 60)
	s.CardskipperServer.SetMembers([]csemu.Member{maja, katja})
	s.term.SetPersons([]hikemu.Person{s.person("3004", "Maja Linked", "", 30)})
	if r := s.run(t, "links", "add", "maja@example.si", "entrance", "3004"); r.code != 0 ||
		!strings.Contains(r.stdout, "linked maja@example.si (member 2001, Maja Novak) → entrance account 3004 (Maja Linked)") {
		t.Fatalf("links add: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := s.auto(t); r.code != exitcode.OK {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stdout)
	}

	// Maja moves to a new address and renews; Katja takes maja@ and renews
	// for longer.
	maja.Email = "maja.new@example.si"
	maja.Roles[0].EndDate = s.today.AddDays(45).String() + "T00:00:00"
	katja.Email = "maja@example.si"
	katja.Roles[0].EndDate = s.today.AddDays(200).String() + "T00:00:00"
	s.CardskipperServer.SetMembers([]csemu.Member{maja, katja})
	r := s.auto(t)
	if r.code != exitcode.OK {
		t.Fatalf("second run: exit %d, want 0 (Maja's renewal applied as usual)\n%s", r.code, r.stdout)
	}
	if got := s.endOf(t, "3004"); got != s.end(45) {
		t.Fatalf("Maja's account 3004 ends %s, want Maja's %s (Katja's would be %s)", got, s.end(45), s.end(200))
	}
	// The e-mail change is in the run's record.
	h := s.run(t, "history", "--run", "2")
	if !strings.Contains(h.stdout, "e-mail changed from maja@example.si to maja.new@example.si: same member, same account") {
		t.Errorf("history of run 2 does not note Maja's e-mail change:\n%s", h.stdout)
	}
	// Katja is told whose account her address finds.
	p := s.plan(t)
	for _, it := range p.Items {
		if it.MemberID == "2002" && it.Target == "entrance" {
			if it.Kind != plan.Missing || it.Account != "" || !strings.Contains(it.Reason, "which is member 2001's by a confirmed link") {
				t.Errorf("Katja on entrance: %s account %q: %s", it.Kind, it.Account, it.Reason)
			}
		}
	}
}

// startLapsedBorisSite: Boris's membership ended ten days ago while his
// account 3007 is valid for forty more (a revoke, held); Vida is in sync.
func startLapsedBorisSite(t *testing.T) (*identitySite, csemu.Member) {
	t.Helper()
	s := startIdentitySite(t)
	s.raiseGuard(t)
	boris := s.member("3001", "Boris", "Lap", "boris@example.si", -10)
	s.CardskipperServer.SetMembers([]csemu.Member{boris, s.member("3002", "Vida", "Dolenc", "vida@example.si", 20)})
	s.term.SetPersons([]hikemu.Person{s.person("3007", "Boris Lap", "boris@example.si", 40),
		s.person("3008", "Vida Dolenc", "vida@example.si", 20)})
	return s, boris
}

func TestIdentityRevokeCannotBeDodgedByAnEmailChange(t *testing.T) {
	s, boris := startLapsedBorisSite(t)
	if r := s.auto(t); r.code != exitcode.Held {
		t.Fatalf("first run: exit %d, want 4 (Boris's revoke held)\n%s", r.code, r.stdout)
	}

	for _, email := range []string{"boris.new@example.si", ""} {
		was := boris.Email
		boris.Email = email
		s.CardskipperServer.Upsert(boris)
		it := s.item(t, "3001", "3007")
		if it.Kind != plan.Revoke || it.Auto {
			t.Fatalf("e-mail %q: Boris's account 3007 is %s (auto %v): %s", email, it.Kind, it.Auto, it.Reason)
		}
		if it.EmailWas != member.Email(was) || !strings.Contains(it.Reason, was) {
			t.Errorf("e-mail %q: the revoke's reason does not name the change: %s", email, it.Reason)
		}
		r := s.auto(t)
		if r.code != exitcode.Held {
			t.Fatalf("e-mail %q: exit %d, want 4 (the revoke still held)\n%s", email, r.code, r.stdout)
		}
		if got := s.endOf(t, "3007"); got != s.end(40) {
			t.Errorf("held revoke was written: 3007 ends %s", got)
		}
		if n := s.lastNotification(t); n.Outcome != "held" {
			t.Errorf("e-mail %q: notification outcome %q, want held", email, n.Outcome)
		}
	}
}

func TestIdentityLookalikeEmailsAreInvalid(t *testing.T) {
	s := startIdentitySite(t)
	s.CardskipperServer.SetMembers([]csemu.Member{
		s.member("4001", "Karl", "Kos", "\u212Aarl@example.si", 90),    // Kelvin sign
		s.member("4002", "Zala", "Zorko", "za\u200Bla@example.si", 90), // zero-width space
		s.member("4003", "Rok", "Rus", "rok\u202E@example.si", 90),     // right-to-left override
		s.member("4004", "Ana", "Hren", "ana.hren@example.si", 90),     // the control
	})
	s.term.SetPersons([]hikemu.Person{
		s.person("3101", "Karl Kos", "karl@example.si", 10),
		s.person("3102", "Zala Zorko", "zala@example.si", 10),
		s.person("3103", "Rok Rus", "rok@example.si", 10),
		s.person("3104", "Ana Hren", "ana.hren@example.si", 10),
	})
	p := s.plan(t)
	invalid := map[string]bool{}
	for _, it := range p.Items {
		if it.Kind == plan.Invalid {
			invalid[it.MemberID] = true
		}
	}
	for _, id := range []string{"4001", "4002", "4003"} {
		if !invalid[id] {
			t.Errorf("member %s with a look-alike e-mail is not invalid", id)
		}
	}
	s.auto(t)
	for acc, want := range map[string]string{"3101": s.end(10), "3102": s.end(10), "3103": s.end(10), "3104": s.end(90)} {
		if got := s.endOf(t, acc); got != want {
			t.Errorf("account %s ends %s, want %s", acc, got, want)
		}
	}
}

func TestLinksAddAnchorsTheLinkToOneMember(t *testing.T) {
	s := startIdentitySite(t)
	s.CardskipperServer.SetMembers([]csemu.Member{
		s.member("5001", "Katja", "Kos", "katja@example.si", 60),
		s.member("5002", "Mama", "Kralj", "family@example.si", 60),
		s.member("5003", "Sin", "Kralj", "family@example.si", 60),
	})
	s.term.SetPersons([]hikemu.Person{
		s.person("3201", "Maja Linked", "", 10),
		s.person("3202", "Sin Kralj", "", 10),
		s.person("3203", "Nobody Yet", "", 10),
		s.person("3204", "Not Yet Signed", "", 10),
	})
	for _, tt := range []struct {
		args    []string
		code    int
		out     string // in stdout (linked) or stderr (refused)
		member  string // the member id stored, when linked
		account string
	}{
		{args: []string{"katja@example.si", "entrance", "3201"}, code: exitcode.Failed,
			out: "names differ: Katja Kos ≠ Maja Linked (member 5001, account 3201 on entrance); if they are the same person, add --force"},
		{args: []string{"family@example.si", "entrance", "3202"}, code: exitcode.Failed,
			out: "2 members share the e-mail family@example.si: 5002 (Mama Kralj), 5003 (Sin Kralj); say which with --member"},
		{args: []string{"katja@example.si", "entrance", "3202", "--member", "5003"}, code: exitcode.Failed,
			out: "member 5003 (Sin Kralj) has the e-mail family@example.si, not katja@example.si"},
		{args: []string{"new@example.si", "entrance", "3203"}, code: exitcode.Failed,
			out: "no member in Cardskipper has the e-mail new@example.si; add --force to link it anyway"},
		{args: []string{"katja@example.si", "entrance", "9999", "--force"}, code: exitcode.Failed,
			out: "there is no account 9999 on entrance"},
		{args: []string{"family@example.si", "entrance", "3202", "--member", "5003"}, code: exitcode.OK,
			out: "linked family@example.si (member 5003, Sin Kralj) → entrance account 3202 (Sin Kralj)", member: "5003", account: "3202"},
		{args: []string{"katja@example.si", "entrance", "3202"}, code: exitcode.Failed,
			out: "account 3202 on entrance is Sin Kralj's (member 5003, family@example.si): linking it to Katja Kos (member 5001) takes it from them; add --force to do so"},
		{args: []string{"katja@example.si", "entrance", "3201", "--force"}, code: exitcode.OK,
			out: "linked katja@example.si (member 5001, Katja Kos) → entrance account 3201 (Maja Linked)", member: "5001", account: "3201"},
		{args: []string{"new@example.si", "entrance", "3203", "--force"}, code: exitcode.OK,
			out: "no member in Cardskipper has the e-mail new@example.si; linked anyway (--force)", account: "3203"},
		{args: []string{"katja@example.si", "entrance", "3204", "--member", "9999"}, code: exitcode.Failed,
			out: "no member 9999 in Cardskipper; add --force to link it anyway"},
		{args: []string{"family@example.si", "entrance", "3204", "--force"}, code: exitcode.Failed,
			out: "2 members share the e-mail family@example.si"},
		{args: []string{"signup@example.si", "entrance", "3204", "--member", "9999", "--force"}, code: exitcode.OK,
			out: "linked signup@example.si → entrance account 3204 (Not Yet Signed)", account: "3204", member: "9999"},
	} {
		r := s.run(t, append([]string{"links", "add"}, tt.args...)...)
		if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.out) {
			t.Errorf("links add %s: exit %d\n%s%s\nwant exit %d with %q", strings.Join(tt.args, " "), r.code, r.stdout, r.stderr, tt.code, tt.out)
		}
	}
	r := s.run(t, "links", "list", "--log-format", "json")
	var links []struct{ Email, Account, MemberID, MemberName, AccountName string }
	if err := json.Unmarshal([]byte(r.stdout), &links); err != nil || len(links) != 4 {
		t.Fatalf("links list: %v\n%s", err, r.stdout)
	}
	want := map[string][3]string{"3201": {"5001", "Katja Kos", "Maja Linked"}, "3202": {"5003", "Sin Kralj", "Sin Kralj"}, "3203": {"", "", ""}, "3204": {"9999", "", ""}}
	for _, l := range links {
		if w := want[l.Account]; [3]string{l.MemberID, l.MemberName, l.AccountName} != w {
			t.Errorf("link to %s: member %q names %q/%q, want %v", l.Account, l.MemberID, l.MemberName, l.AccountName, w)
		}
	}
	// Katja's link was forced after the names were shown: her renewal is
	// not held for the names.
	if it := s.item(t, "5001", "3201"); it.Identity != "" || !it.Auto {
		t.Errorf("Katja's confirmed link is held: %s (auto %v)", it.Reason, it.Auto)
	}
}

// In watch mode too: a member who removes their e-mail keeps their account,
// and the pass that sees the change holds the revoke with the change named.
func TestIdentityWatchKeepsTheAccountOfAMemberWhoseEmailWent(t *testing.T) {
	s, boris := startLapsedBorisSite(t)
	app, out, _ := newTestApp(s.Clock, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- app.Run(ctx, []string{"watch", "--config", s.cfg, "--interval", "1s", "--overlap", "1s"})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	waitFor(t, 30*time.Second, func() bool { return strings.Contains(out.String(), "run 1") }, "the start-up reconcile")

	boris.Email = ""
	s.CardskipperServer.Upsert(boris)
	var history string
	waitFor(t, 30*time.Second, func() bool {
		history = s.run(t, "history", "--run", "2").stdout
		return strings.Contains(history, "was removed in Cardskipper")
	}, "the pass that sees Boris's e-mail go")
	if !strings.Contains(history, "revoke") || !strings.Contains(history, "held") {
		t.Errorf("the pass does not hold Boris's revoke:\n%s", history)
	}
	if got := s.endOf(t, "3007"); got != s.end(40) {
		t.Errorf("3007 was written: ends %s", got)
	}
}

// firstWords is the start of a text, for output that wraps or cuts it.
func firstWords(s string, n int) string {
	w := strings.Fields(s)
	return strings.Join(w[:min(n, len(w))], " ")
}

// An identity change with nothing to write is settled by approving it in
// the console: the next run neither holds nor notifies it again, and the
// account the member's e-mail also finds is never written.
func TestIdentityApprovedInTheConsoleIsSettled(t *testing.T) {
	s := startIdentitySite(t)
	ana := s.member("1001", "Ana", "Novak", "ana@example.si", 40)
	katja := s.member("1002", "Katja", "Kos", "katja@example.si", 60)
	s.CardskipperServer.SetMembers([]csemu.Member{ana, katja})
	s.term.SetPersons([]hikemu.Person{s.person("3001", "Ana Novak", "ana@example.si", 40),
		s.person("3005", "Franc Friend", "franc.friend@example.si", -100),
		s.person("3004", "Maja Linked", "katja@example.si", 60)})
	if r := s.auto(t); r.code != exitcode.Held {
		t.Fatalf("first run: exit %d, want 4 (Katja's names differ)\n%s", r.code, r.stdout)
	}
	ana.Email = "franc.friend@example.si"
	s.CardskipperServer.Upsert(ana)

	be := s.consoleBackend(t)
	ctx := context.Background()
	d, err := be.Refresh(ctx, func(tui.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	var approve []string
	for _, it := range d.Plan.Items {
		if it.Identity != "" {
			approve = append(approve, it.ID)
		}
	}
	if len(approve) != 2 {
		t.Fatalf("%d identity changes, want 2 (3005 found by Ana's e-mail, Katja's names)", len(approve))
	}
	res, err := be.Apply(ctx, d.Plan, approve, func(tui.ApplyProgress) {})
	if err != nil || !strings.Contains(res.Summary, "2 identity changes accepted") {
		t.Fatalf("approve: %+v, %v", res, err)
	}
	before := len(s.hook.calls())
	r := s.auto(t)
	if r.code != exitcode.OK {
		t.Fatalf("after the approval: exit %d, want 0\n%s", r.code, r.stdout)
	}
	if n := len(s.hook.calls()); n != before {
		t.Errorf("%d notifications after the approval", n-before)
	}
	if got := s.endOf(t, "3005"); got != s.end(-100) {
		t.Errorf("3005 was written: ends %s", got)
	}
	for _, it := range s.plan(t).Items {
		if it.Identity != "" {
			t.Errorf("still held: %s", it.Reason)
		}
		if it.Account == "3005" && (it.Kind != plan.Unlinked || !strings.Contains(it.Reason, "set the account's e-mail franc.friend@example.si aside")) {
			t.Errorf("3005: %s: %s", it.Kind, it.Reason)
		}
	}
}

// A member whose account left the terminal and whose e-mail now finds
// another is held; approving it in the console writes the new account (the
// gone one is not "their account here" any more).
func TestIdentityAccountLeftThenApprovedInTheConsole(t *testing.T) {
	s := startIdentitySite(t)
	ana := s.member("1001", "Ana", "Novak", "ana@example.si", 90)
	s.CardskipperServer.SetMembers([]csemu.Member{ana})
	s.term.SetPersons([]hikemu.Person{s.person("3001", "Ana Novak", "ana@example.si", 90), s.person("3009", "Ana N.", "", 10)})
	if r := s.auto(t); r.code != exitcode.OK {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stdout)
	}
	// The old face record is deleted; the new one gets her e-mail.
	s.term.SetPersons([]hikemu.Person{s.person("3009", "Ana N.", "ana@example.si", 10)})
	be := s.consoleBackend(t)
	ctx := context.Background()
	d, err := be.Refresh(ctx, func(tui.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	var held plan.Item
	for _, it := range d.Plan.Items {
		if it.Identity != "" {
			held = it
		}
	}
	if held.Account != "3009" || !strings.Contains(held.Identity, "the member's account here was 3001, no longer on the target") {
		t.Fatalf("held: %+v", held)
	}
	res, err := be.Apply(ctx, d.Plan, []string{held.ID}, func(tui.ApplyProgress) {})
	if err != nil || res.Applied != 1 {
		t.Fatalf("approve: %+v, %v", res, err)
	}
	if got := s.endOf(t, "3009"); got != s.end(90) {
		t.Errorf("3009 ends %s, want Ana's %s", got, s.end(90))
	}
	if r := s.auto(t); r.code != exitcode.OK {
		t.Errorf("after the approval: exit %d\n%s", r.code, r.stdout)
	}
}
