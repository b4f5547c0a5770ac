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
// read) and a complete Valid (enable:true, beginTime as read, the new
// endTime, timeType:"local") — never rights, arrays or enable:false. If the
// terminal answers MessageParametersLack naming a field, that one field is
// added from the read copy and the request is sent once more. Writes are
// not retried when busy: the caller owns that (it journals each attempt).
func (c *Client) Modify(ctx context.Context, req ModifyRequest) error {
	no := strings.TrimSpace(req.EmployeeNo)
	op := "modify " + no
	if no == "" {
		return c.fail(target.Permanent, "modify", "", "no employeeNo", nil)
	}
	if req.End.IsZero() {
		return c.fail(target.Permanent, op, "", "no end time", nil)
	}
	begin := req.Begin
	if begin.IsZero() {
		// No period as read: begin at the start of today, or of the end's
		// day if that is earlier, so that begin ≤ end always holds.
		today := member.DateOf(c.clock.Now(), c.zone)
		if endDay := member.DateOf(req.End, c.zone); endDay.Before(today) {
			today = endDay
		}
		begin = today.StartOfDay(c.zone)
	}
	if req.End.Before(begin) {
		// Closing access before the period began (a revoke of a member
		// whose period starts later): the terminal refuses end < begin, so
		// the period becomes the end's day only, which has passed.
		begin = member.DateOf(req.End, c.zone).StartOfDay(c.zone)
	}
	user := map[string]any{
		"employeeNo": no,
		"Valid": modifyValid{Enable: true, BeginTime: formatLocalTime(begin, c.zone),
			EndTime: formatLocalTime(req.End, c.zone), TimeType: "local"},
	}
	if req.UserType != "" {
		user["userType"] = req.UserType
	}
	rep, err := c.modifyOnce(ctx, op, user)
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
	b, err := json.Marshal(map[string]any{"UserInfo": user})
	if err != nil {
		return nil, c.fail(target.Permanent, op, "", "cannot encode the change", err)
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
		return rep, c.fail(target.Malformed, op, "", "reply not understood, the change may or may not have been made: "+why, nil)
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
