package cli

import (
	"errors"

	"github.com/doorsync/doorsync/internal/exitcode"
)

// Exit codes: see internal/exitcode (README → Exit codes).
const (
	ExitOK      = exitcode.OK
	ExitFailed  = exitcode.Failed
	ExitUsage   = exitcode.Usage
	ExitPartial = exitcode.Partial
	ExitHeld    = exitcode.Held
)

// Worst combines outcomes by the contract's precedence (2, 1, 3, 4, 0).
func Worst(codes ...int) int { return exitcode.Worst(codes...) }

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks a configuration or usage problem (exit 2).
func usageError(err error) error { return &exitError{code: ExitUsage, err: err} }

// failedError marks a run that could not do its work (exit 1).
func failedError(err error) error { return &exitError{code: ExitFailed, err: err} }

// codeOf maps an error returned by a command to its exit code.
func codeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitFailed
}
