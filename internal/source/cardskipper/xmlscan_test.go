package cardskipper

import (
	"bufio"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// scanBoth lists a document's tokens with a normal buffer and with one byte
// per read through the smallest buffer, and fails if the two disagree: the
// scanner must not depend on where the input is split.
func scanBoth(t *testing.T, doc string) ([]string, error) {
	t.Helper()
	toks, err := scannerTokens(bufio.NewReader(strings.NewReader(doc)))
	small, serr := scannerTokens(bufio.NewReaderSize(iotest.OneByteReader(strings.NewReader(doc)), 16))
	if !slicesEqual(toks, small) || (err == nil) != (serr == nil) || err != nil && err.Error() != serr.Error() {
		t.Fatalf("split input gives other tokens\nwhole: %q, %v\nsplit: %q, %v", toks, err, small, serr)
	}
	return toks, err
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestScannerTokens: what the scanner makes of the forms a document can
// take.
func TestScannerTokens(t *testing.T) {
	long := strings.Repeat("Žiga Čeh ", 5_000) // far larger than the read buffer (4 KiB), within maxValue
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"self-closing", `<a/>`, []string{`<a`, `</a`}},
		{"attributes, both quotes, no space between", `<a x="1"y='2' z = "3" />`, []string{`<a x="1" y="2" z="3"`, `</a`}},
		{"prefixed names kept whole", `<cs:a cs:x="1"></cs:a>`, []string{`<cs:a cs:x="1"`, `</cs:a`}},
		{"predefined entities", `<a x="&amp;&lt;&gt;&quot;&apos;"/>`, []string{`<a x="&<>\"'"`, `</a`}},
		{"character references, decimal and hex", `<a x="&#382;&#x17e;&#x17E;"/>`, []string{`<a x="žžž"`, `</a`}},
		{"reference to a surrogate is U+FFFD", `<a x="&#xD800;"/>`, []string{"<a x=\"\ufffd\"", `</a`}},
		{"line ends normalised", "<a x=\"1\r\n2\r3\n4\"/>", []string{`<a x="1\n2\n3\n4"`, `</a`}},
		{"tab and ]]> kept in a value", "<a x=\"\t]]>\"/>", []string{`<a x="\t]]>"`, `</a`}},
		{"text with references and CRLF", "<a>x &amp; y\r\n</a>", []string{`<a`, `text "x & y\n"`, `</a`}},
		{"CDATA is text, markup inside is not", `<a><![CDATA[<b>&amp;]]]]></a>`, []string{`<a`, `text "<b>&amp;]]"`, `</a`}},
		{"comments, instructions and DOCTYPE skipped",
			"<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY e \"<>\"><!-- > -->]><!-- c --><a><?pi <a>?><!---->t</a>",
			[]string{`<a`, `text "t"`, `</a`}},
		{"text split by a comment is two tokens", `<a>x<!-- c -->y</a>`, []string{`<a`, `text "x"`, `text "y"`, `</a`}},
		{"text at the end of the input", `<a></a> tail`, []string{`<a`, `</a`, `text " tail"`}},
		{"a value larger than the buffer", `<a x="` + long + `"/>`, []string{`<a x="` + long + `"`, `</a`}},
		{"non-ASCII names", `<Članica Ime="Žiga"/>`, []string{`<Članica Ime="Žiga"`, `</Članica`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanBoth(t, tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if !slicesEqual(got, tt.want) {
				t.Errorf("tokens\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

// TestScannerErrors: every way a document can be broken gives a syntax
// error that says what and on which line, or says the input was cut short.
func TestScannerErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		msg       string // "" for a document cut short
		line      int
	}{
		{"cut in a name", `<Cardskip`, "", 0},
		{"cut in a value", `<a x="1`, "", 0},
		{"cut after a value", `<a x="1"`, "", 0},
		{"cut in a reference", `<a x="&am`, "", 0},
		{"cut in a comment", `<a><!-- x`, "", 0},
		{"cut in CDATA", `<a><![CDATA[x`, "", 0},
		{"cut in a DOCTYPE", `<!DOCTYPE a [`, "", 0},
		{"cut after <", `<a><`, "", 0},
		{"mismatched end", "<a>\n<b>\n</a>", "element <b> closed by </a>", 3},
		{"prefix matters", `<x:a></y:a>`, "element <x:a> closed by </y:a>", 1},
		{"end without start", `</a>`, "unexpected end element </a>", 1},
		{"unknown entity", "<a\nx=\"&nbsp;\"/>", "invalid character entity &nbsp;", 2},
		{"entity without semicolon", `<a x="&amp "/>`, "invalid character entity &amp (no semicolon)", 1},
		{"empty character reference", `<a x="&#;"/>`, "invalid character entity &#;", 1},
		{"reference beyond Unicode", `<a x="&#x110000;"/>`, "invalid character entity &#x110000;", 1},
		{"reference to NUL", `<a x="&#0;"/>`, "illegal character code U+0000", 1},
		{"reference to U+FFFE", `<a>&#xFFFE;</a>`, "illegal character code U+FFFE", 1},
		{"control character", "<a>\x01</a>", "illegal character code U+0001", 1},
		{"invalid UTF-8 in a value", "<a x=\"\xff\"/>", "invalid UTF-8", 1},
		{"UTF-8 surrogate", "<a>\xed\xa0\x80</a>", "invalid UTF-8", 1},
		{"invalid UTF-8 in a name", "<a\xff/>", "invalid XML name: a\xff", 1},
		{"name starting with a digit", `<1a/>`, "invalid XML name: 1a", 1},
		{"two colons", `<a:b:c/>`, "expected element name after <", 1},
		{"no element name", `< a/>`, "expected element name after <", 1},
		{"no end name", `<a></ a>`, "expected element name after </", 1},
		{"junk in end tag", `<a></a b>`, "invalid characters between </a and >", 1},
		{"unquoted value", `<a x=1/>`, "unquoted or missing attribute value in element", 1},
		{"attribute without value", `<a x/>`, "attribute name without = in element", 1},
		{"bad attribute name", `<a x="1" ="2"/>`, "expected attribute name in element", 1},
		{"slash not before >", `<a / >`, "expected /> in element", 1},
		{"< in a value", `<a x="<"/>`, "unescaped < inside quoted string", 1},
		{"]]> in text", `<a>]]></a>`, "unescaped ]]> not in CDATA section", 1},
		{"bad comment start", `<a><!- x --></a>`, "invalid sequence <!- not part of <!--", 1},
		{"-- in a comment", `<a><!-- a -- b --></a>`, `invalid sequence "--" not allowed in comments`, 1},
		{"bad CDATA start", `<a><![CDAT[x]]></a>`, "invalid <![ sequence", 1},
		{"no instruction target", `<??>`, "expected target name after <?", 1},
		{"XML 1.1", `<?xml version="1.1"?><a/>`, `unsupported XML version "1.1"; only version 1.0 is supported`, 1},
		{"errors while reading come first", "<a x=\"\xff&bogus;\"/>", "invalid character entity &bogus;", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scanBoth(t, tt.doc)
			if tt.msg == "" {
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("error %v, want io.ErrUnexpectedEOF", err)
				}
				return
			}
			var se *xmlSyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a syntax error", err)
			}
			if se.msg != tt.msg || se.line != tt.line {
				t.Errorf("syntax error on line %d: %q; want line %d: %q", se.line, se.msg, tt.line, tt.msg)
			}
		})
	}
}

// TestScannerCharset: an XML declaration of Latin-1 converts the rest of
// the input; an unknown encoding is refused; UTF-8 aliases pass.
func TestScannerCharset(t *testing.T) {
	got, err := scanBoth(t, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a x=\"J\xf6rg\"/>")
	if err != nil || len(got) != 2 || got[0] != `<a x="Jörg"` {
		t.Errorf("Latin-1: %q, %v", got, err)
	}
	if _, err := scanBoth(t, `<?xml encoding="utf-16"?><a/>`); err != nil {
		t.Errorf("utf-16 label on UTF-8: %v", err)
	}
	_, err = scanBoth(t, `<?xml encoding="koi8-r"?><a/>`)
	var ce *charsetError
	if !errors.As(err, &ce) || !errors.Is(err, ErrNotXML) || ce.label != "koi8-r" {
		t.Errorf("koi8-r: %v, want the charset refused", err)
	}
}

// failingReader returns its data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestDecodeExportReadError: a failing connection is reported as such,
// with how far the export got, and answers errors.Is for the cause; what
// follows the root element is never read.
func TestDecodeExportReadError(t *testing.T) {
	const m = `<Member OrganisationMemberId="7"/>`
	errReset := errors.New("connection reset by peer")
	zone := ljubljana(t)
	_, err := DecodeExport(&failingReader{data: []byte(`<Cardskipper><Members>` + m + `<Member Firstname="Ž`), err: errReset}, zone)
	if !errors.Is(err, errReset) || errors.Is(err, ErrTruncated) ||
		!strings.Contains(err.Error(), "reading the export after 1 members, the last one member 7: connection reset by peer") {
		t.Errorf("error %v; want the read error, saying how far the export got", err)
	}
	ms, err := DecodeExport(&failingReader{data: []byte(`<Cardskipper><Members>` + m + `</Members></Cardskipper>`), err: errReset}, zone)
	if err != nil || len(ms) != 1 {
		t.Errorf("read error after the root: %d members, %v; want 1 and no error", len(ms), err)
	}
}

// TestNameRulesCoverEncodingXML: every name encoding/xml accepts, the
// scanner accepts (the fifth edition's rules include the fourth's). Each
// character outside the scanner's rules, in the Basic Multilingual Plane
// and in a sample beyond it (encoding/xml's tables stop at U+FFFF), must be
// refused by encoding/xml as well, at the start of a name and inside one.
func TestNameRulesCoverEncodingXML(t *testing.T) {
	rejects := func(name string) bool {
		_, err := xml.NewDecoder(strings.NewReader("<" + name + "/>")).RawToken()
		return err != nil
	}
	checked := 0
	for r := rune(utf8.RuneSelf); r <= utf8.MaxRune; r++ {
		if r > 0xFFFF && r%97 != 0 && r != 0x10000 && r != 0xEFFFF && r != 0xF0000 && r != utf8.MaxRune {
			continue
		}
		if !utf8.ValidRune(r) {
			continue
		}
		c := string(r)
		if !isNameStartRune(r) && !rejects(c+"a") {
			t.Errorf("encoding/xml accepts %U at the start of a name, the scanner does not", r)
		}
		if !isNameRune(r) && !rejects("a"+c) {
			t.Errorf("encoding/xml accepts %U in a name, the scanner does not", r)
		}
		if isNameRune(r) != nameOK("a"+c) || isNameStartRune(r) != nameOK(c) {
			t.Errorf("%U: isXMLName disagrees with the rune rules", r)
		}
		checked++
	}
	if checked < 60_000 {
		t.Fatalf("checked only %d characters", checked)
	}
	// ASCII: the same rules as encoding/xml.
	for c := byte(0); c < utf8.RuneSelf; c++ {
		if !isNameByte(c) {
			continue
		}
		if got, want := nameOK(string(c)), !rejects(string(c)); got != want {
			t.Errorf("%q as a name: scanner %v, encoding/xml %v", c, got, want)
		}
	}
}

func nameOK(s string) bool {
	ok, _ := isXMLName([]byte(s))
	return ok
}

// TestScannerNames: the local part of names, as encoding/xml splits them.
func TestScannerNames(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Member", "Member"}, {"cs:Member", "Member"}, {":Member", ":Member"}, {"Member:", "Member:"},
	} {
		if got := string(localName([]byte(tt.in))); got != tt.want {
			t.Errorf("localName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		name, want string
		match      bool
	}{
		{"EMail", "EMail", true}, {"Email", "EMail", true}, {"EMAIL", "EMail", true}, {"E-Mail", "EMail", false},
		{"Tag\u017f", "Tags", true}, // the long s folds to s, as strings.EqualFold has it
		{"\u212aey", "key", true},   // the Kelvin sign folds to k
		{"Tagš", "Tags", false}, {"", "Tags", false},
	} {
		if got := is([]byte(tt.name), tt.want); got != tt.match || got != strings.EqualFold(tt.name, tt.want) {
			t.Errorf("is(%q, %q) = %v, want %v", tt.name, tt.want, got, tt.match)
		}
	}
}

// TestParseBoolAndAtoi: the byte versions agree with what the decoder used
// before (strings.ToLower and strconv.Atoi).
func TestParseBoolAndAtoi(t *testing.T) {
	for _, s := range []string{"true", "True", "TRUE", " 1 ", "false", "False", "0", "", "  ", "maybe", "yes", "truee", "ſalse", "\u00a0true\u00a0"} {
		v, ok := parseBool([]byte(s))
		wv, wok := oracleParseBool(s)
		if v != wv || ok != wok {
			t.Errorf("parseBool(%q) = %v, %v; want %v, %v", s, v, ok, wv, wok)
		}
	}
	for _, s := range []string{"0", "1", "-1", "+7", "3126", "", "-", "+", "x1", "1x", " 1", "999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "12345678901234567890"} {
		v, ok := atoi([]byte(s))
		wv, werr := strconv.Atoi(s)
		if v != wv || ok != (werr == nil) {
			t.Errorf("atoi(%q) = %d, %v; want %d, %v", s, v, ok, wv, werr)
		}
	}
}
