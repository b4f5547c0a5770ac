package config

import (
	"strings"
	"testing"
)

// Redacted is valid TOML that Parse reads back as the same configuration —
// so it shows every field and every default — except that secrets are
// "[redacted]" and the webhook keeps only its host.
func TestRedactedRoundTrip(t *testing.T) {
	for _, f := range loadFixtures(t, "good") {
		t.Run(f.name, func(t *testing.T) {
			c1, err := Parse("doorsync.toml", f.data, testEnv, testReadFile)
			if err != nil {
				t.Fatal(err)
			}
			out := c1.Redacted()
			c2, err := Parse("doorsync.toml", []byte(out), nil, nil)
			if err != nil {
				t.Fatalf("Redacted output does not parse: %v\n%s", err, out)
			}
			eq(t, "round trip", normalized(c2), normalized(c1))
			if !strings.Contains(out, `password = "[redacted]"  # from ${CARDSKIPPER_PASSWORD}`) {
				t.Errorf("output does not say where the password comes from:\n%s", out)
			}
		})
	}
}

func normalized(c *Config) Config {
	n := *c
	red := func(s Secret) Secret {
		if s.IsZero() {
			return s
		}
		return NewSecret(redacted, "literal")
	}
	n.Cardskipper.Password = red(n.Cardskipper.Password)
	n.Hikvision = append([]Hikvision(nil), n.Hikvision...)
	for i := range n.Hikvision {
		n.Hikvision[i].Password = red(n.Hikvision[i].Password)
	}
	if n.Neyross != nil {
		ney := *n.Neyross
		ney.Token = red(ney.Token)
		n.Neyross = &ney
	}
	if n.NTK != nil {
		ntk := *n.NTK
		ntk.Password = red(ntk.Password)
		n.NTK = &ntk
	}
	if n.Notify.SMTP != nil {
		s := *n.Notify.SMTP
		s.Password = red(s.Password)
		n.Notify.SMTP = &s
	}
	if n.Notify.Webhook != "" {
		n.Notify.Webhook = redactURL(n.Notify.Webhook)
	}
	n.literals, n.secretFiles, n.Warnings = nil, nil, nil
	n.EnvFile = "" // a comment in the dump: its values are expanded already
	return n
}

func TestRedactURL(t *testing.T) {
	tests := map[string]string{
		"https://hooks.example.com":                      "https://hooks.example.com",
		"https://hooks.example.com/":                     "https://hooks.example.com",
		"https://hooks.example.com/services/T0/B0/token": "https://hooks.example.com/[redacted]",
		"https://hooks.example.com:8443/?key=token":      "https://hooks.example.com:8443/[redacted]",
	}
	for in, want := range tests {
		eq(t, in, redactURL(in), want)
	}
}

func TestTOMLString(t *testing.T) {
	tests := map[string]string{
		`plain`:          `"plain"`,
		`q"b\`:           `"q\"b\\"`,
		"tab\tnl\ncr\r":  `"tab\tnl\ncr\r"`,
		"bell\a del\x7f": `"bell\u0007 del\u007F"`,
		"${X} $${Y}":     `"$${X} $$${Y}"`,
		"Žiga Čeh":       `"Žiga Čeh"`,
		"bad\xffutf8":    "\"bad\uFFFDutf8\"",
	}
	for in, want := range tests {
		eq(t, in, tomlString(in), want)
	}
}
