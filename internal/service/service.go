// Package service is the application: what the console and the commands
// both need, built once from the configuration and the database with
// New(ctx, cfg, Deps) (its fields unexported; Close releases its
// clients, the store stays the caller's). It implements the console's
// backend.Backend; the CLI only parses options, calls it and prints.
//
// It keeps one session engine whose clients live as long as the service,
// for what is not a run (links add and import, door events, re-planning):
// a terminal that rejected the credentials twice stays stopped for the
// session instead of being asked again each time a detail opens. Every run
// (a refresh, an apply, --auto, plan, a watch pass) gets a fresh engine
// with fresh clients, because terminals count authentication failures for
// their client's whole life. A target that rejected its credentials is kept
// out of later runs with the same credentials until the hold ends
// (holds.go): every run would otherwise cost failed logins and keep the
// account locked out.
//
// Where things live: service.go New and the runs' engines; compose.go and
// clients.go the clients and a run's engine from the configuration (the
// clients know no configuration: each table is translated here); holds.go
// the credential holds; sync.go Sync, Plan and the checks of a saved plan;
// console.go and progress.go the console's backend (first frame, refresh,
// apply, re-planning); watch.go watch's passes (full or incremental, the
// poll time, the pause after failures); links.go the links; import.go the
// one iVMS import flow, for `links import` and the console alike;
// events.go door events fanned out over the targets that keep a log;
// history.go the history mapped to the console's types and run reports;
// doctor.go doctor's read-only checks of every system (a function, not a
// method: it needs no database).
//
// Tested against the emulated site on a manual clock (service_test.go:
// refresh and apply write what was approved, a held target is left alone
// until its credentials change, the console and the command import the
// same links, door events name a failing target; doctor_test.go: doctor
// checks every system in order without writing, stops at a rejected
// login, retries a busy terminal and reports a silent one after one try),
// and through the CLI's end-to-end tests.
package service

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/engine"
	"github.com/doorsync/doorsync/internal/store"
)

// Deps are what the service takes from the outside world besides the
// configuration.
type Deps struct {
	// Store is the database, opened read-only or not by the caller, who
	// closes it after the service.
	Store *store.Store
	Clock clock.Clock
	// User and Host are recorded with every run and every link.
	User, Host string
	// NotifyHTTP is the webhook notifier's HTTP client; nil: one with a
	// 30-second timeout.
	NotifyHTTP *http.Client
}

// Service is the application over one configuration and one database.
// Its methods are safe to call from several goroutines (the console does).
type Service struct {
	cfg        *config.Config
	store      *store.Store
	clock      clock.Clock
	user, host string
	notifyHTTP *http.Client
	holds      *holds
	// session is the engine, with its clients, that lives as long as the
	// service: what is not a run uses it (links add and import, door
	// events, re-planning), so a terminal that rejected the credentials
	// twice stays stopped for the rest of the session rather than being
	// asked again each time a detail opens.
	session *run
	// inFlight counts the console's applies still running; interrupted is
	// set when one ended because its context did (Close, Wait).
	inFlight    sync.WaitGroup
	interrupted atomic.Bool
}

var _ backend.Backend = (*Service)(nil)

// ConfigError is a configuration the clients cannot be built from (a
// usage error for the CLI, exit 2).
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// New builds the service: the session's clients, with the targets held
// after rejected credentials left out when the database is writable.
// Close releases the clients.
func New(ctx context.Context, cfg *config.Config, deps Deps) (*Service, error) {
	if deps.Store == nil || deps.Clock == nil {
		return nil, errors.New("service: a store and a clock are needed")
	}
	s := &Service{cfg: cfg, store: deps.Store, clock: deps.Clock, user: deps.User, host: deps.Host, notifyHTTP: deps.NotifyHTTP}
	if s.notifyHTTP == nil {
		s.notifyHTTP = &http.Client{Timeout: 30 * time.Second}
	}
	s.holds = newHolds(cfg, deps.Store, deps.Clock)
	ses, err := s.newRun(ctx, nil)
	if err != nil {
		return nil, err
	}
	s.session = ses
	return s, nil
}

// Close waits for the runs still in flight (a console apply stopping
// after its requests in flight, when the console was told to quit by a
// signal), so that each is recorded as finished before the caller closes
// the store, then releases the session's clients; the store stays the
// caller's.
func (s *Service) Close() {
	s.Wait()
	s.session.close()
}

// Wait waits for the runs in flight and reports whether one of them was
// interrupted (its context ended while it ran): the face says so and
// exits 1, as an interrupted --auto does.
func (s *Service) Wait() (interrupted bool) {
	s.inFlight.Wait()
	return s.interrupted.Load()
}

// running marks a run in flight until the returned func is called; ctx is
// the run's, to tell whether it was interrupted.
func (s *Service) running(ctx context.Context) func() {
	s.inFlight.Add(1)
	return func() {
		if ctx.Err() != nil {
			s.interrupted.Store(true)
		}
		s.inFlight.Done()
	}
}

// User is who the service records runs and links as.
func (s *Service) User() string { return s.user }

// run is an engine with its own clients: one run's, or the session's.
type run struct {
	eng     *engine.Engine
	clients *clients
	lifted  []string // targets whose hold was lifted for this run
}

func (r *run) close() { r.clients.close() }

// newRun builds a fresh engine with fresh clients for one run, told what
// happens by obs (nil: nobody), with the targets held after rejected
// credentials left out (holds.go) when the database is writable.
func (s *Service) newRun(ctx context.Context, obs engine.Observer) (*run, error) {
	c, err := s.newClients()
	if err != nil {
		return nil, &ConfigError{err}
	}
	r := &run{clients: c}
	if !s.store.ReadOnly() {
		// Bookkeeping of the local database: done whatever the stop.
		if r.lifted, err = s.holds.apply(context.WithoutCancel(ctx), c); err != nil {
			c.close()
			return nil, err
		}
	}
	r.eng = s.newEngine(c, obs)
	return r, nil
}

// remember records the holds of the targets that rejected their
// credentials in the run, the credentials that worked, and whether the
// admin was told of the holds (what tells what the run learnt).
func (s *Service) remember(ctx context.Context, r *run, what runFacts) []Stop {
	if s.store.ReadOnly() {
		return nil
	}
	return s.holds.record(context.WithoutCancel(ctx), r.clients, what)
}
