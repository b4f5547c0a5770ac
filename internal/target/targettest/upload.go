package targettest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/target"
)

// UploadFixture is a target that takes its whole list in one upload and
// cannot be read (NTK): no inventory, no lookup, no per-account write. What
// the contract still asks of it is what RunUpload checks: the system holds
// exactly what was sent (the emulator's record stands in for the read-back),
// nothing reaches it after cancellation or for an empty list, an overload
// answer comes back at once for the engine to retry, the system's refusal is reported in its own words and not
// retried, rejected credentials stop the target after at most two attempts,
// and a malformed reply is an error that says where it came from.
type UploadFixture struct {
	Name string // the target's name, which every error must carry

	// Upload builds a valid list of n entries (n may be 0), uploads it
	// and returns the system's receipt and the bytes of the list sent.
	Upload func(ctx context.Context, n int) (receipt string, sent []byte, err error)
	// Accepted returns the lists the emulator accepted, oldest first.
	Accepted func() [][]byte

	// Uploads counts upload requests that got past authentication,
	// whatever the answer; Requests counts everything.
	Uploads  func() int
	Requests func() int

	// InjectBusy makes the next n requests get the system's overload answer.
	InjectBusy func(n int)
	// InjectRejected makes the next upload refused by the system with this
	// text, as the system refuses a list it finds wrong.
	InjectRejected func(text string)
	// Malformations lists what InjectMalformed can do (at least one).
	Malformations   []Malformation
	InjectMalformed func(m Malformation)

	// BreakAuth makes the target's credentials wrong from now on;
	// AuthAttempts counts the requests carrying credentials that reached
	// the emulator since.
	BreakAuth    func()
	AuthAttempts func() int
}

func (f UploadFixture) check(t *testing.T) {
	t.Helper()
	var missing []string
	for name, ok := range map[string]bool{
		"Name": f.Name != "", "Upload": f.Upload != nil, "Accepted": f.Accepted != nil, "Uploads": f.Uploads != nil,
		"Requests": f.Requests != nil, "InjectBusy": f.InjectBusy != nil, "InjectRejected": f.InjectRejected != nil,
		"Malformations": len(f.Malformations) > 0, "InjectMalformed": f.InjectMalformed != nil,
		"BreakAuth": f.BreakAuth != nil, "AuthAttempts": f.AuthAttempts != nil,
	} {
		if !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("targettest: upload fixture lacks %v", missing)
	}
}

// RunUpload runs every case of the upload contract, each against a fresh
// fixture.
func RunUpload(t *testing.T, newFixture func(t *testing.T) UploadFixture) {
	runCases(t, newFixture, []testCase[UploadFixture]{
		{"UploadReadBack", testUploadReadBack},
		{"UploadEmptyRefused", testUploadEmpty},
		{"UploadCancelled", testUploadCancelled},
		{"BusyAnsweredAtOnce", testUploadBusy},
		{"RejectedNotRetried", testUploadRejected},
		{"AuthFailureStops", testUploadAuthStop},
		{"MalformedReplies", testUploadMalformed},
	})
}

// assertHolds checks that the system's latest list is exactly sent and
// that it holds want lists in all.
func assertHolds(t *testing.T, f UploadFixture, sent []byte, want int) {
	t.Helper()
	acc := f.Accepted()
	if len(acc) != want {
		t.Fatalf("the system holds %d lists, want %d", len(acc), want)
	}
	if want > 0 && !bytes.Equal(acc[len(acc)-1], sent) {
		t.Errorf("the system holds a list other than the one sent:\n got %q\nwant %q", clip(acc[len(acc)-1]), clip(sent))
	}
}

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

func testUploadReadBack(t *testing.T, f UploadFixture) {
	receipt, sent, err := f.Upload(ctx(t), 3)
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if receipt == "" {
		t.Error("an accepted upload returned no receipt")
	}
	assertHolds(t, f, sent, 1)
	if n := f.Uploads(); n != 1 {
		t.Errorf("%d upload requests, want 1", n)
	}
	// A list far larger than what some systems check on arrival (NTK: the
	// first 4 KB) arrives whole.
	_, sent, err = f.Upload(ctx(t), 600)
	if err != nil {
		t.Fatalf("Upload of 600 entries: %v", err)
	}
	if len(sent) < 8<<10 {
		t.Fatalf("the fixture's 600-entry list is only %d bytes", len(sent))
	}
	assertHolds(t, f, sent, 2)
}

func testUploadEmpty(t *testing.T, f UploadFixture) {
	before := f.Requests()
	_, _, err := f.Upload(ctx(t), 0)
	if target.ClassOf(err) != target.Permanent {
		t.Errorf("an empty list: want class permanent (an empty list would take everyone's access), got %v", err)
	}
	if n := f.Requests() - before; n != 0 {
		t.Errorf("an empty list sent %d requests", n)
	}
	assertHolds(t, f, nil, 0)
}

func testUploadCancelled(t *testing.T, f UploadFixture) {
	c, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := f.Upload(c, 3)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("want context.Canceled, got %v", err)
	}
	if n := f.Uploads(); n != 0 {
		t.Errorf("%d uploads after cancellation", n)
	}
	assertHolds(t, f, nil, 0)
}

func testUploadBusy(t *testing.T, f UploadFixture) {
	f.InjectBusy(1)
	before := f.Requests()
	_, _, err := f.Upload(ctx(t), 5)
	if c := target.ClassOf(err); err == nil || (c != target.Busy && c != target.Transient) {
		t.Fatalf("upload answered with overload: want class busy or transient, got %v", err)
	}
	if n := f.Requests() - before; n != 1 {
		t.Errorf("%d requests for one overload answer, want 1 (the engine sends again, not the target)", n)
	}
	assertHolds(t, f, nil, 0)
	_, sent, err := f.Upload(ctx(t), 5)
	if err != nil {
		t.Fatalf("upload after the overload answer: %v", err)
	}
	assertHolds(t, f, sent, 1)
}

func testUploadRejected(t *testing.T, f UploadFixture) {
	const why = "line 2: card 12AB is not 8 or 14 hex digits"
	f.InjectRejected(why)
	_, _, err := f.Upload(ctx(t), 3)
	if target.ClassOf(err) != target.Permanent {
		t.Errorf("a refused list: want class permanent, got %v", err)
	}
	if err == nil || !strings.Contains(err.Error(), why) {
		t.Errorf("the error does not quote the system's reason %q: %v", why, err)
	}
	if n := f.Uploads(); n != 1 {
		t.Errorf("a refused list was sent %d times, want once (sending it again cannot help)", n)
	}
	assertHolds(t, f, nil, 0)
	// The target stays usable.
	if _, sent, err := f.Upload(ctx(t), 3); err != nil {
		t.Errorf("upload after a refusal: %v", err)
	} else {
		assertHolds(t, f, sent, 1)
	}
}

func testUploadAuthStop(t *testing.T, f UploadFixture) {
	f.BreakAuth()
	var err error
	for i := 0; i < 4 && !errors.Is(err, target.ErrStopped); i++ {
		_, _, err = f.Upload(ctx(t), 3)
		if target.ClassOf(err) != target.Auth {
			t.Fatalf("upload with wrong credentials: want class auth, got %v", err)
		}
	}
	if !errors.Is(err, target.ErrStopped) {
		t.Fatalf("the target did not stop after repeated authentication failures: %v", err)
	}
	before := f.Requests()
	for range 3 {
		if _, _, err := f.Upload(ctx(t), 3); target.ClassOf(err) != target.Auth || !errors.Is(err, target.ErrStopped) {
			t.Errorf("upload after the stop: want class auth and ErrStopped, got %v", err)
		}
	}
	if n := f.Requests() - before; n != 0 {
		t.Errorf("a stopped target still sent %d requests", n)
	}
	if n := f.AuthAttempts(); n > 2 {
		t.Errorf("%d authenticated attempts reached the emulator, want at most 2", n)
	}
	assertHolds(t, f, nil, 0)
}

func testUploadMalformed(t *testing.T, f UploadFixture) {
	for _, m := range f.Malformations {
		t.Run(string(m), func(t *testing.T) {
			held := len(f.Accepted())
			f.InjectMalformed(m)
			receipt, _, err := f.Upload(ctx(t), 3)
			assertMalformedErr(t, "Upload", err)
			if receipt != "" {
				t.Errorf("a malformed reply gave the receipt %q", receipt)
			}
			// The target is still usable once the replies are sane again.
			_, sent, err := f.Upload(ctx(t), 4)
			if err != nil {
				t.Fatalf("upload after recovery: %v", err)
			}
			if acc := f.Accepted(); len(acc) <= held || !bytes.Equal(acc[len(acc)-1], sent) {
				t.Errorf("after recovery the system does not hold the list sent")
			}
		})
	}
}
