package service

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/backend"
	"github.com/doorsync/doorsync/internal/target"
)

// EventsWindowDays is how far back the console's detail reads door events:
// "why can't this member get in?" is about the last weeks.
const EventsWindowDays = 30

// InteractiveRetry bounds the retries of a read an operator waits for (a
// busy terminal): a few seconds, not the run's budget of minutes.
const InteractiveRetry = 15 * time.Second

// Events reads the door events of the given accounts from the session's
// targets that keep an event log, each target in parallel (the accounts of
// one target one after another: a terminal takes one request at a time).
// The session's targets live as long as the service, so a terminal that
// rejected the credentials twice is stopped for the rest of it rather than
// asked again each time a detail opens; held terminals are not contacted.
// A target that fails is reported in Failed and costs the others nothing.
func (s *Service) Events(ctx context.Context, refs []backend.AccountRef, limit int) (backend.EventsResult, error) {
	if limit < 1 {
		return backend.EventsResult{}, fmt.Errorf("door events: limit %d, want at least 1", limit)
	}
	now := s.clock.Now()
	since := now.AddDate(0, 0, -EventsWindowDays)
	res := backend.EventsResult{Since: since}
	eng, ses := s.session.eng, s.session.clients
	readers := map[string]target.EventReader{}
	for _, t := range ses.reading() {
		if er, ok := t.(target.EventReader); ok {
			readers[t.Info().Name] = er
		}
	}
	held := ses.held
	var names []string
	accounts := map[string][]string{}
	for _, r := range refs {
		if _, ok := accounts[r.Target]; !ok {
			names = append(names, r.Target)
		}
		if !slices.Contains(accounts[r.Target], r.Account) {
			accounts[r.Target] = append(accounts[r.Target], r.Account)
		}
	}
	type read struct {
		asked   bool
		entries []backend.EventEntry
		notes   []string
		err     error
	}
	reads := make([]read, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		if err := held[name]; err != nil {
			reads[i].err = err
			continue
		}
		er, ok := readers[name]
		if !ok {
			continue // keeps no event log (NTK), or not configured any more
		}
		reads[i].asked = true
		wg.Go(func() {
			for _, acc := range accounts[name] {
				q := target.EventQuery{Account: acc, Since: since, Until: now, Limit: limit}
				var evs []target.Event
				var notes []string
				err := eng.Try(ctx, name, InteractiveRetry, func() error {
					var err error
					if en, ok := er.(target.EventNoter); ok {
						evs, notes, err = en.EventsNoted(ctx, q)
					} else {
						evs, err = er.Events(ctx, q)
					}
					return err
				})
				if err != nil {
					reads[i].entries, reads[i].notes, reads[i].err = nil, nil, err
					return
				}
				for _, e := range evs {
					reads[i].entries = append(reads[i].entries, backend.EventEntry{Target: name, Event: e})
				}
				for _, n := range notes {
					reads[i].notes = append(reads[i].notes, name+": "+n)
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return backend.EventsResult{}, err
	}
	for i, name := range names {
		switch r := reads[i]; {
		case r.err != nil:
			// Target errors name the target ("terminal gym: …").
			res.Failed = append(res.Failed, r.err.Error())
		case r.asked:
			res.Read = append(res.Read, name)
			res.Entries = append(res.Entries, r.entries...)
			res.Notes = append(res.Notes, r.notes...)
		}
	}
	slices.SortStableFunc(res.Entries, func(a, b backend.EventEntry) int { return b.Time.Compare(a.Time) })
	res.Entries = res.Entries[:min(len(res.Entries), limit)]
	return res, nil
}
