package neyross

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/member"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/textclean"
)

// System is the Info.System of a NEYROSS target.
const System = "neyross"

// Target adapts one NEYROSS platform to target.Target.
//
// Costs (N persons, page limit L, batch B, k accounts): Inventory takes
// ⌈N/L⌉ + 1 requests; Lookup min(k, ⌈N/L⌉ + 1); Write ⌈k/B⌉ upserts, sending
// back the persons of the Lookup just before it (the apply engine re-reads
// each chunk right before writing it), and re-reading any other person first
// so that a change made on the platform meanwhile is not undone and a person
// deleted meanwhile is not re-created.
type Target struct {
	c      *Client
	info   target.Info
	recent recentReads
}

// NewTarget returns the adapter for cfg's platform. It does not talk to it.
func NewTarget(cfg Config) (*Target, error) {
	c, err := NewClient(cfg)
	if err != nil {
		return nil, err
	}
	return &Target{c: c, info: target.Info{
		Name: c.name, System: System,
		MinEnd: time.Unix(0, 0).In(cfg.Zone), MaxEnd: maxEnd(cfg.Zone),
	}}, nil
}

// Client is the EIS client underneath (for doctor and the console's event
// views).
func (t *Target) Client() *Client { return t.c }

// Close releases idle connections.
func (t *Target) Close() { t.c.Close() }

// Stopped is the stop after the platform rejected the token (class Auth,
// target.ErrStopped), nil while the target may be used (target.Stopper):
// the caller keeps the target out of later runs without knowing its type.
func (t *Target) Stopped() error {
	if !t.c.Stopped() {
		return nil
	}
	return t.c.stopError("", true)
}

var _ target.Stopper = (*Target)(nil)

// Info describes the platform. The bounds are fixed: Unix seconds from 1970
// to the end of 9999.
func (t *Target) Info() target.Info { return t.info }

// Probe reads the count and the EIS access levels, changing nothing.
func (t *Target) Probe(ctx context.Context) error {
	if _, err := t.c.Count(ctx); err != nil {
		return err
	}
	_, err := t.c.AccessLevels(ctx)
	return err
}

// Inventory lists every EIS person (progress in requests).
func (t *Target) Inventory(ctx context.Context, progress func(target.Progress)) ([]target.Account, error) {
	var report func(ListProgress)
	if progress != nil {
		report = func(p ListProgress) {
			progress(target.Progress{Target: t.c.name, Done: p.Done, Total: p.Total, Items: p.Persons})
		}
	}
	ps, err := t.c.Persons(ctx, report)
	if err != nil {
		return nil, err
	}
	out := make([]target.Account, 0, len(ps))
	for _, p := range ps {
		out = append(out, t.account(p))
	}
	return out, nil
}

// HintSize takes the number of persons a saved plan listed, until the
// target counts them itself (target.SizeHinter).
func (t *Target) HintSize(accounts int) { t.c.HintCount(accounts) }

// Lookup reads the given persons (see Client.Lookup for the cost).
func (t *Target) Lookup(ctx context.Context, ids []string) (map[string]target.Account, error) {
	ps, err := t.c.Lookup(ctx, ids)
	if err != nil {
		return nil, err
	}
	t.recent.remember(ps)
	out := make(map[string]target.Account, len(ps))
	for id, p := range ps {
		out[id] = t.account(p)
	}
	return out, nil
}

// account turns a person into the engine's view.
func (t *Target) account(p Person) target.Account {
	zone := t.c.zone
	// Cleaned here, not in Person: a write sends the person back as read.
	a := target.Account{ID: p.UUID, Name: textclean.Clean(p.FullName()), Attrs: map[string]string{}, Problems: append([]string(nil), p.Problems...)}
	if p.Email != "" {
		e, err := member.NormalizeEmail(p.Email)
		if err != nil {
			a.Problems = append(a.Problems, fmt.Sprintf("person %s: %v", p.UUID, err))
		}
		a.Email = e
	}
	if p.Activation != nil {
		a.Begin = time.Unix(*p.Activation, 0).In(zone)
	}
	if p.Expiration != nil {
		a.End = time.Unix(*p.Expiration, 0).In(zone)
	} else if !p.badExpiration {
		// A pass without an expiration date is valid indefinitely (one
		// whose date could not be read is not: it has a problem instead).
		a.Permanent = true
	}
	set := func(k, v string) {
		if v != "" {
			a.Attrs[k] = v
		}
	}
	passType := p.PassType
	if passType == "" {
		passType = "REGULAR"
	}
	set("passType", passType)
	set("accessLevels", strings.Join(p.AccessLevels, ","))
	set("organization", p.Organization)
	set("division", p.Division)
	set("post", p.Post)
	set("clockNumber", p.ClockNumber)
	if p.Card != nil {
		set("card", strconv.FormatInt(*p.Card, 10))
	}
	if p.Facility != nil {
		set("facility", strconv.FormatInt(*p.Facility, 10))
	}
	return a
}

// Write sets each update's end: it re-reads the persons, sends each back
// unchanged but for expiration_date through persons/upsert/multiple in
// batches, and maps the platform's successList/errorList to the updates.
// A person the EIS no longer sees gets class NotFound and is never sent (an
// upsert of an unknown uuid would create it). After a rejected token every
// update gets the stop error; after ctx ends, its error. Each batch is sent
// only if the context's send gate allows it (target.CheckSend).
func (t *Target) Write(ctx context.Context, updates []target.Update) []error {
	errs := make([]error, len(updates))
	if t.c.Stopped() {
		for i, u := range updates {
			errs[i] = t.c.stopError("upsert "+u.Account.ID, false)
		}
		return errs
	}
	if err := ctx.Err(); err != nil {
		for i, u := range updates {
			errs[i] = t.c.errs.Fail(target.Transient, "upsert "+u.Account.ID, "", "not attempted", err)
		}
		return errs
	}
	pending := make([]int, 0, len(updates))
	seen := map[string]int{}
	for i, u := range updates {
		if err := t.check(u); err != nil {
			errs[i] = err
			continue
		}
		if j, dup := seen[u.Account.ID]; dup {
			errs[i] = t.c.errs.Fail(target.Permanent, "upsert "+u.Account.ID, "", fmt.Sprintf("the same person is update #%d too: one end per person and write", j+1), nil)
			continue
		}
		seen[u.Account.ID] = i
		pending = append(pending, i)
	}
	if len(pending) == 0 {
		return errs
	}
	ids := make([]string, len(pending))
	for j, i := range pending {
		ids[j] = updates[i].Account.ID
	}
	// Persons read by the Lookup just before (the apply engine's re-read of
	// this chunk) are sent back as read; any other is read now.
	fresh, missing := t.recent.take(ids)
	if len(missing) > 0 {
		more, err := t.c.Lookup(ctx, missing)
		if err != nil {
			for _, i := range pending {
				errs[i] = fmt.Errorf("re-reading before the write: %w", err)
			}
			return errs
		}
		for id, p := range more {
			fresh[id] = p
		}
	}
	var writes []PersonWrite
	var slots []int // update index of each write
	for _, i := range pending {
		u := updates[i]
		op := "upsert " + u.Account.ID
		p, ok := fresh[u.Account.ID]
		if !ok {
			errs[i] = t.c.errs.Fail(target.NotFound, op, "",
				"the person is no longer in the EIS subset (deleted, or no EIS access level left): not written, as an upsert would create it anew", nil)
			continue
		}
		w, err := p.WithExpiration(u.End.In(t.c.zone))
		if err != nil {
			errs[i] = t.c.errs.Fail(target.Permanent, op, "", err.Error(), nil)
			continue
		}
		writes = append(writes, w)
		slots = append(slots, i)
	}
	for start := 0; start < len(writes); start += t.c.batch {
		end := min(start+t.c.batch, len(writes))
		batch, where := writes[start:end], slots[start:end]
		if t.c.Stopped() {
			for j, i := range where {
				errs[i] = t.c.stopError("upsert "+batch[j].UUID, false)
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			for j, i := range where {
				errs[i] = t.c.errs.Fail(target.Transient, "upsert "+batch[j].UUID, "", "not attempted", err)
			}
			continue
		}
		if err := target.CheckSend(ctx); err != nil {
			// The run may send nothing more (it lost its lock).
			for j, i := range where {
				errs[i] = fmt.Errorf("upsert %s: %w: %w", batch[j].UUID, target.ErrNotSent, err)
			}
			continue
		}
		t.send(ctx, batch, where, errs)
	}
	return errs
}

// send upserts one batch and maps the answer to the updates' errors.
func (t *Target) send(ctx context.Context, batch []PersonWrite, where []int, errs []error) {
	res, err := t.c.UpsertMultiple(ctx, batch)
	if err != nil {
		for _, i := range where {
			errs[i] = err
		}
		return
	}
	ok := make(map[string]bool, len(res.Success))
	for _, id := range res.Success {
		ok[strings.ToLower(id)] = true
	}
	failed := make(map[string]string, len(res.Errors))
	for id, msg := range res.Errors {
		failed[strings.ToLower(id)] = msg
	}
	for j, i := range where {
		id := strings.ToLower(batch[j].UUID)
		op := "upsert " + batch[j].UUID
		msg, bad := failed[id]
		switch {
		case bad && ok[id]:
			errs[i] = t.c.errs.Fail(target.Malformed, op, "", "the platform lists the person as both changed and failed: "+msg, nil)
		case bad:
			errs[i] = t.c.errs.Fail(target.Permanent, op, "", "the platform refused: "+msg, nil)
		case ok[id]:
			errs[i] = nil
		default:
			errs[i] = t.c.errs.Fail(target.Malformed, op, "", "the platform's answer names the person in neither successList nor errorList", nil)
		}
	}
}

// check refuses an update that must not be sent.
func (t *Target) check(u target.Update) error {
	a := u.Account
	op := "upsert " + a.ID
	switch {
	case strings.TrimSpace(a.ID) == "":
		return t.c.errs.Fail(target.Permanent, "upsert", "", "update without an account id", nil)
	case u.End.IsZero():
		return t.c.errs.Fail(target.Permanent, op, "", "update without an end", nil)
	case u.End.After(t.info.MaxEnd):
		return t.c.errs.Fail(target.Permanent, op, "", fmt.Sprintf("end %s is after the latest the platform holds (%s): it should have been clamped",
			u.End.In(t.c.zone).Format(time.DateTime), t.info.MaxEnd.Format(time.DateTime)), nil)
	case u.End.Before(t.info.MinEnd):
		return t.c.errs.Fail(target.Permanent, op, "", fmt.Sprintf("end %s is before 1970: not a Unix time the platform holds", u.End.In(t.c.zone).Format(time.DateTime)), nil)
	case len(a.Problems) > 0:
		return t.c.errs.Fail(target.Permanent, op, "", "not written: the account has data problems: "+strings.Join(a.Problems, "; "), nil)
	}
	return nil
}

var _ target.Target = (*Target)(nil)

// Batch is how many persons one upsert carries: the apply engine works in
// chunks of this size for this target.
func (t *Target) Batch() int { return t.c.Batch() }
