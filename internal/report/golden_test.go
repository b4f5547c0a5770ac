package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// Run `go test ./internal/report -update` after a deliberate change to a
// format, then review the diff of testdata/*.golden.
var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestGolden(t *testing.T) {
	r := fixtureReport(t)
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, r, f); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("testdata", "report."+string(f)+".golden")
			if *update {
				if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from the output (run with -update and review the diff)\n--- got\n%s", file, b.String())
			}
		})
	}
}

// Writing is deterministic: map order (summary) never leaks into the output.
func TestWriteIsDeterministic(t *testing.T) {
	r := fixtureReport(t)
	for _, f := range Formats() {
		var first []byte
		for i := range 5 {
			var b bytes.Buffer
			if err := Write(&b, r, f); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = b.Bytes()
			} else if !bytes.Equal(first, b.Bytes()) {
				t.Fatalf("%s: output %d differs from the first", f, i)
			}
		}
	}
}
