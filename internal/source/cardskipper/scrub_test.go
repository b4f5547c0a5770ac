package cardskipper

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doorsync/doorsync/internal/redact/redacttest"
)

// A server (or proxy) that answers with an error, or with something that is
// not the document, and echoes the request's headers must not get the Basic
// credentials into the error, not even cut short by a quote.
func TestScrubsEchoedCredentials(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadRequest, http.StatusUnauthorized, http.StatusOK} {
		echo := redacttest.NewEcho(t, false)
		echo.Status = status
		c := newClient(t, echo.URL)
		_, err := c.Export(context.Background(), ExportQuery{OrganisationID: 1})
		if err == nil {
			t.Fatalf("HTTP %d: export accepted", status)
		}
		echo.AssertClean(t, http.StatusText(status)+" export error", err.Error(), testPassword)
		_, err = c.OrganisationInfo(context.Background())
		if err == nil {
			t.Fatalf("HTTP %d: organisations accepted", status)
		}
		echo.AssertClean(t, http.StatusText(status)+" organisations error", err.Error(), testPassword)
	}
}

// A reply that quotes the password raw where the client's message cuts its
// quote (40 bytes of a reply's start, of text before the root element, 80
// of a bad name) must not leave the password's first characters at the
// cut: the reply is scrubbed whole before it is cut. (Before, the cut
// left "s3c", too short a fragment for the scrub of the message.)
func TestNoFragmentOfTheSecretAtACut(t *testing.T) {
	pad := func(n int) string { return strings.Repeat("x", n) }
	for _, tc := range []struct {
		name, contentType, body string
	}{
		{"plain text", "text/plain", pad(37) + testPassword},
		{"JSON", "application/json", pad(37) + testPassword},
		{"text before the root", "application/xml", `<?xml version="1.0"?>` + pad(37) + testPassword + `<Cardskipper/>`},
		{"bad element name", "application/xml", `<Cardskipper><1` + pad(76) + testPassword + `/></Cardskipper>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			_, err := newClient(t, srv.URL).Export(context.Background(), ExportQuery{OrganisationID: 1})
			if err == nil {
				t.Fatal("export accepted")
			}
			if msg := err.Error(); strings.Contains(msg, testPassword[:3]) {
				t.Errorf("the message keeps the start of the password at its cut: %s", msg)
			}
		})
	}
}
