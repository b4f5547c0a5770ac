package hikvision

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
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

// A terminal whose error envelope spells the password with a JSON escape
// (issue 11 review: "password \u0073…" decoded to the password after the
// body was scrubbed) does not get it into the error.
func TestEnvelopeErrorKeepsNoPassword(t *testing.T) {
	const pass = "s3cret-Pa55"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"requestURL":"%s","statusCode":4,"statusString":"Invalid Operation","subStatusCode":"badParameters","errorCode":1610612737,"errorMsg":"password \u0073%s is wrong"}`,
			r.URL.Path, pass[1:])
	}))
	defer srv.Close()
	c, err := NewClient(Config{Name: "entrance", BaseURL: srv.URL, Username: "admin", Password: pass, Zone: time.UTC, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.DeviceInfo(context.Background())
	if err == nil {
		t.Fatal("device info accepted")
	}
	if strings.Contains(err.Error(), pass) || strings.Contains(err.Error(), pass[1:]) {
		t.Fatalf("the error keeps the password: %v", err)
	}
}
