package cardskipper

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
)

// discardWriter is a ResponseWriter that counts and drops the body, so the
// benchmark measures what the emulator itself holds.
type discardWriter struct {
	h http.Header
	n int64
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Write(b []byte) (int, error) { d.n += int64(len(b)); return len(b), nil }

// BenchmarkExport100k streams a 100,000-member export. Allocations per op
// stay far below the document's size: the reply is written as a stream.
func BenchmarkExport100k(b *testing.B) {
	s := New(Config{Username: user, Password: pass, Organisations: orgs(), Zone: zone(b), Clock: clocktest.Start(b)})
	ms := make([]Member, 100_000)
	for i := range ms {
		ms[i] = Member{OrganisationMemberID: fmt.Sprint(150000 + i), FirstName: "Žiga", LastName: "Čeh", Email: fmt.Sprintf("z%d@example.si", i),
			Address: Address{Line1: "Celovška cesta 1", Zip: "1000", City: "Ljubljana"},
			Roles:   []MemberRole{role(1, 3126, "2025-10-01", "2025-11-01"), role(1, 3127, "2024-01-01", "2024-12-31")}, Tags: []string{"student"}}
	}
	s.SetMembers(ms)
	body := search(`<OrganisationId value="1"/>`)
	b.ReportAllocs()
	var size int64
	for b.Loop() {
		req, _ := http.NewRequest("POST", "/Member/Export/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/xml")
		req.SetBasicAuth(user, pass)
		w := &discardWriter{h: http.Header{}}
		s.ServeHTTP(w, req)
		size = w.n
	}
	b.ReportMetric(float64(size)/1e6, "MB/doc")
}
