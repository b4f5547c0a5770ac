package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/member"
)

func TestPlanJSONWritesLocalTimesWithoutOffset(t *testing.T) {
	zone, _ := time.LoadLocation("Europe/Ljubljana")
	it := Item{Kind: Extend, Email: "ziga.ceh@example.si", Target: "entrance", Account: "1042",
		SourceEnd:  member.NewDate(2025, time.November, 1),
		CurrentEnd: LocalTime{time.Date(2025, 10, 1, 23, 59, 59, 0, zone)},
		DesiredEnd: LocalTime{member.NewDate(2025, time.November, 1).EndOfDay(zone)}, Auto: true, Reason: "renewed in Cardskipper"}
	b, err := json.Marshal(it)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"source_end":"2025-11-01"`, `"current_end":"2025-10-01T23:59:59"`, `"desired_end":"2025-11-01T23:59:59"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
	var back Item
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&back); err != nil {
		t.Fatal(err)
	}
	if back.DesiredEnd.Format(localLayout) != "2025-11-01T23:59:59" {
		t.Errorf("round trip: %v", back.DesiredEnd)
	}
	empty, _ := json.Marshal(Item{Kind: NoEmail, Reason: "x"})
	if strings.Contains(string(empty), "_end") {
		t.Errorf("zero ends must be omitted: %s", empty)
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	zone, _ := time.LoadLocation("Europe/Ljubljana")
	p := Plan{Version: FormatVersion, Timezone: "Europe/Ljubljana", Today: member.NewDate(2025, time.October, 26), Summary: map[Kind]int{Extend: 1, InSync: 1},
		Items: []Item{
			{ID: "a1", Kind: Extend, Email: "ziga.ceh@example.si", Target: "entrance", Account: "1042",
				CurrentEnd: LocalTime{time.Date(2025, 10, 25, 23, 59, 59, 0, zone)},
				DesiredEnd: LocalTime{member.NewDate(2025, time.October, 26).EndOfDay(zone)}, Auto: true, Reason: "renewed"},
			{ID: "b2", Kind: InSync, Email: "ana@example.si", Target: "entrance", Account: "1043", Reason: "same"},
		}}
	var buf bytes.Buffer
	if err := Encode(&buf, p, false); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), `"b2"`) {
		t.Fatal("in_sync item listed without all")
	}
	back, err := Decode(&buf, time.LoadLocation)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Items) != 1 || !back.Items[0].DesiredEnd.Equal(p.Items[0].DesiredEnd.Time) || back.Items[0].DesiredEnd.Location().String() != "Europe/Ljubljana" {
		t.Fatalf("round trip lost the end or its zone: %+v", back.Items)
	}
	if back.Zone().String() != "Europe/Ljubljana" {
		t.Fatal("zone not set")
	}
}

func TestDecodeRefusesDamagedPlans(t *testing.T) {
	good := `{"version":1,"created_at":"2025-11-01T10:00:00+01:00","today":"2025-11-01","timezone":"Europe/Ljubljana","source":{"system":"cardskipper","members":1},"summary":{},"guard":{"tripped":false,"revocations":0,"linked":0},"targets":[],"items":[%s]}`
	tests := []struct{ name, items, want string }{
		{"unknown kind", `{"id":"x","kind":"delete_everyone","reason":"r","auto":false}`, `unknown kind "delete_everyone"`},
		{"write without end", `{"id":"x","kind":"extend","target":"entrance","account":"1","reason":"r","auto":true}`, "needs a target, an account and a desired end"},
		{"repeated id", `{"id":"x","kind":"missing","reason":"r","auto":false},{"id":"x","kind":"missing","reason":"r","auto":false}`, "repeated id"},
		{"bad end", `{"id":"x","kind":"extend","target":"e","account":"1","desired_end":"tomorrow","reason":"r","auto":true}`, "plan file"},
		{"unknown field", `{"id":"x","kind":"missing","reason":"r","auto":false,"password":"x"}`, "unknown field"},
	}
	for _, tt := range tests {
		_, err := Decode(strings.NewReader(fmt.Sprintf(good, tt.items)), time.LoadLocation)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := Decode(strings.NewReader(`{"version":2}`), time.LoadLocation); err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("version check: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(`{"version":1,"timezone":"Europe/Ljubljana","items":[{"id":"x","kind":"extend","target":"e","account":"1","desired_end":"2025-11-01T23:59:59","reason":"r","auto":true}]}`)
	f.Add(`{"version":1,"timezone":"Mars/Olympus"}`)
	f.Add(`{}`)
	f.Add(`[`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Decode(strings.NewReader(s), time.LoadLocation)
		if err != nil {
			return
		}
		for _, it := range p.Items {
			if it.Kind.Writes() && it.DesiredEnd.IsZero() {
				t.Fatalf("decoded a write item without an end: %+v", it)
			}
		}
	})
}
