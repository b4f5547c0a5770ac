package cardskipper

import (
	"bytes"
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
