package config

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// index remembers where each key of the document is, so that problems found
// after decoding (validation) and errors from the decoder (which reports a
// position but an incomplete key inside inline tables and arrays) can name
// both the key and its line.
//
// Paths are canonical: table and key names, with "[n]" for the n-th element
// of an array of tables (0-based), e.g. ["hikvision","[1]","url"].
type index struct {
	lineStarts []int          // byte offset of each line's first byte
	at         map[string]int // joined path → offset of its key (or table header)
	spans      []span
}

// span is the stretch of the document a key-value or table header covers.
type span struct {
	start, end int
	path       []string
}

// syntaxError is a parse failure with its byte offset.
type syntaxError struct {
	offset int
	msg    string
}

func (e *syntaxError) Error() string { return e.msg }

func joinPath(path []string) string { return strings.Join(path, "\x00") }

func indexPart(i int) string { return "[" + strconv.Itoa(i) + "]" }

func isIndex(part string) bool {
	return len(part) > 2 && part[0] == '[' && part[len(part)-1] == ']'
}

// buildIndex parses data with go-toml's AST parser. It does not check TOML
// semantics (duplicate keys, table redefinition): the decoder does that. On
// a syntax error the index still converts offsets to lines.
func buildIndex(data []byte) (*index, error) {
	idx := &index{at: map[string]int{}, lineStarts: []int{0}}
	for i, c := range data {
		if c == '\n' {
			idx.lineStarts = append(idx.lineStarts, i+1)
		}
	}
	var p unstable.Parser
	p.Reset(data)
	w := walker{idx: idx, arrays: map[string]int{}}
	for p.NextExpression() {
		w.expression(p.Expression())
	}
	if err := p.Error(); err != nil {
		var pe *unstable.ParserError
		if errors.As(err, &pe) {
			return idx, &syntaxError{offset: offsetIn(data, pe.Highlight), msg: pe.Message}
		}
		return idx, &syntaxError{msg: err.Error()}
	}
	return idx, nil
}

// offsetIn finds where sub (a subslice of data, as go-toml guarantees for
// highlights) starts; 0 if it is not one.
func offsetIn(data, sub []byte) int {
	off := cap(data) - cap(sub)
	if sub == nil || off < 0 || off > len(data) {
		return 0
	}
	return off
}

// maxIndexDepth bounds the paths the index records. No known key is deeper
// than 4 (ntk.zones.3126 and [n] parts included); going deeper would only
// let a pathological file (a 100 000-part dotted key, arrays nested 10 000
// deep) cost quadratic time. Positions inside deeper values resolve to
// their nearest recorded ancestor.
const maxIndexDepth = 8

type walker struct {
	idx    *index
	table  []string       // current table
	arrays map[string]int // array-of-tables path → number of elements so far
}

func (w *walker) expression(e *unstable.Node) {
	switch e.Kind {
	case unstable.Table, unstable.ArrayTable:
		parts, start, end := w.key(e.Key())
		if len(parts) == 0 {
			return
		}
		parts = parts[:min(len(parts), maxIndexDepth)]
		if e.Kind == unstable.Table {
			w.table = w.resolve(parts)
		} else {
			parent := w.resolve(parts[:len(parts)-1])
			arr := append(parent, parts[len(parts)-1])
			n := w.arrays[joinPath(arr)]
			w.arrays[joinPath(arr)] = n + 1
			w.table = append(arr, indexPart(n))
		}
		w.record(w.table, start, end)
	case unstable.KeyValue:
		w.keyValue(w.table, e)
	}
}

// resolve turns a header's names into a canonical path: a name that is an
// array of tables refers to its last element.
func (w *walker) resolve(parts []string) []string {
	var path []string
	for _, part := range parts {
		path = append(path, part)
		if n, ok := w.arrays[joinPath(path)]; ok && n > 0 {
			path = append(path, indexPart(n-1))
		}
	}
	return path
}

func (w *walker) key(it unstable.Iterator) (parts []string, start, end int) {
	start = -1
	for it.Next() {
		n := it.Node()
		parts = append(parts, string(n.Data))
		if start < 0 {
			start = int(n.Raw.Offset)
		}
		end = int(n.Raw.Offset + n.Raw.Length)
	}
	return parts, start, end
}

func (w *walker) keyValue(base []string, kv *unstable.Node) {
	parts, start, _ := w.key(kv.Key())
	path := append(append([]string(nil), base...), parts...)
	deep := len(path) > maxIndexDepth
	path = path[:min(len(path), maxIndexDepth)]
	end := int(kv.Raw.Offset + kv.Raw.Length)
	if end < start { // Raw unset (inline table members on old parsers)
		end = start
	}
	// Dotted keys create tables: remember where each first appears.
	for i := len(base) + 1; i < len(path); i++ {
		if _, ok := w.idx.at[joinPath(path[:i])]; !ok {
			w.idx.at[joinPath(path[:i])] = start
		}
	}
	w.record(path, start, end)
	if !deep {
		w.value(path, kv.Value())
	}
}

func (w *walker) value(path []string, v *unstable.Node) {
	if len(path) >= maxIndexDepth {
		return
	}
	switch v.Kind {
	case unstable.InlineTable:
		it := v.Children()
		for it.Next() {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				w.keyValue(path, c)
			}
		}
	case unstable.Array:
		it := v.Children()
		i := 0
		for it.Next() {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
			w.value(append(append([]string(nil), path...), indexPart(i)), c)
			i++
		}
	}
}

func (w *walker) record(path []string, start, end int) {
	k := joinPath(path)
	if _, ok := w.idx.at[k]; !ok {
		w.idx.at[k] = start
	}
	w.idx.spans = append(w.idx.spans, span{start: start, end: end, path: append([]string(nil), path...)})
}

// position turns a byte offset into a 1-based line and column.
func (idx *index) position(offset int) (line, col int) {
	i := sort.Search(len(idx.lineStarts), func(i int) bool { return idx.lineStarts[i] > offset }) - 1
	if i < 0 {
		i = 0
	}
	return i + 1, offset - idx.lineStarts[i] + 1
}

// offset turns a 1-based line and column back into a byte offset.
func (idx *index) offset(line, col int) int {
	if line < 1 || line > len(idx.lineStarts) {
		return -1
	}
	return idx.lineStarts[line-1] + col - 1
}

// line returns the line of a key; for a key that is absent, the line of the
// nearest table that is present (where the key is missing); 0 if none.
func (idx *index) line(path []string) int {
	if idx == nil {
		return 0
	}
	for n := len(path); n > 0; n-- {
		if off, ok := idx.at[joinPath(path[:n])]; ok {
			l, _ := idx.position(off)
			return l
		}
	}
	return 0
}

// pathAt returns the innermost key whose key-value or header covers the
// byte offset.
func (idx *index) pathAt(offset int) ([]string, bool) {
	best := -1
	for i, s := range idx.spans {
		if offset < s.start || offset > s.end {
			continue
		}
		if best < 0 || s.end-s.start < idx.spans[best].end-idx.spans[best].start ||
			(s.end-s.start == idx.spans[best].end-idx.spans[best].start && len(s.path) > len(idx.spans[best].path)) {
			best = i
		}
	}
	if best < 0 {
		return nil, false
	}
	return idx.spans[best].path, true
}

// display writes a canonical path the way an operator writes the key:
// "hikvision.url" (the line tells which terminal), quoting names that are
// not bare keys.
func display(path []string) string {
	var parts []string
	for _, p := range path {
		if isIndex(p) {
			continue
		}
		if !isBare(p) {
			p = strconv.Quote(p)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ".")
}

func isBare(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
