//go:build !linux

package store

// bootID and processStart cannot tell on this platform: the pid alone
// decides whether a lock's holder on this host still runs.
func bootID() string { return "" }

func processStart(int) string { return "" }
