package hikvision

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Terminal firmware is inconsistent about JSON types: booleans arrive as
// "true", numbers as "30", employeeNo sometimes as a bare number. These types
// accept every such spelling so one odd field does not make a whole page
// unreadable. (Key spelling differences in case are absorbed by encoding/json,
// which matches keys case-insensitively.)

// flexString accepts a JSON string, number or boolean; null is "".
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = ""
	case b[0] == '"':
		if v, ok := plainString(b); ok {
			*s = flexString(v)
			return nil
		}
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("want a string, got %s", kindOf(b))
	default:
		// number or boolean literal: keep its text
		*s = flexString(b)
	}
	return nil
}

// flexBool accepts true/false, "true"/"false", "1"/"0", 1/0 (any case).
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch string(b) { // the usual spellings, without an allocation
	case "true":
		*v = true
		return nil
	case "false":
		*v = false
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	x, err := parseBool(s)
	if err != nil {
		return err
	}
	*v = flexBool(x)
	return nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("want a boolean, got %.20q", s)
}

// flexInt accepts a JSON number or a string holding one; integral floats
// (30.0) are accepted, fractions are not.
type flexInt int

func (v *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	n, err := parseInt(s)
	if err != nil {
		return err
	}
	*v = flexInt(n)
	return nil
}

func parseInt(s string) (int, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > math.MaxInt32 || n < math.MinInt32 {
			// Counts and positions on a terminal are small; anything this
			// big is garbage, and bounding it keeps later arithmetic safe.
			return 0, fmt.Errorf("number %s out of range", s)
		}
		return int(n), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, fmt.Errorf("want an integer, got %.20q", s)
	}
	return int(f), nil
}

// plainString returns the text of a JSON string literal that needs no
// unescaping (the common case), without going through encoding/json.
func plainString(b []byte) (string, bool) {
	n := len(b)
	if n < 2 || b[0] != '"' || b[n-1] != '"' {
		return "", false
	}
	in := b[1 : n-1]
	for _, c := range in {
		if c == '\\' || c == '"' || c < 0x20 || c >= 0x80 {
			return "", false // escapes, or non-ASCII that may need UTF-8 repair
		}
	}
	return string(in), true
}

// kindOf names the JSON kind of a raw value for error messages.
func kindOf(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// objects reads a JSON value that should be an array of objects; firmware
// that has one element sometimes sends the object itself. null/absent is an
// empty list.
func objects(raw json.RawMessage) ([]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch raw[0] {
	case '[':
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, err
		}
		return list, nil
	case '{':
		return []json.RawMessage{raw}, nil
	}
	return nil, fmt.Errorf("want an array, got %s", kindOf(raw))
}

// field finds key in a JSON object case-insensitively (exact match first),
// the way encoding/json matches struct fields.
func field(obj map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	if v, ok := obj[key]; ok {
		return v, true
	}
	for k, v := range obj {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}
