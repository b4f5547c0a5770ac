package neyross

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the default zone must load on hosts without a zoneinfo database

	"github.com/doorsync/doorsync/internal/emulator"
)

// garbageBody is what FaultGarbage sends: the start of a proxy's error page,
// as when the platform's web server is restarting behind nginx.
const garbageBody = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>"

// Server is one emulated NEYROSS platform with the EIS plugin. It is an
// http.Handler and safe for concurrent use.
type Server struct {
	cfg     Config
	handler http.Handler
	routes  map[string]route // by path relative to Prefix

	mu         sync.Mutex // guards everything below
	token      string
	requireGET bool
	levels     []AccessLevel
	points     []AccessPoint
	persons    map[string]*Person
	visible    []string // sorted uuids of the persons the EIS sees; nil: to be rebuilt
	events     []storedEvent
	lastEvent  int64
	subs       map[string]*subscription
	stats      DeliveryStats
	scripts    map[string][]scriptedReply
	truncate   int // the next this many replies are cut in half

	// Event delivery to subscribers runs until Close.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed bool
}

type scriptedReply struct {
	status int
	body   string
}

// New returns a platform with cfg's zero values replaced by the defaults
// documented on Config. Call Close to stop event deliveries.
func New(cfg Config) *Server {
	if cfg.Levels == nil {
		cfg.Levels = DefaultLevels()
	}
	if cfg.Points == nil {
		cfg.Points = DefaultPoints()
	}
	if cfg.Zone == nil {
		loc, err := time.LoadLocation("Europe/Moscow")
		if err != nil { // cannot happen with time/tzdata linked in
			loc = time.UTC
		}
		cfg.Zone = loc
	}
	cfg.Clock = emulator.MustClock("neyross", cfg.Clock)
	if cfg.DeliveryTimeout <= 0 {
		cfg.DeliveryTimeout = 10 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:     cfg,
		token:   cfg.Token,
		levels:  cloneLevels(cfg.Levels),
		points:  clonePoints(cfg.Points),
		persons: map[string]*Person{},
		subs:    map[string]*subscription{},
		scripts: map[string][]scriptedReply{},
		ctx:     ctx,
		cancel:  cancel,
	}
	s.routes = s.routeTable()
	s.handler = emulator.Wrap(http.HandlerFunc(s.serve), emulator.Options{
		Faults:  cfg.Faults,
		Log:     cfg.Log,
		Clock:   cfg.Clock,
		Garbage: []byte(garbageBody),
	})
	return s
}

// ServeHTTP answers one request, behind the shared request log, latency and
// fault injection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close stops event deliveries: a push in flight completes (within
// DeliveryTimeout), queued ones are dropped.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for id, sub := range s.subs {
		close(sub.queue)
		delete(s.subs, id)
	}
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// route is one API call; path is relative to Prefix.
type route struct {
	method string
	handle func(http.ResponseWriter, *http.Request)
}

func (s *Server) routeTable() map[string]route {
	return map[string]route{
		"access-levels/":                      {http.MethodGet, s.handleLevels},
		"access-points/":                      {http.MethodGet, s.handlePoints},
		"persons/count/":                      {http.MethodGet, s.handleCount},
		"persons/search/":                     {http.MethodGet, s.handleSearch},
		"persons/upsert/":                     {http.MethodPost, s.handleUpsert},
		"persons/upsert/multiple":             {http.MethodPost, s.handleUpsertMultiple},
		"pacs-transaction/":                   {http.MethodPost, s.handleTransaction},
		"events/subscriptions":                {http.MethodPost, s.handleSubscribe},
		"events/history_events_by_id/":        {http.MethodGet, s.handleEventByID},
		"events/history_events_by_ids/":       {http.MethodPost, s.handleEventsByIDs},
		"events/history_events_by_date_time/": {http.MethodPost, s.handleEventsByTime},
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rel, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="eis-pacs-integration"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Unauthorized", "message": "invalid or missing API token"})
		return
	}
	if sc, ok := s.nextScript(r.URL.Path); ok {
		writeScripted(w, sc)
		return
	}
	if s.truncating() {
		cut := &cutWriter{header: http.Header{}}
		s.route(cut, r, rel)
		for k, v := range cut.header {
			w.Header()[k] = v
		}
		status, body := max(cut.status, http.StatusOK), cut.body.Bytes()
		if status < 300 && s.takeTruncate() {
			body = body[:len(body)/2]
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	s.route(w, r, rel)
}

// route dispatches an authorised request.
func (s *Server) route(w http.ResponseWriter, r *http.Request, rel string) {
	if rt, ok := s.routes[rel]; ok {
		if r.Method != rt.method {
			methodNotAllowed(w, rt.method)
			return
		}
		if r.Method == http.MethodPost && !jsonBody(r) {
			writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
			return
		}
		rt.handle(w, r)
		return
	}
	if id, ok := strings.CutPrefix(rel, "events/subscriptions/"); ok && id != "" && !strings.Contains(id, "/") {
		if r.Method != http.MethodDelete {
			methodNotAllowed(w, http.MethodDelete)
			return
		}
		s.handleUnsubscribe(w, id)
		return
	}
	if id, ok := strings.CutPrefix(rel, "persons/"); ok && id != "" && !strings.Contains(id, "/") {
		s.mu.Lock()
		want := http.MethodPost
		if s.requireGET {
			want = http.MethodGet
		}
		s.mu.Unlock()
		if r.Method != want {
			methodNotAllowed(w, want)
			return
		}
		s.handlePerson(w, id)
		return
	}
	writeError(w, http.StatusNotFound, "Not Found")
}

// authorized checks "Authorization: Bearer TOKEN" (the scheme in any case,
// RFC 6750), comparing the token in constant time.
func (s *Server) authorized(r *http.Request) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	s.mu.Lock()
	want := s.token
	s.mu.Unlock()
	return want != "" && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(want)) == 1
}

// jsonBody: a POST with a body must declare it JSON, as the platform's
// framework insists; an empty POST (the single-person read) needs nothing.
func jsonBody(r *http.Request) bool {
	if r.ContentLength == 0 {
		return true
	}
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	return strings.HasPrefix(ct, "application/json")
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding the reply: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func (s *Server) nextScript(path string) (scriptedReply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.scripts[path]
	if len(q) == 0 {
		return scriptedReply{}, false
	}
	if len(q) == 1 {
		delete(s.scripts, path)
	} else {
		s.scripts[path] = q[1:]
	}
	return q[0], true
}

func writeScripted(w http.ResponseWriter, sc scriptedReply) {
	body := strings.TrimSpace(sc.body)
	switch {
	case strings.HasPrefix(body, "{") || strings.HasPrefix(body, "["):
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	case strings.HasPrefix(body, "<"):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(sc.status)
	_, _ = w.Write([]byte(sc.body))
}

func (s *Server) truncating() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.truncate > 0
}

func (s *Server) takeTruncate() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.truncate == 0 {
		return false
	}
	s.truncate--
	return true
}

// TruncateNext makes the next n successful (2xx) replies carry only the
// first half of their body (with a Content-Length to match), as a proxy that
// cut the platform's answer short. Error replies pass unchanged.
func (s *Server) TruncateNext(n int) {
	s.mu.Lock()
	s.truncate += n
	s.mu.Unlock()
}

// cutWriter collects a reply so that it can be sent truncated.
type cutWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *cutWriter) Header() http.Header { return c.header }

func (c *cutWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *cutWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

// ScriptReply makes the next authorised request to path answer with this
// status and raw body instead of the normal handler, to test malformed
// replies. path is the full URL path (Prefix + "persons/count/") or one
// relative to Prefix. Several calls queue up.
func (s *Server) ScriptReply(path string, status int, body string) {
	if !strings.HasPrefix(path, "/") {
		path = Prefix + path
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts[path] = append(s.scripts[path], scriptedReply{status, body})
}

// SetToken changes the API token the platform accepts (an administrator
// regenerating it in the plugin settings).
func (s *Server) SetToken(token string) {
	s.mu.Lock()
	s.token = token
	s.mu.Unlock()
}

// RequireGET switches the single-person read between POST (as the seed
// documents it, the default) and GET (a platform variant); the other method
// gets 405.
func (s *Server) RequireGET(v bool) {
	s.mu.Lock()
	s.requireGET = v
	s.mu.Unlock()
}

// SetLevels replaces the platform's access levels (an administrator adding
// or removing the "[И] " prefix changes which persons the EIS sees).
func (s *Server) SetLevels(levels []AccessLevel) {
	s.mu.Lock()
	s.levels = cloneLevels(levels)
	s.visible = nil
	s.mu.Unlock()
}

func cloneLevels(ls []AccessLevel) []AccessLevel {
	out := make([]AccessLevel, len(ls))
	for i, l := range ls {
		l.AccessPoints = append([]string(nil), l.AccessPoints...)
		out[i] = l
	}
	return out
}

func clonePoints(ps []AccessPoint) []AccessPoint {
	out := make([]AccessPoint, len(ps))
	for i, p := range ps {
		p.Tags = append([]string(nil), p.Tags...)
		out[i] = p
	}
	return out
}
