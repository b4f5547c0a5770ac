//go:build unix

package cli

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// systemOwnership asks the kernel and the user database.
type systemOwnership struct{}

func (systemOwnership) EffectiveUID() int { return os.Geteuid() }

// Owner follows symbolic links: what SQLite writes is the file they lead to.
func (systemOwnership) Owner(path string) (int, string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, "", err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, "", fmt.Errorf("%s: no owner known", path)
	}
	uid := int(st.Uid)
	name := ""
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		name = u.Username
	}
	return uid, name, nil
}
