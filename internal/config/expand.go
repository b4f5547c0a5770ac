package config

import (
	"errors"
	"strings"
)

// expand replaces each ${NAME} in s with the value of the environment
// variable NAME and returns the variables it used. "$${" stands for a
// literal "${"; any other "$" is kept as is ("pa$$word" stays). Errors never
// quote s: it may be a secret.
func expand(s string, env func(string) (string, bool)) (string, []string, error) {
	if !strings.Contains(s, "${") {
		return s, nil, nil
	}
	var b strings.Builder
	var vars []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), vars, nil
		}
		if i > 0 && s[i-1] == '$' { // "$${": escaped
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return "", nil, errors.New(`"${" without a closing "}" (write "$${" for a literal "${")`)
		}
		name := s[i+2 : i+2+end]
		if !validVarName(name) {
			return "", nil, errors.New(`"${…}" must hold an environment variable name: letters, digits and _, not starting with a digit (write "$${" for a literal "${")`)
		}
		v, ok := env(name)
		if !ok {
			return "", nil, &unsetError{name: name}
		}
		vars = append(vars, name)
		b.WriteString(v)
		s = s[i+2+end+1:]
	}
}

// unsetError: a ${NAME} whose variable is not set. The builder words it
// anew when an env_file was searched too.
type unsetError struct{ name string }

func (e *unsetError) Error() string { return "environment variable " + e.name + " is not set" }

func validVarName(name string) bool {
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for _, c := range name {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
