package service

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/neyross"
	"github.com/doorsync/doorsync/internal/target/ntk"
)

// A target that rejected its credentials — a terminal, NEYROSS or NTK — is
// not contacted again by later runs (cron every few minutes, watch every
// minute) until its credentials in the configuration change or the hold
// ends: every run would otherwise cost one or two failed logins and keep
// the account locked out.
const (
	authHoldPrefix = "auth.hold."
	authSaltKey    = "auth.salt"
	authHoldMin    = 6 * time.Hour
)

// authHold is what the database remembers, under authHoldPrefix + the
// target's name (names are unique across all targets: config enforces it).
// Credentials is a keyed hash that tells whether the configuration
// changed; the password or token is never stored.
type authHold struct {
	Credentials string    `json:"credentials"`
	Since       time.Time `json:"since"`
	Until       time.Time `json:"until"`
	Reason      string    `json:"reason"`
}

// holds is the credential-hold policy over one configuration and database.
type holds struct {
	cfg   *config.Config
	store *store.Store
	clock clock.Clock
}

// hikvisionSystem is target.Info().System of a terminal.
const hikvisionSystem = "hikvision"

// credentials are what one target logs in with, and how messages speak of
// that target.
type credentials struct {
	system string // hikvisionSystem, neyross.System or ntk.System
	name   string
	url    string
	user   string // "" for NEYROSS (a bearer token only)
	secret string // password or token: only ever hashed, never printed
}

// credentialsOf finds the configured target called name.
func credentialsOf(cfg *config.Config, name string) (credentials, bool) {
	if h, ok := cfg.HikvisionNamed(name); ok {
		return credentials{system: hikvisionSystem, name: name, url: h.URL, user: h.Username, secret: h.Password.Value()}, true
	}
	if n := cfg.Neyross; n != nil && n.Name == name {
		return credentials{system: neyross.System, name: name, url: n.URL, secret: n.Token.Value()}, true
	}
	if n := cfg.NTK; n != nil && n.Name == name {
		return credentials{system: ntk.System, name: name, url: n.URL, user: n.Username, secret: n.Password.Value()}, true
	}
	return credentials{}, false
}

// TargetSubject names a target in printed lines: see targetSubject.
func TargetSubject(system, name string) string { return targetSubject(system, name) }

// SubjectOf names the target of cfg called name in printed lines
// ("terminal entrance", "NTK"); a name not configured is spoken of as a
// terminal.
func SubjectOf(cfg *config.Config, name string) string {
	c, _ := credentialsOf(cfg, name)
	return targetSubject(c.system, name)
}

// targetSubject names a target in printed lines: "terminal entrance",
// "NEYROSS", "NTK", or "NEYROSS main" when the configured name is not the
// system's own.
func targetSubject(system, name string) string {
	label := map[string]string{neyross.System: "NEYROSS", ntk.System: "NTK"}[system]
	switch {
	case label == "":
		return "terminal " + name
	case name == system || name == "":
		return label
	}
	return label + " " + name
}

// holdWording is how messages speak of a hold on one kind of system.
type holdWording struct {
	secret   string // what to change in the configuration
	rejected string // what the system did, after "it"
	reason   string // stored in the hold, shown in brackets
	advice   string // how to fix it, after the dash
}

func wordingOf(system string) holdWording {
	switch system {
	case neyross.System:
		return holdWording{secret: "token", rejected: "rejected the API token", reason: "API token rejected",
			advice: "copy the current token from the EIS plugin settings (it may have been regenerated); check with doorsync doctor"}
	case ntk.System:
		return holdWording{secret: "password", rejected: "refused the upload credentials", reason: "upload login rejected",
			advice: "the username and password are agreed with NTK (doctor cannot check them); the next run uploads the list"}
	}
	return holdWording{secret: "password", rejected: "rejected these credentials", reason: "login rejected",
		advice: "check with doorsync doctor"}
}

// credentialTag is an HMAC of the target's URL, user and secret under a
// random key kept in the database. For NEYROSS and NTK the system is hashed
// too; terminals' tags stay as they were before the other systems had
// holds, so that holds stored by earlier versions still match.
func credentialTag(ctx context.Context, st *store.Store, c credentials) (string, error) {
	salt, ok, err := st.State(ctx, authSaltKey)
	if err != nil {
		return "", err
	}
	if !ok {
		if st.ReadOnly() {
			return "", nil
		}
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		salt = hex.EncodeToString(b)
		if err := st.SetState(ctx, authSaltKey, salt); err != nil {
			return "", err
		}
	}
	m := hmac.New(sha256.New, []byte(salt))
	if c.system != hikvisionSystem {
		fmt.Fprintf(m, "%s\x00", c.system)
	}
	fmt.Fprintf(m, "%s\x00%s\x00%s", c.url, c.user, c.secret)
	return hex.EncodeToString(m.Sum(nil)), nil
}

// checkHold reads the hold of the target called name. It returns the
// error that keeps the target out of this run (nil: not held), and whether
// a stored hold was lifted because the credentials changed, the time ran
// out, or the record could not be read.
func (h holds) check(ctx context.Context, name string) (held error, lifted bool, err error) {
	c, ok := credentialsOf(h.cfg, name)
	if !ok {
		return nil, false, nil
	}
	raw, found, err := h.store.State(ctx, authHoldPrefix+name)
	if err != nil || !found {
		return nil, false, err
	}
	tag, err := credentialTag(ctx, h.store, c)
	if err != nil {
		return nil, false, err
	}
	var hold authHold
	if json.Unmarshal([]byte(raw), &hold) != nil || hold.Credentials != tag || !h.clock.Now().Before(hold.Until) {
		if !h.store.ReadOnly() {
			if err := h.store.DeleteState(ctx, authHoldPrefix+name); err != nil {
				return nil, false, err
			}
		}
		return nil, true, nil
	}
	w := wordingOf(c.system)
	return fmt.Errorf("%s: not contacted: it %s at %s (%s); doorsync leaves it alone until %s or until its %s in the configuration changes — %s",
		targetSubject(c.system, name), w.rejected, hold.Since.In(h.cfg.Zone).Format("2006-01-02 15:04"), hold.Reason,
		hold.Until.In(h.cfg.Zone).Format("2006-01-02 15:04"), w.secret, w.advice), false, nil
}

// apply marks in c.held the targets held after rejected credentials; the
// engine built of c leaves them out (engine.Hold): terminals and NEYROSS
// are reported in the plan as failed targets, NTK uploads nothing. Holds whose
// credentials changed or whose time ran out are lifted. It returns the
// names of targets whose hold was lifted (watch reconciles them fully).
func (h holds) apply(ctx context.Context, c *clients) ([]string, error) {
	var names []string
	for _, t := range c.targets {
		names = append(names, t.Info().Name)
	}
	for _, l := range c.lists {
		names = append(names, l.Target.Info().Name)
	}
	var lifted []string
	for _, name := range names {
		held, wasLifted, err := h.check(ctx, name)
		if err != nil {
			return nil, err
		}
		if wasLifted {
			lifted = append(lifted, name)
		}
		c.held[name] = held
	}
	return lifted, nil
}

// stopOf says whether a target stopped in this run because its
// credentials were rejected: stopped itself (target.Stopper: a terminal
// after two failures, NEYROSS at the first rejected token, also while
// writing), or failed to be read because of one.
func stopOf(t target.Target, readErr error) error {
	if st, ok := t.(target.Stopper); ok {
		if err := st.Stopped(); err != nil {
			return err
		}
	}
	if readErr != nil && target.ClassOf(readErr) == target.Auth {
		return readErr
	}
	return nil
}

// Stop is a target that rejected its credentials in a run, and the hold
// that keeps it out of later runs.
type Stop struct {
	Target  string
	Subject string // "terminal entrance", "NEYROSS", "NTK"
	Until   time.Time
	// Detail says what happened and until when the target is left alone.
	Detail string
	// Err is set when the hold could not be remembered (Detail is then
	// empty): the next run will try the target again.
	Err error
}

// record remembers the targets that rejected their credentials in this
// run — terminals, NEYROSS, NTK — and returns one Stop each, for the face
// to show.
func (h holds) record(ctx context.Context, c *clients, readErrs map[string]error) []Stop {
	type stop struct {
		name string
		err  error
	}
	var stops []stop
	for _, t := range c.reading() {
		if err := stopOf(t, readErrs[t.Info().Name]); err != nil {
			stops = append(stops, stop{t.Info().Name, err})
		}
	}
	for _, l := range c.lists {
		st, ok := l.Target.(target.Stopper)
		if c.held[l.Target.Info().Name] != nil || !ok {
			continue
		}
		// A 403 may be NTK's allow list, not the password: fixing the list
		// must not wait for a hold to end, so only a 401 is held.
		var te *target.Error
		if err := st.Stopped(); err != nil && !(errors.As(err, &te) && te.Code == ntk.CodeForbidden) {
			stops = append(stops, stop{l.Target.Info().Name, err})
		}
	}
	now := h.clock.Now()
	var out []Stop
	for _, st := range stops {
		c, ok := credentialsOf(h.cfg, st.name)
		if !ok {
			continue
		}
		subject, w := targetSubject(c.system, st.name), wordingOf(c.system)
		until := now.Add(authHoldMin)
		var te *target.Error
		if errors.As(st.err, &te) {
			if lock := time.Duration(te.LockSeconds) * time.Second; now.Add(lock).After(until) {
				until = now.Add(lock)
			}
		}
		tag, err := credentialTag(ctx, h.store, c)
		if err == nil {
			var b []byte
			b, err = json.Marshal(authHold{Credentials: tag, Since: now, Until: until, Reason: w.reason})
			if err == nil {
				err = h.store.SetState(ctx, authHoldPrefix+st.name, string(b))
			}
		}
		if err != nil {
			out = append(out, Stop{Target: st.name, Subject: subject, Err: err})
			continue
		}
		out = append(out, Stop{Target: st.name, Subject: subject, Until: until,
			Detail: fmt.Sprintf("stopped after it %s; later runs leave it alone until %s or until its %s in the configuration changes",
				w.rejected, until.In(h.cfg.Zone).Format("2006-01-02 15:04"), w.secret)})
	}
	return out
}
