package hikvision

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the default zone must load on hosts without a zoneinfo database

	"github.com/doorsync/doorsync/internal/emulator"
)

// garbageBody is what FaultGarbage sends: a JSON reply cut off mid-way, as a
// terminal whose web server dies while writing.
const garbageBody = `{"UserInfoSearch":{"searchID":"`

// Terminal is one emulated terminal. It is an http.Handler; safe for
// concurrent use (it answers one request at a time, like the real thing, and
// turns away the others with deviceBusy).
type Terminal struct {
	cfg     Config
	opaque  string
	handler http.Handler
	routes  map[string]route

	// slot is the terminal's single request slot: TryLock, never queue.
	slot sync.Mutex

	mu         sync.Mutex // guards everything below
	password   string
	ignoreList bool
	persons    []Person       // storage (insertion) order
	index      map[string]int // employeeNo → position in persons
	events     []Event        // the event log, by time (then serialNo)
	lastSerial int64
	nonces     map[string]*nonceState
	nonceOrder []string // issue order, for pruning
	challenges int      // challenges sent so far (RealmFlipAfter)
	logins     map[string]*loginState
	scripts    map[string][]scriptedReply
	// inSlot, when set, runs inside the request slot after authentication;
	// tests use it to hold a request in flight.
	inSlot func(context.Context)
}

type scriptedReply struct {
	status int
	body   string
}

type route struct {
	method   string
	jsonOnly bool // the call exists only with ?format=json
	handle   func(http.ResponseWriter, *http.Request)
}

// New returns a terminal with cfg's zero values replaced by the defaults
// documented on Config.
func New(cfg Config) *Terminal {
	if cfg.Username == "" {
		cfg.Username = "admin"
	}
	if cfg.Model == "" {
		cfg.Model = "DS-K1T671MF"
	}
	if cfg.Realm == "" {
		// Access terminals use their model as the Digest realm.
		cfg.Realm = cfg.Model
	}
	if cfg.Firmware == "" {
		cfg.Firmware = "V3.2.30 build 220812"
	}
	if cfg.Serial == "" {
		cfg.Serial = defaultSerial(cfg.Model, cfg.Username)
	}
	if cfg.Zone == nil {
		loc, err := time.LoadLocation("Europe/Ljubljana")
		if err != nil { // cannot happen with time/tzdata linked in
			loc = time.UTC
		}
		cfg.Zone = loc
	}
	cfg.Clock = emulator.MustClock("hikvision", cfg.Clock)
	if cfg.MaxResults <= 0 {
		cfg.MaxResults = 30
	}
	if cfg.MaxRecords <= 0 {
		cfg.MaxRecords = 1500
	}
	if cfg.NonceTTL <= 0 {
		cfg.NonceTTL = 5 * time.Minute
	}
	if cfg.LockAfter <= 0 {
		cfg.LockAfter = 5
	}
	if cfg.LockFor <= 0 {
		cfg.LockFor = 30 * time.Minute
	}
	if cfg.MaxEvents <= 0 {
		cfg.MaxEvents = 100000
	}
	t := &Terminal{
		cfg:        cfg,
		opaque:     randomHex(12),
		password:   cfg.Password,
		ignoreList: cfg.IgnoreEmployeeNoList,
		index:      map[string]int{},
		nonces:     map[string]*nonceState{},
		logins:     map[string]*loginState{},
		scripts:    map[string][]scriptedReply{},
	}
	t.routes = map[string]route{
		"/ISAPI/System/deviceInfo":                   {http.MethodGet, false, t.handleDeviceInfo},
		"/ISAPI/System/time":                         {http.MethodGet, false, t.handleTime},
		"/ISAPI/AccessControl/UserInfo/capabilities": {http.MethodGet, true, t.handleCapabilities},
		"/ISAPI/AccessControl/UserInfo/Count":        {http.MethodGet, true, t.handleCount},
		"/ISAPI/AccessControl/UserInfo/Search":       {http.MethodPost, true, t.handleSearch},
		"/ISAPI/AccessControl/UserInfo/Modify":       {http.MethodPut, true, t.handleModify},
		"/ISAPI/AccessControl/UserInfo/Record":       {http.MethodPost, true, t.handleRecord},
		"/ISAPI/AccessControl/UserInfo/SetUp":        {http.MethodPut, true, t.handleSetUp},
		"/ISAPI/AccessControl/UserInfo/Delete":       {http.MethodPut, true, t.handleDelete},
		"/ISAPI/AccessControl/AcsEvent":              {http.MethodPost, true, t.handleAcsEvent},
	}
	t.handler = emulator.Wrap(http.HandlerFunc(t.serve), emulator.Options{
		Faults:  cfg.Faults,
		Log:     cfg.Log,
		Clock:   cfg.Clock,
		Busy:    http.HandlerFunc(writeBusy),
		Garbage: []byte(garbageBody),
	})
	return t
}

// defaultSerial builds a serial number of the shape Hikvision prints
// (model, production date, region code, 9-character unit number), stable for
// a given model and user so a demo's terminals keep their identity.
func defaultSerial(model, user string) string {
	sum := sha256.Sum256([]byte(model + "\x00" + user))
	n := (uint64(sum[0])<<24 | uint64(sum[1])<<16 | uint64(sum[2])<<8 | uint64(sum[3])) % 100000000
	return fmt.Sprintf("%s20220812CCWRJ%08d", model, n)
}

// ServeHTTP answers one ISAPI request, behind the shared request log,
// latency and fault injection.
func (t *Terminal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.handler.ServeHTTP(w, r)
}

func writeBusy(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, deviceBusy())
}

func (t *Terminal) serve(w http.ResponseWriter, r *http.Request) {
	if t.inBusyBurst() {
		// Working for someone else (iVMS-4200 pushing faces): every
		// request is turned away, with or without credentials, as when
		// the slot is taken.
		writeBusy(w, r)
		return
	}
	if !t.slot.TryLock() {
		writeBusy(w, r)
		return
	}
	defer t.slot.Unlock()
	if res := t.authenticate(r); res.outcome != authOK {
		t.writeAuthFailure(w, r, res)
		return
	}
	if !t.work(r.Context()) {
		return // the client went away while the terminal was working
	}
	if s, ok := t.nextScript(r.URL.Path); ok {
		writeScripted(w, s)
		return
	}
	rt, ok := t.routes[r.URL.Path]
	switch {
	case !ok:
		// Unknown URLs get the XML envelope whatever format was asked.
		writeErrorXML(w, r, notSupport())
	case r.Method != rt.method:
		w.Header().Set("Allow", rt.method)
		writeError(w, r, methodNotAllowed())
	case rt.jsonOnly && !wantsJSON(r):
		writeErrorXML(w, r, badXMLFormat())
	default:
		rt.handle(w, r)
	}
}

// work spends the configured processing time inside the request slot and
// runs the test hook. It reports false if the request was cancelled.
func (t *Terminal) work(ctx context.Context) bool {
	if d := t.cfg.ProcessTime; d > 0 {
		tm := time.NewTimer(d)
		select {
		case <-tm.C:
		case <-ctx.Done():
			tm.Stop()
			return false
		}
	}
	t.mu.Lock()
	hook := t.inSlot
	t.mu.Unlock()
	if hook != nil {
		hook(ctx)
	}
	return ctx.Err() == nil
}

func (t *Terminal) nextScript(path string) (scriptedReply, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	q := t.scripts[path]
	if len(q) == 0 {
		return scriptedReply{}, false
	}
	s := q[0]
	if len(q) == 1 {
		delete(t.scripts, path)
	} else {
		t.scripts[path] = q[1:]
	}
	return s, true
}

func writeScripted(w http.ResponseWriter, s scriptedReply) {
	body := strings.TrimSpace(s.body)
	switch {
	case strings.HasPrefix(body, "{") || strings.HasPrefix(body, "["):
		w.Header().Set("Content-Type", "application/json; charset=\"UTF-8\"")
	case strings.HasPrefix(body, "<"):
		w.Header().Set("Content-Type", "application/xml; charset=\"UTF-8\"")
	default:
		w.Header().Set("Content-Type", "text/plain")
	}
	w.WriteHeader(s.status)
	_, _ = w.Write([]byte(s.body))
}

// ScriptReply makes the next request to path (e.g.
// "/ISAPI/AccessControl/UserInfo/Modify") answer with this status and raw
// body instead of the normal handler (after auth), to test malformed replies
// and odd envelopes. Several calls queue up.
func (t *Terminal) ScriptReply(path string, status int, body string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.scripts[path] = append(t.scripts[path], scriptedReply{status, body})
}

// SetPersons replaces everything the terminal stores. A repeated employeeNo
// keeps its first position and takes the last record's values.
func (t *Terminal) SetPersons(ps []Person) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.persons = make([]Person, 0, len(ps))
	t.index = make(map[string]int, len(ps))
	for _, p := range ps {
		t.putLocked(clonePerson(p))
	}
}

// putLocked stores p, replacing a record with the same employeeNo in place.
func (t *Terminal) putLocked(p Person) {
	if i, ok := t.index[p.EmployeeNo]; ok {
		t.persons[i] = p
		return
	}
	t.index[p.EmployeeNo] = len(t.persons)
	t.persons = append(t.persons, p)
}

// deleteLocked removes the given persons (all of them when ids is empty).
func (t *Terminal) deleteLocked(ids []string) {
	if len(ids) == 0 {
		t.persons = nil
		t.index = map[string]int{}
		return
	}
	gone := map[string]bool{}
	for _, id := range ids {
		gone[id] = true
	}
	t.persons = slices.DeleteFunc(t.persons, func(p Person) bool { return gone[p.EmployeeNo] })
	t.index = make(map[string]int, len(t.persons))
	for i, p := range t.persons {
		t.index[p.EmployeeNo] = i
	}
}

// Person returns a copy of the stored person.
func (t *Terminal) Person(employeeNo string) (Person, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.index[employeeNo]
	if !ok {
		return Person{}, false
	}
	return clonePerson(t.persons[i]), true
}

// Persons returns copies of every stored person, in storage (insertion) order.
func (t *Terminal) Persons() []Person {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Person, len(t.persons))
	for i, p := range t.persons {
		out[i] = clonePerson(p)
	}
	return out
}

func clonePerson(p Person) Person {
	p.RightPlan = slices.Clone(p.RightPlan)
	p.Extends = slices.Clone(p.Extends)
	return p
}

// Locked reports whether any client is locked out now.
func (t *Terminal) Locked() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.cfg.Clock.Now()
	for _, ls := range t.logins {
		if !ls.lockedUntil.IsZero() && now.Before(ls.lockedUntil) {
			return true
		}
	}
	return false
}

// FailedLogins returns the consecutive failed logins counted so far (the
// highest count of any client; a lock that has run out counts as none).
func (t *Terminal) FailedLogins() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.cfg.Clock.Now()
	n := 0
	for _, ls := range t.logins {
		if !ls.lockedUntil.IsZero() && !now.Before(ls.lockedUntil) {
			continue
		}
		n = max(n, ls.failures)
	}
	return n
}

// Unlock lifts every lockout and forgets the failed logins.
func (t *Terminal) Unlock() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.logins = map[string]*loginState{}
}

// SetIgnoreEmployeeNoList switches the firmware bug that makes Search ignore
// EmployeeNoList.
func (t *Terminal) SetIgnoreEmployeeNoList(v bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ignoreList = v
}

// SetPassword changes the password the terminal accepts (an operator
// changing it on the device).
func (t *Terminal) SetPassword(p string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.password = p
}

// Serial returns the terminal's serial number (as deviceInfo reports it).
func (t *Terminal) Serial() string { return t.cfg.Serial }

// localNow is the terminal's own clock: the injected clock plus its skew, in
// its zone.
func (t *Terminal) localNow() time.Time {
	return t.cfg.Clock.Now().Add(t.cfg.ClockSkew).In(t.cfg.Zone)
}
