package config

import (
	"fmt"
	"log/slog"
)

// redacted is what a Secret prints instead of its value.
const redacted = "[redacted]"

// Secret holds a password or token. Every way of printing it — String,
// GoString, any fmt verb, JSON, text marshalling, slog — yields "[redacted]"
// (or "" when it is empty), so a Secret can sit in structs that get logged.
// Only Value returns the secret itself: call it where the secret is sent.
type Secret struct {
	// The value sits behind a pointer: when fmt meets a verb a type does
	// not support (%s on a struct holding a *Config field, say) it prints
	// nested values with their methods switched off — but a pointer below
	// the top level only as its address, never its content.
	box    *secretBox
	source string // where it came from, e.g. "${NTK_PASSWORD}"; never the value
}

type secretBox struct{ value string }

// NewSecret wraps a value (tests and emulators; configuration files go
// through Parse). source says where it came from, for doctor output.
func NewSecret(value, source string) Secret {
	if value == "" {
		return Secret{source: source}
	}
	return Secret{box: &secretBox{value: value}, source: source}
}

// Value returns the secret itself.
func (s Secret) Value() string {
	if s.box == nil {
		return ""
	}
	return s.box.value
}

// IsZero reports whether no secret is set.
func (s Secret) IsZero() bool { return s.Value() == "" }

// Source says where the secret came from — "${VAR}", "file /path" or
// "literal" — without revealing it.
func (s Secret) Source() string { return s.source }

func (s Secret) String() string {
	if s.IsZero() {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return fmt.Sprintf("config.Secret(%q)", s.String()) }

// Format covers every verb (%v, %+v, %s, %q, %x …): fmt would otherwise
// print the unexported field with %+v or %x.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, s.GoString())
	case verb == 'q':
		fmt.Fprintf(f, "%q", s.String())
	default:
		fmt.Fprint(f, s.String())
	}
}

// MarshalJSON writes "[redacted]" (or "").
func (s Secret) MarshalJSON() ([]byte, error) { return fmt.Appendf(nil, "%q", s.String()), nil }

// MarshalText writes "[redacted]" (or ""); TOML, YAML and XML encoders use it.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue makes slog print "[redacted]" whatever the handler.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
