package lenient

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
)

func TestLenientScalars(t *testing.T) {
	bools := map[string]bool{`true`: true, `"true"`: true, `"1"`: true, `1`: true, `"False"`: false, `0`: false, `"no"`: false}
	for in, want := range bools {
		var b Bool
		if err := json.Unmarshal([]byte(in), &b); err != nil || bool(b) != want {
			t.Errorf("Bool %s = %v, %v", in, b, err)
		}
	}
	for _, bad := range []string{`"maybe"`, `[]`, `{}`, `2`} {
		var b Bool
		if err := json.Unmarshal([]byte(bad), &b); err == nil {
			t.Errorf("Bool %s accepted", bad)
		}
	}
	ints := map[string]int{`30`: 30, `"30"`: 30, `" 7 "`: 7, `30.0`: 30, `-1`: -1}
	for in, want := range ints {
		var n Int
		if err := json.Unmarshal([]byte(in), &n); err != nil || int(n) != want {
			t.Errorf("Int %s = %v, %v", in, n, err)
		}
	}
	for _, bad := range []string{`"x"`, `1.5`, `true`, `{}`, `1e30`} {
		var n Int
		if err := json.Unmarshal([]byte(bad), &n); err == nil {
			t.Errorf("Int %s accepted", bad)
		}
	}
	strs := map[string]string{`"a"`: "a", `1042`: "1042", `true`: "true", `null`: ""}
	for in, want := range strs {
		var s String
		if err := json.Unmarshal([]byte(in), &s); err != nil || string(s) != want {
			t.Errorf("String %s = %q, %v", in, s, err)
		}
	}
}

func TestStringFromXML(t *testing.T) {
	var v struct {
		Serial String `xml:"serialNumber"`
	}
	if err := xml.Unmarshal([]byte("<d><serialNumber>\n  DS-K1T 123 </serialNumber></d>"), &v); err != nil || v.Serial != "DS-K1T 123" {
		t.Errorf("%q, %v", v.Serial, err)
	}
}

func TestStringRefusesContainers(t *testing.T) {
	for _, in := range []string{`{}`, `[1]`} {
		var s String
		if err := json.Unmarshal([]byte(in), &s); err == nil || !strings.Contains(err.Error(), "want a string") {
			t.Errorf("%s: %v", in, err)
		}
	}
}

func TestKind(t *testing.T) {
	for in, want := range map[string]string{
		``: "nothing", ` `: "nothing", `{}`: "an object", ` [1]`: "an array", `"x"`: "a string",
		`true`: "a boolean", `false`: "a boolean", `null`: "null", `-1.5`: "a number",
	} {
		if got := Kind([]byte(in)); got != want {
			t.Errorf("Kind(%q) = %q, want %q", in, got, want)
		}
	}
	if !IsNull([]byte(" null ")) || IsNull([]byte(`"null"`)) {
		t.Error("IsNull")
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		in, want  string
		ok, plain bool
	}{
		{`"abc"`, "abc", true, true},
		{`"Žiga Čeh"`, "Žiga Čeh", true, true},
		{` "padded" `, "padded", true, false},
		{`"a\"b"`, `a"b`, true, false},
		{`"\u017d"`, "Ž", true, false},
		{"\"\xff\"", "\uFFFD", true, false}, // repaired as encoding/json does
		{`42`, "", false, false},
		{`null`, "", true, false}, // as encoding/json: callers tell null apart first
		{`"open`, "", false, false},
	}
	for _, tt := range tests {
		got, ok := Text([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("Text(%q) = %q, %v", tt.in, got, ok)
		}
		if _, plain := Plain([]byte(tt.in)); plain != tt.plain {
			t.Errorf("Plain(%q) = %v", tt.in, plain)
		}
	}
}

func TestObjects(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		fail string
	}{
		{``, 0, ""}, {`null`, 0, ""}, {`[]`, 0, ""}, {`[{},{}]`, 2, ""},
		{`{"employeeNo":"1"}`, 1, ""}, // one element sent as the object itself
		{`"x"`, 0, "want an array, got a string"}, {`[`, 0, "unexpected end"},
	}
	for _, tt := range tests {
		got, err := Objects(json.RawMessage(tt.in))
		switch {
		case tt.fail != "" && (err == nil || !strings.Contains(err.Error(), tt.fail)):
			t.Errorf("Objects(%q): %v, want %q", tt.in, err, tt.fail)
		case tt.fail == "" && (err != nil || len(got) != tt.n):
			t.Errorf("Objects(%q) = %d, %v", tt.in, len(got), err)
		}
	}
}

func TestField(t *testing.T) {
	obj := map[string]json.RawMessage{"statusCode": json.RawMessage(`1`), "StatusString": json.RawMessage(`"OK"`)}
	if v, ok := Field(obj, "statusCode"); !ok || string(v) != "1" {
		t.Error("exact")
	}
	if v, ok := Field(obj, "statusString"); !ok || string(v) != `"OK"` {
		t.Error("case-insensitive")
	}
	if _, ok := Field(obj, "subStatusCode"); ok {
		t.Error("absent found")
	}
}

func TestParseLong(t *testing.T) {
	good := map[string]int64{`1700000000`: 1700000000, `"1700000000"`: 1700000000, `1.7e9`: 1700000000, `-5`: -5, `" 12 "`: 12}
	for in, want := range good {
		if got, err := ParseLong(json.RawMessage(in)); err != nil || got != want {
			t.Errorf("ParseLong(%s) = %d, %v", in, got, err)
		}
	}
	for in, says := range map[string]string{`"завтра"`: `want an integer, got "завтра"`, `1.5`: "want an integer", `true`: "want an integer, got a boolean", `1e300`: "want an integer"} {
		if _, err := ParseLong(json.RawMessage(in)); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("ParseLong(%s): %v, want %q", in, err, says)
		}
	}
}

// FuzzText: the fast path and encoding/json agree on every string literal,
// and the lenient types never panic.
func FuzzText(f *testing.F) {
	for _, s := range []string{`"abc"`, `"Žiga"`, `"a\"b"`, "\"\xff\"", `"\u0000"`, `42`, `true`, `null`, `{}`, `"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var want string
		jsonErr := json.Unmarshal(raw, &want)
		got, ok := Text(raw)
		if ok != (jsonErr == nil) || (ok && got != want) {
			t.Fatalf("Text(%q) = %q, %v; encoding/json %q, %v", raw, got, ok, want, jsonErr)
		}
		var s String
		var b Bool
		var n Int
		_ = json.Unmarshal(raw, &s)
		_ = json.Unmarshal(raw, &b)
		_ = json.Unmarshal(raw, &n)
		_, _ = ParseLong(raw)
		_ = Kind(raw)
	})
}
