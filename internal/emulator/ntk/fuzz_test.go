package ntk

import (
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/plan/accesslist"
)

// FuzzCheckHead runs NTK's receive check on arbitrary files. It must never
// panic, and on files of at most 4 KB (checked whole) it must agree with the
// client's own validator, written separately from the same spec: a list one
// side accepts and the other rejects is a misreading of the spec.
func FuzzCheckHead(f *testing.F) {
	for _, s := range []string{
		"", "\n", "\r\n", "44491AD2;55\n", "44491AD2;55", "44491ad2;55\r\n04A1B2C3D4E5F6;0;x\n",
		"44491AD2;55;\n", "44491AD2;;\n", ";55\n", "44491AD2\n", "44491AD2;100000\n", "44491AD2;-1\n",
		"44491AD2;55\n\n", "44491AD2;55\n\n44491AD3;1\n", "44491AD2;55;Žiga\n", "\ufeff44491AD2;55\n",
		"44491AD2;55\r\r\n", "44491AD2;5\t5\n", "44491AD2;55;a\tb\n", "44491AD2;00000\n",
		strings.Repeat("44491AD2;55;1\n", 300) + "bad\n",
		strings.Repeat("44491AD2;55;1\n", 292) + "44491AD2;55;" + strings.Repeat("y", 40) + "\nbad\n",
		"44491AD2;55;" + strings.Repeat("x", HeadSize),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := checkHead(data)
		p := process(data, nil, nil, nil)
		if len(data) == 0 || len(data) > HeadSize {
			if len(data) == 0 && err == nil {
				t.Fatal("an empty file passed")
			}
			return
		}
		_, clientErr := accesslist.ParseList(data)
		if (err == nil) != (clientErr == nil) {
			t.Fatalf("%q: NTK's check says %v, the client's validator %v", data, err, clientErr)
		}
		if err == nil && len(p.Ignored) != 0 {
			t.Fatalf("%q passed the head check but processing ignored %v", data, p.Ignored)
		}
	})
}

// FuzzProcess: the per-line processing of any file never panics and keeps
// its books: every line is either ignored or granted, cards upper-case.
func FuzzProcess(f *testing.F) {
	f.Add([]byte("44491ad2;55\n44491AD2;56\nbad\n"), 55)
	f.Add([]byte("AABBCCDD;0\n"), 1)
	f.Add([]byte(""), 0)
	f.Fuzz(func(t *testing.T, data []byte, zone int) {
		p := process(data, map[int]bool{zone: true}, map[string]bool{"AABBCCDD": true}, nil)
		if len(p.Ignored) > p.Lines {
			t.Fatalf("%d ignored of %d lines", len(p.Ignored), p.Lines)
		}
		for card, zs := range p.Access {
			if card != strings.ToUpper(card) || len(zs) == 0 {
				t.Fatalf("access %q → %v", card, zs)
			}
			for _, z := range zs {
				if z != 0 && z != zone {
					t.Fatalf("zone %d granted, only %d agreed", z, zone)
				}
			}
		}
	})
}
