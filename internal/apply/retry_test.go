package apply_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/doorsync/doorsync/internal/apply"
	"github.com/doorsync/doorsync/internal/backoff"
	"github.com/doorsync/doorsync/internal/target"
)

// The one retry decision, by error class: what a run tries again, what it
// gives up on at once, and what counts as silence.
func TestClassify(t *testing.T) {
	te := func(class target.Class, code string) error {
		return fmt.Errorf("terminal %w", &target.Error{Class: class, Target: "entrance", Op: "search page 3", Code: code})
	}
	cases := []struct {
		name string
		err  error
		want backoff.Verdict
	}{
		{"busy", te(target.Busy, "deviceBusy"), backoff.Again},
		{"5xx", te(target.Transient, "http"), backoff.Again},
		{"timeout", te(target.Transient, target.CodeTimeout), backoff.AgainSilent},
		{"connection refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, backoff.AgainSilent},
		{"refused content", te(target.Permanent, "badJsonContent"), backoff.Stop},
		{"malformed", te(target.Malformed, ""), backoff.Stop},
		{"not found", te(target.NotFound, "employeeNoNotExist"), backoff.Stop},
		{"wrong password", te(target.Auth, "badAuthorization"), backoff.Stop},
		{"stopped", fmt.Errorf("not attempted: %w", target.ErrStopped), backoff.Stop},
		{"cancelled", fmt.Errorf("search: %w", context.Canceled), backoff.Stop},
		// The client scanned several times while persons were edited:
		// scanning on in this run would only load a terminal being edited.
		{"list changed on every scan", te(target.Transient, target.CodeListChanged), backoff.Stop},
	}
	for _, c := range cases {
		if got := apply.Classify(c.err); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
