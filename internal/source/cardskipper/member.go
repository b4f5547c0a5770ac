package cardskipper

import (
	"bytes"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/textclean"
)

// member decodes one <Member> whose start tag was just read.
func (d *exportDecoder) member() error {
	if d.count() >= maxMembers {
		return d.overCap("more than %d members", maxMembers)
	}
	var m member.Member
	d.problems, d.curRoles, d.curTags = d.problems[:0], d.curRoles[:0], d.curTags[:0]
	clear(d.tagSet)
	d.inMember = true
	defer func() { d.inMember = false }()
	if d.stray != nil {
		// The forbidden characters are in this member's own attributes.
		d.stray = nil
		d.badValues(true)
	}
	// ContactInfo's EMail, read after the Member's attributes, wins.
	var rawEmail string
	for i := range d.s.attrs {
		name, v := d.s.attr(i)
		switch canon(localName(name), "OrganisationMemberId", "Firstname", "Lastname", "Inactive", "EMail") {
		case "OrganisationMemberId":
			m.ID = string(bytes.TrimSpace(v))
			if textclean.Has(m.ID) {
				// Characters XML allows but a terminal obeys: the member
				// is invalid (its id is the identity key), shown marked.
				d.problem("OrganisationMemberId %+q has control or formatting characters", m.ID)
				m.ID = textclean.Mark(m.ID)
			}
		case "Firstname":
			// Characters XML allows but a terminal obeys (C1 controls such
			// as \x9b, bidi overrides, zero-width) are stripped where the
			// name enters: it reaches the console, reports and mail.
			m.FirstName = textclean.Clean(d.intern(bytes.TrimSpace(v)))
		case "Lastname":
			m.LastName = textclean.Clean(d.intern(bytes.TrimSpace(v)))
		case "Inactive":
			b, ok := parseBool(v)
			if !ok {
				d.problem("Inactive %q is not true or false", v)
			}
			m.Inactive = b
		case "EMail":
			// Not where the documented export puts it, but accepted when
			// ContactInfo does not say otherwise.
			rawEmail = string(v)
		}
	}
	for {
		k, err := d.next()
		if err != nil {
			return err
		}
		switch k {
		case tokStart:
			switch canon(localName(d.s.name()), "Extra", "ContactInfo", "Organisations", "Organisation", "Tags") {
			case "Extra":
				for i := range d.s.attrs {
					name, v := d.s.attr(i)
					switch canon(localName(name), "Extra1", "Extra2", "Extra3") {
					case "Extra1":
						m.Extra[0] = d.intern(v)
					case "Extra2":
						m.Extra[1] = d.intern(v)
					case "Extra3":
						m.Extra[2] = d.intern(v)
					}
				}
				err = d.skip()
			case "ContactInfo":
				for i := range d.s.attrs {
					if name, v := d.s.attr(i); is(localName(name), "EMail") {
						rawEmail = string(v)
					}
				}
				err = d.skip()
			case "Organisations":
				err = d.organisations()
			case "Organisation":
				err = d.organisation()
			case "Tags":
				err = d.tags()
			default:
				err = d.skip()
			}
			if err != nil {
				return err
			}
		case tokEnd:
			d.finish(&m, rawEmail)
			return nil
		}
	}
}

// finish normalises the e-mail, names the member in its problems and
// appends it.
func (d *exportDecoder) finish(m *member.Member, rawEmail string) {
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
		// Small chunks first: an incremental export has a handful of
		// members.
		d.done += d.pending()
		d.chunks = append(d.chunks, make([]member.Member, 0, min(chunkSize, max(firstChunk, d.done))))
	}
	last := &d.chunks[len(d.chunks)-1]
	*last = append(*last, *m)
	d.lastID = m.ID
	if d.lastID == "" {
		d.lastID = fmt.Sprintf("#%d (no OrganisationMemberId)", d.count())
	}
}

// badValues makes each attribute of the current start tag that had a
// character XML forbids a problem of the member, naming the field: the
// attribute, after its element's name unless it is the <Member>'s own
// (own). The value itself already carries U+FFFD for each such character,
// so nothing the character would do reaches a terminal or a report.
func (d *exportDecoder) badValues(own bool) {
	for _, a := range d.s.attrs {
		if a.bad == noBadRune {
			continue
		}
		field := string(localName(d.s.tok[a.nameStart:a.nameEnd]))
		if !own {
			field = string(localName(d.s.name())) + "." + field
		}
		d.badCharacter(field, a.bad)
	}
}

// badText makes a character XML forbids in the text of an element of a
// member (a <Tag>, or one doorsync ignores) a problem of the member.
func (d *exportDecoder) badText() {
	d.badCharacter(string(localName(d.s.top()))+" text", d.s.textBad)
}

func (d *exportDecoder) badCharacter(field string, bad rune) {
	switch {
	case bad == utf8.RuneError:
		d.problem("%s has invalid UTF-8 (replaced by U+FFFD)", field)
	case bad == beyondRef:
		d.problem("%s has a character reference beyond Unicode, which XML does not allow (replaced by U+FFFD)", field)
	case bad == surrogateRef:
		d.problem("%s has a character reference to a surrogate, which XML does not allow (replaced by U+FFFD)", field)
	case bad < 0x20:
		d.problem("%s has the control character %U, which XML does not allow (replaced by U+FFFD)", field, bad)
	default:
		d.problem("%s has the character %U, which XML does not allow (replaced by U+FFFD)", field, bad)
	}
}

func (d *exportDecoder) problem(format string, args ...any) {
	d.problems = append(d.problems, fmt.Sprintf(format, args...))
}

func (d *exportDecoder) organisations() error {
	return d.children(d.only("Organisation", d.organisation))
}

// organisation decodes one <Organisation Id> of a member: its roles and
// tags. Organisations do not nest (a nested one is skipped), so d.org names
// the one being decoded.
func (d *exportDecoder) organisation() error {
	orgID := 0
	d.org = d.org[:0]
	for i := range d.s.attrs {
		name, v := d.s.attr(i)
		if !is(localName(name), "Id") {
			continue
		}
		d.org = append(d.org[:0], bytes.TrimSpace(v)...)
		id, ok := atoi(d.org)
		if !ok {
			d.problem("organisation Id %q is not a number", v)
			continue
		}
		orgID = id
	}
	if len(d.org) == 0 {
		d.problem("an organisation without Id")
		d.org = append(d.org, "without Id"...)
	}
	return d.children(func(name []byte) error {
		switch canon(name, "Roles", "Role", "Tags") {
		case "Roles":
			return d.roles(orgID)
		case "Role":
			return d.role(orgID)
		case "Tags":
			return d.tags()
		}
		return d.skip()
	})
}

func (d *exportDecoder) roles(orgID int) error {
	return d.children(d.only("Role", func() error { return d.role(orgID) }))
}

// role decodes one <Role Id StartDate EndDate>. A bad value is a problem of
// the member; the role is kept (with the bad field zero) so the member is
// reported rather than silently losing a membership period.
func (d *exportDecoder) role(orgID int) error {
	r := member.Role{OrganisationID: orgID}
	var idText []byte // the Id as far as read, for messages
	idSeen := false
	for i := range d.s.attrs {
		name, v := d.s.attr(i)
		switch canon(localName(name), "Id", "StartDate", "EndDate") {
		case "Id":
			idSeen, idText = true, v
			id, ok := atoi(bytes.TrimSpace(v))
			if !ok {
				d.problem("organisation %s: role Id %q is not a number", d.org, v)
				continue
			}
			r.RoleID = id
		case "StartDate":
			r.Start = d.date(idText, name, v)
		case "EndDate":
			r.End = d.date(idText, name, v)
		}
	}
	if !idSeen {
		d.problem("organisation %s: a role without Id", d.org)
	}
	if len(d.curRoles) >= maxMemberRoles || d.rolesAndTags >= maxRolesAndTags {
		return d.overCap("more than %d roles in one member or %d roles and tags in all", maxMemberRoles, maxRolesAndTags)
	}
	d.curRoles = append(d.curRoles, r)
	d.rolesAndTags++
	return d.skip()
}

// date parses a role date attribute. An empty value is no date (the
// validity rule reports a counting role without dates); an unparseable one
// is a problem.
func (d *exportDecoder) date(idText, attrName, value []byte) member.Date {
	v := bytes.TrimSpace(value)
	if len(v) == 0 {
		return member.Date{}
	}
	if dt, ok := fastDate(v); ok {
		return dt
	}
	dt, err := member.ParseDate(string(v), d.zone)
	if err != nil {
		role := "role"
		if len(idText) > 0 {
			role = "role " + string(bytes.TrimSpace(idText))
		}
		d.problem("organisation %s %s: %s: %v", d.org, role, localName(attrName), err)
		return member.Date{}
	}
	return dt
}

// tags decodes <Tags><Tag Label="…"/></Tags> (or <Tag>text</Tag>), keeping
// the first occurrence of each label.
func (d *exportDecoder) tags() error {
	return d.children(func(name []byte) error {
		if !is(name, "Tag") {
			return d.skip()
		}
		d.label = d.label[:0]
		for i := range d.s.attrs {
			if name, v := d.s.attr(i); is(localName(name), "Label") {
				d.label = append(d.label[:0], v...)
			}
		}
		text, err := d.tagText()
		if err != nil {
			return err
		}
		label := d.label
		if len(label) == 0 {
			label = text
		}
		if label = bytes.TrimSpace(label); len(label) > 0 && !d.hasTag(label) {
			if len(d.curTags) >= maxMemberTags || d.rolesAndTags >= maxRolesAndTags {
				return d.overCap("more than %d tags in one member or %d roles and tags in all", maxMemberTags, maxRolesAndTags)
			}
			tag := d.intern(label)
			d.curTags = append(d.curTags, tag)
			d.rolesAndTags++
			if d.tagSet != nil {
				d.tagSet[tag] = true
			}
		}
		return nil
	})
}

// overCap is the error of a count cap of limits.go, saying where.
func (d *exportDecoder) overCap(format string, args ...any) error {
	return d.fail(d.s.limit(format, args...))
}

// hasTag reports whether the current member has the tag already: by
// comparing while it has few, by a set once it has many (many unique tags
// compared one by one took quadratic time).
func (d *exportDecoder) hasTag(label []byte) bool {
	if len(d.curTags) < smallTagSetLookup {
		return slices.Contains(d.curTags, string(label))
	}
	if d.tagSet == nil {
		d.tagSet = make(map[string]bool, 2*smallTagSetLookup)
	}
	if len(d.tagSet) == 0 {
		for _, t := range d.curTags {
			d.tagSet[t] = true
		}
	}
	return d.tagSet[string(label)]
}

// maxTagText is about how much text of a <Tag> is kept.
const maxTagText = 1024

// tagText reads the character data of the element whose start was just
// read, skipping child elements. Once maxTagText bytes are collected,
// further pieces of text are dropped.
func (d *exportDecoder) tagText() ([]byte, error) {
	d.text = d.text[:0]
	d.s.keepText = true
	defer func() { d.s.keepText = false }()
	for {
		k, err := d.next()
		if err != nil {
			return nil, err
		}
		switch k {
		case tokText:
			if len(d.text) < maxTagText {
				d.text = append(d.text, d.s.textBytes()...)
			}
		case tokStart:
			if err := d.skip(); err != nil {
				return nil, err
			}
		case tokEnd:
			return d.text, nil
		}
	}
}
