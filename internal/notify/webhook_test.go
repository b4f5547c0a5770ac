package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Tokens as a hook URL carries them: in the path and in the query.
const (
	pathToken  = "T0KEN-in-the-path-9f8e7d"
	queryToken = "q-secret-123456"
)

func hookURL(base string) string { return base + "/hooks/" + pathToken + "?token=" + queryToken }

// hook is an httptest server answering with the given statuses in turn
// (the last one repeats) and recording the bodies it received.
type hook struct {
	*httptest.Server
	calls  atomic.Int32
	bodies chan []byte
}

func newHook(t *testing.T, handler func(n int, w http.ResponseWriter, r *http.Request)) *hook {
	t.Helper()
	h := &hook{bodies: make(chan []byte, 10)}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(h.calls.Add(1))
		body, _ := io.ReadAll(r.Body)
		h.bodies <- body
		handler(n, w, r)
	}))
	t.Cleanup(h.Close)
	return h
}

func statuses(codes ...int) func(n int, w http.ResponseWriter, r *http.Request) {
	return func(n int, w http.ResponseWriter, r *http.Request) {
		code := codes[min(n, len(codes))-1]
		w.WriteHeader(code)
		// A careless service echoing the request URL in its error page.
		fmt.Fprintf(w, "error at %s", r.URL.String())
	}
}

// wirePayload is the documented webhook body.
type wirePayload struct {
	Version     int            `json:"version"`
	Event       string         `json:"event"`
	Text        string         `json:"text"`
	RunID       int64          `json:"run_id"`
	Outcome     string         `json:"outcome"`
	Mode        string         `json:"mode"`
	Host        string         `json:"host"`
	StartedAt   time.Time      `json:"started_at"`
	FinishedAt  time.Time      `json:"finished_at"`
	Counts      map[string]int `json:"counts"`
	Errors      []string       `json:"errors"`
	MoreErrors  int            `json:"more_errors"`
	GuardReason string         `json:"guard_reason"`
	Summary     string         `json:"summary"`
}

func TestWebhookPostsJSON(t *testing.T) {
	var gotMethod, gotType, gotUA, gotPath, gotQuery string
	h := newHook(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		gotMethod, gotType, gotUA = r.Method, r.Header.Get("Content-Type"), r.Header.Get("User-Agent")
		gotPath, gotQuery = r.URL.Path, r.URL.Query().Get("token")
		w.WriteHeader(http.StatusNoContent)
	})
	e := heldEvent()
	e.GuardReason = "30 shorten/revoke items exceed the limit of 25"
	if err := (Webhook{URL: hookURL(h.URL)}).Notify(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if gotMethod != http.MethodPost || gotType != "application/json" || gotUA != "doorsync" {
		t.Errorf("request = %s %q %q", gotMethod, gotType, gotUA)
	}
	if gotPath != "/hooks/"+pathToken || gotQuery != queryToken {
		t.Errorf("posted to %s ?token=%s: the URL must be used as configured", gotPath, gotQuery)
	}
	var p wirePayload
	body := <-h.bodies
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields() // the documented fields, no more
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("body: %v\n%s", err, body)
	}
	if p.Version != PayloadVersion || p.Event != "run" || p.RunID != 42 || p.Outcome != "held" || p.Mode != "auto" || p.Host != "gym-box" {
		t.Errorf("payload = %+v", p)
	}
	if p.Text != "doorsync: run 42 held — 3 items await approval (gym-box)" {
		t.Errorf("text = %q", p.Text)
	}
	if !p.StartedAt.Equal(e.StartedAt) || !p.FinishedAt.Equal(e.FinishedAt) {
		t.Errorf("times = %v, %v", p.StartedAt, p.FinishedAt)
	}
	if p.Counts["applied"] != 12 || p.Counts["held"] != 3 || len(p.Errors) != 2 || p.Errors[0] != e.Errors[0] || p.GuardReason != e.GuardReason {
		t.Errorf("counts/errors = %v %q %q", p.Counts, p.Errors, p.GuardReason)
	}
}

func TestWebhookRetries(t *testing.T) {
	tests := []struct {
		name      string
		codes     []int
		wantCalls int32
		wantErr   string
	}{
		{"ok", []int{200}, 1, ""},
		{"500 then success", []int{500, 202}, 2, ""},
		{"429 then success", []int{429, 200}, 2, ""},
		{"500 twice", []int{500, 503}, 2, "HTTP 503 Service Unavailable: error at …?… (after 2 attempts)"},
		{"400 is not retried", []int{400, 200}, 1, "HTTP 400 Bad Request: error at …?…"},
		{"404 is not retried", []int{404, 200}, 1, "HTTP 404 Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHook(t, statuses(tt.codes...))
			w := Webhook{URL: hookURL(h.URL), RetryDelay: time.Millisecond}
			err := w.Notify(context.Background(), heldEvent())
			if got := h.calls.Load(); got != tt.wantCalls {
				t.Errorf("%d requests, want %d", got, tt.wantCalls)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "webhook "+h.URL+"/…: ") {
				t.Errorf("err = %v, want %q after the redacted URL", err, tt.wantErr)
			}
			assertNoToken(t, err)
		})
	}
}

func TestWebhookTimeout(t *testing.T) {
	h := newHook(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers; the client gives up
	})
	w := Webhook{URL: hookURL(h.URL), Client: &http.Client{Timeout: 50 * time.Millisecond}, RetryDelay: time.Millisecond}
	err := w.Notify(context.Background(), heldEvent())
	if err == nil || !strings.Contains(err.Error(), "Client.Timeout exceeded") || !strings.Contains(err.Error(), "after 2 attempts") {
		t.Fatalf("err = %v, want a timeout after 2 attempts", err)
	}
	assertNoToken(t, err)
	if got := h.calls.Load(); got != 2 {
		t.Errorf("%d requests, want 2 (a timeout is retried once)", got)
	}
}

func TestWebhookNetworkError(t *testing.T) {
	h := newHook(t, statuses(200))
	url := hookURL(h.URL)
	h.Close() // nothing listens any more
	err := (Webhook{URL: url, RetryDelay: time.Millisecond}).Notify(context.Background(), heldEvent())
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "after 2 attempts") {
		t.Fatalf("err = %v, want connection refused after 2 attempts", err)
	}
	assertNoToken(t, err)
}

func TestWebhookCancelledDuringRetryDelay(t *testing.T) {
	h := newHook(t, statuses(500))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now() // wall clock: measuring how long Notify waited
	err := (Webhook{URL: hookURL(h.URL), RetryDelay: time.Hour}).Notify(ctx, heldEvent())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("err = %v, want the 500 and the context's deadline", err)
	}
	if time.Since(start) > 10*time.Second { // wall clock: measuring
		t.Error("the retry delay ignored the context")
	}
	if got := h.calls.Load(); got != 1 {
		t.Errorf("%d requests, want 1", got)
	}
	assertNoToken(t, err)
}

func TestWebhookBadURL(t *testing.T) {
	for _, raw := range []string{"ftp://user:" + queryToken + "@hooks.example.com/x", "hooks.example.com/" + pathToken, "http://%zz/" + pathToken, ""} {
		err := (Webhook{URL: raw}).Notify(context.Background(), heldEvent())
		if err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
			t.Errorf("URL %q: err = %v", raw, err)
		}
		assertNoToken(t, err)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://hooks.example.com/services/T0/B0/XYZ", "https://hooks.example.com/…"},
		{"https://hooks.example.com/?token=abc", "https://hooks.example.com/…"},
		{"https://user:pw@hooks.example.com", "https://hooks.example.com"},
		{"https://hooks.example.com:8443/", "https://hooks.example.com:8443"},
		{"https://hooks.example.com#frag", "https://hooks.example.com/…"},
		{"not a url", "[unparseable URL]"},
		{"http://%zz", "[unparseable URL]"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWebhookPrintsNoToken(t *testing.T) {
	w := Webhook{URL: hookURL("https://hooks.example.com")}
	out := fmt.Sprintf("%v %+v %#v %s", w, w, w, w)
	if strings.Contains(out, pathToken) || strings.Contains(out, queryToken) {
		t.Errorf("printing the webhook reveals its token: %s", out)
	}
}

func FuzzRedactURL(f *testing.F) {
	for _, s := range []string{hookURL("https://hooks.example.com"), "https://u:p@h/?q#f", "http://[::1]:80/x", "//x", "%", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out := RedactURL(raw)
		if strings.ContainsAny(out, "?#@") {
			t.Errorf("RedactURL(%q) = %q keeps a query, fragment or user info", raw, out)
		}
	})
}

func assertNoToken(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, tok := range []string{pathToken, queryToken} {
		if strings.Contains(err.Error(), tok) {
			t.Errorf("error reveals a URL token: %q", strings.ReplaceAll(err.Error(), tok, "<TOKEN>"))
		}
	}
}
