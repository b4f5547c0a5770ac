package config

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxEnvFile bounds an env_file: a few NAME=value lines; anything bigger
// is the wrong file.
const maxEnvFile = 64 << 10

// envFileState is what the builder knows of env_file.
type envFileState struct {
	path    string                      // as read; "" when not set or unreadable
	environ func(string) (string, bool) // the environment alone
	envVars
	// unusable: env_file is set but could not be read (reported): an unset
	// ${VAR} is not reported, it may well be in the file.
	unusable bool
}

// reported tells whether an unset name was reported already: its line in
// env_file is wrong, or the file could not be read.
func (e *envFileState) reported(name string) bool { return e.unusable || e.broken[name] }

// holds tells whether a variable's value comes from env_file (the
// environment does not set it).
func (e *envFileState) holds(name string) bool {
	if e.path == "" {
		return false
	}
	if _, ok := e.environ(name); ok {
		return false
	}
	_, ok := e.vars[name]
	return ok
}

// readEnvFile reads env_file, when set, and makes its variables the
// fallback of the environment for every ${VAR} after it. The environment
// wins: under systemd, EnvironmentFile= has loaded the same file, and an
// admin may export a variable to try a value. env_file's own ${VAR}s come
// from the environment alone. It returns the file's path ("" for none).
func (b *builder) readEnvFile(p *string) string {
	if p == nil {
		return ""
	}
	f, ok := b.readKeyFile([]string{"env_file"}, p, maxEnvFile, "an env_file holds NAME=value lines",
		"; remove the key when the secrets come from the environment alone")
	if !ok {
		b.envFile.unusable = true // reported; an unset ${VAR} may well be in the file
		return ""
	}
	name, data := f.name, f.data
	vars, problems := parseEnvFile(name, data)
	b.problems = append(b.problems, problems...)
	environ := b.env
	b.envFile = envFileState{path: name, environ: environ, envVars: vars}
	b.env = func(k string) (string, bool) {
		if v, ok := environ(k); ok {
			return v, true
		}
		v, ok := vars.vars[k]
		return v, ok
	}
	return name
}

// sourceOf says where a value that must not be shown came from: " (the
// value of ${X} from /etc/doorsync/env)"; "" for a literal.
func (b *builder) sourceOf(t text) string {
	if len(t.vars) == 0 {
		return ""
	}
	s := t.show()
	if slices.ContainsFunc(t.vars, b.envFile.holds) {
		s += " from " + b.envFile.path
	}
	return " (" + s + ")"
}

// envVars is what an env_file holds: its variables, and the names whose
// line is wrong (already reported: a ${NAME} of theirs is not reported
// again as unset).
type envVars struct {
	vars   map[string]string
	broken map[string]bool
}

// parseEnvFile reads NAME=value lines the way systemd's EnvironmentFile=
// does, so that a run by hand sees what the service sees: blank lines and
// lines starting with # or ; are ignored; CRLF line ends are accepted; a
// value may be unquoted
// (surrounding white space dropped, a backslash keeps the next character),
// 'single-quoted' (verbatim) or "double-quoted" (\" \\ \` \$ escaped, any
// other backslash kept); nothing is expanded. What systemd would read
// differently or not at all is an error rather than a guess: "export ", a
// value spanning lines, text after a closing quote, a name set twice, a byte
// order mark. name is the file's name for messages; no message quotes a
// value (values are secrets), nor a malformed line or name (it may be a
// pasted secret).
func parseEnvFile(name string, data []byte) (envVars, []Problem) {
	out := envVars{vars: map[string]string{}, broken: map[string]bool{}}
	var problems []Problem
	fail := func(line int, format string, args ...any) {
		problems = append(problems, Problem{File: name, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	if rest, ok := bytes.CutPrefix(data, []byte("\uFEFF")); ok {
		fail(1, "the file starts with a byte order mark, which systemd's EnvironmentFile= takes as part of the first name: save it without one")
		data = rest
	}
	firstLine := map[string]int{}
	for i, raw := range strings.Split(string(data), "\n") {
		n := i + 1
		line := strings.TrimLeft(strings.TrimSuffix(raw, "\r"), " \t")
		if strings.IndexByte(line, '\r') >= 0 {
			// Even in a comment: systemd ends a line at a CR too.
			fail(n, "the line holds a carriage return (CR) before its end, where systemd would end the line: remove it")
			continue
		}
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if !utf8.ValidString(line) || strings.IndexByte(line, 0) >= 0 {
			fail(n, "the line is not UTF-8 text (it holds invalid or NUL bytes; systemd would ignore it)")
			continue
		}
		exported := false
		if rest, ok := strings.CutPrefix(line, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			exported, line = true, strings.TrimLeft(rest, " \t")
		}
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			fail(n, `the line is not NAME=value (not shown: it may hold a secret)`)
			continue
		}
		key := strings.TrimRight(line[:eq], " \t")
		if !validVarName(key) {
			fail(n, `the name before "=" must be letters, digits and _, not starting with a digit (not shown: it may be part of a secret)`)
			continue
		}
		if exported {
			fail(n, `%s: "export" is not understood by systemd's EnvironmentFile= (the service would not get %s): write %s=…`, key, key, key)
			out.broken[key] = true
			continue
		}
		value, msg := envValue(line[eq+1:])
		if msg != "" {
			fail(n, "%s: %s", key, msg)
			out.broken[key] = true
			continue
		}
		if first, ok := firstLine[key]; ok {
			fail(n, "%s is set again (first on line %d; systemd would take the last): keep one", key, first)
			out.broken[key] = true
			continue
		}
		firstLine[key] = n
		out.vars[key] = value
	}
	return out, problems
}

// envValue reads the value after "=" as systemd does for one line, or
// says what is wrong with it (never quoting it).
func envValue(s string) (value, problem string) {
	s = strings.TrimLeft(s, " \t")
	if s == "" {
		return "", ""
	}
	var b strings.Builder
	var rest string
	switch s[0] {
	case '\'':
		end := strings.IndexByte(s[1:], '\'')
		if end < 0 {
			return "", "the single quote is not closed on its line (a value spanning lines is not supported)"
		}
		b.WriteString(s[1 : 1+end])
		rest = s[1+end+1:]
	case '"':
		closed := false
		i := 1
		for ; i < len(s) && !closed; i++ {
			switch c := s[i]; {
			case c == '"':
				closed = true
			case c == '\\' && i+1 == len(s):
				return "", "the value ends in a backslash, which continues it on the next line: not supported, write it on one line"
			case c == '\\' && strings.IndexByte("\"\\`$", s[i+1]) >= 0:
				b.WriteByte(s[i+1])
				i++
			default: // any other backslash is kept with the character after it
				b.WriteByte(c)
			}
		}
		if !closed {
			return "", "the double quote is not closed on its line (a value spanning lines is not supported)"
		}
		rest = s[i:]
	default:
		// Unquoted: a backslash keeps the next character (white space
		// included); quotes inside are ordinary characters; white space at
		// the end is dropped unless escaped.
		keep := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '\\' {
				if i+1 == len(s) {
					return "", "the value ends in a backslash, which continues it on the next line: not supported, write it on one line"
				}
				i++
				c = s[i]
				b.WriteByte(c)
				keep = b.Len()
				continue
			}
			b.WriteByte(c)
			if c != ' ' && c != '\t' {
				keep = b.Len()
			}
		}
		return b.String()[:keep], ""
	}
	if strings.Trim(rest, " \t") != "" {
		return "", "text follows the closing quote (systemd would join them): put the whole value inside the quotes"
	}
	return b.String(), ""
}
