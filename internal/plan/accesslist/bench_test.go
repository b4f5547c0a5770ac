package accesslist

import (
	"fmt"
	"testing"

	"github.com/doorsync/doorsync/internal/member"
)

// members100k makes members whose list has exactly 100,000 lines: 90,000
// with one zone, 5,000 students with two; half the cards DESFire, a tenth
// typed in lower case with spaces.
func members100k() []member.Member {
	ms := make([]member.Member, 0, 95_000)
	for i := range 95_000 {
		card := fmt.Sprintf("%08X", 0x10000000+i)
		if i%2 == 1 {
			card = fmt.Sprintf("04%012X", 0xA0000000+i)
		}
		if i%10 == 3 {
			card = fmt.Sprintf("%02x %02x %02x %02x", 0x20, i>>16&0xff, i>>8&0xff, i&0xff)
		}
		roles := []member.Role{role(10)}
		if i < 5_000 {
			roles = append(roles, role(20)) // students: zones 0 and 55
		}
		ms = append(ms, mem(fmt.Sprint(100_000+i), card, roles...))
	}
	return ms
}

func BenchmarkBuildList100k(b *testing.B) {
	ms := members100k()
	cfg, rule, day := testSettings(), testRule(), today()
	if r, err := Build(ms, cfg, rule, day); err != nil || r.List.Len() != 100_000 || len(r.Problems) != 0 {
		b.Fatalf("fixture: %d lines, %d problems, %v", r.List.Len(), len(r.Problems), err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(ms, cfg, rule, day); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeHash100k: the file and its hash, done once per run.
func BenchmarkEncodeHash100k(b *testing.B) {
	r, err := Build(members100k(), testSettings(), testRule(), today())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = r.List.Bytes()
		_ = r.List.Hash()
	}
}

// BenchmarkDiff100k: planning a day's changes against yesterday's list.
func BenchmarkDiff100k(b *testing.B) {
	ms := members100k()
	r, err := Build(ms, testSettings(), testRule(), today())
	if err != nil {
		b.Fatal(err)
	}
	last, _ := NewList(r.List.Lines()[:99_000])
	b.ReportAllocs()
	for b.Loop() {
		_ = Diff(r, last, nil)
	}
}
