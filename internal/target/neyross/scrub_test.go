package neyross_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/redact/redacttest"
	"github.com/doorsync/doorsync/internal/target/neyross"
)

// A platform (or proxy) that answers with an error and echoes the request's
// headers must not get the bearer token into the error.
func TestScrubsEchoedToken(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadRequest, http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusOK} {
		echo := redacttest.NewEcho(t, false)
		echo.Status = status
		c, err := neyross.NewClient(neyross.Config{Name: "pacs", BaseURL: echo.URL, Token: token, Zone: zone(t), Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Count(ctxT(t))
		c.Close()
		if err == nil {
			t.Fatalf("HTTP %d: count accepted", status)
		}
		echo.AssertClean(t, http.StatusText(status)+" error", err.Error(), token)
	}
}
