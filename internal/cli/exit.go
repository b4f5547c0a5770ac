package cli

import "errors"

// Exit codes (README → Exit codes; product.md → Command-line contract).
const (
	ExitOK      = 0 // done, or nothing to do
	ExitFailed  = 1 // nothing or not all could be done because of an error
	ExitUsage   = 2 // usage or configuration error
	ExitPartial = 3 // some items failed
	ExitHeld    = 4 // items await approval, or the guard tripped
)

// exitPrecedence: when several outcomes hold, the first in this order wins.
var exitPrecedence = [...]int{ExitUsage, ExitFailed, ExitPartial, ExitHeld, ExitOK}

// Worst combines outcomes by the contract's precedence (2, 1, 3, 4, 0).
func Worst(codes ...int) int {
	for _, want := range exitPrecedence {
		for _, c := range codes {
			if c == want {
				return want
			}
		}
	}
	return ExitOK
}

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
