package ivms

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// benchExport builds a deterministic export of n persons as iVMS-4200 on a
// Slovenian desktop writes it: UTF-8 with BOM, a title row, ';', CRLF, and
// names with diacritics so the decoder and folding do real work.
func benchExport(n int) []byte {
	first := strings.Fields("Žiga Ana Anja Marko Luka Nina Maja Eva Tjaša Špela Jožef Đurđa Nejc Urška Matej Petra")
	last := strings.Fields("Novak Horvat Kranjc Županič Potočnik Mlakar Kovačič Vidmar Kos Golob Turk Zagorc Kržan Breznik")
	rng := rand.New(rand.NewPCG(7, 11))
	var buf bytes.Buffer
	buf.WriteString("\ufeffPerson Information;;;\r\nPerson ID;Person Name;Organization;Email\r\n")
	for i := range n {
		fmt.Fprintf(&buf, "%d;%s %s;Člani;m%d@example.si\r\n",
			1000+i, first[rng.IntN(len(first))], last[rng.IntN(len(last))], i)
	}
	return buf.Bytes()
}

func BenchmarkReadExportCSV(b *testing.B) {
	const persons = 3_000
	data := benchExport(persons)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		res, err := ReadExport(bytes.NewReader(data), "export.csv")
		if err != nil || len(res.Rows) != persons {
			b.Fatalf("%d rows, %v", len(res.Rows), err)
		}
	}
}
