package service

// overview: what each system holds, read through the real clients — the
// raw material the planner works on (`doorsync demo --summary`).

import (
	"context"
	"fmt"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/plan/accesslist"
	"github.com/doorsync/doorsync/internal/source/cardskipper"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/hikvision"
	"github.com/doorsync/doorsync/internal/target/neyross"
)

// OverviewOptions are what Overview takes besides the configuration.
type OverviewOptions struct {
	Clock clock.Clock
}

// OverviewRow is what one system holds. Exactly one of Members, Accounts
// and AccessList is set, by System: Members for SystemCardskipper,
// Accounts for SystemTerminal and SystemNeyross, AccessList for SystemNTK.
type OverviewRow struct {
	System string // SystemCardskipper, SystemTerminal, SystemNeyross, SystemNTK
	// Target is the configured name of a terminal, NEYROSS or NTK; "" for
	// Cardskipper.
	Target string
	Name   string // "members", "persons", "access list"
	Detail string // the counts in words

	Members    *MemberCounts
	Accounts   *AccountCounts
	AccessList *AccessListCounts
}

// Subject names the system as doctor's lines do (CheckSubject).
func (r OverviewRow) Subject() string { return CheckSubject(r.System, r.Target) }

// MemberCounts is what Cardskipper's export holds.
type MemberCounts struct {
	Exported       int
	ValidToday     int // under the configured rule
	WithEmail      int
	DistinctEmails int
	WithProblems   int // data problems or invalid under the rule
}

// AccountCounts is what a read target (terminal, NEYROSS) holds.
type AccountCounts struct {
	Accounts   int
	ValidNow   int
	WithEmail  int // accounts that carry an e-mail
	KnownEmail int // of those, the ones whose e-mail is a member's
}

// AccessListCounts is the NTK access list doorsync would upload today; NTK
// cannot be read.
type AccessListCounts struct {
	Lines     int
	Cards     int
	Missing   int // members left out, by the planner's problem kinds
	Ambiguous int
	Invalid   int
}

// Overview reads every configured system through the real clients and says
// what each holds, in configuration order: Cardskipper's members (valid
// today under the configured rule, e-mails, data problems), each
// terminal's and NEYROSS's accounts (valid now, carrying a member's
// e-mail), and for NTK, which cannot be read, the access list a sync would
// build today from the members — nothing is sent to it, nothing written
// anywhere. On an error it returns the rows read before it. Like Doctor it
// is a function: it needs no database.
func Overview(ctx context.Context, cfg *config.Config, opts OverviewOptions) ([]OverviewRow, error) {
	clk := opts.Clock
	if clk == nil {
		clk = clock.System{}
	}
	client, err := NewCardskipper(cfg)
	if err != nil {
		return nil, err
	}
	members, err := client.Export(ctx, cardskipper.ExportQuery{OrganisationID: cfg.Cardskipper.OrganisationID})
	if err != nil {
		return nil, err
	}
	today := member.Today(clk.Now(), cfg.Zone)
	rule := member.Rule{OrganisationIDs: []int{cfg.Cardskipper.OrganisationID}, RoleIDs: cfg.Cardskipper.Roles}
	mc := MemberCounts{Exported: len(members)}
	emails := map[member.Email]bool{}
	for _, m := range members {
		if m.Email != "" {
			mc.WithEmail++
			emails[m.Email] = true
		}
		v := rule.Evaluate(m, today)
		if v.ValidToday {
			mc.ValidToday++
		}
		if len(m.Problems) > 0 || len(v.Invalid) > 0 {
			mc.WithProblems++
		}
	}
	mc.DistinctEmails = len(emails)
	rows := []OverviewRow{{System: SystemCardskipper, Name: "members", Members: &mc,
		Detail: fmt.Sprintf("%d exported, %d valid today, %d with e-mail (%d distinct), %d with data problems",
			mc.Exported, mc.ValidToday, mc.WithEmail, mc.DistinctEmails, mc.WithProblems)}}

	for _, h := range cfg.Hikvision {
		t, err := hikvision.NewTarget(HikvisionConfig(cfg, h, clk))
		if err != nil {
			return rows, err
		}
		accounts, err := t.Inventory(ctx, nil)
		t.Close()
		if err != nil {
			return rows, err
		}
		ac := countAccounts(accounts, emails, clk.Now())
		rows = append(rows, OverviewRow{System: SystemTerminal, Target: h.Name, Name: "persons", Accounts: &ac,
			Detail: fmt.Sprintf("%d persons, %d valid now, %d carry an e-mail (%d of them a member's); the rest need links",
				ac.Accounts, ac.ValidNow, ac.WithEmail, ac.KnownEmail)})
	}
	if cfg.Neyross != nil {
		r, err := neyrossOverview(ctx, cfg, emails, clk.Now())
		if err != nil {
			return rows, err
		}
		rows = append(rows, r)
	}
	if cfg.NTK != nil {
		r, err := ntkOverview(members, cfg, rule, today)
		if err != nil {
			return rows, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// countAccounts counts a target's accounts, those that carry an e-mail,
// those whose e-mail is a member's, and those valid at now.
func countAccounts(accounts []target.Account, emails map[member.Email]bool, now time.Time) AccountCounts {
	c := AccountCounts{Accounts: len(accounts)}
	for _, acc := range accounts {
		if acc.Email != "" {
			c.WithEmail++
			if emails[acc.Email] {
				c.KnownEmail++
			}
		}
		if acc.Permanent || acc.End.After(now) {
			c.ValidNow++
		}
	}
	return c
}

// neyrossOverview lists the EIS persons: persons carry their e-mail, so
// matching needs no links.
func neyrossOverview(ctx context.Context, cfg *config.Config, emails map[member.Email]bool, now time.Time) (OverviewRow, error) {
	n := cfg.Neyross
	t, err := neyross.NewTarget(NeyrossConfig(cfg))
	if err != nil {
		return OverviewRow{}, err
	}
	defer t.Close()
	accounts, err := t.Inventory(ctx, nil)
	if err != nil {
		return OverviewRow{}, err
	}
	ac := countAccounts(accounts, emails, now)
	return OverviewRow{System: SystemNeyross, Target: n.Name, Name: "persons", Accounts: &ac,
		Detail: fmt.Sprintf("%d EIS persons, %d valid now, %d carry an e-mail (%d of them a member's)",
			ac.Accounts, ac.ValidNow, ac.WithEmail, ac.KnownEmail)}, nil
}

// ntkOverview builds today's access list from the members, as a sync would
// before uploading it; nothing is sent.
func ntkOverview(members []member.Member, cfg *config.Config, rule member.Rule, today member.Date) (OverviewRow, error) {
	settings, err := NTKListSettings(*cfg.NTK)
	if err != nil {
		return OverviewRow{}, err
	}
	res, err := accesslist.Build(members, settings, rule, today)
	if err != nil {
		return OverviewRow{}, err
	}
	cards := map[string]bool{}
	for _, l := range res.List.Lines() {
		cards[l.Card] = true
	}
	byKind := map[plan.Kind]int{}
	for _, pr := range res.Problems {
		byKind[pr.Kind]++
	}
	lc := AccessListCounts{Lines: res.List.Len(), Cards: len(cards),
		Missing: byKind[plan.Missing], Ambiguous: byKind[plan.Ambiguous], Invalid: byKind[plan.Invalid]}
	return OverviewRow{System: SystemNTK, Target: cfg.NTK.Name, Name: "access list", AccessList: &lc,
		Detail: fmt.Sprintf("%d line(s) for %d card(s) of members valid today; left out: %d missing, %d ambiguous, %d invalid; not uploaded (NTK cannot be read: the list is all doorsync knows of it)",
			lc.Lines, lc.Cards, lc.Missing, lc.Ambiguous, lc.Invalid)}, nil
}
