// Package homepath expands a leading ~ in a path the operator typed (the
// configuration, the console's export and import prompts), as a shell
// would: "~/x.db" is x.db in the home directory, not a folder named "~".
package homepath

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Expand returns p with a leading "~" or "~/" replaced by the home
// directory that home reports. "~user/…" is refused (write the full path);
// every other path is returned as it is.
func Expand(p string, home func() (string, error)) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") && !strings.HasPrefix(p, "~"+string(filepath.Separator)) {
		if strings.HasPrefix(p, "~") {
			return "", fmt.Errorf("path %q: ~user is not supported: write the full path", p)
		}
		return p, nil
	}
	if home == nil {
		return "", fmt.Errorf("path %q: no home directory to expand ~ to", p)
	}
	h, err := home()
	switch {
	case err == nil && h == "":
		err = errors.New("it is not set")
	case err == nil && !filepath.IsAbs(h):
		// A relative $HOME would put the file beside wherever doorsync
		// runs (cron's directory, /): never what was meant.
		err = fmt.Errorf("%q is not an absolute path", h)
	}
	if err != nil {
		return "", fmt.Errorf("path %q: the home directory for ~: %w", p, err)
	}
	return filepath.Join(h, p[1:]), nil
}
