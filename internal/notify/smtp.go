package notify

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/doorsync/doorsync/internal/clock"
)

// SMTP defaults.
const (
	DefaultSMTPPort    = 587
	DefaultSMTPTimeout = 30 * time.Second
	// implicitTLSPort is SMTPS (RFC 8314): TLS from the first byte.
	implicitTLSPort = 465
)

// SMTP sends the event as a plain-text UTF-8 e-mail through a relay.
//
// TLS: on port 465 (or with ImplicitTLS) the connection is TLS from the
// start. Otherwise STARTTLS is used whenever the server offers it, and is
// required when a password is set and the relay is not on this machine
// (loopback): a password never crosses the network in clear text.
type SMTP struct {
	Host     string
	Port     int // 0: DefaultSMTPPort
	Username string
	Password string
	From     string
	To       []string
	Timeout  time.Duration // per connection; 0: DefaultSMTPTimeout
	// ImplicitTLS forces TLS from the first byte on a port other than 465.
	ImplicitTLS bool
	// TLSConfig verifies the relay (e.g. a private CA); nil: the system
	// roots and Host as the server name.
	TLSConfig *tls.Config
	// Clock dates the message; nil: the system clock.
	Clock clock.Clock

	// dial replaces the network dialer in tests, so a relay with a
	// non-loopback name can be played on 127.0.0.1.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// String names the relay without its password.
func (s SMTP) String() string { return "smtp " + s.addr() }

// GoString keeps %#v from printing the password.
func (s SMTP) GoString() string {
	return fmt.Sprintf("notify.SMTP{Host: %q, Port: %d, Username: %q, Password: [redacted], From: %q, To: %q}",
		s.Host, s.port(), s.Username, s.From, s.To)
}

func (s SMTP) port() int {
	if s.Port == 0 {
		return DefaultSMTPPort
	}
	return s.Port
}

func (s SMTP) addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.port())) }

func (s SMTP) implicitTLS() bool { return s.ImplicitTLS || s.port() == implicitTLSPort }

// tlsPolicy decides STARTTLS: mandatory when a password would otherwise
// travel in clear text over the network, opportunistic otherwise.
func (s SMTP) tlsPolicy() mail.TLSPolicy {
	if s.Password != "" && !isLoopback(s.Host) {
		return mail.TLSMandatory
	}
	return mail.TLSOpportunistic
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(h, "[]"))
	return err == nil && ip.Unmap().IsLoopback()
}

func (s SMTP) Notify(ctx context.Context, e Event) error {
	name := s.String()
	if err := s.check(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	msg, err := s.message(e)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	// go-mail leaves the connection open when a step after the dial fails
	// (e.g. no STARTTLS): every connection is closed on return.
	var conns []net.Conn
	var stops []func() bool
	defer func() {
		for _, stop := range stops {
			stop()
		}
		for _, c := range conns {
			c.Close()
		}
	}()
	dial := func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		raw := s.dial
		if raw == nil {
			var d net.Dialer
			raw = d.DialContext
		}
		conn, err := raw(dialCtx, network, addr)
		if err != nil {
			return nil, err
		}
		if s.implicitTLS() {
			tc := tls.Client(conn, s.tlsConfig())
			if err := tc.HandshakeContext(dialCtx); err != nil {
				conn.Close()
				return nil, err
			}
			conn = tc
		}
		// go-mail bounds each step by its timeout but not by our context
		// (dialCtx ends with the dial): closing the connection when the
		// caller's context ends makes a cancelled run stop waiting.
		conns = append(conns, conn)
		stops = append(stops, context.AfterFunc(ctx, func() { conn.Close() }))
		return conn, nil
	}
	client, err := mail.NewClient(s.Host, s.options(dial)...)
	if err != nil {
		return fmt.Errorf("%s: %s", name, s.scrub(err.Error()))
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", name, ctx.Err())
		}
		clean := s.scrub(err.Error())
		if clean != err.Error() {
			err = nil // the cause holds the secret: do not let Unwrap reveal it
		}
		if !s.implicitTLS() && s.tlsPolicy() == mail.TLSMandatory && strings.Contains(clean, "STARTTLS") {
			clean += " (the password is sent only over TLS to a relay not on this machine: use a relay that offers STARTTLS, or port 465)"
		}
		return &smtpError{msg: name + ": " + clean, err: err}
	}
	return nil
}

// check rejects a configuration that cannot send, naming the field.
func (s SMTP) check() error {
	switch {
	case strings.TrimSpace(s.Host) == "":
		return errors.New("no host")
	case s.Port < 0 || s.Port > 65535:
		return fmt.Errorf("port %d out of range", s.Port)
	case strings.TrimSpace(s.From) == "":
		return errors.New("no from address")
	case len(s.To) == 0:
		return errors.New("no recipients (to)")
	case s.Password != "" && s.Username == "":
		return errors.New("a password is set but no username")
	}
	return nil
}

func (s SMTP) tlsConfig() *tls.Config {
	cfg := &tls.Config{}
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = strings.Trim(s.Host, "[]")
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

func (s SMTP) options(dial mail.DialContextFunc) []mail.Option {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultSMTPTimeout
	}
	opts := []mail.Option{
		mail.WithPort(s.port()),
		mail.WithTimeout(timeout),
		mail.WithTLSConfig(s.tlsConfig()),
		mail.WithDialContextFunc(dial),
	}
	if s.implicitTLS() {
		// Our dialer already speaks TLS; WithSSL stops go-mail from trying
		// STARTTLS inside it.
		opts = append(opts, mail.WithSSL())
	} else {
		opts = append(opts, mail.WithTLSPolicy(s.tlsPolicy()))
	}
	if s.Username != "" {
		// PLAIN and LOGIN only over TLS, except to a relay on this machine
		// (go-mail refuses them in clear text otherwise).
		plain, login := mail.SMTPAuthPlain, mail.SMTPAuthLogin
		if isLoopback(s.Host) {
			plain, login = mail.SMTPAuthPlainNoEnc, mail.SMTPAuthLoginNoEnc
		}
		opts = append(opts,
			mail.WithOpportunisticSMTPAuth(mail.SMTPAuthSCRAMSHA256, mail.SMTPAuthSCRAMSHA1, mail.SMTPAuthCramMD5, plain, login),
			mail.WithUsername(s.Username), mail.WithPassword(s.Password))
	}
	return opts
}

// message builds the e-mail: UTF-8, quoted-printable (readable in raw form,
// safe for Slovenian letters), marked auto-generated (RFC 3834) so
// vacation responders stay quiet.
func (s SMTP) message(e Event) (*mail.Msg, error) {
	m := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP), mail.WithNoDefaultUserAgent())
	if err := m.From(s.From); err != nil {
		return nil, fmt.Errorf("from address %q: %w", s.From, err)
	}
	for _, to := range s.To {
		if err := m.AddTo(to); err != nil {
			return nil, fmt.Errorf("recipient %q: %w", to, err)
		}
	}
	m.Subject(Headline(e))
	clk := s.Clock
	if clk == nil {
		clk = clock.System{}
	}
	m.SetDateWithValue(clk.Now())
	m.SetMessageID()
	m.SetUserAgent("doorsync")
	m.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	m.SetBodyString(mail.TypeTextPlain, Body(e))
	return m, nil
}

// scrub removes the password, in clear and in the base64 forms AUTH PLAIN
// and LOGIN send, from text that came back from the server or the library.
func (s SMTP) scrub(text string) string {
	if s.Password == "" {
		return text
	}
	for _, secret := range []string{
		base64.StdEncoding.EncodeToString([]byte("\x00" + s.Username + "\x00" + s.Password)),
		base64.StdEncoding.EncodeToString([]byte(s.Password)),
		s.Password,
	} {
		text = strings.ReplaceAll(text, secret, "[redacted]")
	}
	return text
}

// smtpError carries the scrubbed message; Unwrap keeps the cause for
// errors.Is/As (e.g. a *mail.SendError's temporary flag).
type smtpError struct {
	msg string
	err error
}

func (e *smtpError) Error() string { return e.msg }
func (e *smtpError) Unwrap() error { return e.err }
