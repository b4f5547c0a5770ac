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
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/neyross"
	"github.com/doorsync/doorsync/internal/target/ntk"
)

// A target that rejected its credentials — a terminal, NEYROSS or NTK — is
// not contacted again with those credentials by later runs (cron every few
// minutes, watch every minute) until the hold ends: every run would
// otherwise cost one or two failed logins and keep the account locked out.
//
// A hold belongs to the credentials that failed (a keyed hash of them, the
// fingerprint; never the secret): a run with other credentials — the
// configuration fixed — is not held and leaves the hold alone, so a stale
// `watch` still running with the old password stays held while the fixed
// run goes on (each used to lift the other's hold). A hold ends after
// authHoldMin (or the system's own lockout when longer), and then the old
// credentials are tried once more — unless other credentials worked on the
// target after it began: then the old ones are known to be wrong, and the
// process holding them never tries them again (it must be restarted with
// the new configuration).
//
// The admin is told of a hold once when it begins (the run that was
// refused notifies, as any partial run does) and reminded once a day while
// it lasts (authRemindEvery); runs in between leave the held target out
// quietly (engine.Quiet): still partial, without a notification.
const (
	authHoldPrefix  = "auth.hold."
	authGoodPrefix  = "auth.ok."
	authSaltKey     = "auth.salt"
	authHoldMin     = 6 * time.Hour
	authRemindEvery = 24 * time.Hour
)

// authHold is what the database remembers of one hold, under holdKey
// (names are unique across all targets: config enforces it; earlier
// versions kept one hold a target, under authHoldPrefix + name).
// Credentials is the keyed hash of what failed; the password or token is
// never stored.
type authHold struct {
	Credentials string    `json:"credentials"`
	Since       time.Time `json:"since"`
	Until       time.Time `json:"until"`
	Reason      string    `json:"reason"`
	// Told is when a notification last told of the hold (zero: not yet).
	Told time.Time `json:"told,omitzero"`
}

// authGood remembers, under authGoodPrefix + name, the credentials last
// seen working on a target (a keyed hash) and when.
type authGood struct {
	Credentials string    `json:"credentials"`
	At          time.Time `json:"at"`
}

// holdKey is where the hold of a target's credentials (tag) is kept.
func holdKey(name, tag string) string { return authHoldPrefix + name + "#" + tag[:min(len(tag), 16)] }

// holds is the credential-hold policy over one configuration and
// database, and what this process learnt: credentials of its own known to
// be wrong because others worked since (never tried again by it).
type holds struct {
	cfg   *config.Config
	store *store.Store
	clock clock.Clock

	mu         sync.Mutex
	superseded map[string]*supersession // by target name
}

// supersession is a hold of this process's credentials that other
// credentials outdated.
type supersession struct {
	tag  string
	hold authHold
	good time.Time // when the other credentials last worked, as first seen
}

func newHolds(cfg *config.Config, st *store.Store, clk clock.Clock) *holds {
	return &holds{cfg: cfg, store: st, clock: clk, superseded: map[string]*supersession{}}
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

// holdCheck is what check found of one target's hold.
type holdCheck struct {
	// held is the error that keeps the target out of this run (nil: not
	// held).
	held error
	// tell: the admin has not been told of the hold for authRemindEvery
	// (or ever); otherwise the run leaves the target out quietly.
	tell bool
	// lifted: a hold of these credentials ended (its time ran out, or its
	// record could not be read).
	lifted bool
}

// check reads the hold of the target called name for the credentials
// configured now. A hold of other credentials is left alone (it is
// another process's, or the configuration's before it was fixed).
func (h *holds) check(ctx context.Context, name string) (holdCheck, error) {
	c, ok := credentialsOf(h.cfg, name)
	if !ok {
		return holdCheck{}, nil
	}
	tag, err := credentialTag(ctx, h.store, c)
	if err != nil || tag == "" {
		return holdCheck{}, err
	}
	now := h.clock.Now()
	h.mu.Lock()
	sup := h.superseded[name]
	h.mu.Unlock()
	if sup != nil && sup.tag == tag {
		return holdCheck{held: h.supersededError(c, sup), tell: !now.Before(sup.hold.Told.Add(authRemindEvery))}, nil
	}
	hold, found, err := h.read(ctx, name, tag)
	if err != nil || !found {
		return holdCheck{}, err
	}
	if hold.Credentials != tag {
		// Unreadable: lifted, the credentials are tried again.
		return holdCheck{lifted: true}, h.delete(ctx, holdKey(name, tag))
	}
	good, err := h.good(ctx, name)
	if err != nil {
		return holdCheck{}, err
	}
	if good.Credentials != "" && good.Credentials != tag && good.At.After(hold.Since) {
		// Other credentials worked since these failed: these are wrong,
		// and this process never tries them again.
		sup = &supersession{tag: tag, hold: hold, good: good.At}
		h.mu.Lock()
		h.superseded[name] = sup
		h.mu.Unlock()
		return holdCheck{held: h.supersededError(c, sup), tell: !now.Before(hold.Told.Add(authRemindEvery))}, nil
	}
	if !now.Before(hold.Until) {
		return holdCheck{lifted: true}, h.delete(ctx, holdKey(name, tag))
	}
	w := wordingOf(c.system)
	return holdCheck{
		held: fmt.Errorf("%s: not contacted: it %s at %s (%s); doorsync leaves it alone until %s or until its %s in the configuration changes — %s",
			targetSubject(c.system, name), w.rejected, h.local(hold.Since), hold.Reason, h.local(hold.Until), w.secret, w.advice),
		tell: !now.Before(hold.Told.Add(authRemindEvery)),
	}, nil
}

// supersededError says why a process whose credentials were outdated
// leaves the target alone for good.
func (h *holds) supersededError(c credentials, sup *supersession) error {
	w := wordingOf(c.system)
	return fmt.Errorf("%s: not contacted: it %s at %s (%s), and another %s has worked since (%s): this process still runs with the old configuration and will not try it again — restart it (watch and the console read the configuration when they start)",
		targetSubject(c.system, c.name), w.rejected, h.local(sup.hold.Since), sup.hold.Reason, w.secret, h.local(sup.good))
}

// local is an instant as messages show it: the configured zone's wall
// clock, to the minute.
func (h *holds) local(t time.Time) string { return t.In(h.cfg.Zone).Format("2006-01-02 15:04") }

// read finds the hold of the target's credentials tag: under its own key,
// or under the one key earlier versions kept for the target (moved to its
// own key when it is this tag's; left alone when another's, until it ends).
// A record that cannot be decoded comes back with no Credentials.
func (h *holds) read(ctx context.Context, name, tag string) (authHold, bool, error) {
	var hold authHold
	raw, found, err := h.store.State(ctx, holdKey(name, tag))
	if err != nil {
		return hold, false, err
	}
	if found {
		if json.Unmarshal([]byte(raw), &hold) != nil {
			hold = authHold{}
		}
		return hold, true, nil
	}
	legacy := authHoldPrefix + name
	raw, found, err = h.store.State(ctx, legacy)
	if err != nil || !found {
		return hold, false, err
	}
	if json.Unmarshal([]byte(raw), &hold) != nil || !h.clock.Now().Before(hold.Until) {
		return authHold{}, false, h.delete(ctx, legacy)
	}
	if hold.Credentials != tag {
		return authHold{}, false, nil
	}
	if err := h.write(ctx, name, hold); err != nil {
		return hold, false, err
	}
	return hold, true, h.delete(ctx, legacy)
}

func (h *holds) write(ctx context.Context, name string, hold authHold) error {
	b, err := json.Marshal(hold)
	if err != nil {
		return err
	}
	return h.store.SetState(ctx, holdKey(name, hold.Credentials), string(b))
}

func (h *holds) delete(ctx context.Context, key string) error {
	if h.store.ReadOnly() {
		return nil
	}
	return h.store.DeleteState(ctx, key)
}

// good is the credentials last seen working on the target (zero: none
// known).
func (h *holds) good(ctx context.Context, name string) (authGood, error) {
	var g authGood
	raw, found, err := h.store.State(ctx, authGoodPrefix+name)
	if err != nil || !found {
		return g, err
	}
	if json.Unmarshal([]byte(raw), &g) != nil {
		return authGood{}, nil
	}
	return g, nil
}

// apply marks in c.held the targets held after rejected credentials, and
// in c.tell those the admin is to be told of in this run; the engine
// built of c leaves them out (engine.Hold, engine.Quiet): terminals and
// NEYROSS are reported in the plan as failed targets, NTK uploads
// nothing. Holds of these credentials whose time ran out are lifted. It
// returns the names of targets whose hold was lifted (watch reconciles
// them fully).
func (h *holds) apply(ctx context.Context, c *clients) ([]string, error) {
	var names []string
	for _, t := range c.targets {
		names = append(names, t.Info().Name)
	}
	for _, l := range c.lists {
		names = append(names, l.Target.Info().Name)
	}
	var lifted []string
	for _, name := range names {
		hc, err := h.check(ctx, name)
		if err != nil {
			return nil, err
		}
		if hc.lifted {
			lifted = append(lifted, name)
		}
		c.held[name] = hc.held
		c.tell[name] = hc.held != nil && hc.tell
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

// runFacts is what a run learnt of its targets, for the holds.
type runFacts struct {
	// readErrs are why targets could not be read (nil: all were).
	readErrs map[string]error
	// full: the targets not held were read in full (a fresh fetch), so
	// one read without an error is credentials that work.
	full bool
	// outcome is what the run applied and whether it notified; nil for a
	// plan without applying.
	outcome *engine.Outcome
}

// record remembers the targets that rejected their credentials in this
// run — terminals, NEYROSS, NTK — and returns one Stop each, for the face
// to show. It also remembers the credentials that worked (a target read
// in full or written to), which outdate other credentials' holds, and,
// when the run notified, that the admin was told of the holds it left out.
func (h *holds) record(ctx context.Context, c *clients, r runFacts) []Stop {
	type stop struct {
		name string
		err  error
	}
	var stops []stop
	worked := map[string]bool{}
	if r.outcome != nil {
		for _, res := range r.outcome.Results {
			if res.Status == apply.Applied {
				worked[res.Item.Target] = true
			}
		}
	}
	for _, t := range c.reading() {
		name := t.Info().Name
		if err := stopOf(t, r.readErrs[name]); err != nil {
			stops = append(stops, stop{name, err})
			worked[name] = false
		} else if r.full && r.readErrs[name] == nil {
			worked[name] = true
		}
	}
	for _, l := range c.lists {
		name := l.Target.Info().Name
		st, ok := l.Target.(target.Stopper)
		if c.held[name] != nil || !ok {
			continue
		}
		// A 403 may be NTK's allow list, not the password: fixing the list
		// must not wait for a hold to end, so only a 401 is held.
		var te *target.Error
		if err := st.Stopped(); err != nil && !(errors.As(err, &te) && te.Code == ntk.CodeForbidden) {
			stops = append(stops, stop{name, err})
			worked[name] = false
		}
	}
	now := h.clock.Now()
	notified := r.outcome != nil && r.outcome.Notified
	for name, ok := range worked {
		if ok && c.held[name] == nil {
			h.worked(ctx, name, now)
		}
	}
	if notified {
		for name, tell := range c.tell {
			if tell {
				h.told(ctx, name, now)
			}
		}
	}
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
			hold := authHold{Credentials: tag, Since: now, Until: until, Reason: w.reason}
			if notified {
				// The run's notification told of the refusal.
				hold.Told = now
			}
			err = h.write(ctx, st.name, hold)
		}
		if err != nil {
			out = append(out, Stop{Target: st.name, Subject: subject, Err: err})
			continue
		}
		out = append(out, Stop{Target: st.name, Subject: subject, Until: until,
			Detail: fmt.Sprintf("stopped after it %s; later runs leave it alone until %s or until its %s in the configuration changes",
				w.rejected, h.local(until), w.secret)})
	}
	return out
}

// worked remembers that the target's configured credentials worked at
// now. Failing to is no harm: a stale process's hold then ends by time.
func (h *holds) worked(ctx context.Context, name string, now time.Time) {
	tag, ok := h.tagOf(ctx, name)
	if !ok {
		return
	}
	if b, err := json.Marshal(authGood{Credentials: tag, At: now}); err == nil {
		_ = h.store.SetState(ctx, authGoodPrefix+name, string(b))
	}
}

// tagOf is the fingerprint of the credentials configured for the target
// called name (false: none, or it cannot be had now).
func (h *holds) tagOf(ctx context.Context, name string) (string, bool) {
	c, ok := credentialsOf(h.cfg, name)
	if !ok {
		return "", false
	}
	tag, err := credentialTag(ctx, h.store, c)
	return tag, err == nil && tag != ""
}

// told remembers that a notification told of the target's hold at now
// (the next reminder is due authRemindEvery later).
func (h *holds) told(ctx context.Context, name string, now time.Time) {
	h.mu.Lock()
	if sup := h.superseded[name]; sup != nil {
		sup.hold.Told = now
	}
	h.mu.Unlock()
	tag, ok := h.tagOf(ctx, name)
	if !ok {
		return
	}
	hold, found, err := h.read(ctx, name, tag)
	if err != nil || !found || hold.Credentials != tag {
		return
	}
	hold.Told = now
	_ = h.write(ctx, name, hold)
}
