package cardskipper

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/emulator"
)

// Canonical paths (lower case, no trailing slash): IIS matches paths without
// regard to case, and working clients use them with and without a slash.
const (
	pathExport = "/member/export"
	pathInfo   = "/organisation/info"
)

// firstMemberID numbers members stored without a MemberId.
const firstMemberID = 100001

// Server is an emulated Cardskipper External API. It is an http.Handler and
// safe for concurrent use.
type Server struct {
	cfg     Config
	zone    *time.Location
	clock   clock.Clock
	handler http.Handler
	denied  map[string]bool
	orgs    map[int]*Organisation // every organisation of the tree, by id
	roles   map[int]string        // role names by id, exported as an extra attribute

	mu      sync.RWMutex
	members []*Member // stored members are never modified, only replaced
	index   map[string]int
	nextID  int
	exports atomic.Int64
}

// New returns an emulator for cfg. A nil Zone is Europe/Ljubljana (UTC if
// the zone database is missing); Clock is required (emulator.MustClock).
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, zone: cfg.Zone, clock: cfg.Clock, denied: map[string]bool{},
		orgs: map[int]*Organisation{}, roles: map[int]string{}, index: map[string]int{}, nextID: firstMemberID}
	if s.zone == nil {
		if loc, err := time.LoadLocation("Europe/Ljubljana"); err == nil {
			s.zone = loc
		} else {
			s.zone = time.UTC
		}
	}
	s.clock = emulator.MustClock("cardskipper", s.clock)
	for _, p := range cfg.DeniedCalls {
		s.denied[canonicalPath(p)] = true
	}
	var walk func([]Organisation)
	walk = func(list []Organisation) {
		for i := range list {
			o := &list[i]
			s.orgs[o.ID] = o
			for _, r := range o.Roles {
				s.roles[r.ID] = r.Name
			}
			walk(o.Children)
		}
	}
	walk(s.cfg.Organisations)
	s.handler = emulator.Wrap(http.HandlerFunc(s.serve), emulator.Options{
		Faults:  cfg.Faults,
		Log:     cfg.Log,
		Clock:   s.clock,
		Garbage: aspnetPage("Runtime Error", "An application error occurred on the server."),
	})
	return s
}

// ServeHTTP answers one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func canonicalPath(p string) string {
	return strings.ToLower(strings.TrimRight(p, "/"))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "Microsoft-IIS/10.0")
	w.Header().Set("X-AspNet-Version", "4.0.30319")
	// Basic auth is configured for the whole site, so it comes first.
	if !s.authorised(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Cardskipper"`)
		writeShort(w, http.StatusUnauthorized, "401 - Unauthorized: Access is denied due to invalid credentials.")
		return
	}
	p := canonicalPath(r.URL.Path)
	var method string
	var handle func(http.ResponseWriter, *http.Request)
	switch p {
	case pathExport:
		method, handle = http.MethodPost, s.export
	case pathInfo:
		method, handle = http.MethodGet, s.info
	default:
		writePage(w, http.StatusNotFound, "The resource cannot be found.",
			"HTTP 404. The resource you are looking for (or one of its dependencies) could have been removed, had its name changed, or is temporarily unavailable.")
		return
	}
	if s.denied[p] {
		writeShort(w, http.StatusForbidden, "403 - Forbidden: Access is denied. The account has no API right for this call.")
		return
	}
	if r.Method != method {
		w.Header().Set("Allow", method)
		writePage(w, http.StatusMethodNotAllowed, "The requested resource does not support http method '"+r.Method+"'.",
			"HTTP 405. The HTTP verb used to access this page is not allowed.")
		return
	}
	handle(w, r)
}

func (s *Server) authorised(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	if !ok {
		return false
	}
	uok := subtle.ConstantTimeCompare([]byte(u), []byte(s.cfg.Username)) == 1
	pok := subtle.ConstantTimeCompare([]byte(p), []byte(s.cfg.Password)) == 1
	return uok && pok
}

// SetMembers replaces all members. Members without a MemberID, UserID or
// MemberCode get generated ones; ChangedAt is kept as given.
func (s *Server) SetMembers(ms []Member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members = make([]*Member, 0, len(ms))
	s.index = make(map[string]int, len(ms))
	for _, m := range ms {
		c := s.prepare(m)
		s.index[memberKey(c)] = len(s.members)
		s.members = append(s.members, c)
	}
}

// Upsert stores m, replacing the member with the same OrganisationMemberID
// (or MemberID when it has none), and sets ChangedAt to the clock's now if
// it is zero.
func (s *Server) Upsert(m Member) {
	if m.ChangedAt.IsZero() {
		m.ChangedAt = s.clock.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.MemberID == 0 {
		if i, ok := s.index[memberKey(&m)]; ok && m.OrganisationMemberID != "" {
			m.MemberID = s.members[i].MemberID // same member: keep its id
		}
	}
	c := s.prepare(m)
	k := memberKey(c)
	if i, ok := s.index[k]; ok {
		s.members[i] = c
		return
	}
	s.index[k] = len(s.members)
	s.members = append(s.members, c)
}

// Members returns a copy of the stored members.
func (s *Server) Members() []Member {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Member, len(s.members))
	for i, m := range s.members {
		out[i] = clone(*m)
	}
	return out
}

// Exports returns how many Member/Export calls were answered with 200.
func (s *Server) Exports() int { return int(s.exports.Load()) }

// snapshot returns the stored members as of now. The pointed-to members are
// never modified, so the caller may read them without the lock.
func (s *Server) snapshot() []*Member {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.members)
}

// prepare deep-copies m and fills the generated fields. Called with mu held.
func (s *Server) prepare(m Member) *Member {
	c := clone(m)
	if c.MemberID == 0 {
		c.MemberID = s.nextID
		s.nextID++
	} else if c.MemberID >= s.nextID {
		s.nextID = c.MemberID + 1
	}
	if c.UserID == 0 {
		c.UserID = 7_000_000 + c.MemberID
	}
	if c.MemberCode == "" {
		c.MemberCode = "CS" + strconv.Itoa(c.MemberID)
	}
	return &c
}

func memberKey(m *Member) string {
	if m.OrganisationMemberID != "" {
		return "o:" + m.OrganisationMemberID
	}
	return fmt.Sprintf("m:%d", m.MemberID)
}

func clone(m Member) Member {
	m.Roles = slices.Clone(m.Roles)
	m.Tags = slices.Clone(m.Tags)
	return m
}
