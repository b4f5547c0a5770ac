package hikvision

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
)

// attrBegin is the Account.Attrs key of the begin digits as read, kept only
// when formatting Begin would not give them back (a wall time in the spring
// DST gap): Modify echoes the begin exactly.
const attrBegin = "beginTime"

// Target adapts one terminal to target.Target.
//
// Retries: none here or in the client. A busy or failing request comes back
// at once as a classified error (class Busy or Transient) and the engine
// retries the call within the terminal's time budget (apply.Retry), so
// there is one retry layer, deciding by class. What would make a retry
// expensive is kept instead: an Inventory interrupted by a failed page
// keeps the pages read, and the next Inventory continues from the failed
// page when the list is unchanged (see scanState), so one busy page of 50
// costs one page, not a rescan.
type Target struct {
	c          *Client
	emailField string

	mu     sync.Mutex
	info   target.Info
	serial bool // Serial has been read

	scanMu sync.Mutex // one Inventory at a time: they share the scan
	scan   scanState  // the listing in progress (resumed after a failed page)
}

// NewTarget returns the adapter for cfg's terminal. It does not talk to it.
func NewTarget(cfg Config) (*Target, error) {
	c, err := NewClient(cfg)
	if err != nil {
		return nil, err
	}
	field := cfg.EmailField
	if field == "" {
		field = EmailNone
	}
	def := defaultCapabilities(cfg.Zone)
	return &Target{c: c, emailField: field, info: target.Info{
		Name: c.name, System: "hikvision", MinEnd: def.TimeRangeBegin, MaxEnd: def.TimeRangeEnd,
	}}, nil
}

// Client is the ISAPI client underneath (for doctor: time, count).
func (t *Target) Client() *Client { return t.c }

// Close releases idle connections.
func (t *Target) Close() { t.c.Close() }

// Info describes the terminal; Serial and the end bounds are known after
// Probe or Inventory.
func (t *Target) Info() target.Info {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.info
}

// Probe reads deviceInfo and the capabilities, changing nothing.
func (t *Target) Probe(ctx context.Context) error {
	di, err := t.c.DeviceInfo(ctx)
	if err != nil {
		return err
	}
	t.setSerial(di.SerialNumber)
	caps, err := t.c.Capabilities(ctx)
	if err != nil {
		return err
	}
	t.setRange(caps)
	return nil
}

func (t *Target) setSerial(s string) {
	t.mu.Lock()
	t.info.Serial, t.serial = s, true
	t.mu.Unlock()
}

func (t *Target) setRange(caps Capabilities) {
	t.mu.Lock()
	t.info.MinEnd, t.info.MaxEnd = caps.TimeRangeBegin, caps.TimeRangeEnd
	t.mu.Unlock()
}

// prepare reads what Info needs, once.
func (t *Target) prepare(ctx context.Context) error {
	t.mu.Lock()
	known := t.serial
	t.mu.Unlock()
	if !known {
		di, err := t.c.DeviceInfo(ctx)
		if err != nil {
			return err
		}
		t.setSerial(di.SerialNumber)
	}
	caps, err := t.c.limits(ctx)
	if err != nil {
		return err
	}
	t.setRange(caps)
	return nil
}

// Inventory lists every person on the terminal (progress in pages).
func (t *Target) Inventory(ctx context.Context, progress func(target.Progress)) ([]target.Account, error) {
	if err := t.prepare(ctx); err != nil {
		return nil, err
	}
	var onPage func(done, total, items int)
	if progress != nil {
		onPage = func(done, total, items int) {
			progress(target.Progress{Target: t.c.name, Done: done, Total: total, Items: items})
		}
	}
	t.scanMu.Lock()
	defer t.scanMu.Unlock()
	users, err := t.c.searchAll(ctx, onPage, &t.scan)
	if err != nil {
		return nil, err
	}
	out := make([]target.Account, 0, len(users))
	for _, u := range users {
		out = append(out, t.account(u))
	}
	return out, nil
}

// Lookup reads the given persons in ⌈k/EmployeeNoList.maxSize⌉ requests.
func (t *Target) Lookup(ctx context.Context, ids []string) (map[string]target.Account, error) {
	out, _, err := t.lookup(ctx, ids, false)
	return out, err
}

var _ target.EnrolmentReader = (*Target)(nil)

// LookupEnrolled is Lookup with each person's faces and cards (numOfFace,
// numOfCard of the same Search replies; -1 where the terminal sent none).
func (t *Target) LookupEnrolled(ctx context.Context, ids []string) (map[string]target.Account, map[string]target.Enrolment, error) {
	return t.lookup(ctx, ids, true)
}

func (t *Target) lookup(ctx context.Context, ids []string, enrolled bool) (map[string]target.Account, map[string]target.Enrolment, error) {
	if err := t.prepare(ctx); err != nil {
		return nil, nil, err
	}
	users, err := t.c.SearchEmployees(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	out := make(map[string]target.Account, len(users))
	var en map[string]target.Enrolment
	if enrolled {
		en = make(map[string]target.Enrolment, len(users))
	}
	for _, u := range users {
		out[u.EmployeeNo] = t.account(u)
		if enrolled {
			en[u.EmployeeNo] = target.Enrolment{Faces: u.NumOfFace, Cards: u.NumOfCard}
		}
	}
	return out, en, nil
}

// account turns a listed person into the engine's view.
func (t *Target) account(u UserInfo) target.Account {
	zone := t.c.zone
	a := target.Account{ID: u.EmployeeNo, Name: u.Name, Attrs: map[string]string{}}
	for _, p := range u.Problems {
		a.Problems = append(a.Problems, "employeeNo "+u.EmployeeNo+": "+p)
	}
	if u.UserType != "" {
		a.Attrs["userType"] = u.UserType
	}
	a.Email = t.email(u, &a)
	if u.Valid == nil {
		// Without a period the terminal's real state is unknown: report
		// the account (invalid) rather than read it as expired.
		a.Problems = append(a.Problems, "employeeNo "+u.EmployeeNo+": the terminal sent no Valid period")
		return a
	}
	v := u.Valid
	a.Permanent = !v.Enable
	// The period is in Begin, End and Permanent; of its texts only a begin
	// that Begin would not write back digit for digit is kept (attrBegin).
	// Keeping every raw period text cost ~15 MB of the console's memory at
	// 50,000 accounts and defeats the snapshot's shared attribute maps.
	parse := func(name, s string) (time.Time, string) {
		if strings.TrimSpace(s) == "" {
			return time.Time{}, ""
		}
		tm, digits, err := parseValidTime(s, v.TimeType, zone)
		if err != nil {
			a.Problems = append(a.Problems, fmt.Sprintf("employeeNo %s: Valid.%s: %v", u.EmployeeNo, name, err))
			return time.Time{}, ""
		}
		return tm, digits
	}
	var digits string
	a.Begin, digits = parse("beginTime", v.BeginTime)
	if digits != "" && formatLocalTime(a.Begin, zone) != digits {
		// A wall time in the spring DST gap: Begin moved it forward.
		a.Attrs[attrBegin] = digits
	}
	a.End, _ = parse("endTime", v.EndTime)
	if v.Enable && a.End.IsZero() && strings.TrimSpace(v.EndTime) == "" {
		a.Problems = append(a.Problems, "employeeNo "+u.EmployeeNo+": Valid.enable is true but endTime is empty")
	}
	if !a.Begin.IsZero() && !a.End.IsZero() && a.End.Before(a.Begin) {
		a.Problems = append(a.Problems, fmt.Sprintf("employeeNo %s: Valid.endTime %s is before beginTime %s", u.EmployeeNo, v.EndTime, v.BeginTime))
	}
	return a
}

// email finds an e-mail where the site keeps it on the terminal.
func (t *Target) email(u UserInfo, a *target.Account) member.Email {
	var candidates []string
	switch t.emailField {
	case EmailInExtension:
		for _, e := range u.Extends {
			candidates = append(candidates, e.Value)
		}
	case EmailInName:
		candidates = []string{u.Name}
	}
	for _, s := range candidates {
		if !member.LooksLikeEmail(s) {
			continue
		}
		e, err := member.NormalizeEmail(s)
		if err != nil {
			a.Problems = append(a.Problems, fmt.Sprintf("employeeNo %s: %v", u.EmployeeNo, err))
			continue
		}
		return e
	}
	return ""
}

// Write sets each update's end, one after another (the terminal takes one
// request at a time). Each update gets its own error; after an
// authentication error the remaining updates are not attempted and get a
// stop error (class Auth, wrapping target.ErrStopped); after a write that
// got no answer (a timeout, a broken connection) they are not sent and get
// that error; after the context ends they get its error. Every request
// asks the context's send gate first (target.CheckSend, in modifyOnce);
// once that refuses, nothing more is sent and each update gets ErrNotSent
// wrapping its error.
func (t *Target) Write(ctx context.Context, updates []target.Update) []error {
	errs := make([]error, len(updates))
	info := t.Info()
	var stop *target.Error
	var silent error // a write that got no answer: the terminal is down or hanging
	for i, u := range updates {
		op := "modify " + u.Account.ID
		switch {
		case silent != nil:
			// Each further write would cost a whole timeout; the engine
			// decides whether to send them again (by the same error).
			errs[i] = fmt.Errorf("modify %s: %w, the previous write got no answer: %w", u.Account.ID, target.ErrNotSent, silent)
			continue
		case stop != nil:
			errs[i] = t.c.errs.Wrap(&target.Error{Class: target.Auth, Target: t.c.name, Op: op, Code: stop.Code,
				Message:    "not attempted: the terminal was stopped earlier in this run after an authentication failure",
				RetryTimes: stop.RetryTimes, LockSeconds: stop.LockSeconds, Err: target.ErrStopped})
			continue
		case ctx.Err() != nil:
			errs[i] = t.c.errs.Fail(target.Transient, op, "", "not attempted", ctx.Err())
			continue
		}
		errs[i] = t.write(ctx, u, info)
		var te *target.Error
		if errors.As(errs[i], &te) && te.Class == target.Auth {
			stop = te
		}
		if target.Unanswered(errs[i]) {
			silent = errs[i]
		}
	}
	return errs
}

func (t *Target) write(ctx context.Context, u target.Update, info target.Info) error {
	a := u.Account
	op := "modify " + a.ID
	switch {
	case strings.TrimSpace(a.ID) == "":
		return t.c.errs.Fail(target.Permanent, "modify", "", "update without an account id", nil)
	case u.End.IsZero():
		return t.c.errs.Fail(target.Permanent, op, "", "update without an end", nil)
	case !info.MaxEnd.IsZero() && u.End.After(info.MaxEnd):
		return t.c.errs.Fail(target.Permanent, op, "", fmt.Sprintf("end %s is after the latest the terminal holds (%s): it should have been clamped",
			formatLocalTime(u.End, t.c.zone), formatLocalTime(info.MaxEnd, t.c.zone)), nil)
	case !info.MinEnd.IsZero() && u.End.Before(info.MinEnd):
		return t.c.errs.Fail(target.Permanent, op, "", fmt.Sprintf("end %s is before the earliest the terminal holds (%s)",
			formatLocalTime(u.End, t.c.zone), formatLocalTime(info.MinEnd, t.c.zone)), nil)
	case len(a.Problems) > 0:
		return t.c.errs.Fail(target.Permanent, op, "", "not written: the account has data problems: "+strings.Join(a.Problems, "; "), nil)
	}
	return t.c.Modify(ctx, ModifyRequest{EmployeeNo: a.ID, UserType: a.Attrs["userType"], Begin: a.Begin,
		BeginText: a.Attrs[attrBegin], End: u.End})
}

var _ target.Target = (*Target)(nil)

// Stopped reports the authentication stop, if the client has stopped.
func (t *Target) Stopped() error {
	if s := t.c.auth.stopped(); s != nil {
		return t.c.stopError("", s, true)
	}
	return nil
}

var _ target.Stopper = (*Target)(nil)
