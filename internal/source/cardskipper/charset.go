package cardskipper

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// charsetReader lets the XML readers (the export scanner and, for the
// organisation info, encoding/xml) accept the declarations Cardskipper's .NET
// stack may write. The HTTP body is UTF-8, but .NET code that serialises
// through a StringWriter declares encoding="utf-16" on a UTF-8 body; since
// sniff has already refused real UTF-16 (it starts with a byte order mark or
// a zero byte, never with '<'), such a document is read as UTF-8. Latin-1 is
// converted; anything else is refused with a clear message.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-16", "utf16", "unicode", "us-ascii", "ascii", "utf8":
		return input, nil
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "l1":
		br, ok := input.(io.ByteReader)
		if !ok {
			br = bufio.NewReader(input)
		}
		return &latin1Reader{r: br}, nil
	}
	return nil, &charsetError{label: label}
}

// charsetError refuses a declared encoding. It is an ErrNotXML.
type charsetError struct{ label string }

func (e *charsetError) Error() string {
	return fmt.Sprintf("%v: unsupported character encoding %q (want UTF-8)", ErrNotXML, e.label)
}

func (e *charsetError) Is(target error) bool { return target == ErrNotXML }

// latin1Reader converts ISO-8859-1 bytes to UTF-8.
type latin1Reader struct {
	r       io.ByteReader
	pending []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(l.pending) > 0 {
			c := copy(p[n:], l.pending)
			l.pending = l.pending[c:]
			n += c
			continue
		}
		b, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if b < utf8.RuneSelf {
			p[n] = b
			n++
			continue
		}
		var buf [2]byte
		utf8.EncodeRune(buf[:], rune(b))
		l.pending = append(l.pending[:0], buf[:]...)
	}
	return n, nil
}
