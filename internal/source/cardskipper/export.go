package cardskipper

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/member"
)

// changedAtLayout is how ChangedAt is sent: .NET style local time without an
// offset, in the club's zone.
const changedAtLayout = "2006-01-02T15:04:05"

// ExportQuery holds the Member/Export search criteria the sync uses. Only
// criteria with values are sent; OrganisationID is required.
type ExportQuery struct {
	OrganisationID int
	// OnlyActive asks for active members only (not inactive, a role valid
	// today). A lapsed member is then absent, not marked.
	OnlyActive bool
	// ChangedAt asks for members changed after this instant. It is sent to
	// the second, truncated down, so a member changed within that second is
	// returned again rather than missed.
	ChangedAt time.Time
	RoleID    int
	// MemberID and OrganisationMemberID look up one member.
	MemberID             int
	OrganisationMemberID string
}

// requestXML renders q as the documented request: each criterion an empty
// element with a value attribute, in the order of the documentation.
func (q ExportQuery) requestXML(zone *time.Location) (string, error) {
	if q.OrganisationID <= 0 {
		return "", fmt.Errorf("organisation id %d: want a positive number", q.OrganisationID)
	}
	var b strings.Builder
	b.WriteString("<Cardskipper>\n  <SearchCriteriaMember>\n")
	criterion := func(name, value string) {
		b.WriteString("    <")
		b.WriteString(name)
		b.WriteString(` value="`)
		b.WriteString(escapeAttr(value))
		b.WriteString(`"/>` + "\n")
	}
	criterion("OrganisationId", strconv.Itoa(q.OrganisationID))
	if q.OnlyActive {
		criterion("OnlyActive", "true")
	}
	if !q.ChangedAt.IsZero() {
		criterion("ChangedAt", changedAtText(q.ChangedAt, zone))
	}
	if q.RoleID != 0 {
		criterion("RoleId", strconv.Itoa(q.RoleID))
	}
	if q.MemberID != 0 {
		criterion("MemberId", strconv.Itoa(q.MemberID))
	}
	if v := strings.TrimSpace(q.OrganisationMemberID); v != "" {
		criterion("OrganisationMemberId", v)
	}
	b.WriteString("  </SearchCriteriaMember>\n</Cardskipper>\n")
	return b.String(), nil
}

// changedAtText is the ChangedAt value for since: the club's wall clock,
// without an offset. In the hour that autumn's DST change repeats, a wall
// time names two instants and Cardskipper takes the later one (standard
// time, as .NET converts an ambiguous local time): since's own wall time
// would skip the changes of up to an hour, and the watch would miss them
// until its next full reconcile. There the value is moved back by the
// repeat, so it is never read as later than since: re-reading a few
// members is cheap, missing one is not.
func changedAtText(since time.Time, zone *time.Location) string {
	local := since.In(zone)
	text := local.Format(changedAtLayout)
	_, off := local.Zone()
	// The repeat lies ahead within hours: DST never shifts more than 2 h.
	if _, later := since.Add(3 * time.Hour).In(zone).Zone(); later < off {
		back := time.Duration(off-later) * time.Second
		if since.Add(back).In(zone).Format(changedAtLayout) == text {
			return since.Add(-back).In(zone).Format(changedAtLayout)
		}
	}
	return text
}

// escapeAttr escapes text for a double-quoted XML attribute.
func escapeAttr(s string) string {
	return strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&quot;", "'", "&apos;",
		"\t", "&#x9;", "\n", "&#xA;", "\r", "&#xD;").Replace(s)
}

// Export runs Member/Export and decodes the reply as a stream. On any
// failure it returns an error and no members: never a partial list.
func (c *Client) Export(ctx context.Context, q ExportQuery) ([]member.Member, error) {
	ms, err := c.export(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("cardskipper: member export: %w", err)
	}
	return ms, nil
}

func (c *Client) export(ctx context.Context, q ExportQuery) ([]member.Member, error) {
	body, err := q.requestXML(c.zone)
	if err != nil {
		return nil, err
	}
	r, err := c.do(ctx, call{name: "Member/Export", method: "POST", path: "/Member/Export/", body: body})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	ms, err := decodeMembers(r.br, c.zone, c.quoteable)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%w)", err, ctxErr)
		}
		return nil, c.scrub(err)
	}
	return ms, nil
}
