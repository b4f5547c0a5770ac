package cli

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/doorsync/doorsync/internal/config"
	"github.com/doorsync/doorsync/internal/service"
	"github.com/doorsync/doorsync/internal/target/neyross"
	"github.com/doorsync/doorsync/internal/target/ntk"
)

// neyrossChecks checks the EIS plugin: the token, the EIS access levels the
// plugin exposes, and the number of persons it lets doorsync see.
func neyrossChecks(ctx context.Context, cfg *config.Config) []Line {
	n := cfg.Neyross
	subject := systemSubject("neyross", n.Name)
	line := func(st Status, check, detail string) Line {
		return Line{Status: st, Subject: subject, Check: check, Detail: detail}
	}
	c, err := neyross.NewClient(neyross.Config{Name: n.Name, BaseURL: n.URL, Token: n.Token.Value(), Zone: cfg.Zone, Timeout: n.Timeout, Batch: n.Batch})
	if err != nil {
		return []Line{line(StatusFail, "client", err.Error())}
	}
	defer c.Close()
	count, err := c.Count(ctx)
	if err != nil {
		return []Line{line(StatusFail, "token", err.Error())}
	}
	lines := []Line{line(StatusOK, "token", fmt.Sprintf("%s accepted the token; %d EIS person(s) visible", n.URL, count))}
	levels, err := c.AccessLevels(ctx)
	switch {
	case err != nil:
		lines = append(lines, line(StatusFail, "access levels", err.Error()))
	case len(levels) == 0:
		lines = append(lines, line(StatusFail, "access levels", `no EIS access level: the NEYROSS admin must mark levels with the "[И] " prefix`))
	default:
		lines = append(lines, line(StatusOK, "access levels", fmt.Sprintf("%d EIS access level(s), e.g. %q", len(levels), levels[0].Name)))
	}
	return lines
}

// ntkChecks checks what can be checked of NTK without uploading a list:
// that doorsync's upload client accepts the configuration (it refuses plain
// http:// except to loopback, where the config only warns) and that the
// endpoint's host accepts a connection (for https, a TLS handshake with a
// verified certificate). NTK's only call is the upload, which would replace
// the access list; so no request is sent, and the upload path and the
// credentials stay unchecked — the line says so.
func ntkChecks(ctx context.Context, cfg *config.Config) []Line {
	n := cfg.NTK
	subject := systemSubject("ntk", n.Name)
	line := func(st Status, check, detail string) Line {
		return Line{Status: st, Subject: subject, Check: check, Detail: detail}
	}
	c, err := ntk.NewClient(service.NTKClientConfig(*n))
	if err != nil {
		return []Line{line(StatusFail, "client", err.Error())}
	}
	c.Close()
	u, err := url.Parse(n.URL)
	if err != nil {
		return []Line{line(StatusFail, "reachability", err.Error())}
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), map[bool]string{true: "443", false: "80"}[u.Scheme == "https"])
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	what := "accepted a TCP connection"
	if err == nil && u.Scheme == "https" {
		tc := tls.Client(conn, &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12})
		err = tc.HandshakeContext(ctx)
		conn = tc
		what = "completed a TLS handshake with a valid certificate for " + u.Hostname()
	}
	if err != nil {
		return []Line{line(StatusFail, "reachability", fmt.Sprintf("%s: %v", host, err))}
	}
	_ = conn.Close()
	return []Line{
		line(StatusOK, "reachability", host+" "+what+"; no request was sent"),
		line(StatusInfo, "credentials", "not checked, nor the upload path: NTK's only call is the list upload, which doctor never makes; the first sync shows whether they work"),
	}
}

// systemSubject names a target in doctor lines: "neyross", or "neyross main"
// when the configured name differs from the system's.
func systemSubject(system, name string) string {
	if name == "" || name == system {
		return system
	}
	return system + " " + name
}
