package httpx

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadAll(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		length int64
		limit  int64
		want   string // the error's text, "" for none
	}{
		{"within", "hello", -1, 5, ""},
		{"declared within", "hello", 5, 16, ""},
		{"one over", "hello!", -1, 5, "reply too large: more than 5 bytes"},
		{"declared over", "", 17 << 10, 16 << 10, "reply too large: Content-Length 17408 is over the limit of 16 KiB"},
		{"lying length", strings.Repeat("x", 2<<20), 10, 1 << 20, "reply too large: more than 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ReadAll(strings.NewReader(tt.body), tt.length, tt.limit)
			if tt.want == "" {
				if err != nil || string(b) != tt.body {
					t.Fatalf("%q, %v", b, err)
				}
				return
			}
			var big *TooLargeError
			if !errors.As(err, &big) || big.Limit != tt.limit || !errors.Is(err, ErrTooLarge) || err.Error() != tt.want {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
	boom := errors.New("connection reset")
	if _, err := ReadAll(iotest.ErrReader(boom), -1, 10); !errors.Is(err, boom) {
		t.Errorf("read error %v", err)
	}
}

func TestBoundedReader(t *testing.T) {
	for _, tt := range []struct {
		n, limit int
		over     bool
	}{{0, 0, false}, {10, 10, false}, {11, 10, true}, {4096, 100, true}} {
		b, err := io.ReadAll(NewBoundedReader(bytes.NewReader(make([]byte, tt.n)), int64(tt.limit)))
		if tt.over != errors.Is(err, ErrTooLarge) || (!tt.over && len(b) != tt.n) || len(b) > tt.limit {
			t.Errorf("%d bytes at limit %d: read %d, %v", tt.n, tt.limit, len(b), err)
		}
	}
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{16 << 20: "16 MiB", 64 << 10: "64 KiB", 1000: "1000 bytes", 1536: "1536 bytes", 0: "0 bytes"} {
		if got := ByteSize(n); got != want {
			t.Errorf("ByteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
