package cardskipper

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// text reads character data onto tok (if keep): an attribute value up to
// its closing quote (quote, double or single), a CDATA section up to "]]>"
// (cdata), or text up to the next '<' or the end of the input (quote 0).
// References are replaced, "\r\n" and "\r" become "\n", as encoding/xml does.
//
// Like encoding/xml, it reports characters that XML forbids (invalid UTF-8,
// control characters) only once the text has ended (at the end of the
// input too), after the errors found while reading it: a broken reference
// or an unescaped '<' is reported first. With lenientValues, such a
// character is no error: it is kept as U+FFFD and the first one is left in
// valueBad (an attribute value) or textBad (text, CDATA) for the caller to
// report; it reports a character reference to a surrogate (U+FFFD) too.
func (s *xmlScanner) text(quote byte, cdata, keep bool) error {
	lenient := s.lenientValues
	s.valueBad = noBadRune
	bad := noBadRune // the first forbidden character
	brackets := 0    // how many ']' were just read, for "]]>"
	cr := false      // the last byte was '\r'
	start := s.offset()
	for {
		if err := s.textLimit(quote, start); err != nil {
			return err
		}
		if s.pos >= len(s.win) && !s.fill() {
			switch {
			case s.rerr != io.EOF || cdata:
				return s.eofInToken()
			case bad != noBadRune && lenient && quote == 0:
				s.textBad = bad
				return nil
			case bad != noBadRune:
				return s.badText(bad)
			case quote != 0:
				return s.eofInToken()
			}
			return nil // text may end the input; the caller sees io.EOF next
		}
		// The fast path: a run of bytes that need no attention.
		win := s.win[s.pos:]
		i := 0
		switch {
		case quote != 0:
			for i < len(win) {
				if c := win[i]; c < ' ' || c >= utf8.RuneSelf || c == quote || c == '&' || c == '<' {
					break
				}
				i++
			}
		case !cdata:
			for i < len(win) {
				if c := win[i]; c < ' ' || c >= utf8.RuneSelf || c == '&' || c == '<' || c == ']' || c == '>' {
					break
				}
				i++
			}
		default:
			for i < len(win) {
				if c := win[i]; c < ' ' || c >= utf8.RuneSelf || c == ']' || c == '>' {
					break
				}
				i++
			}
		}
		if i > 0 {
			if keep {
				s.tok = append(s.tok, win[:i]...)
			}
			s.pos += i
			brackets, cr = 0, false
			if i == len(win) {
				continue
			}
		}
		c := win[i]
		switch {
		case c == quote && quote != 0:
			s.pos++
			if bad == noBadRune {
				return nil
			}
			if lenient {
				s.valueBad = bad
				return nil
			}
			return s.badText(bad)
		case c == '<' && !cdata:
			if quote != 0 {
				return s.syntax("unescaped < inside quoted string")
			}
			if bad == noBadRune {
				return nil // the '<' starts the next token
			}
			if lenient {
				s.textBad = bad
				return nil
			}
			return s.badText(bad)
		case c == '&' && !cdata:
			s.pos++
			r, err := s.reference()
			if err != nil {
				return err
			}
			switch {
			case r == beyondRef:
				if bad == noBadRune {
					bad = r
				}
				r = utf8.RuneError
			case r == surrogateRef:
				// U+FFFD, as encoding/xml reads it; the lenient scanner
				// (the export) reports it like a forbidden character, so
				// that a name does not change without a word.
				if lenient && bad == noBadRune {
					bad = r
				}
				r = utf8.RuneError
			case !isInCharacterRange(r):
				if bad == noBadRune {
					bad = r
				}
				if lenient {
					r = utf8.RuneError
				}
			}
			if keep {
				s.tok = utf8.AppendRune(s.tok, r)
			}
			brackets, cr = 0, false
			continue
		case c == ']':
			s.pos++
			brackets++
			cr = false
		case c == '>':
			s.pos++
			if brackets >= 2 {
				if !cdata {
					return s.syntax("unescaped ]]> not in CDATA section")
				}
				if keep {
					s.tok = s.tok[:len(s.tok)-2] // the "]]"
				}
				if bad != noBadRune && lenient {
					s.textBad = bad
					return nil
				}
				return s.badText(bad)
			}
			brackets, cr = 0, false
		case c == '\n':
			s.pos++
			s.line++
			if cr {
				// "\r\n": the '\r' was written as '\n'.
				cr = false
				continue
			}
			brackets = 0
		case c == '\r':
			s.pos++
			c = '\n'
			brackets, cr = 0, true
		case c < ' ':
			s.pos++
			brackets, cr = 0, false
			if c == '\t' {
				break
			}
			if bad == noBadRune {
				bad = rune(c)
			}
			if lenient {
				if keep {
					s.tok = utf8.AppendRune(s.tok, utf8.RuneError)
				}
				continue
			}
		default: // not ASCII
			r, size := s.decodeRune()
			forbidden := r == utf8.RuneError && size == 1 || !isInCharacterRange(r)
			if forbidden && bad == noBadRune {
				bad = r
			}
			switch {
			case !keep:
			case forbidden && lenient:
				s.tok = utf8.AppendRune(s.tok, utf8.RuneError)
			default:
				s.tok = append(s.tok, s.win[s.pos:s.pos+size]...)
			}
			s.pos += size
			brackets, cr = 0, false
			continue
		}
		if keep {
			s.tok = append(s.tok, c)
		}
	}
}

// textLimit checks the text being read against maxValue (counted in
// bytes of input, references as written) and an attribute value's start tag
// against maxTag. The text's bytes are read a buffer at a time, so the
// token may overshoot maxValue by one buffer (readBufSize) before this
// notices.
func (s *xmlScanner) textLimit(quote byte, start int64) error {
	if s.offset()-start <= maxValue {
		if quote != 0 && len(s.tok) > maxTag {
			return s.limit("a start tag longer than %d bytes", maxTag)
		}
		return nil
	}
	if quote != 0 {
		return s.limit("an attribute value longer than %d bytes", maxValue)
	}
	return s.limit("a text longer than %d bytes", maxValue)
}

// noBadRune is text.bad when all characters so far were allowed.
const noBadRune rune = -1

// surrogateRef is what reference returns for a reference to a surrogate
// (&#xD800;): no character, and one XML does not allow.
const surrogateRef rune = -2

// beyondRef is what a lenient scanner's reference returns for a reference
// beyond Unicode (&#x110000;).
const beyondRef rune = -3

// badText is the error for text with a forbidden character (utf8.RuneError
// standing for invalid UTF-8), or nil.
func (s *xmlScanner) badText(bad rune) error {
	switch bad {
	case noBadRune:
		return nil
	case utf8.RuneError:
		return s.syntax("invalid UTF-8")
	case surrogateRef:
		return s.syntax("a character reference to a surrogate")
	case beyondRef:
		return s.syntax("a character reference beyond Unicode")
	}
	return s.syntax(fmt.Sprintf("illegal character code %U", bad))
}

// maxEntityQuote bounds how much of a bad reference a message quotes.
const maxEntityQuote = 40

// reference reads a character or entity reference after its '&' and returns
// the character it stands for. As in encoding/xml, only the five predefined
// entities exist, and a character reference to a surrogate is U+FFFD (the
// caller checks that the character is allowed at all).
func (s *xmlScanner) reference() (rune, error) {
	// The reference as written, for a message; an array, not a builder, so
	// that a good reference costs no allocation.
	var quoted [maxEntityQuote]byte
	quoted[0] = '&'
	nq := 1
	note := func(c byte) {
		if nq < len(quoted) {
			quoted[nq] = c
			nq++
		}
	}
	bad := func(semicolon bool) error {
		ent := string(quoted[:nq])
		if semicolon {
			ent += ";"
		} else {
			ent += " (no semicolon)"
		}
		return s.syntax("invalid character entity " + ent)
	}
	c, err := s.must()
	if err != nil {
		return 0, err
	}
	if c == '#' {
		note(c)
		if c, err = s.must(); err != nil {
			return 0, err
		}
		base := uint64(10)
		if c == 'x' {
			base = 16
			note(c)
			if c, err = s.must(); err != nil {
				return 0, err
			}
		}
		n, ndigits := uint64(0), 0
		for {
			d, ok := digitValue(c, base)
			if !ok {
				break
			}
			note(c)
			ndigits++
			if n <= unicode.MaxRune { // beyond it, only the digits are read
				n = n*base + d
			}
			if c, err = s.must(); err != nil {
				return 0, err
			}
		}
		if c != ';' {
			s.unread(c)
			return 0, bad(false)
		}
		if ndigits > 0 && n > unicode.MaxRune && s.lenientValues {
			// A well-formed reference to no character: as forbidden as
			// &#27;, so one member's field, not the export.
			return beyondRef, nil
		}
		if ndigits == 0 || n > unicode.MaxRune {
			return 0, bad(true)
		}
		r := rune(n)
		if !utf8.ValidRune(r) {
			return surrogateRef, nil // string(rune(n)) in encoding/xml is U+FFFD
		}
		return r, nil
	}
	// A name: encoding/xml reads name bytes, then wants ';'.
	var name [len("quot")]byte
	n := 0
	for c >= utf8.RuneSelf || isNameByte(c) {
		if n < len(name) {
			name[n] = c
		}
		n++
		note(c)
		if c, err = s.must(); err != nil {
			return 0, err
		}
	}
	if c != ';' {
		s.unread(c)
		return 0, bad(false)
	}
	if n <= len(name) {
		switch string(name[:n]) {
		case "lt":
			return '<', nil
		case "gt":
			return '>', nil
		case "amp":
			return '&', nil
		case "apos":
			return '\'', nil
		case "quot":
			return '"', nil
		}
	}
	return 0, bad(true)
}

// unread gives back the byte must just returned (for the position in
// messages).
func (s *xmlScanner) unread(c byte) {
	s.pos--
	if c == '\n' {
		s.line--
	}
}

func digitValue(c byte, base uint64) (uint64, bool) {
	switch {
	case '0' <= c && c <= '9':
		return uint64(c - '0'), true
	case base == 16 && 'a' <= c && c <= 'f':
		return uint64(c-'a') + 10, true
	case base == 16 && 'A' <= c && c <= 'F':
		return uint64(c-'A') + 10, true
	}
	return 0, false
}

// isInCharacterRange reports whether XML allows r (the Char production).
func isInCharacterRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// procInst reads a processing instruction after its "<?". An XML
// declaration may name the document's encoding: the rest of the input is
// then read through charsetReader, as encoding/xml does.
func (s *xmlScanner) procInst() error {
	start := len(s.tok)
	ok, err := s.readName()
	if err != nil {
		return err
	}
	if !ok {
		return s.syntax("expected target name after <?")
	}
	if ok, _ := isXMLName(s.tok[start:]); !ok {
		return s.syntax("invalid XML name: " + s.scrub.quote(s.tok[start:], 80))
	}
	decl := string(s.tok[start:]) == "xml"
	s.space()
	data := len(s.tok)
	var b0 byte
	for {
		c, err := s.must()
		if err != nil {
			return err
		}
		if decl {
			if len(s.tok)-data >= maxValue {
				return s.limit("an XML declaration longer than %d bytes", maxValue)
			}
			s.tok = append(s.tok, c)
		}
		if b0 == '?' && c == '>' {
			break
		}
		b0 = c
	}
	if !decl {
		return nil
	}
	content := string(s.tok[data : len(s.tok)-2])
	if ver := procInstParam("version", content); ver != "" && ver != "1.0" {
		return s.syntax(fmt.Sprintf("unsupported XML version %q; only version 1.0 is supported", ver))
	}
	if enc := procInstParam("encoding", content); enc != "" && !strings.EqualFold(enc, "utf-8") {
		r, err := charsetReader(enc, s.r)
		if err != nil {
			return err
		}
		if r != io.Reader(s.r) {
			s.consume()
			s.r = bufio.NewReaderSize(r, readBufSize)
			s.rerr = nil // the old reader's end, if seen, comes through the new one
		}
	}
	return nil
}

// procInstParam returns the value of param="…" or param='…' in a
// processing instruction's content, or "". It is encoding/xml's procInst,
// quirks included, so that both read a declaration alike.
func procInstParam(param, s string) string {
	param += "="
	lenp := len(param)
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || lenp+k >= len(sub) {
			return ""
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

// bang reads what follows "<!": a comment, a CDATA section (then it reports
// true: a text token) or a directive such as <!DOCTYPE …>, which is skipped
// with encoding/xml's rules for quotes, nested brackets and comments.
func (s *xmlScanner) bang() (text bool, err error) {
	c, err := s.must()
	if err != nil {
		return false, err
	}
	switch c {
	case '-':
		if c, err = s.must(); err != nil {
			return false, err
		}
		if c != '-' {
			return false, s.syntax("invalid sequence <!- not part of <!--")
		}
		var b0, b1 byte
		for {
			if c, err = s.must(); err != nil {
				return false, err
			}
			if b0 == '-' && b1 == '-' {
				if c != '>' {
					return false, s.syntax(`invalid sequence "--" not allowed in comments`)
				}
				return false, nil
			}
			b0, b1 = b1, c
		}
	case '[':
		for i := 0; i < len("CDATA["); i++ {
			if c, err = s.must(); err != nil {
				return false, err
			}
			if c != "CDATA["[i] {
				return false, s.syntax("invalid <![ sequence")
			}
		}
		return true, s.text(0, true, s.keepText)
	}
	// A directive. Its first byte (c) is taken as it is.
	var inquote byte
	depth := 0
	for {
		if c, err = s.must(); err != nil {
			return false, err
		}
		if inquote == 0 && c == '>' && depth == 0 {
			return false, nil
		}
	handle: // c again, when it turned out not to start "<!--"
		switch {
		case c == inquote:
			inquote = 0
		case inquote != 0:
		case c == '\'' || c == '"':
			inquote = c
		case c == '>':
			depth--
		case c == '<':
			for i := 0; i < len("!--"); i++ {
				if c, err = s.must(); err != nil {
					return false, err
				}
				if c != "!--"[i] {
					depth++
					goto handle
				}
			}
			var b0, b1 byte
			for {
				if c, err = s.must(); err != nil {
					return false, err
				}
				if b0 == '-' && b1 == '-' && c == '>' {
					break
				}
				b0, b1 = b1, c
			}
		}
	}
}
