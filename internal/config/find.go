package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/doorsync/doorsync/internal/homepath"
)

const (
	// FileName is the configuration file's name in every searched place.
	FileName = "doorsync.toml"
	// EnvConfig names the environment variable that points at the file.
	EnvConfig = "DOORSYNC_CONFIG"
	// SystemDir is the system-wide directory holding FileName.
	SystemDir = "/etc/doorsync"
)

// ErrNotFound means no configuration file exists in any searched place.
var ErrNotFound = errors.New("no configuration file found")

// Find returns the configuration file to use, in this order: the --config
// flag; $DOORSYNC_CONFIG; ./doorsync.toml; doorsync.toml in userConfigDir
// (e.g. ~/.config/doorsync); doorsync.toml in systemDir (SystemDir). An
// empty directory is skipped. A file named by the flag or the variable must
// exist: falling back to another file would run against the wrong site.
func Find(flag string, env func(string) (string, bool), userConfigDir, systemDir string) (string, error) {
	if flag != "" {
		return flag, mustBeFile("--config "+flag, flag)
	}
	if env != nil {
		if v, ok := env(EnvConfig); ok && v != "" {
			// crontab and systemd's Environment= do not expand ~.
			p, err := homepath.Expand(v, func() (string, error) {
				h, _ := env("HOME")
				return h, nil
			})
			if err != nil {
				return "", fmt.Errorf("$%s: %w", EnvConfig, err)
			}
			return p, mustBeFile("$"+EnvConfig+" ("+v+")", p)
		}
	}
	candidates := []string{FileName}
	for _, dir := range []string{userConfigDir, systemDir} {
		if dir != "" {
			candidates = append(candidates, filepath.Join(dir, FileName))
		}
	}
	for _, c := range candidates {
		info, err := os.Stat(c)
		switch {
		case err == nil && !info.IsDir():
			return c, nil
		case err == nil:
			return "", fmt.Errorf("configuration %s is a directory, not a file", c)
		case !errors.Is(err, fs.ErrNotExist):
			// e.g. permission denied: say so rather than silently use the next place.
			return "", fmt.Errorf("configuration: %w", err)
		}
	}
	shown := make([]string, len(candidates))
	for i, c := range candidates {
		shown[i] = c
		if !filepath.IsAbs(c) {
			shown[i] = "." + string(filepath.Separator) + c
		}
	}
	return "", fmt.Errorf("%w (looked for %s); pass --config FILE or set $%s",
		ErrNotFound, strings.Join(shown, ", "), EnvConfig)
}

func mustBeFile(label, path string) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: %w: the file does not exist", label, ErrNotFound)
	case err != nil:
		return fmt.Errorf("%s: %w", label, err)
	case info.IsDir():
		return fmt.Errorf("%s is a directory, not a file", label)
	}
	return nil
}
