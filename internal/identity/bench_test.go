package identity

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// benchSite builds a deterministic club: members with Slovenian names
// (about three per distinct name, so ties and shared surnames are common)
// and terminal accounts spelt the way iVMS leaves them: upper case, no
// diacritics, sometimes reordered or with a typo.
func benchSite(members, accounts int) ([]member.Member, []target.Account) {
	first := strings.Fields("Žiga Ana Anja Marko Luka Nina Maja Eva Tjaša Špela Jožef Đurđa Nejc Urška Matej Petra Rok Tina Blaž Katja " +
		"Jure Mojca Gašper Sara Miha Lara Anže Manca Jan Neža Žan Ajda Tilen Zala Aljaž Lana Primož Hana Boštjan Ema " +
		"Dušan Vesna Igor Mateja Gregor Polona Andrej Alenka Tomaž Barbara Aleš Metka Uroš Simona Klemen Maša Domen Pia Vid Taja")
	pre := strings.Fields("Nov Hor Kra Žup Pot Mla Kov Vid Kos Gol Tur Zag Krž Bre Per Ple Šuš Čer Dol Rib")
	suf := strings.Fields("ak at njc an očnik kar ač mar ić ar šek ko nik ović ec")
	rng := rand.New(rand.NewPCG(7, 11))
	ms := make([]member.Member, members)
	for i := range ms {
		ms[i] = member.Member{
			ID:        fmt.Sprint(150000 + i),
			FirstName: first[rng.IntN(len(first))],
			LastName:  pre[rng.IntN(len(pre))] + suf[rng.IntN(len(suf))],
		}
		ms[i].Email = member.Email(fmt.Sprintf("m%d@example.si", i))
	}
	accs := make([]target.Account, accounts)
	for i := range accs {
		m := ms[rng.IntN(len(ms))]
		name := strings.ToUpper(member.FoldName(m.FirstName + " " + m.LastName))
		switch rng.IntN(10) {
		case 0:
			name = strings.ToUpper(member.FoldName(m.LastName + " " + m.FirstName))
		case 1:
			name = name[:len(name)-1] // a lost last letter
		case 2:
			name = "Trener " + m.FirstName
		}
		accs[i] = target.Account{ID: fmt.Sprint(1000 + i), Name: name}
	}
	return ms, accs
}

func BenchmarkSuggest(b *testing.B) {
	ms, accs := benchSite(50_000, 3_000)
	unmatched := map[string][]target.Account{"entrance": accs}
	resolver := NewResolver(nil, unmatched)
	var n int
	for b.Loop() {
		n = len(Suggest(ms, unmatched, resolver, 3))
	}
	b.ReportMetric(float64(n), "suggestions")
}
