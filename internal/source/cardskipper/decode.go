package cardskipper

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/doorsync/doorsync/internal/member"
)

// readBufSize is the read buffer in front of the XML scanner.
const readBufSize = 64 << 10

// DecodeExport decodes a Member/Export reply as a stream: one <Member> at a
// time, never the whole tree. Dates without an offset are calendar values in
// zone.
//
// Decoding is lenient about content: unknown attributes and elements are
// ignored, attribute names match regardless of case (EMail and Email both),
// and a member's bad data (an unparseable date or e-mail) goes into its
// Problems, naming the member; the member is still returned. A document
// without a Members element, or with <Members/>, has zero members.
//
// One exception to well-formedness is made for one member's sake: a
// character XML forbids (a control character such as ESC, U+FFFE, invalid
// UTF-8; raw or as a reference like &#27;) in an attribute value anywhere
// inside a <Member> is that member's problem, naming it and the field
// ("Firstname", "ContactInfo.EMail"), and the character is kept as U+FFFD,
// so that it never reaches a terminal or report; the other members are used.
//
// Decoding is strict about form: an HTML page, text that is not XML, a root
// other than <Cardskipper>, malformed or truncated XML (a forbidden
// character in text or outside a member included), a reply beyond a cap of
// limits.go fail the whole export and no members are returned.
func DecodeExport(r io.Reader, zone *time.Location) ([]member.Member, error) {
	if zone == nil {
		return nil, errors.New("cardskipper: member export: no time zone")
	}
	br := bufio.NewReaderSize(r, readBufSize)
	if err := sniff(br, nil); err != nil {
		return nil, fmt.Errorf("cardskipper: member export: %w", err)
	}
	ms, err := decodeMembers(br, zone, nil)
	if err != nil {
		return nil, fmt.Errorf("cardskipper: member export: %w", err)
	}
	return ms, nil
}

// decodeMembers decodes a sniffed export.
func decodeMembers(br *bufio.Reader, zone *time.Location, scrub scrubFunc) ([]member.Member, error) {
	d := &exportDecoder{s: newXMLScanner(br), zone: zone, strs: make(map[string]string)}
	d.s.scrub = scrub
	d.s.lenientValues = true
	if err := d.document(); err != nil {
		return nil, err
	}
	return d.result(), nil
}

// Chunks of exportDecoder.chunks hold firstChunk members, then as many as
// all before them, up to chunkSize.
const (
	firstChunk = 64
	chunkSize  = 4096
)

// exportDecoder holds the state of one decode.
type exportDecoder struct {
	s    *xmlScanner
	zone *time.Location
	// chunks collect the decoded members; result joins them. Growing
	// one slice instead would copy and clear ever larger arrays (~5x the
	// final size in allocations for a big export).
	chunks [][]member.Member
	done   int // members in the chunks before the last
	// curRoles and curTags collect the current member's; finish copies them at
	// their exact size.
	curRoles []member.Role
	curTags  []string
	// tagSet holds curTags once a member has many (hasTag);
	// rolesAndTags counts them over all members (maxRolesAndTags).
	tagSet       map[string]bool
	rolesAndTags int
	lastID       string   // member number of the last complete member, for messages
	problems     []string // the current member's problems, reused between members
	// org is the current organisation's Id as written, for messages.
	org []byte
	// label and text collect a <Tag>'s label and text.
	label, text []byte
	// inMember is set while a <Member> is decoded: a forbidden character
	// in an attribute value is then that member's problem. stray is such a
	// character's error outside any member, returned by the next call of
	// next unless member claims the start tag (its own attributes).
	inMember bool
	stray    error
	// strs interns short values that repeat from member to member (names,
	// tags, free fields), so that 50,000 members do not carry 50,000
	// copies of "student".
	strs map[string]string
}

// count is the number of members decoded so far.
func (d *exportDecoder) count() int { return d.done + d.pending() }

// pending is the number of members in the last chunk.
func (d *exportDecoder) pending() int {
	if len(d.chunks) == 0 {
		return 0
	}
	return len(d.chunks[len(d.chunks)-1])
}

// result returns the decoded members in one slice (empty, not nil, if
// there are none).
func (d *exportDecoder) result() []member.Member {
	out := make([]member.Member, 0, d.count())
	for _, c := range d.chunks {
		out = append(out, c...)
	}
	return out
}

// Interning bounds: values longer than maxIntern are rarely shared, and a
// document of unique values must not grow the table without end.
const (
	maxIntern        = 64
	maxInternEntries = 4096
)

// intern returns b as a string, sharing the string with earlier equal
// values where it can.
func (d *exportDecoder) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxIntern {
		return string(b)
	}
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.strs) < maxInternEntries {
		d.strs[s] = s
	}
	return s
}

// next returns the next token; the scanner has matched end tags to start
// tags. An error becomes a message saying how far the export got.
//
// A start tag with a character XML forbids in an attribute value (the
// scanner is lenient about those) is a problem of the member it is in, or,
// outside any member, a malformed document.
func (d *exportDecoder) next() (tokKind, error) {
	if d.stray != nil {
		return 0, d.stray
	}
	k, err := d.s.next()
	if err != nil {
		return 0, d.fail(err)
	}
	if k == tokStart && d.s.badValues > 0 {
		if d.inMember {
			d.badValues(false)
		} else {
			d.stray = d.fail(d.s.badValueError())
		}
	}
	if k == tokText && d.s.textBad != noBadRune {
		if d.inMember {
			d.badText()
		} else {
			d.stray = d.fail(d.s.badText(d.s.textBad))
		}
	}
	return k, nil
}

// skip consumes the rest of the element whose start was just read.
func (d *exportDecoder) skip() error {
	depth := d.s.depth()
	for d.s.depth() >= depth {
		if _, err := d.next(); err != nil {
			return err
		}
	}
	return nil
}

// fail turns an error of the scanner into a message that says how far
// decoding got: how many members, the last one, the line and offset.
func (d *exportDecoder) fail(err error) error {
	n := d.count()
	after := ""
	if d.lastID != "" {
		after = fmt.Sprintf(", the last one member %s", d.lastID)
	}
	var se *xmlSyntaxError
	var le *xmlLimitError
	var ce *charsetError
	switch {
	case errors.As(err, &ce):
		return ce
	case errors.As(err, &le):
		return fmt.Errorf("%w: %s at line %d (byte %d) after %d members%s", ErrTooLarge, le.msg, le.line, d.s.offset(), n, after)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("export %w after %d members%s (input ends at line %d, byte %d)", ErrTruncated, n, after, d.s.line, d.s.offset())
	case errors.As(err, &se):
		return fmt.Errorf("%w at line %d (byte %d) after %d members%s: %s", ErrMalformed, se.line, d.s.offset(), n, after, se.msg)
	case errors.Is(err, ErrNotXML), errors.Is(err, ErrTooLarge):
		return fmt.Errorf("after %d members%s: %w", n, after, err)
	}
	return fmt.Errorf("reading the export after %d members%s: %w", n, after, err)
}

// document reads the prolog, checks the root and decodes its content.
func (d *exportDecoder) document() error {
	if err := d.root(); err != nil {
		return err
	}
	// </Cardskipper> ends it: anything after the root is not read.
	return d.children(d.only("Members", d.members))
}

// root reads up to the root start element and checks that it is
// <Cardskipper>.
func (d *exportDecoder) root() error {
	d.s.keepText = true // text before the root is refused, quoting it
	for {
		k, err := d.s.next()
		if err == io.EOF {
			return fmt.Errorf("%w: the reply has no root element", ErrNotXML)
		}
		if err != nil {
			return d.fail(err)
		}
		switch k {
		case tokStart:
			d.s.keepText = false
			if err := checkRoot(string(localName(d.s.name()))); err != nil {
				return err
			}
			if d.s.badValues > 0 {
				return d.fail(d.s.badValueError())
			}
			return nil
		case tokText:
			if err := checkProlog(d.s.textBytes(), d.s.scrub); err != nil {
				return err
			}
		}
	}
}

// checkRoot accepts <Cardskipper> as the root and names anything else.
func checkRoot(local string) error {
	switch {
	case is([]byte(local), "Cardskipper"):
		return nil
	case is([]byte(local), "html"):
		return ErrHTML
	}
	return fmt.Errorf("%w: the root element is <%s>, want <Cardskipper>", ErrMalformed, local)
}

// checkProlog refuses text before the root element.
func checkProlog(text []byte, scrub scrubFunc) error {
	if s := bytes.TrimSpace(text); len(s) > 0 {
		return fmt.Errorf("%w: text %q before the root element", ErrNotXML, scrub.quote(s, 40))
	}
	return nil
}

func (d *exportDecoder) members() error {
	return d.children(d.only("Member", d.member))
}

// children decodes the content of the element just opened: each child
// element is handed to each, which must consume it through its end tag;
// text is ignored; the enclosing end tag ends the loop.
func (d *exportDecoder) children(each func(name []byte) error) error {
	for {
		k, err := d.next()
		if err != nil {
			return err
		}
		switch k {
		case tokStart:
			if err := each(localName(d.s.name())); err != nil {
				return err
			}
		case tokEnd:
			return nil
		}
	}
}

// only decodes children named want with decode and skips the others.
func (d *exportDecoder) only(want string, decode func() error) func([]byte) error {
	return func(name []byte) error {
		if is(name, want) {
			return decode()
		}
		return d.skip()
	}
}
