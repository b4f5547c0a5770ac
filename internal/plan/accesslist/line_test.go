package accesslist

import (
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	cases := []struct {
		name, in string
		want     Line
		err      string
	}{
		{"classic", "44491AD2;55", Line{Card: "44491AD2", Zone: 55}, ""},
		{"desfire", "04A1B2C3D4E5F6;0", Line{Card: "04A1B2C3D4E5F6", Zone: 0}, ""},
		{"lower-case hex accepted and upper-cased", "44491ad2;55", Line{Card: "44491AD2", Zone: 55}, ""},
		{"member id column", "44491AD2;55;150002", Line{Card: "44491AD2", Zone: 55, MemberID: "150002"}, ""},
		{"further columns ignored", "44491AD2;55;150002;note;x", Line{Card: "44491AD2", Zone: 55, MemberID: "150002"}, ""},
		{"empty third column", "44491AD2;55;", Line{Card: "44491AD2", Zone: 55}, ""},
		{"five-digit zone", "44491AD2;99999", Line{Card: "44491AD2", Zone: 99999}, ""},
		{"leading zeros are still 5 digits", "44491AD2;00055", Line{Card: "44491AD2", Zone: 55}, ""},
		{"tab in a free column", "44491AD2;55;a\tb", Line{Card: "44491AD2", Zone: 55, MemberID: "a\tb"}, ""},

		{"empty", "", Line{}, "empty line"},
		{"one column", "44491AD2", Line{}, "has no ';'"},
		{"comma separated", "44491AD2,55", Line{}, "has no ';'"},
		{"7 digits", "44491AD;55", Line{}, "7 characters, want 8 or 14"},
		{"9 digits", "44491AD20;55", Line{}, "9 characters"},
		{"15 digits", "04A1B2C3D4E5F60;55", Line{}, "15 characters"},
		{"non-hex", "44491AG2;55", Line{}, `'G' is not a hex digit`},
		{"space in card", "44491AD ;55", Line{}, `' ' is not a hex digit`},
		{"space before zone", "44491AD2; 55", Line{}, "zone \" 55\""},
		{"zone 100000", "44491AD2;100000", Line{}, "6 characters, want a decimal number of at most 5 digits"},
		{"negative zone", "44491AD2;-1", Line{}, "zone \"-1\""},
		{"plus sign", "44491AD2;+5", Line{}, "zone \"+5\""},
		{"hex zone", "44491AD2;5A", Line{}, "zone \"5A\""},
		{"empty zone", "44491AD2;", Line{}, "zone is empty"},
		{"empty card", ";55", Line{}, "0 characters"},
		{"non-ASCII", "44491AD2;55;Žiga", Line{}, "0xC5 (not ASCII)"},
		{"BOM", "\ufeff44491AD2;55", Line{}, "byte 1 is 0xEF (not ASCII)"},
		{"carriage return inside", "44491AD2;55\r", Line{}, "carriage return"},
		{"NUL", "44491AD2;5\x005", Line{}, "control character 0x00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseLine(c.in)
			if c.err == "" {
				if err != nil || got != c.want {
					t.Fatalf("ParseLine(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
				}
				if ValidateLine(c.in) != nil {
					t.Fatalf("ValidateLine disagrees with ParseLine on %q", c.in)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("ParseLine(%q) = %+v, %v; want error containing %q", c.in, got, err, c.err)
			}
			if ValidateLine(c.in) == nil {
				t.Fatalf("ValidateLine accepted %q", c.in)
			}
		})
	}
}

func TestListCanonical(t *testing.T) {
	l, err := NewList([]Line{
		{Card: "04A1B2C3D4E5F6", Zone: 55, MemberID: "2"},
		{Card: "44491AD2", Zone: 56, MemberID: "1"},
		{Card: "44491AD2", Zone: 0, MemberID: "1"},
		{Card: "44491AD2", Zone: 56, MemberID: "9"}, // repeated pair: kept once, first id
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "04A1B2C3D4E5F6;55;2\n44491AD2;0;1\n44491AD2;56;1\n"
	if got := string(l.Bytes()); got != want {
		t.Fatalf("Bytes = %q, want %q", got, want)
	}
	back := mustList(t, want)
	if !back.Equal(l) || back.Hash() != l.Hash() || string(back.Bytes()) != want {
		t.Fatalf("ParseList(Bytes) does not round-trip: %q", back.Bytes())
	}
	// The member-id column does not count in the hash; zones do.
	other := mustList(t, "44491AD2;0;7\n44491AD2;56\n04A1B2C3D4E5F6;55\r\n")
	if other.Hash() != l.Hash() {
		t.Error("lists differing only in the member-id column, order and line ends hash differently")
	}
	if mustList(t, "44491AD2;0\n").Hash() == l.Hash() {
		t.Error("lists with different pairs hash alike")
	}
	if (List{}).Hash() != mustList(t, "").Hash() {
		t.Error("the zero List and an empty parsed list differ")
	}
}

func TestNewListRejects(t *testing.T) {
	cases := []struct {
		name string
		line Line
		err  string
	}{
		{"short card", Line{Card: "1234", Zone: 1}, "(1234;1): card \"1234\": 4 characters"},
		{"zone 100000", Line{Card: "44491AD2", Zone: 100000}, "6 characters"},
		{"negative zone", Line{Card: "44491AD2", Zone: -1}, "zone \"-1\""},
		{"member id with ;", Line{Card: "44491AD2", Zone: 1, MemberID: "a;b"}, "must not contain ';'"},
		{"member id non-ASCII", Line{Card: "44491AD2", Zone: 1, MemberID: "č"}, "not ASCII"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewList([]Line{{Card: "44491AD3", Zone: 1}, c.line})
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("NewList = %v, want error containing %q", err, c.err)
			}
			if !strings.Contains(err.Error(), "line 2") {
				t.Errorf("error %q does not name line 2", err)
			}
		})
	}
}

func TestParseListErrorsNameTheLine(t *testing.T) {
	_, err := ParseList([]byte("44491AD2;55\n44491AD3;55\n\n44491AD4;55\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3: empty line") {
		t.Fatalf("ParseList = %v, want the empty line 3 named", err)
	}
	_, err = ParseList([]byte("44491AD2;55\n4449;55"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("ParseList = %v, want line 2 named", err)
	}
}
