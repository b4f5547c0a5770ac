package cardskipper

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// xmlScanner is a streaming XML tokenizer made for Cardskipper's exports:
// documents of hundreds of megabytes whose data sit in attributes. It does
// what encoding/xml's RawToken does, with the same rules and the same
// messages where it can (the export decoder was built on encoding/xml, and
// FuzzDecodeMatchesOracle holds this scanner to it), and also matches every
// end tag to its start tag. It differs from encoding/xml on purpose in these
// ways only:
//
//   - Names follow the XML 1.0 fifth edition (NameStartChar/NameChar), a
//     superset of the fourth-edition tables encoding/xml uses; see
//     isNameStartRune.
//   - A document cut inside a CDATA section is truncated (retryable), not
//     malformed.
//   - An XML declaration with a version other than 1.0 is malformed
//     (encoding/xml's error there is unclassified).
//   - A document beyond a cap of limits.go (nesting depth, length of a
//     name, value, text or start tag, number of attributes) fails with an
//     xmlLimitError where encoding/xml would read on without bound.
//
// It is allocation-lean: it reads straight out of the bufio.Reader's buffer,
// and the current token's name, attribute names and values live in one
// reused buffer (tok) until the next token. Names are handed out as bytes for
// the caller to compare; only values the caller keeps become strings.
// Comments, processing instructions and directives (DOCTYPE included: it is
// skipped, and entities it declares stay unknown) are read and validated as
// encoding/xml does, but never returned.
type xmlScanner struct {
	// scrub takes credentials out of what a syntax error quotes, before
	// it is cut (nil: quoted as it is).
	scrub scrubFunc
	r     *bufio.Reader
	win   []byte // r's buffered bytes, peeked; win[pos:] is not yet consumed
	pos   int
	off   int64 // input offset of win[0]
	line  int
	rerr  error // the read error that ended the input (io.EOF at its end); sticky

	// keepText makes text tokens carry their text; otherwise text is only
	// validated (nearly all of it is indentation).
	keepText bool
	// lenientValues lets a start tag's attribute values carry characters
	// XML forbids (control characters, U+FFFE, invalid UTF-8, raw or as
	// references): each becomes U+FFFD in the value and the attribute's bad
	// says which was first, instead of the document failing. One member's
	// bad name must not stop everyone's renewal.
	lenientValues bool
	valueBad      rune // set by text: an attribute value's first forbidden character
	textBad       rune // set by text: a text token's first forbidden character (lenientValues)
	badValues     int  // how many of the current start tag's attributes have one

	// The current token. tok holds the element name (tok[:nameEnd]), then
	// each attribute's name and value, or the text of a text token.
	tok       []byte
	nameEnd   int
	attrs     []attrSpan
	selfClose bool // the last start tag was <x/>: next returns its end

	// The open elements' names, concatenated; ends[i] is where the i-th ends.
	open []byte
	ends []int
}

// attrSpan locates one attribute in xmlScanner.tok: its name is
// tok[nameStart:nameEnd], its value tok[nameEnd:valueEnd]. bad is the first
// character XML forbids in the value (only with lenientValues), or
// noBadRune.
type attrSpan struct {
	nameStart, nameEnd, valueEnd int
	bad                          rune
}

// tokKind is the kind of a token next returns.
type tokKind uint8

const (
	tokStart tokKind = iota + 1 // a start tag, or the first half of <x/>
	tokEnd                      // an end tag, or the second half of <x/>
	tokText                     // character data or a CDATA section
)

// xmlSyntaxError is a document that is not well-formed XML.
type xmlSyntaxError struct {
	msg  string
	line int
}

func (e *xmlSyntaxError) Error() string {
	return fmt.Sprintf("XML syntax error on line %d: %s", e.line, e.msg)
}

func newXMLScanner(r *bufio.Reader) *xmlScanner {
	return &xmlScanner{r: r, line: 1, tok: make([]byte, 0, 1024), attrs: make([]attrSpan, 0, 16)}
}

// next reads the next start tag, end tag or text. At the end of the input
// between tokens it returns io.EOF; inside a token io.ErrUnexpectedEOF.
// Errors of the underlying reader are returned as they are.
func (s *xmlScanner) next() (tokKind, error) {
	if s.selfClose {
		// The name of <x/> is still in tok.
		s.selfClose = false
		s.attrs, s.badValues = s.attrs[:0], 0
		s.pop()
		return tokEnd, nil
	}
	for {
		s.tok, s.attrs, s.nameEnd, s.badValues, s.textBad = s.tok[:0], s.attrs[:0], 0, 0, noBadRune
		c, ok := s.peek()
		if !ok {
			return 0, s.rerr
		}
		if c != '<' {
			return tokText, s.text(0, false, s.keepText)
		}
		s.pos++
		if c, ok = s.peek(); !ok {
			return 0, s.eofInToken()
		}
		var err error
		switch c {
		case '/':
			s.pos++
			return tokEnd, s.endTag()
		case '?':
			s.pos++
			err = s.procInst()
		case '!':
			s.pos++
			var text bool
			if text, err = s.bang(); text && err == nil {
				return tokText, nil
			}
		default:
			return tokStart, s.startTag()
		}
		if err != nil {
			return 0, err
		}
	}
}

// name is the qualified name of the current start or end tag, as written.
func (s *xmlScanner) name() []byte { return s.tok[:s.nameEnd] }

// attr returns the name and the (decoded) value of the current start tag's
// i-th attribute. Both are valid until the next call of next.
func (s *xmlScanner) attr(i int) (name, value []byte) {
	a := s.attrs[i]
	return s.tok[a.nameStart:a.nameEnd], s.tok[a.nameEnd:a.valueEnd]
}

// badValueError is the error a strict scanner gives for the current start
// tag's first attribute with a forbidden character, or nil.
func (s *xmlScanner) badValueError() error {
	for _, a := range s.attrs {
		if a.bad != noBadRune {
			return s.badText(a.bad)
		}
	}
	return nil
}

// text is the current text token's text (empty unless keepText was set).
func (s *xmlScanner) textBytes() []byte { return s.tok }

// depth is the number of open elements.
func (s *xmlScanner) depth() int { return len(s.ends) }

// offset is how many bytes of the input have been consumed.
func (s *xmlScanner) offset() int64 { return s.off + int64(s.pos) }

func (s *xmlScanner) syntax(msg string) error { return &xmlSyntaxError{msg: msg, line: s.line} }

// xmlLimitError is a document beyond one of the caps of limits.go. msg says
// which ("elements nested deeper than 256").
type xmlLimitError struct {
	msg  string
	line int
}

func (e *xmlLimitError) Error() string {
	return fmt.Sprintf("XML beyond a cap on line %d: %s", e.line, e.msg)
}

func (s *xmlScanner) limit(format string, args ...any) error {
	return &xmlLimitError{msg: fmt.Sprintf(format, args...), line: s.line}
}

// fill makes win hold unread bytes, consuming the ones read so far. It
// reports false at the end of the input (or on a read error, kept in rerr).
func (s *xmlScanner) fill() bool {
	if s.rerr != nil {
		return false
	}
	s.consume()
	b, err := s.r.Peek(1)
	if len(b) == 0 {
		if err == nil {
			err = io.ErrNoProgress
		}
		s.rerr = err
		return false
	}
	s.win, _ = s.r.Peek(s.r.Buffered())
	return true
}

// consume tells the reader that win[:pos] has been read.
func (s *xmlScanner) consume() {
	if s.pos > 0 {
		// Cannot fail: win[:pos] is buffered.
		_, _ = s.r.Discard(s.pos)
		s.off += int64(s.pos)
	}
	s.win, s.pos = nil, 0
}

// peek returns the next byte without consuming it.
func (s *xmlScanner) peek() (byte, bool) {
	if s.pos >= len(s.win) && !s.fill() {
		return 0, false
	}
	return s.win[s.pos], true
}

// must consumes the next byte, which must exist.
func (s *xmlScanner) must() (byte, error) {
	if s.pos >= len(s.win) && !s.fill() {
		return 0, s.eofInToken()
	}
	c := s.win[s.pos]
	s.pos++
	if c == '\n' {
		s.line++
	}
	return c, nil
}

// eofInToken is the error for an input that ends inside a token.
func (s *xmlScanner) eofInToken() error {
	if s.rerr == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return s.rerr
}

// space skips white space.
func (s *xmlScanner) space() {
	for {
		if s.pos >= len(s.win) && !s.fill() {
			return
		}
		switch s.win[s.pos] {
		case ' ', '\t', '\r':
		case '\n':
			s.line++
		default:
			return
		}
		s.pos++
	}
}

// decodeRune decodes the character at pos, reading ahead across the end of
// the buffer if needed. At the end of the input a partial sequence is
// utf8.RuneError of size 1.
func (s *xmlScanner) decodeRune() (rune, int) {
	if !utf8.FullRune(s.win[s.pos:]) && s.rerr == nil {
		s.consume()
		var err error
		if s.win, err = s.r.Peek(utf8.UTFMax); err != nil && len(s.win) < utf8.UTFMax {
			s.rerr = err
		}
		s.win, _ = s.r.Peek(s.r.Buffered())
	}
	return utf8.DecodeRune(s.win[s.pos:])
}

// startTag reads a start tag after its '<'.
func (s *xmlScanner) startTag() error {
	if err := s.qname("expected element name after <"); err != nil {
		return err
	}
	s.nameEnd = len(s.tok)
	for {
		s.space()
		c, err := s.must()
		if err != nil {
			return err
		}
		if c == '/' {
			if c, err = s.must(); err != nil {
				return err
			}
			if c != '>' {
				return s.syntax("expected /> in element")
			}
			s.selfClose = true
			break
		}
		if c == '>' {
			break
		}
		s.pos-- // c is not white space, so no line to take back
		if len(s.attrs) == maxAttrs {
			return s.limit("more than %d attributes in one element", maxAttrs)
		}
		a := attrSpan{nameStart: len(s.tok)}
		if err := s.qname("expected attribute name in element"); err != nil {
			return err
		}
		a.nameEnd = len(s.tok)
		s.space()
		if c, err = s.must(); err != nil {
			return err
		}
		if c != '=' {
			return s.syntax("attribute name without = in element")
		}
		s.space()
		if c, err = s.must(); err != nil {
			return err
		}
		if c != '"' && c != '\'' {
			return s.syntax("unquoted or missing attribute value in element")
		}
		if err := s.text(c, false, true); err != nil {
			return err
		}
		a.valueEnd, a.bad = len(s.tok), s.valueBad
		if a.bad != noBadRune {
			s.badValues++
		}
		s.attrs = append(s.attrs, a)
	}
	if len(s.ends) == maxDepth {
		return s.limit("elements nested deeper than %d", maxDepth)
	}
	s.open = append(s.open, s.tok[:s.nameEnd]...)
	s.ends = append(s.ends, len(s.open))
	return nil
}

// endTag reads an end tag after its "</" and matches it to the open element.
func (s *xmlScanner) endTag() error {
	if err := s.qname("expected element name after </"); err != nil {
		return err
	}
	s.nameEnd = len(s.tok)
	name := s.tok[:s.nameEnd]
	s.space()
	c, err := s.must()
	if err != nil {
		return err
	}
	if c != '>' {
		return s.syntax("invalid characters between </" + string(localName(name)) + " and >")
	}
	if len(s.ends) == 0 {
		return s.syntax("unexpected end element </" + string(localName(name)) + ">")
	}
	if open := s.top(); !bytes.Equal(open, name) {
		return s.syntax("element <" + string(open) + "> closed by </" + string(name) + ">")
	}
	s.pop()
	return nil
}

// top is the innermost open element's name.
func (s *xmlScanner) top() []byte {
	start := 0
	if n := len(s.ends); n > 1 {
		start = s.ends[n-2]
	}
	return s.open[start:]
}

func (s *xmlScanner) pop() {
	s.ends = s.ends[:len(s.ends)-1]
	end := 0
	if n := len(s.ends); n > 0 {
		end = s.ends[n-1]
	}
	s.open = s.open[:end]
}

// qname reads an element or attribute name onto tok: a name with at most
// one colon. missing is the message for no name at all.
func (s *xmlScanner) qname(missing string) error {
	start := len(s.tok)
	ok, err := s.readName()
	if err != nil {
		return err
	}
	if !ok {
		return s.syntax(missing)
	}
	name := s.tok[start:]
	ok, colons := isXMLName(name)
	if !ok {
		return s.syntax("invalid XML name: " + s.scrub.quote(name, 80))
	}
	if colons > 1 {
		return s.syntax(missing)
	}
	return nil
}

// readName appends the bytes of a name to tok: everything up to the first
// ASCII byte that cannot be in a name. It reports false, reading nothing, if
// there is no name. The caller validates the characters.
func (s *xmlScanner) readName() (bool, error) {
	c, ok := s.peek()
	if !ok {
		return false, s.eofInToken()
	}
	if c < utf8.RuneSelf && !isNameByte(c) {
		return false, nil
	}
	start := len(s.tok)
	for {
		win := s.win[s.pos:]
		i := 0
		for i < len(win) && (win[i] >= utf8.RuneSelf || isNameByte(win[i])) {
			i++
		}
		if len(s.tok)-start+i > maxName {
			return false, s.limit("a name longer than %d bytes", maxName)
		}
		s.tok = append(s.tok, win[:i]...)
		s.pos += i
		if len(s.tok) > maxTag {
			return false, s.limit("a start tag longer than %d bytes", maxTag)
		}
		if i < len(win) {
			return true, nil
		}
		if !s.fill() {
			// Whatever follows a name, it is not the end of the input.
			return false, s.eofInToken()
		}
	}
}

// localName is the part of a qualified name after its colon, as
// encoding/xml splits it: "cs:Member" is Member; ":x" and "x:" stay whole.
func localName(q []byte) []byte {
	if i := bytes.IndexByte(q, ':'); i > 0 && i < len(q)-1 {
		return q[i+1:]
	}
	return q
}
