package hikvision

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/clock/clocktest"

	"github.com/icholy/digest"
)

// BenchmarkSearchPageOverHTTP measures one authenticated 30-record page of a
// full terminal over loopback, as the client sees the emulator.
func BenchmarkSearchPageOverHTTP(b *testing.B) {
	term := New(Config{Password: testPass, Clock: clocktest.Start(b)})
	term.SetPersons(makePersons(1500))
	srv := httptest.NewServer(term)
	defer srv.Close()
	hc := &http.Client{Transport: &digest.Transport{Username: "admin", Password: testPass}}
	body := searchBody("bench", 600, 30)
	b.ReportAllocs()
	for b.Loop() {
		res, err := hc.Post(srv.URL+searchURI, "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
}

// BenchmarkSearchHandler measures the Search handler alone (no HTTP, no auth).
func BenchmarkSearchHandler(b *testing.B) {
	term := New(Config{Clock: clocktest.Start(b)})
	term.SetPersons(makePersons(1500))
	body := searchBody("bench", 600, 30, "1", "700", "1499")
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, searchURI, strings.NewReader(body))
		rec := httptest.NewRecorder()
		term.handleSearch(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
