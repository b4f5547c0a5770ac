package identity

import (
	"fmt"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

func TestCompareNames(t *testing.T) {
	tests := []struct {
		a, b  string
		score float64
		why   string
	}{
		{"Žiga Čeh", "ZIGA CEH", ScoreExact, "same name"},
		{"Žiga Čeh", "Ziga Ceh", ScoreExact, "same name"},
		{"  Žiga   Čeh ", "ziga-ceh", ScoreExact, "same name"},
		{"Žiga Čeh", "CEH ZIGA", ScoreReordered, "another order"},
		{"Đurđa Kovač", "Durda Kovac", ScoreExact, "same name"},
		{"Đurđa Kovač", "Djurdja Kovac", ScoreSpelling, "another spelling"},
		{"Žiga Čeh", "Zhiga Cheh", ScoreSpelling, "another spelling"},
		{"Šuštar Tjaša", "Tjasa Shushtar", ScoreSpelling, "another spelling"},
		{"Жига Чех", "ЖИГА ЧЕХ", ScoreExact, "same name"},
		{"Жига Чех", "ZIGA CEH", ScoreSpelling, "another spelling"},
		{"Јован Петровић", "Jovan Petrovic", ScoreSpelling, "another spelling"},
		{"Александр Иванов", "Aleksandr Ivanov", ScoreSpelling, "another spelling"},
		{"Ana Novak", "Anja Novak", ScoreTypo, "one letter differs: ana ~ anja"},
		{"Marko Novak", "Makro Novak", ScoreTypo, "one letter differs"},
		{"Marko Novak", "Marko Novk", ScoreTypo, "one letter differs"},
		{"Đurđica Kovač", "Djurdica Kovač", ScoreSpelling, "another spelling"},
		{"Dušan Đokić", "Dusan Dokic", ScoreExact, "same name"},
		{"Dušan Đokić", "Dusan Djokic", ScoreSpelling, "another spelling"},
		{"Ana Marija Novak", "Ana Novak", ScorePartial, "one name has more parts: marija"},
		{"Ana Novak Kranjc", "Novak Ana", ScorePartial, "more parts: kranjc"},
		{"Žiga Čeh", "Z. Ceh", ScoreInitial, "initial z. = ziga"},
		{"Ana M. Novak", "Ana Marija Novak", ScoreInitial, "initial m. = marija"},
		{"Marko Novak 2", "Marko Novak", ScoreExact, "same name"},
		// No suggestion.
		{"Marko Novak", "Trener Marko", 0, ""},
		{"Marko Novak", "Marko Kos", 0, ""},
		{"Ana Novak", "Novak", 0, ""},
		{"Ana Novak", "Eva Novak", 0, ""},
		{"Al Bo", "Al Bob", 0, ""}, // parts under 3 letters: no typo rule
		{"Z. C.", "Ziga Ceh", 0, ""},
		{"Ana Novak", "", 0, ""},
		{"1042", "1042", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.a+"~"+tt.b, func(t *testing.T) {
			a, b := makeKey(tt.a), makeKey(tt.b)
			score, why := compareNames(&a, &b)
			if score != tt.score || !strings.Contains(why, tt.why) {
				t.Errorf("compare(%q, %q) = %v %q, want %v %q", tt.a, tt.b, score, why, tt.score, tt.why)
			}
			if back, _ := compareNames(&b, &a); back != score {
				t.Errorf("not symmetric: %v one way, %v the other", score, back)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	m := func(id, first, last, email string) member.Member {
		return member.Member{ID: id, FirstName: first, LastName: last, Email: member.Email(email), RawEmail: email}
	}
	members := []member.Member{
		m("150001", "Žiga", "Čeh", "ziga@example.si"),
		m("150002", "Ana", "Novak", "ana@example.si"),
		m("150003", "Anja", "Novak", "anja@example.si"), // same family
		m("150004", "Đurđa", "Kovač", "durda@example.si"),
		m("150005", "Marko", "Novak", "marko@example.si"), // only staff accounts share his name
		m("150006", "Linked", "Person", "linked@example.si"),
		m("150007", "Ziga", "Ceh", ""), // no e-mail: nothing to link
		m("150008", "Јован", "Петровић", "jovan@example.rs"),
		m("150009", "Eva", "Kos", "eva@example.si"),
		m("150010", "Eva", "Kos", "eva.kos@example.si"), // a second Eva Kos
		m("150001", "Žiga", "Čeh", "ziga@example.si"),   // listed twice
	}
	unmatched := map[string][]target.Account{
		"entrance": {
			{ID: "1042", Name: "ZIGA CEH"},
			{ID: "1043", Name: "ANA NOVAK"},
			{ID: "1044", Name: "ANJA NOVAK"},
			{ID: "1045", Name: "DJURDJA KOVAC"},
			{ID: "1046", Name: "Trener Marko"},
			{ID: "1047", Name: "Trener Marko Novak"},
			{ID: "1048", Name: "Ziga Ceh", Email: "someone@example.si"}, // carries another e-mail
			{ID: "1049", Name: "Žiga Čeh"},                              // linked to another e-mail
			{ID: "1050", Name: "Linked Person"},
			{ID: "1051", Name: "JOVAN PETROVIC"},
			{ID: "1052", Name: "EVA KOS"},
			{ID: "1053", Name: "Recepcija"},
		},
		"gym2": {
			{ID: "7", Name: "Čeh Žiga"},
			{ID: "8", Name: "Linked Person"}, // the member is unlinked here
		},
	}
	links := []Link{
		{Email: "other@example.si", Target: "entrance", Account: "1049", Origin: Confirmed},
		{Email: "linked@example.si", Target: "entrance", Account: "1050", Origin: Imported},
	}
	resolver := NewResolver(links, unmatched)

	type sug struct {
		member, target, account string
		score                   float64
	}
	tests := []struct {
		name  string
		limit int
		want  []sug
	}{
		{"all", 0, []sug{
			{"150001", "entrance", "1042", ScoreExact}, {"150001", "gym2", "7", ScoreReordered},
			{"150002", "entrance", "1043", ScoreExact}, {"150002", "entrance", "1044", ScoreTypo},
			{"150003", "entrance", "1044", ScoreExact}, {"150003", "entrance", "1043", ScoreTypo},
			{"150004", "entrance", "1045", ScoreSpelling},
			{"150006", "gym2", "8", ScoreExact},
			{"150008", "entrance", "1051", ScoreSpelling},
			{"150009", "entrance", "1052", ScoreExact},
			{"150010", "entrance", "1052", ScoreExact},
		}},
		{"best only", 1, []sug{
			{"150001", "entrance", "1042", ScoreExact},
			{"150002", "entrance", "1043", ScoreExact},
			{"150003", "entrance", "1044", ScoreExact},
			{"150004", "entrance", "1045", ScoreSpelling},
			{"150006", "gym2", "8", ScoreExact},
			{"150008", "entrance", "1051", ScoreSpelling},
			{"150009", "entrance", "1052", ScoreExact},
			{"150010", "entrance", "1052", ScoreExact},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Suggest(members, unmatched, resolver, tt.limit)
			var got []sug
			for _, s := range out {
				got = append(got, sug{s.MemberID, s.Target, s.Account, s.Score})
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("suggestions:\n got %v\nwant %v", got, tt.want)
			}
			// The same input gives the same output, order included.
			if again := Suggest(members, unmatched, resolver, tt.limit); fmt.Sprint(again) != fmt.Sprint(out) {
				t.Errorf("not deterministic:\n%v\n%v", out, again)
			}
		})
	}

	out := Suggest(members, unmatched, resolver, 0)
	first := out[0]
	if first.Email != "ziga@example.si" || first.MemberName != "Žiga Čeh" || first.AccountName != "ZIGA CEH" || first.Why != "same name" {
		t.Errorf("first suggestion = %+v", first)
	}
	for _, s := range out {
		if s.Account == "1052" && !strings.Contains(s.Why, "2 members match this account equally") {
			t.Errorf("Eva Kos suggestion does not say two members match: %q", s.Why)
		}
		if s.Account != "1052" && strings.Contains(s.Why, "members match") {
			t.Errorf("%s→%s claims a shared match: %q", s.MemberID, s.Account, s.Why)
		}
	}
}

func TestSuggestEdgeCases(t *testing.T) {
	ana := member.Member{ID: "1", FirstName: "Ana", LastName: "Novak", Email: "ana@example.si"}
	accs := map[string][]target.Account{"t": {{ID: "9", Name: "Ana Novak"}, {ID: "9", Name: "Ana Novak"}, {ID: "", Name: "Ana Novak"}}}
	tests := []struct {
		name      string
		members   []member.Member
		unmatched map[string][]target.Account
		resolver  *Resolver
		want      int
	}{
		{"nil resolver, duplicate account listed once, empty ID ignored", []member.Member{ana}, accs, nil, 1},
		{"no accounts", []member.Member{ana}, nil, nil, 0},
		{"no members", nil, accs, nil, 0},
		{"member without a name", []member.Member{{ID: "2", Email: "x@example.si"}}, accs, nil, 0},
		{"e-mail resolves on the target", []member.Member{ana}, accs,
			NewResolver([]Link{{Email: "ana@example.si", Target: "t", Account: "5"}}, nil), 0},
		{"e-mail pinned to another member of a family", []member.Member{ana}, accs,
			NewResolver([]Link{{Email: "ana@example.si", Target: "t", Account: "5", MemberID: "other"}}, nil), 1},
		{"e-mail found on another account by the terminal", []member.Member{ana},
			map[string][]target.Account{"t": {{ID: "9", Name: "Ana Novak"}, {ID: "3", Name: "A", Email: "ana@example.si"}}},
			NewResolver(nil, map[string][]target.Account{"t": {{ID: "3", Name: "A", Email: "ana@example.si"}}}), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Suggest(tt.members, tt.unmatched, tt.resolver, 3); len(got) != tt.want {
				t.Errorf("%d suggestions, want %d: %+v", len(got), tt.want, got)
			}
		})
	}
}
