package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with a configuration file.
type Problem struct {
	File   string
	Line   int    // 1-based; 0 when the problem has no place (a missing section)
	Column int    // 1-based, syntax errors only; 0 otherwise
	Key    string // the key as written, "hikvision.url"; "" for syntax errors
	Msg    string // complete sentence after the location, naming the key
}

// Error formats the problem as "file:line[:col]: message".
func (p Problem) Error() string {
	loc := p.File
	if p.Line > 0 {
		loc += fmt.Sprintf(":%d", p.Line)
		if p.Column > 0 {
			loc += fmt.Sprintf(":%d", p.Column)
		}
	}
	return loc + ": " + p.Msg
}

// Error is returned by Parse and Load when the file's content is wrong. It
// lists every problem found, in file order, one per line.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// maxProblems is how many problems an Error lists: past that, the file is
// not a doorsync configuration and more lines would only bury the first.
const maxProblems = 50

// newError sorts the problems and keeps the first maxProblems.
func newError(file string, ps []Problem) *Error {
	ps = sortProblems(file, ps)
	if len(ps) > maxProblems {
		n := len(ps) - maxProblems
		ps = append(ps[:maxProblems:maxProblems], Problem{File: file, Msg: fmt.Sprintf("… and %d more problems", n)})
	}
	return &Error{Problems: ps}
}

// sortProblems puts problems in file order (placeless ones last, as they
// concern the file as a whole) and drops exact duplicates. Those of another
// file (the env_file) come first: it is read first, and its mistakes
// explain the configuration's.
func sortProblems(file string, ps []Problem) []Problem {
	ours := func(p Problem) int {
		if p.File == file {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if a.File != b.File {
			return cmp.Or(cmp.Compare(ours(a), ours(b)), cmp.Compare(a.File, b.File))
		}
		la, lb := a.Line, b.Line
		if la == 0 {
			la = int(^uint(0) >> 1)
		}
		if lb == 0 {
			lb = int(^uint(0) >> 1)
		}
		return cmp.Or(cmp.Compare(la, lb), cmp.Compare(a.Column, b.Column))
	})
	return slices.Compact(ps)
}
