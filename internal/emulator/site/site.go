// Package site runs a whole emulated site on loopback, each system on its
// own 127.0.0.1 port and filled from one generated data set (package
// dataset): Cardskipper, the Hikvision terminals (by default "entrance" and
// "gym", each with a firmware profile of its own when asked), a NEYROSS EIS
// platform and the NTK access-list upload, with the door events of the last
// two weeks on the terminals and the platform. `doorsync demo` and the
// end-to-end tests use it; every emulator shares the site's clock, so a
// test's site and App see the same "now".
package site

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/atomicfile"
	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/emulator"
	csemu "github.com/doorsync/doorsync/internal/emulator/cardskipper"
	"github.com/doorsync/doorsync/internal/emulator/dataset"
	hikemu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	neyemu "github.com/doorsync/doorsync/internal/emulator/neyross"
	ntkemu "github.com/doorsync/doorsync/internal/emulator/ntk"
	"github.com/doorsync/doorsync/internal/member"
)

// Options size the site.
type Options struct {
	Members int
	Seed    uint64
	Zone    *time.Location
	// Clock dates the data set, the door events and every emulator
	// (required): the demo passes clock.System{}, tests their clocktest
	// clock, which the App under test must share.
	Clock     clock.Clock
	Terminals []string      // default "entrance", "gym"
	Latency   time.Duration // per request, on every emulator
	// Firmware picks a firmware profile (hikemu.Profiles) per terminal name;
	// terminals not named play the guide's terminal.
	Firmware map[string]string
	// Passwords: empty means a random one per start (printed by the demo).
	CardskipperPassword string
	TerminalPassword    string
}

// DefaultTerminals names the terminals of a site started without
// Options.Terminals.
func DefaultTerminals() []string { return []string{"entrance", "gym"} }

// Endpoint is one running emulator and how to log in to it.
type Endpoint struct {
	Name     string
	System   string
	URL      string
	Username string
	Password string
	Log      *emulator.RequestLog
	Faults   *emulator.Faults
}

// Site is a running set of emulators.
type Site struct {
	Cardskipper       Endpoint
	CardskipperServer *csemu.Server
	Terminals         []Endpoint
	TerminalServers   map[string]*hikemu.Terminal
	// NTK is the emulated NTK access-list endpoint (URL includes the path).
	NTK       Endpoint
	NTKServer *ntkemu.Server
	// Neyross is the emulated NEYROSS EIS plugin; Password holds its token.
	Neyross       Endpoint
	NeyrossServer *neyemu.Server
	Data          dataset.Set
	Zone          *time.Location
	Clock         clock.Clock // Options.Clock: the site's now

	servers []*http.Server
	wg      sync.WaitGroup
}

// Start generates the data set and serves every emulator on its own
// 127.0.0.1 port. Stop it with Close (or by cancelling ctx).
func Start(ctx context.Context, o Options) (*Site, error) {
	if o.Zone == nil {
		return nil, errors.New("site: zone required")
	}
	if o.Clock == nil {
		return nil, errors.New("site: clock required")
	}
	if len(o.Terminals) == 0 {
		o.Terminals = DefaultTerminals()
	}
	// One reading seeds everything, so a site started a moment before
	// midnight does not straddle two days.
	now := o.Clock.Now()
	data, err := dataset.Generate(dataset.Options{Members: o.Members, Seed: o.Seed,
		Today: member.DateOf(now, o.Zone), Terminals: o.Terminals})
	if err != nil {
		return nil, err
	}
	s := &Site{Data: data, Zone: o.Zone, Clock: o.Clock, TerminalServers: map[string]*hikemu.Terminal{}}

	csPass := o.CardskipperPassword
	if csPass == "" {
		csPass = randomPassword()
	}
	s.Cardskipper = newEndpoint("cardskipper", "cardskipper", "api-admin", csPass, o.Seed, o.Latency)
	s.CardskipperServer = csemu.New(csemu.Config{
		Username: s.Cardskipper.Username, Password: csPass, Organisations: data.Organisations,
		Zone: o.Zone, Clock: o.Clock, Faults: s.Cardskipper.Faults, Log: s.Cardskipper.Log,
	})
	s.CardskipperServer.SetMembers(data.Members)
	if s.Cardskipper.URL, err = s.serve(ctx, s.CardskipperServer); err != nil {
		s.Close()
		return nil, err
	}

	tPass := o.TerminalPassword
	if tPass == "" {
		tPass = randomPassword()
	}
	for name := range o.Firmware {
		if !slices.Contains(o.Terminals, name) {
			return nil, fmt.Errorf("site: firmware for %q: no such terminal (terminals: %s)", name, strings.Join(o.Terminals, ", "))
		}
	}
	for i, name := range o.Terminals {
		ep := newEndpoint(name, "hikvision", "admin", tPass, o.Seed+uint64(i)+1, o.Latency)
		cfg := hikemu.Config{
			Username: ep.Username, Password: tPass, Model: "DS-K1T671MF",
			Zone: o.Zone, Clock: o.Clock, MaxRecords: max(1500, len(data.Terminals[name])+100),
			Faults: ep.Faults, Log: ep.Log,
		}
		if fw := o.Firmware[name]; fw != "" {
			p, err := hikemu.LookupProfile(fw)
			if err != nil {
				return nil, fmt.Errorf("site: terminal %s: %w", name, err)
			}
			cfg = p.Apply(cfg)
		}
		cfg.Serial = fmt.Sprintf("%s20250101V03%04d", cfg.Model, i+1)
		term := hikemu.New(cfg)
		term.SetPersons(data.Terminals[name])
		seedTerminalEvents(term, data.Terminals[name], o.Zone, now, o.Seed+uint64(i)+1)
		if ep.URL, err = s.serve(ctx, term); err != nil {
			s.Close()
			return nil, err
		}
		s.Terminals = append(s.Terminals, ep)
		s.TerminalServers[name] = term
	}

	s.NTK = newEndpoint("ntk", "ntk", "gym-ljubljana", csPass+"-ntk", o.Seed+100, o.Latency)
	s.NTKServer = ntkemu.New(ntkemu.Config{Username: s.NTK.Username, Password: s.NTK.Password, Zones: []int{55, 56},
		Clock: o.Clock, Faults: s.NTK.Faults, Log: s.NTK.Log})
	if s.NTK.URL, err = s.serve(ctx, s.NTKServer); err != nil {
		s.Close()
		return nil, err
	}
	s.NTK.URL += s.NTKServer.Path()

	// NEYROSS persons carry members' e-mails (some respelt), plus staff and
	// persons without one; names are Cyrillic.
	var emails []string
	for _, m := range data.Members {
		if m.Email != "" {
			emails = append(emails, m.Email)
		}
	}
	persons, err := neyemu.Generate(neyemu.GenOptions{Persons: max(50, len(data.Members)), Seed: o.Seed, Emails: emails,
		Now: now, Zone: o.Zone})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("site: neyross persons: %w", err)
	}
	alignNeyross(persons, data, o.Zone)
	s.Neyross = newEndpoint("neyross", "neyross", "", "eis-"+randomPassword(), o.Seed+200, o.Latency)
	s.NeyrossServer = neyemu.New(neyemu.Config{Token: s.Neyross.Password, Zone: o.Zone, Clock: o.Clock,
		Faults: s.Neyross.Faults, Log: s.Neyross.Log})
	s.NeyrossServer.SetPersons(persons)
	seedNeyrossEvents(s.NeyrossServer, persons, o.Zone, now, o.Seed+200)
	if s.Neyross.URL, err = s.serve(ctx, s.NeyrossServer); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func newEndpoint(name, system, user, pass string, seed uint64, latency time.Duration) Endpoint {
	f := emulator.NewFaults(seed)
	f.SetLatency(latency)
	return Endpoint{Name: name, System: system, Username: user, Password: pass, Log: &emulator.RequestLog{}, Faults: f}
}

func (s *Site) serve(ctx context.Context, h http.Handler) (string, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("site: listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	s.servers = append(s.servers, srv)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = srv.Serve(ln)
	}()
	return "http://" + ln.Addr().String(), nil
}

// Close stops every emulator and waits for them.
func (s *Site) Close() {
	for _, srv := range s.servers {
		_ = srv.Close()
	}
	s.wg.Wait()
	if s.NeyrossServer != nil {
		s.NeyrossServer.Close()
	}
}

func randomPassword() string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return "demo-" + hex.EncodeToString(b)
}

// ConfigTOML is a working doorsync.toml for this site. Passwords are written
// literally (the file is the demo's own; WriteConfig makes it 0600).
func (s *Site) ConfigTOML(database string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# doorsync configuration for the built-in emulators (doorsync demo --serve).\n")
	fmt.Fprintf(&b, "timezone = %q\n", s.Zone.String())
	fmt.Fprintf(&b, "database = %q\n\n", database)
	fmt.Fprintf(&b, "[cardskipper]\nurl = %q\nusername = %q\npassword = %q\norganisation_id = %d\nroles = []\n\n",
		s.Cardskipper.URL, s.Cardskipper.Username, s.Cardskipper.Password, dataset.OrganisationID)
	for _, t := range s.Terminals {
		fmt.Fprintf(&b, "[[hikvision]]\nname = %q\nurl = %q\nusername = %q\npassword = %q\nemail_field = \"extension\"\n\n",
			t.Name, t.URL, t.Username, t.Password)
	}
	fmt.Fprintf(&b, "[neyross]\nname = \"neyross\"\nurl = %q\ntoken = %q\nbatch = 100\n\n", s.Neyross.URL, s.Neyross.Password)
	fmt.Fprintf(&b, "[ntk]\nname = \"ntk\"\nurl = %q\nusername = %q\npassword = %q\ncard_field = \"extra1\"\n", s.NTK.URL, s.NTK.Username, s.NTK.Password)
	fmt.Fprintf(&b, "zones = { \"%d\" = [55, 56], \"%d\" = [55] }\n", dataset.RoleYearly, dataset.RoleStudent)
	fmt.Fprintf(&b, "student_roles = [%d]\nstudent_tags = [\"student\"]\nmin_interval = \"1h\"\n\n", dataset.RoleStudent)
	fmt.Fprintf(&b, "[policy]\nauto = [\"extend\", \"reactivate\"]\nmax_revocations = 25\nmax_revocation_percent = 10\n")
	return b.String()
}

// WriteConfig writes ConfigTOML to path with mode 0600.
func (s *Site) WriteConfig(path, database string) error {
	err := atomicfile.Write(path, 0o600, func(w io.Writer) error {
		_, err := io.WriteString(w, s.ConfigTOML(database))
		return err
	})
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	return nil
}

// alignNeyross gives the NEYROSS persons of members the members' end dates
// (as if both systems had been kept in step by hand), except every tenth,
// which still holds the end before the member's last renewal.
func alignNeyross(persons []neyemu.Person, data dataset.Set, zone *time.Location) {
	ends := map[string]member.Date{}
	names := map[string][2]string{}
	for _, m := range data.Members {
		e, err := member.NormalizeEmail(m.Email)
		if err != nil || e == "" {
			continue
		}
		if _, ok := names[string(e)]; !ok {
			names[string(e)] = [2]string{m.FirstName, m.LastName}
		}
		if m.Inactive {
			continue
		}
		for _, r := range m.Roles {
			if d, err := member.ParseDate(r.EndDate, zone); err == nil && d.After(ends[string(e)]) {
				ends[string(e)] = d
			}
		}
	}
	for i := range persons {
		e, err := member.NormalizeEmail(persons[i].Email)
		if n, ok := names[string(e)]; ok && err == nil {
			// The platform's operators typed the member's name in
			// Cyrillic (the patronymic stays the generator's): doorsync's
			// name check must see the same person on both sides.
			persons[i].Name, persons[i].Surname = cyrillic(n[0]), cyrillic(n[1])
		}
		end, ok := ends[string(e)]
		if err != nil || !ok {
			continue
		}
		if i%10 == 3 {
			end = end.AddDays(-30)
		}
		v := end.EndOfDay(zone).Unix()
		persons[i].Expiration = &v
	}
}

// Door events the emulators are seeded with: the last eventDays days, up to
// maxVisits visits a person, between 06:00 and 22:00.
const (
	eventDays = 14
	maxVisits = 3
)

// visitTimes draws a person's visits of the last eventDays days, oldest
// first. Someone whose access ended long ago still tries now and then,
// rarely; that denial at the door is what the console's events explain.
func visitTimes(rng *mrand.Rand, now time.Time, zone *time.Location, lapsedLongAgo bool) []time.Time {
	n := rng.IntN(maxVisits + 1)
	if lapsedLongAgo {
		n = 0
		if rng.IntN(5) == 0 {
			n = 1
		}
	}
	var out []time.Time
	today := now.In(zone)
	for range n {
		d := today.AddDate(0, 0, -rng.IntN(eventDays))
		at := time.Date(d.Year(), d.Month(), d.Day(), 6+rng.IntN(16), rng.IntN(60), rng.IntN(60), 0, zone)
		if at.Before(now) {
			out = append(out, at)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// seedTerminalEvents logs what a face terminal would have logged for its
// persons: a face verification (minor 75) while the person's validity
// period holds, now and then a failed match (76) just before, and "not in
// validity period" (minor 7) outside it — e.g. a renewal that has not
// reached the terminal yet. Persons whose period cannot be read get none.
// A terminal with a lapsed person always logs at least one refusal, on
// any date: it is what the console's door events explain.
func seedTerminalEvents(term *hikemu.Terminal, persons []hikemu.Person, zone *time.Location, now time.Time, seed uint64) {
	rng := mrand.New(mrand.NewPCG(seed, seed^0x5eed))
	var evs []hikemu.Event
	refused := false
	// Yesterday at 18:00: a time of day every date has, always in the past.
	y := now.In(zone).AddDate(0, 0, -1)
	lateVisit := time.Date(y.Year(), y.Month(), y.Day(), 18, 0, 0, 0, zone)
	var lapsed *hikemu.Person
	for _, p := range persons {
		begin, err1 := time.ParseInLocation("2006-01-02T15:04:05", p.Valid.BeginTime, zone)
		end, err2 := time.ParseInLocation("2006-01-02T15:04:05", p.Valid.EndTime, zone)
		if p.Valid.Enable && (err1 != nil || err2 != nil) {
			continue
		}
		valid := func(t time.Time) bool { return !p.Valid.Enable || (!t.Before(begin) && !t.After(end)) }
		if lapsed == nil && p.Valid.Enable && end.Before(lateVisit) {
			lapsed = &p
		}
		for _, at := range visitTimes(rng, now, zone, p.Valid.Enable && end.Before(now.AddDate(0, 0, -30))) {
			switch {
			case !valid(at):
				refused = true
				evs = append(evs, hikemu.Event{Time: at, Minor: hikemu.MinorInvalidPeriod, EmployeeNo: p.EmployeeNo})
			case rng.IntN(12) == 0:
				evs = append(evs, hikemu.Event{Time: at.Add(-4 * time.Second), Minor: hikemu.MinorFaceNotMatched, EmployeeNo: p.EmployeeNo},
					hikemu.Event{Time: at, Minor: passMinor(p), EmployeeNo: p.EmployeeNo})
			default:
				evs = append(evs, hikemu.Event{Time: at, Minor: passMinor(p), EmployeeNo: p.EmployeeNo})
			}
		}
	}
	if !refused && lapsed != nil {
		evs = append(evs, hikemu.Event{Time: lateVisit, Minor: hikemu.MinorInvalidPeriod, EmployeeNo: lapsed.EmployeeNo})
	}
	// In time order, so serial numbers rise with time as on a real log.
	slices.SortStableFunc(evs, func(a, b hikemu.Event) int { return a.Time.Compare(b.Time) })
	for _, e := range evs {
		term.AddEvent(e)
	}
}

// passMinor is how a valid person passes: by face, by card when no face is
// enrolled, and not at all (the face is not matched) with neither.
func passMinor(p hikemu.Person) int {
	switch {
	case p.NumOfFace > 0:
		return hikemu.MinorFaceVerified
	case p.NumOfCard > 0:
		return hikemu.MinorCardPass
	}
	return hikemu.MinorFaceNotMatched
}

// seedNeyrossEvents registers the passages of the platform's EIS persons at
// an access point of their EIS levels: granted while the pass is valid,
// denied outside its activation … expiration.
func seedNeyrossEvents(srv *neyemu.Server, persons []neyemu.Person, zone *time.Location, now time.Time, seed uint64) {
	rng := mrand.New(mrand.NewPCG(seed, seed^0x5eed))
	points := map[string]string{} // EIS level uuid → its first access point
	for _, l := range neyemu.DefaultLevels() {
		if l.EIS() && len(l.AccessPoints) > 0 {
			points[l.UUID] = l.AccessPoints[0]
		}
	}
	var evs []neyemu.Event
	for _, p := range persons {
		point := ""
		for _, l := range p.AccessLevels {
			if point = points[l]; point != "" {
				break
			}
		}
		if point == "" {
			continue // not an EIS person: the EIS sees none of its events
		}
		lapsed := p.Expiration != nil && time.Unix(*p.Expiration, 0).Before(now.AddDate(0, 0, -30))
		for _, at := range visitTimes(rng, now, zone, lapsed) {
			e := neyemu.Event{Person: p.UUID, AccessPoint: point, Sent: at, Registered: at,
				Headline: neyemu.HeadlineGranted, Tags: []string{neyemu.TagPACS, neyemu.TagAccessGranted}}
			if (p.Activation != nil && at.Unix() < *p.Activation) || (p.Expiration != nil && at.Unix() > *p.Expiration) {
				e.Headline, e.Tags = neyemu.HeadlineDenied, []string{neyemu.TagPACS, neyemu.TagAccessDenied}
			}
			evs = append(evs, e)
		}
	}
	// eventIds follow registration: add them in time order.
	slices.SortStableFunc(evs, func(a, b neyemu.Event) int { return a.Registered.Compare(b.Registered) })
	for _, e := range evs {
		srv.AddEvent(e)
	}
}
