package httpx

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Rules are what a base URL may hold besides scheme and host.
type Rules struct {
	// HTTPSOnly refuses plain http except to this machine: the URL's
	// requests carry a password that must not cross the network readable.
	HTTPSOnly bool
	// AllowQuery and AllowFragment accept a URL that is a whole address
	// (an upload URL, a webhook) rather than a base to add paths to.
	AllowQuery, AllowFragment bool
	// Credentials names where the credentials go instead of the URL's user
	// information ("username and password", "token"), for the message.
	Credentials string
}

// Problem is what is wrong with a URL.
type Problem int

const (
	NotURL      Problem = iota + 1 // url.Parse refused it
	UserInfo                       // it holds user information (user:pass@)
	BadScheme                      // neither http nor https
	NotHTTPS                       // plain http to another machine, under Rules.HTTPSOnly
	NoHost                         // no host name
	HasQuery                       // a query (?…) where none is allowed
	HasFragment                    // a fragment (#…) where none is allowed
	BadPort                        // a port outside 1..65535
)

// URLError is a URL that breaks the Rules. URL is the URL without its
// user information ("" when it could not be parsed); Error never shows more.
type URLError struct {
	Problem     Problem
	URL         string
	credentials string // Rules.Credentials
}

func (e *URLError) Error() string {
	switch e.Problem {
	case NotURL:
		return "is not a URL"
	case UserInfo:
		// Never echoed: it may hold the password.
		if e.credentials == "" {
			return "must not contain credentials"
		}
		return "must not contain credentials: put them in " + e.credentials + ", not in the URL"
	case BadScheme:
		return fmt.Sprintf("%q: want http:// or https://", e.URL)
	case NotHTTPS:
		return fmt.Sprintf("%q: want https:// (the credentials must not cross the network in clear text; plain http only to this machine)", e.URL)
	case NoHost:
		return fmt.Sprintf("%q: no host", e.URL)
	case HasQuery:
		return fmt.Sprintf("%q: must not have a query (?…): give the base address", e.URL)
	case HasFragment:
		return fmt.Sprintf("%q: must not have a fragment (#…)", e.URL)
	case BadPort:
		return fmt.Sprintf("%q: invalid port", e.URL)
	}
	return fmt.Sprintf("%q: not a usable URL", e.URL)
}

// ParseBase checks raw (white space around it ignored) against r and
// returns it parsed. The checks run in this order, so that a URL holding a
// password is refused as such before any message could quote it. The
// error is a *URLError.
func ParseBase(raw string, r Rules) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, &URLError{Problem: NotURL}
	}
	fail := func(p Problem) (*url.URL, error) {
		return nil, &URLError{Problem: p, URL: u.Redacted(), credentials: r.Credentials}
	}
	switch {
	case u.User != nil:
		return fail(UserInfo)
	case u.Scheme != "https" && r.HTTPSOnly && (u.Scheme != "http" || (u.Hostname() != "" && !IsLoopback(u.Hostname()))):
		return fail(NotHTTPS)
	case u.Scheme != "http" && u.Scheme != "https":
		return fail(BadScheme)
	case u.Host == "" || u.Hostname() == "":
		return fail(NoHost)
	case !r.AllowQuery && (u.RawQuery != "" || u.ForceQuery):
		return fail(HasQuery)
	case !r.AllowFragment && u.Fragment != "":
		return fail(HasFragment)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fail(BadPort)
		}
	}
	return u, nil
}

// IsLoopback reports whether host is this machine: "localhost" or a
// loopback address. Credentials sent there in clear text never cross a
// network (the demo, the emulators).
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
