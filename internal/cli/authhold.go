package cli

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

	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/plan"
	"github.com/doorsync/doorsync/internal/store"
	"github.com/doorsync/doorsync/internal/target"
)

// A terminal that rejected its credentials is not contacted again by later
// runs (cron every few minutes, watch every minute) until its credentials in
// the configuration change or the hold ends: every run would otherwise cost
// one or two failed logins and keep the account locked out.
const (
	authHoldPrefix = "auth.hold."
	authSaltKey    = "auth.salt"
	authHoldMin    = 6 * time.Hour
)

// authHold is what the database remembers. Credentials is a keyed hash that
// tells whether the configuration changed; the password is never stored.
type authHold struct {
	Credentials string    `json:"credentials"`
	Since       time.Time `json:"since"`
	Until       time.Time `json:"until"`
	Reason      string    `json:"reason"`
}

// credentialTag is an HMAC of the terminal's URL, user and password under a
// random key kept in the database.
func credentialTag(ctx context.Context, st *store.Store, h config.Hikvision) (string, error) {
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
	fmt.Fprintf(m, "%s\x00%s\x00%s", h.URL, h.Username, h.Password.Value())
	return hex.EncodeToString(m.Sum(nil)), nil
}

// holdTargets leaves out of this run the terminals held after rejected
// credentials, and reports them in the plan as failed targets. Holds whose
// credentials changed or whose time ran out are lifted. It returns the
// names of terminals whose hold was lifted (watch reconciles them fully).
func (a *App) holdTargets(ctx context.Context, s *session) ([]string, error) {
	var kept []target.Target
	var lifted []string
	for _, t := range s.engine.Targets {
		name := t.Info().Name
		h, ok := s.cfg.HikvisionNamed(name)
		raw, found, err := s.store.State(ctx, authHoldPrefix+name)
		if err != nil {
			return nil, err
		}
		if !ok || !found {
			kept = append(kept, t)
			continue
		}
		var hold authHold
		tag, err := credentialTag(ctx, s.store, h)
		if err != nil {
			return nil, err
		}
		if json.Unmarshal([]byte(raw), &hold) != nil || hold.Credentials != tag || !a.Clock.Now().Before(hold.Until) {
			if !s.store.ReadOnly() {
				if err := s.store.DeleteState(ctx, authHoldPrefix+name); err != nil {
					return nil, err
				}
			}
			lifted = append(lifted, name)
			kept = append(kept, t)
			continue
		}
		s.engine.Held = append(s.engine.Held, plan.TargetState{Info: t.Info(), Err: fmt.Errorf(
			"terminal %s: not contacted: it rejected these credentials at %s (%s); doorsync leaves it alone until %s or until its password in the configuration changes — check with doorsync doctor",
			name, hold.Since.In(s.cfg.Zone).Format("2006-01-02 15:04"), hold.Reason, hold.Until.In(s.cfg.Zone).Format("2006-01-02 15:04"))})
	}
	s.engine.Targets = kept
	return lifted, nil
}

// recordHolds remembers the terminals that rejected their credentials in
// this run: stopped after two failures, or failed to be read because of one.
func (a *App) recordHolds(ctx context.Context, s *session, p Printer, readErrs map[string]error) {
	now := a.Clock.Now()
	for _, t := range s.engine.Targets {
		name := t.Info().Name
		var stopErr error
		if st, ok := t.(target.Stopper); ok {
			stopErr = st.Stopped()
		}
		if err := readErrs[name]; stopErr == nil && err != nil && target.ClassOf(err) == target.Auth {
			stopErr = err
		}
		if stopErr == nil {
			continue
		}
		h, ok := s.cfg.HikvisionNamed(name)
		if !ok {
			continue
		}
		until := now.Add(authHoldMin)
		var te *target.Error
		if errors.As(stopErr, &te) {
			if lock := time.Duration(te.LockSeconds) * time.Second; now.Add(lock).After(until) {
				until = now.Add(lock)
			}
		}
		tag, err := credentialTag(ctx, s.store, h)
		if err == nil {
			var b []byte
			b, err = json.Marshal(authHold{Credentials: tag, Since: now, Until: until, Reason: "login rejected"})
			if err == nil {
				err = s.store.SetState(ctx, authHoldPrefix+name, string(b))
			}
		}
		if err != nil {
			p.Print(Line{Status: StatusWarn, Subject: "terminal " + name, Detail: "could not remember the authentication stop: " + err.Error()})
			continue
		}
		p.Print(Line{Status: StatusFail, Subject: "terminal " + name,
			Detail: fmt.Sprintf("stopped after the terminal rejected the credentials; later runs leave it alone until %s or until its password in the configuration changes", until.In(s.cfg.Zone).Format("2006-01-02 15:04"))})
	}
}
