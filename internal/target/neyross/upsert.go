package neyross

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/target"
)

// writable are the person fields an upsert may carry, in the order they are
// sent. photo is never sent (absent keeps the stored photo); card and
// facility are read only; fields the platform adds beyond these are left out,
// and the platform keeps what an upsert does not mention.
const writable = "uuid surname name patronymic organization division post clock_number document_number phone email accessLevels passType activation_date expiration_date info"

// PersonWrite is one person to send to an upsert: a person as read, with a
// new expiration date. It can only be made from a read person, so the client
// cannot create persons by mistake.
type PersonWrite struct {
	UUID       string
	Expiration int64 // Unix seconds
	body       []byte
}

// WithExpiration returns p as read with expiration_date set to end (Unix
// seconds of that instant) and every other writable field exactly as the
// platform sent it.
func (p Person) WithExpiration(end time.Time) (PersonWrite, error) {
	switch {
	case !p.FromPlatform():
		return PersonWrite{}, fmt.Errorf("person %s was not read from the platform: only a person just read is written back (doorsync never creates persons)", p.UUID)
	case end.IsZero():
		return PersonWrite{}, fmt.Errorf("person %s: no end to write", p.UUID)
	case end.Unix() < 0 || end.After(maxEnd(end.Location())):
		return PersonWrite{}, fmt.Errorf("person %s: end %s is outside what the platform holds (1970 to 9999)", p.UUID, end.Format(time.DateTime))
	case len(p.Problems) > 0:
		return PersonWrite{}, fmt.Errorf("not written: the person has data problems: %s", strings.Join(p.Problems, "; "))
	case len(p.AccessLevels) == 0:
		return PersonWrite{}, fmt.Errorf("person %s lists no EIS access level: the platform refuses an upsert without one", p.UUID)
	}
	exp := end.Unix()
	var b bytes.Buffer
	b.WriteByte('{')
	for _, key := range strings.Fields(writable) {
		raw, ok := p.raw[key]
		if key == "expiration_date" {
			raw, ok = []byte(strconv.FormatInt(exp, 10)), true
		}
		if !ok {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(key))
		b.WriteByte(':')
		b.Write(bytes.TrimSpace(raw))
	}
	b.WriteByte('}')
	return PersonWrite{UUID: p.UUID, Expiration: exp, body: b.Bytes()}, nil
}

// Upsert sends one person to persons/upsert/. The platform's refusal
// ({"result":"error"}) is class Permanent with its text.
func (c *Client) Upsert(ctx context.Context, w PersonWrite) error {
	op := "upsert " + w.UUID
	if w.body == nil {
		return c.errs.Fail(target.Permanent, op, "", "not a person read from the platform", nil)
	}
	rep, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "persons/upsert/", body: w.body})
	if err != nil {
		return err
	}
	msg, err := decodeUpsertOne(rep.body)
	switch {
	case err != nil:
		return c.decodeFail(op, err)
	case msg != "":
		return c.errs.Fail(target.Permanent, op, "", msg, nil)
	}
	return nil
}

// UpsertMultiple sends the persons to persons/upsert/multiple in one request
// and returns the platform's per-person answer. Writes are not retried here:
// the engine retries with its journal.
func (c *Client) UpsertMultiple(ctx context.Context, ws []PersonWrite) (UpsertResult, error) {
	if len(ws) == 0 {
		return UpsertResult{Errors: map[string]string{}}, nil
	}
	op := fmt.Sprintf("upsert of %d persons from %s", len(ws), ws[0].UUID)
	var b bytes.Buffer
	b.WriteByte('[')
	for i, w := range ws {
		if w.body == nil {
			return UpsertResult{}, c.errs.Fail(target.Permanent, op, "", fmt.Sprintf("person #%d (%s) was not read from the platform", i+1, w.UUID), nil)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(w.body)
	}
	b.WriteByte(']')
	rep, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "persons/upsert/multiple", body: b.Bytes()})
	if err != nil {
		return UpsertResult{}, err
	}
	res, err := decodeUpsertMultiple(rep.body)
	if err != nil {
		return UpsertResult{}, c.decodeFail(op, err)
	}
	return res, nil
}
