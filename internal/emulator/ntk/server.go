// Package ntk emulates NTK's access-list upload interface (ntk-access-list.md,
// seed 003): HTTPS POST of a multipart/form-data body whose field "file"
// holds the list, HTTP Basic authentication on every request, the check of
// the first 4 KB answered with 400 and "ERROR …", acceptance with 202 and
// "OK <file name>", and the per-line processing after acceptance (invalid
// lines ignored, cards of other access users and vetoed cards left out),
// which real NTK reports only by phone or e-mail and the emulator keeps for
// tests to read.
package ntk

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/emulator"
)

// Defaults for Config's zero values.
const (
	DefaultPath    = "/accesslist"
	DefaultMaxBody = 32 << 20 // a list of 100,000 lines is about 3 MB
	realm          = "NTK Access List"
)

// Config sets up an emulated endpoint.
type Config struct {
	Username, Password string
	// Zones are the zones agreed with this access user (contract annex 2).
	// Zone 0 (students) is always allowed. Empty: every zone is allowed.
	Zones []int
	// OtherCards are cards on other access users' lists: NTK leaves such a
	// card out of this user's list (uniqueness across access users).
	OtherCards []string
	// Vetoed are cards NTK refuses ("právo veta"): removed after processing.
	Vetoed  []string
	Path    string      // where lists are posted; "" = DefaultPath
	MaxBody int64       // bytes; 0 = DefaultMaxBody
	Clock   clock.Clock // required (emulator.MustClock)
	Faults  *emulator.Faults
	Log     *emulator.RequestLog
}

// Upload is one list NTK accepted.
type Upload struct {
	Name     string // the name NTK answered with ("OK <Name>")
	FileName string // the file name the client sent
	Body     []byte // the file
	At       time.Time
	Result   Processing
}

// Reply is a scripted answer.
type Reply struct {
	Status int
	Body   string
}

// Server is the emulated endpoint, an http.Handler safe for concurrent use.
type Server struct {
	cfg     Config
	clock   clock.Clock
	zones   map[int]bool
	others  map[string]bool
	vetoed  map[string]bool
	handler http.Handler

	// NTK processes lists one at a time, in order: mu serialises acceptance.
	mu       sync.Mutex
	accepted []Upload
	script   []Reply
}

// New returns an emulator for cfg.
func New(cfg Config) *Server {
	if cfg.Path == "" {
		cfg.Path = DefaultPath
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	s := &Server{cfg: cfg, clock: cfg.Clock, zones: map[int]bool{}, others: upperSet(cfg.OtherCards), vetoed: upperSet(cfg.Vetoed)}
	s.clock = emulator.MustClock("ntk", s.clock)
	for _, z := range cfg.Zones {
		s.zones[z] = true
	}
	s.handler = emulator.Wrap(http.HandlerFunc(s.serve), emulator.Options{Faults: cfg.Faults, Log: cfg.Log, Clock: s.clock})
	return s
}

func upperSet(cards []string) map[string]bool {
	m := make(map[string]bool, len(cards))
	for _, c := range cards {
		m[strings.ToUpper(strings.TrimSpace(c))] = true
	}
	return m
}

// Path is where lists are posted.
func (s *Server) Path() string { return s.cfg.Path }

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// ScriptReply makes the next authenticated POST (one per call, in order)
// get this answer instead of being processed; nothing is recorded for it.
func (s *Server) ScriptReply(status int, body string) {
	s.mu.Lock()
	s.script = append(s.script, Reply{status, body})
	s.mu.Unlock()
}

// Accepted returns every accepted list, oldest first.
func (s *Server) Accepted() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Upload, len(s.accepted))
	for i, u := range s.accepted {
		u.Body = slices.Clone(u.Body)
		u.Result = u.Result.clone()
		out[i] = u
	}
	return out
}

// Access is what the latest accepted list grants after processing (card →
// zones); empty before the first.
func (s *Server) Access() map[string][]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.accepted) == 0 {
		return map[string][]int{}
	}
	return s.accepted[len(s.accepted)-1].Result.clone().Access
}

func (p Processing) clone() Processing {
	p.Ignored = slices.Clone(p.Ignored)
	p.Duplicates = slices.Clone(p.Duplicates)
	p.Vetoed = slices.Clone(p.Vetoed)
	a := make(map[string][]int, len(p.Access))
	for k, v := range p.Access {
		a[k] = slices.Clone(v)
	}
	p.Access = a
	return p
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "Apache")
	if r.URL.Path != s.cfg.Path {
		text(w, http.StatusNotFound, "Not Found")
		return
	}
	if !s.authorised(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+realm+`"`)
		text(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		text(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	if rep, ok := s.scripted(); ok {
		text(w, rep.Status, rep.Body)
		return
	}
	file, name, err := s.readFile(w, r)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			text(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("ERROR: the upload is larger than %d bytes", s.cfg.MaxBody))
			return
		}
		text(w, http.StatusBadRequest, "ERROR: "+err.Error())
		return
	}
	if err := checkHead(file); err != nil {
		text(w, http.StatusBadRequest, "ERROR: invalid access list format: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.clock.Now()
	u := Upload{
		Name:     fmt.Sprintf("AL_%s_%04d.csv", at.UTC().Format("20060102_150405"), len(s.accepted)+1),
		FileName: name, Body: file, At: at,
		Result: process(file, s.zones, s.others, s.vetoed),
	}
	s.accepted = append(s.accepted, u)
	text(w, http.StatusAccepted, "OK "+u.Name)
}

func (s *Server) scripted() (Reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.script) == 0 {
		return Reply{}, false
	}
	rep := s.script[0]
	s.script = s.script[1:]
	return rep, true
}

// SetCredentials changes the access user's credentials, as NTK's staff
// do when a password is reset: the client's ones are wrong from then on.
func (s *Server) SetCredentials(user, password string) {
	s.mu.Lock()
	s.cfg.Username, s.cfg.Password = user, password
	s.mu.Unlock()
}

func (s *Server) authorised(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	if !ok {
		return false
	}
	s.mu.Lock()
	user, pass := s.cfg.Username, s.cfg.Password
	s.mu.Unlock()
	uok := subtle.ConstantTimeCompare([]byte(u), []byte(user)) == 1
	pok := subtle.ConstantTimeCompare([]byte(p), []byte(pass)) == 1
	return uok && pok
}

// readFile returns the content and file name of the form field "file".
func (s *Server) readFile(w http.ResponseWriter, r *http.Request) ([]byte, string, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, "", errors.New(`expected multipart/form-data with the list in the form field "file"`)
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", errors.New(`no form field "file" in the upload`)
		}
		if err != nil {
			return nil, "", fmt.Errorf("malformed multipart body: %w", err)
		}
		if part.FormName() != "file" {
			_ = part.Close()
			continue
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, "", fmt.Errorf("reading the form field \"file\": %w", err)
		}
		return data, part.FileName(), nil
	}
}

func text(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=us-ascii")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body+"\n")
}
