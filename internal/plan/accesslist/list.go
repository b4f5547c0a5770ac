package accesslist

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
)

// List is an access list in canonical form: lines sorted by card, then zone,
// one line per (card, zone). The zero List is the empty list.
type List struct {
	lines []Line
}

// NewList validates lines and returns them as a canonical list. A (card,
// zone) pair given twice is kept once (the first line's member id wins); a
// line that fails ValidateLine is an error naming it.
func NewList(lines []Line) (List, error) {
	out := make([]Line, 0, len(lines))
	var buf []byte
	for i, l := range lines {
		buf = l.append(buf[:0])
		p, err := ParseLine(string(buf))
		if err == nil && p.MemberID != l.MemberID {
			err = fmt.Errorf("member id %q: must not contain ';'", l.MemberID)
		}
		if err != nil {
			return List{}, fmt.Errorf("line %d (%s): %w", i+1, clip(string(buf)), err)
		}
		out = append(out, p)
	}
	return List{lines: canonical(out)}, nil
}

// canonical sorts and removes repeated (card, zone) pairs in place.
func canonical(lines []Line) []Line {
	slices.SortStableFunc(lines, compareLines)
	return slices.CompactFunc(lines, func(a, b Line) bool { return a.Card == b.Card && a.Zone == b.Zone })
}

func compareLines(a, b Line) int {
	return cmp.Or(cmp.Compare(a.Card, b.Card), cmp.Compare(a.Zone, b.Zone))
}

// ParseList reads a list as Bytes wrote it (the last accepted list, kept in
// the database). Lines end in "\n" or "\r\n"; every line must pass
// ValidateLine. An error names the line; no partial list is returned.
func ParseList(data []byte) (List, error) {
	var lines []Line
	n := 0
	for len(data) > 0 {
		n++
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		l, err := ParseLine(string(line))
		if err != nil {
			return List{}, fmt.Errorf("access list line %d: %w", n, err)
		}
		lines = append(lines, l)
	}
	return List{lines: canonical(lines)}, nil
}

// Len is the number of lines.
func (l List) Len() int { return len(l.lines) }

// Lines returns a copy of the lines, in canonical order.
func (l List) Lines() []Line { return slices.Clone(l.lines) }

// Bytes is the file as uploaded: one line per (card, zone), each ending in
// "\n", ASCII only.
func (l List) Bytes() []byte {
	b := make([]byte, 0, len(l.lines)*(DESFireDigits+8))
	for _, x := range l.lines {
		b = x.append(b)
		b = append(b, '\n')
	}
	return b
}

// Hash identifies what NTK grants with the list: a SHA-256 over the sorted
// card;zone pairs, written "sha256:<hex>". The member-id column does not
// count, so a card passing to another member with the same zones is no
// reason to upload.
func (l List) Hash() string {
	h := sha256.New()
	var b []byte
	for _, x := range l.lines {
		b = append(b[:0], x.Card...)
		b = append(b, ';')
		b = strconv.AppendInt(b, int64(x.Zone), 10)
		b = append(b, '\n')
		h.Write(b)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Equal reports whether both lists grant the same (card, zone) pairs.
func (l List) Equal(o List) bool {
	return slices.EqualFunc(l.lines, o.lines, func(a, b Line) bool { return a.Card == b.Card && a.Zone == b.Zone })
}

// entry is one card of a list: its zones (ascending) and member id.
type entry struct {
	zones    []int
	memberID string
}

// cardOfMember maps member ids (the third column) to their card.
func (l List) cardOfMember() map[string]string {
	m := map[string]string{}
	for _, x := range l.lines {
		if x.MemberID != "" {
			m[x.MemberID] = x.Card
		}
	}
	return m
}

// cardLines returns the lines of one card (the list is sorted by card).
func (l List) cardLines(card string) []Line {
	i, _ := slices.BinarySearchFunc(l.lines, card, func(x Line, c string) int { return cmp.Compare(x.Card, c) })
	j := i
	for j < len(l.lines) && l.lines[j].Card == card {
		j++
	}
	return l.lines[i:j]
}
