// Package exitcode holds doorsync's documented exit codes (README → Exit
// codes) and how several outcomes combine, so the CLI, the engine and the
// history agree on them.
package exitcode

const (
	OK      = 0 // done, or nothing to do
	Failed  = 1 // nothing or not all could be done because of an error
	Usage   = 2 // usage or configuration error
	Partial = 3 // some items failed
	Held    = 4 // items await approval, or the guard tripped
)

// Worst combines outcomes: the first in the order 2, 1, 3, 4, 0 that is
// present wins.
func Worst(codes ...int) int {
	for _, want := range [...]int{Usage, Failed, Partial, Held, OK} {
		for _, c := range codes {
			if c == want {
				return want
			}
		}
	}
	return OK
}
