package accesslist

import (
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/plan"
)

type wantProblem struct {
	kind     plan.Kind
	memberID string
	card     string
	reason   []string // substrings
}

func TestBuild(t *testing.T) {
	withTags := func(m member.Member, tags ...string) member.Member { m.Tags = tags; return m }
	inactive := func(m member.Member) member.Member { m.Inactive = true; return m }
	noEmail := func(m member.Member) member.Member { m.Email, m.RawEmail = "", ""; return m }
	cases := []struct {
		name     string
		cfg      func(*Settings)
		members  []member.Member
		want     string
		problems []wantProblem
	}{
		{
			name:    "8 and 14 hex digits, sorted by card, member id column",
			members: []member.Member{mem("2", "44491AD2", role(10)), mem("1", "04A1B2C3D4E5F6", role(10))},
			want:    "04A1B2C3D4E5F6;55;1\n44491AD2;55;2\n",
		},
		{
			name:    "lower case, spaces and colons normalised",
			members: []member.Member{mem("1", " 44 49 1a d2 ", role(10)), mem("2", "04:a1:b2:c3:d4:e5:f6", role(10))},
			want:    "04A1B2C3D4E5F6;55;2\n44491AD2;55;1\n",
		},
		{
			name: "bad card numbers are reported, not sent; others still go",
			members: []member.Member{
				mem("1", "44491AD", role(10)), mem("2", "44491AD20", role(10)), mem("3", "04A1B2C3D4E5F60", role(10)),
				mem("4", "44491AG2", role(10)), mem("5", "44491AĐ2", role(10)), mem("6", "2856963140", role(10)),
				mem("7", "AABBCCDD", role(10)),
			},
			want: "AABBCCDD;55;7\n",
			problems: []wantProblem{
				{plan.Invalid, "1", "", []string{"extra2", `"44491AD"`, "7 hex digits", "not on the NTK list"}},
				{plan.Invalid, "2", "", []string{"9 hex digits"}},
				{plan.Invalid, "3", "", []string{"15 hex digits"}},
				{plan.Invalid, "4", "", []string{"'G' is not a hex digit"}},
				{plan.Invalid, "5", "", []string{"contains 'Đ'"}},
				{plan.Invalid, "6", "", []string{"decimal number"}},
			},
		},
		{
			name:    "zone 100000 from a hand-built config: that line left out, reported",
			cfg:     func(c *Settings) { c.Zones = map[int][]int{10: {55, 100000}} },
			members: []member.Member{mem("1", "44491AD2", role(10))},
			want:    "44491AD2;55;1\n",
			problems: []wantProblem{
				{plan.Invalid, "1", "44491AD2", []string{"left out of the NTK list", `zone "100000"`, "at most 5 digits"}},
			},
		},
		{
			name:    "negative zone: the member's only line, so not listed",
			cfg:     func(c *Settings) { c.Zones = map[int][]int{10: {-1}} },
			members: []member.Member{mem("1", "44491AD2", role(10))},
			want:    "",
			problems: []wantProblem{
				{plan.Invalid, "1", "44491AD2", []string{`zone "-1"`}},
			},
		},
		{
			name: "a card on two members valid today: left out, both reported naming each other",
			members: []member.Member{
				mem("1", "44491AD2", role(10)), mem("2", "44491ad2", role(11)), mem("3", "44491AD3", role(10)),
			},
			want: "44491AD3;55;3\n",
			problems: []wantProblem{
				{plan.Ambiguous, "1", "44491AD2", []string{"also on Member 2 member 2 <m2@example.si>", "left out"}},
				{plan.Ambiguous, "2", "44491AD2", []string{"also on Member 1 member 1 <m1@example.si>"}},
			},
		},
		{
			name:    "a card on a valid member and on a second one without zones is still ambiguous",
			members: []member.Member{mem("1", "44491AD2", role(10)), mem("2", "44491AD2", role(99))},
			want:    "",
			problems: []wantProblem{
				{plan.Ambiguous, "1", "44491AD2", nil},
				{plan.Ambiguous, "2", "44491AD2", nil},
			},
		},
		{
			name:    "a card on a valid and an expired member goes to the valid one",
			members: []member.Member{mem("1", "44491AD2", ended(10)), mem("2", "44491AD2", role(11))},
			want:    "44491AD2;55;2\n44491AD2;56;2\n",
		},
		{
			name:    "student by role: zone 0 besides the role's zones",
			members: []member.Member{mem("1", "44491AD2", role(10), role(20))},
			want:    "44491AD2;0;1\n44491AD2;55;1\n",
		},
		{
			name:    "student by tag, any case and spacing",
			members: []member.Member{withTags(mem("1", "44491AD2", role(12)), "VIP", "student")},
			want:    "44491AD2;0;1\n44491AD2;7;1\n",
		},
		{
			name:    "a student role that ended makes no student",
			members: []member.Member{mem("1", "44491AD2", role(10), ended(20))},
			want:    "44491AD2;55;1\n",
		},
		{
			name:    "a student role of another organisation makes no student",
			members: []member.Member{mem("1", "44491AD2", role(10), member.Role{OrganisationID: 9, RoleID: 20, Start: member.NewDate(2025, 1, 1), End: member.NewDate(2025, 12, 31)})},
			want:    "44491AD2;55;1\n",
		},
		{
			name:    "multiple roles: union of their zones, one line per zone",
			members: []member.Member{mem("1", "44491AD2", role(10), role(11), role(12))},
			want:    "44491AD2;7;1\n44491AD2;55;1\n44491AD2;56;1\n", // zones in numeric order
		},
		{
			name:    "only roles valid today give zones",
			members: []member.Member{mem("1", "44491AD2", role(10), ended(12))},
			want:    "44491AD2;55;1\n",
		},
		{
			name:    "inactive member: not listed, nothing to report",
			members: []member.Member{inactive(mem("1", "44491AD2", role(10)))},
			want:    "",
		},
		{
			name:    "expired member: not listed, nothing to report",
			members: []member.Member{mem("1", "44491AD2", ended(10))},
			want:    "",
		},
		{
			name:    "expired member with a bad card: nothing to report",
			members: []member.Member{mem("1", "xyz", ended(10))},
			want:    "",
		},
		{
			name:    "valid member with zones but no card: missing",
			members: []member.Member{mem("1", "", role(10)), mem("2", "  ", role(11))},
			want:    "",
			problems: []wantProblem{
				{plan.Missing, "1", "", []string{"zone(s) 55", "no card number in extra2"}},
				{plan.Missing, "2", "", []string{"zone(s) 55, 56"}},
			},
		},
		{
			name:    "valid member with neither card nor zone: not an NTK user",
			members: []member.Member{mem("1", "", role(99))},
			want:    "",
		},
		{
			// Not eligible, so not missing (issue 13 §15: 41 such members
			// were reported missing).
			name:    "valid member with a card but no zone: not an NTK user",
			members: []member.Member{mem("1", "44491AD2", role(99))},
			want:    "",
		},
		{
			name: "a member id that could be misread leaves the third column out",
			members: []member.Member{
				mem("a;b", "44491AD2", role(10)), mem("Žiga", "44491AD3", role(10)), mem(" 7", "44491AD4", role(10)),
				mem(strings.Repeat("9", 65), "44491AD5", role(10)),
			},
			want: "44491AD2;55\n44491AD3;55\n44491AD4;55\n44491AD5;55\n",
		},
		{
			name:    "a member without e-mail is listed: NTK is keyed by card",
			members: []member.Member{noEmail(mem("1", "44491AD2", role(10)))},
			want:    "44491AD2;55;1\n",
		},
		{
			name:    "card in extra1",
			cfg:     func(c *Settings) { c.CardField = "extra1" },
			members: []member.Member{func() member.Member { m := mem("1", "44491AD2", role(10)); m.Extra[0] = "AABBCCDD"; return m }()},
			want:    "AABBCCDD;55;1\n",
		},
		{
			name: "roles outside the rule's organisations do not count",
			members: []member.Member{mem("1", "44491AD2",
				member.Role{OrganisationID: 9, RoleID: 10, Start: member.NewDate(2025, 1, 1), End: member.NewDate(2025, 12, 31)})},
			want: "",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := testSettings()
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			r, err := Build(c.members, cfg, testRule(), today())
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if got := string(r.List.Bytes()); got != c.want {
				t.Errorf("list:\n%s\nwant:\n%s", got, c.want)
			}
			// Whatever was built passes the validator, line by line.
			for _, l := range strings.Split(strings.TrimSuffix(string(r.List.Bytes()), "\n"), "\n") {
				if l != "" && ValidateLine(l) != nil {
					t.Errorf("built line %q fails validation: %v", l, ValidateLine(l))
				}
			}
			if len(r.Problems) != len(c.problems) {
				t.Fatalf("problems: got %d, want %d:\n%s", len(r.Problems), len(c.problems), problemText(r.Problems))
			}
			for i, w := range c.problems {
				p := r.Problems[i]
				if p.Kind != w.kind || p.MemberID != w.memberID || p.Card != w.card {
					t.Errorf("problem %d = %s %s card %q, want %s %s card %q (%s)", i, p.Kind, p.MemberID, p.Card, w.kind, w.memberID, w.card, p)
				}
				for _, s := range w.reason {
					if !strings.Contains(p.Reason, s) {
						t.Errorf("problem %d reason %q lacks %q", i, p.Reason, s)
					}
				}
				if want := "member " + w.memberID; !strings.Contains(p.String(), want) {
					t.Errorf("problem %q does not name %q", p, want)
				}
			}
		})
	}
}

func problemText(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(string(p.Kind) + " " + p.String() + "\n")
	}
	return b.String()
}

func TestBuildBadCardField(t *testing.T) {
	for _, f := range []string{"", "extra", "extra4", "email"} {
		cfg := testSettings()
		cfg.CardField = f
		_, err := Build([]member.Member{mem("1", "44491AD2", role(10))}, cfg, testRule(), today())
		if err == nil || !strings.Contains(err.Error(), "card_field") {
			t.Errorf("card field %q: err = %v, want a card_field error", f, err)
		}
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	ms := []member.Member{mem("3", "44491AD3", role(11)), mem("1", "44491AD2", role(10), role(20)), mem("2", "bad", role(10))}
	a, b := build(t, ms...), build(t, ms[2], ms[0], ms[1])
	if string(a.List.Bytes()) != string(b.List.Bytes()) || problemText(a.Problems) != problemText(b.Problems) {
		t.Fatal("member order changes the result")
	}
}

// Why tells, for a member off the list, which it lacks (doorsync why).
func TestWhyNotListed(t *testing.T) {
	r, err := Build([]member.Member{mem("1", "", role(99)), mem("2", "44491AD2", role(99)), mem("3", "44491AD3", role(10))},
		testSettings(), testRule(), today())
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"1": "no card number in extra2 and no role", "2": "maps to an NTK zone", "3": ""} {
		if got := r.Why(id); want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("Why(%s) = %q, want %q", id, got, want)
		}
	}
}
