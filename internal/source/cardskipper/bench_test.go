package cardskipper

import (
	"bufio"
	"bytes"
	"io"
	"testing"
	"time"
)

// BenchmarkDecodeExport50k decodes a 50,000-member export of realistic size.
// Targets: under 1 s and under 100 MB allocated per op.
func BenchmarkDecodeExport50k(b *testing.B) {
	const n = 50_000
	zone := ljubljana(b)
	doc := exportDocument(b, genMembers(n, time.Date(2025, 10, 1, 0, 0, 0, 0, zone)))
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ms, err := DecodeExport(bytes.NewReader(doc), zone)
		if err != nil {
			b.Fatal(err)
		}
		if len(ms) != n {
			b.Fatalf("decoded %d members, want %d", len(ms), n)
		}
	}
	b.ReportMetric(float64(len(doc))/n, "B/member")
}

// BenchmarkEncodingXMLExport50k decodes the same export with the
// encoding/xml decoder the scanner replaced (oracle_test.go), for a
// comparison on the same machine at the same time. (Its name does not
// contain DecodeExport50k, so that -bench DecodeExport50k runs only the
// real decoder.)
func BenchmarkEncodingXMLExport50k(b *testing.B) {
	const n = 50_000
	zone := ljubljana(b)
	doc := exportDocument(b, genMembers(n, time.Date(2025, 10, 1, 0, 0, 0, 0, zone)))
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ms, err := oracleDecodeExport(bytes.NewReader(doc), zone)
		if err != nil {
			b.Fatal(err)
		}
		if len(ms) != n {
			b.Fatalf("decoded %d members, want %d", len(ms), n)
		}
	}
}

// BenchmarkScanExport50k runs the tokenizer alone over the same export:
// what reading the XML costs, without building members.
func BenchmarkScanExport50k(b *testing.B) {
	zone := ljubljana(b)
	doc := exportDocument(b, genMembers(50_000, time.Date(2025, 10, 1, 0, 0, 0, 0, zone)))
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s := newXMLScanner(bufio.NewReaderSize(bytes.NewReader(doc), readBufSize))
		starts := 0
		for {
			k, err := s.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if k == tokStart {
				starts++
			}
		}
		if starts < 50_000 {
			b.Fatalf("%d start tags", starts)
		}
	}
}
