package lenient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Kind names the JSON type of raw for messages: "an object", "an array",
// "a string", "a boolean", "null", "a number", or "nothing".
func Kind(raw []byte) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
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

// IsNull reports whether raw is the JSON null.
func IsNull(raw []byte) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// Text reads a JSON string literal. Most strings on the wire have no
// escapes: those are taken as they are, without a second pass of
// encoding/json (a page of 1,000 persons holds some 20,000 of them). ok is
// false for anything that is not a string.
func Text(raw []byte) (string, bool) {
	if s, ok := Plain(raw); ok {
		return s, true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// Plain returns the text of a string literal that needs no unescaping and
// no UTF-8 repair, without encoding/json; ok is false for any other value
// (Text reads those).
func Plain(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	in := raw[1 : len(raw)-1]
	for _, c := range in {
		if c == '\\' || c == '"' || c < 0x20 {
			return "", false
		}
	}
	if !utf8.Valid(in) {
		return "", false // encoding/json replaces the bad bytes
	}
	return string(in), true
}

// Objects reads a value that should be an array of objects; firmware that
// has one element sometimes sends the object itself. null or nothing is an
// empty list.
func Objects(raw json.RawMessage) ([]json.RawMessage, error) {
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
	return nil, fmt.Errorf("want an array, got %s", Kind(raw))
}

// Field finds key in a JSON object case-insensitively (exact match first),
// the way encoding/json matches struct fields.
func Field(obj map[string]json.RawMessage, key string) (json.RawMessage, bool) {
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
