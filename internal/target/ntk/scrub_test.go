package ntk

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/clock"
	"github.com/doorsync/doorsync/internal/redact/redacttest"
)

// A server (or proxy) that answers with an error and echoes the request's
// headers must not get the Basic credentials into the upload's error.
func TestUploadScrubsEchoedCredentials(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadRequest, http.StatusOK, http.StatusRequestTimeout, http.StatusTeapot} {
		echo := redacttest.NewEcho(t, false)
		echo.Status = status
		c, err := NewClient(Config{Name: "library", URL: echo.URL + "/upload", Username: testUser, Password: testPass,
			Timeout: 10 * time.Second, Clock: clock.NewManual(time.Date(2025, 11, 1, 9, 0, 0, 0, time.UTC))})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Upload(context.Background(), testList(t))
		c.Close()
		if err == nil {
			t.Fatalf("HTTP %d: upload accepted", status)
		}
		echo.AssertClean(t, http.StatusText(status)+" error", err.Error(), testPass)
	}
}
