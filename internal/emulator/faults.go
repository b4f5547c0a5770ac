package emulator

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
)

// Fault is a misbehaviour an emulator can inject before its handler runs.
type Fault string

const (
	FaultNone    Fault = ""
	FaultBusy    Fault = "busy"    // the system's own "busy" answer (supplied by the emulator)
	Fault5xx     Fault = "5xx"     // HTTP 503 with a short text body
	FaultReset   Fault = "reset"   // the connection is closed without an answer
	FaultTimeout Fault = "timeout" // no answer until the client gives up
	FaultGarbage Fault = "garbage" // HTTP 200 with a body that is not the expected format
)

// Faults decides, request by request, what to inject: scripted faults first
// (in order), then random ones at the configured rates. Latency applies to
// every request. Safe for concurrent use; deterministic for a given seed and
// request order.
type Faults struct {
	mu      sync.Mutex
	latency time.Duration
	script  []Fault
	rates   map[Fault]float64
	paths   map[string]map[Fault]float64 // URL path → rates that replace rates there
	rng     *rand.Rand
	hang    time.Duration
}

// NewFaults returns an injector with no latency and no faults; seed makes the
// random faults repeatable.
func NewFaults(seed uint64) *Faults {
	return &Faults{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), rates: map[Fault]float64{},
		paths: map[string]map[Fault]float64{}, hang: 2 * time.Minute}
}

// SetLatency makes every request take at least d before it is answered.
func (f *Faults) SetLatency(d time.Duration) {
	f.mu.Lock()
	f.latency = d
	f.mu.Unlock()
}

// Latency returns the configured per-request latency.
func (f *Faults) Latency() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.latency
}

// Next scripts the given faults for the next requests, in order.
func (f *Faults) Next(faults ...Fault) {
	f.mu.Lock()
	f.script = append(f.script, faults...)
	f.mu.Unlock()
}

// SetRate injects fault at random with probability p (0…1) per request.
func (f *Faults) SetRate(fault Fault, p float64) {
	f.mu.Lock()
	f.rates[fault] = p
	f.mu.Unlock()
}

// SetPathRate injects fault with probability p per request to the URL path
// (e.g. "/ISAPI/AccessControl/UserInfo/Search"), in place of SetRate's
// rate for that fault there: a terminal whose searches fail more often than
// its other calls.
func (f *Faults) SetPathRate(path string, fault Fault, p float64) {
	f.mu.Lock()
	if f.paths[path] == nil {
		f.paths[path] = map[Fault]float64{}
	}
	f.paths[path][fault] = p
	f.mu.Unlock()
}

// Clear removes scripted faults and rates (latency stays).
func (f *Faults) Clear() {
	f.mu.Lock()
	f.script = nil
	f.rates = map[Fault]float64{}
	f.paths = map[string]map[Fault]float64{}
	f.mu.Unlock()
}

// SetHang bounds how long a FaultTimeout request is held (default 2 min; the
// request also ends when the client goes away).
func (f *Faults) SetHang(d time.Duration) {
	f.mu.Lock()
	f.hang = d
	f.mu.Unlock()
}

func (f *Faults) pick(path string) (Fault, time.Duration, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.script) > 0 {
		x := f.script[0]
		f.script = f.script[1:]
		return x, f.latency, f.hang
	}
	// Iterate in a fixed order so a seed gives the same sequence.
	for _, x := range []Fault{FaultBusy, Fault5xx, FaultReset, FaultTimeout, FaultGarbage} {
		p := f.rates[x]
		if pp, ok := f.paths[path][x]; ok {
			p = pp
		}
		if p > 0 && f.rng.Float64() < p {
			return x, f.latency, f.hang
		}
	}
	return FaultNone, f.latency, f.hang
}

// Options wires an emulator's handler into Wrap.
type Options struct {
	Faults *Faults      // nil: no latency, no faults
	Log    *RequestLog  // nil: nothing recorded
	Clock  clock.Clock  // dates the logged requests; nil: they carry no time
	Busy   http.Handler // writes the system's busy answer; nil: FaultBusy acts like Fault5xx
	// Garbage is the body sent for FaultGarbage (default: a truncated HTML page).
	Garbage []byte
}

// Wrap returns next with request logging, latency and fault injection in front.
func Wrap(next http.Handler, o Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the body first even when nothing is logged: Go's server
		// notices a client that gave up only once the body is consumed, and
		// the latency wait below must end when the client does.
		body := readBody(r)
		var idx = -1
		if o.Log != nil {
			var at time.Time
			if o.Clock != nil {
				at = o.Clock.Now()
			}
			idx = o.Log.add(Request{Time: at, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
				AuthScheme: authScheme(r), Body: body})
		}
		fault, latency, hang := FaultNone, time.Duration(0), time.Duration(0)
		if o.Faults != nil {
			fault, latency, hang = o.Faults.pick(r.URL.Path)
		}
		if latency > 0 {
			t := time.NewTimer(latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		sw := &statusWriter{ResponseWriter: w}
		switch fault {
		case FaultNone:
			next.ServeHTTP(sw, r)
		case FaultBusy:
			if o.Busy != nil {
				o.Busy.ServeHTTP(sw, r)
			} else {
				http.Error(sw, "Service Unavailable", http.StatusServiceUnavailable)
			}
		case Fault5xx:
			http.Error(sw, "Service Unavailable", http.StatusServiceUnavailable)
		case FaultReset:
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					_ = c.Close()
				}
			} else {
				panic(http.ErrAbortHandler)
			}
		case FaultTimeout:
			t := time.NewTimer(hang)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
			}
		case FaultGarbage:
			body := o.Garbage
			if body == nil {
				body = []byte("<html><head><title>500 Internal Ser")
			}
			sw.WriteHeader(http.StatusOK)
			_, _ = sw.Write(body)
		}
		if idx >= 0 {
			o.Log.setOutcome(idx, sw.status, string(fault))
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
