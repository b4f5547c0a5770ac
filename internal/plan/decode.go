package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// maxPlanBytes bounds a saved plan read back (a 100,000-member plan with
// every item is ~60 MB).
const maxPlanBytes = 256 << 20

// Decode reads a plan saved by `plan --json --out FILE`. Times, written as
// local wall-clock text, are placed in the plan's own time zone; zoneFor
// loads it (time.LoadLocation in production). The plan is checked so that an
// edited or damaged file is refused with a message naming the item, before
// anything is applied.
func Decode(r io.Reader, zoneFor func(string) (*time.Location, error)) (Plan, error) {
	var p Plan
	dec := json.NewDecoder(io.LimitReader(r, maxPlanBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Plan{}, fmt.Errorf("plan file: %w", err)
	}
	if p.Version != FormatVersion {
		return Plan{}, fmt.Errorf("plan file: version %d, this doorsync reads version %d", p.Version, FormatVersion)
	}
	zone, err := zoneFor(p.Timezone)
	if err != nil {
		return Plan{}, fmt.Errorf("plan file: time zone %q: %w", p.Timezone, err)
	}
	p.zone = zone
	local := func(t LocalTime) LocalTime {
		if t.IsZero() {
			return t
		}
		y, mo, d := t.Date()
		h, mi, s := t.Clock()
		return LocalTime{time.Date(y, mo, d, h, mi, s, 0, zone)}
	}
	seen := map[string]bool{}
	for i := range p.Items {
		it := &p.Items[i]
		it.CurrentEnd, it.DesiredEnd = local(it.CurrentEnd), local(it.DesiredEnd)
		label := fmt.Sprintf("plan file: item %d (%s, %s account %s)", i+1, it.Email, it.Target, it.Account)
		switch {
		case !it.Kind.Valid():
			return Plan{}, fmt.Errorf("%s: unknown kind %q", label, it.Kind)
		case it.ID == "" || seen[it.ID]:
			return Plan{}, fmt.Errorf("%s: missing or repeated id %q", label, it.ID)
		case it.Kind.Writes() && (it.Target == "" || it.Account == "" || it.DesiredEnd.IsZero()):
			return Plan{}, fmt.Errorf("%s: a %s item needs a target, an account and a desired end", label, it.Kind)
		}
		seen[it.ID] = true
	}
	return p, nil
}

// Encode writes the plan as JSON; in_sync items only when all is set (they
// are always counted in the summary).
func Encode(w io.Writer, p Plan, all bool) error {
	if !all {
		kept := make([]Item, 0, len(p.Items))
		for _, it := range p.Items {
			if it.Kind != InSync {
				kept = append(kept, it)
			}
		}
		p.Items = kept
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}
