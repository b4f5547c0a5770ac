package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const (
	examplePath = "../../doorsync.example.toml"
	docsPath    = "../../docs/configuration.md"
)

// The example file at the project root parses (with the variables it
// names set) and shows every key.
func TestExampleFileParses(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("doorsync.example.toml", data, testEnv, testReadFile)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "terminals", len(c.Hikvision), 2)
	eq(t, "neyross", c.Neyross != nil, true)
	eq(t, "ntk", c.NTK != nil, true)
	eq(t, "smtp", c.Notify.SMTP != nil, true)
	eq(t, "warnings", c.Warnings, []string(nil))
	eq(t, "literal secrets", len(c.literals), 0)

	shown := exampleKeys(string(data))
	for _, k := range schemaKeys() {
		if !shown[k] {
			t.Errorf("doorsync.example.toml does not show %s (commented out is fine)", k)
		}
	}
}

// docs/configuration.md documents every key by its full name.
func TestDocsDescribeEveryKey(t *testing.T) {
	data, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range schemaKeys() {
		if !strings.Contains(string(data), "`"+k+"`") {
			t.Errorf("%s does not describe `%s`", filepath.Base(docsPath), k)
		}
	}
}

// schemaKeys lists every leaf key the file accepts, e.g. "notify.smtp.host".
func schemaKeys() []string {
	var keys []string
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct {
			t = t.Elem()
		}
		for f := range t.Fields() {
			name := prefix + tomlName(f)
			ft := f.Type
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				walk(name+".", ft)
				continue
			}
			keys = append(keys, name)
		}
	}
	walk("", reflect.TypeFor[rawConfig]())
	slices.Sort(keys)
	return keys
}

// exampleKeys collects "table.key" for every key line, commented or not.
func exampleKeys(doc string) map[string]bool {
	header := regexp.MustCompile(`^#?\s*\[\[?\s*([a-z_.]+)\s*\]\]?`)
	keyLine := regexp.MustCompile(`^#?\s*([a-z_]+)\s*=`)
	out := map[string]bool{}
	table := ""
	for line := range strings.Lines(doc) {
		line = strings.TrimSpace(line)
		if m := header.FindStringSubmatch(line); m != nil {
			table = m[1] + "."
			continue
		}
		if m := keyLine.FindStringSubmatch(line); m != nil {
			out[table+m[1]] = true
		}
	}
	return out
}

func TestSchemaKeysAreComplete(t *testing.T) {
	keys := schemaKeys()
	for _, want := range []string{"timezone", "cardskipper.password_file", "hikvision.tls_fingerprint", "neyross.token_file",
		"ntk.zones", "policy.auto", "notify.webhook", "notify.smtp.to"} {
		if !slices.Contains(keys, want) {
			t.Errorf("schemaKeys lacks %s: %v", want, keys)
		}
	}
}
