//go:build unix

package store

import (
	"errors"
	"syscall"
)

// processAlive asks the kernel whether pid exists on this host (signal 0
// checks without sending anything). EPERM means it exists under another
// user. known is false when the answer is unclear; then only the heartbeat
// decides.
func processAlive(pid int) (alive, known bool) {
	if pid <= 0 {
		return false, false
	}
	err := syscall.Kill(pid, 0)
	switch {
	case err == nil, errors.Is(err, syscall.EPERM):
		return true, true
	case errors.Is(err, syscall.ESRCH):
		return false, true
	}
	return false, false
}
