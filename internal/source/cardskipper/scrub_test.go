package cardskipper

import (
	"context"
	"net/http"
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
