package ntk

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/doorsync/doorsync/internal/emulator"
	emu "github.com/doorsync/doorsync/internal/emulator/ntk"
	"github.com/doorsync/doorsync/internal/target/targettest"
)

// NTK cannot be read and takes whole lists, so it runs the upload part of
// the conformance suite against its emulator (HTTPS, Basic auth, the 4-KB
// check); the emulator's record of accepted lists is the read-back.
func TestConformance(t *testing.T) {
	targettest.RunUpload(t, func(t *testing.T) targettest.UploadFixture {
		f := newFixture(t, emu.Config{})
		c := f.client(t, nil)
		authFrom := 0
		count := func(match func(emulator.Request) bool) func() int {
			return func() int { return f.log.Count(match) }
		}
		return targettest.UploadFixture{
			Name: "library",
			Upload: func(ctx context.Context, n int) (string, []byte, error) {
				// One line per card, cards ascending: a canonical list.
				var list []byte
				for i := range n {
					list = fmt.Appendf(list, "%08X;%d;%d\n", 0x44490000+i, 55+i%2, 150000+i)
				}
				name, err := c.Upload(ctx, list)
				return name, list, err
			},
			Accepted: func() [][]byte {
				var out [][]byte
				for _, u := range f.emu.Accepted() {
					out = append(out, u.Body)
				}
				return out
			},
			Uploads: count(func(r emulator.Request) bool {
				return r.Method == http.MethodPost && r.AuthScheme == "Basic" && r.Status != http.StatusUnauthorized
			}),
			Requests:       count(func(emulator.Request) bool { return true }),
			InjectBusy:     func(n int) { f.faults.Next(repeat(emulator.Fault5xx, n)...) },
			InjectRejected: func(text string) { f.emu.ScriptReply(http.StatusBadRequest, "ERROR: "+text) },
			Malformations:  []targettest.Malformation{targettest.Garbage},
			InjectMalformed: func(targettest.Malformation) {
				f.faults.Next(emulator.FaultGarbage)
			},
			BreakAuth: func() {
				authFrom = len(f.log.Entries())
				f.emu.SetCredentials(testUser, "reset-by-ntk-staff")
			},
			AuthAttempts: func() int {
				n := 0
				for _, r := range f.log.Entries()[authFrom:] {
					if r.AuthScheme != "" {
						n++
					}
				}
				return n
			},
		}
	})
}

func repeat[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}
