package cardskipper

// This file keeps the export decoder as it was before the purpose-built
// scanner (xmlscan.go) replaced encoding/xml: the oracle that
// FuzzDecodeMatchesOracle holds the scanner to. It is deliberately left as
// it was, apart from names prefixed with "oracle"; do not "fix" it to agree
// with the scanner, that would defeat its purpose. The deliberate
// differences are listed at allowedDifference (fuzz_test.go).

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/textclean"
)

// oracleDecodeExport decodes a Member/Export reply as a stream: one <Member> at a
// time, never the whole tree. Dates without an offset are calendar values in
// zone.
//
// Decoding is lenient about content: unknown attributes and elements are
// ignored, attribute names match regardless of case (EMail and Email both),
// and a member's bad data (an unparseable date or e-mail) goes into its
// Problems, naming the member; the member is still returned. A document
// without a Members element, or with <Members/>, has zero members.
//
// Decoding is strict about form: an HTML page, text that is not XML, a root
// other than <Cardskipper>, malformed or truncated XML fail the whole export
// and no members are returned.
func oracleDecodeExport(r io.Reader, zone *time.Location) ([]member.Member, error) {
	if zone == nil {
		return nil, errors.New("cardskipper: member export: no time zone")
	}
	br := bufio.NewReaderSize(r, readBufSize)
	if err := sniff(br, nil); err != nil {
		return nil, fmt.Errorf("cardskipper: member export: %w", err)
	}
	ms, err := oracleDecodeMembers(br, zone)
	if err != nil {
		return nil, fmt.Errorf("cardskipper: member export: %w", err)
	}
	return ms, nil
}

// oracleDecodeMembers decodes a sniffed export.
func oracleDecodeMembers(br *bufio.Reader, zone *time.Location) ([]member.Member, error) {
	d := &oracleDecoder{dec: xml.NewDecoder(br), zone: zone}
	d.dec.CharsetReader = charsetReader
	if err := d.document(); err != nil {
		return nil, err
	}
	return d.result(), nil
}

// oracleChunkSize is how many members one chunk of oracleDecoder.chunks holds.
const oracleChunkSize = 4096

// oracleDecoder holds the state of one decode.
type oracleDecoder struct {
	dec  *xml.Decoder
	zone *time.Location
	// chunks collect the decoded members; result joins them. Growing
	// one slice instead would copy and clear ever larger arrays (~5x the
	// final size in allocations for a big export).
	chunks [][]member.Member
	// curRoles and curTags collect the current member's; finish copies them at
	// their exact size.
	curRoles []member.Role
	curTags  []string
	lastID   string     // member number of the last complete member, for messages
	problems []string   // the current member's problems, reused between members
	stack    []xml.Name // open elements
}

// count is the number of members decoded so far.
func (d *oracleDecoder) count() int {
	if len(d.chunks) == 0 {
		return 0
	}
	return (len(d.chunks)-1)*oracleChunkSize + len(d.chunks[len(d.chunks)-1])
}

// result returns the decoded members in one slice (empty, not nil, if
// there are none).
func (d *oracleDecoder) result() []member.Member {
	out := make([]member.Member, 0, d.count())
	for _, c := range d.chunks {
		out = append(out, c...)
	}
	return out
}

// next returns the next token. It uses RawToken, which allocates far less
// than Token (no name-space translation, one interface conversion), and
// checks itself what Token would: that every end tag matches its start tag.
// Name spaces are irrelevant here: names are matched by their local part.
// A decoder error becomes a message saying how far the export got.
func (d *oracleDecoder) next() (xml.Token, error) {
	tok, err := d.dec.RawToken()
	if err != nil {
		return nil, d.fail(err)
	}
	switch t := tok.(type) {
	case xml.StartElement:
		d.stack = append(d.stack, t.Name)
	case xml.EndElement:
		if len(d.stack) == 0 {
			return nil, d.fail(&xml.SyntaxError{Msg: "unexpected end element </" + t.Name.Local + ">", Line: d.line()})
		}
		open := d.stack[len(d.stack)-1]
		if open != t.Name {
			return nil, d.fail(&xml.SyntaxError{Msg: "element <" + oracleQName(open) + "> closed by </" + oracleQName(t.Name) + ">", Line: d.line()})
		}
		d.stack = d.stack[:len(d.stack)-1]
	}
	return tok, nil
}

func (d *oracleDecoder) line() int {
	l, _ := d.dec.InputPos()
	return l
}

func oracleQName(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// skip consumes the rest of the element whose start was just read.
func (d *oracleDecoder) skip() error {
	depth := len(d.stack)
	for len(d.stack) >= depth {
		if _, err := d.next(); err != nil {
			return err
		}
	}
	return nil
}

func (d *oracleDecoder) fail(err error) error {
	return oracleFailure(d.dec, err, "export", d.count(), d.lastID)
}

// oracleFailure turns an error of the XML decoder into a message that says
// how far decoding got: how many items, the last one, the line and offset.
func oracleFailure(dec *xml.Decoder, err error, what string, n int, last string) error {
	after := ""
	if last != "" {
		after = fmt.Sprintf(", the last one member %s", last)
	}
	var se *xml.SyntaxError
	isSyntax := errors.As(err, &se)
	var ce *charsetError
	switch {
	case errors.As(err, &ce):
		return ce
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), isSyntax && se.Msg == "unexpected EOF":
		line, _ := dec.InputPos()
		return fmt.Errorf("%s %w after %d members%s (input ends at line %d, byte %d)", what, ErrTruncated, n, after, line, dec.InputOffset())
	case isSyntax:
		return fmt.Errorf("%w at line %d (byte %d) after %d members%s: %s", ErrMalformed, se.Line, dec.InputOffset(), n, after, se.Msg)
	case errors.Is(err, ErrNotXML), errors.Is(err, ErrTooLarge):
		return fmt.Errorf("after %d members%s: %w", n, after, err)
	}
	return fmt.Errorf("reading the %s after %d members%s: %w", what, n, after, err)
}

// document reads the prolog, checks the root and decodes its content.
func (d *oracleDecoder) document() error {
	if err := d.root(); err != nil {
		return err
	}
	for {
		tok, err := d.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if oracleIs(t.Name.Local, "Members") {
				err = d.members()
			} else {
				err = d.skip()
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			return nil // </Cardskipper>: anything after it is ignored
		}
	}
}

// root reads up to the root start element and checks that it is
// <Cardskipper>.
func (d *oracleDecoder) root() error {
	for {
		tok, err := d.dec.RawToken()
		if err == io.EOF {
			return fmt.Errorf("%w: the reply has no root element", ErrNotXML)
		}
		if err != nil {
			return d.fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := oracleCheckRoot(t); err != nil {
				return err
			}
			d.stack = append(d.stack, t.Name)
			return nil
		case xml.EndElement:
			return d.fail(&xml.SyntaxError{Msg: "unexpected end element </" + t.Name.Local + ">", Line: d.line()})
		case xml.CharData:
			if err := oracleCheckProlog(t); err != nil {
				return err
			}
		}
	}
}

// oracleCheckRoot accepts <Cardskipper> as the root and names anything else.
func oracleCheckRoot(t xml.StartElement) error {
	switch {
	case oracleIs(t.Name.Local, "Cardskipper"):
		return nil
	case oracleIs(t.Name.Local, "html"):
		return ErrHTML
	}
	return fmt.Errorf("%w: the root element is <%s>, want <Cardskipper>", ErrMalformed, t.Name.Local)
}

// oracleCheckProlog refuses text before the root element.
func oracleCheckProlog(t xml.CharData) error {
	if s := bytes.TrimSpace(t); len(s) > 0 {
		return fmt.Errorf("%w: text %q before the root element", ErrNotXML, clip(s, 40))
	}
	return nil
}

func (d *oracleDecoder) members() error {
	for {
		tok, err := d.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if oracleIs(t.Name.Local, "Member") {
				err = d.member(t)
			} else {
				err = d.skip()
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// member decodes one <Member> whose start element was just read.
func (d *oracleDecoder) member(start xml.StartElement) error {
	var m member.Member
	d.problems, d.curRoles, d.curTags = d.problems[:0], d.curRoles[:0], d.curTags[:0]
	// ContactInfo's EMail, read after the Member's attributes, wins.
	var rawEmail string
	for _, a := range start.Attr {
		switch oracleCanon(a.Name.Local, "OrganisationMemberId", "Firstname", "Lastname", "Inactive", "EMail") {
		case "OrganisationMemberId":
			m.ID = strings.TrimSpace(a.Value)
			if textclean.Has(m.ID) { // as the decoder: marked, the member invalid
				d.problem("OrganisationMemberId %+q has control or formatting characters", m.ID)
				m.ID = textclean.Mark(m.ID)
			}
		case "Firstname":
			m.FirstName = textclean.Clean(strings.TrimSpace(a.Value)) // as the decoder: no control from outside
		case "Lastname":
			m.LastName = textclean.Clean(strings.TrimSpace(a.Value))
		case "Inactive":
			v, ok := oracleParseBool(a.Value)
			if !ok {
				d.problem("Inactive %q is not true or false", a.Value)
			}
			m.Inactive = v
		case "EMail":
			// Not where the documented export puts it, but accepted when
			// ContactInfo does not say otherwise.
			rawEmail = a.Value
		}
	}
	for {
		tok, err := d.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch oracleCanon(t.Name.Local, "Extra", "ContactInfo", "Organisations", "Organisation", "Tags") {
			case "Extra":
				for _, a := range t.Attr {
					switch oracleCanon(a.Name.Local, "Extra1", "Extra2", "Extra3") {
					case "Extra1":
						m.Extra[0] = a.Value
					case "Extra2":
						m.Extra[1] = a.Value
					case "Extra3":
						m.Extra[2] = a.Value
					}
				}
				err = d.skip()
			case "ContactInfo":
				for _, a := range t.Attr {
					if oracleCanon(a.Name.Local, "EMail") == "EMail" {
						rawEmail = a.Value
					}
				}
				err = d.skip()
			case "Organisations":
				err = d.organisations(&m)
			case "Organisation":
				err = d.organisation(&m, t)
			case "Tags":
				err = d.tags(&m)
			default:
				err = d.skip()
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			d.finish(&m, rawEmail)
			return nil
		}
	}
}

// finish normalises the e-mail, names the member in its problems and
// appends it.
func (d *oracleDecoder) finish(m *member.Member, rawEmail string) {
	m.RawEmail = rawEmail
	e, err := member.NormalizeEmail(rawEmail)
	if err != nil {
		d.problems = append(d.problems, err.Error())
	}
	m.Email = e
	if len(d.problems) > 0 {
		label := m.Label()
		m.Problems = make([]string, len(d.problems))
		for i, p := range d.problems {
			m.Problems[i] = label + ": " + p
		}
	}
	if len(d.curRoles) > 0 {
		m.Roles = slices.Clone(d.curRoles)
	}
	if len(d.curTags) > 0 {
		m.Tags = slices.Clone(d.curTags)
	}
	if len(d.chunks) == 0 || len(d.chunks[len(d.chunks)-1]) == cap(d.chunks[len(d.chunks)-1]) {
		d.chunks = append(d.chunks, make([]member.Member, 0, oracleChunkSize))
	}
	last := &d.chunks[len(d.chunks)-1]
	*last = append(*last, *m)
	d.lastID = m.ID
	if d.lastID == "" {
		d.lastID = fmt.Sprintf("#%d (no OrganisationMemberId)", d.count())
	}
}

func (d *oracleDecoder) problem(format string, args ...any) {
	d.problems = append(d.problems, fmt.Sprintf(format, args...))
}

func (d *oracleDecoder) organisations(m *member.Member) error {
	for {
		tok, err := d.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if oracleIs(t.Name.Local, "Organisation") {
				err = d.organisation(m, t)
			} else {
				err = d.skip()
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// organisation decodes one <Organisation Id> of a member: its roles and tags.
func (d *oracleDecoder) organisation(m *member.Member, start xml.StartElement) error {
	orgID := 0
	org := "" // the Id as written, to name the organisation in messages
	for _, a := range start.Attr {
		if oracleCanon(a.Name.Local, "Id") == "Id" {
			org = strings.TrimSpace(a.Value)
			id, err := strconv.Atoi(org)
			if err != nil {
				d.problem("organisation Id %q is not a number", a.Value)
				continue
			}
			orgID = id
		}
	}
	if org == "" {
		d.problem("an organisation without Id")
		org = "without Id"
	}
	for {
		tok, err := d.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch oracleCanon(t.Name.Local, "Roles", "Role", "Tags") {
			case "Roles":
				err = d.roles(m, orgID, org)
			case "Role":
				err = d.role(m, orgID, org, t)
			case "Tags":
				err = d.tags(m)
			default:
				err = d.skip()
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

func (d *oracleDecoder) roles(m *member.Member, orgID int, org string) error {
	for {
		tok, err := d.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if oracleIs(t.Name.Local, "Role") {
				err = d.role(m, orgID, org, t)
			} else {
				err = d.skip()
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// role decodes one <Role Id StartDate EndDate>. A bad value is a problem of
// the member; the role is kept (with the bad field zero) so the member is
// reported rather than silently losing a membership period.
func (d *oracleDecoder) role(m *member.Member, orgID int, org string, start xml.StartElement) error {
	r := member.Role{OrganisationID: orgID}
	var idText string
	idSeen := false
	for _, a := range start.Attr {
		switch oracleCanon(a.Name.Local, "Id", "StartDate", "EndDate") {
		case "Id":
			idSeen, idText = true, a.Value
			id, err := strconv.Atoi(strings.TrimSpace(a.Value))
			if err != nil {
				d.problem("organisation %s: role Id %q is not a number", org, a.Value)
				continue
			}
			r.RoleID = id
		case "StartDate":
			r.Start = d.date(org, idText, a)
		case "EndDate":
			r.End = d.date(org, idText, a)
		}
	}
	if !idSeen {
		d.problem("organisation %s: a role without Id", org)
	}
	d.curRoles = append(d.curRoles, r)
	return d.skip()
}

// date parses a role date attribute. An empty value is no date (the
// validity rule reports a counting role without dates); an unparseable one
// is a problem. idText is the role's Id as far as read, for the message.
func (d *oracleDecoder) date(org, idText string, a xml.Attr) member.Date {
	v := strings.TrimSpace(a.Value)
	if v == "" {
		return member.Date{}
	}
	if dt, ok := oracleFastDate(v); ok {
		return dt
	}
	dt, err := member.ParseDate(v, d.zone)
	if err != nil {
		role := "role"
		if idText != "" {
			role = "role " + strings.TrimSpace(idText)
		}
		d.problem("organisation %s %s: %s: %v", org, role, a.Name.Local, err)
		return member.Date{}
	}
	return dt
}

// tags decodes <Tags><Tag Label="…"/></Tags> (or <Tag>text</Tag>), keeping
// the first occurrence of each label.
func (d *oracleDecoder) tags(m *member.Member) error {
	for {
		tok, err := d.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !oracleIs(t.Name.Local, "Tag") {
				if err := d.skip(); err != nil {
					return err
				}
				continue
			}
			label := ""
			for _, a := range t.Attr {
				if oracleCanon(a.Name.Local, "Label") == "Label" {
					label = a.Value
				}
			}
			text, err := d.text()
			if err != nil {
				return err
			}
			if label == "" {
				label = text
			}
			if label = strings.TrimSpace(label); label != "" && !slices.Contains(d.curTags, label) {
				d.curTags = append(d.curTags, label)
			}
		case xml.EndElement:
			return nil
		}
	}
}

// text reads the character data of the element whose start was just read,
// skipping child elements.
func (d *oracleDecoder) text() (string, error) {
	var b []byte
	for {
		tok, err := d.next()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(b) < 1024 {
				b = append(b, t...)
			}
		case xml.StartElement:
			if err := d.skip(); err != nil {
				return "", err
			}
		case xml.EndElement:
			return string(b), nil
		}
	}
}

// is matches an element or attribute name: exactly as documented, or in any
// case (lenient about CardSkipper's own inconsistencies such as EMail/Email).
func oracleIs(name, want string) bool {
	return name == want || strings.EqualFold(name, want)
}

// canon returns the entry of known that name matches (see is), or "".
func oracleCanon(name string, known ...string) string {
	for _, k := range known {
		if name == k {
			return k
		}
	}
	for _, k := range known {
		if strings.EqualFold(name, k) {
			return k
		}
	}
	return ""
}

// oracleParseBool reads .NET booleans: true/True/1 and false/False/0; "" is false.
func oracleParseBool(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true, true
	case "false", "0", "":
		return false, true
	}
	return false, false
}

// oracleFastDate reads the forms nearly every export date has, "2006-01-02" and
// "2006-01-02T15:04:05" without an offset, without allocating (time.Parse
// through member.ParseDate's list of layouts allocates an error per miss).
// It only accepts: whatever it is unsure of (other forms, impossible dates,
// years out of range) goes to member.ParseDate, which has the final word
// and the error messages. Both read a value without an offset as the
// calendar date it names.
func oracleFastDate(v string) (member.Date, bool) {
	switch {
	case len(v) == 10:
	case len(v) == 19 && v[10] == 'T' && v[13] == ':' && v[16] == ':':
		h, ok1 := oracleDigits(v[11:13])
		mi, ok2 := oracleDigits(v[14:16])
		se, ok3 := oracleDigits(v[17:19])
		if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || se > 59 {
			return member.Date{}, false
		}
	default:
		return member.Date{}, false
	}
	if v[4] != '-' || v[7] != '-' {
		return member.Date{}, false
	}
	y, ok1 := oracleDigits(v[0:4])
	m, ok2 := oracleDigits(v[5:7])
	d, ok3 := oracleDigits(v[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 {
		return member.Date{}, false
	}
	if d > 28 {
		// Let time.Date say whether the day exists in that month.
		if t := time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC); t.Day() != d {
			return member.Date{}, false
		}
	}
	return member.Date{Year: y, Month: time.Month(m), Day: d}, true
}

// digits parses a short run of ASCII digits.
func oracleDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
