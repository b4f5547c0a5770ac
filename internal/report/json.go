package report

import (
	"encoding/json"
	"io"
	"time"
)

// jsonReport is the wire form: versioned, every field always present, so a
// script can rely on the keys.
type jsonReport struct {
	Version     int            `json:"version"`
	Title       string         `json:"title"`
	GeneratedAt *time.Time     `json:"generated_at"`
	Timezone    string         `json:"timezone"`
	Today       string         `json:"today"`
	RunID       int64          `json:"run_id"`
	Summary     map[string]int `json:"summary"`
	Guard       jsonGuard      `json:"guard"`
	SourceError string         `json:"source_error"`
	Targets     []TargetLine   `json:"targets"`
	Rows        []Row          `json:"rows"`
}

type jsonGuard struct {
	Tripped bool   `json:"tripped"`
	Reason  string `json:"reason"`
}

func writeJSON(w io.Writer, r Report) error {
	out := jsonReport{
		Version: Version, Title: r.Title, Timezone: r.Timezone, Today: r.Today, RunID: r.RunID,
		Summary: r.Summary, Guard: jsonGuard{Tripped: r.Guard != "", Reason: r.Guard},
		SourceError: r.SourceError, Targets: r.Targets, Rows: r.Rows,
	}
	if !r.GeneratedAt.IsZero() {
		t := r.GeneratedAt.In(r.zoneOf())
		out.GeneratedAt = &t
	}
	if out.Targets == nil {
		out.Targets = []TargetLine{}
	}
	if out.Rows == nil {
		out.Rows = []Row{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Names like "Novak & sinovi" stay readable; the file is not embedded in HTML.
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
