package target

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"
	"testing"
)

// A system that answered (busy, 5xx, a refusal) is told apart from one
// that did not answer at all (timeout, connection refused or reset).
func TestUnanswered(t *testing.T) {
	refused := &url.Error{Op: "Get", URL: "http://10.0.0.20/ISAPI", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"busy", &Error{Class: Busy, Code: "deviceBusy"}, false},
		{"503", &Error{Class: Transient, Code: "http", Message: "HTTP 503"}, false},
		{"timeout", fmt.Errorf("terminal %w", &Error{Class: Transient, Code: CodeTimeout}), true},
		{"refused", fmt.Errorf("terminal %w", &Error{Class: Transient, Err: refused}), true},
		{"reset", &Error{Class: Transient, Err: &url.Error{Op: "Post", URL: "http://x", Err: syscall.ECONNRESET}}, true},
		{"unclassified", errors.New("something"), false},
	} {
		if got := Unanswered(c.err); got != c.want {
			t.Errorf("%s: Unanswered = %v, want %v", c.name, got, c.want)
		}
	}
}
