package report

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/doorsync/doorsync/internal/textclean"
)

// FuzzFormats puts arbitrary text into a name and a reason and checks that
// no format lets it escape its cell: CSV reads back to the same text
// (neutralised), Markdown rows keep their columns, HTML has only the
// template's own tags.
func FuzzFormats(f *testing.F) {
	for _, seed := range []struct{ name, reason string }{
		{"Žiga Čeh", "renewed in Cardskipper"},
		{hostileFirst, hostileLast},
		{"a|b\\|c\\", "line\r\nbreak\rcr\nlf"},
		{`"quoted", comma`, "\t=1+1"},
		{"</td></tr></table><script>x</script>", "<!-- comment"},
		{"\xff\xfe", "＝fullwidth"},
		{"", ""},
	} {
		f.Add(seed.name, seed.reason)
	}
	tagRE := regexp.MustCompile(`</?([a-zA-Z][a-zA-Z0-9]*)[^>]*>`)
	allowed := map[string]bool{}
	for _, tag := range strings.Fields("html head meta title style body h1 h2 h3 p strong code table tr th td span") {
		allowed[tag] = true
	}
	f.Fuzz(func(t *testing.T, name, reason string) {
		r := Report{
			Title: name, Guard: reason, Summary: map[string]int{name: 1},
			Targets: []TargetLine{{Name: name, Error: reason}},
			Rows:    []Row{{Kind: name, Name: name, Reason: reason, Email: reason}},
		}
		var b bytes.Buffer

		if err := Write(&b, r, CSV); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), bom))).ReadAll()
		if err != nil || len(recs) != 2 {
			t.Fatalf("CSV does not read back as header + 1 row: %d records, %v", len(recs), err)
		}
		want := func(s string) string {
			return strings.ReplaceAll(cell(textclean.Text(s)), "\r", "")
		}
		if recs[1][3] != want(name) || recs[1][15] != want(reason) {
			t.Errorf("CSV cells = %q, %q; want %q, %q", recs[1][3], recs[1][15], want(name), want(reason))
		}

		b.Reset()
		if err := Write(&b, r, Markdown); err != nil {
			t.Fatal(err)
		}
		header := 0
		for _, line := range strings.Split(b.String(), "\n") {
			if !strings.HasPrefix(line, "|") {
				header = 0
				continue
			}
			if n := separators(line); header == 0 {
				header = n
			} else if n != header {
				t.Fatalf("Markdown row has %d separators, header %d: %q", n, header, line)
			}
		}

		b.Reset()
		if err := Write(&b, r, HTML); err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(b.Bytes()) {
			t.Fatal("HTML is not valid UTF-8")
		}
		for _, m := range tagRE.FindAllStringSubmatch(b.String(), -1) {
			if !allowed[strings.ToLower(m[1])] {
				t.Fatalf("HTML holds a tag the template does not write: %q", m[0])
			}
		}

		b.Reset()
		if err := Write(&b, r, JSON); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkWrite(b *testing.B) {
	base := fixtureReport(b)
	r := base
	r.Rows = nil
	for len(r.Rows) < 1000 {
		r.Rows = append(r.Rows, base.Rows...)
	}
	for _, f := range Formats() {
		b.Run(string(f), func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := Write(&buf, r, f); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}
