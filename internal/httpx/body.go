package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ErrTooLarge is what every TooLargeError is (errors.Is).
var ErrTooLarge = errors.New("reply too large")

// TooLargeError is a reply over a client's cap: a runaway or not the
// system the client expects, never read to its end.
type TooLargeError struct {
	Limit  int64 // the cap, in bytes
	Length int64 // the declared Content-Length when that told; 0: found reading
}

func (e *TooLargeError) Error() string {
	if e.Length > 0 {
		return fmt.Sprintf("%v: Content-Length %d is over the limit of %s", ErrTooLarge, e.Length, ByteSize(e.Limit))
	}
	return fmt.Sprintf("%v: more than %s", ErrTooLarge, ByteSize(e.Limit))
}

func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// CheckLength refuses a declared Content-Length over limit before anything
// is read (-1, unknown, passes).
func CheckLength(length, limit int64) error {
	if length > limit {
		return &TooLargeError{Limit: limit, Length: length}
	}
	return nil
}

// ReadAll reads a whole reply of at most limit bytes. The buffer is sized
// from the declared length (bounded by limit), so a page is read in one
// allocation instead of a chain of doublings. A read error is returned as
// it is (with what was read); a reply over limit is a *TooLargeError.
func ReadAll(r io.Reader, length, limit int64) ([]byte, error) {
	if err := CheckLength(length, limit); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(int(min(max(length+1, 4096), limit+1)))
	if _, err := buf.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return buf.Bytes(), err
	}
	if int64(buf.Len()) > limit {
		return nil, &TooLargeError{Limit: limit}
	}
	return buf.Bytes(), nil
}

// NewBoundedReader reads r and fails with a *TooLargeError once more than
// limit bytes arrive: for a reply decoded as a stream. Exactly limit bytes
// pass.
func NewBoundedReader(r io.Reader, limit int64) io.Reader {
	return &boundedReader{r: r, left: limit, limit: limit}
}

type boundedReader struct {
	r           io.Reader
	left, limit int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Probe for one more byte: exactly limit bytes is fine.
		var one [1]byte
		n, err := b.r.Read(one[:])
		if n > 0 {
			return 0, &TooLargeError{Limit: b.limit}
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// ByteSize writes a cap the way people say it: "16 MiB", "64 KiB", "100
// bytes".
func ByteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
