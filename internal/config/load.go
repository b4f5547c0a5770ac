package config

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Load reads and parses the configuration file at path; env looks up
// ${VAR}s (os.LookupEnv in production). Besides Parse's checks it warns
// when the file is readable by group or others and holds a literal secret
// (a password, a token, a webhook URL carrying one), and when a *_file
// holding a secret is readable by group or others, and when the env_file
// is open to group or others in any way.
func Load(path string, env func(string) (string, bool)) (*Config, error) {
	f, info, err := openPlain(path)
	switch {
	case err != nil && info != nil && info.IsDir():
		return nil, fmt.Errorf("configuration: %s is a directory, not a file", path)
	case err != nil && info != nil:
		return nil, fmt.Errorf("configuration: %s is not a regular file but %s", path, fileKind(info.Mode()))
	case err != nil:
		return nil, fmt.Errorf("configuration: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("configuration: read %s: %w", path, err)
	}
	cfg, err := Parse(path, data, env, readKeyFileBounded)
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o044 != 0 {
		for _, l := range cfg.literals {
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf(
				"%s is readable by %s and holds a literal %s for %s; use %s",
				path, readers(info.Mode()), l.what, l.key, l.use))
		}
	}
	if cfg.EnvFile != "" {
		// Any bit for group or others: writable is as bad as readable, it
		// decides where the secrets go.
		if fi, err := os.Stat(cfg.EnvFile); err == nil && fi.Mode().Perm()&0o077 != 0 {
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf(
				"%s (env_file) has mode %04o and holds secrets; give it mode 600, owned by the user doorsync runs as", cfg.EnvFile, fi.Mode().Perm()))
		}
	}
	for _, sf := range cfg.secretFiles {
		if fi, err := os.Stat(sf.name); err == nil && fi.Mode().Perm()&0o044 != 0 {
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf(
				"%s is readable by %s and holds the %s for %s; give it mode 600, owned by the user doorsync runs as",
				sf.name, readers(fi.Mode()), sf.what, sf.key))
		}
	}
	return cfg, nil
}

// readKeyFileBounded reads a *_file or the env_file: only a plain file
// (openPlain), and no more than the largest of them may hold (one byte
// more, so the caller sees it is too large).
func readKeyFileBounded(path string) ([]byte, error) {
	f, _, err := openPlain(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max(maxSecretFile, maxEnvFile)+1))
}

// openPlain opens path for reading if it is a plain file; otherwise the
// error says what it is, and info (when known) describes it. The open does
// not block and the check is made on the opened file, so nothing swapped in
// between slips through: /dev/zero as env_file grew the process to 24 GB,
// and a named pipe blocked it forever.
func openPlain(path string) (*os.File, os.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, info, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("not a regular file but %s", fileKind(info.Mode()))}
	}
	return f, info, nil
}

// fileKind names what a non-regular file is.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeCharDevice != 0, m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "not a plain file"
}

// readers says who besides the owner may read a file of mode m (m has
// group or other read permission): the package's config is 0640
// root:doorsync, readable by its group, not by everyone.
func readers(m os.FileMode) string {
	if m.Perm()&0o004 != 0 {
		return fmt.Sprintf("everyone (mode %04o)", m.Perm())
	}
	return fmt.Sprintf("its group (mode %04o)", m.Perm())
}
