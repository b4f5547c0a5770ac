package hikvision_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/emulator"
	emu "github.com/doorsync/doorsync/internal/emulator/hikvision"
	"github.com/doorsync/doorsync/internal/target"
	"github.com/doorsync/doorsync/internal/target/hikvision"
)

// quirkClock is the fixed instant at which the emulators of the auth quirk
// tests live.
func quirkClock(t testing.TB) *clock.Manual {
	t.Helper()
	zone, err := time.LoadLocation("Europe/Ljubljana")
	if err != nil {
		t.Fatal(err)
	}
	return clock.NewManual(time.Date(2026, 3, 14, 9, 30, 0, 0, zone))
}

// syncRun does what one sync run asks of a terminal: probe, inventory, and
// for the accounts to renew a re-read, the writes and a read-back.
func syncRun(t *testing.T, b *bench, renew []string) {
	t.Helper()
	ctx := context.Background()
	if err := b.target.Probe(ctx); err != nil {
		t.Fatalf("probe: %v", err)
	}
	if _, err := b.target.Inventory(ctx, nil); err != nil {
		t.Fatalf("inventory: %v", err)
	}
	read, err := b.target.Lookup(ctx, renew)
	if err != nil {
		t.Fatalf("re-read: %v", err)
	}
	ups := make([]target.Update, 0, len(renew))
	for _, id := range renew {
		ups = append(ups, target.Update{Account: read[id], End: read[id].End.AddDate(0, 1, 0)})
	}
	for i, err := range b.target.Write(ctx, ups) {
		if err != nil {
			t.Fatalf("write %s: %v", renew[i], err)
		}
	}
	if _, err := b.target.Lookup(ctx, renew); err != nil {
		t.Fatalf("read-back: %v", err)
	}
}

// On a terminal that takes each nonce once (or twice), a sync costs at most
// twice the requests it costs on one without the limit — every signed
// request preceded by at most one unsigned one — and not one failed login:
// the terminal locks the account on the first (LockAfter 1), which would
// fail the run.
func TestNonceLimitBudget(t *testing.T) {
	const persons = 300
	var renew []string
	for i := range 12 {
		renew = append(renew, fmt.Sprint(1000+i*23))
	}
	run := func(t *testing.T, q emu.Quirks) (*bench, []emulator.Request) {
		clk := quirkClock(t)
		b := newBench(t, emu.Config{Clock: clk, LockAfter: 1, Quirks: q}, func(c *hikvision.Config) { c.Clock = clk })
		b.seed(persons)
		syncRun(t, b, renew)
		if n := b.term.FailedLogins(); n != 0 || b.term.Locked() {
			t.Errorf("the terminal counted %d failed logins (locked %v), want none", n, b.term.Locked())
		}
		return b, b.log.Entries()
	}
	_, guide := run(t, emu.Quirks{})
	for _, uses := range []int{1, 2} {
		t.Run(fmt.Sprintf("NonceUses%d", uses), func(t *testing.T) {
			b, reqs := run(t, emu.Quirks{NonceUses: uses})
			ratio := float64(len(reqs)) / float64(len(guide))
			t.Logf("requests: guide terminal %d, NonceUses %d: %d (%.2f×)", len(guide), uses, len(reqs), ratio)
			if len(reqs) > 2*len(guide) {
				t.Errorf("%d requests, more than twice the %d of a terminal without the limit", len(reqs), len(guide))
			}
			refused := 0
			for i, r := range reqs {
				if r.AuthScheme == "Digest" && r.Status == 401 {
					refused++
				}
				if r.AuthScheme == "" && i > 0 && reqs[i-1].AuthScheme == "" {
					t.Errorf("requests %d and %d both unsigned (%s %s)", i-1, i, r.Method, r.Path)
				}
			}
			// One refusal teaches the limit; after it the client renews
			// the nonce in time.
			if refused != 1 {
				t.Errorf("%d signed requests refused, want 1", refused)
			}
			if got := b.target.Client().NonceLimit(); got != uses {
				t.Errorf("NonceLimit() = %d, want %d", got, uses)
			}
		})
	}
}

// The realm changes case between challenges (RealmFlipAfter 1: at every
// one, with a nonce good for one request: every request answers a new
// challenge). The emulator checks each response against the realm of the
// challenge it answers, so the calls pass only if the client hashes with
// that realm rather than one it met before.
func TestRealmOfTheChallengeAnswered(t *testing.T) {
	clk := quirkClock(t)
	b := newBench(t, emu.Config{Clock: clk, LockAfter: 1, Realm: "DS-6E392E44",
		Quirks: emu.Quirks{NonceUses: 1, RealmFlipAfter: 1}}, func(c *hikvision.Config) { c.Clock = clk })
	b.seed(40)
	ctx := context.Background()
	for i := range 3 {
		if _, err := b.target.Inventory(ctx, nil); err != nil {
			t.Fatalf("inventory %d: %v", i+1, err)
		}
	}
	if n := b.term.FailedLogins(); n != 0 || b.term.Locked() {
		t.Errorf("%d failed logins (locked %v)", n, b.term.Locked())
	}
	if n := b.log.Count(func(r emulator.Request) bool { return r.AuthScheme == "" }); n < 6 {
		t.Errorf("%d challenges fetched: the realm hardly changed", n)
	}
}

// Firmware that answers a wrong password inconsistently — first a userCheck
// body without a challenge, then an HTML 401 with one — still gets at most
// two wrong logins from a client: after a counted failure without a new
// challenge the client asks for one unsigned, so the next refusal is of a
// challenge just received (counted), not of a nonce that worked before
// (which would pass for a spent nonce and cost one more try).
func TestInconsistentRefusalsCostAtMostTwoLogins(t *testing.T) {
	var mu sync.Mutex
	nonce, signedRefusals, accepted := 0, 0, false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		challenge := func() {
			nonce++
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Digest realm="DS-K1T671MF", nonce="n%d", qop="auth"`, nonce))
		}
		switch {
		case r.Header.Get("Authorization") == "":
			challenge()
			w.WriteHeader(http.StatusUnauthorized)
		case !accepted:
			accepted = true
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"UserInfoCount":{"userNumber":3}}`)
		case signedRefusals == 0:
			signedRefusals++
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><userCheck><statusValue>401</statusValue><statusString>Unauthorized</statusString><isDefaultPassword>false</isDefaultPassword><isRiskPassword>false</isRiskPassword><isActivated>true</isActivated><retryLoginTime>4</retryLoginTime></userCheck>`)
		default:
			signedRefusals++
			challenge()
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, "<html><body>Digest authentication failed</body></html>")
		}
	}))
	t.Cleanup(srv.Close)
	zone, _ := time.LoadLocation("Europe/Ljubljana")
	c, err := hikvision.NewClient(hikvision.Config{Name: "entrance", BaseURL: srv.URL, Username: "admin", Password: "pw",
		Zone: zone, Clock: quirkClock(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	for range 4 {
		_, _ = c.Count(context.Background())
	}
	_, err = c.Count(context.Background())
	mu.Lock()
	defer mu.Unlock()
	if signedRefusals > 2 || !errors.Is(err, target.ErrStopped) {
		t.Errorf("%d wrong logins reached the terminal, last call: %v; want at most 2 and the client stopped", signedRefusals, err)
	}
}
