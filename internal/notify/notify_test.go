package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestShouldNotify(t *testing.T) {
	tests := []struct {
		outcome string
		want    bool
	}{
		{OutcomeFailed, true}, {OutcomePartial, true}, {OutcomeHeld, true}, {OutcomeGuard, true},
		{"ok", false}, {"done", false}, {"", false}, {"HELD", false},
	}
	for _, tt := range tests {
		if got := ShouldNotify(tt.outcome); got != tt.want {
			t.Errorf("ShouldNotify(%q) = %v, want %v", tt.outcome, got, tt.want)
		}
	}
}

func TestHeadline(t *testing.T) {
	tests := []struct {
		name string
		e    Event
		want string
	}{
		{"held", Event{RunID: 42, Outcome: OutcomeHeld, Host: "gym-box", Counts: map[string]int{"held": 3}},
			"doorsync: run 42 held — 3 items await approval (gym-box)"},
		{"held one", Event{RunID: 7, Outcome: OutcomeHeld, Counts: map[string]int{"held": 1}},
			"doorsync: run 7 held — 1 item awaits approval"},
		{"guard", Event{RunID: 43, Outcome: OutcomeGuard, Host: "gym-box", GuardReason: "30 shorten/revoke items exceed the limit of 25"},
			"doorsync: run 43 held — guard tripped: 30 shorten/revoke items exceed the limit of 25 (gym-box)"},
		{"partial", Event{RunID: 44, Outcome: OutcomePartial, Counts: map[string]int{"failed": 2, "applied": 10}},
			"doorsync: run 44 partly failed — 2 items failed, 10 applied"},
		{"failed", Event{RunID: 45, Outcome: OutcomeFailed, Host: "gym-box", Errors: []string{"cardskipper: HTTP 401 Unauthorized\nretry later"}},
			"doorsync: run 45 failed — cardskipper: HTTP 401 Unauthorized retry later (gym-box)"},
		{"summary wins", Event{RunID: 46, Outcome: OutcomeHeld, Summary: "Žiga Čeh and 2 more await approval", Counts: map[string]int{"held": 3}},
			"doorsync: run 46 held — Žiga Čeh and 2 more await approval"},
		{"header injection", Event{RunID: 47, Outcome: OutcomeFailed, Host: "box\r\nBcc: evil@example.com"},
			"doorsync: run 47 failed (box Bcc: evil@example.com)"},
		{"no run id", Event{Outcome: OutcomeFailed}, "doorsync: run failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Headline(tt.e); got != tt.want {
				t.Errorf("Headline = %q\nwant       %q", got, tt.want)
			}
		})
	}
	long := Headline(Event{RunID: 1, Outcome: OutcomeFailed, Errors: []string{strings.Repeat("x", 1000)}})
	if n := len([]rune(long)); n > 200 {
		t.Errorf("headline has %d runes, want at most 200", n)
	}
}

func TestBody(t *testing.T) {
	e := heldEvent()
	e.GuardReason = ""
	e.Counts = map[string]int{"held": 3, "applied": 12, "zeta": 1, "failed": 0}
	e.Errors = nil
	for i := range 14 {
		e.Errors = append(e.Errors, fmt.Sprintf("entrance: account %d: HTTP 500\nsecond line", 1000+i))
	}
	body := Body(e)
	for _, want := range []string{
		"doorsync run 42 on gym-box: held\n3 items await approval\n",
		"Mode:     auto\n",
		"Started:  2025-11-01 10:00:00 +01:00\n",
		"Finished: 2025-11-01 10:00:42 +01:00 (took 42s)\n",
		"Counts:\n  applied     12\n  failed       0\n  held         3\n  zeta         1\n",
		"  - entrance: account 1000: HTTP 500 second line\n",
		"  - entrance: account 1009: HTTP 500 second line\n  (4 more not shown)\n",
		"Details: doorsync history --run 42\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q\n%s", want, body)
		}
	}
	if strings.Contains(body, "account 1010") {
		t.Errorf("body lists more than %d errors", MaxErrors)
	}
	if strings.Contains(body, "Guard:") {
		t.Error("body shows a guard line without a guard reason")
	}
}

// notifierFunc adapts a function to Notifier.
type notifierFunc func(ctx context.Context, e Event) error

func (f notifierFunc) Notify(ctx context.Context, e Event) error { return f(ctx, e) }

func TestMulti(t *testing.T) {
	var mu sync.Mutex
	var got []string
	record := func(name string, err error) Notifier {
		return notifierFunc(func(_ context.Context, e Event) error {
			mu.Lock()
			got = append(got, fmt.Sprintf("%s:%d", name, e.RunID))
			mu.Unlock()
			return err
		})
	}
	m := Multi{record("webhook", errors.New("webhook https://hooks.example.com/…: HTTP 500")), nil, record("smtp", nil)}
	err := m.Notify(context.Background(), Event{RunID: 9, Outcome: OutcomeFailed})
	if err == nil || err.Error() != "webhook https://hooks.example.com/…: HTTP 500" {
		t.Errorf("err = %v, want the webhook's error", err)
	}
	if len(got) != 2 {
		t.Errorf("notified %v, want both notifiers", got)
	}
	if err := (Multi{}).Notify(context.Background(), Event{}); err != nil {
		t.Errorf("empty Multi: %v", err)
	}
}

// A notifier that hangs does not keep the others from sending.
func TestMultiSendsConcurrently(t *testing.T) {
	sent := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	slow := notifierFunc(func(ctx context.Context, _ Event) error {
		select {
		case <-sent: // the other one got through while this one waited
			return nil
		case <-ctx.Done():
			return errors.New("the fast notifier was not called while the slow one waited")
		}
	})
	fast := notifierFunc(func(context.Context, Event) error { close(sent); return nil })
	if err := (Multi{slow, fast}).Notify(ctx, Event{}); err != nil {
		t.Error(err)
	}
}

func TestDeliver(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	calls := 0
	failing := Multi{
		notifierFunc(func(context.Context, Event) error {
			calls++
			return errors.New("webhook https://hooks.example.com/…: HTTP 500")
		}),
		notifierFunc(func(context.Context, Event) error {
			return errors.New("smtp mail.gym.example:587: dial failed: connection refused")
		}),
	}

	if err := Deliver(context.Background(), log, failing, Event{RunID: 3, Outcome: "ok"}); err != nil || calls != 0 {
		t.Errorf("a successful run was notified (calls %d, err %v)", calls, err)
	}
	if err := Deliver(context.Background(), log, nil, Event{RunID: 3, Outcome: OutcomeFailed}); err != nil {
		t.Errorf("nil notifier: %v", err)
	}

	err := Deliver(context.Background(), log, failing, Event{RunID: 3, Outcome: OutcomePartial})
	if err == nil || !strings.Contains(err.Error(), "notify run 3") {
		t.Errorf("err = %v", err)
	}
	out := logs.String()
	if strings.Count(out, "level=WARN") != 2 || !strings.Contains(out, "HTTP 500") || !strings.Contains(out, "connection refused") || !strings.Contains(out, "run=3") {
		t.Errorf("want one warning per failed notifier, got:\n%s", out)
	}
}

// End to end: a failed run notified through both channels (as the
// composition root builds them from the configuration: internal/cli's
// TestNotifiersFromConfig); the password appears in no error and no log
// line.
func TestBothChannels(t *testing.T) {
	r := newReceiver(t, func(r *receiver) { r.authMechs, r.user, r.pass = "PLAIN", "doorsync", testPassword })
	h := newHook(t, statuses(500))
	m := Multi{
		Webhook{URL: hookURL(h.URL), RetryDelay: time.Millisecond},
		SMTP{Host: "127.0.0.1", Port: r.addr.Port, Username: "doorsync", Password: testPassword,
			From: "doorsync@gym.example", To: []string{"admin@gym.example"}},
	}
	var logs bytes.Buffer
	err := Deliver(context.Background(), slog.New(slog.NewJSONHandler(&logs, nil)), m, Event{RunID: 5, Outcome: OutcomeFailed, Errors: []string{"cardskipper: HTTP 503"}})
	if err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("err = %v, want the webhook's 500", err)
	}
	if len(r.Messages()) != 1 || r.Messages()[0].User != "doorsync" {
		t.Errorf("the mail was not sent despite the webhook failing: %+v", r.Messages())
	}
	for _, s := range []string{testPassword, pathToken, queryToken} {
		if strings.Contains(err.Error(), s) || strings.Contains(logs.String(), s) {
			t.Errorf("a secret reached the error or the log")
		}
	}
}
