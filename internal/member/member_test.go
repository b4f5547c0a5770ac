package member

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{"Ziga.Ceh@Example.si", "ziga.ceh@example.si", ""},
		{"  ziga.ceh@example.si\u00a0", "ziga.ceh@example.si", ""},
		{"\ufeffana@example.si", "ana@example.si", ""},
		{"", "", ""},
		{"   ", "", ""},
		{"ana", "", "no local part or domain"},
		{"@example.si", "", "no local part or domain"},
		{"ana@", "", "no local part or domain"},
		{"ana@example", "", "domain has no dot"},
		{"ana@b@example.si", "", "more than one @"},
		{"ana marija@example.si", "", "contains ' '"},
		{"a;b@example.si", "", "contains ';'"},
		{"\xff@example.si", "", "not valid UTF-8"},
		{"žiga@primer.si", "žiga@primer.si", ""},
		// NFC: precomposed and decomposed spellings are one key.
		{"z\u030ciga@primer.si", "žiga@primer.si", ""},
		{"Z\u030CIGA@primer.si", "žiga@primer.si", ""},
		// Look-alikes that would lower-case into someone else's key.
		{"franc.friend@\u212Aino.si", "", "a look-alike of the letter 'k'"},
		{"\u017Fara@example.si", "", "a look-alike of the letter 's'"},
		{"\u0130van@example.si", "", "a look-alike of the letter 'i'"},
		// Invisible characters inside.
		{"ana\u200b@example.si", "", "invisible character U+200B"},
		{"ana@\u202Eexample.si", "", "invisible character U+202E"},
		// A Cyrillic look-alike stays a different key (its own script).
		{"\u0430na@example.si", "\u0430na@example.si", ""},
		{strings.Repeat("a", 250) + "@example.si", "", "longer than"},
		// Composing shortens the text before the @ (it panicked once).
		{strings.Repeat("z\u030C", 10) + "@a.si", strings.Repeat("ž", 10) + "@a.si", ""},
		{"ana@primer.s\u030C", "ana@primer.š", ""},
		// Compatibility look-alikes (a ligature, fullwidth letters and @).
		{"\uFB01lip@example.si", "", "look-alike"},
		{"\uFF41na@example.si", "", "look-alike"},
		{"ana\uFF20example.si", "", "look-alike"},
		// Another key for the same mailbox.
		{"franc@example.si.", "", "domain has an empty label"},
		{"franc@example..si", "", "domain has an empty label"},
		{"franc@.example.si", "", "domain has an empty label"},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NormalizeEmail(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"Ziga.Ceh@Example.si", " a@b.si ", "", "a@b", "@", "x@y@z.si", "\ufeffa@b.c",
		strings.Repeat("z\u030C", 10) + "@a.si", "a@b.s\u030C", "\u212Aa@b.si", "a@b.si."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := NormalizeEmail(s)
		if err != nil {
			return
		}
		// Normalising is idempotent: the key of a key is itself.
		again, err := NormalizeEmail(string(e))
		if err != nil || again != e {
			t.Fatalf("not idempotent: %q → %q → %q (%v)", s, e, again, err)
		}
	})
}

func TestFoldName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Žiga Čeh", "ziga ceh"},
		{"ZIGA CEH", "ziga ceh"},
		{"  Ziga   Ceh ", "ziga ceh"},
		{"Đurđa Ćosić-Šubić", "durda cosic subic"},
		{"Zige\u030c Ce\u030ch", "zige ceh"}, // decomposed input: combining marks dropped
		{"Анна Иванова", "анна иванова"},
		// Every Latin letter with a diacritic folds, not only the Slovenian
		// ones: decomposable letters to their base, the rest by spelling.
		{"Żaneta Świątek-Győri", "zaneta swiatek gyori"},
		{"ŁUKASZ ØSTERGÅRD", "lukasz ostergard"},
		{"Straße Þór Ðorđe", "strasse thor dorde"},
		{"Ærø Œuvre Ħal Ŋaba", "aero oeuvre hal naba"},
		{"Nguyễn Thị Ánh", "nguyen thi anh"},
		{"İpek Işık", "ipek isik"},
		{"Ĺubomír Ŕíha", "lubomir riha"},
	}
	for _, tt := range tests {
		if got := FoldName(tt.in); got != tt.want {
			t.Errorf("FoldName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRuleEvaluate(t *testing.T) {
	d := func(s string) Date {
		v, err := ParseDate(s, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	rule := Rule{OrganisationIDs: []int{1, 2}, RoleIDs: nil}
	monthly := Role{OrganisationID: 1, RoleID: 3126, Start: d("2025-10-01"), End: d("2025-11-01")}
	oldYear := Role{OrganisationID: 1, RoleID: 3127, Start: d("2024-01-01"), End: d("2024-12-31")}
	otherOrg := Role{OrganisationID: 9, RoleID: 1, Start: d("2025-01-01"), End: d("2030-01-01")}
	child := Role{OrganisationID: 2, RoleID: 5, Start: d("2025-11-02"), End: d("2025-12-01")}
	broken := Role{OrganisationID: 1, RoleID: 3126, Start: d("2025-12-01"), End: d("2025-11-01")}

	tests := []struct {
		name      string
		rule      Rule
		m         Member
		today     string
		wantValid bool
		wantEnd   string
		wantBad   int
		wantStart string // Validity.Starts: the next period's first day
	}{
		{"renewal adds a period: latest end wins", rule, Member{Roles: []Role{oldYear, monthly}}, "2025-10-15", true, "2025-11-01", 0, ""},
		{"end date is inclusive", rule, Member{Roles: []Role{monthly}}, "2025-11-01", true, "2025-11-01", 0, ""},
		{"day after the end", rule, Member{Roles: []Role{monthly}}, "2025-11-02", false, "2025-11-01", 0, ""},
		{"start date is inclusive", rule, Member{Roles: []Role{monthly}}, "2025-10-01", true, "2025-11-01", 0, ""},
		{"before start: not valid but end known", rule, Member{Roles: []Role{monthly}}, "2025-09-30", false, "2025-11-01", 0, "2025-10-01"},
		{"valid now, next period bought ahead", rule, Member{Roles: []Role{monthly, child}}, "2025-10-15", true, "2025-12-01", 0, "2025-11-02"},
		{"in the gap between two periods", rule, Member{Roles: []Role{oldYear, child}}, "2025-06-01", false, "2025-12-01", 0, "2025-11-02"},
		{"inactive member overrides dates", rule, Member{Inactive: true, Roles: []Role{monthly}}, "2025-10-15", false, "2025-11-01", 0, ""},
		{"other organisation does not count", rule, Member{Roles: []Role{otherOrg}}, "2025-10-15", false, "", 0, ""},
		{"child organisation counts when configured", rule, Member{Roles: []Role{monthly, child}}, "2025-11-05", true, "2025-12-01", 0, ""},
		{"role filter", Rule{OrganisationIDs: []int{1}, RoleIDs: []int{3127}}, Member{Roles: []Role{oldYear, monthly}}, "2025-10-15", false, "2024-12-31", 0, ""},
		{"end before start is invalid and ignored", rule, Member{Roles: []Role{broken, oldYear}}, "2025-11-15", false, "2024-12-31", 1, ""},
		{"no roles", rule, Member{}, "2025-10-15", false, "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.rule.Evaluate(tt.m, d(tt.today))
			if v.ValidToday != tt.wantValid || v.End.String() != tt.wantEnd || len(v.Invalid) != tt.wantBad || v.Starts.String() != tt.wantStart {
				t.Fatalf("Evaluate = %+v; want valid=%v end=%q invalid=%d starts=%q", v, tt.wantValid, tt.wantEnd, tt.wantBad, tt.wantStart)
			}
		})
	}
}

func TestLabel(t *testing.T) {
	m := Member{ID: "150002", FirstName: "Žiga", LastName: "Čeh", RawEmail: "Ziga.Ceh@Example.si"}
	if got := m.Label(); got != "Žiga Čeh member 150002 <Ziga.Ceh@Example.si>" {
		t.Fatalf("Label = %q", got)
	}
	if got := (Member{}).Label(); got != "unnamed member" {
		t.Fatalf("Label = %q", got)
	}
}

func FuzzFoldName(f *testing.F) {
	for _, s := range []string{"Žiga  Čeh", "ŁUKASZ ØSTERGÅRD", "Straße", "Анна", "Zige\u030c", "İpek", " - ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := FoldName(s)
		// Folding is idempotent, and no letter that has an ASCII form
		// survives it.
		if again := FoldName(got); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
		for _, r := range got {
			asciiWord := func(d rune) bool { return ('a' <= d && d <= 'z') || ('A' <= d && d <= 'Z') || ('0' <= d && d <= '9') }
			if r >= utf8.RuneSelf && unicode.Is(unicode.Latin, r) && strings.ContainsFunc(norm.NFKD.String(string(r)), asciiWord) {
				t.Fatalf("%q folds to %q, which keeps %q", s, got, r)
			}
		}
	})
}
