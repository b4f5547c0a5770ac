package service

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/emulator"
	"github.com/doorsync/doorsync/internal/emulator/dataset"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/store"
)

// whyRig is an emulated site after one --auto run (snapshots, resolutions
// and held items stored), with the service over its database.
type whyRig struct {
	*rig
	svc  *Service
	st   *store.Store
	plan plan.Plan // the run's plan
}

// newWhyRig runs --auto once with policy auto (nil: nothing is applied
// unattended, every write is held for approval).
func newWhyRig(t *testing.T, members int, auto []string) *whyRig {
	t.Helper()
	r := newRig(t, members)
	r.cfg.Policy.Auto = auto
	svc, st := r.service(t, "doorsync.db")
	out, _, err := svc.Sync(context.Background(), SyncRequest{Mode: "auto"})
	if err != nil {
		t.Fatal(err)
	}
	return &whyRig{rig: r, svc: svc, st: st, plan: out.Plan}
}

// why asks and checks what every answer must keep: nothing written, no run
// recorded, no lock taken.
func (w *whyRig) why(t *testing.T, email member.Email, timeout time.Duration) backend.WhyReport {
	t.Helper()
	ctx := context.Background()
	runs, err := w.st.Runs(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	logs := []*emulator.RequestLog{w.site.Neyross.Log, w.site.NTK.Log, w.site.Cardskipper.Log}
	for _, ep := range w.site.Terminals {
		logs = append(logs, ep.Log)
	}
	for _, l := range logs {
		l.Reset()
	}
	rep, err := w.svc.WhyWith(ctx, email, WhyOptions{Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	for _, ep := range w.site.Terminals {
		if n := ep.Log.Count(isModify); n != 0 {
			t.Errorf("why wrote %d times to terminal %s", n, ep.Name)
		}
	}
	if n := w.site.Neyross.Log.Count(func(q emulator.Request) bool { return strings.Contains(q.Path, "upsert") }); n != 0 {
		t.Errorf("why wrote %d times to NEYROSS", n)
	}
	if n := w.site.NTK.Log.Count(nil); n != 0 {
		t.Errorf("why sent %d requests to NTK", n)
	}
	if n := w.site.Cardskipper.Log.Count(nil); n != 0 {
		t.Errorf("why asked Cardskipper %d times: it answers from the stored snapshot", n)
	}
	after, err := w.st.Runs(ctx, 100)
	if err != nil || len(after) != len(runs) {
		t.Errorf("why recorded a run: %d runs before, %d after (%v)", len(runs), len(after), err)
	}
	if _, _, locked, err := w.st.CurrentLock(ctx); locked || err != nil {
		t.Errorf("the run lock is held after why (%v)", err)
	}
	return rep
}

// answer is the one target's answer of the one member.
func answerOf(t *testing.T, rep backend.WhyReport, memberID, targetName string) backend.WhyTarget {
	t.Helper()
	for _, m := range rep.Members {
		if m.ID != memberID && memberID != "" {
			continue
		}
		for _, wt := range m.Targets {
			if wt.Target == targetName {
				return wt
			}
		}
	}
	t.Fatalf("no answer for member %s on %s in %+v", memberID, targetName, rep)
	return backend.WhyTarget{}
}

// itemWhere is the first item of the plan that ok accepts.
func itemWhere(t *testing.T, p plan.Plan, what string, ok func(plan.Item) bool) plan.Item {
	t.Helper()
	for _, it := range p.Items {
		if ok(it) {
			return it
		}
	}
	t.Fatalf("the data set has no %s", what)
	return plan.Item{}
}

// A paid member whose person on the entrance has no face but a card gets
// in by card, and the answer says the face is missing: "entrance: no face
// enrolled — gets in by card only" (the review found "does NOT get in"
// beside the door's "card verified"). One with neither on the gym does not
// get in: "gym: no face enrolled and no card".
func TestWhyNoFaceEnrolled(t *testing.T) {
	w := newWhyRig(t, 120, []string{"extend", "reactivate"})
	noFace := w.site.Data.NoFace["entrance"]
	it := itemWhere(t, w.plan, "member in sync on the entrance without a face", func(it plan.Item) bool {
		return it.Target == "entrance" && it.Kind == plan.InSync && slices.Contains(noFace, it.Account) && it.MemberID != ""
	})
	rep := w.why(t, it.Email, time.Minute)
	wt := answerOf(t, rep, it.MemberID, "entrance")
	if want := "entrance: no face enrolled — gets in by card only (1 card)"; wt.Answer != want {
		t.Errorf("answer %q, want %q\nevidence:\n%s", wt.Answer, want, strings.Join(wt.Evidence, "\n"))
	}
	if wt.Status != backend.WhyIn || wt.State != backend.WhyReachable {
		t.Errorf("status %s, state %s", wt.Status, wt.State)
	}
	gymNoFace := w.site.Data.NoFace["gym"]
	onGym := itemWhere(t, w.plan, "member in sync on the gym without face or card", func(it plan.Item) bool {
		return it.Target == "gym" && it.Kind == plan.InSync && slices.Contains(gymNoFace, it.Account) && it.MemberID != ""
	})
	rep = w.why(t, onGym.Email, time.Minute)
	if gym := answerOf(t, rep, onGym.MemberID, "gym"); gym.Status != backend.WhyOut || gym.Answer != "gym: no face enrolled and no card" || rep.GetsIn {
		t.Errorf("gym: %s %q, gets in %v; want out, no face and no card", gym.Status, gym.Answer, rep.GetsIn)
	}
	if a := wt.Account; a == nil || a.Read != "live" || a.Faces == nil || *a.Faces != 0 || a.Cards == nil || *a.Cards != 1 {
		t.Errorf("account %+v: want read live with 0 faces and 1 card", a)
	}
	if !slices.Contains(wt.Evidence, "enrolled: 0 faces, 1 card") {
		t.Errorf("evidence says nothing of the enrolment:\n%s", strings.Join(wt.Evidence, "\n"))
	}
	// In the admin's words: no "in_sync", no "applied unattended: no" of
	// an item that writes nothing (review of issue 13).
	for _, e := range wt.Evidence {
		if strings.Contains(e, "in_sync") || strings.Contains(e, "not_read") || strings.Contains(e, "unattended") {
			t.Errorf("evidence %q speaks the code's words", e)
		}
	}
}

// A renewal held for approval, and the terminal's period ran out meanwhile:
// "gym: expired D; Cardskipper valid to E — extend waiting for approval".
func TestWhyExpiredWhileExtendWaitsForApproval(t *testing.T) {
	w := newWhyRig(t, 120, nil)
	today := member.DateOf(w.clk.Now(), w.site.Zone)
	it := itemWhere(t, w.plan, "extend held on the gym", func(it plan.Item) bool {
		return it.Target == "gym" && it.Kind == plan.Extend && it.Identity == "" && it.MemberID != "" &&
			w.site.Data.Truth[it.MemberID] == dataset.Renewed
	})
	end := member.DateOf(it.CurrentEnd.Time, w.site.Zone)
	// The terminal's period ends; the renewal still waits.
	w.clk.Set(end.AddDays(1).StartOfDay(w.site.Zone).Add(9 * time.Hour))
	if !end.Before(member.DateOf(w.clk.Now(), w.site.Zone)) || end.Before(today) {
		t.Fatalf("terminal end %s, today %s", end, member.DateOf(w.clk.Now(), w.site.Zone))
	}
	rep := w.why(t, it.Email, time.Minute)
	wt := answerOf(t, rep, it.MemberID, "gym")
	want := "gym: expired " + end.String() + "; Cardskipper valid to " + it.SourceEnd.String() + " — extend waiting for approval"
	if wt.Answer != want {
		t.Errorf("answer %q, want %q\nevidence:\n%s", wt.Answer, want, strings.Join(wt.Evidence, "\n"))
	}
	if wt.Status != backend.WhyOut || wt.Pending == nil || wt.Pending.Kind != plan.Extend || wt.Pending.Status != "held" {
		t.Errorf("status %s, pending %+v", wt.Status, wt.Pending)
	}
	if wt.Kind != plan.Reactivate {
		t.Errorf("the plan now says %s, want reactivate (the account has expired)", wt.Kind)
	}
}

// A NEYROSS person that lost its EIS access level is hidden from doorsync,
// which cannot give it one.
func TestWhyNeyrossPersonWithoutEISLevel(t *testing.T) {
	w := newWhyRig(t, 120, []string{"extend", "reactivate"})
	it := itemWhere(t, w.plan, "member with a NEYROSS person", func(it plan.Item) bool {
		return it.Target == "neyross" && it.Account != "" && it.MemberID != "" && it.Kind == plan.InSync
	})
	srv := w.site.NeyrossServer
	persons := srv.Persons()
	for i, p := range persons {
		if p.UUID == it.Account {
			persons[i].AccessLevels = []string{"internal-only"}
		}
	}
	srv.SetPersons(persons)
	rep := w.why(t, it.Email, time.Minute)
	wt := answerOf(t, rep, it.MemberID, "neyross")
	if !strings.HasPrefix(wt.Answer, "neyross: person has no EIS access level, doorsync cannot change it") {
		t.Errorf("answer %q\nevidence:\n%s", wt.Answer, strings.Join(wt.Evidence, "\n"))
	}
	if wt.Status != backend.WhyOut || wt.Account == nil || !wt.Account.Gone {
		t.Errorf("status %s, account %+v", wt.Status, wt.Account)
	}
}

// A member who gets in everywhere; a family sharing an e-mail answered
// per member; an e-mail no member has.
func TestWhyEverywhereFamilyAndUnknown(t *testing.T) {
	w := newWhyRig(t, 120, []string{"extend", "reactivate"})
	var in backend.WhyReport
	for _, it := range w.plan.Items {
		if it.Kind != plan.InSync || it.Target != "entrance" || it.MemberID == "" {
			continue
		}
		if rep := w.why(t, it.Email, time.Minute); rep.GetsIn {
			in = rep
			break
		}
	}
	if !in.GetsIn || len(in.Members) != 1 {
		t.Fatalf("no member of the data set gets in everywhere: %+v", in)
	}
	for _, wt := range in.Members[0].Targets {
		if wt.Status != backend.WhyIn && wt.Status != backend.WhyNotApplicable {
			t.Errorf("%s: %s", wt.Answer, wt.Status)
		}
	}

	var shared member.Email
	for _, m := range w.site.Data.Members {
		if w.site.Data.Truth[m.OrganisationMemberID] == dataset.Shared {
			shared, _ = member.NormalizeEmail(m.Email)
			break
		}
	}
	if shared == "" {
		t.Fatal("the data set has no family sharing an e-mail")
	}
	fam := w.why(t, shared, time.Minute)
	if len(fam.Members) < 2 {
		t.Fatalf("shared e-mail %s: %d members answered, want one per member", shared, len(fam.Members))
	}
	for _, m := range fam.Members {
		if m.ID == "" || len(m.Targets) != len(fam.Members[0].Targets) {
			t.Errorf("member %q answered on %d targets", m.ID, len(m.Targets))
		}
	}

	none := w.why(t, "nobody@example.invalid", time.Minute)
	if none.GetsIn || len(none.Members) != 0 || !strings.HasPrefix(none.Answer, "no Cardskipper member has the e-mail nobody@example.invalid") {
		t.Errorf("unknown e-mail: %+v", none)
	}
}

// A terminal that does not answer in time: the answer falls back to the
// snapshot and says so. A held terminal is never contacted.
func TestWhyTimeoutAndHeldTarget(t *testing.T) {
	w := newWhyRig(t, 60, []string{"extend", "reactivate"})
	it := itemWhere(t, w.plan, "member on the gym", func(it plan.Item) bool {
		return it.Target == "gym" && it.Account != "" && it.MemberID != "" && it.Kind == plan.InSync
	})
	gym := w.terminal(t, "gym")
	gym.Faults.SetLatency(3 * time.Second)
	rep := w.why(t, it.Email, 200*time.Millisecond)
	wt := answerOf(t, rep, it.MemberID, "gym")
	if wt.State != backend.WhyUnreachable || wt.Account == nil || wt.Account.Read != "snapshot" ||
		!strings.Contains(wt.Answer, "(by the snapshot of ") || !strings.Contains(wt.Answer, "terminal gym did not answer)") {
		t.Errorf("gym: state %s, answer %q, account %+v", wt.State, wt.Answer, wt.Account)
	}
	if !slices.ContainsFunc(wt.Evidence, func(e string) bool { return strings.Contains(e, "no answer within 200ms") }) {
		t.Errorf("evidence does not say the read timed out:\n%s", strings.Join(wt.Evidence, "\n"))
	}
	gym.Faults.SetLatency(0)

	// Hold the entrance: its credentials rejected by a run.
	w.setTerminalPassword("entrance", "wrong-pass-1234")
	held, _ := w.service(t, "doorsync.db")
	if _, err := held.Refresh(context.Background(), nop[backend.Progress]); err != nil {
		t.Fatal(err)
	}
	w.svc = held
	entrance := w.terminal(t, "entrance")
	rep = w.why(t, it.Email, time.Minute)
	if n := entrance.Log.Count(nil); n != 0 {
		t.Errorf("the held entrance got %d requests", n)
	}
	wt = answerOf(t, rep, it.MemberID, "entrance")
	if wt.State != backend.WhyHeld || !strings.Contains(wt.Answer, "(held after rejected credentials: not contacted; by the snapshot)") ||
		!strings.Contains(wt.StateDetail, "terminal entrance: not contacted") {
		t.Errorf("entrance: state %s, answer %q, detail %q", wt.State, wt.Answer, wt.StateDetail)
	}
	for _, e := range append(wt.Evidence, wt.Answer, wt.StateDetail) {
		for _, secret := range []string{"wrong-pass-1234", "term-secret-0815", "cs-secret-4711"} {
			if strings.Contains(e, secret) {
				t.Errorf("a secret in the answer: %q", e)
			}
		}
	}
}

// A valid member who is not on the NTK list and is not meant to be is told
// why: no card number, or no role that grants a zone — not "no card, or no
// zone" (review of issue 13).
func TestWhyNTKSaysWhichOfCardOrZone(t *testing.T) {
	w := newWhyRig(t, 120, nil)
	onNTK := map[string]bool{}
	for _, it := range w.plan.Items {
		if it.System == "ntk" {
			onNTK[it.MemberID] = true
		}
	}
	var told int
	for _, it := range w.plan.Items {
		if it.Target != "entrance" || it.Kind != plan.InSync || it.MemberID == "" || onNTK[it.MemberID] || told == 3 {
			continue
		}
		rep := w.why(t, it.Email, time.Minute)
		wt := answerOf(t, rep, it.MemberID, "ntk")
		if wt.Status != backend.WhyNotApplicable {
			continue
		}
		told++
		if strings.Contains(wt.Answer, "no card, or no zone") ||
			!strings.Contains(wt.Answer, "no card number in") && !strings.Contains(wt.Answer, "NTK zone") {
			t.Errorf("%s: %q does not say which", it.Email, wt.Answer)
		}
	}
	if told == 0 {
		t.Fatal("no valid member off the NTK list: the test shows nothing")
	}
}

// A member whose Cardskipper data holds an invalid role: the answer says
// the outcome first ("entrance: gets in — valid to …"), then that the data
// is invalid and doorsync does not write to the account (the review found
// "ok entrance: role 3126: ends … before it starts … — doorsync does not
// write to it", which never said the member gets in).
func TestWhyInvalidDataSaysTheOutcomeFirst(t *testing.T) {
	w := newWhyRig(t, 120, []string{"extend", "reactivate"})
	bad := itemWhere(t, w.plan, "member with an invalid role on the entrance", func(it plan.Item) bool {
		return it.Kind == plan.Invalid && it.Target == "entrance" && it.MemberID != "" && it.Account != "" && strings.Contains(it.Reason, "before it starts")
	})
	wt := answerOf(t, w.why(t, bad.Email, time.Minute), bad.MemberID, "entrance")
	want := "entrance: does not get in — "
	if wt.Status == backend.WhyIn {
		want = "entrance: gets in — valid to "
	}
	if !strings.HasPrefix(wt.Answer, want) || !strings.Contains(wt.Answer, bad.Reason) || !strings.Contains(wt.Answer, "doorsync does not write to it") {
		t.Errorf("%s: answer %q, want it to start %q and name %q", wt.Status, wt.Answer, want, bad.Reason)
	}
}

// An account several members of a family resolve to: the answer names
// them by name and member id, not by the e-mail they share, and says the
// plan's reason once (the "plan now:" evidence does not repeat it).
func TestWhySharedAccountNamesTheMembers(t *testing.T) {
	w := newWhyRig(t, 120, []string{"extend", "reactivate"})
	amb := itemWhere(t, w.plan, "account found for several members", func(it plan.Item) bool {
		return it.Kind == plan.Ambiguous && it.MemberID != "" && strings.Contains(it.Reason, "several members")
	})
	names := map[string]string{}
	for _, it := range w.plan.Items {
		if it.Kind == plan.Ambiguous && it.Target == amb.Target && it.Account == amb.Account {
			names[it.MemberID] = ""
		}
	}
	ms, _, err := w.st.Members(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if _, ok := names[m.ID]; ok {
			names[m.ID] = m.Name()
		}
	}
	wt := answerOf(t, w.why(t, amb.Email, time.Minute), amb.MemberID, amb.Target)
	if wt.Status != backend.WhyUnknown {
		t.Errorf("status %s, want unknown: %q", wt.Status, wt.Answer)
	}
	for id, name := range names {
		if !strings.Contains(wt.Answer, name+" ("+id+")") {
			t.Errorf("the answer does not name %s (%s): %q", name, id, wt.Answer)
		}
	}
	if strings.Contains(wt.Answer, string(amb.Email)+" (member") {
		t.Errorf("the answer names the members by their shared e-mail: %q", wt.Answer)
	}
	for _, e := range wt.Evidence {
		if strings.HasPrefix(e, "plan now:") && strings.Contains(e, "several members") {
			t.Errorf("the evidence repeats the answer: %q", e)
		}
	}
}

// A target account's own record is invalid (NEYROSS dates out of order):
// the answer blames that account's data, not Cardskipper's (review of
// issue 13).
func TestWhyBlamesTheAccountsDataWhereItIs(t *testing.T) {
	w := newWhyRig(t, 300, nil)
	it := itemWhere(t, w.plan, "an item invalid for its account's data", func(it plan.Item) bool {
		return it.Kind == plan.Invalid && strings.HasPrefix(it.Reason, plan.AccountDataReason) && it.MemberID != ""
	})
	wt := answerOf(t, w.why(t, it.Email, time.Minute), it.MemberID, it.Target)
	if strings.Contains(wt.Answer, "Cardskipper data invalid") || !strings.Contains(wt.Answer, it.Target+"'s account data invalid") {
		t.Errorf("answer %q", wt.Answer)
	}
}

// A family sharing an e-mail: no account is either member's yet, but the
// accounts the e-mail is on are read live and named with their faces and
// cards (review of issue 13: "not asked: doorsync knows no account").
func TestWhyFamilyNamesTheAccountsTheEmailIsOn(t *testing.T) {
	w := newWhyRig(t, 300, nil)
	it := itemWhere(t, w.plan, "an ambiguous item of a shared e-mail on the entrance", func(it plan.Item) bool {
		return it.Target == "entrance" && it.Kind == plan.Ambiguous && it.Account == "" && it.MemberID != "" &&
			strings.Contains(it.Reason, "members share this e-mail")
	})
	wt := answerOf(t, w.why(t, it.Email, time.Minute), it.MemberID, "entrance")
	var named bool
	for _, e := range wt.Evidence {
		named = named || strings.HasPrefix(e, "the e-mail is on account ") && strings.Contains(e, "enrolled")
	}
	if !named || wt.State != backend.WhyReachable {
		t.Errorf("state %s, evidence:\n%s", wt.State, strings.Join(wt.Evidence, "\n"))
	}
}
