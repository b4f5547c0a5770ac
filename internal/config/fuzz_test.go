package config

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse: no input panics, an error never carries a secret handed out by
// the environment or a *_file, and whatever parses can be dumped and parsed
// back.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"good", "bad"} {
		for _, fx := range loadFixtures(f, dir) {
			f.Add(fx.data)
		}
	}
	if data, err := os.ReadFile(examplePath); err == nil {
		f.Add(data)
	}
	f.Add([]byte("hikvision = [{name='a'}, {nmae='b', x = [1, {y=2}]}]\n[a.b.c]\n[[a.b.d]]\n"))
	f.Add([]byte("[ntk]\nzones.3126 = [55]\nzones.\"x.y\" = [1]\n[[hikvision]]\n[hikvision.x]\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("doorsync.toml", data, testEnv, testReadFile)
		if err != nil {
			if c != nil {
				t.Fatal("config returned with an error")
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			assertNoSecret(t, "error", err.Error(), injectedSecrets()...)
			return
		}
		assertNoSecret(t, "warnings", strings.Join(c.Warnings, "\n"), injectedSecrets()...)
		out := c.Redacted()
		if _, err := Parse("doorsync.toml", []byte(out), testEnv, nil); err != nil {
			t.Fatalf("Redacted output does not parse back: %v\n--- input\n%s\n--- output\n%s", err, data, out)
		}
	})
}

func BenchmarkParseExample(b *testing.B) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("doorsync.toml", data, testEnv, testReadFile); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParsePathological: a 100 000-part dotted key and arrays nested
// 9 000 deep stay linear (the position index stops at maxIndexDepth).
func BenchmarkParsePathological(b *testing.B) {
	docs := [][]byte{
		[]byte(strings.Repeat("a.", 100000) + "b = 1\n"),
		[]byte("x = " + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + "\n"),
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			if _, err := Parse("doorsync.toml", d, testEnv, testReadFile); err == nil {
				b.Fatal("parsed")
			}
		}
	}
}
