package hikvision

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/icholy/digest"

	"github.com/doorsync/doorsync/internal/target"
)

func countHandler(w http.ResponseWriter, r *http.Request) {
	jsonReply(w, 200, `{"UserInfoCount":{"userNumber":"412"}}`)
}

func TestFirstChallengeIsNotAFailure(t *testing.T) {
	f, srv := newFake(t, countHandler)
	c := newTestClient(t, srv.URL)
	ctx := context.Background()
	for i := range 3 {
		n, err := c.Count(ctx)
		if err != nil || n != 412 {
			t.Fatalf("call %d: Count = %d, %v", i, n, err)
		}
	}
	authed, rejected, served := f.counts()
	// One unauthenticated request fetches the challenge; after that the
	// cached challenge signs every request (nc counts up) without a 401.
	if total := f.totalRequests(); total != 4 || authed != 3 || rejected != 0 || served != 3 {
		t.Fatalf("requests total=%d authed=%d rejected=%d served=%d, want 4/3/0/3", total, authed, rejected, served)
	}
}

const xmlFailure = `<?xml version="1.0" encoding="UTF-8"?>
<userCheck version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<statusValue>401</statusValue><statusString>Unauthorized</statusString>
<isDefaultPassword>false</isDefaultPassword><lockStatus>unlock</lockStatus>
<unlockTime>0</unlockTime><retryLoginTime>3</retryLoginTime></userCheck>`

func TestTwoAuthFailuresStop(t *testing.T) {
	cases := []struct {
		name         string
		sameNonce    bool
		failBody     string
		succeedFirst bool // the password changes after a successful call
		wantRetry    int
		wantLock     int
	}{
		{name: "fresh nonce per failure, JSON body", failBody: "", wantRetry: 4, wantLock: 0},
		{name: "same nonce kept", sameNonce: true, wantRetry: 4, wantLock: 0},
		{name: "XML userCheck body", failBody: xmlFailure, wantRetry: 3, wantLock: 0},
		{name: "no body", failBody: " ", wantRetry: -1, wantLock: -1},
		{name: "password changed mid-run", succeedFirst: true, wantRetry: 4, wantLock: 0},
		{name: "password changed mid-run, same nonce", succeedFirst: true, sameNonce: true, wantRetry: 4, wantLock: 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t, countHandler)
			f.set(func(f *fake) {
				f.sameNonce = tc.sameNonce
				if tc.failBody != "" {
					f.failBody = tc.failBody
				}
			})
			c := newTestClient(t, srv.URL)
			ctx := context.Background()
			base := 0
			if tc.succeedFirst {
				if _, err := c.Count(ctx); err != nil {
					t.Fatal(err)
				}
				base, _, _ = f.counts()
			}
			f.set(func(f *fake) { f.pass = "changed-on-the-terminal" })

			var errs []error
			for range 5 {
				_, err := c.Count(ctx)
				errs = append(errs, err)
			}
			authed, rejected, _ := f.counts()
			if rejected != 2 {
				t.Errorf("authenticated requests rejected = %d, want exactly 2", rejected)
			}
			if authed-base != 2 {
				t.Errorf("authenticated requests after the change = %d, want exactly 2", authed-base)
			}
			before := f.totalRequests()
			_, err := c.Count(ctx)
			if f.totalRequests() != before {
				t.Error("a stopped client still sent a request")
			}
			errs = append(errs, err)
			for i, err := range errs {
				var te *target.Error
				if !errors.As(err, &te) || te.Class != target.Auth {
					t.Fatalf("call %d: want class auth, got %v", i, err)
				}
				if strings.Contains(err.Error(), "s3cret-Pa55") || strings.Contains(err.Error(), "changed-on-the-terminal") {
					t.Fatalf("call %d: error shows the password: %v", i, err)
				}
				if !strings.HasPrefix(err.Error(), "terminal entrance: count: auth") {
					t.Errorf("call %d: error %q lacks context", i, err)
				}
			}
			// The stopping error and everything after it say why.
			last := len(errs) - 1
			for _, err := range errs[len(errs)-5:] {
				if !errors.Is(err, target.ErrStopped) {
					t.Errorf("want ErrStopped after the stop, got %v", err)
				}
			}
			if !strings.Contains(errs[last].Error(), "avoid locking the account out") || !strings.Contains(errs[last].Error(), "username and password") {
				t.Errorf("stop message does not explain: %v", errs[last])
			}
			var te *target.Error
			errors.As(errs[last], &te)
			if te.RetryTimes != tc.wantRetry || te.LockSeconds != tc.wantLock {
				t.Errorf("RetryTimes/LockSeconds = %d/%d, want %d/%d", te.RetryTimes, te.LockSeconds, tc.wantRetry, tc.wantLock)
			}
		})
	}
}

func TestFirstFailureIsNotYetAStop(t *testing.T) {
	f, srv := newFake(t, countHandler)
	f.set(func(f *fake) { f.pass = "other" })
	c := newTestClient(t, srv.URL)
	_, err := c.Count(context.Background())
	if target.ClassOf(err) != target.Auth || errors.Is(err, target.ErrStopped) {
		t.Fatalf("first failure: want auth, not stopped; got %v", err)
	}
	if !strings.Contains(err.Error(), "1 of 2") || !strings.Contains(err.Error(), "4 login attempts left") {
		t.Errorf("first failure message: %v", err)
	}
}

func TestLockedAccountStopsAtOnce(t *testing.T) {
	f, srv := newFake(t, countHandler)
	f.set(func(f *fake) {
		f.pass = "other"
		f.failBody = `{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"badAuthorization","lockStatus":"lock","retryTimes":0,"resLockTime":1742}`
	})
	c := newTestClient(t, srv.URL)
	_, err := c.Count(context.Background())
	var te *target.Error
	if !errors.As(err, &te) || te.Class != target.Auth || !errors.Is(err, target.ErrStopped) {
		t.Fatalf("want an auth stop, got %v", err)
	}
	if te.Code != CodeLocked || te.RetryTimes != 0 || te.LockSeconds != 1742 || !strings.Contains(err.Error(), "locked for 1742 s") {
		t.Errorf("lock details: code %q retry %d lock %d: %v", te.Code, te.RetryTimes, te.LockSeconds, err)
	}
	if _, rejected, _ := f.counts(); rejected != 1 {
		t.Errorf("rejected = %d, want 1", rejected)
	}
}

func TestNonceRefresh(t *testing.T) {
	cases := []struct {
		name string
		set  func(f *fake)
	}{
		{"single-use nonce, fresh challenge without stale", func(f *fake) { f.singleUse = true }},
		{"single-use nonce, stale=true", func(f *fake) { f.staleUsed = true }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t, countHandler)
			f.set(tc.set)
			c := newTestClient(t, srv.URL)
			for i := range 6 {
				if _, err := c.Count(context.Background()); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			authed, rejected, served := f.counts()
			if rejected != 0 || served != 6 {
				t.Errorf("rejected=%d served=%d, want 0 and 6", rejected, served)
			}
			// Each call after the first: one refused nonce + one retry.
			if authed != 1+2*5 {
				t.Errorf("authenticated requests = %d, want 11", authed)
			}
		})
	}
}

// A terminal that calls every response stale, even to the nonce it issued
// a moment ago: that refusal is of the response, not of an old nonce — a
// failed login (some firmware answers a wrong password so), and two of them
// stop the client. Before, it was retried as a clock problem for the whole
// retry budget: 70 refused logins in one run.
func TestStaleOnANonceJustIssuedIsAFailedLogin(t *testing.T) {
	var n, signed int
	var mu sync.Mutex
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		if r.Header.Get("Authorization") != "" {
			signed++
		}
		nonce := fmt.Sprint(n)
		mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Digest realm="x", nonce="n`+nonce+`", qop="auth", stale=true`)
		w.WriteHeader(http.StatusUnauthorized)
	})
	c := newTestClient(t, srv.URL)
	_, err := c.Count(context.Background())
	var te *target.Error
	if !errors.As(err, &te) || te.Class != target.Auth || !strings.Contains(err.Error(), "login rejected (1 of 2") {
		t.Fatalf("first call: want a counted failed login, got %v", err)
	}
	if n != 2 { // the challenge, the signed request
		t.Errorf("requests = %d, want 2", n)
	}
	for range 3 {
		_, err = c.Count(context.Background())
	}
	mu.Lock()
	defer mu.Unlock()
	if signed != 2 || !errors.Is(err, target.ErrStopped) {
		t.Errorf("%d signed requests refused, last call %v; want 2 and the client stopped", signed, err)
	}
}

func TestSHA256PreferredWhenOffered(t *testing.T) {
	for _, algs := range [][]string{{"MD5", "SHA-256"}, {"SHA-256", "MD5"}, {"MD5"}} {
		f, srv := newFake(t, countHandler)
		f.set(func(f *fake) { f.algs = algs })
		c := newTestClient(t, srv.URL)
		if _, err := c.Count(context.Background()); err != nil {
			t.Fatalf("%v: %v", algs, err)
		}
		want := "MD5"
		if len(algs) > 1 {
			want = "SHA-256"
		}
		f.mu.Lock()
		got := f.algUsed
		f.mu.Unlock()
		if got != want {
			t.Errorf("offered %v: used %q, want %q", algs, got, want)
		}
	}
}

func TestNoChallengeIsNotCounted(t *testing.T) {
	f, srv := newFake(t, countHandler)
	f.set(func(f *fake) { f.noChal = true })
	c := newTestClient(t, srv.URL)
	for range 3 {
		_, err := c.Count(context.Background())
		var te *target.Error
		if !errors.As(err, &te) || te.Code != CodeNoChallenge || te.Class != target.Auth || errors.Is(err, target.ErrStopped) {
			t.Fatalf("want a no-challenge auth error, got %v", err)
		}
	}
	if authed, _, _ := f.counts(); authed != 0 {
		t.Errorf("credentials sent %d times without a challenge", authed)
	}
}

func TestOneRequestInFlight(t *testing.T) {
	f, srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond)
		countHandler(w, r)
	})
	c := newTestClient(t, srv.URL)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.Count(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.maxIn != 1 || f.served != 8 {
		t.Errorf("max in flight %d, served %d; want 1 and 8", f.maxIn, f.served)
	}
}

func TestWaitingForTheTerminalHonoursContext(t *testing.T) {
	release := make(chan struct{})
	_, srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		countHandler(w, r)
	})
	c := newTestClient(t, srv.URL)
	done := make(chan error, 1)
	go func() { _, err := c.Count(context.Background()); done <- err }()
	// Wait until the first call holds the terminal.
	for len(c.sem) == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Count(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("want cancellation while waiting, got %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestPerRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c := newTestClient(t, srv.URL, func(c *Config) { c.Timeout = 50 * time.Millisecond })
	_, err := c.Count(context.Background())
	var te *target.Error
	if !errors.As(err, &te) || te.Code != CodeTimeout || te.Class != target.Transient {
		t.Fatalf("want a timeout, got %v", err)
	}
	if !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Errorf("message: %v", err)
	}
}

const (
	oldNonceJSON = `{"requestURL":"/ISAPI/AccessControl/UserInfo/Count?format=json","statusCode":4,"statusString":"Invalid Operation","subStatusCode":"invalidOperation","errorCode":1073741830,"errorMsg":"the nonce is old"}`
	oldNonceXML  = `<?xml version="1.0" encoding="UTF-8"?>
<ResponseStatus version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema"><requestURL>/ISAPI/System/deviceInfo</requestURL>
<statusCode>4</statusCode><statusString>Invalid Operation</statusString><subStatusCode>invalidOperation</subStatusCode>
<errorCode>1073741830</errorCode><errorMsg>the nonce is old</errorMsg></ResponseStatus>`
)

// A terminal that takes each nonce twice refuses the third use with a 401
// without a challenge. That is no failed login: the client fetches a fresh
// challenge without credentials and retries, and after that one refusal
// renews every nonce before its third use. A refusal that says nothing
// (empty body) on a nonce used before is handled the same way.
func TestOldNonceIsNotAFailedLogin(t *testing.T) {
	for name, body := range map[string]string{"JSON": oldNonceJSON, "XML": oldNonceXML, "empty body": ""} {
		t.Run(name, func(t *testing.T) {
			f, srv := newFake(t, countHandler)
			f.set(func(f *fake) { f.nonceUses, f.oldNonceBody = 2, body })
			c := newTestClient(t, srv.URL)
			for i := range 9 {
				if _, err := c.Count(context.Background()); err != nil {
					t.Fatalf("call %d: %v", i+1, err)
				}
			}
			if n := f.oldNonceRefusals(); n != 1 {
				t.Errorf("%d old-nonce refusals, want 1: the limit is learned from the first", n)
			}
			if c.auth.failures != 0 || c.NonceLimit() != 2 {
				t.Errorf("failures %d, NonceLimit %d: want 0 and 2", c.auth.failures, c.NonceLimit())
			}
			// 9 signed requests served and 1 refused; unsigned ones: the
			// first, the one after the refusal, and one every 2 uses after.
			authed, _, served := f.counts()
			if total := f.totalRequests(); total != 15 || authed != 10 || served != 9 {
				t.Errorf("requests total=%d authed=%d served=%d, want 15/10/9", total, authed, served)
			}
		})
	}
}

// A fresh challenge refused again is a failed login, whatever the refusal
// says: no loop. A refusal that said the nonce was old costs one counted
// failure; one that said nothing is counted with the refusal of its retry.
func TestOldNonceRefusedAgainIsAFailedLogin(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		stopAtCall  int // the call that stops the client
		wantRefused int // signed requests refused in all
	}{
		{"invalidOperation body", oldNonceJSON, 3, 3},
		{"empty body", "", 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t, countHandler)
			f.set(func(f *fake) { f.oldNonceBody = tt.body })
			c := newTestClient(t, srv.URL)
			ctx := context.Background()
			if _, err := c.Count(ctx); err != nil {
				t.Fatal(err)
			}
			f.set(func(f *fake) { f.refuseAsOld = true })
			for call := 2; call <= 4; call++ {
				_, err := c.Count(ctx)
				if target.ClassOf(err) != target.Auth {
					t.Fatalf("call %d: want class auth, got %v", call, err)
				}
				if stopped := errors.Is(err, target.ErrStopped); stopped != (call >= tt.stopAtCall) {
					t.Errorf("call %d: stopped %v: %v", call, stopped, err)
				}
				if call == 2 && call < tt.stopAtCall && !strings.Contains(err.Error(), "login rejected (1 of 2") {
					t.Errorf("call 2: %v", err)
				}
			}
			if n := f.oldNonceRefusals(); n != tt.wantRefused {
				t.Errorf("%d signed requests refused, want %d", n, tt.wantRefused)
			}
			if c.auth.failures != 2 || c.NonceLimit() != 0 {
				t.Errorf("failures %d, NonceLimit %d: want 2 and none learned", c.auth.failures, c.NonceLimit())
			}
		})
	}
}

func TestWhyRefused(t *testing.T) {
	used := signature{signed: true, nonce: "n1", use: 3, accepted: true}
	fresh := signature{signed: true, nonce: "n1", use: 1}
	env := func(body string) *envelope {
		e, err := parseEnvelope([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return e
	}
	other := &digest.Challenge{Nonce: "n2"}
	same := &digest.Challenge{Nonce: "n1"}
	stale := &digest.Challenge{Nonce: "n2", Stale: true}
	tests := []struct {
		name string
		sig  signature
		env  *envelope
		chal *digest.Challenge
		want refusal
	}{
		{"userCheck on a used nonce", used, env(xmlFailure), nil, refusedLogin},
		{"userCheck with a stale challenge", used, env(xmlFailure), stale, refusedLogin},
		{"lock counters", used, env(`{"statusCode":4,"subStatusCode":"badAuthorization","lockStatus":"lock","retryTimes":0,"resLockTime":1800}`), other, refusedLogin},
		{"invalidOperation on a used nonce", used, env(oldNonceJSON), nil, refusedNonce},
		{"invalidOperation on a fresh nonce", fresh, env(oldNonceJSON), nil, refusedLogin},
		{"nothing said on a used nonce", used, nil, nil, refusedReplaced},
		{"replaced used nonce", used, nil, other, refusedReplaced},
		{"same nonce offered again", used, nil, same, refusedLogin},
		{"stale on a nonce never accepted", fresh, nil, stale, refusedLogin},
		{"stale on a used nonce", used, nil, stale, refusedStale},
		{"fresh nonce, new challenge", fresh, nil, other, refusedLogin},
	}
	for _, tt := range tests {
		if got := whyRefused(tt.sig, tt.env, tt.chal); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}
