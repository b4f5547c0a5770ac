package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/doorsync/doorsync/internal/homepath"
	"github.com/doorsync/doorsync/internal/httpx"
)

// builder turns the raw decoded file into a Config, collecting every
// problem instead of stopping at the first (an operator fixes them all in
// one go).
type builder struct {
	file        string
	dir         string // relative paths in the file are relative to it
	idx         *index
	env         func(string) (string, bool) // the environment, then env_file's variables
	readFile    func(string) ([]byte, error)
	envFile     envFileState
	problems    []Problem
	literals    []literalSecret
	secretFiles []secretFile
	warnings    []string
}

// key returns base + name as a new path (never sharing base's array).
func key(base []string, name ...string) []string {
	return append(append(make([]string, 0, len(base)+len(name)), base...), name...)
}

// fail records "key: message" at the key's line.
func (b *builder) fail(path []string, format string, args ...any) {
	b.problems = append(b.problems, Problem{
		File: b.file, Line: b.idx.line(path), Key: display(path),
		Msg: display(path) + ": " + fmt.Sprintf(format, args...),
	})
}

// empty records "key is empty…" at the key's line.
func (b *builder) empty(path []string, format string, args ...any) {
	b.problems = append(b.problems, Problem{
		File: b.file, Line: b.idx.line(path), Key: display(path),
		Msg: display(path) + " is empty" + fmt.Sprintf(format, args...),
	})
}

// missing records that a required key is absent, at its table's line.
func (b *builder) missing(path []string, hint string) {
	b.problems = append(b.problems, Problem{
		File: b.file, Line: b.idx.line(path), Key: display(path),
		Msg: display(path) + " is required" + hint,
	})
}

// text is a string value after ${VAR} expansion.
type text struct {
	val  string
	vars []string // environment variables it came from
	set  bool     // present and expanded
	bad  bool     // present but its expansion failed (already reported)
}

// show quotes the value for a message — unless it came from the
// environment: a secret put into the wrong key must not be echoed.
func (t text) show() string {
	if len(t.vars) > 0 {
		return "the value of ${" + strings.Join(t.vars, "}, ${") + "}"
	}
	return strconv.Quote(t.val)
}

// str expands an optional string.
func (b *builder) str(path []string, p *string) text {
	if p == nil {
		return text{}
	}
	v, vars, err := expand(*p, b.env)
	var unset *unsetError
	switch {
	case errors.As(err, &unset) && b.envFile.reported(unset.name):
		return text{bad: true}
	case errors.As(err, &unset) && b.envFile.path != "":
		b.fail(path, "environment variable %s is set neither in the environment nor in %s", unset.name, b.envFile.path)
		return text{bad: true}
	case err != nil:
		b.fail(path, "%v", err)
		return text{bad: true}
	}
	return text{val: v, vars: vars, set: true}
}

// required expands a string that must be present and non-empty.
func (b *builder) required(path []string, p *string, hint string) text {
	t := b.str(path, p)
	switch {
	case t.bad:
	case !t.set:
		b.missing(path, hint)
	case strings.TrimSpace(t.val) == "":
		b.empty(path, "%s", b.fromVars(t))
		t.bad = true
	}
	return t
}

// orDefault expands an optional string; absent gives def.
func (b *builder) orDefault(path []string, p *string, def string) text {
	t := b.str(path, p)
	if !t.set && !t.bad {
		return text{val: def, set: true}
	}
	if t.set && strings.TrimSpace(t.val) == "" {
		b.empty(path, "%s; remove the key to get the default %q", b.fromVars(t), def)
		t.bad = true
	}
	return t
}

// fromVars says, for an empty value, where its variables are set empty.
func (b *builder) fromVars(t text) string {
	if len(t.vars) == 0 {
		return ""
	}
	var env, file []string
	for _, v := range t.vars {
		if b.envFile.holds(v) {
			file = append(file, v)
		} else {
			env = append(env, v)
		}
	}
	var parts []string
	if len(env) > 0 {
		parts = append(parts, "environment variable "+strings.Join(env, ", ")+" is set but empty")
	}
	if len(file) > 0 {
		parts = append(parts, strings.Join(file, ", ")+" is empty in "+b.envFile.path)
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// secret reads a password or token: `what` (literal or ${VAR}) or
// `what_file` (a file, trailing newline trimmed), never both.
func (b *builder) secret(base []string, what string, val, file *string, required bool) Secret {
	vpath, fpath := key(base, what), key(base, what+"_file")
	if val != nil && file != nil {
		b.fail(vpath, "set either %s or %s_file, not both", what, what)
		return Secret{}
	}
	if file != nil {
		return b.secretFile(fpath, what, file)
	}
	t := b.str(vpath, val)
	switch {
	case t.bad:
		return Secret{}
	case !t.set:
		if required {
			b.missing(vpath, fmt.Sprintf(` (write %s = "${VARIABLE}" or %s_file = "/path")`, what, what))
		}
		return Secret{}
	case t.val == "":
		b.empty(vpath, "%s", b.fromVars(t))
		return Secret{}
	case strings.TrimSpace(t.val) == "":
		// Sent, it is a failed login; two lock a terminal's account.
		b.fail(vpath, "the %s is only white space%s", what, b.sourceOf(t))
		return Secret{}
	case len(t.vars) > 0:
		return NewSecret(t.val, "${"+strings.Join(t.vars, "}, ${")+"}")
	}
	b.literals = append(b.literals, literalSecret{key: display(vpath), what: what, use: "${VAR} or " + what + "_file"})
	return NewSecret(t.val, "literal")
}

// maxSecretFile bounds what a *_file may hold: a secret is one short line;
// anything bigger is the wrong file.
const maxSecretFile = 64 << 10

func (b *builder) secretFile(path []string, what string, file *string) Secret {
	f, ok := b.readKeyFile(path, file, maxSecretFile, "a secret file holds one line", "")
	if !ok {
		return Secret{}
	}
	v := strings.TrimRight(string(f.data), "\r\n")
	switch {
	case v == "":
		b.fail(path, "file %s is empty", f.shown)
		return Secret{}
	case strings.TrimSpace(v) == "":
		b.fail(path, "file %s holds only white space", f.shown)
		return Secret{}
	case strings.ContainsAny(v, "\r\n"):
		b.fail(path, "file %s holds more than one line; a secret file holds the secret alone", f.shown)
		return Secret{}
	}
	b.secretFiles = append(b.secretFiles, secretFile{key: display(path), what: what, name: f.name})
	return NewSecret(v, "file "+f.name)
}

// keyFile is a file a key names (a *_file, env_file), read.
type keyFile struct {
	name  string // its path, relative ones joined to the configuration's directory
	shown string // how messages name it: the path, or the key's value as written
	data  []byte
}

// readKeyFile reads the file the key at path names, at most limit bytes
// (tooLarge says what the file should hold instead). ok is false when the
// key is absent or the file could not be read (reported; emptyHint follows
// "is empty" when the key's value is). Messages name a path made of ${VAR}s
// by the value as written ("${PASSWORD}"), never expanded: the variable may
// be a secret put into the wrong key (password_file = "${PASSWORD}").
func (b *builder) readKeyFile(path []string, p *string, limit int, tooLarge, emptyHint string) (f keyFile, ok bool) {
	t := b.str(path, p)
	if !t.set {
		return f, false
	}
	if strings.TrimSpace(t.val) == "" {
		b.empty(path, "%s%s", b.fromVars(t), emptyHint)
		return f, false
	}
	f.name = b.resolve(path, t.val)
	if f.name == "" {
		return f, false
	}
	f.shown = f.name
	if len(t.vars) > 0 {
		f.shown = *p
	}
	data, err := b.readFile(f.name)
	var pe *fs.PathError
	if err != nil && len(t.vars) > 0 && errors.As(err, &pe) {
		err = fmt.Errorf("%s %s: %w", pe.Op, f.shown, pe.Err)
	}
	switch {
	case errors.Is(err, fs.ErrPermission):
		// os errors name the file ("open /x: permission denied").
		b.fail(path, "%v (run doorsync as the user the file is for, e.g. sudo -u doorsync doorsync …)", err)
		return f, false
	case err != nil && len(t.vars) > 0 && pe == nil:
		b.fail(path, "cannot read %s", f.shown) // an error that may quote the path
		return f, false
	case err != nil:
		b.fail(path, "%v", err)
		return f, false
	case len(data) > limit:
		b.fail(path, "file %s is larger than %d KiB; %s", f.shown, limit>>10, tooLarge)
		return f, false
	}
	f.data = data
	return f, true
}

// resolve makes a path from the file relative to the file's directory.
func (b *builder) resolve(path []string, p string) string {
	// ~ is the home directory, as in a shell (not a folder named "~"
	// beside the configuration).
	p, err := homepath.Expand(p, func() (string, error) {
		h, _ := b.env("HOME")
		return h, nil
	})
	if err != nil {
		b.fail(path, "%v", err)
		return ""
	}
	if filepath.IsAbs(p) || b.dir == "" {
		return p
	}
	return filepath.Join(b.dir, p)
}

func (b *builder) duration(path []string, p *duration, def time.Duration) time.Duration {
	if p == nil {
		return def
	}
	t := b.str(path, (*string)(p))
	if t.bad {
		return def
	}
	d, err := time.ParseDuration(strings.TrimSpace(t.val))
	if err != nil {
		b.fail(path, `%s is not a duration (write e.g. "30s", "5m" or "1h")`, t.show())
		return def
	}
	if d <= 0 {
		b.fail(path, "%s must be positive", t.show())
		return def
	}
	return d
}

// retryBudget is a duration between one second and an hour: retries
// bounded by more than that would run one cron run into the next. Absent:
// def (0 for a target: the global budget applies).
func (b *builder) retryBudget(path []string, p *duration, def time.Duration) time.Duration {
	if p == nil {
		return def
	}
	before := len(b.problems)
	d := b.duration(path, p, def)
	if len(b.problems) > before {
		return def // not a duration: said once, not again as out of range
	}
	if d < time.Second || d > time.Hour {
		b.fail(path, "%s is out of range: use 1s to 1h", d)
		return def
	}
	return d
}

// timeout is a duration between one second and ten minutes: beyond that a
// request is hung, not slow.
func (b *builder) timeout(path []string, p *duration, def time.Duration) time.Duration {
	d := b.duration(path, p, def)
	if d < time.Second || d > 10*time.Minute {
		b.fail(path, "%s is out of range: use 1s to 10m", d)
		return def
	}
	return d
}

func (b *builder) intIn(path []string, p *int64, def, lo, hi int64) int {
	if p == nil {
		return int(def)
	}
	if *p < lo || *p > hi {
		b.fail(path, "%d is out of range %d..%d", *p, lo, hi)
		return int(def)
	}
	return int(*p)
}

// ids checks a list of positive, distinct ids (Cardskipper role ids).
func (b *builder) ids(path []string, vs []int64) []int {
	out := make([]int, 0, len(vs))
	seen := map[int64]bool{}
	for _, v := range vs {
		switch {
		case v <= 0 || v > 1<<31-1:
			b.fail(path, "%d is not a valid id (a positive number)", v)
		case seen[v]:
			b.fail(path, "%d is listed twice", v)
		default:
			seen[v] = true
			out = append(out, int(v))
		}
	}
	return out
}

// strs expands a list of strings; empty entries are errors.
func (b *builder) strs(path []string, vs []string) []string {
	out := make([]string, 0, len(vs))
	for i, v := range vs {
		t := b.str(path, &v)
		switch {
		case t.bad:
		case strings.TrimSpace(t.val) == "":
			b.fail(path, "entry %d is empty", i+1)
		default:
			out = append(out, strings.TrimSpace(t.val))
		}
	}
	return out
}

// checkURL validates an http(s) base URL and returns it without a trailing
// slash. quiet: the value may carry a token (webhooks), so messages never
// show it.
func (b *builder) checkURL(path []string, t text, quiet bool) (string, *url.URL) {
	if !t.set || t.bad {
		return "", nil
	}
	show := t.show()
	if quiet {
		show = "the URL"
	}
	raw := strings.TrimSpace(t.val)
	// A webhook is a whole address (its query may hold its token); a base
	// URL gets paths added.
	u, err := httpx.ParseBase(raw, httpx.Rules{AllowQuery: quiet, AllowFragment: quiet})
	var ue *httpx.URLError
	if !errors.As(err, &ue) {
		return strings.TrimRight(raw, "/"), u
	}
	switch ue.Problem {
	case httpx.UserInfo:
		// Checked first: the value is not shown, it may hold the password.
		b.fail(path, "the URL must not hold credentials; use the username and password keys")
	case httpx.BadScheme:
		b.fail(path, "%s must start with http:// or https://", show)
	case httpx.NoHost:
		b.fail(path, "%s has no host", show)
	case httpx.HasQuery, httpx.HasFragment:
		b.fail(path, "the URL must not have a query (?…) or fragment (#…): give the base address")
	case httpx.BadPort:
		b.fail(path, "%s has an invalid port", show)
	default:
		b.fail(path, "%s is not a valid URL", show)
	}
	return "", nil
}

// cleartext warns when a credential would cross the network unencrypted.
// Loopback (demo, emulators) is fine.
func (b *builder) cleartext(path []string, u *url.URL, what string) {
	if u == nil || u.Scheme != "http" || httpx.IsLoopback(u.Hostname()) {
		return
	}
	b.warnings = append(b.warnings, fmt.Sprintf("%s: %s uses plain http: the %s crosses the network readable by anyone on the way; use https",
		b.where(path), display(path), what))
}

// where is "file:line" for warnings.
func (b *builder) where(path []string) string {
	if l := b.idx.line(path); l > 0 {
		return fmt.Sprintf("%s:%d", b.file, l)
	}
	return b.file
}

// maxNameLen bounds target names: they are column values in reports and
// the console.
const maxNameLen = 32

// targetName checks a target name: it keys plans, links and history, so it
// is plain ASCII.
func (b *builder) targetName(path []string, t text) string {
	if !t.set || t.bad {
		return ""
	}
	switch {
	case len(t.val) > maxNameLen:
		b.fail(path, "%s is longer than %d characters", t.show(), maxNameLen)
	case !validName(t.val):
		b.fail(path, `%s may hold only letters, digits, "-" and "_" (it names the target in plans, reports and the database)`, t.show())
	default:
		return t.val
	}
	return ""
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
