//go:build unix

package cli

import (
	"context"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
)

// The system's answer: a file this process made is its effective user's.
func TestSystemOwnership(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	uid, name, err := systemOwnership{}.Owner(path)
	if err != nil {
		t.Fatal(err)
	}
	if uid != os.Geteuid() || uid != (systemOwnership{}).EffectiveUID() {
		t.Errorf("owner %d, effective uid %d", uid, os.Geteuid())
	}
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil && name != u.Username {
		t.Errorf("owner's name %q, want %q", name, u.Username)
	}
	if _, _, err := (systemOwnership{}).Owner(filepath.Join(path, "nope")); err == nil {
		t.Error("a missing file has an owner")
	}
}

// Run as root (a container, CI), the real guard refuses a database
// directory handed to another user; otherwise there is nothing to check.
func TestRootGuardOnTheSystem(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: only root's runs are guarded")
	}
	cfg, dbDir, _ := guardSite(t)
	const nobody = 65534
	if err := os.Chown(dbDir, nobody, nobody); err != nil {
		t.Skipf("cannot hand the directory to uid %d: %v", nobody, err)
	}
	who := "uid " + strconv.Itoa(nobody)
	if u, err := user.LookupId(strconv.Itoa(nobody)); err == nil {
		who = "user " + u.Username
	}
	app, _, errb := newTestApp(clocktest.Start(t), map[string]string{"CS_PASSWORD": "x", "IVMS_PASSWORD": "y"})
	app.Ownership = systemOwnership{}
	code := app.Run(context.Background(), []string{"--config", cfg, "links", "list"})
	if code != ExitUsage || !strings.Contains(errb.String(), dbDir+" is owned by "+who+"; running as root") {
		t.Errorf("exit %d\n%s", code, errb.String())
	}
	if entries, _ := os.ReadDir(dbDir); len(entries) > 0 {
		t.Errorf("files written: %v", entries)
	}
}
