package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"

	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/service"
	"github.com/doorsync/doorsync/internal/store"
)

// session is what a command works with: the configuration, the database
// and the application service built over them.
type session struct {
	cfg   *config.Config
	store *store.Store
	svc   *service.Service
}

func (s *session) close() {
	s.svc.Close()
	_ = s.store.Close()
}

// openSession loads the configuration (printing its warnings), opens the
// database (read-only when asked) and builds the service.
func (a *App) openSession(ctx context.Context, g *globalOptions, readOnly bool) (*session, error) {
	cfg, err := a.loadConfigWarned(g)
	if err != nil {
		return nil, err
	}
	return a.sessionOn(ctx, g, cfg, readOnly)
}

// loadConfigWarned is loadConfig printing the configuration's warnings.
func (a *App) loadConfigWarned(g *globalOptions) (*config.Config, error) {
	cfg, err := a.loadConfig(g)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(a.Stderr, "doorsync: warning: %s\n", w)
	}
	return cfg, nil
}

// sessionOn opens the database of cfg and builds the service: every
// command that opens the database comes through here (backup, which only
// reads it, checks its owner too). As root, another
// user's database is refused (exit 2) before it is touched. A
// configuration the clients cannot be built from is a usage error.
func (a *App) sessionOn(ctx context.Context, g *globalOptions, cfg *config.Config, readOnly bool) (*session, error) {
	if err := a.checkDatabaseOwner(g, cfg.Database); err != nil {
		return nil, err
	}
	var st *store.Store
	var err error
	if readOnly {
		st, err = store.OpenReadOnly(ctx, cfg.Database, a.Clock)
	} else {
		st, err = store.Open(ctx, cfg.Database, a.Clock)
	}
	if err != nil {
		return nil, failedError(fmt.Errorf("database %s: %w", cfg.Database, err))
	}
	svc, err := service.New(ctx, cfg, service.Deps{Store: st, Clock: a.Clock, User: a.currentUser(), Host: hostname()})
	if err != nil {
		_ = st.Close()
		return nil, serviceError(err)
	}
	return &session{cfg: cfg, store: st, svc: svc}, nil
}

// serviceError gives an error of the service its exit code: a
// configuration the clients cannot be built from is a usage error,
// everything else a failure.
func serviceError(err error) error {
	var ce *service.ConfigError
	if errors.As(err, &ce) {
		return usageError(err)
	}
	return failedError(err)
}

func (a *App) currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	v, _ := a.LookupEnv("USER")
	return v
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}
