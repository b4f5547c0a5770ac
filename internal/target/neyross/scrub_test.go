package neyross_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
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

// A platform that quotes most of the token back in its 401 (issue 11
// review: 24 of 27 characters reached every output) leaves no run of it in
// the stop error.
func TestStopErrorKeepsNoRunOfTheToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"message":"token %s... is not valid"}`, token[:len(token)-3])
	}))
	defer srv.Close()
	c, err := neyross.NewClient(neyross.Config{Name: "pacs", BaseURL: srv.URL, Token: token, Zone: zone(t), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Count(ctxT(t))
	if err == nil {
		t.Fatal("count accepted")
	}
	for i := 0; i+5 <= len(token)-3; i++ {
		if run := token[i : i+5]; strings.Contains(err.Error(), run) {
			t.Fatalf("the error keeps %q of the token: %v", run, err)
		}
	}
}
