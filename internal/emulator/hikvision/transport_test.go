package hikvision

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/icholy/digest"

	"github.com/doorsync/doorsync/internal/clock/clocktest"
)

// The production client uses digest.Transport; it must get through every
// nonce policy with its one retry per request.
func TestWithDigestTransport(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"multi-use nonces", Config{}},
		{"single-use nonces", Config{SingleUseNonce: true}},
		{"SHA-256 offered", Config{OfferSHA256: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Password, tt.cfg.Clock = testPass, clocktest.Start(t)
			term := New(tt.cfg)
			term.SetPersons(makePersons(40))
			srv := httptest.NewServer(term)
			defer srv.Close()
			hc := &http.Client{Transport: &digest.Transport{Username: "admin", Password: testPass}}
			for pos := 0; pos < 40; pos += 30 {
				req, err := http.NewRequest(http.MethodPost, srv.URL+searchURI, strings.NewReader(searchBody("tr", pos, 30)))
				if err != nil {
					t.Fatal(err)
				}
				res, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || !strings.Contains(string(b), `"totalMatches":40`) {
					t.Fatalf("page at %d: %d %s", pos, res.StatusCode, b)
				}
			}
			if n := term.FailedLogins(); n != 0 {
				t.Errorf("%d failed logins", n)
			}
		})
	}
}
