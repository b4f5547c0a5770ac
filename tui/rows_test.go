package tui

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/textclean"
)

// The console's folding is member.FoldName's, only faster: search and sort
// must treat a name exactly as the rest of doorsync does.
func FuzzFoldMatchesFoldName(f *testing.F) {
	for _, s := range []string{"", " ", "Žiga  Čeh", "ZIGA CEH", "ana.novak+gym@example.si", "  --x--  ", "Дмитрий Иванов",
		"a\u0301b", "\xff\xfe", "ÆSIR ß", "O'Brien-Smith 3rd", "Maximiliana-Theodora Wolkenstein-Rodenegg", "TRENER 7\t",
		"\u200bŠpela"} {
		f.Add(s)
	}
	fl := folder{seen: map[string]string{}}
	f.Fuzz(func(t *testing.T, s string) {
		want := member.FoldName(s)
		for range 2 { // the second from the cache
			if got := fl.fold(s); got != want {
				t.Fatalf("fold(%q) = %q, FoldName = %q", s, got, want)
			}
		}
	})
}

// Each row's search text holds the same words as folding its e-mail, name
// and account names in one piece: a search finds the same rows.
func TestSearchTextKeepsEveryWord(t *testing.T) {
	for _, d := range []Data{fixtureData(t, 60), dataOf(identityInput(t))} {
		rows := buildRows(&d.Plan)
		if n := rowCount(d.Plan.Items); n != len(rows) {
			t.Errorf("rowCount says %d rows, buildRows made %d", n, len(rows))
		}
		for _, r := range rows {
			text := string(r.email) + " " + r.name
			for _, ix := range r.items {
				if n := d.Plan.Items[ix].AccountName; n != "" && n != r.name {
					text += " " + n
				}
			}
			want := wordSet(member.FoldName(text))
			if got := wordSet(r.fold); !maps.Equal(got, want) {
				t.Errorf("row %s: search words %v, want %v", r.key, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
			}
			if r.nfold != member.FoldName(r.name) {
				t.Errorf("row %s: sort name %q, want %q", r.key, r.nfold, member.FoldName(r.name))
			}
		}
	}
}

func wordSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(s) {
		out[w] = true
	}
	return out
}

// fit's shortcut for plain ASCII gives what measuring graphemes gives, of
// the text as textclean.Frame leaves it (controls and foreign escape
// sequences gone, the console's colours kept).
func FuzzFitMatchesGraphemeWidths(f *testing.F) {
	for _, s := range []string{"", "ana.1@example.si", "2025-11-01", "Дмитрий Иванов", "Žiga Čeh", "\x1b[1mbold\x1b[m", "tab\there",
		"emoji 👍 wide", "a\u0301", "~+27", "\x7f"} {
		f.Add(s, 8)
	}
	f.Fuzz(func(t *testing.T, s string, w int) {
		w = w % 200
		want := ""
		if w > 0 {
			want = textclean.Frame(s)
			n := ansi.StringWidth(want)
			if n > w {
				want = ansi.Truncate(want, w, "…")
				n = ansi.StringWidth(want)
			}
			if n < w {
				want += strings.Repeat(" ", w-n)
			}
		}
		if got := fit(s, w); got != want {
			t.Fatalf("fit(%q, %d) = %q, want %q", s, w, got, want)
		}
	})
}
