package store

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/textclean"
)

// Snapshot format 2: a compact binary encoding, gzipped. Format 1 (gzipped
// JSON, snapshot.go) took some 650 ms to read back for 50,000 members and
// two terminals of 25,000 accounts, more than half of the console's first
// frame; this one about 80 ms (internal/cli BenchmarkStoredSnapshotsRead50k).
// Format 1 blobs are still read.
//
// The body is a kind byte ('m' members, 'a' accounts), the number of
// entries, the entries, and nothing after them. Numbers are varints,
// strings a length and their bytes, lists a count and their elements.
// Strings that repeat across entries (names, attribute keys and values)
// are symbols: 0 and the string the first time, then its number (1 for the
// first symbol of the blob): smaller to inflate and to parse.
//
//	member:  id email flags(1: inactive, 2: raw e-mail differs) [raw_email]
//	         first* last* roles(org role start end) tags* extra[3] problems
//	date:    year month day (0 0 0: none)
//	account: id name* email begin end flags(1: permanent) attrs(key* value*, by key) problems
//	time:    length and time.Time's binary form (length 0: none)
//	(* a symbol)
const (
	kindMembers  = 'm'
	kindAccounts = 'a'
)

// binWriter appends the encoding.
type binWriter struct {
	b    []byte
	syms map[string]uint64
}

// sym writes a string that may repeat (see the format above).
func (w *binWriter) sym(s string) {
	if n, ok := w.syms[s]; ok {
		w.uint(n)
		return
	}
	if w.syms == nil {
		w.syms = map[string]uint64{}
	}
	w.syms[s] = uint64(len(w.syms) + 1)
	w.uint(0)
	w.str(s)
}

func (w *binWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *binWriter) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *binWriter) str(s string)  { w.uint(uint64(len(s))); w.b = append(w.b, s...) }

func (w *binWriter) strs(ss []string) {
	w.uint(uint64(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
}

func (w *binWriter) date(d member.Date) {
	w.int(int64(d.Year))
	w.uint(uint64(d.Month))
	w.uint(uint64(d.Day))
}

func (w *binWriter) time(t time.Time) error {
	if t.IsZero() {
		w.uint(0)
		return nil
	}
	// Format 1 could only hold four-digit years; so does this one, so that
	// a snapshot means the same whichever format wrote it.
	if y := t.Year(); y < 0 || y > 9999 {
		return fmt.Errorf("year %d is outside 0–9999", y)
	}
	b, err := t.MarshalBinary()
	if err != nil {
		return err
	}
	w.uint(uint64(len(b)))
	w.b = append(w.b, b...)
	return nil
}

func encodeMembers(ms []member.Member) ([]byte, error) {
	w := &binWriter{b: make([]byte, 0, 64+len(ms)*96)}
	w.b = append(w.b, kindMembers)
	w.uint(uint64(len(ms)))
	for _, m := range ms {
		w.str(m.ID)
		w.str(string(m.Email))
		var flags uint64
		if m.Inactive {
			flags |= 1
		}
		if m.RawEmail != string(m.Email) {
			flags |= 2
		}
		w.uint(flags)
		if flags&2 != 0 {
			w.str(m.RawEmail)
		}
		w.sym(m.FirstName)
		w.sym(m.LastName)
		w.uint(uint64(len(m.Roles)))
		for _, r := range m.Roles {
			w.int(int64(r.OrganisationID))
			w.int(int64(r.RoleID))
			w.date(r.Start)
			w.date(r.End)
		}
		w.uint(uint64(len(m.Tags)))
		for _, x := range m.Tags {
			w.sym(x)
		}
		for _, x := range m.Extra {
			w.str(x)
		}
		w.strs(m.Problems)
	}
	return gzipBody(w.b)
}

func encodeAccounts(as []target.Account) ([]byte, error) {
	w := &binWriter{b: make([]byte, 0, 64+len(as)*160)}
	w.b = append(w.b, kindAccounts)
	w.uint(uint64(len(as)))
	for i, a := range as {
		if a.ID == "" {
			return nil, fmt.Errorf("entry %d (%s): account without id", i+1, a.Label())
		}
		w.str(a.ID)
		w.sym(a.Name)
		w.str(string(a.Email))
		if err := w.time(a.Begin); err != nil {
			return nil, fmt.Errorf("account %s: begin: %w", a.Label(), err)
		}
		if err := w.time(a.End); err != nil {
			return nil, fmt.Errorf("account %s: end: %w", a.Label(), err)
		}
		var flags uint64
		if a.Permanent {
			flags |= 1
		}
		w.uint(flags)
		keys := make([]string, 0, len(a.Attrs))
		for k := range a.Attrs {
			keys = append(keys, k)
		}
		slices.Sort(keys) // the same accounts, the same bytes
		w.uint(uint64(len(keys)))
		for _, k := range keys {
			w.sym(k)
			w.sym(a.Attrs[k])
		}
		w.strs(a.Problems)
	}
	return gzipBody(w.b)
}

func gzipBody(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// gunzip decompresses a blob whole, refusing anything beyond
// maxSnapshotBytes and checking the gzip checksum.
func gunzip(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("damaged snapshot: %w", err)
	}
	// The trailer holds the size (mod 4 GiB): read into one buffer of that
	// size instead of growing one, but never trust it beyond what the
	// compressed size makes plausible.
	var hint int
	if n := len(data); n >= 4 {
		hint = int(binary.LittleEndian.Uint32(data[n-4:]))
		hint = min(hint, 64*n+4096, maxSnapshotBytes)
	}
	buf := bytes.NewBuffer(make([]byte, 0, hint+bytes.MinRead)) // ReadFrom wants MinRead free to read on
	n, err := buf.ReadFrom(io.LimitReader(zr, maxSnapshotBytes+1))
	if err != nil {
		return nil, fmt.Errorf("damaged snapshot: %w", err)
	}
	if n > maxSnapshotBytes {
		return nil, fmt.Errorf("damaged snapshot: larger than %d bytes", maxSnapshotBytes)
	}
	return buf.Bytes(), nil
}

// binReader decodes the body. The first error sticks; every read after it
// returns zero values, so callers check err once per entry.
type binReader struct {
	s    string // the body: strings are slices of it, one allocation for all
	off  int
	err  error
	syms []string
}

// sym reads a string written by binWriter.sym.
func (r *binReader) sym() string {
	n := r.uint()
	switch {
	case r.err != nil:
		return ""
	case n == 0:
		// A symbol is a name, tag, kind or reason: cleaned once, where it
		// is defined, so that one written raw by an earlier version (before
		// names were cleaned where they enter) reaches no output raw.
		s := textclean.Clean(r.str())
		if r.err == nil {
			r.syms = append(r.syms, s)
		}
		return s
	case n > uint64(len(r.syms)):
		r.fail("symbol %d at byte %d is not defined yet", n, r.off)
		return ""
	}
	return r.syms[n-1]
}

func (r *binReader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, a...)
	}
}

func (r *binReader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	var v uint64
	for shift := 0; ; shift += 7 {
		if r.off >= len(r.s) {
			r.fail("cut short at byte %d", r.off)
			return 0
		}
		c := r.s[r.off]
		r.off++
		if shift == 63 && c > 1 {
			r.fail("number too large at byte %d", r.off)
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
}

func (r *binReader) int() int64 {
	u := r.uint()
	return int64(u>>1) ^ -int64(u&1)
}

// count reads a length that cannot exceed what is left (each element takes
// at least one byte), so a damaged count cannot allocate gigabytes.
func (r *binReader) count() int {
	n := r.uint()
	if r.err == nil && n > uint64(len(r.s)-r.off) {
		r.fail("count %d at byte %d exceeds the data", n, r.off)
		return 0
	}
	return int(n)
}

func (r *binReader) str() string {
	n := r.count()
	if r.err != nil {
		return ""
	}
	s := r.s[r.off : r.off+n]
	r.off += n
	return s
}

func (r *binReader) strs() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.str()
	}
	return out
}

func (r *binReader) date() member.Date {
	y, m, d := r.int(), r.uint(), r.uint()
	if r.err != nil {
		return member.Date{}
	}
	if y == 0 && m == 0 && d == 0 {
		return member.Date{}
	}
	if m < 1 || m > 12 || d < 1 || d > 31 {
		r.fail("date %d-%d-%d is not a date", y, m, d)
		return member.Date{}
	}
	date := member.Date{Year: int(y), Month: time.Month(m), Day: int(d)}
	if d > uint64(daysIn(date.Year, date.Month)) {
		r.fail("date %s does not exist", date)
		return member.Date{}
	}
	return date
}

// daysIn is the length of a month of the proleptic Gregorian calendar
// (what time.Date and member.NewDate use), without building a time.
func daysIn(year int, m time.Month) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func (r *binReader) time() time.Time {
	b := r.str()
	if r.err != nil || b == "" {
		return time.Time{}
	}
	var t time.Time
	if err := t.UnmarshalBinary([]byte(b)); err != nil {
		r.fail("time: %v", err)
		return time.Time{}
	}
	if y := t.Year(); y < 0 || y > 9999 {
		r.fail("time %v: year outside 0–9999", t)
		return time.Time{}
	}
	return t
}

// start checks the kind byte and returns the number of entries.
func (r *binReader) start(kind byte) int {
	if len(r.s) == 0 || r.s[0] != kind {
		r.fail("not a snapshot of %s", map[byte]string{kindMembers: "members", kindAccounts: "accounts"}[kind])
		return 0
	}
	r.off = 1
	return r.count()
}

func (r *binReader) end() error {
	if r.err == nil && r.off != len(r.s) {
		r.fail("data after the last entry")
	}
	return r.err
}

func decodeMembers(data []byte) ([]member.Member, error) {
	raw, err := gunzip(data)
	if err != nil {
		return nil, err
	}
	r := &binReader{s: bodyString(raw)}
	n := r.start(kindMembers)
	out := make([]member.Member, n)
	for i := range out {
		m := &out[i]
		m.ID, m.Email = r.str(), member.Email(r.str())
		flags := r.uint()
		m.Inactive = flags&1 != 0
		m.RawEmail = string(m.Email)
		if flags&2 != 0 {
			m.RawEmail = r.str()
		}
		m.FirstName, m.LastName = r.sym(), r.sym()
		if nr := r.count(); nr > 0 {
			m.Roles = make([]member.Role, nr)
			for j := range m.Roles {
				m.Roles[j] = member.Role{OrganisationID: int(r.int()), RoleID: int(r.int()), Start: r.date(), End: r.date()}
			}
		}
		if nt := r.count(); nt > 0 {
			m.Tags = make([]string, nt)
			for j := range m.Tags {
				m.Tags[j] = r.sym()
			}
		}
		for j := range m.Extra {
			m.Extra[j] = r.str()
		}
		m.Problems = r.strs()
		if r.err == nil && flags > 3 {
			r.fail("unknown flags %d", flags)
		}
		if r.err != nil {
			return nil, fmt.Errorf("damaged snapshot: entry %d: %w", i+1, r.err)
		}
		if err := checkEmail(m.Email); err != nil {
			return nil, fmt.Errorf("entry %d (%s): %w", i+1, m.Label(), err)
		}
	}
	if err := r.end(); err != nil {
		return nil, fmt.Errorf("damaged snapshot: %w", err)
	}
	return out, nil
}

// attrCache hands out one map per distinct set of attributes: accounts
// mostly carry the same few (Hikvision: userType "normal"), and a map per
// account was megabytes at 50,000 accounts.
type attrCache map[string]map[string]string

func (c attrCache) read(r *binReader, n int) map[string]string {
	var key strings.Builder
	kv := make([]string, 0, 2*n)
	prev := ""
	for j := range n {
		k, v := r.sym(), r.sym()
		if r.err == nil && j > 0 && k <= prev {
			r.fail("attribute %q out of order", k)
		}
		prev = k
		kv = append(kv, k, v)
		key.WriteString(k)
		key.WriteByte(0)
		key.WriteString(v)
		key.WriteByte(0)
	}
	if m, ok := c[key.String()]; ok {
		return m
	}
	m := make(map[string]string, n)
	for j := 0; j < len(kv); j += 2 {
		m[kv[j]] = kv[j+1]
	}
	c[key.String()] = m
	return m
}

func decodeAccounts(data []byte) ([]target.Account, error) {
	raw, err := gunzip(data)
	if err != nil {
		return nil, err
	}
	r := &binReader{s: bodyString(raw)}
	n := r.start(kindAccounts)
	out := make([]target.Account, n)
	attrs := attrCache{}
	for i := range out {
		a := &out[i]
		a.ID, a.Name, a.Email = r.str(), r.sym(), member.Email(r.str())
		a.Begin, a.End = r.time(), r.time()
		flags := r.uint()
		a.Permanent = flags&1 != 0
		if na := r.count(); na > 0 {
			a.Attrs = attrs.read(r, na)
		}
		a.Problems = r.strs()
		if r.err == nil && flags > 1 {
			r.fail("unknown flags %d", flags)
		}
		if r.err != nil {
			return nil, fmt.Errorf("damaged snapshot: entry %d: %w", i+1, r.err)
		}
		if a.ID == "" {
			return nil, fmt.Errorf("entry %d: account without id", i+1)
		}
		if err := checkEmail(a.Email); err != nil {
			return nil, fmt.Errorf("account %s: %w", a.Label(), err)
		}
	}
	if err := r.end(); err != nil {
		return nil, fmt.Errorf("damaged snapshot: %w", err)
	}
	return out, nil
}

// bodyString is the decompressed body as a string without copying it:
// gunzip made the bytes for this decode alone and nothing writes them
// after, so every string sliced from the body may share them (copying 13 MB
// for a 50,000-member club and two terminals cost a tenth of the read).
func bodyString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// checkEmail refuses an e-mail that is not normalised: the key of
// everything, a damaged one must not join the wrong accounts.
func checkEmail(e member.Email) error {
	if e == "" {
		return nil
	}
	if norm, err := member.NormalizeEmail(string(e)); err != nil || norm != e {
		return fmt.Errorf("e-mail %q is not a normalised address", e)
	}
	return nil
}
