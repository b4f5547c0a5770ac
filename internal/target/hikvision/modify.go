package hikvision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// neverResendList names fields a MessageParametersLack reply must not make
// us send: a terminal lists password as "" (masked), so sending the read
// copy back would erase it; arrays and rights replace what the terminal
// holds; the rest are sent already or never.
func neverResendList() []string {
	return []string{"password", "doorRight", "RightPlan", "PersonInfoExtends", "addUser", "employeeNo", "Valid",
		"enable", "beginTime", "endTime", "timeType"}
}

type modifyValid struct {
	Enable    bool   `json:"enable"`
	BeginTime string `json:"beginTime"`
	EndTime   string `json:"endTime"`
	TimeType  string `json:"timeType"`
}

// Modify sets one person's validity: it sends only employeeNo, userType (as
// read) and a complete Valid (enable:true, beginTime exactly as read, the
// new endTime, timeType:"local") — never rights, arrays or enable:false. If
// the terminal answers MessageParametersLack naming a field, that one field
// is added from the read copy and the request is sent once more. If it
// refuses a Valid at its own advertised bounds ("beginTime and endTime",
// DS-KV6124-E1), see insideBounds. Writes are not retried when busy: the
// caller owns that (it journals each attempt).
func (c *Client) Modify(ctx context.Context, req ModifyRequest) error {
	no := strings.TrimSpace(req.EmployeeNo)
	op := "modify " + no
	if no == "" {
		return c.errs.Fail(target.Permanent, "modify", "", "no employeeNo", nil)
	}
	if req.End.IsZero() {
		return c.errs.Fail(target.Permanent, op, "", "no end time", nil)
	}
	begin, beginText := req.Begin, strings.TrimSpace(req.BeginText)
	if begin.IsZero() {
		// No period as read: begin at the start of today, or of the end's
		// day if that is earlier, so that begin ≤ end always holds.
		today := member.DateOf(c.clock.Now(), c.zone)
		if endDay := member.DateOf(req.End, c.zone); endDay.Before(today) {
			today = endDay
		}
		begin, beginText = today.StartOfDay(c.zone), ""
	}
	if req.End.Before(begin) {
		// Closing access before the period began (a revoke of a member
		// whose period starts later): the terminal refuses end < begin, so
		// the period becomes the end's day only, which has passed.
		begin, beginText = member.DateOf(req.End, c.zone).StartOfDay(c.zone), ""
	}
	if beginText == "" {
		beginText = formatLocalTime(begin, c.zone)
	}
	valid := modifyValid{Enable: true, BeginTime: beginText, EndTime: formatLocalTime(req.End, c.zone), TimeType: "local"}
	if c.learned.refusesBounds.Load() {
		// Known from an earlier refusal: no need to be refused again.
		if v, _, ok := c.insideBounds(ctx, valid); ok {
			valid = v
		}
	}
	user := map[string]any{"employeeNo": no, "Valid": valid}
	if req.UserType != "" {
		user["userType"] = req.UserType
	}
	rep, err := c.modifyOnce(ctx, op, user)
	if refusedBounds(rep, err) && !c.learned.refusesBounds.Load() {
		v, moved, ok := c.insideBounds(ctx, valid)
		if !ok {
			return err
		}
		user["Valid"] = v
		if _, err2 := c.modifyOnce(ctx, op+" ("+moved+")", user); err2 != nil {
			// The second answer classifies (an auth stop must stay one).
			var first *target.Error
			errors.As(err, &first)
			return fmt.Errorf("%w (sent again after the terminal refused the bounds: %s)", err2, first.Message)
		}
		c.learned.refusesBounds.Store(true)
		return nil
	}
	var te *target.Error
	if !errors.As(err, &te) || !strings.EqualFold(te.Code, "MessageParametersLack") || rep == nil || rep.env == nil {
		return err
	}
	name, value, why := c.lackingField(ctx, lackingName(rep.env), user, req)
	if why != "" {
		return fmt.Errorf("%w (%s)", err, why)
	}
	user[name] = value
	_, err = c.modifyOnce(ctx, op+" (with "+name+")", user)
	return err
}

// refusedBounds reports the refusal firmware gives a Valid at its own
// advertised bounds: badJsonContent, errorMsg "beginTime and endTime"
// (kv6124_b_sync_write_verification.json).
func refusedBounds(rep *reply, err error) bool {
	var te *target.Error
	if !errors.As(err, &te) || !strings.EqualFold(te.Code, "badJsonContent") || rep == nil || rep.env == nil {
		return false
	}
	msgs := []string{rep.env.ErrorMsg}
	for _, p := range rep.env.Persons {
		msgs = append(msgs, p.ErrorMsg)
	}
	for _, m := range msgs {
		m = strings.ToLower(m)
		if strings.Contains(m, "begintime") || strings.Contains(m, "endtime") {
			return true
		}
	}
	return false
}

// insideBounds moves a begin or end that sits exactly on the terminal's
// advertised bounds one day inside them: an end at timeRangeEnd
// (2037-12-31T23:59:59) becomes the day before at 23:59:59, a begin at
// timeRangeBegin the day after. A day, not a second, keeps the end a whole
// calendar day like every other end; the plan counts an end one day below
// the target's maximum as the maximum (plan.EndHeld), so it settles. moved
// says what changed; ok is false when neither was on a bound (the refusal
// has another cause and stands).
func (c *Client) insideBounds(ctx context.Context, v modifyValid) (_ modifyValid, moved string, ok bool) {
	caps, err := c.limits(ctx)
	if err != nil {
		return v, "", false
	}
	var what []string
	if v.EndTime == formatLocalTime(caps.TimeRangeEnd, c.zone) {
		v.EndTime = formatLocalTime(caps.TimeRangeEnd.AddDate(0, 0, -1), c.zone)
		what = append(what, "endTime "+v.EndTime+", a day before the terminal's maximum, which it refuses")
	}
	if v.BeginTime == formatLocalTime(caps.TimeRangeBegin, c.zone) {
		v.BeginTime = formatLocalTime(caps.TimeRangeBegin.AddDate(0, 0, 1), c.zone)
		what = append(what, "beginTime "+v.BeginTime+", a day after the terminal's minimum, which it refuses")
	}
	return v, strings.Join(what, " and "), len(what) > 0
}

// lackingName is the errorMsg of a MessageParametersLack status, top-level
// or per person.
func lackingName(env *envelope) string {
	if strings.EqualFold(env.SubStatusCode, "MessageParametersLack") {
		return env.ErrorMsg
	}
	for _, p := range env.Persons {
		if strings.EqualFold(p.SubStatusCode, "MessageParametersLack") {
			return p.ErrorMsg
		}
	}
	return ""
}

func (c *Client) modifyOnce(ctx context.Context, op string, user map[string]any) (*reply, error) {
	// Every PUT, the ones sent again after a refusal included, only while
	// the run may send (it holds the database's lock).
	if err := target.CheckSend(ctx); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", op, target.ErrNotSent, err)
	}
	b, err := json.Marshal(map[string]any{"UserInfo": user})
	if err != nil {
		return nil, c.errs.Fail(target.Permanent, op, "", "cannot encode the change", err)
	}
	cl := call{op: op, method: http.MethodPut, path: pathModify, body: b}
	rep, err := c.do(ctx, cl)
	if err != nil {
		return rep, err
	}
	// A write counts as done only on an explicit success status: anything
	// else leaves the caller unsure, and its read-back decides.
	if rep.env == nil || !rep.env.OK() {
		why := "no status envelope"
		if rep.parseErr != nil && !errors.Is(rep.parseErr, errNotEnvelope) {
			why = rep.parseErr.Error()
		}
		return rep, c.errs.Fail(target.Malformed, op, "", "reply not understood, the change may or may not have been made: "+why, nil)
	}
	return rep, nil
}

// lackingField finds the field a MessageParametersLack message names in the
// read copy (reading the person again if no copy was given). why explains
// when the field cannot or must not be added.
func (c *Client) lackingField(ctx context.Context, msg string, sent map[string]any, req ModifyRequest) (string, json.RawMessage, string) {
	name := strings.TrimSpace(msg)
	if i := strings.LastIndexAny(name, ".:/ "); i >= 0 {
		name = strings.TrimSpace(name[i+1:])
	}
	if name == "" {
		return "", nil, "the terminal did not name the missing field"
	}
	for _, f := range neverResendList() {
		if strings.EqualFold(f, name) {
			return "", nil, fmt.Sprintf("%q is not sent by doorsync", name)
		}
	}
	for k := range sent {
		if strings.EqualFold(k, name) {
			return "", nil, fmt.Sprintf("%q was already sent", name)
		}
	}
	read := req.Read
	if read == nil || len(read.Raw) == 0 {
		users, err := c.SearchEmployees(ctx, []string{req.EmployeeNo})
		if err != nil {
			return "", nil, "reading the person for it failed: " + err.Error()
		}
		if len(users) == 0 {
			return "", nil, "the person is no longer on the terminal"
		}
		read = &users[0]
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(read.Raw, &obj); err != nil {
		return "", nil, "the read copy is not an object"
	}
	for k, v := range obj {
		if strings.EqualFold(k, name) {
			return k, v, ""
		}
	}
	return "", nil, fmt.Sprintf("the read copy has no %q", name)
}
