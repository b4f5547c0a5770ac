package cardskipper

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/doorsync/doorsync/internal/httpx"
	"github.com/doorsync/doorsync/internal/textclean"
)

// maxInfoBody bounds an Organisation/Info reply: a handful of organisations
// and roles, never megabytes. encoding/xml's struct mapping takes some 26×
// the reply while decoding one of tiny elements (16 MiB of <Organisation/>
// held 423 MB live, allocated 1.1 GB), so the bound is kept small: 1 MiB
// costs at most some 70 MB.
const maxInfoBody = 1 << 20

// Organisation is an organisation the API account may see, with its roles
// (membership types), child organisations and units. A child listed under
// Children may carry only its ID and Name; use Subtree to collect ids.
type Organisation struct {
	ID       int
	Name     string
	Roles    []RoleType
	Children []Organisation
	Units    []Unit
}

// RoleType is a membership type of an organisation.
type RoleType struct {
	ID          int
	Name        string
	Description string
}

// Unit is an organisation unit (a section such as "Youth").
type Unit struct {
	ID             int
	Value          string
	OrganisationID int
}

// OrganisationInfo runs Organisation/Info.
func (c *Client) OrganisationInfo(ctx context.Context) ([]Organisation, error) {
	orgs, err := c.organisationInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("cardskipper: organisation info: %w", err)
	}
	return orgs, nil
}

func (c *Client) organisationInfo(ctx context.Context) ([]Organisation, error) {
	r, err := c.do(ctx, call{name: "Organisation/Info", method: "GET", path: "/Organisation/Info/"})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	orgs, err := decodeInfo(r.br, c.quoteable)
	if err != nil {
		return nil, c.scrub(err)
	}
	return orgs, nil
}

// DecodeOrganisationInfo decodes an Organisation/Info reply. Unknown
// attributes and elements are ignored; an organisation, role or unit whose
// Id is not a number fails the decode with a message naming it.
func DecodeOrganisationInfo(r io.Reader) ([]Organisation, error) {
	br := bufio.NewReaderSize(r, readBufSize)
	if err := sniff(br, nil); err != nil {
		return nil, fmt.Errorf("cardskipper: organisation info: %w", err)
	}
	orgs, err := decodeInfo(br, nil)
	if err != nil {
		return nil, fmt.Errorf("cardskipper: organisation info: %w", err)
	}
	return orgs, nil
}

// The reply is small, so it is decoded with encoding/xml's struct mapping
// into text fields first; ids are converted afterwards so a bad one can be
// named.
type infoOrg struct {
	ID       string     `xml:"Id,attr"`
	Name     string     `xml:"Name,attr"`
	Roles    []infoRole `xml:"Roles>Role"`
	Children []infoOrg  `xml:"Children>CardskipperOrganisationChildren"`
	// Some versions may list children as <Organisation>: accept both.
	ChildOrgs []infoOrg  `xml:"Children>Organisation"`
	Units     []infoUnit `xml:"OrganisationUnits>OrganisationUnit"`
}

type infoRole struct {
	ID          string `xml:"Id,attr"`
	Name        string `xml:"Name,attr"`
	Description string `xml:"Description,attr"`
}

type infoUnit struct {
	ID             string `xml:"Id,attr"`
	Value          string `xml:"Value,attr"`
	OrganisationID string `xml:"OrganisationId,attr"`
}

type infoBody struct {
	Organisations []infoOrg `xml:"Organisations>Organisation"`
}

func decodeInfo(br *bufio.Reader, scrub scrubFunc) ([]Organisation, error) {
	// Read whole (it is small) so that a character reference XML forbids
	// (&#x1b; in one organisation's name) can be made U+FFFD first: one
	// bad name must not fail every organisation, and with child
	// organisations every member's renewal.
	raw, err := io.ReadAll(io.LimitReader(br, maxInfoBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading the organisation info: %w", err)
	}
	if len(raw) > maxInfoBody {
		return nil, &httpx.TooLargeError{Limit: maxInfoBody}
	}
	dec := xml.NewDecoder(bytes.NewReader(forbiddenReferences(raw)))
	dec.CharsetReader = charsetReader
	fail := func(err error) error { return infoFailure(dec, err) }
	if err := rootElement(dec, fail, scrub); err != nil {
		return nil, err
	}
	var body infoBody
	// DecodeElement with the root's start already consumed reads the rest
	// of the root; the root's name was checked by rootElement.
	if err := dec.DecodeElement(&body, &xml.StartElement{Name: xml.Name{Local: "Cardskipper"}}); err != nil {
		return nil, fail(err)
	}
	orgs := make([]Organisation, 0, len(body.Organisations))
	for _, o := range body.Organisations {
		org, err := o.convert("")
		if err != nil {
			return nil, err
		}
		orgs = append(orgs, org)
	}
	return orgs, nil
}

// forbiddenReferences returns b with every numeric character reference to
// a character XML forbids (&#27;, &#x1B;) written as &#xFFFD; (b itself
// when there is none).
func forbiddenReferences(b []byte) []byte {
	if !bytes.Contains(b, []byte("&#")) {
		return b
	}
	var out []byte
	last := 0
	for i := 0; i+2 < len(b); i++ {
		if b[i] != '&' || b[i+1] != '#' {
			continue
		}
		j, base := i+2, 10
		if j < len(b) && (b[j] == 'x' || b[j] == 'X') {
			j, base = j+1, 16
		}
		k := j
		for k < len(b) && k-j < 8 && isDigitIn(b[k], base) {
			k++
		}
		if k == j || k >= len(b) || b[k] != ';' {
			continue
		}
		n, err := strconv.ParseInt(string(b[j:k]), base, 32)
		if err == nil && isInCharacterRange(rune(n)) {
			continue
		}
		out = append(append(out, b[last:i]...), "&#xFFFD;"...)
		last = k + 1
		i = k
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

func isDigitIn(c byte, base int) bool {
	if c >= '0' && c <= '9' {
		return true
	}
	return base == 16 && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')
}

// rootElement reads up to the root start element of a decoder driven by
// Token and checks that it is <Cardskipper>.
func rootElement(dec *xml.Decoder, fail func(error) error, scrub scrubFunc) error {
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return fmt.Errorf("%w: the reply has no root element", ErrNotXML)
		}
		if err != nil {
			return fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return checkRoot(t.Name.Local)
		case xml.CharData:
			if err := checkProlog(t, scrub); err != nil {
				return err
			}
		}
	}
}

func infoFailure(dec *xml.Decoder, err error) error {
	var se *xml.SyntaxError
	isSyntax := errors.As(err, &se)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), isSyntax && se.Msg == "unexpected EOF":
		if dec.InputOffset() > maxInfoBody {
			return &httpx.TooLargeError{Limit: maxInfoBody}
		}
		return fmt.Errorf("organisation info %w at byte %d", ErrTruncated, dec.InputOffset())
	case isSyntax:
		return fmt.Errorf("%w at line %d (byte %d): %s", ErrMalformed, se.Line, dec.InputOffset(), se.Msg)
	}
	if errors.Is(err, ErrNotXML) || errors.Is(err, ErrTooLarge) {
		return err
	}
	return fmt.Errorf("reading the organisation info: %w", err)
}

func (o infoOrg) convert(parent string) (Organisation, error) {
	where := strings.TrimSpace(parent + " organisation " + strconv.Quote(o.Name))
	id, err := atoiField(o.ID)
	if err != nil {
		return Organisation{}, fmt.Errorf("%w: %s: Id: %v", ErrMalformed, where, err)
	}
	where = strings.TrimSpace(fmt.Sprintf("%s organisation %d (%s)", parent, id, o.Name))
	// Names reach doctor's output and the console: cleaned where they
	// enter (no control character or bidi override from outside).
	org := Organisation{ID: id, Name: textclean.Clean(o.Name)}
	for _, r := range o.Roles {
		rid, err := atoiField(r.ID)
		if err != nil {
			return Organisation{}, fmt.Errorf("%w: %s: role %q: Id: %v", ErrMalformed, where, r.Name, err)
		}
		org.Roles = append(org.Roles, RoleType{ID: rid, Name: textclean.Clean(r.Name), Description: textclean.Clean(r.Description)})
	}
	for _, ch := range append(o.Children, o.ChildOrgs...) {
		child, err := ch.convert(where + ", child")
		if err != nil {
			return Organisation{}, err
		}
		org.Children = append(org.Children, child)
	}
	for _, u := range o.Units {
		uid, err := atoiField(u.ID)
		if err != nil {
			return Organisation{}, fmt.Errorf("%w: %s: unit %q: Id: %v", ErrMalformed, where, u.Value, err)
		}
		unitOrg := id
		if strings.TrimSpace(u.OrganisationID) != "" {
			if unitOrg, err = atoiField(u.OrganisationID); err != nil {
				return Organisation{}, fmt.Errorf("%w: %s: unit %q: OrganisationId: %v", ErrMalformed, where, u.Value, err)
			}
		}
		org.Units = append(org.Units, Unit{ID: uid, Value: textclean.Clean(u.Value), OrganisationID: unitOrg})
	}
	return org, nil
}

func atoiField(s string) (int, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return 0, fmt.Errorf("missing")
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return n, nil
}

// Find returns the organisation with the given id, looking into children.
func Find(orgs []Organisation, id int) (Organisation, bool) {
	for _, o := range orgs {
		if o.ID == id {
			return o, true
		}
		if c, ok := Find(o.Children, id); ok {
			return c, true
		}
	}
	return Organisation{}, false
}

// Subtree returns id followed by the ids of every organisation below it, as
// far as orgs tell: children may be nested with full data or listed only by
// id, with their own entries elsewhere in orgs. Cycles are harmless. An id
// orgs do not know yields just [id].
func Subtree(orgs []Organisation, id int) []int {
	children := map[int][]int{}
	var index func([]Organisation)
	index = func(list []Organisation) {
		for _, o := range list {
			for _, c := range o.Children {
				children[o.ID] = append(children[o.ID], c.ID)
			}
			index(o.Children)
		}
	}
	index(orgs)
	out := []int{id}
	seen := map[int]bool{id: true}
	for i := 0; i < len(out); i++ {
		for _, c := range children[out[i]] {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}
