package neyross

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/lenient"
)

// maxCount bounds persons/count/: more is not a count of pass holders.
const maxCount = 100_000_000

// decodeCount reads persons/count/: {"count": Long}.
func decodeCount(b []byte) (int, error) {
	raw, err := parseTop(b, "an object")
	if err != nil {
		return 0, err
	}
	o, err := parseObject(raw, "count reply")
	if err != nil {
		return 0, err
	}
	n, ok, err := o.long("count")
	switch {
	case err != nil:
		return 0, err
	case !ok:
		return 0, errors.New("count reply: no count")
	case n < 0 || n > maxCount:
		return 0, fmt.Errorf("count reply: count %d is out of range", n)
	}
	return int(n), nil
}

// decodePersons reads a persons/search/ page: an array of persons. A
// person that cannot be identified fails the page; fields that cannot be
// decoded become the person's Problems.
func decodePersons(b []byte, zone *time.Location) ([]Person, error) {
	items, err := decodeArray(b, "person #%d of the page")
	if err != nil {
		return nil, err
	}
	out := make([]Person, 0, len(items))
	seen := make(map[string]int, len(items))
	for i, it := range items {
		p, err := decodePerson(object{m: it, what: fmt.Sprintf("person #%d of the page", i+1)}, zone)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[p.UUID]; dup {
			return nil, fmt.Errorf("person %s listed twice in one page (#%d and #%d)", p.UUID, j+1, i+1)
		}
		seen[p.UUID] = i
		out = append(out, p)
	}
	return out, nil
}

// decodeOnePerson reads the single-person reply and checks it is the one
// asked for.
func decodeOnePerson(b []byte, uuid string, zone *time.Location) (Person, error) {
	raw, err := parseTop(b, "an object")
	if err != nil {
		return Person{}, err
	}
	o, err := parseObject(raw, "person")
	if err != nil {
		return Person{}, err
	}
	p, err := decodePerson(o, zone)
	if err != nil {
		return Person{}, err
	}
	if !strings.EqualFold(p.UUID, uuid) {
		return Person{}, fmt.Errorf("asked for person %s, the platform answered with person %s", uuid, p.UUID)
	}
	return p, nil
}

// personStrings are the text fields of a person, by JSON name.
func personStrings(p *Person) []struct {
	key string
	dst *string
} {
	return []struct {
		key string
		dst *string
	}{
		{"surname", &p.Surname}, {"name", &p.Name}, {"patronymic", &p.Patronymic},
		{"organization", &p.Organization}, {"division", &p.Division}, {"post", &p.Post},
		{"clock_number", &p.ClockNumber}, {"document_number", &p.DocumentNumber},
		{"phone", &p.Phone}, {"email", &p.Email}, {"passType", &p.PassType},
	}
}

// decodePerson reads one person object; o.what names it until its uuid is
// known.
func decodePerson(o object, zone *time.Location) (Person, error) {
	what := o.what
	uuid, err := o.str("uuid", true)
	if err != nil {
		return Person{}, err
	}
	if strings.TrimSpace(uuid) == "" {
		return Person{}, fmt.Errorf("%s: empty uuid", what)
	}
	p := Person{UUID: uuid, raw: o.m}
	o.what = "person " + uuid
	problem := func(err error) { p.Problems = append(p.Problems, err.Error()) }
	for _, f := range personStrings(&p) {
		v, err := o.str(f.key, false)
		if err != nil {
			problem(err)
			continue
		}
		*f.dst = v
	}
	if p.AccessLevels, err = o.strs("accessLevels", false); err != nil {
		problem(err)
	}
	dates := []struct {
		key string
		dst **int64
	}{{"activation_date", &p.Activation}, {"expiration_date", &p.Expiration}}
	for _, d := range dates {
		v, ok, err := o.long(d.key)
		switch {
		case err != nil:
			problem(err)
		case ok && (v < 0 || v > maxEnd(zone).Unix()):
			err = fmt.Errorf("%s: %s %d is not a date the platform holds (Unix seconds between 1970 and 9999; milliseconds?)", o.what, d.key, v)
			problem(err)
		case ok:
			*d.dst = &v
		}
		if err != nil && d.key == "expiration_date" {
			p.badExpiration = true
		}
	}
	if p.Activation != nil && p.Expiration != nil && *p.Expiration < *p.Activation {
		problem(fmt.Errorf("%s: expiration_date %s is before activation_date %s", o.what,
			time.Unix(*p.Expiration, 0).In(zone).Format(time.DateTime), time.Unix(*p.Activation, 0).In(zone).Format(time.DateTime)))
	}
	// card and facility are read only and only shown: a value of the wrong
	// type is left out rather than blocking the person's validity.
	for _, f := range []struct {
		key string
		dst **int64
	}{{"card", &p.Card}, {"facility", &p.Facility}} {
		if v, ok, err := o.long(f.key); err == nil && ok {
			*f.dst = &v
		}
	}
	if o.has("info") {
		info, err := decodeInfo(o.m["info"])
		if err != nil {
			problem(fmt.Errorf("%s: info: %w", o.what, err))
		}
		p.Info = info
	}
	return p, nil
}

// decodeInfo reads the free key/value object; non-string values are kept
// as their JSON text.
func decodeInfo(raw json.RawMessage) (map[string]string, error) {
	var m map[string]json.RawMessage
	if k := lenient.Kind(raw); k != "an object" {
		return nil, fmt.Errorf("want an object, got %s", k)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := lenient.Text(v); ok {
			out[k] = s
		} else {
			out[k] = string(bytes.TrimSpace(v))
		}
	}
	return out, nil
}

// decodeUpsertMultiple reads {"successList":[uuid…],"errorList":[{uuid,error}…]}.
func decodeUpsertMultiple(b []byte) (UpsertResult, error) {
	raw, err := parseTop(b, "an object")
	if err != nil {
		return UpsertResult{}, err
	}
	o, err := parseObject(raw, "upsert reply")
	if err != nil {
		return UpsertResult{}, err
	}
	_, hasS := o.m["successList"]
	_, hasE := o.m["errorList"]
	if !hasS && !hasE {
		return UpsertResult{}, fmt.Errorf("upsert reply has neither successList nor errorList: %s", snippet(bytes.TrimSpace(b)))
	}
	res := UpsertResult{Errors: map[string]string{}}
	if res.Success, err = o.strs("successList", false); err != nil {
		return UpsertResult{}, err
	}
	if !o.has("errorList") {
		return res, nil
	}
	var items []json.RawMessage
	if lenient.Kind(o.m["errorList"]) != "an array" || json.Unmarshal(o.m["errorList"], &items) != nil {
		return UpsertResult{}, fmt.Errorf("upsert reply: errorList: want an array, got %s", lenient.Kind(o.m["errorList"]))
	}
	for i, it := range items {
		e, err := parseObject(it, fmt.Sprintf("upsert reply: errorList #%d", i+1))
		if err != nil {
			return UpsertResult{}, err
		}
		uuid, err := e.str("uuid", false)
		if err != nil {
			return UpsertResult{}, err
		}
		msg, err := e.str("error", false)
		if err != nil {
			return UpsertResult{}, err
		}
		if msg == "" {
			msg = "(the platform gave no reason)"
		}
		if prev, dup := res.Errors[uuid]; dup {
			msg = prev + "; " + msg
		}
		res.Errors[uuid] = msg
	}
	return res, nil
}

// decodeUpsertOne reads {"result":"success"|"error","error"?}: it returns
// the platform's error text, or "" on success.
func decodeUpsertOne(b []byte) (string, error) {
	raw, err := parseTop(b, "an object")
	if err != nil {
		return "", err
	}
	o, err := parseObject(raw, "upsert reply")
	if err != nil {
		return "", err
	}
	return resultOf(o)
}

// resultOf reads result/error of an upsert or transaction reply.
func resultOf(o object) (string, error) {
	result, err := o.str("result", true)
	if err != nil {
		return "", err
	}
	msg, err := o.str("error", false)
	if err != nil {
		return "", err
	}
	switch result {
	case "success":
		return "", nil
	case "error":
		if msg == "" {
			msg = "(the platform gave no reason)"
		}
		return msg, nil
	}
	return "", fmt.Errorf("%s: unknown result %q", o.what, result)
}

// maxEnd is the latest end the client writes or accepts: 9999-12-31
// T23:59:59 in the site's zone.
func maxEnd(zone *time.Location) time.Time { return time.Date(9999, 12, 31, 23, 59, 59, 0, zone) }
