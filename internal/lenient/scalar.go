package lenient

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// String accepts a JSON string, number or boolean (a number or boolean
// keeps its text); null is "". An object or array is an error.
type String string

func (s *String) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = ""
	case b[0] == '"':
		v, ok := Text(b)
		if !ok {
			var x string
			return json.Unmarshal(b, &x) // says why
		}
		*s = String(v)
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("want a string, got %s", Kind(b))
	default:
		*s = String(b)
	}
	return nil
}

// UnmarshalXML reads an XML element's text, trimmed: the same fields come
// as XML from some firmware.
func (s *String) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var v string
	if err := d.DecodeElement(&v, &start); err != nil {
		return err
	}
	*s = String(strings.TrimSpace(v))
	return nil
}

// Bool accepts true/false, "true"/"false", "1"/"0", 1/0, "yes"/"no",
// "on"/"off" (any case).
type Bool bool

func (v *Bool) UnmarshalJSON(b []byte) error {
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
	x, err := ParseBool(s)
	if err != nil {
		return err
	}
	*v = Bool(x)
	return nil
}

// ParseBool reads the spellings of Bool from a string.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("want a boolean, got %.20q", s)
}

// Int accepts a JSON number or a string holding one, within the int32
// range; integral floats (30.0) are accepted, fractions are not.
type Int int

func (v *Int) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	n, err := ParseInt(s)
	if err != nil {
		return err
	}
	*v = Int(n)
	return nil
}

// ParseInt reads a small integer (counts, positions, seconds). Anything
// beyond the int32 range is refused as garbage, which keeps later
// arithmetic safe.
func ParseInt(s string) (int, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > math.MaxInt32 || n < math.MinInt32 {
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

// ParseLong reads a 64-bit integer: a JSON integer; also a string of
// digits or a number with a zero fraction (1.7e9), as other serialisers
// write them. A float is taken only while it is exact (up to 2^53).
func ParseLong(raw json.RawMessage) (int64, error) {
	t := string(bytes.TrimSpace(raw))
	if strings.HasPrefix(t, `"`) {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, notInteger(t)
		}
		t = strings.TrimSpace(s)
	} else if k := Kind(raw); k != "a number" {
		return 0, fmt.Errorf("want an integer, got %s", k)
	}
	if v, err := strconv.ParseInt(t, 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, notInteger(t)
	}
	return int64(f), nil
}

// notInteger says what came instead of an integer. It quotes a copy: t
// passed to fmt would escape, and every ParseLong would pay for a heap
// copy of its number (a page of 1,000 persons reads 4,000 of them).
func notInteger(t string) error {
	return fmt.Errorf("want an integer, got %.20q", strings.Clone(t))
}
