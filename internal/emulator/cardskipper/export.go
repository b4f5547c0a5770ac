package cardskipper

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/doorsync/doorsync/internal/member"
)

// maxRequestBody bounds a search request; real ones are a few hundred bytes.
const maxRequestBody = 1 << 20

// criteria are the parsed search criteria of a Member/Export request.
type criteria struct {
	organisationID       int
	orgs                 map[int]bool // the organisation and its children
	onlyActive           bool
	changedAt            time.Time // zero: no criterion
	roleID               int
	memberID             int
	userID               int
	organisationMemberID string
}

// unsupported are documented criteria the emulator does not implement; it
// refuses them rather than silently returning every member.
const unsupported = "Birthdate Firstname Lastname Cellphone TagContains OrganisationUnit HasUserDevice"

// badRequest is a request the service refuses with 400 and an HTML page.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func bad(format string, args ...any) error { return &badRequest{fmt.Sprintf(format, args...)} }

// export answers POST /Member/Export/.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "application/xml" && mt != "text/xml") {
		writePage(w, http.StatusUnsupportedMediaType,
			"The request entity's media type '"+r.Header.Get("Content-Type")+"' is not supported for this resource.",
			"HTTP 415. Send the search criteria as application/xml.")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return // the client went away
	}
	if len(body) > maxRequestBody {
		writePage(w, http.StatusRequestEntityTooLarge, "Maximum request length exceeded.", "HTTP 413.")
		return
	}
	c, err := s.parseCriteria(body)
	if err != nil {
		writePage(w, http.StatusBadRequest, err.Error(), "HTTP 400. The request body could not be read as SearchCriteriaMember.")
		return
	}
	today := member.DateOf(s.clock.Now(), s.zone)
	ms := s.snapshot()

	h := w.Header()
	h.Set("Content-Type", "application/xml; charset=utf-8")
	h.Set("Cache-Control", "private")
	w.WriteHeader(http.StatusOK)
	s.exports.Add(1)
	bw := bufio.NewWriterSize(w, 32<<10)
	x := &xmlWriter{w: bw}
	x.raw(`<?xml version="1.0" encoding="utf-8"?>` + "\n<Cardskipper>\n")
	n := 0
	for _, m := range ms {
		if !s.matches(m, c, today) {
			continue
		}
		if n == 0 {
			x.raw("  <Members>\n")
		}
		n++
		s.writeMember(x, m, c.orgs)
		if x.err != nil {
			return // the client went away; nothing more to do
		}
	}
	if n == 0 {
		x.raw("  <Members/>\n")
	} else {
		x.raw("  </Members>\n")
	}
	x.raw("</Cardskipper>\n")
	_ = bw.Flush()
}

// parseCriteria reads the request XML the way the service's schema does:
// case-sensitive names, each criterion an element with a value attribute.
func (s *Server) parseCriteria(body []byte) (criteria, error) {
	var req struct {
		XMLName  xml.Name
		Criteria *struct {
			Items []struct {
				XMLName xml.Name
				Value   *string `xml:"value,attr"`
			} `xml:",any"`
		} `xml:"SearchCriteriaMember"`
	}
	var c criteria
	if err := xml.Unmarshal(body, &req); err != nil {
		return c, bad("There is an error in XML document: %v", err)
	}
	if req.XMLName.Local != "Cardskipper" {
		return c, bad("There is an error in XML document: <%s xmlns=''> was not expected.", req.XMLName.Local)
	}
	if req.Criteria == nil {
		return c, bad("SearchCriteriaMember is required.")
	}
	seen := map[string]bool{}
	orgSeen := false
	for _, it := range req.Criteria.Items {
		name := it.XMLName.Local
		if seen[name] {
			return c, bad("Criterion %s is given twice.", name)
		}
		seen[name] = true
		if it.Value == nil {
			return c, bad("Criterion %s has no value attribute.", name)
		}
		v := strings.TrimSpace(*it.Value)
		if v == "" {
			continue // an empty criterion is no criterion
		}
		var err error
		switch name {
		case "OrganisationId":
			c.organisationID, err = strconv.Atoi(v)
			orgSeen = err == nil
		case "OnlyActive":
			c.onlyActive, err = parseBool(v)
		case "ChangedAt":
			c.changedAt, err = parseTime(v, s.zone)
		case "RoleId":
			c.roleID, err = strconv.Atoi(v)
		case "MemberId":
			c.memberID, err = strconv.Atoi(v)
		case "UserId":
			c.userID, err = strconv.Atoi(v)
		case "OrganisationMemberId":
			c.organisationMemberID = v
		default:
			if strings.Contains(" "+unsupported+" ", " "+name+" ") {
				return c, bad("Criterion %s is not supported by the emulator.", name)
			}
			return c, bad("There is an error in XML document: <%s xmlns=''> was not expected.", name)
		}
		if err != nil {
			return c, bad("The value '%s' is not valid for %s.", v, name)
		}
	}
	if !orgSeen {
		return c, bad("OrganisationId is required.")
	}
	if _, ok := s.orgs[c.organisationID]; !ok {
		return c, bad("Organisation %d does not exist or is not accessible to this account.", c.organisationID)
	}
	c.orgs = s.subtree(c.organisationID)
	return c, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

// parseTime reads a ChangedAt value: local .NET time (optionally with
// fractions), a date, or RFC 3339.
func parseTime(v string, zone *time.Location) (time.Time, error) {
	for _, l := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(l, v, zone); err == nil {
			return t, nil
		}
	}
	return time.Parse(time.RFC3339Nano, v)
}

// subtree is the organisation and every organisation below it.
func (s *Server) subtree(id int) map[int]bool {
	out := map[int]bool{}
	var walk func(o *Organisation)
	walk = func(o *Organisation) {
		if out[o.ID] {
			return
		}
		out[o.ID] = true
		for i := range o.Children {
			walk(&o.Children[i])
		}
	}
	if o, ok := s.orgs[id]; ok {
		walk(o)
	}
	return out
}

// matches applies the criteria. OnlyActive means not inactive and some role
// in the searched organisations valid today in the club's zone [an
// inference: the documentation says "active users"].
func (s *Server) matches(m *Member, c criteria, today member.Date) bool {
	if c.memberID != 0 && m.MemberID != c.memberID {
		return false
	}
	if c.userID != 0 && m.UserID != c.userID {
		return false
	}
	if c.organisationMemberID != "" && m.OrganisationMemberID != c.organisationMemberID {
		return false
	}
	if !c.changedAt.IsZero() && !m.ChangedAt.After(c.changedAt) {
		return false
	}
	if c.onlyActive && m.Inactive {
		return false
	}
	inOrg, hasRole, active := false, c.roleID == 0, false
	for _, r := range m.Roles {
		if !c.orgs[r.OrganisationID] {
			continue
		}
		inOrg = true
		if r.RoleID == c.roleID {
			hasRole = true
		}
		if c.onlyActive && !active {
			active = s.validOn(r, today)
		}
	}
	return inOrg && hasRole && (!c.onlyActive || active)
}

// validOn reports whether the role's period covers day; a role with a date
// the service could not read is not valid.
func (s *Server) validOn(r MemberRole, day member.Date) bool {
	start, err := member.ParseDate(r.StartDate, s.zone)
	if err != nil {
		return false
	}
	end, err := member.ParseDate(r.EndDate, s.zone)
	if err != nil {
		return false
	}
	return !day.Before(start) && !day.After(end)
}

// writeMember writes one <Member> in the attribute style of the real export,
// with only the organisations being searched.
func (s *Server) writeMember(x *xmlWriter, m *Member, orgs map[int]bool) {
	x.raw("    <Member")
	x.attr("MemberId", strconv.Itoa(m.MemberID))
	x.attr("UserId", strconv.Itoa(m.UserID))
	x.attr("OrganisationMemberId", m.OrganisationMemberID)
	x.attr("MemberCode", m.MemberCode)
	x.attr("Firstname", m.FirstName)
	x.attr("Lastname", m.LastName)
	x.attr("Birthdate", m.Birthdate)
	x.attr("Inactive", strconv.FormatBool(m.Inactive))
	x.raw(">\n      <Extra")
	x.attr("Extra1", m.Extra[0])
	x.attr("Extra2", m.Extra[1])
	x.attr("Extra3", m.Extra[2])
	x.raw("/>\n      <Address")
	x.attr("Line1", m.Address.Line1)
	x.attr("Line2", m.Address.Line2)
	x.attr("Zip", m.Address.Zip)
	x.attr("City", m.Address.City)
	x.raw("/>\n      <ContactInfo")
	x.attr("CellPhone1", m.CellPhone)
	x.attr("CellPhone2", "")
	if m.Email != "" || !m.NoEmailAttribute {
		x.attr("EMail", m.Email)
	}
	x.raw("/>\n      <Organisations>\n")
	// Group roles by organisation, in order of first appearance.
	var order []int
	for _, r := range m.Roles {
		if orgs[r.OrganisationID] && !slices.Contains(order, r.OrganisationID) {
			order = append(order, r.OrganisationID)
		}
	}
	for i, org := range order {
		x.raw("        <Organisation")
		x.attr("Id", strconv.Itoa(org))
		x.attr("ClearTags", "false")
		x.raw(">\n          <Roles>\n")
		for _, r := range m.Roles {
			if r.OrganisationID != org {
				continue
			}
			x.raw("            <Role")
			x.attr("Id", strconv.Itoa(r.RoleID))
			x.attr("StartDate", r.StartDate)
			x.attr("EndDate", r.EndDate)
			x.attr("Type", "")
			x.attr("OrganisationUnit", "")
			if name, ok := s.roles[r.RoleID]; ok {
				x.attr("Name", name)
			}
			x.raw("/>\n")
		}
		x.raw("          </Roles>\n")
		// The emulator keeps one tag list per member; it goes with the
		// member's first organisation.
		if i == 0 && len(m.Tags) > 0 {
			x.raw("          <Tags>")
			for _, t := range m.Tags {
				x.raw("<Tag")
				x.attr("Label", t)
				x.raw("/>")
			}
			x.raw("</Tags>\n")
		}
		x.raw("        </Organisation>\n")
	}
	x.raw("      </Organisations>\n    </Member>\n")
}

// xmlWriter writes XML text to a buffered writer, keeping the first error.
type xmlWriter struct {
	w   *bufio.Writer
	err error
}

func (x *xmlWriter) raw(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

// attr writes ` name="value"` with value escaped for an attribute
// (xml.EscapeText escapes quotes and line breaks too).
//
// A character XML 1.0 does not allow at all (a control character such as
// ESC, U+FFFE) is written as a character reference, &#x1B;: what a .NET
// service that does not check characters sends, and the only way such a
// name can reach a client through XML at all (raw, it would make the
// document not well-formed; xml.EscapeText would silently turn it into
// U+FFFD). Invalid UTF-8 still becomes U+FFFD.
func (x *xmlWriter) attr(name, value string) {
	x.raw(" ")
	x.raw(name)
	x.raw(`="`)
	if strings.IndexFunc(value, notXMLChar) >= 0 {
		for len(value) > 0 {
			i := strings.IndexFunc(value, notXMLChar)
			if i < 0 {
				i = len(value)
			}
			if x.err == nil {
				x.err = xml.EscapeText(x.w, []byte(value[:i]))
			}
			if i == len(value) {
				break
			}
			r, size := utf8.DecodeRuneInString(value[i:])
			x.raw(fmt.Sprintf("&#x%X;", r))
			value = value[i+size:]
		}
	} else if strings.ContainsAny(value, "<>&'\"\t\n\r") || !utf8.ValidString(value) {
		if x.err == nil {
			x.err = xml.EscapeText(x.w, []byte(value))
		}
	} else {
		x.raw(value) // nothing to escape: spare the copy
	}
	x.raw(`"`)
}

// notXMLChar reports whether XML 1.0 does not allow r (the Char production)
// while it is a valid character: a C0 control other than tab and line
// breaks, U+FFFE or U+FFFF. Invalid UTF-8 decodes as U+FFFD, allowed.
func notXMLChar(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF
}
