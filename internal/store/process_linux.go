package store

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// bootID names this boot of the host: a pid recorded under another boot
// means nothing now.
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// processStart is when pid started, in clock ticks since boot (field 22 of
// /proc/<pid>/stat): with the boot id it tells the process that took the
// lock from a later one given the same pid. "" when it cannot be read.
func processStart(pid int) string {
	if pid <= 0 {
		return ""
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	return statStart(b)
}

// statStart reads the start time out of a /proc/<pid>/stat line.
func statStart(b []byte) string {
	// The command name (field 2) is in parentheses and may hold spaces
	// and parentheses itself: the fields after it follow the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return ""
	}
	fields := strings.Fields(string(b[i+1:]))
	const startField = 22 - 3 // fields counted from 1; the slice starts at field 3
	if len(fields) <= startField {
		return ""
	}
	if _, err := strconv.ParseUint(fields[startField], 10, 64); err != nil {
		return ""
	}
	return fields[startField]
}
