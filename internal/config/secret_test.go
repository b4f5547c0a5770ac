package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

func TestSecretPrintsRedacted(t *testing.T) {
	s := NewSecret("hunter2-value", "${X}")
	var empty Secret
	tests := []struct {
		format string
		arg    any
		want   string
	}{
		{"%v", s, "[redacted]"},
		{"%+v", s, "[redacted]"},
		{"%s", s, "[redacted]"},
		{"%q", s, `"[redacted]"`},
		{"%x", s, "[redacted]"},
		{"%#v", s, `config.Secret("[redacted]")`},
		{"%v", &s, "[redacted]"},
		{"%+v", struct{ P Secret }{s}, "{P:[redacted]}"},
		{"%#v", struct{ P Secret }{s}, `struct { P config.Secret }{P:config.Secret("[redacted]")}`},
		{"%v", empty, ""},
		{"%#v", empty, `config.Secret("")`},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf(tt.format, tt.arg); got != tt.want {
			t.Errorf("Sprintf(%q) = %q, want %q", tt.format, got, tt.want)
		}
	}
	j, err := json.Marshal(struct{ P, E Secret }{s, empty})
	eq(t, "json", string(j), `{"P":"[redacted]","E":""}`)
	eq(t, "json error", err, nil)
	tm, err := toml.Marshal(struct{ P Secret }{s})
	eq(t, "toml", strings.TrimSpace(string(tm)), `P = '[redacted]'`)
	eq(t, "toml error", err, nil)
	eq(t, "Value", s.Value(), "hunter2-value")
	eq(t, "Source", s.Source(), "${X}")
	eq(t, "IsZero", [2]bool{s.IsZero(), empty.IsZero()}, [2]bool{false, true})
}

// The whole configuration, printed or logged every usual way, never shows a
// secret, whichever way the secret was given (environment, file, literal).
func TestSecretsNeverShowInConfigOutput(t *testing.T) {
	var full []byte
	for _, f := range loadFixtures(t, "good") {
		if f.name == "full.toml" {
			full = f.data
		}
	}
	c, err := Parse("doorsync.toml", full, testEnv, testReadFile)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{envCardskipper, fileIVMS, "literal-ivms-secret", fileNeyross, envNTK, envSMTP}
	got := []string{c.Cardskipper.Password.Value(), c.Hikvision[0].Password.Value(), c.Hikvision[1].Password.Value(),
		c.Neyross.Token.Value(), c.NTK.Password.Value(), c.Notify.SMTP.Password.Value()}
	eq(t, "secrets were loaded", got, secrets) // else the checks below prove nothing

	var out strings.Builder
	for _, v := range []any{c, *c, c.Cardskipper, c.Hikvision, c.Hikvision[0], c.Neyross, *c.NTK, c.Notify, c.Notify.SMTP} {
		fmt.Fprintf(&out, "%v %+v %#v %s %q %x\n", v, v, v, v, v, v)
	}
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(j)
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "cfg", c, "smtp", c.Notify.SMTP, "pw", c.NTK.Password)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", c, "smtp", c.Notify.SMTP, "pw", c.NTK.Password)
	out.WriteString(logs.String())
	out.WriteString(c.Redacted())
	out.WriteString(strings.Join(c.Warnings, "\n"))
	assertNoSecret(t, "printed config", out.String(), secrets...)
	if !strings.Contains(out.String(), "[redacted]") {
		t.Error("output shows no [redacted] at all")
	}
}
