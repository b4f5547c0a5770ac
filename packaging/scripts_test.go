package packaging

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// The install scripts run as root on the operator's box, under dash on
// Debian: shellcheck them as POSIX sh.
func TestScriptsShellcheck(t *testing.T) {
	needTool(t, "shellcheck")
	scripts, err := filepath.Glob("scripts/*.sh")
	if err != nil || len(scripts) != 4 {
		t.Fatalf("scripts: %v %v", scripts, err)
	}
	args := append([]string{"--shell=sh", "--severity=style"}, append(scripts, "assets.sh")...)
	if out, err := exec.Command("shellcheck", args...).CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}
