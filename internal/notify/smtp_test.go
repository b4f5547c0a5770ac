package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
)

const testPassword = "s3cret-Pässwörd!"

func heldEvent() Event {
	loc := time.FixedZone("CET", 3600)
	return Event{
		RunID: 42, Outcome: OutcomeHeld, Mode: "auto", Host: "gym-box",
		StartedAt:  time.Date(2025, 11, 1, 10, 0, 0, 0, loc),
		FinishedAt: time.Date(2025, 11, 1, 10, 0, 42, 0, loc),
		Counts:     map[string]int{"applied": 12, "held": 3, "failed": 0},
		Errors:     []string{"entrance: account 1042 (Žiga Čeh): HTTP 500", "back-door: connection refused"},
	}
}

func (r *receiver) smtp(mod func(s *SMTP)) SMTP {
	s := SMTP{
		Host: "127.0.0.1", Port: r.addr.Port, From: "doorsync <doorsync@gym.example>",
		To: []string{"admin@gym.example", "Šef Žagar <sef@gym.example>"}, Timeout: 5 * time.Second,
		Clock: clock.NewManual(time.Date(2025, 11, 1, 10, 0, 43, 0, time.FixedZone("CET", 3600))),
	}
	if mod != nil {
		mod(&s)
	}
	return s
}

func TestSMTPSendsUTF8Message(t *testing.T) {
	r := newReceiver(t, nil)
	e := heldEvent()
	if err := r.smtp(nil).Notify(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	msgs := r.Messages()
	if len(msgs) != 1 {
		t.Fatalf("received %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.From != "doorsync@gym.example" || strings.Join(got.To, ",") != "admin@gym.example,sef@gym.example" {
		t.Errorf("envelope = %s → %v", got.From, got.To)
	}
	m, err := mail.ReadMessage(strings.NewReader(got.Data))
	if err != nil {
		t.Fatalf("message does not parse: %v\n%s", err, got.Data)
	}
	var dec mime.WordDecoder
	header := func(name string) string {
		v, err := dec.DecodeHeader(m.Header.Get(name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	wantSubject := "doorsync: run 42 held — 3 items await approval (gym-box)"
	tests := []struct{ header, want string }{
		{"Subject", wantSubject},
		{"Date", "Sat, 01 Nov 2025 10:00:43 +0100"},
		{"Content-Type", "text/plain; charset=UTF-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
		{"Auto-Submitted", "auto-generated"},
		{"MIME-Version", "1.0"},
	}
	for _, tt := range tests {
		if got := header(tt.header); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.header, got, tt.want)
		}
	}
	parser := mail.AddressParser{WordDecoder: &dec}
	from, err := parser.Parse(m.Header.Get("From"))
	if err != nil || from.Name != "doorsync" || from.Address != "doorsync@gym.example" {
		t.Errorf("From = %v (%v)", from, err)
	}
	to, err := parser.ParseList(m.Header.Get("To"))
	if err != nil || len(to) != 2 || to[0].Address != "admin@gym.example" || to[1].Name != "Šef Žagar" || to[1].Address != "sef@gym.example" {
		t.Errorf("To = %v (%v)", to, err)
	}
	if !strings.HasPrefix(m.Header.Get("Message-ID"), "<") {
		t.Errorf("Message-ID = %q", m.Header.Get("Message-ID"))
	}
	// Raw headers are 7-bit: the UTF-8 subject is encoded, not sent raw.
	head, _, _ := strings.Cut(got.Data, "\r\n\r\n")
	for i := 0; i < len(head); i++ {
		if head[i] >= 0x80 {
			t.Fatalf("header holds a raw 8-bit byte: %q", head)
		}
	}
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	gotBody := strings.ReplaceAll(string(body), "\r\n", "\n")
	if strings.TrimSpace(gotBody) != strings.TrimSpace(Body(e)) {
		t.Errorf("body = %q\nwant %q", gotBody, Body(e))
	}
	for _, want := range []string{"Žiga Čeh", "applied", "took 42s"} {
		if !strings.Contains(gotBody, want) {
			t.Errorf("body lacks %q", want)
		}
	}
	if got.TLS || got.User != "" {
		t.Errorf("plain relay without credentials: TLS %v user %q", got.TLS, got.User)
	}
}

func TestSMTPAuthAndTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	tests := []struct {
		name      string
		configure func(r *receiver)
		client    func(r *receiver, s *SMTP)
		wantTLS   bool
		wantMech  string
	}{
		{
			name:      "STARTTLS then AUTH PLAIN",
			configure: func(r *receiver) { r.cert, r.startTLS, r.authMechs = cert, true, "PLAIN LOGIN" },
			wantTLS:   true, wantMech: "PLAIN",
		},
		{
			name:      "STARTTLS then AUTH LOGIN",
			configure: func(r *receiver) { r.cert, r.startTLS, r.authMechs = cert, true, "LOGIN" },
			wantTLS:   true, wantMech: "LOGIN",
		},
		{
			name:      "implicit TLS",
			configure: func(r *receiver) { r.cert, r.implicit, r.authMechs = cert, true, "PLAIN" },
			client:    func(_ *receiver, s *SMTP) { s.ImplicitTLS = true },
			wantTLS:   true, wantMech: "PLAIN",
		},
		{
			// A relay on this machine (Postfix on localhost) may take a
			// password in clear text: it never crosses the network.
			name:      "loopback relay without TLS",
			configure: func(r *receiver) { r.authMechs = "PLAIN LOGIN" },
			wantTLS:   false, wantMech: "PLAIN",
		},
		{
			// A relay with a network name: STARTTLS verified against its
			// name, played on 127.0.0.1.
			name:      "named relay with STARTTLS",
			configure: func(r *receiver) { r.cert, r.startTLS, r.authMechs = cert, true, "PLAIN" },
			client:    func(r *receiver, s *SMTP) { s.Host, s.dial = "mail.gym.example", r.to127() },
			wantTLS:   true, wantMech: "PLAIN",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReceiver(t, func(r *receiver) {
				r.user, r.pass = "doorsync", testPassword
				tt.configure(r)
			})
			s := r.smtp(func(s *SMTP) {
				s.Username, s.Password = "doorsync", testPassword
				s.TLSConfig = &tls.Config{RootCAs: pool}
			})
			if tt.client != nil {
				tt.client(r, &s)
			}
			if err := s.Notify(context.Background(), heldEvent()); err != nil {
				t.Fatal(err)
			}
			msgs := r.Messages()
			if len(msgs) != 1 {
				t.Fatalf("received %d messages", len(msgs))
			}
			if msgs[0].TLS != tt.wantTLS || msgs[0].User != "doorsync" {
				t.Errorf("message over TLS %v as %q; want TLS %v as doorsync", msgs[0].TLS, msgs[0].User, tt.wantTLS)
			}
			if got := strings.Join(r.authed, ","); got != tt.wantMech {
				t.Errorf("authenticated with %q, want %q", got, tt.wantMech)
			}
		})
	}
}

// A password is never sent to a relay on the network that does not offer
// STARTTLS: the run gets an error instead, and the relay sees no AUTH.
func TestSMTPRequiresTLSForPasswordOverNetwork(t *testing.T) {
	r := newReceiver(t, func(r *receiver) { r.authMechs, r.user, r.pass = "PLAIN LOGIN", "doorsync", testPassword })
	s := r.smtp(func(s *SMTP) {
		s.Host, s.dial = "mail.gym.example", r.to127()
		s.Username, s.Password = "doorsync", testPassword
	})
	err := s.Notify(context.Background(), heldEvent())
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") || !strings.Contains(err.Error(), "smtp mail.gym.example:") {
		t.Fatalf("err = %v, want a STARTTLS error naming the relay", err)
	}
	for _, c := range r.Commands() {
		if c == "AUTH" || c == "MAIL" {
			t.Errorf("client sent %s to a relay without TLS", c)
		}
	}
	if len(r.Messages()) != 0 {
		t.Error("a message was delivered")
	}
}

func TestSMTPUntrustedCertificate(t *testing.T) {
	cert, _ := selfSigned(t)
	r := newReceiver(t, func(r *receiver) {
		r.cert, r.startTLS, r.authMechs, r.user, r.pass = cert, true, "PLAIN", "doorsync", testPassword
	})
	s := r.smtp(func(s *SMTP) { s.Username, s.Password = "doorsync", testPassword }) // system roots only
	err := s.Notify(context.Background(), heldEvent())
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err = %v, want a certificate error", err)
	}
	for _, c := range r.Commands() {
		if c == "AUTH" {
			t.Error("credentials sent over an unverified connection")
		}
	}
}

func TestSMTPRejectedRecipient(t *testing.T) {
	r := newReceiver(t, func(r *receiver) {
		r.rejectTo = func(a string) bool { return a == "nobody@gym.example" }
	})
	s := r.smtp(func(s *SMTP) { s.To = []string{"admin@gym.example", "nobody@gym.example"} })
	err := s.Notify(context.Background(), heldEvent())
	if err == nil {
		t.Fatal("no error for a rejected recipient")
	}
	for _, want := range []string{fmt.Sprintf("smtp 127.0.0.1:%d", r.addr.Port), "RCPT TO", "550", "nobody@gym.example", "Recipient address rejected"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, lacks %q", err, want)
		}
	}
	if len(r.Messages()) != 0 {
		t.Error("a message was delivered despite the rejected recipient")
	}
}

func TestSMTPAuthFailureHidesPassword(t *testing.T) {
	cert, pool := selfSigned(t)
	for _, echo := range []bool{false, true} {
		t.Run(fmt.Sprintf("server echoes credentials %v", echo), func(t *testing.T) {
			r := newReceiver(t, func(r *receiver) {
				r.cert, r.startTLS, r.authMechs = cert, true, "PLAIN"
				r.user, r.pass, r.echoAuth = "doorsync", "the-right-one", echo
			})
			s := r.smtp(func(s *SMTP) {
				s.Username, s.Password, s.TLSConfig = "doorsync", testPassword, &tls.Config{RootCAs: pool}
			})
			err := s.Notify(context.Background(), heldEvent())
			if err == nil || !strings.Contains(err.Error(), "535") {
				t.Fatalf("err = %v, want the relay's 535", err)
			}
			assertNoSecret(t, err, testPassword)
			for e := error(err); e != nil; e = errors.Unwrap(e) {
				assertNoSecret(t, e, testPassword)
			}
			if echo && !strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("err = %v, want the echoed password redacted", err)
			}
		})
	}
}

func TestSMTPTimeoutAndCancel(t *testing.T) {
	r := newReceiver(t, func(r *receiver) { r.silent = true })

	s := r.smtp(func(s *SMTP) { s.Timeout = 100 * time.Millisecond })
	err := s.Notify(context.Background(), heldEvent())
	if err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("err = %v, want a timeout", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	s = r.smtp(nil)     // a 5 s timeout: the context must end it first
	start := time.Now() // wall clock: measuring how long Notify waited
	err = s.Notify(ctx, heldEvent())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
	if time.Since(start) > 4*time.Second { // wall clock: measuring
		t.Error("Notify ignored the context and waited for its own timeout")
	}
}

func TestSMTPConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		mod  func(s *SMTP)
		want string
	}{
		{"no host", func(s *SMTP) { s.Host = "" }, "no host"},
		{"no from", func(s *SMTP) { s.From = "" }, "no from address"},
		{"no recipients", func(s *SMTP) { s.To = nil }, "no recipients"},
		{"bad from", func(s *SMTP) { s.From = "not an address" }, `from address "not an address"`},
		{"bad recipient", func(s *SMTP) { s.To = []string{"admin@gym.example", "bad@@x"} }, `recipient "bad@@x"`},
		{"password without user", func(s *SMTP) { s.Password = testPassword }, "no username"},
		{"port", func(s *SMTP) { s.Port = 70000 }, "port 70000 out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := SMTP{Host: "127.0.0.1", Port: 1, From: "doorsync@gym.example", To: []string{"admin@gym.example"}}
			tt.mod(&s)
			err := s.Notify(context.Background(), heldEvent())
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "smtp ") {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
			assertNoSecret(t, err, testPassword)
		})
	}
}

func TestSMTPTLSPolicy(t *testing.T) {
	tests := []struct {
		host, password string
		mandatory      bool
	}{
		{"mail.gym.example", testPassword, true},
		{"10.0.0.5", testPassword, true},
		{"mail.gym.example", "", false},
		{"localhost", testPassword, false},
		{"127.0.0.1", testPassword, false},
		{"127.0.0.2", testPassword, false},
		{"::1", testPassword, false},
		{"[::1]", testPassword, false},
		{"LOCALHOST.", testPassword, false},
		{"localhost.gym.example", testPassword, true},
	}
	for _, tt := range tests {
		s := SMTP{Host: tt.host, Password: tt.password}
		if got := s.tlsPolicy().String() == "TLSMandatory"; got != tt.mandatory {
			t.Errorf("host %q password %v: mandatory TLS = %v, want %v", tt.host, tt.password != "", got, tt.mandatory)
		}
	}
}

func TestSMTPPrintsNoPassword(t *testing.T) {
	s := SMTP{Host: "mail.gym.example", Username: "doorsync", Password: testPassword, From: "a@b.example", To: []string{"c@d.example"}}
	out := fmt.Sprintf("%v %+v %#v %s", s, s, s, s)
	if strings.Contains(out, testPassword) {
		t.Errorf("printing the SMTP config reveals the password: %s", out)
	}
	if !strings.Contains(out, "smtp mail.gym.example:587") {
		t.Errorf("printed = %s", out)
	}
}

func assertNoSecret(t *testing.T, err error, secret string) {
	t.Helper()
	if err == nil {
		return
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error reveals the secret: %q", strings.ReplaceAll(err.Error(), secret, "<SECRET>"))
	}
}
