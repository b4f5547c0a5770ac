package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver is a tiny SMTP server on 127.0.0.1 that speaks enough of RFC 5321
// for a submission client: EHLO/HELO, STARTTLS, AUTH PLAIN and LOGIN, MAIL,
// RCPT, DATA, RSET, NOOP, QUIT. It records what it received.
type receiver struct {
	t    *testing.T
	ln   net.Listener
	addr *net.TCPAddr
	wg   sync.WaitGroup

	// Behaviour, set before start.
	cert      *tls.Certificate // for STARTTLS and implicit TLS
	implicit  bool             // TLS from the first byte
	startTLS  bool             // offer STARTTLS
	authMechs string           // e.g. "PLAIN LOGIN"; "" offers no AUTH
	user      string           // expected credentials
	pass      string
	echoAuth  bool                   // a careless server that echoes credentials in its 535
	rejectTo  func(addr string) bool // RCPT answered 550
	silent    bool                   // accept and never greet

	mu       sync.Mutex
	messages []message
	commands []string // verbs seen, in order ("EHLO", "STARTTLS", "AUTH", "MAIL" …)
	authed   []string // mechanisms that succeeded
	failed   int      // failed AUTH attempts
}

// message is one mail the receiver accepted.
type message struct {
	From string
	To   []string
	Data string
	TLS  bool
	User string
}

func newReceiver(t *testing.T, configure func(r *receiver)) *receiver {
	t.Helper()
	r := &receiver{t: t}
	if configure != nil {
		configure(r)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if r.implicit {
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*r.cert}})
	}
	r.ln = ln
	r.addr = ln.Addr().(*net.TCPAddr)
	r.wg.Add(1)
	go r.serve()
	t.Cleanup(func() {
		ln.Close()
		r.wg.Wait()
	})
	return r
}

func (r *receiver) serve() {
	defer r.wg.Done()
	for {
		conn, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			defer conn.Close()
			// Bound every session so a stuck client cannot hang the test.
			conn.SetDeadline(time.Now().Add(10 * time.Second)) // wall clock: a net.Conn deadline
			r.session(conn)
		}()
	}
}

func (r *receiver) record(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f()
}

func (r *receiver) Messages() []message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]message(nil), r.messages...)
}

func (r *receiver) Commands() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.commands...)
}

func (r *receiver) session(conn net.Conn) {
	if r.silent {
		io.Copy(io.Discard, conn) // until the client gives up
		return
	}
	_, isTLS := conn.(*tls.Conn)
	tp := textproto.NewConn(conn)
	reply := func(format string, args ...any) { tp.PrintfLine(format, args...) }
	reply("220 receiver.test ESMTP")
	var cur message
	var user string
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		r.record(func() { r.commands = append(r.commands, verb) })
		switch verb {
		case "EHLO", "HELO":
			ext := []string{"receiver.test", "8BITMIME", "ENHANCEDSTATUSCODES"}
			if r.startTLS && !isTLS {
				ext = append(ext, "STARTTLS")
			}
			if r.authMechs != "" {
				ext = append(ext, "AUTH "+r.authMechs)
			}
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				reply("250%s%s", sep, e)
			}
		case "STARTTLS":
			if !r.startTLS || isTLS {
				reply("502 5.5.1 not offered")
				continue
			}
			reply("220 2.0.0 ready to start TLS")
			tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{*r.cert}})
			if err := tc.Handshake(); err != nil {
				return // the client refused our certificate
			}
			conn, isTLS = tc, true
			tp = textproto.NewConn(tc)
			cur, user = message{}, ""
		case "AUTH":
			u, ok := r.auth(tp, arg)
			if ok {
				user = u
				reply("235 2.7.0 authentication successful")
			}
		case "MAIL":
			cur = message{From: addrOf(arg), TLS: isTLS, User: user}
			reply("250 2.1.0 ok")
		case "RCPT":
			to := addrOf(arg)
			if r.rejectTo != nil && r.rejectTo(to) {
				reply("550 5.1.1 <%s>: Recipient address rejected: User unknown in local recipient table", to)
				continue
			}
			cur.To = append(cur.To, to)
			reply("250 2.1.5 ok")
		case "DATA":
			if len(cur.To) == 0 {
				reply("554 5.5.1 no valid recipients")
				continue
			}
			reply("354 end data with <CR><LF>.<CR><LF>")
			data, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			cur.Data = string(data)
			r.record(func() { r.messages = append(r.messages, cur) })
			cur = message{}
			reply("250 2.0.0 queued as 1")
		case "RSET":
			cur = message{}
			reply("250 2.0.0 ok")
		case "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 command not recognised")
		}
	}
}

// auth runs one AUTH exchange and answers failures itself.
func (r *receiver) auth(tp *textproto.Conn, arg string) (string, bool) {
	mech, initial, _ := strings.Cut(arg, " ")
	mech = strings.ToUpper(mech)
	read := func(prompt string) string {
		tp.PrintfLine("334 %s", prompt)
		line, _ := tp.ReadLine()
		b, _ := base64.StdEncoding.DecodeString(line)
		return string(b)
	}
	var user, pass string
	switch {
	case mech == "PLAIN" && strings.Contains(r.authMechs, "PLAIN"):
		raw := initial
		var decoded string
		if raw == "" {
			decoded = read("")
		} else {
			b, _ := base64.StdEncoding.DecodeString(raw)
			decoded = string(b)
		}
		parts := strings.Split(decoded, "\x00")
		if len(parts) == 3 {
			user, pass = parts[1], parts[2]
		}
	case mech == "LOGIN" && strings.Contains(r.authMechs, "LOGIN"):
		user = read(base64.StdEncoding.EncodeToString([]byte("Username:")))
		pass = read(base64.StdEncoding.EncodeToString([]byte("Password:")))
	default:
		tp.PrintfLine("504 5.5.4 mechanism not supported")
		return "", false
	}
	if user != r.user || pass != r.pass {
		r.record(func() { r.failed++ })
		if r.echoAuth {
			tp.PrintfLine("535 5.7.8 bad credentials for %s/%s (%s)", user, pass,
				base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00"+pass)))
		} else {
			tp.PrintfLine("535 5.7.8 authentication credentials invalid")
		}
		return "", false
	}
	r.record(func() { r.authed = append(r.authed, mech) })
	return user, true
}

// addrOf takes the address out of "FROM:<a@b> SIZE=…".
func addrOf(arg string) string {
	_, rest, _ := strings.Cut(arg, ":")
	rest = strings.TrimSpace(rest)
	if i := strings.Index(rest, ">"); strings.HasPrefix(rest, "<") && i > 0 {
		return rest[1:i]
	}
	return rest
}

// selfSigned makes a certificate for 127.0.0.1 and mail.gym.example, and a
// pool that trusts it.
func selfSigned(t *testing.T) (*tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now() // wall clock: the TLS handshake checks the certificate's validity against it
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "receiver.test"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"mail.gym.example"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// to127 dials the receiver whatever host name the client was given.
func (r *receiver) to127() func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, r.addr.String())
	}
}

func (r *receiver) String() string { return fmt.Sprintf("receiver %s", r.addr) }
