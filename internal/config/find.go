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
	return find(flag, env, userConfigDir, systemDir, os.Stat)
}

// find is Find with the file system's stat injected (tests cannot be
// denied anything as root).
func find(flag string, env func(string) (string, bool), userConfigDir, systemDir string, stat func(string) (fs.FileInfo, error)) (string, error) {
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
	// A place this user may not search is passed over: stat needs only
	// search permission on the directories, so a denial means no file there
	// is reachable as this user anyway — the doorsync user run with `sudo -u`
	// from the admin's own 0700 home must still find /etc/doorsync. If no
	// place has a file, the denials are said.
	var denied []string
	for _, c := range candidates {
		info, err := stat(c)
		switch {
		case err == nil && !info.IsDir():
			return c, nil
		case err == nil:
			return "", fmt.Errorf("configuration %s is a directory, not a file", c)
		case errors.Is(err, fs.ErrPermission):
			denied = append(denied, c)
		case !errors.Is(err, fs.ErrNotExist):
			return "", fmt.Errorf("configuration: %w", err)
		}
	}
	if len(denied) > 0 {
		return "", fmt.Errorf("configuration: this user may not look for %s (permission denied); run doorsync as a user that may "+
			"(the packages' is doorsync: sudo -u doorsync doorsync …), or pass --config FILE", strings.Join(shownPaths(denied), ", "))
	}
	return "", fmt.Errorf("%w (looked for %s); pass --config FILE or set $%s",
		ErrNotFound, strings.Join(shownPaths(candidates), ", "), EnvConfig)
}

// shownPaths writes relative candidates as ./name, so the reader sees
// where they were looked for.
func shownPaths(candidates []string) []string {
	shown := make([]string, len(candidates))
	for i, c := range candidates {
		shown[i] = c
		if !filepath.IsAbs(c) {
			shown[i] = "." + string(filepath.Separator) + c
		}
	}
	return shown
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
