package plan

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// Input is everything a plan is built from.
type Input struct {
	Members []member.Member
	// SourceErr is set when the export failed: the plan then holds no
	// writes and the guard is tripped (a broken export never locks the gym out).
	SourceErr error
	Targets   []TargetState
	Links     []identity.Link
	Rule      member.Rule
	Policy    Policy
	Today     member.Date
	Zone      *time.Location
	Now       time.Time // the plan's creation time
	// LastWritten maps target → account → the end the sync last wrote and
	// read back; an account now holding something else has drifted.
	LastWritten map[string]map[string]time.Time
	// Extra are items planned by targets that plan on their own (the NTK
	// access list compares card lists, not accounts by e-mail), with their
	// target summaries. They are counted, sorted and guarded like the rest.
	Extra        []Item
	ExtraTargets []TargetSummary
}

// TargetState is one target as read for this plan.
type TargetState struct {
	Info     target.Info
	Accounts []target.Account
	Err      error // the target could not be read: no items for it
}

// Policy decides what --auto may apply and when the guard trips.
type Policy struct {
	Auto                 []Kind
	MaxRevocations       int
	MaxRevocationPercent float64
}

// Build computes the plan. It is deterministic: the same input gives the
// same plan, items sorted by e-mail, target, account.
func Build(in Input) Plan {
	p := Plan{
		Version: FormatVersion, CreatedAt: in.Now, Today: in.Today, Timezone: in.Zone.String(),
		Source:  Source{System: "cardskipper", Members: len(in.Members)},
		Summary: map[Kind]int{}, Items: []Item{}, zone: in.Zone,
	}
	for _, k := range Kinds() {
		p.Summary[k] = 0
	}
	b := builder{in: in, plan: &p}
	b.targets()
	if in.SourceErr != nil {
		p.Source.Error = in.SourceErr.Error()
	} else {
		b.members()
		b.sharedAccounts()
		b.unlinked()
		p.Items = append(p.Items, in.Extra...)
	}
	p.Targets = append(p.Targets, in.ExtraTargets...)
	slices.SortStableFunc(p.Items, func(a, b Item) int {
		return cmp.Or(cmp.Compare(a.Email, b.Email), cmp.Compare(a.MemberID, b.MemberID),
			cmp.Compare(a.Target, b.Target), cmp.Compare(a.Account, b.Account))
	})
	for _, it := range p.Items {
		p.Summary[it.Kind]++
	}
	p.Guard = guard(in, p.Items, len(b.linked))
	return p
}

type builder struct {
	in       Input
	plan     *Plan
	live     []TargetState // targets that could be read
	accounts []map[string]target.Account
	resolver *identity.Resolver
	used     []map[string]bool     // per live target: accounts some member resolved to
	linked   map[member.Email]bool // e-mails with at least one account
}

func (b *builder) targets() {
	all := map[string][]target.Account{}
	for _, t := range b.in.Targets {
		s := TargetSummary{Name: t.Info.Name, System: t.Info.System, Accounts: len(t.Accounts)}
		if t.Err != nil {
			s.Error = t.Err.Error()
			s.Accounts = 0
			b.plan.Targets = append(b.plan.Targets, s)
			continue
		}
		b.plan.Targets = append(b.plan.Targets, s)
		b.live = append(b.live, t)
		idx := make(map[string]target.Account, len(t.Accounts))
		for _, a := range t.Accounts {
			idx[a.ID] = a
		}
		b.accounts = append(b.accounts, idx)
		b.used = append(b.used, map[string]bool{})
		all[t.Info.Name] = t.Accounts
	}
	b.resolver = identity.NewResolver(b.in.Links, all)
	b.linked = map[member.Email]bool{}
}

func (b *builder) add(it Item) {
	it.ID = ItemID(it)
	if it.Kind.Writes() {
		it.Auto = slices.Contains(b.in.Policy.Auto, it.Kind)
	}
	b.plan.Items = append(b.plan.Items, it)
}

// ItemID is stable across runs for the same pair, so a saved plan's items
// can be found again (apply FILE) and history grouped. Targets that plan on
// their own (NTK) use it too.
func ItemID(it Item) string {
	h := sha256.Sum256([]byte(strings.Join([]string{string(it.Email), it.MemberID, it.Target, it.Account, string(it.Kind)}, "\x00")))
	return hex.EncodeToString(h[:8])
}

func (b *builder) members() {
	groups := map[member.Email][]member.Member{}
	var order []member.Email
	for _, m := range b.in.Members {
		if m.Email == "" {
			reason := "member has no e-mail in Cardskipper: add one to sync this member"
			if len(m.Problems) > 0 {
				reason = "member has no usable e-mail: " + strings.Join(m.Problems, "; ")
			}
			b.add(Item{Kind: NoEmail, Name: m.Name(), MemberID: m.ID, Reason: reason})
			continue
		}
		if _, ok := groups[m.Email]; !ok {
			order = append(order, m.Email)
		}
		groups[m.Email] = append(groups[m.Email], m)
	}
	for _, e := range order {
		b.email(e, groups[e])
	}
}

// email plans one e-mail against every live target.
func (b *builder) email(e member.Email, ms []member.Member) {
	for ti, t := range b.live {
		matches := b.resolver.Resolve(t.Info.Name, e)
		if len(ms) == 1 {
			// A link pinned to another member of this address (a family
			// member who has since moved to an address of their own) is not
			// this member's account.
			own := matches[:0:0]
			for _, x := range matches {
				if x.MemberID == "" || x.MemberID == ms[0].ID {
					own = append(own, x)
				}
			}
			b.pair(ti, ms[0], own)
			continue
		}
		// A shared e-mail (a family): a link pinned to a member id resolves
		// that member; every other member of the address is ambiguous.
		for _, m := range ms {
			var pinned []identity.Match
			for _, x := range matches {
				if x.MemberID == m.ID {
					pinned = append(pinned, x)
				}
			}
			if len(pinned) > 0 {
				b.pair(ti, m, pinned)
				continue
			}
			it := b.base(ti, m)
			it.Kind = Ambiguous
			it.Reason = fmt.Sprintf("%d members share this e-mail (%s); link each member to its account", len(ms), memberIDs(ms))
			for _, x := range matches {
				b.used[ti][x.Account] = true
			}
			if len(matches) == 1 {
				it.Account = matches[0].Account
				it.AccountName = b.accounts[ti][matches[0].Account].Name
			}
			b.add(it)
		}
	}
}

func memberIDs(ms []member.Member) string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return strings.Join(ids, ", ")
}

func (b *builder) base(ti int, m member.Member) Item {
	t := b.live[ti].Info
	return Item{Email: m.Email, Name: m.Name(), MemberID: m.ID, Target: t.Name, System: t.System}
}

// pair plans one member against the accounts its e-mail resolved to on one target.
func (b *builder) pair(ti int, m member.Member, matches []identity.Match) {
	it := b.base(ti, m)
	v := b.in.Rule.Evaluate(m, b.in.Today)
	it.SourceEnd = v.End
	for _, x := range matches {
		b.used[ti][x.Account] = true
	}
	// Accounts named by links that are gone from the target.
	var present []identity.Match
	var gone []string
	for _, x := range matches {
		if _, ok := b.accounts[ti][x.Account]; ok {
			present = append(present, x)
		} else {
			gone = append(gone, x.Account)
		}
	}
	if len(m.Problems) > 0 || len(v.Invalid) > 0 {
		it.Kind = Invalid
		it.Reason = strings.Join(append(slices.Clone(m.Problems), v.Invalid...), "; ")
		if len(present) == 1 {
			b.setAccount(ti, &it, present[0])
		}
		b.add(it)
		return
	}
	switch {
	case len(present) > 1:
		it.Kind = Ambiguous
		ids := make([]string, len(present))
		for i, x := range present {
			ids[i] = x.Account + " (" + string(x.Origin) + ")"
		}
		it.Reason = "e-mail matches several accounts: " + strings.Join(ids, ", ") + "; confirm one link"
		b.linked[m.Email] = true
		b.add(it)
		return
	case len(present) == 0:
		active := !m.Inactive && !v.End.IsZero() && !v.End.Before(b.in.Today)
		if !active {
			return // not a member any more and no account: nothing to do
		}
		it.Kind = Missing
		it.Reason = "valid member with no account on this target (accounts are never created)"
		if len(gone) > 0 {
			it.Reason = fmt.Sprintf("linked account %s is no longer on the target", strings.Join(gone, ", "))
		}
		it.DesiredEnd = LocalTime{v.End.EndOfDay(b.in.Zone)}
		b.add(it)
		return
	}
	b.linked[m.Email] = true
	b.setAccount(ti, &it, present[0])
	b.compare(ti, &it, m, v)
	b.add(it)
}

func (b *builder) setAccount(ti int, it *Item, x identity.Match) {
	a := b.accounts[ti][x.Account]
	it.Account = a.ID
	it.AccountName = a.Name
	it.LinkOrigin = string(x.Origin)
	it.Permanent = a.Permanent
	if !a.End.IsZero() {
		it.CurrentEnd = LocalTime{a.End.In(b.in.Zone)}
	}
}

// compare classifies a member against its one account.
func (b *builder) compare(ti int, it *Item, m member.Member, v member.Validity) {
	info := b.live[ti].Info
	acc := b.accounts[ti][it.Account]
	zone := b.in.Zone
	startOfToday := b.in.Today.StartOfDay(zone)
	if len(acc.Problems) > 0 {
		it.Kind = Invalid
		it.Reason = "account data: " + strings.Join(acc.Problems, "; ")
		return
	}
	accountValid := acc.Permanent || !acc.End.Before(startOfToday)
	memberValid := !m.Inactive && !v.End.IsZero() && !v.End.Before(b.in.Today)

	if !memberValid {
		if !accountValid {
			it.Kind = InSync
			it.Reason = "expired on both sides"
			return
		}
		// Close access: the member's own end if it is already past, else
		// yesterday (inactivated members may still hold future dates).
		end := b.in.Today.AddDays(-1)
		if !v.End.IsZero() && v.End.Before(end) {
			end = v.End
		}
		it.DesiredEnd = LocalTime{end.EndOfDay(zone)}
		it.Kind = Revoke
		switch {
		case m.Inactive:
			it.Reason = "member is inactive in Cardskipper"
		case v.Counting == 0:
			it.Reason = "member holds no counting role"
		default:
			it.Reason = fmt.Sprintf("membership ended %s", v.End)
		}
		b.clamp(info, it)
		b.drift(ti, it, acc)
		return
	}

	desired := v.End.EndOfDay(zone)
	it.DesiredEnd = LocalTime{desired}
	b.clamp(info, it)
	desired = it.DesiredEnd.Time
	switch {
	case !acc.Permanent && acc.End.Equal(desired):
		it.Kind = InSync
		it.Reason = "same end on both sides"
		if it.Clamped {
			it.Reason = "same end on both sides (clamped to the target's maximum)"
		}
		return
	case acc.Permanent:
		it.Kind = Shorten
		it.Reason = "account has permanent access; the membership ends " + v.End.String()
	case !accountValid:
		it.Kind = Reactivate
		it.Reason = fmt.Sprintf("renewed in Cardskipper; account expired %s", member.DateOf(acc.End, zone))
	case desired.After(acc.End):
		it.Kind = Extend
		it.Reason = "renewed in Cardskipper"
	default:
		it.Kind = Shorten
		it.Reason = fmt.Sprintf("Cardskipper ends %s, earlier than the account", v.End)
	}
	if it.Clamped {
		it.Reason += fmt.Sprintf("; clamped to the target's range (%s)", it.DesiredEnd.Format(localLayout))
	}
	b.drift(ti, it, acc)
}

// clamp keeps the desired end inside what the target can hold.
func (b *builder) clamp(info target.Info, it *Item) {
	d := it.DesiredEnd.Time
	if !info.MaxEnd.IsZero() && d.After(info.MaxEnd) {
		it.DesiredEnd = LocalTime{info.MaxEnd.In(b.in.Zone)}
		it.Clamped = true
	}
	if !info.MinEnd.IsZero() && d.Before(info.MinEnd) {
		it.DesiredEnd = LocalTime{info.MinEnd.In(b.in.Zone)}
		it.Clamped = true
	}
}

// drift marks an account whose end the sync wrote earlier and that changed since.
func (b *builder) drift(ti int, it *Item, acc target.Account) {
	last, ok := b.in.LastWritten[b.live[ti].Info.Name][acc.ID]
	if ok && !acc.End.Equal(last) {
		it.Drift = true
		it.Reason += fmt.Sprintf("; drift: the sync set %s, the target now holds %s", last.In(b.in.Zone).Format(localLayout), formatEnd(acc, b.in.Zone))
	}
}

func formatEnd(a target.Account, zone *time.Location) string {
	if a.Permanent {
		return "permanent access"
	}
	if a.End.IsZero() {
		return "no end"
	}
	return a.End.In(zone).Format(localLayout)
}

// sharedAccounts turns every item on an account that several members
// resolved to (two e-mails linked to one Person ID, a mistyped link) into
// ambiguous: writing both would let one member's lapse lock the other out.
func (b *builder) sharedAccounts() {
	type key struct{ target, account string }
	owners := map[key][]int{}
	for i, it := range b.plan.Items {
		if it.Account != "" && it.Target != "" && it.Kind != Unlinked {
			k := key{it.Target, it.Account}
			owners[k] = append(owners[k], i)
		}
	}
	for k, idx := range owners {
		if len(idx) < 2 {
			continue
		}
		var who []string
		for _, i := range idx {
			it := b.plan.Items[i]
			who = append(who, fmt.Sprintf("%s (member %s)", it.Email, it.MemberID))
		}
		for _, i := range idx {
			it := &b.plan.Items[i]
			it.Kind = Ambiguous
			it.Auto = false
			it.DesiredEnd = LocalTime{}
			it.Clamped = false
			it.Reason = fmt.Sprintf("account %s on %s is linked to several members: %s; keep one link", k.account, k.target, strings.Join(who, ", "))
			it.ID = ItemID(*it)
		}
	}
}

// unlinked reports accounts no member resolved to.
func (b *builder) unlinked() {
	for ti, t := range b.live {
		for _, a := range t.Accounts {
			if b.used[ti][a.ID] {
				continue
			}
			it := Item{Kind: Unlinked, Target: t.Info.Name, System: t.Info.System, Account: a.ID, AccountName: a.Name,
				Permanent: a.Permanent, Reason: "account with no member (staff, trainer or unknown); never touched"}
			if owner, ok := b.resolver.Owner(t.Info.Name, a.ID); ok {
				it.Email = owner
				it.Reason = "account's e-mail " + string(owner) + " belongs to no member; never touched"
			}
			if !a.End.IsZero() {
				it.CurrentEnd = LocalTime{a.End.In(b.in.Zone)}
			}
			b.add(it)
		}
	}
}

// guard applies the blast-radius rule.
func guard(in Input, items []Item, linked int) Guard {
	// Members, not items: one lapsed member on three terminals is one
	// revocation, compared with the number of linked members.
	g := Guard{Linked: linked}
	revoked := map[string]bool{}
	for _, it := range items {
		if it.Kind == Shorten || it.Kind == Revoke {
			revoked[string(it.Email)+"\x00"+it.MemberID] = true
		}
	}
	g.Revocations = len(revoked)
	switch {
	case in.SourceErr != nil:
		g.Tripped, g.Reason = true, "the Cardskipper export failed: nothing is applied"
	case len(in.Members) == 0:
		g.Tripped, g.Reason = true, "Cardskipper returned no members: nothing is applied (a broken export must not lock the gym out)"
	case in.Policy.MaxRevocations >= 0 && g.Revocations > in.Policy.MaxRevocations:
		g.Tripped, g.Reason = true, fmt.Sprintf("%d members to shorten or revoke exceed the limit of %d", g.Revocations, in.Policy.MaxRevocations)
	case linked > 0 && float64(g.Revocations)*100 > in.Policy.MaxRevocationPercent*float64(linked):
		g.Tripped, g.Reason = true, fmt.Sprintf("%d members to shorten or revoke are more than %g %% of %d linked members", g.Revocations, in.Policy.MaxRevocationPercent, linked)
	}
	return g
}
