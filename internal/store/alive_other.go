//go:build !unix

package store

// processAlive cannot tell on this platform: only the heartbeat decides
// whether a lock is stale.
func processAlive(int) (alive, known bool) { return false, false }
