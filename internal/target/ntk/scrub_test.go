package ntk

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
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

// NTK's own words quoted in the upload's error (issue 11 review: a 500
// body "login user:<most of the password>…" came back as it was) keep no
// run of the password.
func TestUploadErrorKeepsNoRunOfThePassword(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "login %s:%s... failed", testUser, testPass[:len(testPass)-3])
	}))
	defer srv.Close()
	c, err := NewClient(Config{Name: "library", URL: srv.URL + "/upload", Username: testUser, Password: testPass,
		Timeout: 10 * time.Second, Clock: clock.NewManual(time.Date(2025, 11, 1, 9, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Upload(context.Background(), testList(t))
	if err == nil {
		t.Fatal("upload accepted")
	}
	for i := 0; i+5 <= len(testPass)-3; i++ {
		if run := testPass[i : i+5]; strings.Contains(err.Error(), run) {
			t.Fatalf("the error keeps %q of the password: %v", run, err)
		}
	}
}
