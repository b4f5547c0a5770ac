package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
)

// Ownership tells who this process runs as and who owns a file, for the
// root guard (checkDatabaseOwner). ownership_unix.go asks the system;
// elsewhere nothing is known and nothing is refused.
type Ownership interface {
	// EffectiveUID is the process's effective user id; -1 where there is
	// none (Windows).
	EffectiveUID() int
	// Owner returns the id of the user owning path and that user's name
	// ("" when the id has no name). An error when there is no such file or
	// its owner cannot be told.
	Owner(path string) (uid int, name string, err error)
}

// checkDatabaseOwner refuses to open, as root, a database that another
// user owns (its directory or the file): SQLite would leave root-owned
// files there (the database, its -wal and -shm) that the owner — the
// service's user — cannot write, and its next run would fail. Root owning
// them (a development box, a container) is fine. The error (exit 2) says
// what to run instead: the same command line as the owner.
func (a *App) checkDatabaseOwner(g *globalOptions, database string) error {
	if a.Ownership == nil || a.Ownership.EffectiveUID() != 0 {
		return nil
	}
	abs, err := filepath.Abs(database)
	if err != nil {
		return nil // opening it says what is wrong
	}
	for _, p := range []string{filepath.Dir(abs), abs} {
		uid, name, err := a.Ownership.Owner(p)
		if err != nil || uid == 0 {
			continue // a missing directory: opening it says so
		}
		who, sudo := "user "+name, name
		if name == "" {
			who, sudo = fmt.Sprintf("uid %d", uid), fmt.Sprintf("'#%d'", uid)
		}
		return usageError(fmt.Errorf(`%s is owned by %s; running as root would leave files there (the database, its -wal and -shm) `+
			`that %s cannot write, and its next run would fail: run "sudo -u %s doorsync %s"`, p, who, who, sudo, shellLine(g.args)))
	}
	return nil
}

// shellLine writes args as a shell command line to paste: plain words as
// they are, others in single quotes. An argument with a control character
// ends it with "…": printed, it could move the cursor or hide what follows.
func shellLine(args []string) string {
	words := make([]string, 0, len(args))
	for _, arg := range args {
		switch {
		case strings.ContainsFunc(arg, unicode.IsControl):
			return strings.Join(append(words, "…"), " ")
		case arg != "" && strings.Trim(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=+.,:/@%") == "":
			words = append(words, arg)
		default:
			words = append(words, "'"+strings.ReplaceAll(arg, "'", `'\''`)+"'")
		}
	}
	return strings.Join(words, " ")
}
