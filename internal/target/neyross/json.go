package neyross

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/doorsync/doorsync/internal/lenient"
)

// Reading JSON leniently but never blindly: every decoder names what it
// could not read (which person, which field, what it got instead).

// notJSON says why a reply body is not the JSON document expected.
func notJSON(b []byte, err error) error {
	t := bytes.TrimSpace(b)
	var syn *json.SyntaxError
	switch {
	case len(t) == 0:
		return errors.New("empty body where JSON was expected")
	case t[0] == '<':
		return fmt.Errorf("an HTML or XML page instead of JSON (a proxy, a login page, or not the EIS API?): %s", snippet(t))
	case err != nil && strings.Contains(err.Error(), "unexpected end of JSON input"):
		return fmt.Errorf("truncated JSON: the reply ends mid-way after %d bytes", len(b))
	case errors.As(err, &syn):
		return fmt.Errorf("not JSON (at byte %d: %v): %s", syn.Offset, err, snippet(t))
	}
	return fmt.Errorf("not JSON: %v", err)
}

// parseTop checks that b is one JSON document of the wanted kind ("an
// array" or "an object") and returns it.
func parseTop(b []byte, want string) (json.RawMessage, error) {
	var raw json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, notJSON(b, err)
	}
	if got := lenient.Kind(raw); got != want {
		return nil, fmt.Errorf("want %s, got %s: %s", want, got, snippet(bytes.TrimSpace(b)))
	}
	return raw, nil
}

// object is a decoded JSON object with its fields still raw; what names it
// in messages ("person 21e1…", "event #3").
type object struct {
	m    map[string]json.RawMessage
	what string
}

func parseObject(raw []byte, what string) (object, error) {
	if k := lenient.Kind(raw); k != "an object" {
		return object{}, fmt.Errorf("%s: want an object, got %s", what, k)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return object{}, fmt.Errorf("%s: %w", what, notJSON(raw, err))
	}
	return object{m: m, what: what}, nil
}

// decodeArray reads b as a JSON array of objects in one pass of
// encoding/json. An element that is not an object is named by its position
// with name, a format such as "event #%d".
func decodeArray(b []byte, name string) ([]map[string]json.RawMessage, error) {
	var items []map[string]json.RawMessage
	err := json.Unmarshal(b, &items)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil && items == nil:
		return nil, fmt.Errorf("want an array, got %s", lenient.Kind(b))
	case errors.As(err, &typeErr):
		// The document is JSON but of another shape: say where.
		if k := lenient.Kind(b); k != "an array" {
			return nil, fmt.Errorf("want an array, got %s: %s", k, snippet(bytes.TrimSpace(b)))
		}
		var raws []json.RawMessage
		if json.Unmarshal(b, &raws) == nil {
			for i, r := range raws {
				if k := lenient.Kind(r); k != "an object" {
					return nil, fmt.Errorf(name+": want an object, got %s", i+1, k)
				}
			}
		}
		return nil, fmt.Errorf("not the expected shape: %v", err)
	case err != nil:
		return nil, notJSON(b, err)
	}
	for i, m := range items {
		if m == nil {
			return nil, fmt.Errorf(name+": want an object, got null", i+1)
		}
	}
	return items, nil
}

// has reports whether key is present and not null.
func (o object) has(key string) bool {
	raw, ok := o.m[key]
	return ok && !lenient.IsNull(raw)
}

// str reads a string field; absent or null is "" (an error if required).
func (o object) str(key string, required bool) (string, error) {
	if !o.has(key) {
		if required {
			return "", fmt.Errorf("%s: no %s", o.what, key)
		}
		return "", nil
	}
	s, ok := lenient.Text(o.m[key])
	if !ok {
		return "", fmt.Errorf("%s: %s: want a string, got %s", o.what, key, lenient.Kind(o.m[key]))
	}
	return s, nil
}

// strs reads an array of strings; absent or null is nil.
func (o object) strs(key string, required bool) ([]string, error) {
	if !o.has(key) {
		if required {
			return nil, fmt.Errorf("%s: no %s", o.what, key)
		}
		return nil, nil
	}
	var v []string
	if err := json.Unmarshal(o.m[key], &v); err != nil {
		return nil, fmt.Errorf("%s: %s: want an array of strings, got %s", o.what, key, kindOfArray(o.m[key]))
	}
	return v, nil
}

func kindOfArray(raw json.RawMessage) string {
	k := lenient.Kind(raw)
	if k != "an array" {
		return k
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) == nil {
		for _, it := range items {
			if ik := lenient.Kind(it); ik != "a string" {
				return "an array holding " + ik
			}
		}
	}
	return k
}

// long reads a Long: a JSON integer; leniently also a string of digits or
// a number with a zero fraction (1.7e9), as other serialisers write them.
func (o object) long(key string) (int64, bool, error) {
	if !o.has(key) {
		return 0, false, nil
	}
	v, err := lenient.ParseLong(o.m[key])
	if err != nil {
		return 0, false, fmt.Errorf("%s: %s: %w", o.what, key, err)
	}
	return v, true, nil
}
