package plan

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/identity"
	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// Each file in testdata/*.json holds a plan's input and the expected result
// together (caddy's idea); one test loops over them. Run with -update to
// rewrite the "want" sections after a deliberate change, then review the diff.
var update = flag.Bool("update", false, "rewrite the want sections of testdata/*.json")

type fixture struct {
	Comment     string                       `json:"comment"`
	Today       string                       `json:"today"`
	Timezone    string                       `json:"timezone"`
	SourceError string                       `json:"source_error,omitempty"`
	Rule        fixtureRule                  `json:"rule"`
	Policy      fixturePolicy                `json:"policy"`
	Members     []fixtureMember              `json:"members"`
	Targets     []fixtureTarget              `json:"targets"`
	Links       []fixtureLink                `json:"links,omitempty"`
	LastWritten map[string]map[string]string `json:"last_written,omitempty"`
	// Previous are the resolutions earlier runs accepted.
	Previous []fixtureResolution `json:"previous,omitempty"`
	Want     fixtureWant         `json:"want"`
}

type fixtureResolution struct {
	Target      string `json:"target"`
	Account     string `json:"account"`
	MemberID    string `json:"member_id,omitempty"`
	Email       string `json:"email,omitempty"`
	Name        string `json:"name,omitempty"`
	AccountName string `json:"account_name,omitempty"`
	// IgnoredEmail: an e-mail the admin set aside on the account.
	IgnoredEmail string `json:"ignored_email,omitempty"`
}

type fixtureRule struct {
	Organisations []int `json:"organisations"`
	Roles         []int `json:"roles,omitempty"`
}

type fixturePolicy struct {
	Auto           []Kind  `json:"auto"`
	MaxRevocations int     `json:"max_revocations"`
	MaxPercent     float64 `json:"max_revocation_percent"`
}

type fixtureMember struct {
	ID       string        `json:"id"`
	Email    string        `json:"email,omitempty"`
	First    string        `json:"first"`
	Last     string        `json:"last"`
	Inactive bool          `json:"inactive,omitempty"`
	Problems []string      `json:"problems,omitempty"`
	Roles    []fixtureRole `json:"roles"`
}

type fixtureRole struct {
	Org   int    `json:"org"`
	Role  int    `json:"role"`
	Start string `json:"start"`
	End   string `json:"end"`
}

type fixtureTarget struct {
	Name     string           `json:"name"`
	System   string           `json:"system"`
	MaxEnd   string           `json:"max_end,omitempty"`
	Error    string           `json:"error,omitempty"`
	Accounts []fixtureAccount `json:"accounts"`
}

type fixtureAccount struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Email     string   `json:"email,omitempty"`
	End       string   `json:"end,omitempty"`
	Permanent bool     `json:"permanent,omitempty"`
	Problems  []string `json:"problems,omitempty"`
}

type fixtureLink struct {
	Email       string `json:"email"`
	Target      string `json:"target"`
	Account     string `json:"account"`
	MemberID    string `json:"member_id,omitempty"`
	MemberName  string `json:"member_name,omitempty"`
	AccountName string `json:"account_name,omitempty"`
	Origin      string `json:"origin,omitempty"` // default confirmed
}

type fixtureWant struct {
	Summary map[Kind]int  `json:"summary"`
	Guard   Guard         `json:"guard"`
	Items   []fixtureItem `json:"items"`
}

// fixtureItem is the part of an item a fixture pins down.
type fixtureItem struct {
	Kind       Kind   `json:"kind"`
	Email      string `json:"email,omitempty"`
	MemberID   string `json:"member_id,omitempty"`
	Target     string `json:"target,omitempty"`
	Account    string `json:"account,omitempty"`
	SourceEnd  string `json:"source_end,omitempty"`
	CurrentEnd string `json:"current_end,omitempty"`
	DesiredEnd string `json:"desired_end,omitempty"`
	Auto       bool   `json:"auto,omitempty"`
	Clamped    bool   `json:"clamped,omitempty"`
	Drift      bool   `json:"drift,omitempty"`
	Identity   string `json:"identity,omitempty"`
	EmailWas   string `json:"email_was,omitempty"`
	Reason     string `json:"reason"`
}

func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var fx fixture
			dec := json.NewDecoder(strings.NewReader(string(raw)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&fx); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			in := fx.input(t)
			p := Build(in)
			got := fixtureWant{Summary: p.Summary, Guard: p.Guard}
			for _, it := range p.Items {
				got.Items = append(got.Items, toFixtureItem(it))
			}
			if *update {
				fx.Want = got
				out, _ := json.MarshalIndent(fx, "", "  ")
				if err := os.WriteFile(file, append(out, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			gotJSON, _ := json.MarshalIndent(got, "", "  ")
			wantJSON, _ := json.MarshalIndent(fx.Want, "", "  ")
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("%s: plan differs from want\n--- got\n%s\n--- want\n%s", file, gotJSON, wantJSON)
			}
			// Invariants every plan keeps.
			for _, it := range p.Items {
				if it.Kind.Writes() && it.DesiredEnd.IsZero() {
					t.Errorf("item %s (%s) writes without a desired end", it.ID, it.Kind)
				}
				if !it.Kind.Writes() && it.Auto {
					t.Errorf("item %s of kind %s is auto", it.ID, it.Kind)
				}
				if it.Reason == "" {
					t.Errorf("item %s has no reason", it.ID)
				}
				if it.Identity != "" && (it.Auto || !strings.HasPrefix(it.Reason, "identity: ")) {
					t.Errorf("item %s: an identity change is auto or not first in its reason: %q", it.ID, it.Reason)
				}
			}
			// A write item the planner makes passes the re-check apply
			// makes of a saved plan (identity.Owners.Recheck), against the
			// same links, resolutions and accounts: the two agree on
			// whose an account is.
			owners := identity.NewOwners(in.Links, in.Previous)
			fields := map[string]map[string]member.Email{}
			for _, ts := range in.Targets {
				fields[ts.Info.Name] = map[string]member.Email{}
				for _, a := range ts.Accounts {
					fields[ts.Info.Name][a.ID] = a.Email
				}
			}
			for _, it := range p.Items {
				if !it.Kind.Writes() {
					continue
				}
				c := identity.Claim{Target: it.Target, Account: it.Account, MemberID: it.MemberID, Email: it.Email,
					EmailWas: it.EmailWas, Name: it.Name, IdentityChange: it.Identity != "", WasMember: it.WasMember}
				if err := owners.Recheck(c, fields[it.Target][it.Account]); err != nil {
					t.Errorf("item %s (%s <%s> on %s account %s) fails the re-check of a saved plan: %v", it.ID, it.Kind, it.Email, it.Target, it.Account, err)
				}
			}
		})
	}
}

func toFixtureItem(it Item) fixtureItem {
	f := fixtureItem{Kind: it.Kind, Email: string(it.Email), MemberID: it.MemberID, Target: it.Target, Account: it.Account,
		SourceEnd: it.SourceEnd.String(), Auto: it.Auto, Clamped: it.Clamped, Drift: it.Drift, Reason: it.Reason,
		Identity: it.Identity, EmailWas: string(it.EmailWas)}
	if !it.CurrentEnd.IsZero() {
		f.CurrentEnd = it.CurrentEnd.Format(localLayout)
	}
	if it.Permanent {
		f.CurrentEnd = "permanent"
	}
	if !it.DesiredEnd.IsZero() {
		f.DesiredEnd = it.DesiredEnd.Format(localLayout)
	}
	return f
}

func (fx fixture) input(t *testing.T) Input {
	t.Helper()
	zone, err := time.LoadLocation(fx.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	date := func(s string) member.Date {
		if s == "" {
			return member.Date{}
		}
		d, err := member.ParseDate(s, zone)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	local := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		v, err := time.ParseInLocation(localLayout, s, zone)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	today := date(fx.Today)
	in := Input{
		Today: today, Zone: zone, Now: today.StartOfDay(zone).Add(10 * time.Hour),
		Rule:   member.Rule{OrganisationIDs: fx.Rule.Organisations, RoleIDs: fx.Rule.Roles},
		Policy: Policy{Auto: fx.Policy.Auto, MaxRevocations: fx.Policy.MaxRevocations, MaxRevocationPercent: fx.Policy.MaxPercent},
	}
	if fx.SourceError != "" {
		in.SourceErr = errors.New(fx.SourceError)
	}
	for _, fm := range fx.Members {
		e, err := member.NormalizeEmail(fm.Email)
		m := member.Member{ID: fm.ID, Email: e, RawEmail: fm.Email, FirstName: fm.First, LastName: fm.Last, Inactive: fm.Inactive, Problems: fm.Problems}
		if err != nil {
			m.Problems = append(m.Problems, err.Error())
		}
		for _, r := range fm.Roles {
			m.Roles = append(m.Roles, member.Role{OrganisationID: r.Org, RoleID: r.Role, Start: date(r.Start), End: date(r.End)})
		}
		in.Members = append(in.Members, m)
	}
	for _, ft := range fx.Targets {
		ts := TargetState{Info: target.Info{Name: ft.Name, System: ft.System, MaxEnd: local(ft.MaxEnd)}}
		if ft.Error != "" {
			ts.Err = errors.New(ft.Error)
		}
		for _, fa := range ft.Accounts {
			e, _ := member.NormalizeEmail(fa.Email)
			ts.Accounts = append(ts.Accounts, target.Account{ID: fa.ID, Name: fa.Name, Email: e, End: local(fa.End), Permanent: fa.Permanent, Problems: fa.Problems})
		}
		in.Targets = append(in.Targets, ts)
	}
	for _, fl := range fx.Links {
		e, _ := member.NormalizeEmail(fl.Email)
		in.Links = append(in.Links, identity.Link{Email: e, Target: fl.Target, Account: fl.Account, MemberID: fl.MemberID,
			MemberName: fl.MemberName, AccountName: fl.AccountName, Origin: cmp.Or(identity.Origin(fl.Origin), identity.Confirmed)})
	}
	for _, r := range fx.Previous {
		in.Previous = append(in.Previous, identity.Resolution{Target: r.Target, Account: r.Account, MemberID: r.MemberID,
			Email: member.Email(r.Email), Name: r.Name, AccountName: r.AccountName, IgnoredEmail: member.Email(r.IgnoredEmail)})
	}
	for tn, accs := range fx.LastWritten {
		if in.LastWritten == nil {
			in.LastWritten = map[string]map[string]time.Time{}
		}
		in.LastWritten[tn] = map[string]time.Time{}
		for id, s := range accs {
			in.LastWritten[tn][id] = local(s)
		}
	}
	return in
}
