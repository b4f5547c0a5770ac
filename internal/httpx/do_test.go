package httpx

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doorsync/doorsync/internal/redact"
	"github.com/doorsync/doorsync/internal/redact/redacttest"
	"github.com/doorsync/doorsync/internal/target"
)

// What a server echoes of the request: the headers come back scrubbed; the
// body comes back as it was sent (data are decoded unchanged: a name may
// look like a credential), and the error a client builds from it, the body
// scrubbed whole before it is quoted, carries no secret.
func TestDoScrubsAnEchoWhole(t *testing.T) {
	echo := redacttest.NewEcho(t, false)
	echo.Digest = true
	hc, err := NewClient(Transport{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	e := Errors{System: "neyross", Target: "pacs", Who: "the platform", Scrub: redact.New(testSecret)}
	call := Call{Op: "persons", Method: http.MethodPost, URL: echo.URL + "/x", Body: []byte(`{}`), ContentType: "application/json", Accept: "application/json"}
	bearer := func(req *http.Request) error { req.Header.Set("Authorization", "Bearer "+testSecret); return nil }
	r, err := e.Do(context.Background(), hc, 5*time.Second, 1<<20, call, bearer)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != http.StatusInternalServerError || len(r.Body) == 0 {
		t.Fatalf("status %d, body %q", r.Status, r.Body)
	}
	if !strings.Contains(string(r.Body), testSecret) {
		t.Errorf("the body was changed: %q", r.Body)
	}
	status := e.Status("persons", r.Status, "", "(body "+Quote(e.Scrub.Bytes(r.Body), 200)+")", "")
	echo.AssertClean(t, "status error", status.Error(), testSecret)
	for k, vs := range r.Header {
		echo.AssertClean(t, "header "+k, strings.Join(vs, " "), testSecret)
	}
	if len(echo.Auths()) == 0 {
		t.Error("the credentials were not sent")
	}

	// Unsigned, the server challenges: the challenge comes back as sent.
	r, err = e.Do(context.Background(), hc, 5*time.Second, 1<<20, call, nil)
	if err != nil || r.Status != http.StatusUnauthorized || len(r.Challenge) == 0 || !strings.HasPrefix(r.Challenge[0], "Digest ") {
		t.Fatalf("challenge %q, status %v, %v", r.Challenge, r, err)
	}

	// A signing failure is returned as the signer classified it, unsent.
	refused := e.Fail(target.Auth, "persons", "noChallenge", "cannot sign", nil)
	before := len(echo.Auths())
	if _, err := e.Do(context.Background(), hc, 5*time.Second, 1<<20, call, func(*http.Request) error { return refused }); !errors.Is(err, refused) {
		t.Errorf("sign error %v", err)
	}
	if len(echo.Auths()) != before {
		t.Error("sent although signing failed")
	}
}
