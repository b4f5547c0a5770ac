package config

import (
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	env := func(k string) (string, bool) {
		v, ok := map[string]string{"A": "alpha", "B_2": "beta", "EMPTY": "", "DOLLAR": "${A}"}[k]
		return v, ok
	}
	tests := []struct {
		in, want string
		vars     []string
		err      string
	}{
		{in: "plain", want: "plain"},
		{in: "", want: ""},
		{in: "${A}", want: "alpha", vars: []string{"A"}},
		{in: "x-${A}-${B_2}-y", want: "x-alpha-beta-y", vars: []string{"A", "B_2"}},
		{in: "${EMPTY}", want: "", vars: []string{"EMPTY"}},
		{in: "${DOLLAR}", want: "${A}", vars: []string{"DOLLAR"}}, // values are not expanded again
		{in: "$${A}", want: "${A}"},
		{in: "pa$$word $A $", want: "pa$$word $A $"},
		{in: "$$${A}", want: "$${A}"},
		{in: "${NOPE}", err: "environment variable NOPE is not set"},
		{in: "${A", err: `"${" without a closing "}"`},
		{in: "${}", err: "must hold an environment variable name"},
		{in: "${1A}", err: "must hold an environment variable name"},
		{in: "${secret value}", err: "must hold an environment variable name"},
	}
	for _, tt := range tests {
		got, vars, err := expand(tt.in, env)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("expand(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			if err != nil && strings.Contains(err.Error(), "secret value") {
				t.Errorf("expand(%q) error quotes the value: %v", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want || strings.Join(vars, ",") != strings.Join(tt.vars, ",") {
			t.Errorf("expand(%q) = %q, %v, %v; want %q, %v", tt.in, got, vars, err, tt.want, tt.vars)
		}
	}
}
