package target

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// Class is how the engine must react to a failure.
type Class int

const (
	// Transient: network error, 5xx, timeout — retry with backoff.
	Transient Class = iota
	// Busy: the system is busy (Hikvision deviceBusy) — retry later.
	Busy
	// Auth: credentials rejected or too low privilege — stop the target.
	Auth
	// Permanent: the request is wrong for this system — no retry, show the message.
	Permanent
	// NotFound: the account is gone from the target — report.
	NotFound
	// Malformed: the reply could not be understood — no retry, no write.
	Malformed
)

func (c Class) String() string {
	switch c {
	case Transient:
		return "transient"
	case Busy:
		return "busy"
	case Auth:
		return "auth"
	case Permanent:
		return "permanent"
	case NotFound:
		return "not found"
	case Malformed:
		return "malformed"
	}
	return fmt.Sprintf("class(%d)", int(c))
}

// Retryable reports whether a failure of this class may succeed if tried again.
func (c Class) Retryable() bool { return c == Transient || c == Busy }

// Error is a classified failure of a target call.
type Error struct {
	Class   Class
	Target  string // configured target name
	Op      string // what was being done: "search page 3", "modify 1042"
	Code    string // the system's code, e.g. subStatusCode "deviceBusy"
	Message string // the system's own words (errorMsg), for the operator
	// RetryTimes and LockSeconds come from a terminal's authentication
	// failure body (retryTimes / resLockTime, or retryLoginTime / unlockTime);
	// -1 when the terminal did not send them.
	RetryTimes  int
	LockSeconds int
	Err         error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Target != "" {
		b.WriteString(e.Target)
		b.WriteString(": ")
	}
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.Class.String())
	if e.Code != "" {
		b.WriteString(" (")
		b.WriteString(e.Code)
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Class == Auth {
		if e.RetryTimes >= 0 {
			fmt.Fprintf(&b, "; %d login attempts left before lockout", e.RetryTimes)
		}
		if e.LockSeconds > 0 {
			fmt.Fprintf(&b, "; locked for %d s", e.LockSeconds)
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of the first *Error in err's chain, or Transient
// for an unclassified error (network errors are the usual unclassified ones).
func ClassOf(err error) Class {
	var te *Error
	if errors.As(err, &te) {
		return te.Class
	}
	return Transient
}

// CodeTimeout is the Code clients give a request that got no answer
// within their per-request timeout.
const CodeTimeout = "timeout"

// CodeListChanged is the Code clients give a listing that disagreed with
// itself on every one of their scans (persons edited meanwhile). The
// engine does not call again in the same run: the client has just scanned
// repeatedly, more would only load a system being edited, and the next run
// reads it afresh.
const CodeListChanged = "listChanged"

// Unanswered reports whether err says the system did not answer at all: a
// request timeout, or a connection refused, reset or broken (a net.Error in
// the chain). A system that answers "busy" is working; one that does not
// answer is likely down, and retrying it for long only delays the run.
func Unanswered(err error) bool {
	var te *Error
	if errors.As(err, &te) && te.Code == CodeTimeout {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// ErrNotSent marks an update a target did not send this time because an
// earlier request of the same call got no answer; the engine may send it
// again, and does not count the call as one of its attempts.
var ErrNotSent = errors.New("not sent")

// ErrStopped marks updates not attempted because the target was stopped
// (after authentication failures) earlier in the run.
var ErrStopped = errors.New("target stopped after authentication failures")
