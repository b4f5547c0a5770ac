package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// maxFileSize bounds the configuration file: a real one is a few KiB, so
// anything larger is the wrong file (a database, a log).
const maxFileSize = 1 << 20

// Parse reads a configuration from data. name is the file's name for
// messages, and its directory is the base of relative paths (database,
// *_file, env_file). env looks up ${VAR}s (os.LookupEnv in production; nil
// = an empty environment), before the env_file's variables; readFile reads
// *_file secrets and the env_file (nil = os.ReadFile).
//
// Bad content gives an *Error listing every problem, each with the key and
// line. No message contains a secret.
func Parse(name string, data []byte, env func(string) (string, bool), readFile func(string) ([]byte, error)) (*Config, error) {
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	if readFile == nil {
		readFile = os.ReadFile
	}
	if len(data) > maxFileSize {
		return nil, &Error{Problems: []Problem{{File: name,
			Msg: fmt.Sprintf("the file is larger than %d KiB: is it really a doorsync configuration?", maxFileSize>>10)}}}
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // editors on Windows add a BOM

	idx, err := buildIndex(data)
	if err != nil {
		return nil, newError(name, []Problem{syntaxProblem(name, idx, err)})
	}
	var raw rawConfig
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var problems []Problem
	if err := dec.Decode(&raw); err != nil {
		problems = decodeProblems(name, idx, err)
		var strict *toml.StrictMissingError
		if !errors.As(err, &strict) {
			// A syntax or type error leaves raw half-filled: validating it
			// would report keys as missing that are merely unread.
			return nil, newError(name, problems)
		}
		// Unknown keys alone leave every known key decoded: validate those
		// too, so one run shows every problem.
	}

	b := &builder{file: name, dir: filepath.Dir(name), idx: idx, env: env, readFile: readFile}
	cfg := b.build(&raw)
	problems = append(problems, b.problems...)
	if len(problems) > 0 {
		return nil, newError(name, problems)
	}
	return cfg, nil
}

func syntaxProblem(name string, idx *index, err error) Problem {
	p := Problem{File: name, Msg: "invalid TOML: " + err.Error()}
	var se *syntaxError
	if errors.As(err, &se) {
		p.Line, p.Column = idx.position(se.offset)
		p.Msg = "invalid TOML: " + safeMessage(se.msg)
	}
	return p
}

// typeMismatch picks the TOML kind and the Go type out of go-toml's type
// mismatch message ("cannot decode TOML string into struct field … of type
// int64"); the Go names mean nothing to an operator, so they are not shown.
func typeMismatch(msg string) (found, goType string, ok bool) {
	rest, ok := strings.CutPrefix(msg, "cannot decode TOML ")
	if !ok {
		return "", "", false
	}
	found, rest, ok = strings.Cut(rest, " into ")
	i := strings.LastIndex(rest, " of type ")
	if !ok || i < 0 {
		return "", "", false
	}
	return found, rest[i+len(" of type "):], true
}

// decodeProblems turns go-toml's errors into problems that name the key as
// the operator wrote it. go-toml's position is exact but its key is not
// (inside inline tables and arrays it drops parts), so the key comes from
// the index.
func decodeProblems(name string, idx *index, err error) []Problem {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var ps []Problem
		for i := range strict.Errors {
			if i == maxProblems {
				// Locating each is linear in the file: stop where
				// newError stops listing.
				ps = append(ps, Problem{File: name, Msg: fmt.Sprintf("%d more unknown keys", len(strict.Errors)-i)})
				break
			}
			ps = append(ps, unknownKey(name, idx, &strict.Errors[i]))
		}
		return ps
	}
	var de *toml.DecodeError
	if !errors.As(err, &de) {
		return []Problem{{File: name, Msg: "cannot decode: " + safeMessage(err.Error())}}
	}
	line, col := de.Position()
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	path, ok := idx.pathAt(idx.offset(line, col))
	if !ok && len(de.Key()) > 0 {
		// go-toml lost the position (deeply nested values): its key is
		// less exact but names the right table.
		path, ok = de.Key(), true
		if l := idx.line(path); l > 0 {
			line, col = l, 0
		}
	}
	p := Problem{File: name, Line: line, Key: display(path)}
	prefix := p.Key + ": "
	if !ok {
		p.Column, p.Key, prefix = col, "", ""
	}
	if found, goType, isType := typeMismatch(msg); isType {
		// The Go type is the one of the exact value that failed (an
		// element of an array, say), so it says what was expected there.
		p.Msg = fmt.Sprintf("%sexpected %s, found %s", prefix, describeGoType(goType), withArticle(found))
		return []Problem{p}
	}
	if !ok {
		p.Msg = "invalid TOML: " + safeMessage(msg)
		return []Problem{p}
	}
	p.Msg = prefix + safeMessage(msg)
	return []Problem{p}
}

// safeMessage keeps go-toml's fixed wording but drops the one message that
// quotes a value (a float literal).
func safeMessage(msg string) string {
	if strings.HasPrefix(msg, "unable to parse float") {
		return "invalid number"
	}
	return msg
}

func withArticle(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

// unknownKey reports a key the schema lacks: the first unknown part of its
// path, where it is, and a likely intended key.
func unknownKey(name string, idx *index, de *toml.DecodeError) Problem {
	line, _ := de.Position()
	path, ok := idx.pathAt(idx.offset(de.Position()))
	if !ok {
		path = de.Key()
	}
	if _, known, found := schemaType(path); !found && known > 0 {
		path = path[:known]
	}
	k := display(path)
	msg := fmt.Sprintf("unknown key %q", k)
	if hint := suggest(path); hint != "" {
		msg += " (" + hint + ")"
	}
	return Problem{File: name, Line: line, Key: k, Msg: msg}
}

// suggest proposes the key the operator probably meant: a close spelling in
// the same table, or the same key in the table it belongs to.
func suggest(path []string) string {
	if len(path) == 0 {
		return ""
	}
	last, parent := path[len(path)-1], path[:len(path)-1]
	best, bestDist := "", 3
	for _, k := range knownKeys(parent) {
		if d := levenshtein(strings.ToLower(last), k); d < bestDist && d < len(last) {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf("did you mean %q?", best)
	}
	for _, table := range [][]string{{}, {"cardskipper"}, {"hikvision", "[0]"}, {"neyross"}, {"ntk"}, {"policy"}, {"notify"}, {"notify", "smtp"}} {
		if slices.Equal(table, parent) {
			continue
		}
		for _, k := range knownKeys(table) {
			if k == last {
				if len(table) == 0 {
					return fmt.Sprintf("%s belongs at the top, before any [table]", last)
				}
				return fmt.Sprintf("%s belongs in [%s]; is it under the wrong table?", last, display(table))
			}
		}
	}
	return ""
}

// levenshtein is the edit distance between two short keys.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
