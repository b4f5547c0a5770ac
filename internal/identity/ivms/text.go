package ivms

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// decodeText turns the bytes of a text export into UTF-8 and names the
// encoding found. iVMS-4200 and Excel write UTF-8 with or without a BOM,
// UTF-16LE with a BOM ("Unicode text"), or the Windows code page of the
// desktop, which for Slovenian is Windows-1250: bytes that are not valid
// UTF-8 are read as that.
func decodeText(b []byte) (text, encoding string, err error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
		if !utf8.Valid(b) {
			return "", "", fmt.Errorf("line %d: not valid UTF-8 although the file starts with a UTF-8 byte-order mark", badUTF8Line(b))
		}
		return string(b), "UTF-8 with BOM", nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		s, err := decodeUTF16(b[2:], false)
		return s, "UTF-16LE", err
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		s, err := decodeUTF16(b[2:], true)
		return s, "UTF-16BE", err
	case looksUTF16LE(b):
		s, err := decodeUTF16(b, false)
		return s, "UTF-16LE without BOM", err
	case utf8.Valid(b):
		return string(b), "UTF-8", nil
	}
	s, err := charmap.Windows1250.NewDecoder().Bytes(b)
	if err != nil {
		return "", "", fmt.Errorf("decode as Windows-1250: %w", err)
	}
	return string(s), "Windows-1250", nil
}

// looksUTF16LE spots UTF-16LE without a BOM: Latin text then has a zero in
// most odd bytes (Š is 60 01, so not in all) and in no even byte. The start
// is enough; a header row is mostly ASCII.
func looksUTF16LE(b []byte) bool {
	n := min(len(b), 512) &^ 1
	if n < 4 {
		return false
	}
	oddZeros := 0
	for i := 0; i < n; i += 2 {
		if b[i] == 0 && b[i+1] == 0 {
			return false
		}
		if b[i+1] == 0 {
			oddZeros++
		}
	}
	return oddZeros*10 >= (n/2)*7
}

func decodeUTF16(b []byte, bigEndian bool) (string, error) {
	if len(b)%2 != 0 {
		return "", errors.New("UTF-16 text with an odd number of bytes: the file is truncated or not UTF-16")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	// Unpaired surrogates become U+FFFD; a name may be mangled, an e-mail
	// with one is rejected row by row.
	return string(utf16.Decode(u)), nil
}

func badUTF8Line(b []byte) int {
	line := 1
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		b = b[size:]
	}
	return line
}

// record is one row of an export and the line (CSV) or row number (XLSX)
// where it starts, as the user sees it in an editor or Excel.
type record struct {
	line   int
	fields []string
}

// maxColumns bounds a row's cells: iVMS exports have about thirty, and a
// line of a million separators must not cost a million strings.
const maxColumns = 1024

// csvScanner splits decoded text into records. It is written out rather
// than using encoding/csv because that reader, with LazyQuotes (needed for
// names like Marko "Mare" Novak), reads everything after an unclosed quote
// into one field and reports no error: the rest of the file would vanish
// silently. Here an unclosed quote is an error naming its line, a quote
// inside an unquoted field is kept as text, and CR, LF and CRLF all end a
// line (Excel for Mac writes CR).
type csvScanner struct {
	s     string
	pos   int
	line  int
	delim byte
}

func newCSVScanner(s string, delim byte) *csvScanner {
	return &csvScanner{s: s, line: 1, delim: delim}
}

// next returns the next record; ok is false at the end of the text.
func (c *csvScanner) next() (rec record, ok bool, err error) {
	if c.pos >= len(c.s) {
		return record{}, false, nil
	}
	rec.line = c.line
	for {
		if len(rec.fields) >= maxColumns {
			return record{}, false, fmt.Errorf("line %d: more than %d columns", rec.line, maxColumns)
		}
		field, err := c.field()
		if err != nil {
			return record{}, false, err
		}
		rec.fields = append(rec.fields, field)
		if c.pos >= len(c.s) {
			return rec, true, nil
		}
		switch c.s[c.pos] {
		case c.delim:
			c.pos++
			if c.pos >= len(c.s) {
				rec.fields = append(rec.fields, "")
				return rec, true, nil
			}
		case '\r':
			c.pos++
			if c.pos < len(c.s) && c.s[c.pos] == '\n' {
				c.pos++
			}
			c.line++
			return rec, true, nil
		default: // '\n'
			c.pos++
			c.line++
			return rec, true, nil
		}
	}
}

// field reads one field and leaves pos on the delimiter, the line end or
// the end of the text.
func (c *csvScanner) field() (string, error) {
	if c.s[c.pos] != '"' {
		end := c.fieldEnd(c.pos)
		f := c.s[c.pos:end]
		c.pos = end
		return f, nil
	}
	start := c.line
	c.pos++
	var b strings.Builder
	for {
		i := strings.IndexByte(c.s[c.pos:], '"')
		if i < 0 {
			return "", fmt.Errorf("line %d: a quoted field opened here is never closed", start)
		}
		chunk := c.s[c.pos : c.pos+i]
		c.line += countLineEnds(chunk)
		b.WriteString(chunk)
		c.pos += i + 1
		if c.pos < len(c.s) && c.s[c.pos] == '"' {
			b.WriteByte('"')
			c.pos++
			continue
		}
		break
	}
	// Text after the closing quote ("Novak" Jr) is kept, as Excel does.
	end := c.fieldEnd(c.pos)
	b.WriteString(c.s[c.pos:end])
	c.pos = end
	return b.String(), nil
}

func (c *csvScanner) fieldEnd(from int) int {
	for i := from; i < len(c.s); i++ {
		if b := c.s[i]; b == c.delim || b == '\n' || b == '\r' {
			return i
		}
	}
	return len(c.s)
}

// countLineEnds counts line ends inside a quoted field the way next does
// between records (CRLF is one).
func countLineEnds(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			n++
		case '\r':
			if i+1 >= len(s) || s[i+1] != '\n' {
				n++
			}
		}
	}
	return n
}
