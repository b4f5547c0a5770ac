package homepath

import (
	"errors"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	home := func() (string, error) { return "/home/ana", nil }
	for _, tt := range []struct{ in, want, err string }{
		{in: "~/doorsync.db", want: "/home/ana/doorsync.db"},
		{in: "~", want: "/home/ana"},
		{in: "~/a/../b.csv", want: "/home/ana/b.csv"},
		{in: "/var/lib/doorsync/doorsync.db", want: "/var/lib/doorsync/doorsync.db"},
		{in: "reports/x.csv", want: "reports/x.csv"},
		{in: "a~/x", want: "a~/x"},
		{in: "~ana/x.db", err: `path "~ana/x.db": ~user is not supported`},
	} {
		got, err := Expand(tt.in, home)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Expand(%q) = %q, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Expand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := Expand("~/x", func() (string, error) { return "", errors.New("no HOME") }); err == nil || !strings.Contains(err.Error(), `path "~/x": the home directory for ~: no HOME`) {
		t.Errorf("no home: %v", err)
	}
	if _, err := Expand("~/x", func() (string, error) { return "", nil }); err == nil || !strings.Contains(err.Error(), "it is not set") {
		t.Errorf("empty home: %v", err)
	}
	if _, err := Expand("~/x", func() (string, error) { return "relative/dir", nil }); err == nil || !strings.Contains(err.Error(), `"relative/dir" is not an absolute path`) {
		t.Errorf("relative home: %v", err)
	}
}
