package plan

import (
	"bytes"
	"encoding/json"
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
