package hikvision

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/redact/redacttest"
)

// A terminal (or proxy) that answers with an error and echoes the request's
// headers must not get the Digest answer or the password into the error.
func TestScrubsEchoedCredentials(t *testing.T) {
	const pass = "s3cret-Pa55"
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadRequest, http.StatusForbidden, http.StatusOK} {
		echo := redacttest.NewEcho(t, false)
		echo.Status, echo.Digest = status, true
		c, err := NewClient(Config{Name: "entrance", BaseURL: echo.URL, Username: "admin", Password: pass,
			Zone: time.UTC, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.DeviceInfo(context.Background())
		c.Close()
		if err == nil {
			t.Fatalf("HTTP %d: device info accepted", status)
		}
		echo.AssertClean(t, http.StatusText(status)+" error", err.Error(), pass)
	}
}
