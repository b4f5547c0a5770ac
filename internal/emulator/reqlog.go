package emulator

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// maxLoggedBody bounds what the log keeps of a request body.
const maxLoggedBody = 1 << 20

// Request is one request an emulator received, as a test needs to see it.
// Credentials are never kept: only the authentication scheme.
type Request struct {
	Time       time.Time // by the emulator's clock
	Method     string
	Path       string
	Query      string
	AuthScheme string // "Basic", "Digest", "Bearer" or ""
	Body       []byte
	Status     int    // the status the emulator answered with (0 for a reset connection)
	Fault      string // the injected fault, if any
}

// RequestLog records requests. Safe for concurrent use.
type RequestLog struct {
	mu    sync.Mutex
	reqs  []Request
	watch func(Request)
}

// Watch has f called with each request as it arrives, before it is
// answered (on the request's goroutine): a test acts at an exact point of
// an exchange, e.g. cancels a run when its first write reaches a terminal.
func (l *RequestLog) Watch(f func(Request)) {
	l.mu.Lock()
	l.watch = f
	l.mu.Unlock()
}

// Entries returns a copy of everything logged so far.
func (l *RequestLog) Entries() []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reqs)
}

// Count returns how many logged requests satisfy match (all if match is nil).
func (l *RequestLog) Count(match func(Request) bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.reqs {
		if match == nil || match(r) {
			n++
		}
	}
	return n
}

// Reset forgets everything logged.
func (l *RequestLog) Reset() {
	l.mu.Lock()
	l.reqs = nil
	l.mu.Unlock()
}

func (l *RequestLog) add(r Request) int {
	l.mu.Lock()
	l.reqs = append(l.reqs, r)
	i, watch := len(l.reqs)-1, l.watch
	l.mu.Unlock()
	if watch != nil {
		watch(r)
	}
	return i
}

func (l *RequestLog) setOutcome(i, status int, fault string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i < len(l.reqs) {
		l.reqs[i].Status = status
		l.reqs[i].Fault = fault
	}
}

// readBody reads and restores r.Body so the wrapped handler can read it too.
func readBody(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, maxLoggedBody+1))
	rest := r.Body
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), rest), rest}
	if len(b) > maxLoggedBody {
		b = b[:maxLoggedBody]
	}
	return b
}

func authScheme(r *http.Request) string {
	h := r.Header.Get("Authorization")
	for i := 0; i < len(h); i++ {
		if h[i] == ' ' {
			return h[:i]
		}
	}
	return h
}
