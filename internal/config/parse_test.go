package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseGoodFixtures(t *testing.T) {
	checks := map[string]func(t *testing.T, c *Config){
		"minimal.toml": func(t *testing.T, c *Config) {
			eq(t, "timezone", c.Timezone, DefaultTimezone)
			eq(t, "zone", c.Zone.String(), "Europe/Ljubljana")
			eq(t, "database", c.Database, DefaultDatabase)
			eq(t, "retry_budget", c.RetryBudget, DefaultRetryBudget)
			eq(t, "retry budgets of targets", c.RetryBudgets(), map[string]time.Duration{})
			cs := c.Cardskipper
			eq(t, "cardskipper.url", cs.URL, DefaultCardskipperURL)
			eq(t, "cardskipper.username", cs.Username, "api-admin")
			eq(t, "cardskipper.password", cs.Password.Value(), envCardskipper)
			eq(t, "cardskipper.password source", cs.Password.Source(), "${CARDSKIPPER_PASSWORD}")
			eq(t, "cardskipper.organisation_id", cs.OrganisationID, 1)
			eq(t, "cardskipper.roles", len(cs.Roles), 0)
			eq(t, "cardskipper.include_children", cs.IncludeChildren, false)
			eq(t, "cardskipper.timeout", cs.Timeout, DefaultCardskipperTimeout)
			eq(t, "terminals", len(c.Hikvision), 1)
			h := c.Hikvision[0]
			eq(t, "hikvision", h, Hikvision{Name: "entrance", URL: "http://10.0.0.20", Username: "admin",
				Password: NewSecret(envIVMS, "${IVMS_PASSWORD}"), EmailField: EmailFieldExtension,
				Timeout: DefaultHikvisionTimeout})
			eq(t, "neyross", c.Neyross, (*Neyross)(nil))
			eq(t, "ntk", c.NTK, (*NTK)(nil))
			eq(t, "policy", c.Policy, Policy{Auto: []string{"extend", "reactivate"}, MaxRevocations: 25, MaxRevocationPercent: 10})
			eq(t, "notify", c.Notify, Notify{})
			eq(t, "warnings", len(c.Warnings), 0)
			eq(t, "literals", len(c.literals), 0)
		},
		"full.toml": func(t *testing.T, c *Config) {
			eq(t, "timezone", c.Timezone, "Europe/Stockholm")
			eq(t, "database", c.Database, "state/doorsync.db")
			eq(t, "retry_budget", c.RetryBudget, 90*time.Second)
			eq(t, "retry budgets of targets", c.RetryBudgets(), map[string]time.Duration{
				"entrance": 10 * time.Minute, "pacs": time.Hour, "ntk-prague": time.Second})
			eq(t, "cardskipper", c.Cardskipper, Cardskipper{URL: "https://api-test.cardskipper.se", Username: "api-admin",
				Password: NewSecret(envCardskipper, "${CARDSKIPPER_PASSWORD}"), OrganisationID: 42,
				Roles: []int{3126, 3127}, IncludeChildren: true, Timeout: 2 * time.Minute})
			eq(t, "hikvision[0]", c.Hikvision[0], Hikvision{Name: "entrance", URL: "https://10.0.0.20", Username: "admin",
				Password: NewSecret(fileIVMS, "file secrets/ivms.pass"), EmailField: EmailFieldName,
				TLSFingerprint: "sha256:" + strings.Repeat("abcdef0123456789", 4), Timeout: 15 * time.Second,
				RetryBudget: 10 * time.Minute})
			eq(t, "hikvision[1]", c.Hikvision[1], Hikvision{Name: "Back_door-2", URL: "http://10.0.0.21:8080", Username: "sync",
				Password: NewSecret("literal-ivms-secret", "literal"), EmailField: EmailFieldNone,
				Timeout: DefaultHikvisionTimeout})
			eq(t, "neyross", *c.Neyross, Neyross{Name: "pacs", URL: "https://neyross.local",
				Token: NewSecret(fileNeyross, "file /run/secrets/neyross"), Batch: 250, Timeout: 45 * time.Second, RetryBudget: time.Hour})
			eq(t, "ntk", *c.NTK, NTK{Name: "ntk-prague", URL: "https://ntk.example.cz/upload", Username: "club${x}",
				Password: NewSecret(envNTK, "${NTK_PASSWORD}"), CardField: "extra2",
				Zones: map[string][]int{"3126": {55}, "3127": {55, 56}}, StudentRoles: []int{3130},
				StudentTags: []string{"student", "Študent"}, MinInterval: 6 * time.Hour, Timeout: 90 * time.Second,
				RetryBudget: time.Second})
			eq(t, "ntk card index", c.NTK.CardExtra(), 1)
			eq(t, "ntk zones for 3127", c.NTK.ZonesFor(3127), []int{55, 56})
			eq(t, "ntk zones for 1", c.NTK.ZonesFor(1), []int(nil))
			eq(t, "policy", c.Policy, Policy{Auto: []string{"extend", "reactivate", "shorten"}, MaxRevocations: 5, MaxRevocationPercent: 2.5})
			eq(t, "policy allows shorten", c.Policy.Allows(KindShorten), true)
			eq(t, "policy allows revoke", c.Policy.Allows(KindRevoke), false)
			eq(t, "webhook", c.Notify.Webhook, "https://hooks.example.com/services/T000/B000/webhook-token")
			eq(t, "smtp", *c.Notify.SMTP, SMTP{Host: "mail.example.si", Port: 465, Username: "doorsync",
				Password: NewSecret(envSMTP, "${SMTP_PASSWORD}"), From: "Doorsync <doorsync@example.si>",
				To: []string{"admin@example.si", "owner@example.si"}})
			eq(t, "literals", c.literals, []literalSecret{{key: "hikvision.password", what: "password", use: "${VAR} or password_file"}})
			eq(t, "warnings", c.Warnings, []string(nil))
		},
		"ntk-only.toml": func(t *testing.T, c *Config) {
			eq(t, "terminals", len(c.Hikvision), 0)
			eq(t, "ntk name", c.NTK.Name, DefaultNTKName)
			eq(t, "ntk url", c.NTK.URL, "https://ntk.example.cz")
			eq(t, "ntk zones", c.NTK.Zones, map[string][]int{"3126": {55}})
			eq(t, "ntk min_interval", c.NTK.MinInterval, DefaultNTKMinInterval)
			eq(t, "ntk timeout", c.NTK.Timeout, DefaultNTKTimeout)
			eq(t, "ntk student tags", c.NTK.StudentTags, []string{})
			eq(t, "policy auto", c.Policy.Auto, []string{})
			eq(t, "policy allows extend", c.Policy.Allows(KindExtend), false)
			eq(t, "smtp", *c.Notify.SMTP, SMTP{Host: "mail.example.si", Port: DefaultSMTPPort, From: "doorsync@example.si", To: []string{"admin@example.si"}})
		},
		"inline-terminals.toml": func(t *testing.T, c *Config) {
			eq(t, "cardskipper org", c.Cardskipper.OrganisationID, 1)
			eq(t, "terminals", len(c.Hikvision), 2)
			eq(t, "second terminal", c.Hikvision[1].Name+" "+c.Hikvision[1].EmailField, "b name")
			eq(t, "neyross", *c.Neyross, Neyross{Name: DefaultNeyrossName, URL: "http://127.0.0.1:8081",
				Token: NewSecret(envNeyross, "${NEYROSS_TOKEN}"), Batch: DefaultNeyrossBatch, Timeout: DefaultNeyrossTimeout})
			eq(t, "warnings (loopback http is fine)", c.Warnings, []string(nil))
		},
		"env-file.toml": func(t *testing.T, c *Config) {
			eq(t, "env_file", c.EnvFile, "secrets/doorsync.env")
			eq(t, "password from the environment, which wins", c.Cardskipper.Password.Value(), envCardskipper)
			eq(t, "password from the env_file", c.Hikvision[0].Password, NewSecret(envFileIVMS, "${ENVFILE_IVMS_PASSWORD}"))
			eq(t, "warnings", c.Warnings, []string(nil))
		},
		"cleartext.toml": func(t *testing.T, c *Config) {
			eq(t, "warnings", c.Warnings, []string{
				"doorsync.toml:3: cardskipper.url uses plain http: the password crosses the network readable by anyone on the way; use https",
				"doorsync.toml:9: neyross.url uses plain http: the token crosses the network readable by anyone on the way; use https",
			})
		},
	}
	for _, f := range loadFixtures(t, "good") {
		t.Run(f.name, func(t *testing.T) {
			check, ok := checks[f.name]
			if !ok {
				t.Fatalf("no check for good fixture %s: add one", f.name)
			}
			c, err := Parse("doorsync.toml", f.data, testEnv, testReadFile)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			eq(t, "path", c.Path, "doorsync.toml")
			check(t, c)
		})
	}
}

func TestParseBadFixtures(t *testing.T) {
	for _, f := range loadFixtures(t, "bad") {
		t.Run(f.name, func(t *testing.T) {
			if len(f.wants) == 0 {
				t.Fatal("bad fixture without a '# want:' line")
			}
			c, err := Parse("doorsync.toml", f.data, testEnv, testReadFile)
			if err == nil {
				t.Fatalf("Parse succeeded (%d terminals); want errors %q", len(c.Hikvision), f.wants)
			}
			if c != nil {
				t.Error("Parse returned a config along with an error")
			}
			msg := err.Error()
			for _, w := range f.wants {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q; got:\n%s", w, msg)
				}
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error is %T, want *config.Error", err)
			}
			for _, p := range ce.Problems {
				if p.File != "doorsync.toml" || p.Msg == "" {
					t.Errorf("problem without file or message: %+v", p)
				}
				if !strings.Contains(f.wantsText(), p.Error()) && p.Line == 0 && p.Key != "" {
					t.Errorf("problem about key %s has no line: %s", p.Key, p.Error())
				}
			}
			assertNoSecret(t, "error", msg, append(injectedSecrets(), f.secrets...)...)
		})
	}
}

func (f fixture) wantsText() string { return strings.Join(f.wants, "\n") }

// Windows editors write CRLF and a BOM: same result, same line numbers.
func TestParseCRLFAndBOM(t *testing.T) {
	for _, dir := range []string{"good", "bad"} {
		for _, f := range loadFixtures(t, dir) {
			crlf := append([]byte("\uFEFF"), strings.ReplaceAll(string(f.data), "\n", "\r\n")...)
			want, wantErr := Parse("doorsync.toml", f.data, testEnv, testReadFile)
			got, gotErr := Parse("doorsync.toml", crlf, testEnv, testReadFile)
			if dir == "good" {
				if gotErr != nil {
					t.Errorf("%s with CRLF and BOM: %v", f.name, gotErr)
					continue
				}
				eq(t, f.name+" with CRLF and BOM", got, want)
				continue
			}
			if gotErr == nil {
				t.Errorf("%s with CRLF and BOM parsed", f.name)
				continue
			}
			// Same problems at the same lines (columns may shift by the BOM).
			if f.name == "syntax.toml" {
				continue // the string now ends in \r, a different complaint on the same line
			}
			eq(t, f.name+" problems with CRLF and BOM", problemLines(gotErr), problemLines(wantErr))
		}
	}
}

func problemLines(err error) []string {
	var ce *Error
	if !errors.As(err, &ce) {
		return []string{err.Error()}
	}
	var out []string
	for _, p := range ce.Problems {
		p.Column = 0
		out = append(out, p.Error())
	}
	return out
}

func TestParseResolvesPathsAgainstTheFile(t *testing.T) {
	doc := []byte(`database = "state/doorsync.db"
[cardskipper]
username = "u"
password = "${CARDSKIPPER_PASSWORD}"
organisation_id = 1
[[hikvision]]
name = "a"
url = "http://10.0.0.20"
username = "admin"
password_file = "secrets/ivms.pass"
`)
	c, err := Parse("/etc/doorsync/doorsync.toml", doc, testEnv, testReadFile)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "database", c.Database, "/etc/doorsync/state/doorsync.db")
	eq(t, "password", c.Hikvision[0].Password.Value(), fileIVMS)
	eq(t, "source", c.Hikvision[0].Password.Source(), "file /etc/doorsync/secrets/ivms.pass")
}

func TestParseNilEnvironment(t *testing.T) {
	_, err := Parse("doorsync.toml", loadFixtures(t, "good")[0].data, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "is not set") {
		t.Fatalf("with no environment, ${VAR} must be unset; got %v", err)
	}
}

func TestParseRejectsHugeFile(t *testing.T) {
	data := []byte("# " + strings.Repeat("x", maxFileSize) + "\n")
	_, err := Parse("doorsync.toml", data, testEnv, testReadFile)
	if err == nil || !strings.Contains(err.Error(), "larger than 1024 KiB") {
		t.Fatalf("got %v", err)
	}
}

// Every problem in a file is reported in one go, in file order.
func TestParseReportsAllProblemsInOrder(t *testing.T) {
	doc := []byte(`timezone = "Mars/Base"
[cardskipper]
username = "u"
password = "${CARDSKIPPER_PASSWORD}"
organisation_id = -1
[[hikvision]]
name = "a b"
url = "gopher://x"
username = "admin"
password = "${IVMS_PASSWORD}"
typo = 1
`)
	_, err := Parse("site.toml", doc, testEnv, testReadFile)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("got %v", err)
	}
	var lines []int
	for _, p := range ce.Problems {
		lines = append(lines, p.Line)
	}
	eq(t, "problem lines", lines, []int{1, 5, 7, 8, 11})
	if !strings.HasPrefix(err.Error(), "site.toml:1: timezone:") {
		t.Errorf("error does not start with the first problem:\n%v", err)
	}
}

func TestSchemaHelpers(t *testing.T) {
	tests := []struct {
		path  []string
		want  string
		known bool
	}{
		{[]string{"hikvision"}, "an array of tables", true},
		{[]string{"hikvision", "[3]", "timeout"}, `a duration such as "30s" or "1h"`, true},
		{[]string{"ntk", "zones"}, "a table", true},
		{[]string{"ntk", "zones", "3126"}, "an array of integers", true},
		{[]string{"policy", "auto"}, "an array of strings", true},
		{[]string{"policy", "max_revocation_percent"}, "a number", true},
		{[]string{"cardskipper", "include_children"}, "true or false", true},
		{[]string{"hikvision", "name"}, "", false},
		{[]string{"nosuch", "key"}, "", false},
	}
	for _, tt := range tests {
		typ, _, ok := schemaType(tt.path)
		if ok != tt.known {
			t.Errorf("schemaType(%q) known = %v", tt.path, ok)
			continue
		}
		if ok {
			eq(t, strings.Join(tt.path, "."), describeGoType(typ.String()), tt.want)
		}
	}
	keys := knownKeys([]string{"notify", "smtp"})
	slices.Sort(keys)
	eq(t, "smtp keys", keys, []string{"from", "host", "password", "password_file", "port", "to", "username"})
	eq(t, "levenshtein", levenshtein("pasword", "password"), 1)
	eq(t, "display", display([]string{"ntk", "zones", "a.b", "[0]"}), `ntk.zones."a.b"`)
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

// A file that is not a configuration at all gives a readable error, not
// thousands of lines.
func TestParseCapsProblems(t *testing.T) {
	doc := strings.Repeat("[[hikvision]]\nname = \"a\"\n", 200)
	_, err := Parse("doorsync.toml", []byte(doc), testEnv, testReadFile)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("got %v", err)
	}
	eq(t, "problems listed", len(ce.Problems), maxProblems+1)
	last := ce.Problems[maxProblems].Error()
	if !strings.HasPrefix(last, "doorsync.toml: … and ") || !strings.HasSuffix(last, " more problems") {
		t.Errorf("last problem = %q", last)
	}
	eq(t, "first problem", ce.Problems[0].Error(), `doorsync.toml:1: hikvision.url is required (the terminal's address, e.g. "http://10.0.0.20")`)
}

// Keys nested deeper than any known key are still reported, at the
// outermost unknown part.
func TestParseDeepKeys(t *testing.T) {
	tests := map[string]string{
		strings.Repeat("a.", 5000) + "b = 1\n":                                               `doorsync.toml:1: unknown key "a"`,
		"[cardskipper]\n" + strings.Repeat("x.", 50) + "y = 1\n":                             `doorsync.toml:2: unknown key "cardskipper.x"`,
		"[ntk]\nzones = { 1 = " + strings.Repeat("[", 50) + strings.Repeat("]", 50) + " }\n": `doorsync.toml:2: ntk.zones: expected an integer, found an array`,
	}
	for doc, want := range tests {
		_, err := Parse("doorsync.toml", []byte(doc), testEnv, testReadFile)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

// A per-target retry_budget that is not a duration is said once, not again
// as "0s is out of range" (its fallback, the global budget, is 0 there).
func TestRetryBudgetNotADurationSaidOnce(t *testing.T) {
	for _, f := range loadFixtures(t, "bad") {
		if f.name != "retry-budget.toml" {
			continue
		}
		_, err := Parse("doorsync.toml", f.data, testEnv, testReadFile)
		if n := strings.Count(err.Error(), "doorsync.toml:16:"); n != 1 {
			t.Errorf("line 16 has %d problems, want 1:\n%v", n, err)
		}
		return
	}
	t.Fatal("fixture retry-budget.toml not found")
}

// A leading ~ is the home directory, as in a shell: "~/x.db" was a folder
// named "~" beside the configuration.
func TestHomeInPaths(t *testing.T) {
	base := `[cardskipper]
username = "api-admin"
password = "${CARDSKIPPER_PASSWORD}"
organisation_id = 1

[[hikvision]]
name = "entrance"
url = "http://10.0.0.20"
username = "admin"
password_file = %q
`
	env := func(k string) (string, bool) {
		if k == "HOME" {
			return "/home/ana", true
		}
		return testEnv(k)
	}
	read := func(name string) ([]byte, error) {
		if name == "/home/ana/secrets/ivms.pass" {
			return []byte(fileIVMS), nil
		}
		return testReadFile(name)
	}
	data := "database = \"~/doorsync.db\"\n" + fmt.Sprintf(base, "~/secrets/ivms.pass")
	c, err := Parse("/etc/doorsync/doorsync.toml", []byte(data), env, read)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "database", c.Database, "/home/ana/doorsync.db")
	eq(t, "hikvision password", c.Hikvision[0].Password.Value(), fileIVMS)

	for _, tt := range []struct{ data, want string }{
		{"database = \"~ana/doorsync.db\"\n" + fmt.Sprintf(base, "secrets/ivms.pass"), `database: path "~ana/doorsync.db": ~user is not supported`},
		{fmt.Sprintf(base, "~/secrets/ivms.pass"), `hikvision.password_file: path "~/secrets/ivms.pass": the home directory for ~: it is not set`},
	} {
		_, err := Parse("/etc/doorsync/doorsync.toml", []byte(tt.data), testEnv, read)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error = %v, want %q", err, tt.want)
		}
	}
}
