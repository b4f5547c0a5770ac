package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/textclean"
)

// Status of one check or event line.
type Status string

const (
	StatusOK   Status = "ok"
	StatusWarn Status = "warn"
	StatusFail Status = "fail"
	StatusInfo Status = "info"
)

// Line is one line of headless output: a doctor check, a progress note, a
// summary. Detail must never hold a secret.
type Line struct {
	Status  Status `json:"status"`
	Subject string `json:"subject"`          // "cardskipper", "terminal entrance"
	Check   string `json:"check,omitempty"`  // "credentials", "clock skew"
	Detail  string `json:"detail,omitempty"` // what was found, or what is wrong and what to do
}

// Printer writes headless output (restic's idea): text for people, JSON lines
// for machines. The console never uses it.
type Printer interface {
	Print(Line)
}

func newPrinter(format string, w io.Writer, c clock.Clock) Printer {
	if format == "json" {
		return &jsonPrinter{w: w, clock: c}
	}
	return &textPrinter{w: w}
}

type textPrinter struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *textPrinter) Print(l Line) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Subjects and details quote servers and names: never a control
	// character or bidi override from outside on the operator's terminal.
	subject := textclean.Clean(l.Subject)
	if l.Check != "" {
		subject += ": " + textclean.Clean(l.Check)
	}
	if l.Detail != "" {
		fmt.Fprintf(p.w, "%-4s  %-40s %s\n", l.Status, subject, textclean.Clean(l.Detail))
	} else {
		fmt.Fprintf(p.w, "%-4s  %s\n", l.Status, subject)
	}
}

type jsonPrinter struct {
	mu    sync.Mutex
	w     io.Writer
	clock clock.Clock
}

func (p *jsonPrinter) Print(l Line) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = json.NewEncoder(p.w).Encode(struct {
		Time string `json:"time"`
		Line
	}{p.clock.Now().Format(time.RFC3339), l})
}
